"""Differential expression (DESeq2 via pydeseq2), size factors and VST.

Every function reproduces a named R DESeq2 1.38 call with the settings that the
oracle harness (``shared/oracle/README.md``, "Recommended matching settings")
showed to agree with R:

* :func:`run_deseq`   = ``dds <- DESeq(DESeqDataSetFromMatrix(counts, coldata, design))``
  then ``results(dds, contrast=c(col, test, ref), alpha=0.1)`` (Wald test,
  parametric dispersion trend, median-of-ratios size factors, Cook's outlier
  replacement/refit for >= 7 replicates, Cook's filter, independent filtering),
  plus pydeseq2's apeGLM-like ``lfc_shrink`` (R: ``lfcShrink(type="apeglm")``;
  no R golden exists for it, see oracle README pitfall 11).
* :func:`vst`          = ``varianceStabilizingTransformation(dds, blind=TRUE)``
  (trend fitted on all genes, *not* ``vst()``, which subsamples 1000 genes).
* :func:`size_factors` = ``estimateSizeFactors(dds)`` (median of ratios, type "ratio").

Inference back ends:

* ``inference="fast"`` (default): :class:`mitoscore.fastdeseq.VectorizedInference`
  (all genes at once with numpy) with R DESeq2's own dispersion search (``fitDisp``
  line search, start values, stopping, grid fallback) and Wald covariance (bounded
  mean): agrees with R DESeq2 itself, including low-count genes of large cohorts
  where pydeseq2's optimiser finds a different optimum than R's search stops at;
* ``inference="fast-newton"``: the same engine solving pydeseq2's dispersion problem
  to optimality; agrees with ``"default"``;
* ``inference="default"``: pydeseq2's ``DefaultInference`` (per gene, joblib).

Tolerances: ``tests/unit/test_de.py`` and ``tests/unit/test_fastdeseq.py``.
"""
from __future__ import annotations

import contextlib
import io
import warnings
from typing import Literal

import numpy as np
import pandas as pd

from .errors import InputError

RESULT_COLUMNS = ["gene", "baseMean", "log2FoldChange", "lfcSE", "stat", "pvalue", "padj",
                  "log2FoldChange_shrunk", "lfcSE_shrunk"]

Inference = Literal["fast", "fast-newton", "default"]
INFERENCE_NAMES = ("fast", "fast-newton", "default")


def make_inference(inference: Inference | object = "fast", n_cpus: int = 1):
    """Return a pydeseq2 ``Inference`` object: ``"fast"`` -> VectorizedInference with R
    DESeq2's dispersion search, ``"fast-newton"`` -> VectorizedInference solving pydeseq2's
    problem exactly, ``"default"`` -> pydeseq2 ``DefaultInference``; an Inference instance
    is passed through."""
    if not isinstance(inference, str):
        return inference
    if inference in ("fast", "fast-newton"):
        from .fastdeseq import VectorizedInference
        return VectorizedInference(n_cpus=n_cpus,
                                   dispersion_search="deseq2" if inference == "fast" else "newton")
    if inference == "default":
        from pydeseq2.default_inference import DefaultInference
        return DefaultInference(n_cpus=n_cpus)
    raise ValueError(f"inference must be one of {list(INFERENCE_NAMES)}, got {inference!r}")


# --------------------------------------------------------------------------- helpers
def _dds_class(inf):
    """pydeseq2's ``DeseqDataSet`` for the default back end; for the vectorised one, its
    subclass :class:`mitoscore.fastdeseq.FastDeseqDataSet` (a per-gene loop vectorised)."""
    from .fastdeseq import FastDeseqDataSet, VectorizedInference
    if isinstance(inf, VectorizedInference):
        return FastDeseqDataSet
    from pydeseq2.dds import DeseqDataSet
    return DeseqDataSet


