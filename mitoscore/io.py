"""Atomic, deterministic file output and small shared readers (GMT, TSV).

Every output of the workflow goes through :func:`atomic_write` (temp file in the
same directory + ``os.replace``), so a job killed mid-write never leaves a
truncated file that looks complete. TSVs are written with one header line, no
index column and a fixed float format, so two runs give byte-identical files.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

FLOAT_FORMAT = "%.10g"  # fixed float formatting: byte-identical reruns


def _umask_mode() -> int:
    """Default file mode (0666 minus the umask), as open() would create it.

    mkstemp creates 0600 files; outputs on shared HPC storage must be readable by
    the group like any other file, so the temporary file gets the normal mode.
    """
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary *path* next to ``path`` (for writers that want a filename, e.g.
    matplotlib or parquet); it is renamed over ``path`` on success. On any exception the
    temporary file is removed and ``path`` is untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    os.chmod(tmp, _umask_mode())
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", **kwargs) -> Iterator:
    """Open a temporary file next to ``path`` (:func:`atomic_path`); flushed to disk and
    renamed over ``path`` on success."""
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())


def write_tsv(df: pd.DataFrame, path: str | os.PathLike, *, float_format: str = FLOAT_FORMAT) -> None:
    """Write ``df`` as TSV: one header line, no index, fixed float format, 'NA' for missing."""
    with atomic_write(path, "w", newline="") as fh:
        df.to_csv(fh, sep="\t", index=False, float_format=float_format, na_rep="NA")


def as_written(df: pd.DataFrame, *, float_format: str = FLOAT_FORMAT) -> pd.DataFrame:
    """``df`` with floats rounded exactly as :func:`write_tsv` writes them.

    Figures drawn from this copy show what the result table holds, so they are
    byte-identical whenever the table is, even if the computation differed in the
    last bits (e.g. run with a different number of threads).
    """
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = [float(float_format % v) if np.isfinite(v) else v for v in out[col].to_numpy()]
    return out


def read_tsv(path: str | os.PathLike, **kwargs) -> pd.DataFrame:
    """Read a TSV written by :func:`write_tsv` ('NA' -> NaN)."""
    return pd.read_csv(path, sep="\t", na_values=["NA"], keep_default_na=True, **kwargs)


def write_parquet(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a matrix/table as Parquet atomically (index preserved)."""
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, compression="zstd")


def read_gmt(path: str | os.PathLike) -> dict[str, tuple[str, list[str]]]:
    """Read a GMT file -> {name: (description, [genes])}, genes de-duplicated in order.

    Empty fields (some GMT writers pad lines) are ignored; a ``.gz`` file is decompressed;
    an unreadable file raises :class:`~mitoscore.errors.InputError` naming it.
    """
    from .errors import InputError
    from .inputs import _decompress, reading

    sets: dict[str, tuple[str, list[str]]] = {}
    p = Path(path)
    if p.is_dir():
        raise InputError("expected a GMT file but this is a directory", file=str(p),
                         fix="point the signature's gmt to the .gmt file")
    with reading(p, "GMT file", fix="save the gene sets as a UTF-8 text file: NAME<TAB>DESCRIPTION<TAB>GENE1..."):
        text = _decompress(p.read_bytes(), p).decode("utf-8")
    for i, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r\n")
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) < 3:
            raise InputError(
                "a GMT line needs name, description and at least one gene, tab-separated",
                file=str(path), row=i, fix="write one gene set per line: NAME<TAB>DESCRIPTION<TAB>GENE1<TAB>GENE2...",
            )
        name, desc = fields[0].strip(), fields[1].strip()
        genes = list(dict.fromkeys(g.strip() for g in fields[2:] if g.strip()))
        if not genes:
            raise InputError("gene set has no genes", file=str(path), row=i, value=name,
                             fix="add genes or delete the line")
        if name in sets:
            raise InputError("duplicated gene-set name", file=str(path), row=i, value=name,
                             fix="give every gene set a unique name")
        sets[name] = (desc, genes)
    if not sets:
        raise InputError("no gene sets found", file=str(path), fix="check the file is a GMT file")
    return sets


def write_gmt(sets: dict[str, tuple[str, list[str]]], path: str | os.PathLike) -> None:
    """Write {name: (description, genes)} as GMT, atomically."""
    with atomic_write(path) as fh:
        for name, (desc, genes) in sets.items():
            fh.write("\t".join([name, desc, *genes]) + "\n")


def sha256sum(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file (provenance: a reviewer can re-check any input)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            b = fh.read(chunk)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def input_checksums(named_inputs) -> pd.DataFrame:
    """``role, file, sha256`` of every input file of a job: ``named_inputs`` is
    ``snakemake.input.items()`` or a ``{role: path or [paths]}`` mapping. A list gives one
    row per file (GDC STAR inputs: one row per STAR file); a directory, one row per file
    inside it (sorted), never a crash."""
    items = named_inputs.items() if hasattr(named_inputs, "items") else named_inputs
    rows = []
    for role, value in items:
        files = [value] if isinstance(value, (str, os.PathLike)) else list(value)
        for f in files:
            p = Path(f)
            inner = sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p]
            for x in inner:
                rows.append({"role": str(role), "file": str(x), "sha256": sha256sum(x)})
    return pd.DataFrame(rows, columns=["role", "file", "sha256"])
