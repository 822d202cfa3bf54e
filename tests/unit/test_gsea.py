"""GSEA prerank (mitoscore.gsea): gseapy's results for gseapy's own permutations, the
closed-form weighted Kolmogorov-Smirnov ES, determinism, circular-contrast labels, bad input."""
from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest
from gseapy.gse import prerank_rs

from mitoscore import gsea, plots
from mitoscore.errors import InputError
from mitoscore.io import read_gmt, write_tsv

from ..conftest import REPO, assert_error_names


# --------------------------------------------------------------------------- helpers
def closed_form_es(ranking: pd.Series, genes, p: float = 1.0) -> float:
    """Independent weighted KS statistic (Subramanian et al. 2005, eq. of the running sum):
    P_hit(i) - P_miss(i) over all N ranks; ES = the deviation of largest absolute value."""
    r = np.abs(ranking.to_numpy(float)) ** p
    inset = ranking.index.isin(list(genes))
    n, k = len(r), int(inset.sum())
    p_hit = np.cumsum(np.where(inset, r, 0.0)) / r[inset].sum()
    p_miss = np.cumsum(~inset) / (n - k)
    dev = p_hit - p_miss
    return float(dev[np.argmax(np.abs(dev))])


def toy_de(n=600, seed=5, ties=True):
    rng = np.random.default_rng(seed)
    genes = np.array([f"GENE{i:04d}" for i in range(n)])
    stat = rng.normal(size=n)
    if ties:
        stat = np.round(stat, 1)  # many tied values: the order of ties matters
    return pd.DataFrame({"gene": genes, "baseMean": 100.0, "log2FoldChange": stat / 3, "lfcSE": 0.3, "stat": stat,
                         "pvalue": np.clip(2 * (1 - np.abs(stat) / 4), 1e-300, 1), "padj": np.nan})


def toy_collections(ranking: pd.Series, seed=9):
    rng = np.random.default_rng(seed)
    order = list(ranking.index)
    a = {f"A_RANDOM_{j}": ("random", list(rng.choice(order, rng.integers(15, 60), replace=False))) for j in range(10)}
    a["A_TOP"] = ("top genes", order[:30:2] + list(rng.choice(order, 5, replace=False)))
    a["A_BOTTOM"] = ("bottom genes", order[-40::2])
    b = {f"B_SET_{j}": ("b", list(rng.choice(order[:200], rng.integers(15, 40), replace=False))) for j in range(6)}
    return {"A": a, "B": b}


def gseapy_permutations(ranking: pd.Series, n_perm: int, seed: int) -> np.ndarray:
    """gseapy's own gene permutations, read back from prerank_rs: for a one-gene set the null ES
    of permutation j is 1 - pos/(N-1) (pos < (N-1)/2) or -pos/(N-1), pos = the gene's rank
    in permutation j. Returns P (n_perm x N) with P[j, g] = rank of the gene of rank g."""
    order = list(ranking.index)
    n = len(order)
    res = prerank_rs(order, ranking.tolist(), {f"Z__{g}": [g] for g in order}, 1.0, 1, n, n_perm, 1, seed)
    rank = {g: i for i, g in enumerate(order)}
    P = np.empty((n_perm, n), dtype=np.int64)
    for s in res.summaries:
        e = np.asarray(s.esnull)
        P[:, rank[s.term[3:]]] = np.where(e > 0, np.rint((1 - e) * (n - 1)), np.rint(-e * (n - 1)))
    assert all(np.array_equal(np.sort(row), np.arange(n)) for row in P), "not permutations"
    return P


