"""Tests of mitoscore.inputs: count readers (matrix/Parquet/featureCounts/GDC STAR) and clinical readers."""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mitoscore.errors import InputError
from tests.conftest import BAD, DATA, FMT
from tests.conftest import assert_error_names as _assert_msg
from mitoscore.inputs import detect_counts_format, read_clinical, read_counts, read_gdc_sample_sheet

GDC = FMT / "gdc_star"
SHEET = GDC / "gdc_sample_sheet.2024-05-01.tsv"

EXPECTED = pd.DataFrame({"S1": [10, 0, 533, 7], "S2": [3, 12, 401, 0], "S3": [0, 5, 299, 1]},
                        index=pd.Index(["TP53", "KIAA0125", "MT-CO1", "GPR56"], name="gene"))




# --------------------------------------------------------------------------- matrices
@pytest.mark.parametrize("name", ["counts_symbols.tsv.gz", "counts_symbols.csv", "counts_rstyle.txt",
                                  "counts.parquet", "counts_genecol.parquet"])
def test_matrix_formats_read_identically(name):
    df = read_counts(FMT / name)
    pd.testing.assert_frame_equal(df, EXPECTED, check_names=True)
    assert all(dt == np.int64 for dt in df.dtypes)
    assert df.index.name == "gene"


def test_synthetic_comment_line_is_skipped():
    with gzip.open(FMT / "counts_symbols.tsv.gz", "rt") as fh:
        assert fh.readline().startswith("# SYNTHETIC")
    assert list(read_counts(FMT / "counts_symbols.tsv.gz").index)[0] == "TP53"


def test_detect_format():
    assert detect_counts_format(FMT / "featurecounts.txt") == "featurecounts"
    assert detect_counts_format(GDC) == "gdc_star"
    assert detect_counts_format(SHEET) == "gdc_star"
    assert detect_counts_format(FMT / "counts.parquet") == "parquet"
    assert detect_counts_format(FMT / "counts_symbols.csv") == "matrix"
    assert detect_counts_format(FMT / "counts_symbols.tsv.gz") == "matrix"


def test_featurecounts_sample_names_are_bam_basenames():
    df = read_counts(FMT / "featurecounts.txt")
    assert list(df.columns) == ["S01", "S02", "S03"]
    assert df.loc["ENSG00000141510.17", "S03"] == 1203
    assert df.shape == (3, 3)
    assert df.attrs["source_format"] == "featurecounts"


def test_featurecounts_explicit_fmt_on_matrix_fails():
    with pytest.raises(InputError) as e:
        read_counts(FMT / "counts_symbols.csv", fmt="featurecounts")
    _assert_msg(e.value, FMT / "counts_symbols.csv", "Geneid")


# --------------------------------------------------------------------------- GDC STAR
def test_gdc_star_with_sample_sheet():
    df = read_counts(GDC, fmt="gdc_star", sample_sheet=SHEET)
    assert list(df.columns) == ["TCGA-AB-2803-03A", "TCGA-AB-2805-03A", "TCGA-AB-2806-03A"]
    assert df.shape == (10, 3)  # the 4 N_* rows are dropped
    assert not any(g.startswith("N_") for g in df.index)
    first = pd.read_csv(next((GDC).rglob("*aaaa*.tsv")), sep="\t", comment="#")
    first = first[~first.gene_id.str.startswith("N_")].set_index("gene_id")
    assert (df["TCGA-AB-2803-03A"].to_numpy() == first["unstranded"].to_numpy()).all()
    assert df.attrs["gene_names"]["ENSG00000198804.2"] == "MT-CO1"


def test_gdc_star_sheet_as_path_and_case_ids_and_stranded():
    df = read_counts(SHEET, gdc_id_column="Case ID", gdc_column="stranded_second")
    assert list(df.columns) == ["TCGA-AB-2803", "TCGA-AB-2805", "TCGA-AB-2806"]
    first = pd.read_csv(next(GDC.rglob("*aaaa*.tsv")), sep="\t", comment="#").set_index("gene_id")
    assert df.loc["ENSG00000141510.17", "TCGA-AB-2803"] == first.loc["ENSG00000141510.17", "stranded_second"]


def test_gdc_star_without_sheet_uses_file_stems():
    df = read_counts(GDC)
    assert sorted(df.columns)[0] == "7c1d2e3f-aaaa-4b5c-9d8e-000000000001"


