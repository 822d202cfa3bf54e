"""Provenance records for the report: input checksums, software versions, code revision.

A reviewer who audits a number in the report must be able to tie it to the exact
input files (sha256), the parameters, the software versions and the code revision
that produced it. These helpers collect those facts; they never fail because a
tool is missing (no git, not a checkout, package not installed): the record then
says so instead.
"""
from __future__ import annotations

import datetime as _dt
import importlib.metadata
import os
import platform
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Iterable, Mapping

import pandas as pd

from .io import sha256sum

#: Distributions whose versions the report lists (import name -> distribution name).
PACKAGES: dict[str, str] = {
    "snakemake": "snakemake",
    "pandas": "pandas",
    "numpy": "numpy",
    "scipy": "scipy",
    "pydeseq2": "pydeseq2",
    "anndata": "anndata",
    "gseapy": "gseapy",
    "lifelines": "lifelines",
    "matplotlib": "matplotlib",
    "pyarrow": "pyarrow",
    "jsonschema": "jsonschema",
    "pyyaml": "PyYAML",
    "jinja2": "Jinja2",
    "rocrate": "rocrate",
    "mitoscore": "mitoscore",
}

CHECKSUM_COLUMNS = ["role", "path", "sha256", "bytes"]
PROVENANCE_COLUMNS = ["kind", "key", "value", "sha256", "bytes"]

#: Environment variable a launcher (e.g. the Makefile) may set to the exact command line
#: of the Snakemake run; the script side of a rule cannot see the parent's sys.argv.
CMDLINE_ENV = "MITOSCORE_CMDLINE"


def file_checksums(paths: Iterable[tuple[str, str | os.PathLike]] | Mapping[str, str | os.PathLike]
                   ) -> pd.DataFrame:
    """sha256 and size of files -> DataFrame(role, path, sha256, bytes).

    ``paths``: (role, path) pairs or a {role: path} mapping; a role may repeat (one
    row per file). A directory contributes one row per file inside it (sorted). A
    missing path is recorded with sha256 ``MISSING`` and bytes NA rather than raising,
    so the report shows the gap. Duplicate (role, path) pairs are listed once.
    """
    items = list(paths.items()) if isinstance(paths, Mapping) else list(paths)
    rows, seen = [], set()
    for role, p in items:
        p = Path(p)
        files = sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p]
        for f in files:
            key = (str(role), str(f))
            if key in seen:
                continue
            seen.add(key)
            if f.is_file():
                rows.append({"role": str(role), "path": str(f), "sha256": sha256sum(f), "bytes": f.stat().st_size})
            else:
                rows.append({"role": str(role), "path": str(f), "sha256": "MISSING", "bytes": pd.NA})
    out = pd.DataFrame(rows, columns=CHECKSUM_COLUMNS)
    out["bytes"] = out["bytes"].astype("Int64")
    return out


def package_versions(packages: Mapping[str, str] | None = None) -> dict[str, str]:
    """{'python': '3.11.x', 'snakemake': '9.27.1', ...}; 'not installed' when absent.

    Versions come from the installed distribution metadata (what pip/conda installed),
    not from ``__version__`` attributes, so they are the versions actually imported
    by the workflow's environment.
    """
    packages = PACKAGES if packages is None else packages
    out = {"python": platform.python_version()}
    for name, dist in packages.items():
        try:
            out[name] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def resolved_packages() -> dict[str, str]:
    """Every installed Python distribution -> version, sorted by name (case-insensitive):
    the full resolved package set of the environment, as ``pip freeze`` lists it (from the
    installed distribution metadata, without running pip). Duplicate names (a package
    visible twice on sys.path) keep the first one Python would import."""
    out: dict[str, str] = {}
    for d in importlib.metadata.distributions():
        name = d.metadata.get("Name") if d.metadata else None
        if name and name not in out:
            out[name] = d.version
    return dict(sorted(out.items(), key=lambda kv: kv[0].lower()))


