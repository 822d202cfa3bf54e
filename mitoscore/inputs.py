"""Readers for raw count matrices and clinical tables, in the formats users actually have.

Counts (:func:`read_counts`) -> genes x samples ``int64`` DataFrame, index named
``"gene"`` (the ids exactly as in the file; :mod:`mitoscore.genes` harmonises them),
columns = sample ids. Supported formats:

``matrix``
    TSV/CSV (optionally ``.gz``/``.bz2``/``.xz``/``.zip``), first column = gene id,
    one column per sample. Lines starting with ``#`` *before* the header are
    comments (e.g. the ``# SYNTHETIC ...`` line of the demo files). A header
    with one field fewer than the data rows (R ``write.table`` default) is accepted.
``parquet``
    genes as the index, or as the first (string) column.
``featurecounts``
    Subread featureCounts output: a ``# Program:featureCounts`` comment line, then
    ``Geneid Chr Start End Strand Length`` + one column per BAM. Sample names are
    the BAM basenames without ``.bam``.
``gdc_star``
    GDC harmonised STAR files (``*.rna_seq.augmented_star_gene_counts.tsv``, one
    per sample) found recursively under a directory, keyed by the GDC sample sheet
    (``File Name`` -> ``Sample ID`` by default). The 4 ``N_*`` summary rows are
    dropped; ``gdc_column`` chooses ``unstranded`` (default), ``stranded_first`` or
    ``stranded_second``.

Values must be whole numbers. Non-integer values (salmon/RSEM *estimated* counts)
are refused unless ``round_estimated=True``, which rounds half-to-even (``numpy.rint``,
as R's ``round``) and records the number of changed values in ``df.attrs["rounded"]``.

Clinical tables (:func:`read_clinical`) are read as strings (ids keep leading zeros),
with whitespace stripped and the usual missing-value tokens turned into NaN.
"""
from __future__ import annotations

import contextlib
import csv
import gzip
import io
import lzma
import os
import re
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .errors import preview as _preview

GDC_SUFFIX = ".rna_seq.augmented_star_gene_counts.tsv"
GDC_COUNT_COLUMNS = ("unstranded", "stranded_first", "stranded_second")
GDC_HEADER = ("gene_id", "gene_name", "gene_type", "unstranded", "stranded_first",
              "stranded_second", "tpm_unstranded", "fpkm_unstranded", "fpkm_uq_unstranded")
FEATURECOUNTS_ANNOT = ("Geneid", "Chr", "Start", "End", "Strand", "Length")

#: Cell values read as missing in clinical tables (after stripping whitespace).
MISSING_TOKENS = frozenset({
    "", "NA", "N/A", "n/a", "na", "NaN", "nan", "NAN", "NULL", "null", "None", "#N/A", ".",
    "--", "'--", "[Not Available]", "Not Available", "[Not Applicable]", "Not Applicable",
    "[Unknown]", "[Not Evaluated]", "[Discrepancy]", "[Not Reported]", "Not Reported",
})

COMPRESSED = (".gz", ".bz2", ".xz", ".zip")
_COUNT_NA = ["", "NA", "NaN", "nan", "NULL", "null", "#N/A"]  # missing-value tokens in count columns only


# --------------------------------------------------------------------------- helpers
def _base_suffix(path: Path) -> str:
    """'.tsv' for 'x.tsv.gz', '.csv' for 'x.csv' ..."""
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in COMPRESSED:
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def _open_text(path: Path, encoding: str = "utf-8"):
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rt", encoding=encoding, newline="")
    if name.endswith(".bz2"):
        import bz2
        return bz2.open(path, "rt", encoding=encoding, newline="")
    if name.endswith(".xz"):
        return lzma.open(path, "rt", encoding=encoding, newline="")
    if name.endswith(".zip"):
        zf = zipfile.ZipFile(path)
        members = [m for m in zf.namelist() if not m.endswith("/")]
        if len(members) != 1:
            raise InputError(f"the zip archive holds {len(members)} files; expected exactly one table", file=str(path),
                             fix="unzip it and point to the table itself")
        return io.TextIOWrapper(zf.open(members[0]), encoding=encoding, newline="")
    return open(path, encoding=encoding, newline="")


#: Exceptions a reader may raise on a damaged, truncated or mis-typed file; :func:`reading`
#: turns each into an :class:`InputError` naming the file.
READ_ERRORS: tuple[type[BaseException], ...] = (
    OSError, EOFError, zlib.error, lzma.LZMAError, UnicodeError, ValueError, csv.Error, zipfile.BadZipFile,
    pd.errors.ParserError, pd.errors.EmptyDataError, KeyError, IndexError, TypeError, MemoryError,
    ImportError,  # e.g. an old .xls needs xlrd, which is not installed
)