# --------------------------------------------------------------------------- gseapy equivalence
@pytest.mark.parametrize("ties", [True, False])
def test_equals_gseapy_for_gseapys_own_permutations(ties):
    """For the same permutations, ES, NES, nominal p, FDR and FWER equal gseapy 1.3.1's
    prerank_rs (FDR/FWER per library, as gseapy does for 'library__term' names).
    Tolerance: 1e-12 absolute (same arithmetic; observed max difference 0)."""
    ranking = gsea.ranking_from_de(toy_de(ties=ties), "stat")
    sets = gsea.filter_sets(toy_collections(ranking), ranking, min_size=15, max_size=500)
    n_perm, seed = 80, 11
    P = gseapy_permutations(ranking, n_perm, seed)
    ref = prerank_rs(list(ranking.index), ranking.tolist(), {f"{s.collection}__{s.term}": s.genes for s in sets},
                     1.0, 15, 500, n_perm, 1, seed)
    ref = {s.term: (s.es, s.nes, s.pval, s.fdr, s.fwerp) for s in ref.summaries}
    res = gsea.run_prerank(ranking, sets, n_perm=n_perm, seed=0, positions=P)
    assert len(res) == len(ref) == len(sets)
    for r in res.itertuples():
        want = ref[f"{r.collection}__{r.term}"]
        got = (r.es, r.nes, r.pval, r.fdr, r.fwer)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12, err_msg=r.term)
    # the planted sets are really enriched (the comparison is not between two nulls)
    res = res.set_index("term")
    assert res.loc["A_TOP", "es"] > 0.5 and res.loc["A_TOP", "pval"] == 0
    assert res.loc["A_BOTTOM", "es"] < -0.5 and res.loc["A_BOTTOM", "pval"] == 0


def test_observed_es_and_leading_edge_match_gseapy_public_prerank():
    """run_prerank's ES and leading edge equal gseapy.prerank's (public API, permutation run)."""
    import gseapy

    ranking = gsea.ranking_from_de(toy_de(ties=False), "stat")
    sets = gsea.filter_sets(toy_collections(ranking), ranking, min_size=15, max_size=500)
    pre = gseapy.prerank(rnk=ranking.copy(), gene_sets={s.term: s.genes for s in sets}, permutation_num=20,
                         ascending=None, min_size=15, max_size=500, seed=1, no_plot=True, outdir=None)
    ref = pre.res2d.set_index("Term")
    res = gsea.run_prerank(ranking, sets, n_perm=20, seed=1).set_index("term")
    for t in res.index:
        assert abs(res.loc[t, "es"] - float(ref.loc[t, "ES"])) <= 1e-12, t
        assert res.loc[t, "leading_edge"] == ref.loc[t, "Lead_genes"], t


# --------------------------------------------------------------------------- closed form, signs, determinism
@pytest.mark.parametrize("weight", [1.0, 0.0, 2.0])
def test_es_equals_closed_form_weighted_ks(weight):
    """ES of every set = the independent O(N) weighted KS running sum (tolerance 1e-10)."""
    ranking = gsea.ranking_from_de(toy_de(), "stat")
    sets = gsea.filter_sets(toy_collections(ranking), ranking, min_size=15, max_size=500)
    res = gsea.run_prerank(ranking, sets, n_perm=30, seed=3, weight=weight)
    for r, s in zip(res.itertuples(), sets):
        assert abs(r.es - closed_form_es(ranking, s.genes, weight)) <= 1e-10, r.term


def test_nes_has_the_sign_of_es_and_statistics_are_in_range():
    ranking = gsea.ranking_from_de(toy_de(), "stat")
    sets = gsea.filter_sets(toy_collections(ranking), ranking, min_size=15, max_size=500)
    res = gsea.run_prerank(ranking, sets, n_perm=100, seed=3)
    assert (np.sign(res["nes"]) == np.sign(res["es"])).all()
    for c in ("pval", "fdr", "fwer"):
        assert res[c].between(0, 1).all(), c


def test_running_sum_knots_reproduce_the_full_walk():
    """The polyline of the figures is the exact running sum (linear between knots), 1e-12."""
    ranking = gsea.ranking_from_de(toy_de(ties=False), "stat")
    genes = list(ranking.index[[0, 1, 5, 50, 51, 300, 599]])
    x, y, hits = gsea.running_sum(ranking, genes)
    r = np.abs(ranking.to_numpy())
    inset = ranking.index.isin(genes)
    full = np.cumsum(np.where(inset, r / r[inset].sum(), -1.0 / (len(r) - inset.sum())))
    np.testing.assert_allclose(np.interp(np.arange(len(r)), x, y), full, rtol=0, atol=1e-12)
    assert list(hits) == [0, 1, 5, 50, 51, 300, 599]