def freeze_text(packages: Mapping[str, str] | None = None) -> str:
    """``name==version`` lines (pip freeze format) of :func:`resolved_packages`."""
    pk = resolved_packages() if packages is None else packages
    return "".join(f"{k}=={v}\n" for k, v in pk.items())


def _git(path: Path, *args: str, timeout: float = 20.0) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        r = subprocess.run([git, "-C", str(path), *args], capture_output=True, text=True, timeout=timeout,
                           check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if r.returncode != 0:
        return None
    return r.stdout


def git_state(path: str | os.PathLike) -> dict:
    """Code revision of the workflow checkout at ``path``.

    Returns {commit, dirty, branch, status} where ``dirty`` is True when
    ``git status --porcelain`` lists modified or untracked files (the report then
    warns that the numbers do not come from a committed revision), ``status`` says
    'ok', 'not a git checkout' or 'git not available'; commit/branch/dirty are None
    when unknown.
    """
    path = Path(path)
    if shutil.which("git") is None:
        return {"commit": None, "dirty": None, "branch": None, "status": "git not available"}
    if not path.exists():
        return {"commit": None, "dirty": None, "branch": None, "status": f"path does not exist: {path}"}
    commit = _git(path, "rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None, "branch": None, "status": "not a git checkout"}
    status = _git(path, "status", "--porcelain", "--untracked-files=normal")
    branch = _git(path, "rev-parse", "--abbrev-ref", "HEAD")
    changed = [ln for ln in (status or "").splitlines() if ln.strip()]
    return {"commit": commit.strip(), "dirty": bool(changed) if status is not None else None,
            "branch": branch.strip() if branch else None, "status": "ok",
            "n_changed_files": len(changed) if status is not None else None}


def run_info(*, workdir: str | os.PathLike | None = None, seeds: Mapping[str, object] | None = None,
             include_hostname: bool = True, now: _dt.datetime | None = None) -> dict[str, str]:
    """Facts about this run: UTC date, Snakemake version, working directory, command line.

    The command line of the Snakemake process is not visible from a rule's script; it is
    recorded when the launcher exports ``MITOSCORE_CMDLINE`` (e.g. the Makefile), else
    the record says so.
    """
    now = now or _dt.datetime.now(_dt.timezone.utc)
    info = {
        "date_utc": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "snakemake": package_versions({"snakemake": "snakemake"})["snakemake"],
        "workdir": str(workdir) if workdir is not None else os.getcwd(),
        "command_line": os.environ.get(CMDLINE_ENV)
        or f"not recorded (set {CMDLINE_ENV} in the launcher, e.g. the Makefile, to record it)",
        "platform": platform.platform(),
        "python_executable": sys.executable,
    }
    if include_hostname:
        try:
            info["hostname"] = socket.gethostname()
        except OSError:
            info["hostname"] = "unknown"
    for k, v in (seeds or {}).items():
        info[f"seed.{k}"] = str(v)
    return info


def provenance_table(checksums: pd.DataFrame, versions: Mapping[str, str], git: Mapping[str, object],
                     run: Mapping[str, object]) -> pd.DataFrame:
    """One long table of every provenance record -> DataFrame(kind, key, value, sha256, bytes).

    kind = file (key = role, value = path), package (key = name, value = version),
    git (commit, dirty, branch, status) or run (date, Snakemake, workdir, command line, seeds).
    """
    rows = [{"kind": "file", "key": r["role"], "value": r["path"], "sha256": r["sha256"], "bytes": r["bytes"]}
            for r in checksums.to_dict("records")]
    rows += [{"kind": "package", "key": k, "value": str(v)} for k, v in versions.items()]
    rows += [{"kind": "git", "key": k, "value": "NA" if v is None else str(v)} for k, v in git.items()]
    rows += [{"kind": "run", "key": k, "value": "NA" if v is None else str(v)} for k, v in run.items()]
    out = pd.DataFrame(rows, columns=PROVENANCE_COLUMNS)
    out["bytes"] = out["bytes"].astype("Int64")
    return out