@contextlib.contextmanager
def reading(path, what: str = "file", fix: str | None = None):
    """Context manager of every reader: a parse or decompression failure (truncated ``.gz``,
    corrupt ``.xlsx``/Parquet, ragged rows, a directory where a file was expected, bad
    encoding ...) becomes an :class:`InputError` naming the file, what was being read
    and the fix. ``InputError`` itself passes through unchanged."""
    try:
        yield
    except InputError:
        raise
    except READ_ERRORS as e:
        name = str(path)
        if isinstance(e, IsADirectoryError) or Path(name).is_dir():
            raise InputError(f"expected a {what} but this is a directory", file=name,
                             fix="point to the file itself (a GDC download folder is given as counts with "
                                 "counts_format: gdc_star)") from e
        if isinstance(e, (EOFError, zlib.error, lzma.LZMAError)) or "compressed" in str(e).lower() \
                or "gzip" in str(e).lower() or isinstance(e, zipfile.BadZipFile):
            problem = f"cannot decompress the {what}: the file is truncated or corrupt ({type(e).__name__}: {e})"
            default_fix = "re-download or re-export the file (an interrupted transfer leaves a truncated archive)"
        else:
            problem = f"cannot read the {what} ({type(e).__name__}: {e})"
            default_fix = "check the file is complete and in the expected format (re-export or re-download it)"
        raise InputError(problem, file=name, fix=fix or default_fix) from e


def _head_lines(path: Path, n: int = 50, encoding: str = "utf-8") -> list[str]:
    """The first ``n`` lines, decoded as ``encoding``, else as Latin-1 (which never fails)."""
    for enc in (encoding, "latin-1"):
        out: list[str] = []
        try:
            with reading(path):
                with _open_text(path, encoding=enc) as fh:
                    for line in fh:
                        out.append(line.rstrip("\r\n"))
                        if len(out) >= n:
                            break
            return out
        except InputError as e:
            if isinstance(e.__cause__, UnicodeDecodeError) and enc != "latin-1":
                continue
            raise
    return out


def _guess_sep(path: Path, header: str) -> str:
    suffix = _base_suffix(path)
    if suffix == ".csv":
        return ","
    if suffix in (".tsv", ".tab"):
        return "\t"
    if "\t" in header:
        return "\t"
    if "," in header:
        return ","
    if ";" in header:
        return ";"
    return "\t"


def _split(line: str, sep: str) -> list[str]:
    return next(csv.reader([line], delimiter=sep))


def _require_file(path: Path) -> None:
    if not path.exists():
        raise InputError("file not found", file=str(path),
                         fix="check the path in the cohort sheet (relative paths are relative to the directory "
                             "Snakemake runs in)")


def _check_empty(path: Path) -> None:
    if path.is_file() and path.stat().st_size == 0:
        raise InputError("the file is empty (0 bytes)", file=str(path),
                         fix="re-export or re-download the file; an interrupted transfer leaves empty files")


# --------------------------------------------------------------------------- counts
def detect_counts_format(path: str | os.PathLike) -> str:
    """Guess the count format of ``path``: 'gdc_star', 'parquet', 'featurecounts' or 'matrix'."""
    p = Path(path)
    if p.is_dir():
        return "gdc_star"
    name = p.name.lower()
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith(GDC_SUFFIX):
        return "gdc_star"
    lines = [ln for ln in _head_lines(p, 20)]
    body = [ln for ln in lines if not ln.startswith("#")]
    if lines and lines[0].startswith("# Program:featureCounts"):
        return "featurecounts"
    if body:
        first = body[0]
        if first.split("\t")[:6] == list(FEATURECOUNTS_ANNOT):
            return "featurecounts"
        fields = [f.strip() for f in re.split(r"[\t,]", first)]
        if "File Name" in fields and ("Sample ID" in fields or "Case ID" in fields):
            return "gdc_star"
        if fields[: len(GDC_HEADER)] == list(GDC_HEADER):
            return "gdc_star"
    return "matrix"


