"""mitoscore.derive: signature derivation from a discovery cohort's DE table."""
import numpy as np
import pandas as pd
import pytest

from mitoscore.derive import derive_signature
from mitoscore.io import read_gmt, sha256sum, write_gmt
from mitoscore.errors import InputError


def _de():
    return pd.DataFrame({
        "gene": ["M1", "M2", "M3", "M4", "M5", "M6", "M7", "X1", "M8"],
        "baseMean": [100, 50, 200, 5, 80, 90, 70, 300, 60],
        "log2FoldChange": [1.0, 0.8, 2.0, 3.0, -1.5, 0.5, 0.6, 4.0, 0.2],
        "stat": [5.0, 4.0, 9.0, 8.0, -6.0, 3.0, 3.5, 12.0, 0.5],
        "padj": [1e-5, 1e-4, 1e-9, 1e-8, 1e-6, 0.01, 0.005, 1e-20, 0.6],
    })


def test_up_genes_ranked_by_wald_stat_within_the_universe():
    genes, table = derive_signature(_de(), {f"M{i}" for i in range(1, 9)}, top_n=10, min_genes=3)
    # X1 is outside the universe, M4 is below baseMean 10, M5 is down, M8 is not significant
    assert genes == ["M3", "M1", "M2", "M7", "M6"]
    assert table["rank"].tolist() == [1, 2, 3, 4, 5] and (table["stat"] > 0).all()


def test_down_direction_and_top_n():
    genes, _ = derive_signature(_de(), None, top_n=1, direction="down", min_genes=1)
    assert genes == ["M5"]
    genes, _ = derive_signature(_de(), None, top_n=2, min_genes=2)
    assert genes == ["X1", "M3"]


def test_too_few_genes_is_a_clear_error():
    with pytest.raises(InputError, match=r"de.tsv: only 1 genes qualify.*Fix:"):
        derive_signature(_de(), {"M1"}, min_genes=5, source="de.tsv")
    with pytest.raises(InputError, match="lacks columns"):
        derive_signature(_de().drop(columns="stat"), None, source="de.tsv")


def test_frozen_artefact_bytes_and_checksum_are_stable(tmp_path):
    """The derived GMT is written by io.write_gmt and its checksum by io.sha256sum
    (scripts/derive_signature.py): fixed bytes, fixed digest (coreutils sha256sum)."""
    f = tmp_path / "S.gmt"
    write_gmt({"S": ("d", ["A", "B"])}, f)
    assert f.read_bytes() == b"S\td\tA\tB\n"
    assert sha256sum(f) == "250dda9b8077f2786d23ceb9dd45d47e7c7adc74b6f1725866cc8c4054c11950"
    assert read_gmt(f) == {"S": ("d", ["A", "B"])}