def _check_counts(counts: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(counts, pd.DataFrame):
        raise TypeError("counts must be a pandas DataFrame (genes x samples)")
    if counts.shape[0] == 0 or counts.shape[1] == 0:
        raise InputError("the count matrix is empty", fix="provide a genes x samples count matrix")
    if counts.index.has_duplicates:
        dup = counts.index[counts.index.duplicated()].unique()[:5].tolist()
        raise InputError(f"duplicated gene ids {dup}", fix="aggregate or de-duplicate gene ids first")
    if counts.columns.has_duplicates:
        dup = counts.columns[counts.columns.duplicated()].unique()[:5].tolist()
        raise InputError(f"duplicated sample ids {dup}", fix="give every sample a unique id")
    dtypes = set(counts.dtypes)
    if len(dtypes) == 1 and np.issubdtype(next(iter(dtypes)), np.integer):
        # integer columns (what the workflow's validated parquet holds): no NaN, no fraction;
        # checked without the float and modulo copies of the matrix (memory at 1,000 x 20,000)
        if any(bool((counts[c].to_numpy() < 0).any()) for c in counts.columns):
            raise InputError("counts contain negative values", fix="provide raw (non-negative) read counts")
        return counts if next(iter(dtypes)) == np.int64 else counts.astype(np.int64)
    values = counts.to_numpy()
    if not np.issubdtype(values.dtype, np.number):
        raise InputError("counts must be numeric", fix="remove annotation columns from the count matrix")
    if np.isnan(values.astype(float)).any():
        raise InputError("counts contain missing values", fix="replace missing counts or drop those genes")
    if (values < 0).any():
        raise InputError("counts contain negative values", fix="provide raw (non-negative) read counts")
    if not np.all(np.mod(values, 1) == 0):
        raise InputError("counts must be integers (raw read counts), found non-integer values",
                         fix="provide raw counts, not normalised/TPM values (round expected counts first)")
    return counts.astype(np.int64)


def _design_variables(design: str) -> list[str]:
    import formulaic
    if not isinstance(design, str) or not design.strip():
        raise InputError("design must be a formula string such as '~condition'", value=design,
                         fix="write the design as '~covariate + condition'")
    rhs = design.split("~", 1)[1] if "~" in design else design
    try:
        return sorted(formulaic.Formula(rhs).required_variables)
    except Exception as exc:  # noqa: BLE001 - formulaic raises many types
        raise InputError(f"cannot parse design formula ({exc})", value=design,
                         fix="write the design as '~covariate + condition'") from exc


def _prepare_metadata(counts: pd.DataFrame, metadata: pd.DataFrame, design: str,
                      contrast: tuple[str, str, str] | None) -> pd.DataFrame:
    """Align metadata to the samples, check design columns, set the reference level."""
    missing = [s for s in counts.columns if s not in metadata.index]
    if missing:
        raise InputError(f"{len(missing)} count-matrix samples have no metadata row: {missing[:10]}",
                         fix="add the samples to the clinical table or drop them from the counts")
    variables = _design_variables(design)
    absent = [v for v in variables if v not in metadata.columns]
    if absent:
        raise InputError(f"design variables {absent} are not metadata columns "
                         f"(available: {list(metadata.columns)})", value=design,
                         fix="fix the design formula or add the columns")
    meta = metadata.loc[list(counts.columns), variables].copy()
    for col in variables:
        na = meta.index[meta[col].isna()].tolist()
        if na:
            raise InputError(f"missing values in design column for samples {na[:20]}"
                             + (f" (+{len(na) - 20} more)" if len(na) > 20 else ""),
                             column=col, fix="impute, or drop these samples before DE")
    if contrast is not None:
        if len(contrast) != 3:
            raise ValueError("contrast must be a tuple (column, test_level, reference_level)")
        col, test, ref = (str(c) if i else c for i, c in enumerate(contrast))
        if col not in variables:
            raise InputError(f"contrast column is not in the design {design!r}", column=col,
                             fix="add the column to the design formula")
        if test == ref:
            raise InputError("contrast test and reference levels are identical", column=col,
                             value=test, fix="choose two different levels")
        levels = meta[col].astype(str)
        counts_per_level = levels.value_counts()
        for lvl, role in ((test, "test"), (ref, "reference")):
            n = int(counts_per_level.get(lvl, 0))
            if n < 2:
                raise InputError(
                    f"contrast {role} level has {n} sample(s); at least 2 are needed "
                    f"(levels present: {dict(counts_per_level)})",
                    column=col, value=lvl, fix="choose a level with >= 2 samples or merge levels")
        # reference level first: the LFC coefficient is then "col[T.test]" and the
        # fitted model is parameterised exactly like R's relevel(col, ref)
        other = sorted(l for l in levels.unique() if l != ref)
        meta[col] = pd.Categorical(levels, categories=[ref, *other])
    # any other non-numeric design column -> categorical (alphabetical, as R factor())
    for c in variables:
        if c not in meta or isinstance(meta[c].dtype, pd.CategoricalDtype):
            continue
        if not pd.api.types.is_numeric_dtype(meta[c]):
            meta[c] = pd.Categorical(meta[c].astype(str))
    return meta


@contextlib.contextmanager
def _quiet():
    """Silence pydeseq2's prints and pin BLAS to one thread.

    pydeseq2 works on tiny (p x p) matrices per gene; a multi-threaded BLAS makes
    those calls 5-10x slower (measured: lfc_shrink 15.9 s -> 1.2 s on 2000 genes).
    Parallelism comes from ``n_cpus`` (joblib workers or VectorizedInference threads).
    """
    try:
        from threadpoolctl import threadpool_limits  # dependency of scikit-learn/pydeseq2
        limits = threadpool_limits(limits=1, user_api="blas")
    except Exception:  # noqa: BLE001 - optional speed-up only
        limits = contextlib.nullcontext()
    with limits, contextlib.redirect_stdout(io.StringIO()):
        yield


def build_dds(counts: pd.DataFrame, metadata: pd.DataFrame, design: str,
              contrast: tuple[str, str, str] | None = None, *, refit_cooks: bool = True,
              n_cpus: int = 1, inference: Inference | object = "fast", low_memory: bool = False):
    """Create (unfitted) a pydeseq2 ``DeseqDataSet`` with the DESeq2-matching settings
    (``DESeqDataSetFromMatrix``; parametric trend, ratio size factors). ``low_memory``:
    pydeseq2 drops each intermediate samples x genes matrix once used (``_mu_hat`` after the
    MAP dispersions, ``_mu_LFC``/``_hat_diagonals`` after Cook's distances, ``cooks`` after
    the Cook's filter); the results are the same."""
    counts = _check_counts(counts)
    meta = _prepare_metadata(counts, metadata, design, contrast)
    inf = make_inference(inference, n_cpus)
    with _quiet():
        dds = _dds_class(inf)(counts=counts.T, metadata=meta, design=design,
                           refit_cooks=refit_cooks, fit_type="parametric",
                           size_factors_fit_type="ratio", inference=inf, quiet=True,
                           low_memory=low_memory)
    return dds


# --------------------------------------------------------------------------- public API
def fit_deseq(
    counts: pd.DataFrame,
    metadata: pd.DataFrame,
    design: str,
    contrast: tuple[str, str, str] | None = None,
    *,
    refit_cooks: bool = True,
    n_cpus: int = 1,
    inference: Inference | object = "fast",
    low_memory: bool = False,
):
    """Fit the DESeq2 model: R ``DESeq(DESeqDataSetFromMatrix(counts, coldata, design))``
    (``refit_cooks=False`` <=> ``DESeq(..., minReplicatesForReplace=Inf)``).

    Returns the fitted pydeseq2 ``DeseqDataSet`` (size factors in ``dds.obs``,
    dispersions in ``dds.var``, trend in ``dds.uns["trend_coeffs"]``). When ``contrast``
    is given its reference level is made the first factor level (R ``relevel``), so the
    coefficient ``f"{col}[T.{test}]"`` exists for :func:`deseq_results` shrinkage.
    ``low_memory=True`` drops the intermediate matrices once used (see :func:`build_dds`).
    """
    dds = build_dds(counts, metadata, design, contrast, refit_cooks=refit_cooks,
                    n_cpus=n_cpus, inference=inference, low_memory=low_memory)
    with _quiet(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        dds.deseq2()
    return dds


def deseq_results(
    dds,
    contrast: tuple[str, str, str],
    *,
    alpha: float = 0.1,
    cooks_filter: bool = True,
    independent_filter: bool = True,
    lfc_shrink: bool = True,
) -> pd.DataFrame:
    """R ``results(dds, contrast=c(col, test, ref), alpha=alpha, cooksCutoff=cooks_filter,
    independentFiltering=independent_filter)`` on a model from :func:`fit_deseq`, plus
    pydeseq2's apeGLM-like ``lfc_shrink`` of coefficient ``col[T.test]`` (only available
    when ``ref`` is the fitted reference level; otherwise NaN with a warning).

    Columns: ``gene, baseMean, log2FoldChange, lfcSE, stat, pvalue, padj,
    log2FoldChange_shrunk, lfcSE_shrunk``; rows in the dds gene order.
    """
    from pydeseq2.ds import DeseqStats

    if len(contrast) != 3:
        raise ValueError("contrast must be a tuple (column, test_level, reference_level)")
    col, test, ref = contrast[0], str(contrast[1]), str(contrast[2])
    if col not in dds.obs.columns:
        raise InputError("contrast column is not in the fitted model", column=col,
                         fix="fit the model with a design containing this column")
    levels = set(dds.obs[col].astype(str))
    for lvl in (test, ref):
        if lvl not in levels:
            raise InputError(f"contrast level not present (levels: {sorted(levels)})",
                             column=col, value=lvl, fix="use one of the existing levels")
    with _quiet(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        ds = DeseqStats(dds, contrast=[col, test, ref], alpha=alpha, cooks_filter=cooks_filter,
                        independent_filter=independent_filter, inference=dds.inference,
                        quiet=True)
        ds.summary()
    res = ds.results_df.copy()  # lfc_shrink overwrites ds.results_df in place
    out = pd.DataFrame({
        "gene": np.asarray(dds.var_names),
        "baseMean": res["baseMean"].to_numpy(dtype=float),
        "log2FoldChange": res["log2FoldChange"].to_numpy(dtype=float),
        "lfcSE": res["lfcSE"].to_numpy(dtype=float),
        "stat": res["stat"].to_numpy(dtype=float),
        "pvalue": res["pvalue"].to_numpy(dtype=float),
        "padj": res["padj"].to_numpy(dtype=float),
    })
    out["log2FoldChange_shrunk"] = np.nan
    out["lfcSE_shrunk"] = np.nan
    if lfc_shrink:
        coeff = f"{col}[T.{test}]"
        try:
            with _quiet(), warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=RuntimeWarning)
                ds.lfc_shrink(coeff=coeff)
            shr = ds.results_df
            out["log2FoldChange_shrunk"] = shr["log2FoldChange"].to_numpy(dtype=float)
            out["lfcSE_shrunk"] = shr["lfcSE"].to_numpy(dtype=float)
        except Exception as exc:  # noqa: BLE001 - shrinkage is optional output
            warnings.warn(f"lfc_shrink failed for coefficient {coeff!r}: {exc}; "
                          "shrunken columns set to NaN", RuntimeWarning, stacklevel=2)
    return out[RESULT_COLUMNS]


def run_deseq(
    counts: pd.DataFrame,
    metadata: pd.DataFrame,
    design: str,
    contrast: tuple[str, str, str],
    *,
    alpha: float = 0.1,
    cooks_filter: bool = True,
    independent_filter: bool = True,
    refit_cooks: bool = True,
    lfc_shrink: bool = True,
    n_cpus: int = 1,
    inference: Inference | object = "fast",
) -> pd.DataFrame:
    """DESeq2 Wald test for one contrast (:func:`fit_deseq` + :func:`deseq_results`).

    Reproduces R DESeq2 1.38::

        dds <- DESeq(DESeqDataSetFromMatrix(counts, coldata, design))   # refit_cooks=False
                                            # <=> DESeq(..., minReplicatesForReplace=Inf)
        results(dds, contrast=c(col, test, ref), alpha=0.1,
                cooksCutoff=cooks_filter, independentFiltering=independent_filter)

    Parameters
    ----------
    counts : genes x samples integer counts.
    metadata : sample table indexed by sample id (must cover all count columns).
    design : formula, e.g. ``"~age + condition"``.
    contrast : ``(column, test_level, reference_level)``; log2FoldChange = log2(test/ref).
    alpha : FDR target of independent filtering (DESeq2 default 0.1; pydeseq2's is 0.05).
    lfc_shrink : add ``log2FoldChange_shrunk``/``lfcSE_shrunk`` (pydeseq2 apeGLM-like
        prior on the ``column[T.test]`` coefficient); NaN with a warning if it fails.
    inference : ``"fast"`` (vectorised, R DESeq2's dispersion search), ``"fast-newton"`` or
        ``"default"`` (see the module docstring).

    Returns
    -------
    DataFrame with columns ``gene, baseMean, log2FoldChange, lfcSE, stat, pvalue, padj,
    log2FoldChange_shrunk, lfcSE_shrunk`` in input gene order (one row per gene).

    Raises
    ------
    InputError : a contrast level with < 2 samples, missing values in a design column
        (the message names the column and samples), unknown design columns, bad counts.
    """
    contrast = tuple(contrast)
    dds = fit_deseq(counts, metadata, design, contrast, refit_cooks=refit_cooks,
                    n_cpus=n_cpus, inference=inference, low_memory=True)
    del dds.layers["normed_counts"]  # not read by the Wald test, filters or shrinkage
    return deseq_results(dds, contrast, alpha=alpha, cooks_filter=cooks_filter,
                         independent_filter=independent_filter, lfc_shrink=lfc_shrink)


def size_factors(counts: pd.DataFrame) -> pd.Series:
    """Median-of-ratios size factors = R ``sizeFactors(estimateSizeFactors(dds))``
    (``estimateSizeFactorsForMatrix``, type "ratio").

    s_j = exp(median_i(log k_ij - mean_j' log k_ij')) over genes with all counts > 0.
    Raises InputError if no gene is expressed in every sample (DESeq2 errors too).
    """
    counts = _check_counts(counts)
    with np.errstate(divide="ignore"):
        logc = np.log(counts.to_numpy(dtype=float))
    logmeans = logc.mean(axis=1)
    keep = np.isfinite(logmeans)
    if not keep.any():
        raise InputError("every gene has a zero count in at least one sample; median-of-ratios "
                         "size factors are undefined",
                         fix="use poscounts/iterative size factors or remove empty samples")
    sf = np.exp(np.median(logc[keep] - logmeans[keep, None], axis=0))
    return pd.Series(sf, index=counts.columns, name="size_factor")


def vst(counts: pd.DataFrame, *, n_cpus: int = 1, inference: Inference | object = "fast") -> pd.DataFrame:
    """Variance-stabilising transformation, genes x samples, log2-like scale.

    Reproduces R ``varianceStabilizingTransformation(dds, blind=TRUE)`` with the
    parametric trend fitted on all genes (pydeseq2 ``dds.vst(use_design=False,
    fit_type="parametric")``). Not R ``vst()``, which fits the trend on 1000 genes.
    """
    counts = _check_counts(counts)
    meta = pd.DataFrame({"_all": pd.Categorical(["all"] * counts.shape[1])}, index=counts.columns)
    inf = make_inference(inference, n_cpus)
    with _quiet(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        dds = _dds_class(inf)(counts=counts.T, metadata=meta, design="~1", fit_type="parametric",
                           size_factors_fit_type="ratio", inference=inf, quiet=True)
        # = dds.vst(use_design=False, fit_type="parametric"), the transform in blocks of genes
        dds.vst_fit_type = "parametric"
        dds.vst_fit(use_design=False)
        vals = _vst_parametric_blocks(dds.layers["normed_counts"], *dds.uns["vst_trend_coeffs"])
    return pd.DataFrame(vals, index=counts.index.copy(), columns=counts.columns.copy())


def _vst_parametric_blocks(normed_counts: np.ndarray, a0, a1, block: int = 2048) -> np.ndarray:
    """pydeseq2 0.5.4 ``vst_transform`` with a parametric trend (R DESeq2's
    ``getVarianceStabilizedData``: log2((1 + a1 + 2 a0 q + 2 sqrt(a0 q (1 + a1 + a0 q))) / (4 a0)),
    q the normalised count), the same element-wise expression evaluated for blocks of genes and
    written genes x samples: the same values with block-sized temporaries (memory)."""
    n, G = normed_counts.shape
    out = np.empty((G, n))
    for start in range(0, G, block):
        q = normed_counts[:, start:start + block]
        out[start:start + block] = np.log2(
            (1 + a1 + 2 * a0 * q + 2 * np.sqrt(a0 * q * (1 + a1 + a0 * q))) / (4 * a0)).T
    return out