def read_counts(path: str | os.PathLike, *, fmt: str = "auto", sample_sheet: str | os.PathLike | None = None,
                gdc_column: str = "unstranded", round_estimated: bool = False,
                gdc_id_column: str = "Sample ID", files: list[str | os.PathLike] | None = None) -> pd.DataFrame:
    """Read a raw count matrix -> genes x samples ``int64`` DataFrame (index name ``"gene"``).

    Parameters
    ----------
    path : a matrix/featureCounts/Parquet file, a GDC STAR directory, a single GDC
        STAR file or a GDC sample sheet (its folder is searched for the count files).
    fmt : ``auto`` | ``matrix`` | ``parquet`` | ``featurecounts`` | ``gdc_star``.
    sample_sheet : GDC sample sheet (TSV with ``File Name`` and ``gdc_id_column``).
    gdc_column : count column of the GDC STAR files.
    round_estimated : round non-integer estimated counts half-to-even instead of refusing.
    gdc_id_column : sample-sheet column used as sample id (``Sample ID`` or ``Case ID``).
    files : GDC only: the STAR files to read (as resolved by :func:`count_input_files` when the
        workflow was planned, so that exactly the rule's declared inputs are read); default:
        found recursively under the folder.

    ``df.attrs`` records ``source_format`` and, for rounded inputs, ``rounded``
    (number of values changed) and ``max_rounding`` (largest absolute change);
    GDC inputs also carry ``gene_names`` (gene_id -> gene_name of the files).
    """
    p = Path(path)
    _require_file(p)
    _check_empty(p)
    if fmt == "auto":
        fmt = detect_counts_format(p)
    if fmt == "matrix":
        df = _read_matrix(p)
    elif fmt == "parquet":
        df = _read_parquet(p)
    elif fmt == "featurecounts":
        df = _read_featurecounts(p)
    elif fmt == "gdc_star":
        return _read_gdc_star(p, sample_sheet=sample_sheet, column=gdc_column,
                              round_estimated=round_estimated, id_column=gdc_id_column, files=files)
    else:
        raise InputError(f"unknown counts format {fmt!r}", file=str(p),
                         fix="use one of auto, matrix, parquet, featurecounts, gdc_star")
    out = _to_int_counts(df, file=str(p), round_estimated=round_estimated)
    out.attrs["source_format"] = fmt
    return out


def _dup_samples_error(columns, file: str) -> None:
    cols = pd.Index(columns)
    dups = cols[cols.duplicated()].unique().tolist()
    if dups:
        raise InputError(f"duplicated sample id(s) in the header: {_preview(dups)}", file=file, column=str(dups[0]),
                         fix="give every sample column a unique name (merge technical replicates before, or rename)")


def _n_comment_lines(lines: list[str]) -> int:
    """Number of leading '#' comment lines (our SYNTHETIC headers, featureCounts' command line)."""
    n = 0
    for ln in lines:
        if not ln.startswith("#"):
            break
        n += 1
    return n


def _read_matrix(p: Path) -> pd.DataFrame:
    lines = _head_lines(p, 200)
    n_comment = _n_comment_lines(lines)
    body = lines[n_comment:]
    body_nonblank = [ln for ln in body if ln.strip()]
    if not body_nonblank:
        raise InputError("the file has no header and no data (only comments or blank lines)", file=str(p),
                         fix="re-export the count matrix: first line = 'gene<TAB>sample1<TAB>sample2...', one line per gene")
    sep = _guess_sep(p, body[0])
    header = [h.strip() for h in _split(body[0], sep)]
    if len(body_nonblank) < 2:
        raise InputError("the file has a header but no gene rows", file=str(p),
                         fix="re-export the count matrix with one line per gene")
    first_data = _split(body_nonblank[1], sep)
    if len(first_data) == len(header) + 1:  # R write.table: header lacks the row-name column
        header = ["gene", *header]
    if len(header) < 2:
        raise InputError(f"only one column found (separator {sep!r}); no sample columns", file=str(p),
                         fix="the first column must hold gene ids and the next columns the samples; "
                             "use a .tsv (tab) or .csv (comma) file")
    _dup_samples_error(header[1:], str(p))
    try:
        with reading(p, "count matrix"):
            df = pd.read_csv(p, sep=sep, header=None, skiprows=n_comment + 1, dtype={0: str},
                             skip_blank_lines=True, na_values={j: _COUNT_NA for j in range(1, len(header))},
                             keep_default_na=False, engine="c", low_memory=False)
    except InputError as err:
        e = err.__cause__
        if not isinstance(e, pd.errors.ParserError):
            raise
        m = re.search(r"line (\d+)", str(e))
        row = int(m.group(1)) if m else None  # pandas counts skipped lines too
        raise InputError(f"rows have different numbers of fields ({e})", file=str(p), row=row,
                         fix=f"every row needs a gene id and exactly {len(header) - 1} sample values") from e
    if df.shape[1] != len(header):
        raise InputError(f"header has {len(header)} fields but rows have {df.shape[1]}", file=str(p), row=n_comment + 1,
                         fix="make the header list the gene column and every sample")
    df.columns = header
    genes = df.iloc[:, 0].fillna("").str.strip()
    if (genes == "").any():
        i = int(np.flatnonzero((genes == "").to_numpy())[0])
        raise InputError("empty gene id", file=str(p), row=i + n_comment + 2, column=header[0],
                         fix="every row needs a gene id in the first column (delete empty rows)")
    df.index = pd.Index(genes, name="gene")
    return df.iloc[:, 1:]


