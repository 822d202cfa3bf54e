"""Signature objects (GMT gene sets and weighted gene lists), gene coverage checks
and size-/expression-matched random gene sets (null signatures).
"""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from .errors import InputError
from .io import read_gmt

__all__ = [
    "Signature", "load_gmt_signatures", "load_weights_table", "load_weights_signatures",
    "load_signatures", "coverage", "check_coverage", "random_gene_sets",
]


@dataclass
class Signature:
    """A gene signature.

    ``genes`` is the ordered, de-duplicated gene list; ``weights`` is
    ``{gene: weight}`` for weighted-sum signatures (e.g. LSC17) and ``None`` for plain
    gene sets (scored by ssGSEA). ``source`` is the file it came from.
    """
    name: str
    genes: list[str]
    weights: dict[str, float] | None = None
    description: str = ""
    source: str = ""

    @property
    def is_weighted(self) -> bool:
        return self.weights is not None


def _nearest(word: str, choices: Iterable[str]) -> str | None:
    m = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.0)
    return m[0] if m else None


def load_gmt_signatures(path: str | os.PathLike) -> dict[str, Signature]:
    """All gene sets of a GMT file as ``{name: Signature}`` (via :func:`mitoscore.io.read_gmt`)."""
    path = str(path)
    if not Path(path).exists():
        raise InputError("signature GMT file not found", file=path,
                         fix="check the 'gmt' path in the config 'signatures' list")
    return {name: Signature(name=name, genes=list(genes), weights=None, description=desc, source=path)
            for name, (desc, genes) in read_gmt(path).items()}


def _read_weights(path: str) -> pd.DataFrame:
    if not Path(path).exists():
        raise InputError("signature weights file not found", file=path,
                         fix="check the 'weights' path in the config 'signatures' list")
    sep = "," if path.lower().endswith(".csv") else "\t"
    try:
        df = pd.read_csv(path, sep=sep, dtype=str, comment="#", skip_blank_lines=True)
    except Exception as e:  # pragma: no cover - pandas parser messages vary
        raise InputError(f"cannot read the weights table ({e})", file=path,
                         fix="write a tab-separated file with columns 'gene' and 'weight'") from None
    df.columns = [str(c).strip() for c in df.columns]
    cols_lower = {c.lower(): c for c in df.columns}
    rename = {cols_lower[c]: c for c in ("gene", "weight", "signature") if c in cols_lower}
    df = df.rename(columns=rename)
    for need in ("gene", "weight"):
        if need not in df.columns:
            near = _nearest(need, df.columns)
            raise InputError(
                f"required column '{need}' is missing (columns: {list(df.columns)}"
                + (f"; nearest: '{near}'" if near else "") + ")",
                file=path, column=need,
                fix="the weights table needs tab-separated columns 'gene' and 'weight' "
                    "(and optionally 'signature')" + (f"; rename '{near}' to '{need}'" if near else ""))
    return df


def _weights_signature(df: pd.DataFrame, name: str, path: str, row_offset: pd.Index) -> Signature:
    genes: list[str] = []
    weights: dict[str, float] = {}
    for i, (g, w) in zip(row_offset, zip(df["gene"], df["weight"])):
        row = int(i) + 2  # 1-based, header is line 1
        g = "" if pd.isna(g) else str(g).strip()
        if not g:
            raise InputError("empty gene id", file=path, column="gene", row=row,
                             fix="fill in the gene id or delete the row")
        try:
            wf = float(str(w).strip())
        except ValueError:
            wf = float("nan")
        if not np.isfinite(wf):
            raise InputError("weight is not a finite number", file=path, column="weight", row=row,
                             value=w, fix="give every gene a numeric weight")
        if g in weights:
            raise InputError(f"gene '{g}' is listed twice in signature '{name}'", file=path,
                             column="gene", row=row, value=g,
                             fix="keep one row per gene (sum the weights if intended)")
        genes.append(g)
        weights[g] = wf
    if not genes:
        raise InputError(f"signature '{name}' has no genes", file=path,
                         fix="add rows with gene and weight")
    return Signature(name=name, genes=genes, weights=weights, description="weighted sum", source=path)


def load_weights_signatures(path: str | os.PathLike) -> dict[str, Signature]:
    """All signatures of a weights table: one per value of the ``signature`` column,
    or a single one named after the file stem when there is no such column."""
    path = str(path)
    df = _read_weights(path)
    if "signature" not in df.columns:
        name = Path(path).name.split(".")[0]
        return {name: _weights_signature(df, name, path, df.index)}
    out = {}
    for name, sub in df.groupby("signature", sort=False):
        out[str(name)] = _weights_signature(sub, str(name), path, sub.index)
    return out