def _analyse(tmp_path, de, *, seed=7, threads=1, contrast=None, n_perm=60, extra=None):
    ranking = gsea.ranking_from_de(de, "stat")
    paths = []
    for name, sets in toy_collections(ranking).items():
        p = tmp_path / f"{name}.gmt"
        p.write_text("".join(f"{t}\t{d}\t" + "\t".join(g) + "\n" for t, (d, g) in sets.items()))
        paths.append({"name": name, "gmt": str(p), "mitochondrial": name == "A"})
    sig = tmp_path / "sig.gmt"
    sig.write_text("MYSIG\tsignature\t" + "\t".join(ranking.index[:40:3]) + "\n")
    settings = {"collections": paths, "rank_by": "stat", "weight": 1.0, "n_permutations": n_perm, "seed": seed,
                "min_size": 15, "max_size": 500, "include_signatures": True, **(extra or {})}
    contrast = contrast or {"name": "b_vs_a", "column": "condition", "test": "B", "reference": "A"}
    return gsea.analyse_contrast(de, contrast=contrast, settings=settings, gene_ids="as_is", threads=threads,
                                 signature_specs=[{"name": "MYSIG", "gmt": str(sig)}], de_file="de.tsv")


def test_same_seed_gives_byte_identical_tables_whatever_the_threads(tmp_path):
    de = toy_de()
    out = []
    for i, (seed, threads) in enumerate([(7, 1), (7, 2), (8, 1)]):
        res = _analyse(tmp_path, de, seed=seed, threads=threads)
        write_tsv(res.table, tmp_path / f"t{i}.tsv")
        out.append((tmp_path / f"t{i}.tsv").read_bytes())
    assert out[0] == out[1]
    assert out[0] != out[2]  # another seed: another Monte-Carlo draw (the test can fail)


def test_null_does_not_depend_on_chunking():
    ranking = gsea.ranking_from_de(toy_de(), "stat")
    sets = gsea.filter_sets(toy_collections(ranking), ranking, min_size=15, max_size=500)
    a = gsea.permutation_null(ranking, sets, n_perm=70, seed=4, chunk=500)
    b = gsea.permutation_null(ranking, sets, n_perm=70, seed=4, chunk=16, threads=2)
    assert np.array_equal(a, b)


def test_fdr_and_fwer_are_per_collection():
    """Adding a collection does not change another collection's statistics (as gseapy)."""
    ranking = gsea.ranking_from_de(toy_de(), "stat")
    colls = toy_collections(ranking)
    both = gsea.filter_sets(colls, ranking, min_size=15, max_size=500)
    only_a = [s for s in both if s.collection == "A"]
    r1 = gsea.run_prerank(ranking, only_a, n_perm=50, seed=2)
    r2 = gsea.run_prerank(ranking, both, n_perm=50, seed=2)
    r2 = r2[r2.collection == "A"].reset_index(drop=True)
    pd.testing.assert_frame_equal(r1, r2)


def test_output_table_and_gene_sets_gmt_are_exact(tmp_path):
    """Contract columns; the written GMT holds exactly the genes tested, from which the
    closed form gives every ES (1e-10); the signature is a collection of its own."""
    de = toy_de()
    res = _analyse(tmp_path, de)
    t = res.table
    assert list(t.columns[:9]) == gsea.TABLE_COLUMNS
    assert set(t.collection) == {"A", "B", gsea.SIGNATURE_COLLECTION}
    assert (t.analysis == "exploratory").all() and not t.circular.any() and (t.note == "").all()
    assert (t.enriched_in == np.where(t.es > 0, "B", "A")).all()
    from mitoscore.io import write_gmt

    write_gmt(gsea.gmt_of(res.sets), tmp_path / "tested.gmt")
    gmt = read_gmt(tmp_path / "tested.gmt")
    assert len(gmt) == len(t)
    ranking = gsea.ranking_from_de(de, "stat")
    for r in t.itertuples():
        genes = gmt[f"{r.collection}__{r.term}"][1]
        assert len(genes) == r.size
        assert abs(r.es - closed_form_es(ranking, genes)) <= 1e-10


def test_circular_contrast_is_labelled_in_every_row(tmp_path):
    de = toy_de()
    con = {"name": "mysig_high_vs_low", "signature": "MYSIG", "test": "high", "reference": "low"}
    t = _analyse(tmp_path, de, contrast=con).table
    note = gsea.circular_note(con)
    assert note.startswith("CIRCULAR: samples were grouped by the MYSIG score (high vs low)")
    assert t.circular.all() and (t.note == note).all()
    assert t.loc[t.term == "MYSIG", "grouping_overlap"].iloc[0] == t.loc[t.term == "MYSIG", "size"].iloc[0]
    assert gsea.circular_note({"name": "x", "column": "sex", "test": "M", "reference": "F"}) is None


