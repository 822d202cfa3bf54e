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
def fixture_counts() -> pd.DataFrame:
    """Oracle fixture counts, genes x samples (2000 x 60), gene order kept."""
    return pd.read_csv(_need(FIXTURE / "counts.tsv"), sep="\t", index_col=0)


@pytest.fixture(scope="session")
def fixture_clinical() -> pd.DataFrame:
    return pd.read_csv(_need(FIXTURE / "clinical.tsv"), sep="\t").set_index("sample_id")