def load_weights_table(path: str | os.PathLike, name: str | None = None) -> Signature:
    """Weighted signature from a TSV (CSV if ``.csv``) with columns ``gene`` and
    ``weight`` and optionally ``signature`` (several signatures in one file).

    With a ``signature`` column, ``name`` selects one (required if there are several);
    without it, the signature is called ``name`` (default: the file stem).
    Missing columns, empty genes, non-numeric weights and duplicated genes raise
    :class:`InputError` naming the file, row and column.
    """
    path = str(path)
    df = _read_weights(path)
    if "signature" in df.columns:
        names = list(dict.fromkeys(df["signature"].dropna().astype(str)))
        if name is None:
            if len(names) != 1:
                raise InputError(f"the weights table holds several signatures {names[:5]}; "
                                 "say which one", file=path, column="signature",
                                 fix="give 'name' in the signature spec")
            name = names[0]
        if name not in names:
            near = _nearest(name, names)
            raise InputError(f"signature '{name}' is not in the weights table (has {names[:5]})",
                             file=path, column="signature", value=name,
                             fix="use one of the listed names" + (f", e.g. '{near}'" if near else ""))
        sub = df[df["signature"].astype(str) == name]
        return _weights_signature(sub, name, path, sub.index)
    if name is None:
        name = Path(path).name.split(".")[0]
    return _weights_signature(df, name, path, df.index)


def load_signatures(specs: list[dict]) -> dict[str, Signature]:
    """Signatures from config specs, in order. Each spec is one of
    ``{"name": N, "gmt": path}`` (the set N of the GMT), ``{"gmt": path}`` (every set
    of the GMT) or ``{"name": N, "weights": path}``; an optional ``description``
    overrides the file's. Duplicate names raise :class:`InputError`."""
    out: dict[str, Signature] = {}
    if not specs:
        raise InputError("no signatures configured", column="signatures",
                         fix="list at least one signature (gmt or weights) in the config")
    for i, spec in enumerate(specs):
        if not isinstance(spec, dict):
            raise InputError("a signature entry must be a mapping", column="signatures", row=i + 1,
                             value=spec, fix="write entries like {name: X, gmt: path}")
        unknown = set(spec) - {"name", "gmt", "weights", "description"}
        has = [k for k in ("gmt", "weights") if spec.get(k)]
        if unknown or len(has) != 1:
            raise InputError("a signature entry needs exactly one of 'gmt' or 'weights' "
                             "(plus optional 'name', 'description')" +
                             (f"; unknown keys {sorted(unknown)}" if unknown else ""),
                             column="signatures", row=i + 1, value=spec,
                             fix="write entries like {name: X, gmt: path} or {name: X, weights: path}")
        name = spec.get("name")
        if "gmt" in has:
            path = str(spec["gmt"])
            allsets = load_gmt_signatures(path)
            if name is None:
                got = allsets
            else:
                if name not in allsets:
                    near = _nearest(name, allsets)
                    raise InputError(f"gene set '{name}' is not in the GMT file (it has "
                                     f"{list(allsets)[:5]})", file=path, value=name,
                                     fix="use the GMT's set name" + (f" (nearest: '{near}')" if near else "")
                                         + " or omit 'name' to load every set")
                got = {name: allsets[name]}
        else:
            path = str(spec["weights"])
            sig = load_weights_table(path, name)
            got = {sig.name: sig}
        for nm, sig in got.items():
            if nm in out:
                raise InputError(f"duplicated signature name '{nm}'", file=path, value=nm,
                                 fix="give every signature a unique name "
                                     f"(also defined in {out[nm].source})")
            if spec.get("description"):
                sig.description = str(spec["description"])
            out[nm] = sig
    return out


def coverage(sig: Signature, available: Iterable[str]) -> dict:
    """How many of the signature's genes are in ``available`` (the cohort's genes):
    ``{signature, n_genes, n_present, fraction, missing}``."""
    avail = available if isinstance(available, (set, frozenset)) else set(available)
    missing = [g for g in sig.genes if g not in avail]
    n = len(sig.genes)
    return {"signature": sig.name, "n_genes": n, "n_present": n - len(missing),
            "fraction": (n - len(missing)) / n if n else 0.0, "missing": missing}


def check_coverage(cov: dict, min_fraction: float, file: str | None = None, cohort: str | None = None) -> None:
    """Raise :class:`InputError` when fewer than ``min_fraction`` of a signature's
    genes are present in the cohort (``file`` = the signature file checked, ``cohort``
    named in the message)."""
    if cov["fraction"] + 1e-12 < min_fraction:
        miss = cov["missing"]
        raise InputError(
            (f"cohort '{cohort}': " if cohort else "") + f"signature '{cov['signature']}': only {cov['n_present']}/{cov['n_genes']} genes "
            f"({cov['fraction']:.1%}) are in the counts, below min_signature_coverage = "
            f"{min_fraction:.0%}; missing e.g. {miss[:5]}" + (" ..." if len(miss) > 5 else ""),
            file=file, value=cov["signature"],
            fix="check that the counts and signature use the same gene-id type (symbol / "
                "Ensembl / Entrez) and the gene-id harmonisation settings, or lower "
                "min_signature_coverage")