def _read_parquet(p: Path) -> pd.DataFrame:
    try:
        df = pd.read_parquet(p)
    except Exception as e:  # pyarrow raises several types
        raise InputError(f"cannot read as Parquet ({type(e).__name__}: {e})", file=str(p),
                         fix="check the file is a complete Parquet file (or set counts_format to matrix for TSV/CSV)") from e
    if isinstance(df.index, pd.RangeIndex) and df.shape[1] > 0 and not pd.api.types.is_numeric_dtype(df.iloc[:, 0]):
        df = df.set_index(df.columns[0])
    df.index = pd.Index(df.index.astype(str), name="gene")
    df.columns = [str(c) for c in df.columns]
    _dup_samples_error(df.columns, str(p))
    return df


def _featurecounts_samples(header: list[str], p: Path, n_comment: int) -> list[str]:
    """Sample names (BAM basenames) of a featureCounts header; a wrong header raises."""
    if header[:6] != list(FEATURECOUNTS_ANNOT):
        raise InputError(f"not a featureCounts table: header starts {header[:6]}", file=str(p), row=n_comment + 1,
                         fix="pass the main featureCounts output (columns Geneid Chr Start End Strand Length + one per BAM) "
                             "or set counts_format to matrix")
    return [re.sub(r"\.bam$", "", os.path.basename(h.strip())) for h in header[6:]]


def _read_featurecounts(p: Path) -> pd.DataFrame:
    lines = _head_lines(p, 5)
    n_comment = _n_comment_lines(lines)
    if n_comment >= len(lines):
        raise InputError("no header line found", file=str(p), fix="pass the featureCounts output table, not its .summary")
    header = _split(lines[n_comment], "\t")
    samples = _featurecounts_samples(header, p, n_comment)
    if not samples:
        raise InputError("featureCounts table has no sample (BAM) columns", file=str(p), row=n_comment + 1,
                         fix="re-run featureCounts with at least one BAM")
    _dup_samples_error(samples, str(p))
    with reading(p, "featureCounts table"):
        df = pd.read_csv(p, sep="\t", header=None, skiprows=n_comment + 1, dtype={0: str}, low_memory=False,
                         keep_default_na=False, na_values={j: _COUNT_NA for j in range(6, len(header))})
    if df.shape[1] != len(header):
        raise InputError(f"header has {len(header)} fields but rows have {df.shape[1]}", file=str(p),
                         row=n_comment + 1, fix="the file looks truncated or edited; re-run featureCounts")
    df = df.iloc[:, [0, *range(6, df.shape[1])]]
    df.columns = ["gene", *samples]
    return df.set_index("gene")


def _to_int_counts(df: pd.DataFrame, *, file: str, round_estimated: bool) -> pd.DataFrame:
    """Convert every column to int64, raising an InputError naming gene, sample and value."""
    if df.shape[1] == 0:
        raise InputError("no sample columns", file=file,
                         fix="the count matrix needs one column per sample after the gene column")
    if df.shape[0] == 0:
        raise InputError("no gene rows", file=file, fix="re-export the count matrix with one row per gene")
    out = {}
    n_rounded = 0
    max_change = 0.0
    for j, col in enumerate(df.columns):
        s = df.iloc[:, j]
        if pd.api.types.is_integer_dtype(s) and not s.isna().any():
            out[col] = s.astype(np.int64).to_numpy()
            continue
        v = pd.to_numeric(s, errors="coerce") if not pd.api.types.is_numeric_dtype(s) else s
        v = v.astype(float)
        bad = v.isna() & s.notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(f"non-numeric count for gene '{df.index[i]}' in sample '{col}' "
                             f"({int(bad.sum())} such value(s) in this column)",
                             file=file, column=str(col), row=repr(str(df.index[i])), value=str(s.iloc[i]),
                             fix="counts must be numbers; remove annotation columns other than the first (gene) column "
                                 "and check the separator")
        arr = v.to_numpy()
        if np.isnan(arr).any():
            i = int(np.flatnonzero(np.isnan(arr))[0])
            raise InputError(f"missing count (NA/empty) for gene '{df.index[i]}' in sample '{col}'", file=file,
                             column=str(col), row=repr(str(df.index[i])),
                             fix="raw counts cannot be missing; re-export the matrix (0 is a count, NA is not)")
        if np.isinf(arr).any():
            i = int(np.flatnonzero(np.isinf(arr))[0])
            raise InputError(f"infinite count for gene '{df.index[i]}' in sample '{col}'", file=file,
                             column=str(col), row=repr(str(df.index[i])),
                             value=float(arr[i]), fix="raw counts must be finite whole numbers; re-export the matrix")
        rounded = np.rint(arr)
        frac = rounded != arr
        if frac.any():
            if not round_estimated:
                i = int(np.flatnonzero(frac)[0])
                raise InputError(f"non-integer count for gene '{df.index[i]}' in sample '{col}' ({int(frac.sum())} "
                                 f"non-integer value(s) in this column); DESeq2 needs raw integer counts", file=file,
                                 column=str(col), row=repr(str(df.index[i])),
                                 value=float(arr[i]),
                                 fix="use raw counts (not TPM/FPKM/normalised values); for salmon/RSEM estimated counts "
                                     "set round_estimated: true in the cohort sheet")
            n_rounded += int(frac.sum())
            max_change = max(max_change, float(np.max(np.abs(rounded - arr))))
        out[col] = rounded.astype(np.int64)
    res = pd.DataFrame(out, index=pd.Index(df.index, name="gene"))
    res.columns = list(df.columns)  # keeps duplicates (reported elsewhere) and order
    res.columns.name = None
    if round_estimated:
        res.attrs["rounded"] = n_rounded
        res.attrs["max_rounding"] = max_change
    return res