def test_captions_quote_the_circular_caveat_verbatim():
    """The figure and table captions carry exactly circular_note's wording."""
    con = {"signature": "SIG", "test": "T", "reference": "R"}
    note = gsea.circular_note(con)
    for cap in ("gsea_table.rst", "gsea_enrichment.rst"):
        text = (REPO / "workflow" / "report" / cap).read_text()
        sub = (text.replace('{{ snakemake.params.contrast["signature"] }}', "SIG")
               .replace('{{ snakemake.params.contrast["test"] }}', "T")
               .replace('{{ snakemake.params.contrast["reference"] }}', "R"))
        assert note + "." in sub, cap


def test_gene_ids_are_harmonised_like_the_counts(tmp_path):
    """A collection written with a previous symbol (ATP5MD, now ATP5MK) is renamed like the
    counts (gene_ids: symbol), so the gene is not lost."""
    p = tmp_path / "old.gmt"
    p.write_text("OLD\tx\tATP5MD\tNDUFA1\n")
    colls = gsea.load_collections([{"name": "old", "gmt": str(p)}], "symbol")
    assert colls["old"]["OLD"][1] == ["ATP5MK", "NDUFA1"]
    assert gsea.load_collections([{"name": "old", "gmt": str(p)}], "as_is")["old"]["OLD"][1] == ["ATP5MD", "NDUFA1"]


def test_ties_are_ordered_by_gene_id_and_rankings_are_built_as_documented():
    de = pd.DataFrame({"gene": ["B", "A", "C", "D", "E"], "stat": [1.0, 1.0, np.nan, -2.0, 3.0],
                       "log2FoldChange": [0.5, -0.1, 1.0, -1.0, 2.0], "pvalue": [0.1, 0.01, 0.5, 0.0, 1e-5]})
    r = gsea.ranking_from_de(de, "stat")
    assert list(r.index) == ["E", "A", "B", "D"]  # C (NA) left out; A before B (tie)
    s = gsea.ranking_from_de(de, "signed_log10_p")
    assert s["D"] == pytest.approx(-(-np.log10(np.finfo(float).tiny)))  # p = 0 -> smallest double
    assert s["A"] == pytest.approx(-2.0) and s["C"] == pytest.approx(np.log10(2))


# --------------------------------------------------------------------------- bad input
def test_ranking_column_with_only_nas_names_contrast_file_and_fix():
    de = toy_de()
    de["stat"] = np.nan
    with pytest.raises(InputError) as e:
        gsea.ranking_from_de(de, "stat", contrast="sex_m_vs_f", file="results/de/sex_m_vs_f.tsv")
    assert_error_names(e.value, "results/de/sex_m_vs_f.tsv", "sex_m_vs_f", "'stat'", "all NA", "gsea.rank_by")


def test_missing_shrunk_column_points_to_lfc_shrink():
    with pytest.raises(InputError) as e:
        gsea.ranking_from_de(toy_de(), "log2FoldChange_shrunk", contrast="c1", file="de.tsv")
    assert_error_names(e.value, "de.tsv", "c1", "log2FoldChange_shrunk", "de.lfc_shrink")


@pytest.mark.parametrize("content", [b"SET_A GENE0001 GENE0002 GENE0003\n", gzip.compress(b"SET\tx\tGENE0001\n")])
def test_collection_file_that_does_not_parse_is_named(tmp_path, content):
    p = tmp_path / "broken.gmt"
    p.write_bytes(content)
    with pytest.raises(InputError) as e:
        gsea.load_collections([{"name": "broken", "gmt": str(p)}], "as_is")
    assert_error_names(e.value, p, "GMT" if b"\t" not in content[:20] else "UTF-8")


