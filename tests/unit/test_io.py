"""mitoscore.io: atomic writes (temp file + rename) and the TSV format."""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from mitoscore.io import atomic_path, atomic_write, read_tsv, write_tsv


@pytest.mark.parametrize("writer", ["write", "path"])
def test_atomic_writes_replace_on_success_and_leave_the_old_file_on_error(tmp_path, writer):
    f = tmp_path / "sub" / "out.tsv"

    def write(text, fail=False):
        if writer == "write":
            with atomic_write(f) as fh:
                fh.write(text)
                if fail:
                    raise RuntimeError("killed")
        else:
            with atomic_path(f) as tmp:
                tmp.write_text(text)
                if fail:
                    raise RuntimeError("killed")

    write("first\n")  # creates the parent folder
    assert f.read_text() == "first\n"
    with pytest.raises(RuntimeError, match="killed"):
        write("half-writ", fail=True)
    assert f.read_text() == "first\n"  # untouched
    assert [p.name for p in f.parent.iterdir()] == ["out.tsv"]  # no temporary file left
    write("second\n")
    assert f.read_text() == "second\n"


def test_atomic_write_mode_follows_umask(tmp_path):
    old = os.umask(0o027)
    try:
        with atomic_write(tmp_path / "a.txt") as fh:
            fh.write("x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o640  # not mkstemp's 0600


def test_write_tsv_format_round_trip(tmp_path):
    df = pd.DataFrame({"gene": ["A", "B"], "x": [1 / 3, np.nan], "n": [1, 2]})
    write_tsv(df, tmp_path / "t.tsv")
    assert (tmp_path / "t.tsv").read_text() == "gene\tx\tn\nA\t0.3333333333\t1\nB\tNA\t2\n"
    back = read_tsv(tmp_path / "t.tsv")
    assert back["x"].isna().tolist() == [False, True] and back["n"].tolist() == [1, 2]
