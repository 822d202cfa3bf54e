"""Gene-id harmonisation: symbols, Ensembl ids, Entrez ids -> current official symbols.

The annotation is the compact NCBI Gene table shipped in ``resources/annotation``
(derived from org.Hs.eg.db 3.16 by ``resources/annotation/make_annotation.py``; the
37 mitochondrial genes carry their HGNC ``MT-`` symbols, as in GENCODE, MSigDB and
MitoCarta).

Rules (:func:`harmonise`):

* ``symbol``: an official symbol is kept (``exact``); otherwise a previous
  symbol/alias that points to exactly one current gene is renamed (``alias``,
  e.g. KIAA0125 -> FAM30A); an alias of several genes is left unmapped
  (``ambiguous_alias``: guessing would silently mix genes); anything else is ``unmapped``.
  An alias whose current symbol is itself a row of the matrix is not merged into it
  (``alias_conflict``, dropped): the official-symbol row wins, because a matrix that
  has both names (e.g. ``KARS`` and ``KARS1``) measured two different features.
* ``ensembl``: version suffixes (``ENSG00000141510.17``) and GENCODE ``_PAR_Y``
  tags are removed; an id linked to several NCBI genes is resolved with the file's own
  ``gene_name`` when the counts carry one (GDC STAR files, ``counts.attrs["gene_names"]``)
  and that name (or the current symbol it is an alias of) is one of the candidate genes
  (``ensembl_gene_name``: e.g. ENSG00000100197 -> CYP2D6, not the LOC copies of the
  CYP2D6 locus; ENSG00000213809 -> KLRK1, not the KLRC4-KLRK1 read-through); otherwise
  to the single protein-coding candidate if there is exactly one, else
  ``ambiguous_ensembl``. Ids unknown to NCBI fall back to the ``gene_name`` too.
* ``entrez``: integer ids (``7157`` or ``7157.0``).
* ``as_is``: ids kept unchanged (custom ids, other organisms); no annotation needed.
* ``auto``: Ensembl if most ids look like ``ENS...G0000...``, Entrez if most are
  integers, else symbols.

Unmapped rows are dropped from the returned counts and listed in the gene map.
Features mapping to the same symbol are **summed** (``duplicate_merged``), as
featureCounts meta-features and tximport gene-level summarisation do; this is the
right rule for raw counts (the reads belong to the gene). ``duplicate_rule="error"``
refuses them instead.

Spreadsheet-mangled names (``1-Sep``, ``2-Mar``, ``1-Dec``, ``2021-09-01``, ``Sep-01``,
``9/1/2021``) raise :class:`InputError` naming the rows and the genes they probably
were (Zeeberg et al. 2004; Ziemann et al. 2016).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError

DEFAULT_ANNOTATION_DIR = Path(__file__).resolve().parents[1] / "resources" / "annotation"
STATUSES = ("exact", "alias", "ensembl", "ensembl_gene_name", "entrez", "ambiguous_alias", "ambiguous_ensembl",
            "alias_conflict", "unmapped", "excel_mangled", "duplicate_merged")
GENE_MAP_COLUMNS = ["input_id", "symbol", "status"]

_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
           "oct": 10, "nov": 11, "dec": 12}
_MON = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
_EXCEL_PATTERNS = [
    re.compile(rf"^(\d{{1,2}})-{_MON}(-\d{{2,4}})?$", re.I),          # 1-Sep, 1-Sep-21
    re.compile(rf"^{_MON}-(\d{{1,2}})$", re.I),                        # Sep-01
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})([ T]00:00(:00)?)?$"),   # 2021-09-01
    re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2,4})$"),                    # 9/1/2021
    re.compile(rf"^(\d{{1,2}})\.?\s?{_MON}\.?$", re.I),                # 1.Sep / 01 Sep
]
#: What a month abbreviation most likely was before Excel converted it (current symbols).
_MONTH_GENE = {9: ("SEPT{n}", "SEPTIN{n}"), 3: ("MARCH{n}", "MARCHF{n}"), 12: ("DEC{n}", "DELEC{n}")}


@dataclass(frozen=True)
class GeneAnnotation:
    """NCBI Gene annotation: ``genes`` (entrez_id, symbol, gene_type, ensembl_ids) and
    ``aliases`` (alias, entrez_id); the lookup dictionaries are built on first use (a job
    mapping symbols never builds the Ensembl ones)."""

    genes: pd.DataFrame
    aliases: pd.DataFrame
    source: str = ""

    @functools.cached_property
    def entrez_to_symbol(self) -> dict:
        g = self.genes
        return dict(zip(g["entrez_id"].astype(str), g["symbol"].astype(str)))

    @functools.cached_property
    def symbols(self) -> frozenset:
        return frozenset(self.genes["symbol"].astype(str))

    @functools.cached_property
    def upper_to_symbol(self) -> dict:
        """Upper-cased symbol -> the one official symbol with that spelling (case-unique only)."""
        syms = pd.Series(sorted(self.symbols), dtype=object)
        up = syms.str.upper()
        unique = ~up.duplicated(keep=False)
        return dict(zip(up[unique].tolist(), syms[unique].tolist()))

    @functools.cached_property
    def gene_type(self) -> dict:
        g = self.genes
        return dict(zip(g["entrez_id"].astype(str), g["gene_type"].astype(str)))

    @functools.cached_property
    def ensembl_to_entrez(self) -> dict:
        g = self.genes
        ens: dict[str, list[str]] = {}
        for eid, ids in zip(g["entrez_id"].astype(str), g["ensembl_ids"].fillna("").astype(str)):
            for x in ids.split(";"):
                x = x.strip()
                if x:
                    ens.setdefault(x, []).append(eid)
        return {k: tuple(v) for k, v in ens.items()}

    @functools.cached_property
    def alias_to_symbols(self) -> dict:
        """Alias -> the sorted official symbols of the genes carrying it."""
        al = self.aliases
        d = pd.DataFrame({"alias": al["alias"].astype(str),
                          "symbol": al["entrez_id"].astype(str).map(self.entrez_to_symbol)})
        d = d.dropna().drop_duplicates().sort_values(["alias", "symbol"], kind="stable")
        out: dict[str, list[str]] = {}
        for a, sym in zip(d["alias"].tolist(), d["symbol"].tolist()):
            out.setdefault(a, []).append(sym)
        return {k: tuple(v) for k, v in out.items()}


@functools.lru_cache(maxsize=4)
def _load(path_dir: str) -> GeneAnnotation:
    d = Path(path_dir)
    gf, af = d / "genes.tsv.gz", d / "aliases.tsv.gz"
    for f in (gf, af):
        if not f.exists():
            raise InputError("gene annotation file missing", file=str(f),
                             fix="restore resources/annotation/ from the repository or run "
                                 "resources/annotation/make_annotation.py")
    from .inputs import reading

    fix = "restore resources/annotation/ from the repository (git checkout resources/annotation)"
    with reading(gf, "gene annotation", fix=fix):
        genes = pd.read_csv(gf, sep="\t", dtype=str, keep_default_na=False)
    with reading(af, "gene alias table", fix=fix):
        aliases = pd.read_csv(af, sep="\t", dtype=str, keep_default_na=False)
    for f, df, need in ((gf, genes, ("entrez_id", "symbol", "gene_type", "ensembl_ids")),
                        (af, aliases, ("alias", "entrez_id"))):
        miss = [c for c in need if c not in df.columns]
        if miss:
            raise InputError(f"gene annotation lacks column(s) {miss}", file=str(f), fix=fix)
    return GeneAnnotation(genes=genes, aliases=aliases, source=str(d))


def load_annotation(path_dir: str | Path | None = None) -> GeneAnnotation:
    """Load the compact annotation (default: the repository's ``resources/annotation``). Cached."""
    return _load(str(Path(path_dir or DEFAULT_ANNOTATION_DIR).resolve()))


# --------------------------------------------------------------------------- helpers
def strip_ensembl_version(x: str) -> str:
    """'ENSG00000141510.17' -> 'ENSG00000141510'; 'ENSG00000182378.14_PAR_Y' -> 'ENSG00000182378'."""
    x = x.strip()
    x = re.sub(r"_PAR_Y$", "", x)
    return re.sub(r"\.\d+$", "", x)


_ENS_RE = re.compile(r"^ENS[A-Z]*G\d{11}(\.\d+)?(_PAR_Y)?$")
_INT_RE = re.compile(r"^\d+(\.0+)?$")


def detect_gene_id_type(ids) -> str:
    """'ensembl' | 'entrez' | 'symbol' from the look of the ids (majority rule)."""
    ids = [str(i).strip() for i in ids]
    ids = [i for i in ids if i and not i.startswith("__") and not i.startswith("N_")]
    if not ids:
        return "symbol"
    n = len(ids)
    if sum(bool(_ENS_RE.match(i)) for i in ids) >= 0.5 * n:
        return "ensembl"
    if sum(bool(_INT_RE.match(i)) for i in ids) >= 0.9 * n:
        return "entrez"
    return "symbol"


def excel_mangled_guess(name: str) -> str | None:
    """If ``name`` looks like a spreadsheet date, the gene it probably was ('' if unknown); else None."""
    s = str(name).strip()
    for k, pat in enumerate(_EXCEL_PATTERNS):
        m = pat.match(s)
        if not m:
            continue
        if k in (0, 4):
            n, mon = int(m.group(1)), _MONTHS[m.group(2).lower()[:3]]
        elif k == 1:
            mon, n = _MONTHS[m.group(1).lower()[:3]], int(m.group(2))
        elif k == 2:
            mon, n = int(m.group(2)), int(m.group(3))
        else:
            mon, n = int(m.group(1)), int(m.group(2))
        if mon in _MONTH_GENE and 1 <= n <= 31:
            old, new = _MONTH_GENE[mon]
            return f"{new.format(n=n)} (formerly {old.format(n=n)})"
        return ""
    return None


def _check_excel(ids: list[str], file: str | None, mode: str) -> set[int]:
    bad = [(i, x, excel_mangled_guess(x)) for i, x in enumerate(ids)]
    bad = [b for b in bad if b[2] is not None]
    if not bad or mode == "drop":
        return {b[0] for b in bad}
    ex = "; ".join(f"row {i + 2} '{x}'" + (f" -> {g}" if g else "") for i, x, g in bad[:8])
    raise InputError(f"{len(bad)} gene id(s) look like spreadsheet dates (Excel auto-conversion): {ex}"
                     + (" ..." if len(bad) > 8 else ""), file=file or "<counts>", row=bad[0][0] + 2, value=bad[0][1],
                     fix="re-export the counts from the pipeline output without opening them in Excel (or import "
                         "the gene column as Text); current names: SEPT1->SEPTIN1, MARCH1->MARCHF1, DEC1->DELEC1")


# --------------------------------------------------------------------------- mapping
def _map_symbol(x: str, ann: GeneAnnotation) -> tuple[str | None, str]:
    if x in ann.symbols:
        return x, "exact"
    hits = ann.alias_to_symbols.get(x)
    if hits is None:  # case-only differences (tp53, C1ORF112): unique case-insensitive official symbol
        up = ann.upper_to_symbol.get(x.upper())
        if up is not None:
            return up, "alias"
        if x.upper() != x:
            hits = ann.alias_to_symbols.get(x.upper())
    if hits is None:
        return None, "unmapped"
    if len(hits) == 1:
        return hits[0], "alias"
    return None, "ambiguous_alias"


def _map_ensembl(x: str, ann: GeneAnnotation, gene_names: dict | None) -> tuple[str | None, str]:
    eids = ann.ensembl_to_entrez.get(strip_ensembl_version(x))
    if eids:
        syms = sorted({ann.entrez_to_symbol[e] for e in eids})
        if len(syms) == 1:
            return syms[0], "ensembl"
        name = gene_names.get(x) if gene_names else None
        if isinstance(name, str) and name.strip():
            name = name.strip()
            by_name = name if name in syms else _map_symbol(name, ann)[0]
            if by_name in syms:
                return by_name, "ensembl_gene_name"
        pc = sorted({ann.entrez_to_symbol[e] for e in eids if ann.gene_type.get(e) == "protein-coding"})
        if len(pc) == 1:
            return pc[0], "ensembl"
        return None, "ambiguous_ensembl"
    if gene_names:
        name = gene_names.get(x)
        if isinstance(name, str) and name:
            sym, st = _map_symbol(name, ann)
            if sym is not None:
                return sym, "ensembl"
    return None, "unmapped"


def _map_entrez(x: str, ann: GeneAnnotation) -> tuple[str | None, str]:
    m = _INT_RE.match(x.strip())
    if not m:
        return None, "unmapped"
    key = str(int(float(x)))
    s = ann.entrez_to_symbol.get(key)
    return (s, "entrez") if s is not None else (None, "unmapped")


def harmonise(counts: pd.DataFrame, gene_ids: str, annotation: GeneAnnotation | None = None, *,
              file: str | None = None, duplicate_rule: str = "sum", excel_mangled: str = "error",
              sheet: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map the row ids of ``counts`` to current official symbols.

    Returns ``(counts_by_symbol, gene_map)``: counts indexed by symbol (index name
    ``"gene"``, rows in order of first appearance, dtype kept), and ``gene_map`` with
    one row per input row: ``input_id, symbol, status`` (status in :data:`STATUSES`;
    ``symbol`` is NaN for rows that were dropped). Rows whose symbol is shared by
    several input rows are summed and all get status ``duplicate_merged``.

    ``excel_mangled="drop"`` drops date-like ids (status ``excel_mangled``) instead of raising.
    """
    if gene_ids not in ("symbol", "ensembl", "entrez", "as_is", "auto"):
        raise InputError(f"unknown gene_ids {gene_ids!r}", file=file, column="gene_ids",
                         fix="use symbol, ensembl, entrez, as_is or auto")
    if duplicate_rule not in ("sum", "error"):
        raise ValueError("duplicate_rule must be 'sum' or 'error'")
    if excel_mangled not in ("error", "drop"):
        raise ValueError("excel_mangled must be 'error' or 'drop'")
    ids = [str(i).strip() for i in counts.index]
    mangled = _check_excel(ids, file, excel_mangled)
    if gene_ids == "auto":
        gene_ids = detect_gene_id_type(ids)
    if gene_ids != "as_is" and annotation is None:
        annotation = load_annotation()
    gene_names = counts.attrs.get("gene_names") if gene_ids == "ensembl" else None

    symbols: list[str | None] = []
    statuses: list[str] = []
    for k, x in enumerate(ids):
        if k in mangled:
            s, st = None, "excel_mangled"
        elif gene_ids == "as_is":
            s, st = (x, "exact") if x else (None, "unmapped")
        elif gene_ids == "symbol":
            s, st = _map_symbol(x, annotation)
        elif gene_ids == "ensembl":
            s, st = _map_ensembl(x, annotation, gene_names)
        else:
            s, st = _map_entrez(x, annotation)
        symbols.append(s)
        statuses.append(st)

    exact = {sy for sy, st in zip(symbols, statuses) if st == "exact"}
    for k, (sy, st) in enumerate(zip(symbols, statuses)):
        if st == "alias" and sy in exact:  # the official symbol is measured already: do not merge another feature into it
            symbols[k], statuses[k] = None, "alias_conflict"
    sym = pd.Series(symbols, dtype=object)
    mapped = sym.notna().to_numpy()
    dup = sym.duplicated(keep=False).to_numpy() & mapped
    if dup.any() and duplicate_rule == "error":
        d = sym[dup].unique().tolist()
        ex = [f"{s} <- {', '.join(ids[i] for i in np.flatnonzero((sym == s).to_numpy()))}" for s in d[:5]]
        raise InputError(f"{len(d)} gene(s) appear in several rows after mapping: {'; '.join(ex)}", file=file,
                         row=int(np.flatnonzero(dup)[0]) + 2,
                         fix="remove the duplicated rows or use duplicate_rule 'sum' (counts of the same gene are added)")
    statuses = ["duplicate_merged" if d else st for d, st in zip(dup, statuses)]
    gene_map = pd.DataFrame({"input_id": ids, "symbol": sym.to_numpy(), "status": statuses}, columns=GENE_MAP_COLUMNS)

    sub = counts.iloc[np.flatnonzero(mapped)]
    keys = sym[mapped].to_numpy()
    if dup.any():
        out = sub.groupby(keys, sort=False).sum()
    else:
        out = sub.copy()
        out.index = keys
    out.index = pd.Index(out.index, name="gene")
    out.columns = counts.columns
    if not len(out):
        detected = detect_gene_id_type(ids)
        raise InputError(f"no gene id could be mapped as '{gene_ids}' (first ids: {', '.join(ids[:5])}; they look "
                         f"like {detected} ids)", file=file, column="gene_ids",
                         fix=f"set gene_ids: {detected if detected != gene_ids else 'as_is'} for this cohort in "
                             f"{sheet or 'the cohort sheet'} (symbol, ensembl, entrez, auto, or as_is for custom ids)")
    out.attrs = {k: v for k, v in counts.attrs.items() if k != "gene_names"}
    out.attrs["gene_ids"] = gene_ids
    return out, gene_map


def resolve_symbols(symbols, annotation: GeneAnnotation | None = None) -> dict[str, str | None]:
    """Signature gene symbols -> current official symbol (None if unknown or ambiguous).

    ``KIAA0125 -> FAM30A``, ``NGFRAP1 -> BEX3``, ``GPR56 -> ADGRG1``; ``MT-CO1`` stays.
    """
    ann = annotation or load_annotation()
    out: dict[str, str | None] = {}
    for s in symbols:
        x = str(s).strip()
        out[s] = _map_symbol(x, ann)[0]
    return out


def check_gene_id_type(ids, declared: str, *, file: str | None = None, cohort: str | None = None,
                       sheet: str | None = None) -> None:
    """Raise :class:`InputError` when the declared ``gene_ids`` type contradicts the look of
    the ids (e.g. ``symbol`` declared for ``ENSG...`` ids, ``ensembl`` for symbols), as judged
    by :func:`detect_gene_id_type` on a sample of them. ``auto`` and ``as_is`` always pass."""
    if declared in ("auto", "as_is"):
        return
    sample = [str(i).strip() for i in ids if str(i).strip()]
    sample = [i for i in sample if not i.startswith("__") and not i.startswith("N_")]
    if not sample:
        return
    detected = detect_gene_id_type(sample)
    if detected == declared:
        return
    if declared == "symbol" and detected == "entrez":
        pass  # numeric-looking symbols are rare but legal; entrez ids are integers: refuse below
    elif declared == "entrez" and detected == "symbol" and sum(bool(_INT_RE.match(i)) for i in sample) > 0:
        return
    who = f"cohort '{cohort}': " if cohort else ""
    raise InputError(f"{who}gene_ids is '{declared}' but the count ids look like {detected} ids "
                     f"(e.g. {', '.join(sample[:3])})", file=file, column="gene_ids", value=declared,
                     fix=f"set gene_ids: {detected} for cohort '{cohort or '?'}' in {sheet or 'the cohort sheet'} "
                         "(or as_is for custom ids, which signatures must then use)")