# --------------------------------------------------------------------------- GDC STAR
def _check_sheet_matches_files(missing: list[str], extra: list[str], root, sheet) -> None:
    """A GDC sample sheet and the downloaded STAR files must name the same files: raise one
    InputError listing the sheet's files not found under ``root`` and the files not in the sheet."""
    if not (missing or extra):
        return
    msg = []
    if missing:
        msg.append(f"{len(missing)} file(s) of the sample sheet not found under {root}: {_preview(missing, 5)}")
    if extra:
        msg.append(f"{len(extra)} count file(s) not in the sample sheet: {_preview(extra, 5)}")
    raise InputError("; ".join(msg), file=str(sheet), column="File Name",
                     fix="download the sample sheet and the files from the same GDC cart, "
                         "or delete the rows/files that do not belong to this cohort")


def read_gdc_sample_sheet(path: str | os.PathLike, *, id_column: str = "Sample ID") -> dict[str, str]:
    """GDC sample sheet (TSV) -> {File Name: id}. Only STAR gene-count files are kept."""
    p = Path(path)
    _require_file(p)
    _check_empty(p)
    with reading(p, "GDC sample sheet", fix="download the sample sheet again from the GDC cart (a TSV file)"):
        sheet = pd.read_csv(p, sep="\t", dtype=str, keep_default_na=False)
    sheet.columns = [c.strip() for c in sheet.columns]
    for col in ("File Name", id_column):
        if col not in sheet.columns:
            from .validate import suggest_column
            near = suggest_column(col, list(sheet.columns))
            raise InputError(f"sample sheet column '{col}' not found"
                             + (f" (did you mean '{near}'?)" if near else ""), file=str(p), column=col,
                             fix="download the sample sheet from the GDC cart ('Sample Sheet' button); it has columns "
                                 "File ID, File Name, ..., Case ID, Sample ID")
    sheet = sheet[sheet["File Name"].str.strip().str.endswith(GDC_SUFFIX)]
    mapping: dict[str, str] = {}
    for i, (fname, sid) in enumerate(zip(sheet["File Name"], sheet[id_column]), start=2):
        fname, sid = fname.strip(), sid.strip()
        if not sid:
            raise InputError("empty sample id", file=str(p), column=id_column, row=i,
                             fix="fill the id or remove the row (and its file)")
        if "," in sid:
            raise InputError("several ids for one file", file=str(p), column=id_column, row=i, value=sid,
                             fix="keep one id per count file (or use id column 'Case ID')")
        mapping[fname] = sid
    if not mapping:
        raise InputError(f"no '*{GDC_SUFFIX}' files listed", file=str(p), column="File Name",
                         fix="download the sample sheet of the STAR - Counts files (Data Type 'Gene Expression Quantification')")
    ids = pd.Series(list(mapping.values()))
    dups = ids[ids.duplicated()].unique().tolist()
    if dups:
        files = [f for f, s in mapping.items() if s in set(dups)]
        raise InputError(f"several count files share an id: {_preview(dups)} (files {_preview(files, 4)})",
                         file=str(p), column=id_column,
                         fix="keep one file per sample (e.g. drop re-sequenced aliquots) or use the aliquot-level id")
    return mapping


def _read_one_gdc(path: Path, column: str) -> tuple[pd.Series, pd.Series]:
    _check_empty(path)
    lines = _head_lines(path, 3)
    n_comment = sum(1 for ln in lines if ln.startswith("#"))
    header = lines[n_comment].split("\t") if len(lines) > n_comment else []
    if header[:4] != list(GDC_HEADER[:4]) or column not in header:
        raise InputError(f"not a GDC augmented STAR gene-count file (header {header[:4]})", file=str(path),
                         row=n_comment + 1,
                         fix=f"expected header {' '.join(GDC_HEADER)}; download 'STAR - Counts' files from the GDC")
    with reading(path, "GDC STAR gene-count file", fix="re-download this file from the GDC (gdc-client download)"):
        df = pd.read_csv(path, sep="\t", skiprows=n_comment, dtype={"gene_id": str, "gene_name": str},
                         usecols=["gene_id", "gene_name", column], keep_default_na=False, na_values=[""])
    df = df[~df["gene_id"].str.startswith("N_")]
    return (pd.Series(df[column].to_numpy(), index=df["gene_id"].to_numpy()),
            pd.Series(df["gene_name"].to_numpy(), index=df["gene_id"].to_numpy()))