def test_collection_without_an_admissible_set_names_file_contrast_and_fix(tmp_path):
    ranking = gsea.ranking_from_de(toy_de(), "stat")
    colls = {"ensembl": {"S1": ("x", ["ENSG00000141510", "ENSG00000171862"] + list(ranking.index[:3]))}}
    with pytest.raises(InputError) as e:
        gsea.filter_sets(colls, ranking, min_size=15, max_size=500, contrast="high_vs_low",
                         files={"ensembl": "config/genesets/ens.gmt"})
    assert_error_names(e.value, "config/genesets/ens.gmt", "high_vs_low", "largest overlap: 3 genes", "gene_ids",
                       "gsea.min_size")
    # the pre-specified signatures are tested whatever their size, without an error
    sig = {gsea.SIGNATURE_COLLECTION: {"TINY": ("x", list(ranking.index[:3]))}}
    assert [s.term for s in gsea.filter_sets(sig, ranking, min_size=15, max_size=500)] == ["TINY"]


# --------------------------------------------------------------------------- across cohorts, figures
def test_summary_and_concordance_count_directions():
    def table(nes, fdr, circ=False):
        return pd.DataFrame({"term": ["S1", "S2"], "collection": "M", "size": [20, 30], "nes": nes, "fdr": fdr,
                             "pval": 0.01, "circular": circ})
    tables = {("c1", "k"): table([1.5, -1.2], [0.01, 0.5]), ("c2", "k"): table([2.0, 0.8], [0.1, 0.3]),
              ("c1", "h"): table([3.0, 2.0], [0.0, 0.0], True)}
    long = gsea.summarise_nes(tables)
    assert list(long.columns) == ["term", "collection", "contrast", "cohort", "size", "nes", "fdr", "pval", "circular"]
    assert len(long) == 6
    c = gsea.concordance(long).set_index(["contrast", "term"])
    assert c.loc[("k", "S1"), ["n_cohorts", "n_up", "n_down", "n_up_fdr"]].tolist() == [2, 2, 0, 2]
    assert bool(c.loc[("k", "S1"), "concordant"]) and c.loc[("k", "S1"), "direction"] == "up"
    assert not c.loc[("k", "S2"), "concordant"] and c.loc[("k", "S2"), "direction"] == "mixed"
    assert not c.loc[("h", "S1"), "concordant"]  # one cohort: no concordance claimed
    assert c.loc[("h", "S1"), "circular"] and not c.loc[("k", "S1"), "circular"]


def test_figures_build_and_are_deterministic(tmp_path):
    res = _analyse(tmp_path, toy_de())
    top = gsea.top_sets(res.table, ["A"], 4)
    assert len(top) == 4 and top["nes"].abs().is_monotonic_decreasing
    curves = gsea.figure_curves(res, top)
    for i in range(2):
        fig = plots.enrichment_plot(res.ranking, curves, title="toy", test="B", reference="A", metric_label="stat",
                                    note=gsea.circular_note({"signature": "S", "test": "high", "reference": "low"}))
        plots.save_figure(fig, tmp_path / f"e{i}.svg")
    assert (tmp_path / "e0.svg").read_bytes() == (tmp_path / "e1.svg").read_bytes()
    svg = (tmp_path / "e0.svg").read_text()
    assert all(f"gsea-curve|{t}" in svg for t in top["term"])
    long = gsea.summarise_nes({("c1", "k"): res.table, ("c2", "k"): res.table})
    conc = gsea.concordance(long)
    d, c, labels, n = gsea.heatmap_rows(long, conc, ["A", gsea.SIGNATURE_COLLECTION])
    assert labels[-1] == "MYSIG" and n == len(labels)
    plots.save_figure(plots.nes_heatmap(d, c, terms=labels, title="toy", circular=["k"]), tmp_path / "h.svg")
    assert (tmp_path / "h.svg").stat().st_size > 1000


# --------------------------------------------------------------------------- SYNTHETIC demo: a null contrast
def _demo_de(cohort: str, column: str, test: str, reference: str, clinical: pd.DataFrame, genes) -> pd.DataFrame:
    from mitoscore import de as D

    counts = pd.read_csv(REPO / "resources" / "demo" / f"SYNTHETIC_{cohort}_counts.tsv.gz", sep="\t", comment="#",
                         index_col=0).loc[genes]
    meta = pd.DataFrame({column: pd.Categorical(clinical[column], categories=[reference, test])},
                        index=clinical.index)
    return D.run_deseq(counts[meta.index], meta, f"~{column}", (column, test, reference), inference="fast",
                       lfc_shrink=False)


