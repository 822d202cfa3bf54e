"""Tests of mitoscore.genes: annotation, symbol/Ensembl/Entrez harmonisation, aliases,
duplicate aggregation and spreadsheet-mangled gene names."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mitoscore.errors import InputError
from tests.conftest import BAD, DATA, FMT
from tests.conftest import assert_error_names as _assert_msg
from mitoscore.genes import (DEFAULT_ANNOTATION_DIR, STATUSES, detect_gene_id_type, excel_mangled_guess, harmonise,
                             load_annotation, resolve_symbols, strip_ensembl_version)
from mitoscore.inputs import read_counts



@pytest.fixture(scope="module")
def ann():
    return load_annotation()




def _counts(ids, n=2, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.integers(0, 100, size=(len(ids), n)), index=pd.Index(ids, name="gene"),
                        columns=[f"S{i}" for i in range(n)])


# --------------------------------------------------------------------------- annotation
def test_vendored_annotation_small_and_documented(ann):
    d = DEFAULT_ANNOTATION_DIR
    assert d == Path(__file__).resolve().parents[2] / "resources" / "annotation"
    total = sum(f.stat().st_size for f in d.glob("*.tsv.gz"))
    assert total < 3 * 1024 * 1024
    prov = (d / "PROVENANCE.md").read_text()
    assert "org.Hs.eg.db" in prov and "make_annotation.py" in prov
    assert (d / "make_annotation.py").exists()
    assert len(ann.genes) == 77614
    assert {"entrez_id", "symbol", "gene_type", "ensembl_ids"} <= set(ann.genes.columns)
    # mitochondrial genes carry HGNC MT- symbols (as GENCODE/MSigDB/MitoCarta)
    assert ann.entrez_to_symbol["4512"] == "MT-CO1" and ann.entrez_to_symbol["4535"] == "MT-ND1"
    assert load_annotation() is ann  # cached


def test_resolve_symbols(ann):
    r = resolve_symbols(["KIAA0125", "NGFRAP1", "GPR56", "MT-CO1", "MT-ND4L", "TP53", "SEPT1", "MARCH1",
                         "SEPT2", "NOT_A_GENE", "tp53"], ann)
    assert r["KIAA0125"] == "FAM30A" and r["NGFRAP1"] == "BEX3" and r["GPR56"] == "ADGRG1"
    assert r["MT-CO1"] == "MT-CO1" and r["MT-ND4L"] == "MT-ND4L" and r["TP53"] == "TP53"
    assert r["SEPT1"] == "SEPTIN1" and r["MARCH1"] == "MARCHF1"
    assert r["SEPT2"] is None  # alias of SEPTIN2 and SEPTIN6: ambiguous
    assert r["NOT_A_GENE"] is None
    assert r["tp53"] == "TP53"


def test_helpers():
    assert strip_ensembl_version("ENSG00000141510.17") == "ENSG00000141510"
    assert strip_ensembl_version("ENSG00000182378.14_PAR_Y") == "ENSG00000182378"
    assert detect_gene_id_type(["ENSG00000141510.17", "ENSG00000000003", "N_unmapped"]) == "ensembl"
    assert detect_gene_id_type(["7157", "2597", "4512"]) == "entrez"
    assert detect_gene_id_type(["TP53", "GAPDH", "1"]) == "symbol"
    assert excel_mangled_guess("1-Sep") == "SEPTIN1 (formerly SEPT1)"
    assert excel_mangled_guess("2-Mar") == "MARCHF2 (formerly MARCH2)"
    assert excel_mangled_guess("1-Dec") == "DELEC1 (formerly DEC1)"
    assert excel_mangled_guess("Sep-01") == "SEPTIN1 (formerly SEPT1)"
    assert excel_mangled_guess("2021-09-01") == "SEPTIN1 (formerly SEPT1)"
    assert excel_mangled_guess("9/1/2021") == "SEPTIN1 (formerly SEPT1)"
    assert excel_mangled_guess("5-May") == ""
    for ok in ("SEPTIN1", "MARCHF2", "TP53", "HLA-DRB1", "MT-CO1", "C1orf112", "LINC01234", "RP11-34P13.7"):
        assert excel_mangled_guess(ok) is None


# --------------------------------------------------------------------------- harmonise
def test_harmonise_symbols_aliases_and_merge(ann):
    ids = ["TP53", "KIAA0125", "FAM30A", "SEPT2", "NOT_A_GENE", "GPR56", "MT-CO1"]
    c = _counts(ids)
    out, gm = harmonise(c, "symbol", ann, file="c.tsv")
    assert list(gm.columns) == ["input_id", "symbol", "status"]
    st_ = dict(zip(gm.input_id, gm.status))
    assert st_ == {"TP53": "exact", "KIAA0125": "alias_conflict", "FAM30A": "exact",
                   "SEPT2": "ambiguous_alias", "NOT_A_GENE": "unmapped", "GPR56": "alias", "MT-CO1": "exact"}
    assert set(gm.status) <= set(STATUSES)
    assert list(out.index) == ["TP53", "FAM30A", "ADGRG1", "MT-CO1"] and out.index.name == "gene"
    assert (out.loc["FAM30A"] == c.loc["FAM30A"]).all()  # official-symbol row wins over the alias row
    assert (out.loc["ADGRG1"] == c.loc["GPR56"]).all()


def test_harmonise_sums_features_of_one_gene(ann):
    # two aliases of the same gene (no official-symbol row) and a repeated symbol are summed
    c = _counts(["KIAA0125", "HSPC053", "TP53", "TP53"])
    out, gm = harmonise(c, "symbol", ann)
    assert gm.status.tolist() == ["duplicate_merged"] * 4
    assert (out.loc["FAM30A"] == c.iloc[0] + c.iloc[1]).all()
    assert (out.loc["TP53"] == c.iloc[2] + c.iloc[3]).all()
    assert out.dtypes.eq(np.int64).all()


def test_harmonise_duplicate_rule_error(ann):
    with pytest.raises(InputError) as e:
        harmonise(_counts(["KIAA0125", "HSPC053"]), "symbol", ann, file="c.tsv", duplicate_rule="error")
    _assert_msg(e.value, "c.tsv", "FAM30A <- KIAA0125, HSPC053")


def test_harmonise_ensembl_gdc_file(ann):
    sheet = FMT / "gdc_star" / "gdc_sample_sheet.2024-05-01.tsv"
    c = read_counts(sheet)
    out, gm = harmonise(c, "auto", ann, file=str(sheet))
    st_ = dict(zip(gm.input_id, gm.status))
    assert st_["ENSG00000141510.17"] == "ensembl"
    assert st_["ENSG00000182378.14"] == st_["ENSG00000182378.14_PAR_Y"] == "duplicate_merged"
    assert st_["ENSG00000999999.1"] == "unmapped"  # NOVEL-GENE: unknown id and unknown name
    assert {"TP53", "MT-CO1", "MT-ND1", "MT-ATP8", "PLCXD1", "TSPAN6"} <= set(out.index)
    assert (out.loc["PLCXD1"] == c.loc["ENSG00000182378.14"] + c.loc["ENSG00000182378.14_PAR_Y"]).all()
    assert out.attrs["gene_ids"] == "ensembl" and "gene_names" not in out.attrs
    assert int(out.to_numpy().sum()) == int(c.loc[gm.symbol.notna().to_numpy()].to_numpy().sum())


def test_harmonise_ensembl_unversioned_and_featurecounts(ann):
    c = read_counts(FMT / "featurecounts.txt")
    out, gm = harmonise(c, "ensembl", ann)
    assert "TP53" in out.index and "MT-CO1" in out.index
    c2 = _counts(["ENSG00000141510", "ENSG00000198804"])
    out2, _ = harmonise(c2, "ensembl", ann)
    assert list(out2.index) == ["TP53", "MT-CO1"]


def test_harmonise_entrez(ann):
    c = _counts(["7157", "4512", "999999999", "2597.0"])
    out, gm = harmonise(c, "entrez", ann)
    assert list(out.index) == ["TP53", "MT-CO1", "GAPDH"]
    assert gm.status.tolist() == ["entrez", "entrez", "unmapped", "entrez"]


def test_harmonise_as_is_needs_no_annotation():
    c = _counts(["geneA", "geneB"])
    out, gm = harmonise(c, "as_is", None)
    pd.testing.assert_frame_equal(out, c, check_names=False)
    assert gm.status.tolist() == ["exact", "exact"]


def test_harmonise_nothing_mapped(ann):
    with pytest.raises(InputError) as e:
        harmonise(_counts(["foo1", "foo2"]), "symbol", ann, file="c.tsv")
    _assert_msg(e.value, "c.tsv", "gene_ids")


def test_excel_mangled_file(ann):
    f = BAD / "counts_excel_mangled.tsv"
    with pytest.raises(InputError) as e:
        harmonise(read_counts(f), "symbol", ann, file=str(f))
    _assert_msg(e.value, f, "'1-Sep'", "'2-Mar'", "SEPTIN1", "MARCHF2", "row 3", "Excel")
    out, gm = harmonise(read_counts(f), "symbol", ann, file=str(f), excel_mangled="drop")
    assert gm.status.tolist() == ["exact", "excel_mangled", "excel_mangled", "exact"]
    assert list(out.index) == ["TP53", "GAPDH"]


def test_excel_mangled_also_refused_as_is():
    with pytest.raises(InputError) as e:
        harmonise(_counts(["g1", "2021-09-01"]), "as_is", None, file="x.csv")
    _assert_msg(e.value, "x.csv", "2021-09-01")


def test_unknown_gene_id_type(ann):
    with pytest.raises(InputError) as e:
        harmonise(_counts(["TP53"]), "refseq", ann, file="c.tsv")
    _assert_msg(e.value, "c.tsv", "refseq")


# --------------------------------------------------------------------------- properties
_SYMS = ["TP53", "GAPDH", "KIAA0125", "FAM30A", "GPR56", "ADGRG1", "MT-CO1", "SEPT2", "XYZ_UNKNOWN", "NGFRAP1",
         "BEX3", "ACTB"]


@settings(max_examples=40, deadline=None)
@given(ids=st.lists(st.sampled_from(_SYMS), min_size=1, max_size=20),
       seed=st.integers(0, 10_000))
def test_harmonise_preserves_mapped_totals(ids, seed):
    ann = load_annotation()
    c = _counts(ids, n=3, seed=seed)
    c.index = pd.Index(ids, name="gene")  # duplicates allowed in input
    try:
        out, gm = harmonise(c, "symbol", ann)
    except InputError:
        assert all(i in ("SEPT2", "XYZ_UNKNOWN") for i in ids)
        return
    mapped = gm.symbol.notna().to_numpy()
    assert len(gm) == len(ids)
    assert out.index.is_unique
    np.testing.assert_array_equal(out.sum(axis=0).to_numpy(), c[mapped].sum(axis=0).to_numpy())
    for s in out.index:
        np.testing.assert_array_equal(out.loc[s].to_numpy(), c[(gm.symbol == s).to_numpy()].sum(axis=0).to_numpy())


def test_ambiguous_ensembl_ids_resolved_by_the_star_gene_name(ann):
    """Issue 11: 23 genes (CYP2D6, KLRK1 ...) were dropped as ambiguous_ensembl although the
    GDC STAR file names them. ENSG00000100197 is linked to CYP2D6 and two LOC copies (all
    protein-coding); ENSG00000213809 to KLRK1 and the KLRC4-KLRK1 read-through."""
    ids = ["ENSG00000100197.22", "ENSG00000213809.9", "ENSG00000141510.17"]
    counts = pd.DataFrame({"S1": [1, 2, 3]}, index=pd.Index(ids, name="gene"))
    before, gm0 = harmonise(counts, "ensembl", ann)
    assert gm0.status.tolist()[:2] == ["ambiguous_ensembl", "ambiguous_ensembl"]
    counts.attrs["gene_names"] = dict(zip(ids, ["CYP2D6", "KLRK1", "TP53"]))
    out, gm = harmonise(counts, "ensembl", ann)
    assert list(out.index) == ["CYP2D6", "KLRK1", "TP53"]
    assert gm.status.tolist() == ["ensembl_gene_name", "ensembl_gene_name", "ensembl"]
    # a gene_name that is none of the candidate genes does not decide (never guessed)
    counts.attrs["gene_names"] = dict(zip(ids, ["TP53", "KLRK1", "TP53"]))
    _, gm = harmonise(counts, "ensembl", ann)
    assert gm.status.tolist()[0] == "ambiguous_ensembl"


def test_declared_gene_id_type_is_checked():
    from mitoscore.genes import check_gene_id_type

    ens = ["ENSG00000141510.17", "ENSG00000100197.22", "ENSG00000213809"]
    with pytest.raises(InputError) as e:
        check_gene_id_type(ens, "symbol", file="c.tsv", cohort="K", sheet="mine.tsv")
    _assert_msg(e.value, "c.tsv", "look like ensembl", "set gene_ids: ensembl for cohort 'K' in mine.tsv")
    with pytest.raises(InputError):
        check_gene_id_type(["TP53", "BCL2", "MCL1"], "ensembl", file="c.tsv")
    check_gene_id_type(ens, "ensembl")
    check_gene_id_type(["GENE00001"], "as_is")
    check_gene_id_type(ens, "auto")