def _gdc_layout(p: Path, sample_sheet) -> tuple[bool, Path, Path | None]:
    """(single_file, search root, sample sheet) of a GDC counts path."""
    single_file = p.is_file() and p.name.endswith(GDC_SUFFIX)
    if p.is_file() and not single_file and sample_sheet is None:
        sample_sheet = p  # path is the sample sheet itself
    root = p if p.is_dir() else p.parent
    return single_file, root, (Path(sample_sheet) if sample_sheet is not None else None)


def _read_gdc_star(p: Path, *, sample_sheet, column: str, round_estimated: bool, id_column: str,
                   files=None) -> pd.DataFrame:
    if column not in GDC_COUNT_COLUMNS:
        raise InputError(f"gdc_column {column!r} is not a raw-count column", file=str(p), column=column,
                         fix=f"use one of {', '.join(GDC_COUNT_COLUMNS)} (tpm/fpkm columns are not counts)")
    single_file, root, sample_sheet = _gdc_layout(p, sample_sheet)
    if files is not None:
        files = [Path(f) for f in files]
        for f in files:
            _require_file(f)
    elif single_file:
        files = [p]
    else:
        files = sorted(root.rglob("*" + GDC_SUFFIX))
    if not files:
        raise InputError(f"no '*{GDC_SUFFIX}' files found (searched recursively)", file=str(root),
                         fix="point counts to the folder the GDC client downloaded (gdc-client download -m manifest)")
    by_name: dict[str, Path] = {}
    for f in files:
        if f.name in by_name:
            raise InputError(f"the same file name appears twice: {by_name[f.name]} and {f}", file=str(root),
                             fix="delete the duplicate download")
        by_name[f.name] = f
    if sample_sheet is not None:
        mapping = read_gdc_sample_sheet(sample_sheet, id_column=id_column)
        missing = [f for f in mapping if f not in by_name]
        if single_file:
            mapping = {k: v for k, v in mapping.items() if k in by_name}
            missing = []
        _check_sheet_matches_files(missing, [f for f in by_name if f not in mapping], root, sample_sheet)
        order = list(mapping.items())
    else:
        order = [(name, name[: -len(GDC_SUFFIX)]) for name in by_name]
    cols: dict[str, pd.Series] = {}
    names = None
    ref_ids = None
    ref_file = None
    for fname, sid in order:
        f = by_name[fname]
        s, gn = _read_one_gdc(f, column)
        if ref_ids is None:
            ref_ids, ref_file, names = s.index, f, gn
        elif not s.index.equals(ref_ids):
            diff = s.index.symmetric_difference(ref_ids)
            raise InputError(f"gene ids differ from those of {ref_file.name} ({len(diff)} differ, e.g. "
                             f"{_preview(diff[:3], 3)})", file=str(f),
                             fix="all files must come from the same GDC data release/gene model; re-download them together")
        cols[sid] = s.to_numpy()
    df = pd.DataFrame(cols, index=pd.Index(ref_ids, name="gene"))
    out = _to_int_counts(df, file=str(sample_sheet or p), round_estimated=round_estimated)
    out.attrs["source_format"] = "gdc_star"
    out.attrs["gene_names"] = dict(zip(names.index, names.to_numpy()))
    return out


def count_input_files(path: str | os.PathLike, *, fmt: str = "auto",
                      sample_sheet: str | os.PathLike | None = None) -> dict[str, list[str]]:
    """Every file :func:`read_counts` will read for this counts setting, for the workflow's
    rule inputs (so that editing any of them reruns the validation, and each is checksummed).

    Returns ``{"counts": [files], "sample_sheet": [sheet]}`` (``sample_sheet`` only for GDC
    inputs with a sheet). A plain matrix/Parquet/featureCounts file is its own list; a GDC
    folder or sample sheet resolves to every STAR file found recursively under the folder
    (the reader checks them against the sheet: a file the sheet does not list, or a sheet row
    without its file, stops the run). Paths keep the form of ``path`` (relative stays
    relative). Never raises for a missing path: the pre-flight checks report it.
    """
    p = Path(path)
    if not p.exists():
        return {"counts": [str(p)]}
    if fmt == "auto":
        try:
            fmt = detect_counts_format(p)
        except InputError:
            return {"counts": [str(p)]}
    if fmt != "gdc_star":
        return {"counts": [str(p)]}
    single_file, root, sheet = _gdc_layout(p, sample_sheet)
    if single_file:
        return {"counts": [str(p)], **({"sample_sheet": [str(sheet)]} if sheet else {})}
    # every STAR file under the folder: the reader refuses files the sheet does not list
    # (and sheet rows without a file), so all of them are read and are inputs
    found = [str(f) for f in sorted(root.rglob("*" + GDC_SUFFIX))]
    return {"counts": found, **({"sample_sheet": [str(sheet)]} if sheet is not None else {})}