def test_demo_null_contrast_has_no_oxphos_enrichment_and_sex_shows_the_correlation_caveat(tmp_path):
    """SYNTHETIC demo cohort B (resources/demo/README.md: OXPHOS genes track the latent
    activity z, nothing else is mitochondrial). Groups matched on z (samples sorted by the
    planted z, labelled A B B A ...: mean z difference ~0) carry no mitochondrial effect:
    the planted OXPHOS programme (MitoCarta3.0 OXPHOS and every set below it) is absent
    (FDR > 0.25). Sex carries none by design either, but the
    realised cohort has a chance z imbalance (M - F = +0.13, t = 0.7) and the OXPHOS genes
    co-vary almost perfectly, so the gene-permutation null calls OXPHOS enriched there: the
    correlation caveat of docs/statistics.md, asserted so that it stays documented.
    Genes: all MitoCarta3.0 genes + 1500 others (seeded), for speed."""
    clin = pd.read_csv(REPO / "resources" / "demo" / "SYNTHETIC_cohortB_clinical.tsv", sep="\t",
                       index_col="sample_id")
    z = clin["latent_oxphos_TRUTH"].sort_values(kind="mergesort")
    clin = clin.loc[z.index]
    clin["matched"] = np.resize(["A", "B", "B", "A"], len(clin))
    dz = clin.groupby("matched")["latent_oxphos_TRUTH"].mean()
    assert abs(dz["B"] - dz["A"]) < 0.01
    coll = REPO / "config" / "genesets" / "mitocarta3_pathways.gmt"
    mito = sorted({g for _, gs in read_gmt(coll).values() for g in gs})
    universe = pd.read_csv(REPO / "resources" / "demo" / "SYNTHETIC_cohortB_counts.tsv.gz", sep="\t", comment="#",
                           usecols=[0]).iloc[:, 0]
    others = sorted(set(universe) - set(mito))
    genes = [g for g in mito if g in set(universe)] + list(np.random.default_rng(1).choice(others, 1500,
                                                                                          replace=False))
    settings = {"collections": [{"name": "MitoCarta3.0", "gmt": str(coll), "mitochondrial": True}], "rank_by": "stat",
                "weight": 1.0, "n_permutations": 500, "seed": 20261123, "min_size": 15, "max_size": 500,
                "include_signatures": False}
    out = {}
    for name, col, test, ref in (("matched", "matched", "B", "A"), ("sex", "sex", "M", "F")):
        de = _demo_de("cohortB", col, test, ref, clin, genes)
        out[name] = gsea.analyse_contrast(de, contrast={"name": name, "column": col, "test": test, "reference": ref},
                                          settings=settings, signature_specs=[], gene_ids="as_is").table
    null = out["matched"]
    desc = {t: d for t, (d, _) in read_gmt(coll).items()}
    oxphos = null[null["term"].map(desc).str.startswith("MitoCarta3.0 MitoPathways: OXPHOS")]
    assert len(oxphos) >= 8 and "MITOCARTA3_OXPHOS" in set(oxphos["term"])
    assert oxphos["fdr"].min() > 0.25, oxphos.nsmallest(3, "fdr")[["term", "nes", "fdr"]]
    sex = out["sex"].set_index("term")
    assert sex.loc["MITOCARTA3_OXPHOS", "nes"] > 0 and sex.loc["MITOCARTA3_OXPHOS", "fdr"] < 0.05


def test_config_check_names_a_missing_collection_file_and_a_reserved_name(tmp_path):
    from mitoscore.config import check_config

    sig = tmp_path / "s.gmt"
    sig.write_text("S\tx\tA\tB\n")
    base = {"signatures": [{"name": "S", "gmt": str(sig)}], "primary_signature": "S"}
    with pytest.raises(InputError) as e:
        check_config({**base, "gsea": {"collections": [{"name": "X", "gmt": "config/genesets/nope.gmt"}]}}, [],
                     sheet_path="cohorts.tsv", config_name="my.yaml")
    assert_error_names(e.value, "my.yaml", "gsea.collections[X]", "nope.gmt")
    with pytest.raises(InputError) as e:
        check_config({**base, "gsea": {"collections": [{"name": "signatures", "gmt": str(sig)}]}}, [],
                     sheet_path="cohorts.tsv", config_name="my.yaml")
    assert_error_names(e.value, "my.yaml", "reserved")
    check_config({**base, "gsea": {"collections": [{"name": "X", "gmt": str(sig)}]}}, [], sheet_path="cohorts.tsv",
                 config_name="my.yaml")
