"""Loading: read the result tables named by the report rule's inputs into :class:`ReportData`.

Nothing here computes a statistic: tables are read as written (``%.10g``), figures as SVG
text, the reporting items as YAML, plus the provenance facts (checksums of the files the
rule was given, package versions, code revision, run facts).
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from . import inputs as I  # noqa: N812


# --------------------------------------------------------------------------- data holders
@dataclass
class CohortData:
    """Everything loaded for one cohort. Tables / figures keyed by input key, or by
    ``(key, sub)`` for signature / contrast scoped inputs."""
    name: str
    params: dict
    tables: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)
    links: dict = field(default_factory=dict)

    @property
    def role(self) -> str:
        return str(self.params.get("role", "validation"))

    def t(self, key: str, sub: str | None = None) -> pd.DataFrame | None:
        return self.tables.get(key if sub is None else (key, sub))

    def fig(self, key: str, sub: str | None = None) -> str | None:
        return self.figures.get(key if sub is None else (key, sub))

    def link(self, key: str, sub: str | None = None) -> str | None:
        return self.links.get(key if sub is None else (key, sub))

    def subs(self, key: str) -> list[str]:
        """The signatures / contrasts for which ``key`` was declared (declared order)."""
        return [k[1] for k in self.links if isinstance(k, tuple) and k[0] == key]


@dataclass
class ReportData:
    """All the report shows; built by :func:`load_report` (or by tests from tables)."""
    title: str
    config: dict
    cohorts: dict[str, CohortData]
    summary: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    signatures: dict[str, dict] = field(default_factory=dict)   # name -> {path, kind, genes, weights, description}
    provenance: dict[str, Any] = field(default_factory=dict)
    reporting: dict = field(default_factory=dict)
    reporting_path: str | None = None
    truth: dict | None = None
    truth_path: str | None = None
    cohort_sheet: pd.DataFrame | None = None
    config_yaml: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def primary(self) -> str:
        return str(self.config.get("primary_signature", "MITOSCORE"))

    @property
    def report_cfg(self) -> dict:
        return dict(self.config.get("report", {}) or {})

    @property
    def pseudonymise(self) -> bool:
        return bool(self.report_cfg.get("pseudonymise_ids", False))

    def summary_t(self, key: str) -> pd.DataFrame | None:
        return self.summary.get(key)


# --------------------------------------------------------------------------- readers
def read_table(path: str | os.PathLike, ids: bool = False) -> pd.DataFrame | None:
    """A result TSV as written by :func:`mitoscore.io.write_tsv` (``NA`` = missing);
    ``None`` when the file does not exist; an empty frame for an empty file."""
    from ..io import read_tsv
    p = Path(path)
    if not p.is_file():
        return None
    try:
        return read_tsv(p, dtype={"sample": str})
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def read_text(path: str | os.PathLike) -> str | None:
    p = Path(path)
    return p.read_text(encoding="utf-8") if p.is_file() else None


def _plain(x):
    """Snakemake config objects -> plain dicts/lists for YAML."""
    if isinstance(x, Mapping):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    return x


def _display_path(p: str, workdir: Path) -> str:
    try:
        return Path(os.path.relpath(p, workdir)).as_posix() if Path(p).is_absolute() else Path(p).as_posix()
    except ValueError:
        return p


def _role(n: str) -> str:
    """'prov@counts@SYNTHETIC_cohortA#2' -> 'counts [SYNTHETIC_cohortA]'."""
    _, a, b = I.parse_name(n.split("#")[0])
    return f"{a} [{b}]" if b else str(a)


def random_sets_cfg(config: Mapping) -> dict:
    """The random-gene-set settings (key ``random_sets``; ``null`` in early configs)."""
    return dict(config.get("random_sets") or config.get("null") or {})


def read_signature(path: str | os.PathLike, name: str, kind: str) -> dict:
    """Genes (and weights) of one signature definition file, for the appendix, read with
    the workflow's own loaders (:mod:`mitoscore.signatures`). ``kind``: 'gmt' or 'weights'.
    A file that cannot be read is reported in ``error`` (the report shows it)."""
    from ..errors import InputError
    from ..signatures import load_gmt_signatures, load_weights_table
    out = {"path": str(path), "kind": kind, "genes": [], "weights": None, "description": "", "error": None}
    try:
        if kind == "weights":
            sig = load_weights_table(str(path), name)
        else:
            sets = load_gmt_signatures(str(path))
            key = name if name in sets else (next(iter(sets)) if len(sets) == 1 else None)
            if key is None:
                raise InputError(f"set {name} is not in the GMT (sets: {', '.join(list(sets)[:5])})", file=str(path))
            sig = sets[key]
    except (InputError, OSError) as exc:
        out["error"] = str(exc)
        return out
    out.update(genes=list(sig.genes), description=str(sig.description or ""),
               weights=[sig.weights[g] for g in sig.genes] if sig.weights else None)
    return out


# --------------------------------------------------------------------------- the loader
def load_report(files: Mapping[str, Any], *, config: Mapping, cohorts: Mapping[str, Mapping],
                report_dir: str | os.PathLike, workdir: str | os.PathLike | None = None,
                basedir: str | os.PathLike | None = None, cohort_sheet: str | os.PathLike | None = None,
                config_files: Sequence[str | os.PathLike] = (), packages: Mapping[str, str] | None = None,
                now: _dt.datetime | None = None) -> ReportData:
    """Read every file named in ``files`` (the report rule's named inputs, see
    :func:`mitoscore.report.inputs.report_inputs`) into a :class:`ReportData`.

    ``cohorts``: cohort id -> cohort sheet row (sheet order); ``report_dir``: folder of
    index.html (links are written relative to it); relative paths are resolved against
    ``workdir`` (default: the current directory). A declared file that is absent (e.g. a
    test tree) is simply not loaded; the section then says 'not available'.
    """
    import yaml

    from .. import provenance as prov

    workdir = Path(workdir) if workdir else Path.cwd()
    report_dir = Path(report_dir)

    def wpath(p) -> Path:
        p = Path(p)
        return p if p.is_absolute() else workdir / p

    def rel(p) -> str:
        return Path(os.path.relpath(wpath(p).resolve(), report_dir.resolve())).as_posix()

    cdata = {c: CohortData(name=c, params=dict(row)) for c, row in cohorts.items()}
    summary, figures, links, sig_files, prov_files = {}, {}, {}, {}, []
    warnings: list[str] = []
    reporting_path = truth_path = None
    for n, path in files.items():
        if isinstance(path, (list, tuple)):
            warnings.append(f"report input {n} is a list; expected one file")
            continue
        key, cohort, sub = I.parse_name(n)
        if n == "reporting":
            reporting_path = str(path)
            continue
        if n == "truth":
            truth_path = str(path)
            continue
        if key == "signature":
            sig_files[cohort] = str(path)
            continue
        if key == "prov":
            prov_files.append((_role(n), str(path)))
            continue
        sp = I.spec(key)
        if sp is None:
            warnings.append(f"report input {n} ({path}) is not declared in mitoscore.report.inputs.INPUTS")
            continue
        p = wpath(path)
        if sp.kind == "tsv":
            value = read_table(p)
        elif sp.kind == "json":
            txt = read_text(p)
            value = json.loads(txt) if txt is not None else None
        else:
            value = read_text(p)
        k = key if sub is None else (key, sub)
        if sp.scope == "summary":
            links[key] = rel(path)
            if value is not None:
                (figures if sp.kind == "svg" else summary)[key] = value
            continue
        if cohort not in cdata:
            warnings.append(f"report input {n}: cohort {cohort} is not in the cohort sheet")
            continue
        cd = cdata[cohort]
        cd.links[k] = rel(path)
        if value is not None:
            (cd.figures if sp.kind == "svg" else cd.tables)[k] = value

    reporting: dict = {}
    if reporting_path is not None and wpath(reporting_path).is_file():
        reporting = yaml.safe_load(wpath(reporting_path).read_text(encoding="utf-8")) or {}
    else:
        warnings.append("reporting items file not given or not found (config report.reporting): every "
                        "REMARK/TRIPOD item that needs it is graded missing")
    truth = None
    if truth_path is not None:
        txt = read_text(wpath(truth_path))
        truth = json.loads(txt) if txt is not None else None
    sheet_df = None
    if cohort_sheet is not None and wpath(cohort_sheet).is_file():
        from ..config import read_cohort_sheet_table  # comment lines (#) skipped
        sheet_df = read_cohort_sheet_table(wpath(cohort_sheet))

    # signature definitions (appendix): configured + derived, in configuration order
    signatures = {}
    for s in config.get("signatures", []):
        path = sig_files.get(s["name"]) or s.get("gmt") or s.get("weights")
        if path:
            d = read_signature(wpath(path), s["name"], "weights" if s.get("weights") else "gmt")
            d["path"] = _display_path(str(path), workdir)
            d["config_description"] = s.get("description", "")
            signatures[s["name"]] = d
    for nm, path in sig_files.items():
        if nm not in signatures:
            d = read_signature(wpath(path), nm, "gmt" if str(path).endswith(".gmt") else "weights")
            d["path"] = _display_path(str(path), workdir)
            signatures[nm] = d

    # provenance: every file a result depends on, then the result tables the report read
    ck_items = [(role, wpath(p)) for role, p in _cohort_inputs(cdata)]
    ck_items += [(f"signature [{nm}]", wpath(p)) for nm, p in sig_files.items()]
    ck_items += [(r, wpath(p)) for r, p in prov_files]
    ck_items += [("config file", wpath(p)) for p in config_files]
    if cohort_sheet is not None:
        ck_items.append(("cohort sheet", wpath(cohort_sheet)))
    if reporting_path is not None:
        ck_items.append(("reporting items", wpath(reporting_path)))
    if truth_path is not None:
        ck_items.append(("planted truth (SYNTHETIC demo)", wpath(truth_path)))
    checks = prov.file_checksums([(r, str(p)) for r, p in ck_items])
    now_sha = {os.path.normpath(str(p)): h for p, h in zip(checks["path"], checks["sha256"])}
    checks["path"] = [_display_path(p, workdir) for p in checks["path"]]
    result_files = []
    for n, path in files.items():
        key, cohort, sub = I.parse_name(n)
        if key in ("prov", "signature", "reporting", "truth") or isinstance(path, (list, tuple)):
            continue
        if wpath(path).is_file():
            result_files.append((f"result [{cohort}]" if cohort else "result [summary]", wpath(path)))
    res_ck = prov.file_checksums([(r, str(p)) for r, p in result_files])
    res_ck["path"] = [_display_path(p, workdir) for p in res_ck["path"]]

    config_yaml = yaml.safe_dump(_plain(config), sort_keys=False, default_flow_style=False, allow_unicode=True)
    seeds = {"survival": (config.get("survival", {}) or {}).get("seed"),
             "random_sets": random_sets_cfg(config).get("seed")}
    run = prov.run_info(workdir=workdir, seeds={k: v for k, v in seeds.items() if v is not None}, now=now)
    run["resolved_config_sha256"] = hashlib.sha256(config_yaml.encode()).hexdigest()
    data = ReportData(
        title=str((config.get("report", {}) or {}).get("title", "MitoScore cohort validation")),
        config=_plain(config), cohorts=cdata, summary=summary, figures=figures, links=links,
        signatures=signatures, reporting=reporting, reporting_path=reporting_path, truth=truth,
        truth_path=truth_path, cohort_sheet=sheet_df, config_yaml=config_yaml, warnings=warnings,
        provenance={"checksums": checks, "result_checksums": res_ck, "versions": prov.package_versions(),
                    "packages": dict(packages) if packages is not None else prov.resolved_packages(),
                    "git": prov.git_state(basedir) if basedir else
                    {"commit": None, "dirty": None, "branch": None, "status": "workflow basedir not given"},
                    "run": run})
    data.provenance["checksum_mismatch"] = checksum_mismatches(data, now_sha, workdir)
    return data


def _cohort_inputs(cdata: Mapping[str, CohortData]) -> list[tuple[str, str]]:
    """(role, file) of every file each cohort's validation read: the rows of its
    ``validated/input_checksums.tsv`` (one per file: each GDC STAR file, the annotation...),
    or, for a cohort without that table, its sheet's counts / clinical / sample sheet files."""
    out = []
    for name, cd in cdata.items():
        rec = cd.t("input_checksums")
        if rec is not None and len(rec) and {"role", "file"} <= set(rec.columns):
            out += [(f"{r['role']} [{name}]", str(r["file"])) for r in rec.to_dict("records")]
            continue
        for k in ("counts", "clinical", "sample_sheet"):
            p = cd.params.get(k)
            if p and Path(p).is_file():
                out.append((f"{k} [{name}]", str(p)))
    return out


def checksum_mismatches(data: ReportData, now_sha: Mapping[str, str], workdir: str | os.PathLike) -> list[str]:
    """Input files whose sha256 now (``now_sha``: absolute path -> sha256 computed by the
    report) differs from the one recorded when the cohort was validated."""
    out = []
    for name, cd in data.cohorts.items():
        rec = cd.t("input_checksums")
        if rec is None or rec.empty:
            continue
        for r in rec.to_dict("records"):
            p = Path(str(r.get("file")))
            cur = now_sha.get(os.path.normpath(str(p if p.is_absolute() else Path(workdir) / p)))
            if cur and cur != r.get("sha256"):
                out.append(f"{name}: {r.get('role')} file {r.get('file')} changed since validation "
                           f"(validated sha256 {str(r.get('sha256'))[:12]}..., now {cur[:12]}...)")
    return out