def peek_counts(path: str | os.PathLike, *, fmt: str = "auto", sample_sheet: str | os.PathLike | None = None,
                gdc_id_column: str = "Sample ID", n_genes: int = 200) -> tuple[list[str], list[str], dict]:
    """Sample ids and the first ``n_genes`` gene ids of a counts input, read cheaply (header
    lines, the GDC sample sheet, one STAR file) for the pre-flight checks.

    Returns ``(sample_ids, gene_ids, gene_names)``; ``gene_names`` maps GDC ``gene_id`` to
    ``gene_name`` (empty for other formats). Problems raise :class:`InputError`.
    """
    p = Path(path)
    _require_file(p)
    if fmt == "auto":
        fmt = detect_counts_format(p)
    if fmt == "gdc_star":
        single_file, root, sheet = _gdc_layout(p, sample_sheet)
        files = [p] if single_file else sorted(root.rglob("*" + GDC_SUFFIX))
        if not files:
            raise InputError(f"no '*{GDC_SUFFIX}' files found (searched recursively)", file=str(root),
                             fix="point counts to the folder the GDC client downloaded (gdc-client download -m manifest)")
        if sheet is not None and not single_file:
            mapping = read_gdc_sample_sheet(sheet, id_column=gdc_id_column)
            names = {f.name for f in files}
            missing = [f for f in mapping if f not in names]
            _check_sheet_matches_files(missing, sorted(n for n in names if n not in mapping), root, sheet)
            samples = list(mapping.values())
        else:
            samples = [f.name[: -len(GDC_SUFFIX)] for f in files]
        s, gn = _read_one_gdc(files[0], "unstranded")
        ids = list(s.index[:n_genes])
        return samples, ids, {k: gn[k] for k in ids}
    if fmt == "parquet":
        with reading(p, "Parquet file"):
            import pyarrow.parquet as pq
            pf = pq.ParquetFile(p)
            names = [n for n in pf.schema_arrow.names]
            meta = pf.schema_arrow.pandas_metadata or {}
            idx = [c for c in meta.get("index_columns", []) if isinstance(c, str)]
            gene_col = idx[0] if idx else names[0]
            samples = [n for n in names if n != gene_col]
            tab = pf.read_row_group(0, columns=[gene_col]) if pf.num_row_groups else None
            genes = [str(x) for x in tab.column(0).to_pylist()[:n_genes]] if tab is not None else []
        return samples, genes, {}
    lines = _head_lines(p, n_genes + 10)
    n_comment = _n_comment_lines(lines)
    body = [ln for ln in lines[n_comment:] if ln.strip()]
    if not body:
        raise InputError("the file has no header and no data (only comments or blank lines)", file=str(p),
                         fix="re-export the count matrix: first line = 'gene<TAB>sample1<TAB>sample2...', one line per gene")
    if fmt == "featurecounts":
        samples = _featurecounts_samples(_split(body[0], "\t"), p, n_comment)
        return samples, [_split(ln, "\t")[0] for ln in body[1:]], {}
    sep = _guess_sep(p, body[0])
    header = [h.strip() for h in _split(body[0], sep)]
    if len(body) > 1 and len(_split(body[1], sep)) == len(header) + 1:
        header = ["gene", *header]
    return header[1:], [_split(ln, sep)[0].strip() for ln in body[1:]], {}


# --------------------------------------------------------------------------- clinical
def _decode(raw: bytes, encoding: str, path: Path) -> tuple[str, str]:
    if encoding != "auto":
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError as e:
            raise InputError(f"cannot decode as {encoding} at byte {e.start}", file=str(path),
                             fix="set encoding auto (UTF-8, then Latin-1/cp1252) or save the file as UTF-8") from e
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(enc), ("utf-8" if enc == "utf-8-sig" else enc)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any byte string")  # pragma: no cover


