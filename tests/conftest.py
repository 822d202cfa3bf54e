"""Shared test fixtures and paths.

``SHARED`` is the read-only ``../shared`` folder that sits beside the repository
(override with ``MITOSCORE_SHARED``); the R goldens live in ``SHARED/oracle``.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MITOSCORE_SHARED", REPO.parent / "shared")).resolve()
ORACLE = SHARED / "oracle"
GOLDEN = ORACLE / "golden"
FIXTURE = ORACLE / "fixture_small"
DATA = REPO / "tests" / "data"
#: goldens made by this repository's own R scripts (tests/golden/*.R, Debian R packages)
REPO_GOLDEN = REPO / "tests" / "golden"
BAD = DATA / "bad_inputs"
FMT = DATA / "formats"
#: the oracle fixture's DESeq2 contrast (R: contrast = c("condition", "B", "A"))
DE_CONTRAST = ("condition", "B", "A")


def assert_error_names(err, file, *parts: str) -> None:
    """An InputError message names ``file``, carries a "Fix:" and every one of ``parts``."""
    msg = str(err)
    assert str(file) in msg, msg
    assert "Fix:" in msg, msg
    for p in parts:
        assert p in msg, f"{p!r} not in {msg!r}"


def assert_deseq_matches_golden(res: pd.DataFrame, gold: pd.DataFrame) -> None:
    """The oracle README tolerance set for DESeq2 ``results()`` tables."""
    import numpy as np

    res = res.set_index("gene")
    gold = gold.set_index("gene").loc[res.index]
    # baseMean: README max rel diff 4.5e-12
    np.testing.assert_allclose(res["baseMean"], gold["baseMean"], rtol=1e-9, atol=1e-12)
    # log2FC abs 1e-4 (README: 5.8e-5 observed); NA pattern identical (all-zero genes)
    assert (res["log2FoldChange"].isna() == gold["log2FoldChange"].isna()).all()
    ok = gold["log2FoldChange"].notna()
    np.testing.assert_allclose(res.loc[ok, "log2FoldChange"], gold.loc[ok, "log2FoldChange"],
                               rtol=0, atol=1e-4)
    hi = (gold["baseMean"] >= 10) & gold["pvalue"].notna()
    # baseMean >= 10: lfcSE rel 2e-2, stat abs 0.05, -log10 p abs 0.05
    np.testing.assert_allclose(res.loc[hi, "lfcSE"], gold.loc[hi, "lfcSE"], rtol=2e-2)
    np.testing.assert_allclose(res.loc[hi, "stat"], gold.loc[hi, "stat"], rtol=0, atol=0.05)
    np.testing.assert_allclose(-np.log10(res.loc[hi, "pvalue"]), -np.log10(gold.loc[hi, "pvalue"]),
                               rtol=0, atol=0.05)
    # identical NA patterns (Cook's filter, independent filtering) and padj<0.1 set
    assert (res["pvalue"].isna() == gold["pvalue"].isna()).all()
    assert (res["padj"].isna() == gold["padj"].isna()).all()
    sig_r, sig_g = set(res.index[res["padj"] < 0.1]), set(gold.index[gold["padj"] < 0.1])
    assert sig_r == sig_g
    # padj abs 0.1 overall (README)
    both = res["padj"].notna()
    np.testing.assert_allclose(res.loc[both, "padj"], gold.loc[both, "padj"], rtol=0, atol=0.1)


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path} is missing: the shared/ folder must sit beside the repository "
                    f"(or set MITOSCORE_SHARED)")
    return path


@pytest.fixture(scope="session")
def golden():
    """Callable: golden('cox.tsv') -> DataFrame of an R golden output."""
    def _read(name: str) -> pd.DataFrame:
        return pd.read_csv(_need(GOLDEN / name), sep="\t", na_values=["NA"])
    return _read


@pytest.fixture(scope="session")
def repo_golden():
    """Callable: repo_golden('ipcw.tsv') -> DataFrame of a golden made by tests/golden/*.R."""
    def _read(name: str) -> pd.DataFrame:
        return pd.read_csv(REPO_GOLDEN / name, sep="\t", na_values=["NA"])
    return _read


@pytest.fixture(scope="session")
def fixture_counts() -> pd.DataFrame:
    """Oracle fixture counts, genes x samples (2000 x 60), gene order kept."""
    return pd.read_csv(_need(FIXTURE / "counts.tsv"), sep="\t", index_col=0)


@pytest.fixture(scope="session")
def fixture_clinical() -> pd.DataFrame:
    return pd.read_csv(_need(FIXTURE / "clinical.tsv"), sep="\t").set_index("sample_id")