def test_gdc_star_tpm_column_refused():
    with pytest.raises(InputError) as e:
        read_counts(GDC, sample_sheet=SHEET, gdc_column="tpm_unstranded")
    _assert_msg(e.value, GDC, "tpm_unstranded", "unstranded")


def test_gdc_sample_sheet_missing_file():
    bad = BAD / "gdc_sample_sheet_missing_file.tsv"
    with pytest.raises(InputError) as e:
        read_counts(GDC, fmt="gdc_star", sample_sheet=bad)
    _assert_msg(e.value, bad, "deadbeef-0000", "File Name")


def test_gdc_extra_file_not_in_sheet(tmp_path):
    root = tmp_path / "gdc"
    shutil.copytree(GDC, root)
    sheet = pd.read_csv(SHEET, sep="\t").iloc[:2]
    sheet.to_csv(tmp_path / "sheet.tsv", sep="\t", index=False)
    with pytest.raises(InputError) as e:
        read_counts(root, sample_sheet=tmp_path / "sheet.tsv")
    _assert_msg(e.value, tmp_path / "sheet.tsv", "not in the sample sheet", "cccc")


def test_gdc_sheet_duplicate_ids(tmp_path):
    sheet = pd.read_csv(SHEET, sep="\t")
    sheet.loc[1, "Case ID"] = sheet.loc[0, "Case ID"]
    sheet.to_csv(tmp_path / "sheet.tsv", sep="\t", index=False)
    with pytest.raises(InputError) as e:
        read_gdc_sample_sheet(tmp_path / "sheet.tsv", id_column="Case ID")
    _assert_msg(e.value, tmp_path / "sheet.tsv", "TCGA-AB-2803", "Case ID")


def test_gdc_sheet_misspelled_column(tmp_path):
    sheet = pd.read_csv(SHEET, sep="\t").rename(columns={"Sample ID": "SampleID"})
    sheet.to_csv(tmp_path / "sheet.tsv", sep="\t", index=False)
    with pytest.raises(InputError) as e:
        read_gdc_sample_sheet(tmp_path / "sheet.tsv")
    _assert_msg(e.value, tmp_path / "sheet.tsv", "Sample ID", "SampleID")


def test_gdc_files_with_different_genes(tmp_path):
    root = tmp_path / "gdc"
    shutil.copytree(GDC, root)
    f = next(root.rglob("*bbbb*.tsv"))
    lines = f.read_text().splitlines()
    f.write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(InputError) as e:
        read_counts(root, sample_sheet=SHEET)
    _assert_msg(e.value, f, "gene ids differ")


# --------------------------------------------------------------------------- estimated counts
def test_estimated_counts_refused_then_rounded_half_to_even():
    f = FMT / "counts_salmon_estimated.tsv"
    with pytest.raises(InputError) as e:
        read_counts(f)
    _assert_msg(e.value, f, "TP53", "S1", "10.5", "round_estimated")
    df = read_counts(f, round_estimated=True)
    assert df.loc["TP53", "S1"] == 10        # 10.5 -> 10 (half to even)
    assert df.loc["KIAA0125", "S2"] == 12    # 11.5 -> 12 (half to even)
    assert df.loc["MT-CO1", "S3"] == 299     # 298.7 -> 299
    assert df.attrs["rounded"] == 3
    assert df.attrs["max_rounding"] == pytest.approx(0.5)


# --------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize("name, parts", [
    ("counts_noninteger.tsv", ["GAPDH", "S2", "4.25", "non-integer"]),
    ("counts_nan.tsv", ["TP53", "S2", "missing"]),
    ("counts_inf.tsv", ["TP53", "S3", "infinite"]),
    ("counts_text.tsv", ["GAPDH", "S2", "'low'"]),
    ("counts_dup_sample.tsv", ["S1", "duplicated sample"]),
    ("counts_empty.tsv", ["empty"]),
    ("counts_header_only.tsv", ["no gene rows"]),
    ("counts_ragged.tsv", ["row 4", "fields"]),
])
def test_bad_counts_files(name, parts):
    f = BAD / name
    with pytest.raises(InputError) as e:
        read_counts(f)
    _assert_msg(e.value, f, *parts)


def test_missing_file():
    f = BAD / "does_not_exist.tsv"
    with pytest.raises(InputError) as e:
        read_counts(f)
    _assert_msg(e.value, f, "not found")


