"""Pre-ranked gene-set enrichment analysis (GSEA prerank) of every DE contrast.

Method (Subramanian et al., PNAS 2005; GSEA prerank as implemented by gseapy 1.3.1
``gseapy.prerank``):

* Genes are ranked by a column of the DESeq2 results table (default the Wald statistic
  ``stat``; or the shrunken log2 fold change; or sign(log2FC) x -log10 p), highest first;
  ties are ordered by gene id, so the ranking is deterministic.
* For a gene set S of k ranked genes among N, the weighted Kolmogorov-Smirnov running sum
  at rank i is ``sum_{j<=i, j in S} |r_j|^p / N_R - #{j<=i, j not in S} / (N - k)`` with
  ``N_R = sum_{j in S} |r_j|^p`` and weight p = 1; the enrichment score ES is the running
  sum's value of largest absolute value (gseapy ``fast_random_walk``).
* Null: n_perm random permutations of the gene labels (gseapy's "gene_set" permutation
  type: the metric stays in place, the set's genes land on random ranks), the same
  permutations for every set. NES = ES / mean of the same-signed null ES; nominal
  p = fraction of same-signed null ES at least as extreme (0 means < 1 / number of
  same-signed permutations); FDR q and FWER p from the pooled normalised null of the sets of
  one collection, with the formulas of the GSEA R code as gseapy 1.3.1 computes them
  (``stats.rs``: ``normalize``, ``pval``, ``fdr``, ``fwer_pval``; FDR and FWER per collection,
  as gseapy does for ``library__term`` names).

Division of labour (why part of it is not a gseapy call): :func:`observed_enrichment` runs
gseapy's compiled prerank engine (``gseapy.gse.prerank_rs``, no permutation) for the observed
ES and hit positions of every set. gseapy 1.3.1 builds its null in O(n_perm x N) per set (a full
N-long indicator vector and a walk over all N genes for every permutation): 1,172 sets x
1000 permutations x 20,000 genes take about 110 CPU-seconds and 2.4 GB there
(docs/benchmarks.md). :func:`permutation_null` walks only the k hits of each permuted set
(O(n_perm x k log k)) with the same arithmetic as gseapy's ``fast_random_walk``, and
:func:`gsea_statistics` transcribes gseapy's statistics; for the same permutations the
results equal gseapy's (``tests/unit/test_gsea.py`` recovers gseapy's own permutations and
compares ES, NES, p, FDR and FWER). The permutations themselves come from
``numpy.random.default_rng(seed)`` (gseapy draws them with Rust's ``SmallRng``), so p, FDR
and FWER are a different Monte-Carlo draw of the same null than gseapy's for the same seed.

Everything here is a pure function of tables; the rule entry point is ``scripts/gsea.py``.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import InputError

__all__ = [
    "RANK_BY", "SIGNATURE_COLLECTION", "GeneSet", "GseaResult", "ranking_from_de", "load_collections",
    "signature_sets", "filter_sets", "enrichment_scores", "leading_edge", "observed_enrichment", "permutation_null",
    "gsea_statistics", "run_prerank", "gsea_table", "running_sum", "circular_note", "summarise_nes",
    "concordance", "gmt_of", "analyse_contrast", "figure_curves", "top_sets", "heatmap_rows", "TABLE_COLUMNS",
]

#: Ranking metrics (``gsea.rank_by``) and what they are.
RANK_BY: dict[str, str] = {
    "stat": "DESeq2 Wald statistic (stat)",
    "log2FoldChange_shrunk": "shrunken log2 fold change (log2FoldChange_shrunk)",
    "signed_log10_p": "sign(log2FoldChange) x -log10(pvalue)",
}
#: Collection name of the configured signatures when they are tested alongside the collections.
SIGNATURE_COLLECTION = "signatures"
#: The output contract of ``results/cohorts/{cohort}/gsea/{contrast}.tsv`` (first columns).
TABLE_COLUMNS = ["term", "collection", "size", "es", "nes", "pval", "fdr", "fwer", "leading_edge"]


@dataclass
class GeneSet:
    """A gene set as tested: ``genes`` are the set's genes present in the ranking (GMT
    order), ``positions`` their 0-based ranks (ascending), ``size_in_gmt`` the number of
    genes the (harmonised) set has in its file."""
    term: str
    collection: str
    description: str
    genes: list[str]
    positions: np.ndarray
    size_in_gmt: int


@dataclass
class GseaResult:
    """One contrast's GSEA: the result ``table`` (one row per set tested), the tested
    ``sets`` (exact, for ``gene_sets.gmt``) and the ``ranking`` used."""
    table: pd.DataFrame
    sets: list[GeneSet]
    ranking: pd.Series
    skipped: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- ranking
def ranking_from_de(de: pd.DataFrame, rank_by: str = "stat", *, contrast: str = "",
                    file: str | None = None) -> pd.Series:
    """The gene ranking of one DE contrast: a Series (index gene id, name ``rank_by``)
    sorted by value, highest first, ties by gene id; genes with a missing or infinite value
    are left out (DESeq2 gives NA for all-zero genes and, for p, Cook's outliers).

    ``signed_log10_p`` = sign(log2FoldChange) x -log10(pvalue), with p = 0 (underflow)
    taken as the smallest positive double (-log10 = 307.65).
    Raises :class:`InputError` (naming the file and contrast) if a needed column is absent
    or has no usable value."""
    where = f"contrast '{contrast}'" if contrast else "DE table"
    if rank_by not in RANK_BY:
        raise InputError(f"unknown ranking '{rank_by}'", column="gsea.rank_by", value=rank_by,
                         fix=f"use one of {list(RANK_BY)}")
    need = ["gene"] + (["log2FoldChange", "pvalue"] if rank_by == "signed_log10_p" else [rank_by])
    for col in need:
        if col not in de.columns:
            fix = ("set de.lfc_shrink: true (adds log2FoldChange_shrunk) or use gsea.rank_by: stat"
                   if col == "log2FoldChange_shrunk" else "rank by a column of the DESeq2 results table "
                   f"(gsea.rank_by: {' | '.join(RANK_BY)})")
            raise InputError(f"{where}: ranking column '{col}' is not in the DE table", file=file, column=col,
                             fix=fix)
    genes = de["gene"].astype(str).to_numpy()
    if rank_by == "signed_log10_p":
        lfc = pd.to_numeric(de["log2FoldChange"], errors="coerce").to_numpy(float)
        p = pd.to_numeric(de["pvalue"], errors="coerce").to_numpy(float)
        with np.errstate(invalid="ignore"):
            values = np.sign(lfc) * -np.log10(np.clip(p, np.finfo(float).tiny, None))
        col = "pvalue"
    else:
        values = pd.to_numeric(de[rank_by], errors="coerce").to_numpy(float)
        col = rank_by
    ok = np.isfinite(values)
    if not ok.any():
        raise InputError(f"{where}: the ranking column '{col}' has no finite value ({len(values)} genes, all NA)",
                         file=file, column=col,
                         fix="check the DE log of this contrast (were all genes filtered, or the contrast not "
                             "estimable?), or rank by another column: gsea.rank_by: "
                             + " | ".join(k for k in RANK_BY if k != rank_by))
    if ok.sum() < 3:
        raise InputError(f"{where}: only {int(ok.sum())} genes have a ranking value", file=file, column=col,
                         fix="GSEA needs a genome-wide ranking; check the DE results of this contrast")
    genes, values = genes[ok], values[ok]
    dup = pd.Index(genes)[pd.Index(genes).duplicated()]
    if len(dup):
        raise InputError(f"{where}: gene ids are duplicated in the DE table", file=file, column="gene",
                         value=str(dup[0]), fix="one row per gene is expected (DESeq2 results)")
    order = np.lexsort((genes, -values))
    return pd.Series(values[order], index=pd.Index(genes[order], name="gene"), name=rank_by)


# --------------------------------------------------------------------------- gene sets
def load_collections(specs: list[dict], gene_ids: str) -> dict[str, dict[str, tuple[str, list[str]]]]:
    """The configured collections ``[{name, gmt, ...}]`` as ``{collection: {term: (description,
    genes)}}``, gene ids harmonised to the cohort's like the counts and the signatures
    (:func:`mitoscore.signatures.load_for_cohort`: current HGNC symbols unless ``as_is``).
    A file that does not parse raises :class:`InputError` naming it (via ``io.read_gmt``).
    A term may appear in several collections (rows are identified by collection and term)."""
    from .signatures import load_for_cohort

    out: dict[str, dict[str, tuple[str, list[str]]]] = {}
    for spec in specs:
        sets = load_for_cohort([{"gmt": str(spec["gmt"])}], gene_ids)
        out[spec["name"]] = {t: (s.description, list(s.genes)) for t, s in sets.items()}
    return out


def signature_sets(specs: list[dict], gene_ids: str) -> tuple[dict[str, tuple[str, list[str]]], list[str]]:
    """The configured gene-set signatures (GMT entries) as one collection ``{term: (description,
    genes)}``, harmonised like :func:`load_collections`; weighted signatures (weights tables,
    e.g. LSC17 with signed weights) are not gene sets and are returned as skipped names."""
    from .signatures import load_for_cohort

    gmt = [s for s in specs if s.get("gmt")]
    skipped = [s["name"] for s in specs if not s.get("gmt")]
    if not gmt:
        return {}, skipped
    sigs = load_for_cohort([{k: v for k, v in s.items() if k in ("name", "gmt", "description")} for s in gmt],
                           gene_ids)
    return {n: (s.description, list(s.genes)) for n, s in sigs.items()}, skipped


def filter_sets(collections: dict[str, dict[str, tuple[str, list[str]]]], ranking: pd.Series, *,
                min_size: int, max_size: int, contrast: str = "", files: dict[str, str] | None = None,
                exempt: tuple[str, ...] = (SIGNATURE_COLLECTION,)) -> list[GeneSet]:
    """The sets tested: each set restricted to the ranked genes, kept when
    ``min_size <= k <= max_size`` and ``k < N`` (gseapy's filter). Collections in
    ``exempt`` (the pre-specified signatures) are tested whatever their size (1 <= k < N).
    A collection (not exempt) left with no set raises :class:`InputError` naming its file,
    the contrast and the largest overlap found."""
    files = files or {}
    rank_of = {g: i for i, g in enumerate(ranking.index)}
    n = len(ranking)
    out: list[GeneSet] = []
    for coll, sets in collections.items():
        kept, best = 0, (0, None)
        for term, (desc, genes) in sets.items():
            present = [g for g in genes if g in rank_of]
            k = len(present)
            if k > best[0]:
                best = (k, term)
            lo, hi = (1, n - 1) if coll in exempt else (min_size, max_size)
            if not (lo <= k <= hi and k < n):
                continue
            pos = np.sort(np.fromiter((rank_of[g] for g in present), dtype=np.int64, count=k))
            out.append(GeneSet(term, coll, desc, present, pos, len(genes)))
            kept += 1
        if not kept and coll not in exempt:
            raise InputError(
                f"contrast '{contrast}': no gene set of collection '{coll}' has between {min_size} and {max_size} "
                f"genes among the {n} ranked genes (largest overlap: {best[0]} genes"
                + (f", set '{best[1]}'" if best[1] else "") + ")", file=files.get(coll),
                fix="check that the collection uses the cohort's gene ids (symbols, or set gene_ids in the cohort "
                    "sheet so counts are harmonised to symbols), or widen gsea.min_size / gsea.max_size")
    return out


# --------------------------------------------------------------------------- enrichment
def enrichment_scores(weights: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """ES of one gene set in each row of ``positions`` (m x k, 0-based ranks sorted
    ascending; ``weights`` = |metric|^p of the N ranked genes, in rank order).

    The same arithmetic, in the same order, as gseapy 1.3.1's ``fast_random_walk``: the
    running sum goes down by ``(gap) / (N - k)`` over the misses before each hit and up by
    ``w / N_R`` at the hit (``N_R`` summed left to right); ES is the first value of largest
    absolute value (a NaN step, from N_R = 0, ends the walk as in gseapy)."""
    positions = np.asarray(positions)
    if positions.ndim == 1:
        positions = positions[None, :]
    m, k = positions.shape
    n = weights.shape[0]
    w = weights[positions]
    ns = np.cumsum(w, axis=1)[:, -1]
    q1 = 1.0 / (n - k)
    with np.errstate(divide="ignore", invalid="ignore"):
        q2 = 1.0 / ns
        prev = np.empty_like(positions)
        prev[:, 0] = -1
        prev[:, 1:] = positions[:, :-1]
        steps = np.empty((m, 2 * k))
        steps[:, 0::2] = -(q1 * (positions - prev - 1).astype(float))
        steps[:, 1::2] = q2[:, None] * w
        cur = np.cumsum(steps, axis=1)
    a = np.abs(cur)
    a[np.isnan(a)] = -1.0
    j = np.argmax(a, axis=1)
    es = cur[np.arange(m), j]
    es[a[np.arange(m), j] <= 0] = 0.0  # gseapy keeps 0.0 when no step moves away from 0
    return es + 0.0  # no negative zero


def running_sum(ranking: pd.Series, genes, weight: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The running enrichment sum of ``genes`` over ``ranking`` as an exact polyline:
    ``(x, y, hits)`` with x the 0-based ranks of the knots (the value just before and at
    each hit, the start and the end) and ``hits`` the set's ranks (for figures)."""
    rank_of = {g: i for i, g in enumerate(ranking.index)}
    hits = np.sort(np.array([rank_of[g] for g in genes if g in rank_of], dtype=np.int64))
    n, k = len(ranking), hits.size
    if k == 0 or k >= n:
        return np.array([0, n - 1]), np.zeros(2), hits
    w = np.abs(ranking.to_numpy(float)) ** weight
    hw = w[hits]
    top = np.cumsum(hw) / hw.sum() - (hits - np.arange(k)) / (n - k)
    bottom = top - hw / hw.sum()
    xs, ys = [0], [top[0] if hits[0] == 0 else -1.0 / (n - k)]
    for h, b, t in zip(hits, bottom, top):
        if h - 1 > xs[-1]:
            xs.append(h - 1)
            ys.append(b)
        if h > xs[-1]:
            xs.append(h)
            ys.append(t)
    if xs[-1] < n - 1:
        xs.append(n - 1)
        ys.append(0.0)
    return np.asarray(xs), np.asarray(ys), hits


def leading_edge(weights: np.ndarray, positions: np.ndarray, es: float) -> np.ndarray:
    """Ranks of the leading-edge genes of one set, by gseapy 1.3.1's rule (``base._to_df``):
    with the full running sum ``RES`` (gseapy's ``running_enrichment_score``), the hits up to
    ``argmax(RES)`` in rank order when ES >= 0, else the hits from ``argmin(RES)`` on, from the
    bottom up."""
    n, k = weights.shape[0], positions.size
    tag = np.zeros(n, dtype=bool)
    tag[positions] = True
    ns = np.cumsum(np.where(tag, weights, 0.0))[-1]
    res = np.cumsum(np.where(tag, weights * (1.0 / ns), -(1.0 / (n - k))))
    if es >= 0:
        return positions[positions <= int(np.argmax(res))]
    return positions[positions >= int(np.argmin(res))][::-1]


def _prerank_rs():
    """``gseapy.gse.prerank_rs``, the compiled engine, loaded without running gseapy's
    ``__init__`` (which imports its Enrichr client, plotting and scipy.stats: ~1.5 CPU s per
    job). The same shared library gseapy loads (a later ``import gseapy`` loads its own copy,
    as usual); any surprise in the package layout falls back to the ordinary import."""
    import importlib.machinery
    import importlib.util
    import os
    import sys

    mod = sys.modules.get("gseapy.gse") or _GSE.get("mod")
    if mod is None:
        try:
            pkg = importlib.util.find_spec("gseapy")
            path = next(os.path.join(d, "gse" + suf) for d in pkg.submodule_search_locations
                        for suf in importlib.machinery.EXTENSION_SUFFIXES if os.path.isfile(os.path.join(d, "gse" + suf)))
            spec = importlib.util.spec_from_file_location("gseapy.gse", path)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
        except (ImportError, StopIteration, AttributeError, TypeError):
            from gseapy import gse as mod
        _GSE["mod"] = mod
    return mod.prerank_rs


_GSE: dict = {}  # the loaded engine (one per process)


def observed_enrichment(ranking: pd.Series, sets: list[GeneSet], *, weight: float = 1.0, threads: int = 1,
                        chunk: int = 200) -> tuple[np.ndarray, list[list[str]]]:
    """Observed ES of every set from gseapy's engine, and its leading edge.

    ES and hit ranks come from ``gseapy.gse.prerank_rs`` (the compiled prerank of
    ``gseapy.prerank``, gseapy 1.3.1) with no permutation, fed the ranking in our order and
    the sets' genes (the Python wrapper is bypassed: its result table copies a full running
    sum per set into Python lists, 6-7 s for 1,100 sets, and its upper-case heuristics may
    rename genes). The hit ranks gseapy finds must be ours (else RuntimeError). The leading
    edge follows gseapy's rule (:func:`leading_edge`; tests compare it with
    ``gseapy.prerank``'s ``Lead_genes``). Returns ``(es, leading_edge_genes)``."""
    prerank_rs = _prerank_rs()
    n = len(ranking)
    genes = ranking.index.astype(str).tolist()
    metric = ranking.to_numpy(float)
    w = np.abs(metric) ** weight
    es = np.empty(len(sets))
    lead: list[list[str]] = []
    for start in range(0, len(sets), chunk):
        block = sets[start:start + chunk]
        gs = {f"S{start + j}": [genes[p] for p in s.positions] for j, s in enumerate(block)}
        res = prerank_rs(genes, metric.tolist(), gs, float(weight), 1, n, 0, int(threads), 0)
        for summ in res.summaries:
            i = int(summ.term[1:])
            if not np.array_equal(np.asarray(summ.hits, dtype=np.int64), sets[i].positions):
                raise RuntimeError(f"gseapy placed the genes of '{sets[i].term}' at other ranks than mitoscore "
                                   "(internal error: the ranking was re-ordered)")
            es[i] = summ.es
    for s, e in zip(sets, es):
        lead.append([genes[p] for p in leading_edge(w, s.positions, e)])
    return es, lead


def permutation_null(ranking: pd.Series, sets: list[GeneSet], *, n_perm: int, seed: int, weight: float = 1.0,
                     threads: int = 1, positions: np.ndarray | None = None, chunk: int = 500) -> np.ndarray:
    """Null ES of every set (``len(sets) x n_perm``) under gene-label permutation.

    Permutation j puts the gene of rank g at rank ``P[j, g]``, with ``P[j] =
    default_rng(seed).permutation(N)`` drawn in order (the same permutations for every set,
    as in gseapy); the set's permuted ranks are sorted and walked by
    :func:`enrichment_scores`. ``positions`` (n_perm x N) replaces the random draw (tests
    feed gseapy's own permutations). Results do not depend on ``threads`` or ``chunk``."""
    n = len(ranking)
    w = np.abs(ranking.to_numpy(float)) ** weight
    out = np.empty((len(sets), n_perm))
    rng = np.random.default_rng(seed)
    for start in range(0, n_perm, chunk):
        m = min(chunk, n_perm - start)
        if positions is None:
            P = np.empty((m, n), dtype=np.int32)
            for i in range(m):
                P[i] = rng.permutation(n)
        else:
            P = np.asarray(positions[start:start + m])

        def one(i: int) -> None:
            out[i, start:start + m] = enrichment_scores(w, np.sort(P[:, sets[i].positions], axis=1))

        if threads > 1:
            with ThreadPoolExecutor(max_workers=threads) as ex:
                list(ex.map(one, range(len(sets))))
        else:
            for i in range(len(sets)):
                one(i)
    return out


def _seq_mean(x: np.ndarray) -> float:
    """Mean summed left to right (Rust's ``iter().sum() / n``)."""
    return float(np.cumsum(x)[-1] / x.size)


def gsea_statistics(es: np.ndarray, esnull: np.ndarray) -> pd.DataFrame:
    """NES, nominal p, FDR q and FWER p of one collection (gseapy 1.3.1 ``stats.rs``,
    which follows the GSEA R code, GSEA.R lines 788-876).

    Per set: p = #{null same sign as ES and at least as extreme} / #{null same sign}
    (1 if none); NES = ES / |mean of same-signed null| (ES itself if none), the null
    normalised the same way. Across the collection: FDR(NES) = [#{pooled null NES at least as
    extreme} / #{pooled null NES of that sign}] / [#{observed NES at least as extreme} /
    #{observed NES of that sign}], capped at 1 (no monotone adjustment, as gseapy);
    FWER(NES) = fraction of permutations whose most extreme same-signed null NES over the
    collection is at least as extreme (for NES < 0 among permutations with a negative one).
    Returns columns ``nes, pval, fdr, fwer`` in the order of ``es``."""
    es = np.asarray(es, dtype=float)
    esnull = np.asarray(esnull, dtype=float)
    s, n_perm = esnull.shape
    nes = np.empty(s)
    pval = np.empty(s)
    nesnull = np.empty_like(esnull)
    for i in range(s):
        e, null = es[i], esnull[i]
        if e < 0:
            deno, nomi = int((null < 0).sum()), int((null <= e).sum())
        else:
            deno, nomi = int((null >= 0).sum()), int((null >= e).sum())
        pval[i] = nomi / deno if deno else 1.0
        pos, neg = null[null >= 0], null[null < 0]
        pos_mean = _seq_mean(pos) if pos.size else e
        neg_mean = _seq_mean(neg) if neg.size else e
        nes[i] = e / pos_mean if e >= 0 else e / abs(neg_mean)
        with np.errstate(divide="ignore", invalid="ignore"):
            nesnull[i] = np.where(null >= 0, null / pos_mean, null / abs(neg_mean))
    # FDR: pooled normalised null of the collection
    pool = np.sort(nesnull.ravel())
    nes_sorted = np.sort(nes)
    all_idx = int(np.searchsorted(pool, 0.0, side="left"))
    nes_idx = int(np.searchsorted(nes_sorted, 0.0, side="left"))
    fdr = np.empty(s)
    for i, e in enumerate(nes):
        if e < 0:
            nes_higher = int(np.searchsorted(nes_sorted, e, side="right"))
            all_higher = int(np.searchsorted(pool, e, side="right"))
            all_pos, nes_pos = all_idx, nes_idx
        else:
            nes_higher = s - int(np.searchsorted(nes_sorted, e, side="left"))
            all_higher = pool.size - int(np.searchsorted(pool, e, side="left"))
            all_pos, nes_pos = pool.size - all_idx, s - nes_idx
        phi_norm = all_higher / all_pos if all_pos > 0 else 0.0
        phi_obs = nes_higher / nes_pos if nes_pos > 0 else 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            fdr[i] = min(np.float64(phi_norm) / np.float64(phi_obs), 1.0)
    # FWER: most extreme same-signed null NES per permutation
    with np.errstate(invalid="ignore"):
        max_pos = np.max(np.where(nesnull >= 0, nesnull, 0.0), axis=0, initial=0.0)
        min_neg = np.min(np.where(nesnull < 0, nesnull, 0.0), axis=0, initial=0.0)
    fwer = np.empty(s)
    n_neg = int((min_neg < 0).sum())
    for i, e in enumerate(nes):
        if e < 0:
            fwer[i] = (min_neg < e).sum() / n_neg if n_neg else np.nan
        else:
            fwer[i] = (max_pos >= e).sum() / n_perm
    return pd.DataFrame({"nes": nes + 0.0, "pval": pval, "fdr": fdr, "fwer": fwer})


# --------------------------------------------------------------------------- the analysis
def circular_note(contrast: dict) -> str | None:
    """The caveat of a contrast whose groups were defined by a signature's score (None
    otherwise). Exact wording used in the tables and captions."""
    sig = contrast.get("signature")
    if not sig:
        return None
    return (f"CIRCULAR: samples were grouped by the {sig} score ({contrast['test']} vs {contrast['reference']}), "
            f"so {sig}'s genes and every programme correlated with them are enriched by construction; "
            "this is a description of the grouping, not evidence that the signature validates")


def run_prerank(ranking: pd.Series, sets: list[GeneSet], *, n_perm: int, seed: int, weight: float = 1.0,
                threads: int = 1, positions: np.ndarray | None = None) -> pd.DataFrame:
    """ES, NES, p, FDR, FWER and leading edge of every set (statistics per collection).

    ES comes from gseapy's engine and the leading edge from gseapy's rule
    (:func:`observed_enrichment`); the same ES recomputed by :func:`enrichment_scores` must
    agree to 1e-12 (else RuntimeError); the null
    comes from :func:`permutation_null` and the statistics from :func:`gsea_statistics`.
    Returns one row per set (``term, collection, size, es, nes, pval, fdr, fwer,
    leading_edge``) in the order of ``sets``."""
    es, lead = observed_enrichment(ranking, sets, weight=weight, threads=threads)
    w = np.abs(ranking.to_numpy(float)) ** weight
    mine = np.array([enrichment_scores(w, s.positions)[0] for s in sets]) if sets else np.empty(0)
    bad = np.flatnonzero(~(np.abs(mine - es) <= 1e-12))
    if bad.size:
        i = int(bad[0])
        raise RuntimeError(f"ES of '{sets[i].term}': gseapy {es[i]!r} != mitoscore {mine[i]!r} (internal error)")
    null = permutation_null(ranking, sets, n_perm=n_perm, seed=seed, weight=weight, threads=threads,
                            positions=positions)
    colls = np.array([s.collection for s in sets], dtype=object)
    stats = pd.DataFrame(index=range(len(sets)), columns=["nes", "pval", "fdr", "fwer"], dtype=float)
    for c in dict.fromkeys(colls):
        idx = np.flatnonzero(colls == c)
        st = gsea_statistics(es[idx], null[idx])
        stats.iloc[idx] = st.to_numpy()
    return pd.DataFrame({
        "term": [s.term for s in sets], "collection": colls.tolist(), "size": [len(s.genes) for s in sets],
        "es": es + 0.0, "nes": stats["nes"].to_numpy(float), "pval": stats["pval"].to_numpy(float),
        "fdr": stats["fdr"].to_numpy(float), "fwer": stats["fwer"].to_numpy(float),
        "leading_edge": [";".join(x) for x in lead], "leading_edge_size": [len(x) for x in lead],
        "size_in_gmt": [s.size_in_gmt for s in sets],
    })


def gsea_table(res: pd.DataFrame, *, contrast: dict, rank_by: str, n_ranked: int, n_perm: int,
               collection_order: list[str], grouping_genes: set[str] | None = None,
               sets: list[GeneSet] | None = None) -> pd.DataFrame:
    """The per-contrast output table: :data:`TABLE_COLUMNS`, then ``leading_edge_size,
    size_in_gmt, enriched_in`` (the group whose samples express the set higher: the test
    level for ES > 0), ``rank_by, n_ranked, n_permutations, analysis, circular,
    grouping_overlap`` (genes of the set among those of the signature that defined the
    groups, circular contrasts only) and ``note``. Rows: collections in configured order,
    then NES descending, then term."""
    note = circular_note(contrast)
    t = res.copy()
    t["enriched_in"] = np.where(t["es"] > 0, str(contrast["test"]),
                                np.where(t["es"] < 0, str(contrast["reference"]), "neither"))
    t["rank_by"] = rank_by
    t["n_ranked"] = n_ranked
    t["n_permutations"] = n_perm
    t["analysis"] = "exploratory"
    t["circular"] = note is not None
    if note is not None and grouping_genes is not None and sets is not None:
        by_term = {s.term: s for s in sets}
        t["grouping_overlap"] = [len(set(by_term[x].genes) & grouping_genes) for x in t["term"]]
    else:
        t["grouping_overlap"] = pd.array([pd.NA] * len(t), dtype="Int64")
    t["note"] = note if note is not None else ""
    order = {c: i for i, c in enumerate(collection_order)}
    t["_c"] = t["collection"].map(lambda c: order.get(c, len(order)))
    t = t.sort_values(["_c", "nes", "term"], ascending=[True, False, True], kind="mergesort").drop(columns="_c")
    cols = TABLE_COLUMNS + ["leading_edge_size", "size_in_gmt", "enriched_in", "rank_by", "n_ranked",
                            "n_permutations", "analysis", "circular", "grouping_overlap", "note"]
    return t[cols].reset_index(drop=True)


def gmt_of(sets: list[GeneSet]) -> dict[str, tuple[str, list[str]]]:
    """The tested sets for :func:`mitoscore.io.write_gmt`: name ``<collection>__<term>``
    (gseapy's naming of sets from several libraries; unique even when a signature is also a
    term of a collection), description = the set's own, genes = exactly those tested."""
    return {f"{s.collection}__{s.term}": (s.description, list(s.genes)) for s in sets}


def analyse_contrast(de: pd.DataFrame, *, contrast: dict, settings: dict, signature_specs: list[dict],
                     gene_ids: str, threads: int = 1, de_file: str | None = None) -> GseaResult:
    """The GSEA of one DE contrast of one cohort, as the ``gsea`` rule runs it.

    ``settings`` is the config's ``gsea`` section (collections, rank_by, weight,
    n_permutations, seed, min_size, max_size, include_signatures); ``signature_specs`` the
    signatures scored in the cohort (gene-set ones become collection ``signatures``; the one
    that defined a circular contrast's groups gives ``grouping_overlap``)."""
    name = contrast["name"]
    ranking = ranking_from_de(de, settings["rank_by"], contrast=name, file=de_file)
    colls = load_collections(settings["collections"], gene_ids)
    files = {c["name"]: str(c["gmt"]) for c in settings["collections"]}
    skipped: list[str] = []
    if settings.get("include_signatures", True):
        sig_sets, skipped = signature_sets(signature_specs, gene_ids)
        if sig_sets:
            colls[SIGNATURE_COLLECTION] = sig_sets
    sets = filter_sets(colls, ranking, min_size=settings["min_size"], max_size=settings["max_size"],
                       contrast=name, files=files)
    res = run_prerank(ranking, sets, n_perm=settings["n_permutations"], seed=settings["seed"],
                      weight=settings["weight"], threads=threads)
    grouping = None
    if contrast.get("signature"):
        from .signatures import load_for_cohort

        spec = [s for s in signature_specs if s["name"] == contrast["signature"]]
        grouping = set(load_for_cohort(spec, gene_ids)[contrast["signature"]].genes) if spec else set()
    table = gsea_table(res, contrast=contrast, rank_by=settings["rank_by"], n_ranked=len(ranking),
                       n_perm=settings["n_permutations"], collection_order=list(colls), grouping_genes=grouping,
                       sets=sets)
    return GseaResult(table=table, sets=sets, ranking=ranking, skipped=skipped)


def figure_curves(result: GseaResult, rows: pd.DataFrame, weight: float = 1.0) -> list[dict]:
    """Running-sum curves (:func:`running_sum`) of the table ``rows`` for
    :func:`mitoscore.plots.enrichment_plot`, drawn from the exact genes tested."""
    by_key = {(s.collection, s.term): s for s in result.sets}
    out = []
    for r in rows.itertuples():
        x, y, hits = running_sum(result.ranking, by_key[(r.collection, r.term)].genes, weight)
        out.append({"term": r.term, "collection": r.collection, "nes": r.nes, "fdr": r.fdr, "pval": r.pval,
                    "x": x, "y": y, "hits": hits})
    return out


def top_sets(table: pd.DataFrame, collections: list[str], n: int) -> pd.DataFrame:
    """The ``n`` sets of ``collections`` with the largest |NES| (ties: smaller p, then term)."""
    d = table[table["collection"].isin(collections)].copy()
    d["_a"] = -d["nes"].abs()
    return d.sort_values(["_a", "pval", "term"], kind="mergesort").head(n).drop(columns="_a")


# --------------------------------------------------------------------------- across cohorts
def summarise_nes(tables: dict[tuple[str, str], pd.DataFrame]) -> pd.DataFrame:
    """Long table over cohorts and contrasts: ``term, collection, contrast, cohort, size, nes,
    fdr, pval, circular`` (``tables``: ``{(cohort, contrast): per-contrast table}``), sorted by
    contrast, collection, term, cohort."""
    parts = []
    for (cohort, contrast), t in tables.items():
        d = t[["term", "collection", "size", "nes", "fdr", "pval", "circular"]].copy()
        d.insert(2, "contrast", contrast)
        d.insert(3, "cohort", cohort)
        parts.append(d)
    cols = ["term", "collection", "contrast", "cohort", "size", "nes", "fdr", "pval", "circular"]
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)[cols]
    return out.sort_values(["contrast", "collection", "term", "cohort"], kind="mergesort").reset_index(drop=True)


def concordance(long: pd.DataFrame, *, fdr_max: float = 0.25) -> pd.DataFrame:
    """Direction of enrichment across cohorts per set and contrast: ``n_cohorts`` (where the
    set was tested), ``n_up``/``n_down`` (NES > 0 / < 0), ``n_up_fdr``/``n_down_fdr`` (and
    FDR < ``fdr_max``), ``concordant`` (all tested cohorts share the sign, n >= 2),
    ``direction`` (up / down / mixed), ``mean_nes``, ``circular``."""
    rows = []
    for (contrast, coll, term), d in long.groupby(["contrast", "collection", "term"], sort=True):
        nes = d["nes"].to_numpy(float)
        fdr = d["fdr"].to_numpy(float)
        up, down = int((nes > 0).sum()), int((nes < 0).sum())
        n = int(np.isfinite(nes).sum())
        rows.append({"term": term, "collection": coll, "contrast": contrast, "n_cohorts": n, "n_up": up,
                     "n_down": down, "n_up_fdr": int(((nes > 0) & (fdr < fdr_max)).sum()),
                     "n_down_fdr": int(((nes < 0) & (fdr < fdr_max)).sum()),
                     "concordant": bool(n >= 2 and (up == n or down == n)),
                     "direction": "up" if up == n and n else ("down" if down == n and n else "mixed"),
                     "mean_nes": float(np.nanmean(nes)) if n else np.nan,
                     "circular": bool(d["circular"].astype(str).str.lower().eq("true").any())})
    cols = ["term", "collection", "contrast", "n_cohorts", "n_up", "n_down", "n_up_fdr", "n_down_fdr",
            "concordant", "direction", "mean_nes", "circular"]
    return pd.DataFrame(rows, columns=cols)


def heatmap_rows(long: pd.DataFrame, conc: pd.DataFrame, collections: list[str], *,
                 max_rows: int = 80) -> tuple[pd.DataFrame, pd.DataFrame, list[str], int]:
    """The rows of the cross-cohort NES heatmap: the sets of ``collections`` (the
    mitochondrial ones and the signatures), labelled by term (``term [collection]`` when a
    term is in two of them), ordered by collection then mean NES (highest first); at most
    ``max_rows`` (the largest max |NES|). Returns ``(long, concordance, labels, n_candidates)``
    with a ``term`` column holding the labels."""
    d = long[long["collection"].isin(collections)].copy()
    c = conc[conc["collection"].isin(collections)].copy()
    dup = set(d.drop_duplicates(["collection", "term"])["term"].value_counts().loc[lambda x: x > 1].index)
    for t in (d, c):
        t["term"] = [f"{a} [{b}]" if a in dup else a for a, b in zip(t["term"], t["collection"])]
    stats = d.groupby("term").agg(collection=("collection", "first"), mean=("nes", "mean"),
                                  peak=("nes", lambda x: float(np.nanmax(np.abs(x))) if x.notna().any() else 0.0))
    n = len(stats)
    if n > max_rows:
        stats = stats.sort_values("peak", ascending=False, kind="mergesort").head(max_rows)
    order = {k: i for i, k in enumerate(collections)}
    stats["_c"] = stats["collection"].map(order)
    stats = stats.reset_index().sort_values(["_c", "mean", "term"], ascending=[True, False, True], kind="mergesort")
    labels = stats["term"].tolist()
    return d[d["term"].isin(labels)], c[c["term"].isin(labels)], labels, n

