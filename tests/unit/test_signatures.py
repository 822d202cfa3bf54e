"""mitoscore.signatures: loading GMT/weights signatures, coverage, random sets."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import FIXTURE
from mitoscore.errors import InputError
from mitoscore.signatures import (Signature, check_coverage, coverage, load_gmt_signatures,
                                  load_signatures, load_weights_signatures, load_weights_table,
                                  random_gene_sets)


def _write(path, text):
    path.write_text(text)
    return str(path)


def test_load_gmt_signatures():
    sigs = load_gmt_signatures(FIXTURE / "genesets.gmt")
    assert len(sigs) == 51
    m = sigs["MITO_SIGNATURE"]
    assert isinstance(m, Signature) and m.weights is None and not m.is_weighted
    assert len(m.genes) == 150 and m.genes[0] == "MITO001" and m.description == "planted"
    assert m.source.endswith("genesets.gmt")


def test_load_weights_table(tmp_path):
    p = _write(tmp_path / "lsc17.weights.tsv", "gene\tweight\nDNMT3B\t0.0874\nCDK6\t-0.0704\n")
    s = load_weights_table(p)
    assert s.name == "lsc17" and s.genes == ["DNMT3B", "CDK6"]
    assert s.weights == {"DNMT3B": 0.0874, "CDK6": -0.0704}
    assert load_weights_table(p, name="LSC17").name == "LSC17"


def test_load_weights_table_multi(tmp_path):
    p = _write(tmp_path / "w.tsv", "signature\tgene\tweight\nA\tg1\t1\nB\tg2\t2\nA\tg3\t-1\n")
    a = load_weights_table(p, "A")
    assert a.genes == ["g1", "g3"] and a.weights == {"g1": 1.0, "g3": -1.0}
    assert set(load_weights_signatures(p)) == {"A", "B"}
    with pytest.raises(InputError, match="several signatures"):
        load_weights_table(p)
    with pytest.raises(InputError, match="'C' is not in"):
        load_weights_table(p, "C")


def test_load_weights_table_errors(tmp_path):
    p = _write(tmp_path / "bad.tsv", "gene\tweights\ng1\t1\n")
    with pytest.raises(InputError) as ei:
        load_weights_table(p)
    msg = str(ei.value)
    assert "bad.tsv" in msg and "'weight'" in msg and "weights" in msg and "Fix:" in msg
    p2 = _write(tmp_path / "bad2.tsv", "gene\tweight\ng1\t1\ng2\tabc\n")
    with pytest.raises(InputError, match="row 3"):
        load_weights_table(p2)
    p3 = _write(tmp_path / "bad3.tsv", "gene\tweight\ng1\t1\ng1\t2\n")
    with pytest.raises(InputError, match="twice"):
        load_weights_table(p3)
    with pytest.raises(InputError, match="not found"):
        load_weights_table(tmp_path / "nope.tsv")


def test_load_signatures_specs(tmp_path):
    gmt = str(FIXTURE / "genesets.gmt")
    w = _write(tmp_path / "w.tsv", "gene\tweight\nMITO001\t0.5\nG0001\t-1\n")
    sigs = load_signatures([{"name": "MITO_SIGNATURE", "gmt": gmt},
                            {"name": "LSC", "weights": w}])
    assert list(sigs) == ["MITO_SIGNATURE", "LSC"]
    assert sigs["LSC"].weights == {"MITO001": 0.5, "G0001": -1.0}
    assert len(load_signatures([{"gmt": gmt}])) == 51
    with pytest.raises(InputError, match="duplicated signature name 'MITO_SIGNATURE'"):
        load_signatures([{"gmt": gmt}, {"name": "MITO_SIGNATURE", "gmt": gmt}])
    with pytest.raises(InputError, match="MITO_SIGNATURE"):  # nearest name suggested
        load_signatures([{"name": "MITO_SIGNATUR", "gmt": gmt}])
    with pytest.raises(InputError, match="exactly one"):
        load_signatures([{"name": "x", "gmt": gmt, "weights": w}])


def test_coverage_and_check(tmp_path):
    sig = Signature("SIG", ["a", "b", "c", "d", "e"], None, "", "x.gmt")
    cov = coverage(sig, ["a", "b", "c", "d", "zz"])
    assert cov == {"signature": "SIG", "n_genes": 5, "n_present": 4, "fraction": 0.8,
                   "missing": ["e"]}
    check_coverage(cov, 0.8, "counts.tsv")  # exactly at threshold passes
    with pytest.raises(InputError) as ei:
        check_coverage(coverage(sig, ["a"]), 0.8, "counts.tsv")
    msg = str(ei.value)
    for part in ("counts.tsv", "SIG", "20.0%", "80%", "'b'", "gene-id", "min_signature_coverage"):
        assert part in msg, part


def test_random_sets_plain():
    uni = [f"g{i}" for i in range(500)]
    a = random_gene_sets(uni, 30, 20, seed=3)
    b = random_gene_sets(uni, 30, 20, seed=3)
    c = random_gene_sets(uni, 30, 20, seed=4)
    assert a == b and a != c  # deterministic given seed
    assert len(a) == 20 and all(len(s) == 30 and len(set(s)) == 30 for s in a)
    assert all(set(s) <= set(uni) for s in a)
    with pytest.raises(InputError):
        random_gene_sets(uni[:10], 30, 1, seed=1)


def test_random_sets_expression_matched():
    rng = np.random.default_rng(11)
    uni = [f"g{i}" for i in range(4000)]
    expr = pd.Series(rng.normal(6, 3, size=4000), index=uni)
    # a signature of highly expressed genes: top 5%
    top = expr.sort_values().index[-200:]
    sig = list(rng.choice(top, 60, replace=False))
    sets = random_gene_sets(uni, 60, 50, seed=5, match_to=sig, expression=expr, n_bins=20)
    assert sets == random_gene_sets(uni, 60, 50, seed=5, match_to=sig, expression=expr, n_bins=20)
    assert all(len(s) == 60 and len(set(s)) == 60 for s in sets)
    sig_mean = expr[sig].mean()
    means = np.array([expr[s].mean() for s in sets])
    unmatched = np.array([expr[s].mean() for s in random_gene_sets(uni, 60, 50, seed=5)])
    # matched sets come from the same expression bins: their mean is close to the
    # signature's (bin width of the top 5% bin is < 1.5 log2 units here) and far
    # closer than unmatched random sets
    assert np.abs(means - sig_mean).max() < 1.0
    assert np.abs(unmatched - sig_mean).min() > 3.0
    # bin-level match: every drawn gene is in the top-5% bin like the signature genes
    cut = expr.quantile(0.95)
    assert all((expr[s] >= cut).all() for s in sets)
    with pytest.raises(ValueError):
        random_gene_sets(uni, 10, 2, seed=1, match_to=sig, expression=expr)


def test_random_sets_bin_exhaustion_falls_back():
    uni = [f"g{i}" for i in range(100)]
    expr = pd.Series(np.arange(100.0), index=uni)
    sig = [f"g{i}" for i in range(90, 100)]  # one bin of 10 genes with n_bins=10
    sets = random_gene_sets(uni, 10, 3, seed=1, match_to=sig, expression=expr, n_bins=20)
    # the top bin (5 genes) is exhausted -> nearest bin used; still 10 distinct genes
    assert all(len(set(s)) == 10 for s in sets)
    assert all(min(expr[s]) >= 80 for s in sets)