def _clean_table(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    df.columns = [str(c).strip() for c in df.columns]
    for c in df.columns:
        s = df[c]
        if s.dtype == object:
            s = s.map(lambda x: x.strip() if isinstance(x, str) else x)
            s = s.where(~s.isin(MISSING_TOKENS), np.nan)
            df[c] = s
    df = df.dropna(how="all").reset_index(drop=True)
    blank = [c for c in df.columns if c == "" or c.startswith("Unnamed:")]
    for c in blank:  # trailing separators / index columns with no header and no values
        if df[c].isna().all():
            df = df.drop(columns=c)
    return df


def _decompress(raw: bytes, path: Path) -> bytes:
    """The bytes of a ``.gz``/``.bz2``/``.xz``/``.zip`` file decompressed (others unchanged)."""
    name = path.name.lower()
    with reading(path, "compressed file"):
        if name.endswith(".gz"):
            return gzip.decompress(raw)
        if name.endswith(".bz2"):
            import bz2
            return bz2.decompress(raw)
        if name.endswith(".xz"):
            return lzma.decompress(raw)
        if name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                members = [m for m in zf.namelist() if not m.endswith("/")]
                if len(members) != 1:
                    raise InputError(f"the zip archive holds {len(members)} files; expected exactly one table",
                                     file=str(path), fix="unzip it and point to the table itself")
                return zf.read(members[0])
    return raw


def read_clinical(path: str | os.PathLike, *, encoding: str = "auto", sheet: str | int | None = None) -> pd.DataFrame:
    """Read a clinical table (CSV/TSV/TXT, optionally ``.gz``/``.bz2``/``.xz``/``.zip``, or XLSX)
    with every cell as a string.

    * separator from the extension (``.csv`` comma, ``.tsv``/``.tab`` tab; ``.txt``: sniffed);
    * ``encoding="auto"``: UTF-8 (BOM stripped), else cp1252, else Latin-1; the
      encoding used is recorded in ``df.attrs["encoding"]``;
    * leading lines starting with ``#`` are metadata, not the header (cBioPortal
      ``data_clinical_patient.txt`` starts with four such lines); their number is
      recorded in ``df.attrs["comment_lines"]``;
    * header and string cells stripped of surrounding whitespace; :data:`MISSING_TOKENS`
      (empty, NA, NaN, ``[Not Available]``, ``[Unknown]``, GDC ``'--`` ...) -> NaN;
      completely empty rows are dropped;
    * all columns kept, all values strings (ids like ``007`` are not turned into numbers).

    Any parse or decompression failure raises :class:`InputError` naming the file.
    """
    p = Path(path)
    _require_file(p)
    if p.is_dir():
        raise InputError("expected a clinical table but this is a directory", file=str(p),
                         fix="point `clinical` to the table file (TSV/CSV/XLSX)")
    _check_empty(p)
    suffix = _base_suffix(p)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            with reading(p, "spreadsheet", fix="save the sheet again from Excel, or export it as TSV"):
                df = pd.read_excel(p, sheet_name=0 if sheet is None else sheet, dtype=str, keep_default_na=False)
        except InputError as err:
            if isinstance(err.__cause__, ValueError) and "not found" in str(err.__cause__).lower():
                raise InputError(f"cannot read the sheet ({err.__cause__})", file=str(p),
                                 column=None if sheet is None else str(sheet),
                                 fix="name an existing sheet (sheet names are case-sensitive) or save the sheet "
                                     "as TSV") from err.__cause__
            raise
        df = _clean_table(df, p)
        df.attrs["encoding"] = "xlsx"
        df.attrs["comment_lines"] = 0
        return df
    with reading(p, "clinical table"):
        raw = p.read_bytes()
    raw = _decompress(raw, p)
    text, used = _decode(raw, encoding, p)
    if not text.strip():
        raise InputError("the file has no content", file=str(p), fix="re-export the clinical table")
    lines = text.lstrip("\ufeff").splitlines()
    n_comment = _n_comment_lines(lines)
    if n_comment >= len([ln for ln in lines if ln.strip()]):
        raise InputError("the file has only comment lines ('#'), no header", file=str(p),
                         fix="re-export the clinical table with a header line")
    first = lines[n_comment]
    sep = _guess_sep(p, first)
    try:
        with reading(p, "clinical table"):
            df = pd.read_csv(io.StringIO(text.lstrip("\ufeff")), sep=sep, dtype=str, keep_default_na=False,
                             skip_blank_lines=True, skiprows=n_comment)
    except InputError as err:
        e = err.__cause__
        if not isinstance(e, pd.errors.ParserError):
            raise
        m = re.search(r"line (\d+)", str(e))
        raise InputError(f"rows have different numbers of fields ({e})", file=str(p),
                         row=int(m.group(1)) + n_comment if m else None,
                         fix="quote cells that contain the separator, or save the table as TSV") from e
    header = [h.strip() for h in _split(first, sep)]
    df = _clean_table(df, p)
    df.attrs["encoding"] = used
    df.attrs["comment_lines"] = n_comment
    df.attrs["duplicate_columns"] = sorted({h for h in header if h and header.count(h) > 1})
    return df