def test_single_column_file(tmp_path):
    f = tmp_path / "one.tsv"
    f.write_text("gene\nTP53\nGAPDH\n")
    with pytest.raises(InputError) as e:
        read_counts(f)
    _assert_msg(e.value, f, "one column")


def test_corrupt_parquet(tmp_path):
    f = tmp_path / "x.parquet"
    f.write_bytes(b"not parquet at all")
    with pytest.raises(InputError) as e:
        read_counts(f)
    _assert_msg(e.value, f, "Parquet")


def test_empty_gene_id(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("gene,S1\nTP53,1\n,2\n")
    with pytest.raises(InputError) as e:
        read_counts(f)
    _assert_msg(e.value, f, "empty gene id", "row 3")


def test_integer_valued_floats_accepted(tmp_path):
    f = tmp_path / "c.tsv"
    f.write_text("gene\tS1\tS2\nTP53\t1.0\t2e3\nGAPDH\t0\t5\n")
    df = read_counts(f)
    assert df.loc["TP53", "S2"] == 2000 and df.dtypes.eq(np.int64).all()


# --------------------------------------------------------------------------- clinical
def test_read_clinical_xlsx_strings_and_missing():
    df = read_clinical(FMT / "clinical.xlsx")
    assert list(df.columns)[0] == "Sample ID"                       # header stripped
    assert df["Patient code"].tolist() == ["007", "012", "013", "020"]  # ids stay strings
    assert df["OS_months"].tolist()[:2] == ["12.5", "3.0"]           # cells stripped
    assert pd.isna(df.loc[2, "OS_months"])                            # [Not Available]
    assert pd.isna(df.loc[2, "Age"]) and pd.isna(df.loc[3, "Sex"])    # NA / empty


def test_read_clinical_xlsx_bad_sheet():
    with pytest.raises(InputError) as e:
        read_clinical(FMT / "clinical.xlsx", sheet="nope")
    _assert_msg(e.value, FMT / "clinical.xlsx", "nope")


def test_read_clinical_latin1_auto_and_explicit():
    df = read_clinical(FMT / "clinical_latin1.csv")
    assert df.attrs["encoding"] == "cp1252"
    assert df.loc[0, "Comment"] == "Génotype confirmé"
    assert df.loc[2, "Comment"] == "résistant – 2nd course"  # en dash is cp1252 0x96
    with pytest.raises(InputError) as e:
        read_clinical(FMT / "clinical_latin1.csv", encoding="utf-8")
    _assert_msg(e.value, FMT / "clinical_latin1.csv", "utf-8")


def test_read_clinical_utf8_bom_and_whitespace(tmp_path):
    f = tmp_path / "c.tsv"
    f.write_bytes("\ufeff id \t os \nP1 \t 3\n\t\nP2\t[Unknown]\n".encode("utf-8"))
    df = read_clinical(f)
    assert list(df.columns) == ["id", "os"]
    assert df["id"].tolist() == ["P1", "P2"]  # blank row dropped
    assert pd.isna(df.loc[1, "os"])
    assert df.attrs["encoding"] == "utf-8"


def test_read_clinical_empty():
    f = BAD / "clinical_empty.tsv"
    with pytest.raises(InputError) as e:
        read_clinical(f)
    _assert_msg(e.value, f, "empty")


# --------------------------------------------------------------------------- properties
_ids = st.text(alphabet=st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"), min_size=1, max_size=8)


@st.composite
def count_matrices(draw):
    n_g = draw(st.integers(1, 12))
    n_s = draw(st.integers(1, 6))
    genes = draw(st.lists(_ids.filter(lambda s: not s[0].isdigit() and s[0] not in "-_"), min_size=n_g,
                          max_size=n_g, unique=True))
    samples = draw(st.lists(_ids.map(lambda s: "s" + s), min_size=n_s, max_size=n_s, unique=True))
    vals = draw(st.lists(st.integers(0, 2**40), min_size=n_g * n_s, max_size=n_g * n_s))
    return pd.DataFrame(np.array(vals, dtype=np.int64).reshape(n_g, n_s), index=pd.Index(genes, name="gene"),
                        columns=samples)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(df=count_matrices(), kind=st.sampled_from(["tsv", "csv", "tsv.gz", "csv.gz", "parquet"]),
       comment=st.booleans())
def test_roundtrip_property(tmp_path, df, kind, comment):
    f = tmp_path / f"m.{kind}"
    if kind == "parquet":
        df.to_parquet(f)
    else:
        sep = "\t" if kind.startswith("tsv") else ","
        text = ("# SYNTHETIC test matrix\n" if comment else "") + df.to_csv(sep=sep)
        if kind.endswith(".gz"):
            with gzip.open(f, "wt") as fh:
                fh.write(text)
        else:
            f.write_text(text)
    back = read_counts(f)
    pd.testing.assert_frame_equal(back, df)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(df=count_matrices(), frac=st.floats(0.01, 0.99).filter(lambda x: abs(x - 0.5) > 1e-9))
def test_noninteger_property(tmp_path, df, frac):
    f = tmp_path / "m.tsv"
    bad = df.astype(float)
    bad.iloc[-1, -1] = float(min(bad.iloc[-1, -1], 2**30)) + frac
    bad.to_csv(f, sep="\t")
    with pytest.raises(InputError) as e:
        read_counts(f)
    _assert_msg(e.value, f, str(df.index[-1]), str(df.columns[-1]))
    back = read_counts(f, round_estimated=True)
    assert back.iloc[-1, -1] == round(bad.iloc[-1, -1])


def test_r_write_csv_quoted_header_and_crlf(tmp_path):
    f = tmp_path / "r.csv"
    f.write_bytes(b'"","S1","S2"\r\n"TP53",1,2\r\n"NA",3,4\r\n')  # R write.csv; a gene literally named NA
    df = read_counts(f)
    assert list(df.index) == ["TP53", "NA"] and list(df.columns) == ["S1", "S2"]
    assert df.loc["NA", "S2"] == 4
    g = tmp_path / "w.tsv"
    g.write_bytes(b"# SYNTHETIC\r\ngene\tS1\r\nTP53\t5\r\n")
    assert read_counts(g).loc["TP53", "S1"] == 5


def test_head_lines_latin1_fallback_after_the_first_chunk(tmp_path):
    """A Latin-1 byte beyond the first read chunk: the lines are decoded once, not twice."""
    from mitoscore.inputs import _head_lines

    lines = [f"GENE{i:05d}\t{i}\t{2 * i}" for i in range(600)]
    lines[500] += "\tcaf\xe9"
    f = tmp_path / "latin1.tsv"
    f.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    assert _head_lines(f, n=1000) == lines
    assert _head_lines(f, n=3) == lines[:3]


# --------------------------------------------------------------------------- damaged files: every reader
def _truncated_gz(path, text: str) -> None:
    data = gzip.compress(text.encode())
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("reader", ["matrix", "featurecounts", "clinical_gz", "clinical_bz2", "clinical_xz",
                                    "clinical_zip", "gmt", "gdc_sheet", "cohort_sheet", "parquet", "xlsx",
                                    "weights", "annotation"])
def test_every_reader_turns_a_damaged_file_into_an_input_error(tmp_path, reader):
    """A truncated .gz raised a raw EOFError with no file name (issue 11); every reader now
    raises InputError naming the file, for any parse or decompression failure."""
    import bz2
    import lzma

    body = "gene\tS1\tS2\n" + "".join(f"G{i}\t{i}\t{i + 1}\n" for i in range(5000))
    clin = "sample_id\tos_months\tos_event\n" + "".join(f"P{i}\t{i + 1}\t1\n" for i in range(5000))
    if reader == "matrix":
        f = tmp_path / "counts.tsv.gz"
        _truncated_gz(f, body)
        call = lambda: read_counts(f)  # noqa: E731
    elif reader == "featurecounts":
        f = tmp_path / "fc.txt.gz"
        _truncated_gz(f, "# Program:featureCounts v2\nGeneid\tChr\tStart\tEnd\tStrand\tLength\ta.bam\n"
                      + "".join(f"G{i}\t1\t1\t2\t+\t1\t{i}\n" for i in range(5000)))
        call = lambda: read_counts(f)  # noqa: E731
    elif reader.startswith("clinical_"):
        ext = reader.split("_")[1]
        f = tmp_path / f"clin.tsv.{ext}"
        raw = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}.get(ext, lambda b: b"PK\x03\x04junk")(
            clin.encode())
        f.write_bytes(raw[: len(raw) // 2])
        call = lambda: read_clinical(f)  # noqa: E731
    elif reader == "gmt":
        from mitoscore.io import read_gmt
        f = tmp_path / "s.gmt.gz"
        _truncated_gz(f, "".join(f"SET{i}\tdesc\tA\tB\n" for i in range(5000)))
        call = lambda: read_gmt(f)  # noqa: E731
    elif reader == "gdc_sheet":
        f = tmp_path / "sheet.tsv"
        f.write_bytes(b"\xff\xfe\x00\x00 binary \x00\x01")
        call = lambda: read_gdc_sample_sheet(f)  # noqa: E731
    elif reader == "cohort_sheet":
        from mitoscore.config import load_cohort_sheet
        f = tmp_path / "cohorts.tsv"
        f.write_bytes(b"cohort\tcounts\nA\t\xff\xfe\n")
        call = lambda: load_cohort_sheet(f)  # noqa: E731
    elif reader == "parquet":
        f = tmp_path / "c.parquet"
        df = pd.DataFrame({"gene": ["A", "B"], "S1": [1, 2]})
        df.to_parquet(f)
        data = f.read_bytes()
        f.write_bytes(data[: len(data) // 2])
        call = lambda: read_counts(f)  # noqa: E731
    elif reader == "xlsx":
        f = tmp_path / "c.xlsx"
        data = (FMT / "clinical.xlsx").read_bytes()
        f.write_bytes(data[: len(data) // 2])
        call = lambda: read_clinical(f)  # noqa: E731
    elif reader == "weights":
        from mitoscore.signatures import load_weights_table
        f = tmp_path / "w.tsv"
        f.write_bytes(b"gene\tweight\n\xff\xfe\x00junk\t1\n")
        call = lambda: load_weights_table(f)  # noqa: E731
    else:
        from mitoscore.genes import _load
        d = tmp_path / "ann"
        d.mkdir()
        _truncated_gz(d / "genes.tsv.gz", "entrez_id\tsymbol\tgene_type\tensembl_ids\n" + "1\tA\tx\t\n" * 5000)
        _truncated_gz(d / "aliases.tsv.gz", "alias\tentrez_id\n")
        call = lambda: _load(str(d))  # noqa: E731
    with pytest.raises(InputError) as e:
        call()
    _assert_msg(e.value, f if reader != "annotation" else d)


def test_count_input_files_resolves_gdc_folders_to_the_star_files(tmp_path):
    """The GDC folder given as counts (as config/README documents) crashed the checksum step
    with IsADirectoryError, and editing a STAR file reran nothing: the rule inputs are now the
    STAR files the sheet lists (extra files such as logs/ are not inputs)."""
    from mitoscore.inputs import count_input_files

    root = tmp_path / "gdc"
    shutil.copytree(GDC, root)
    (root / "0a1b2c3d-1111-4e5f-8a9b-000000000001" / "logs").mkdir()
    (root / "0a1b2c3d-1111-4e5f-8a9b-000000000001" / "logs" / "x.parcel").write_text("log")
    sheet = root / SHEET.name
    for args in ((root, dict(fmt="gdc_star", sample_sheet=sheet)), (sheet, {}), (root, {})):
        files = count_input_files(args[0], **args[1])
        assert len(files["counts"]) == 3 and all(f.endswith(".augmented_star_gene_counts.tsv") for f in files["counts"])
        assert all(Path(f).is_file() for f in files["counts"])
    assert count_input_files(root, sample_sheet=sheet)["sample_sheet"] == [str(sheet)]
    # relative stays relative (Snakemake inputs relative to the run directory)
    import os
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        assert all(not Path(f).is_absolute() for f in count_input_files("gdc")["counts"])
    finally:
        os.chdir(cwd)
    assert count_input_files(FMT / "counts_symbols.csv") == {"counts": [str(FMT / "counts_symbols.csv")]}
    # the reader reads exactly the files it is given
    files = count_input_files(root, sample_sheet=sheet)["counts"]
    df = read_counts(root, sample_sheet=sheet, files=files)
    assert df.shape == (10, 3)


def test_input_checksums_one_row_per_file_and_directories_never_crash(tmp_path):
    from mitoscore.io import input_checksums, sha256sum

    d = tmp_path / "dir"
    d.mkdir()
    (d / "a.tsv").write_text("a")
    (d / "b.tsv").write_text("b")
    ck = input_checksums({"counts": [str(d / "a.tsv"), str(d / "b.tsv")], "clinical": str(d / "a.tsv"),
                          "folder": str(d)})
    assert list(ck.columns) == ["role", "file", "sha256"]
    assert ck.role.tolist() == ["counts", "counts", "clinical", "folder", "folder"]
    assert ck.sha256.iloc[1] == sha256sum(d / "b.tsv")