def random_gene_sets(universe: list[str], size: int, n: int, seed: int, *,
                     match_to: list[str] | None = None, expression: pd.Series | None = None,
                     n_bins: int = 20) -> list[list[str]]:
    """``n`` random gene sets drawn from ``universe`` (deterministic given ``seed``,
    via ``numpy.random.default_rng(seed)``).

    - Plain: each set is ``size`` distinct genes drawn uniformly without replacement.
    - Expression-matched (``match_to`` and ``expression`` given): the universe is split
      into ``n_bins`` quantile bins of ``expression`` (e.g. mean log2 expression); for
      every gene of ``match_to`` (present in ``expression``) one gene is drawn from the
      same bin, without replacement within a set. ``size`` must equal the number of
      ``match_to`` genes found in ``expression``. If a bin runs out, the nearest
      non-empty bin is used.
    """
    rng = np.random.default_rng(seed)
    uni = list(dict.fromkeys(universe))
    if n < 0 or size < 1:
        raise ValueError("need n >= 0 and size >= 1")
    if match_to is None or expression is None:
        if size > len(uni):
            raise InputError(f"cannot draw random sets of {size} genes from a universe of {len(uni)}",
                             fix="use smaller signatures or a larger gene universe")
        arr = np.asarray(uni, dtype=object)
        return [arr[rng.choice(len(uni), size=size, replace=False)].tolist() for _ in range(n)]

    expr = pd.Series(expression, dtype=float)
    # genes with a finite expression value (absent genes reindex to NaN), in universe order
    uni = [g for g, v in zip(uni, expr.reindex(uni).to_numpy()) if np.isfinite(v)]
    tgt = list(dict.fromkeys(match_to))
    target = [g for g, v in zip(tgt, expr.reindex(tgt).to_numpy()) if np.isfinite(v)]
    if not target:
        raise InputError("none of the signature genes has an expression value to match on",
                         fix="pass the cohort's mean expression covering the signature genes")
    if size != len(target):
        raise ValueError(f"size ({size}) must equal the number of match_to genes with "
                         f"expression ({len(target)})")
    if size > len(uni):
        raise InputError(f"cannot draw random sets of {size} genes from a universe of {len(uni)}",
                         fix="use a larger gene universe")
    uv = expr.reindex(uni).to_numpy()
    nb = max(1, min(int(n_bins), len(uni)))
    edges = np.quantile(uv, np.linspace(0, 1, nb + 1)[1:-1])
    ubin = np.searchsorted(edges, uv, side="right")
    tbin = np.searchsorted(edges, expr.reindex(target).to_numpy(), side="right")
    pools = [np.flatnonzero(ubin == b) for b in range(nb)]
    uarr = np.asarray(uni, dtype=object)
    need = np.bincount(tbin, minlength=nb)
    nearest = [sorted(range(nb), key=lambda c: (abs(c - b), c)) for b in range(nb)]  # own bin, then nearest
    out = []
    for _ in range(n):
        chosen: list[np.ndarray] = []
        used = np.zeros(len(uni), dtype=bool)
        for b in np.flatnonzero(need):
            k = int(need[b])
            for c in nearest[b]:
                if k == 0:
                    break
                cand = pools[c][~used[pools[c]]]
                if cand.size == 0:
                    continue
                picked = cand[rng.choice(cand.size, size=min(k, cand.size), replace=False)]
                used[picked] = True
                chosen.append(picked)
                k -= picked.size
        out.append(uarr[np.concatenate(chosen)].tolist())
    return out


def harmonise_signatures(sigs: dict[str, Signature], mapping: dict[str, str | None]) -> dict[str, Signature]:
    """Rename signature genes to current official symbols (``mapping``: old -> new or None).

    Counts are harmonised to current HGNC symbols, so a gene set written with a
    previous symbol (e.g. ``ATP5MD`` -> ``ATP5MK``, ``KIAA0125`` -> ``FAM30A``) must be
    renamed the same way or the gene is silently lost. Unknown/ambiguous symbols
    (mapping None) are kept as written (coverage then reports them missing).
    Weights follow their gene; if two old symbols map to one gene the first wins.
    """
    out: dict[str, Signature] = {}
    for name, sig in sigs.items():
        new_genes = list(dict.fromkeys(mapping.get(g) or g for g in sig.genes))
        weights = None
        if sig.weights:
            weights = {}
            for g, w in sig.weights.items():
                weights.setdefault(mapping.get(g) or g, w)
        out[name] = Signature(name=sig.name, genes=new_genes, weights=weights, description=sig.description,
                              source=sig.source)
    return out


def load_for_cohort(specs: list[dict], gene_ids: str, annotation_dir: str | os.PathLike | None = None
                    ) -> dict[str, Signature]:
    """Load the configured signatures as a cohort needs them: renamed to current
    symbols unless the cohort's gene ids are kept ``as_is``. ``annotation_dir``: the
    annotation the rule declares as input (default: the repository's)."""
    sigs = load_signatures(specs)
    if gene_ids == "as_is":
        return sigs
    from .genes import load_annotation, resolve_symbols

    all_genes = sorted({g for s in sigs.values() for g in s.genes})
    return harmonise_signatures(sigs, resolve_symbols(all_genes, load_annotation(annotation_dir)))
