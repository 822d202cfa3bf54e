"""Seeded simulator of SYNTHETIC AML RNA-seq cohorts (demo data, NOT real patients).

No real AML count matrix can be shipped with the project, so the demo cohorts in
``resources/demo/`` are simulated by this module over real human gene symbols
(MitoCarta3.0, MSigDB Hallmark v7.0, LSC17, BCL2, MCL1 and other protein-coding
genes from NCBI Gene). Every file written here says ``SYNTHETIC`` in its name and
content. The generative model mirrors the oracle fixture
(``shared/oracle/make_fixture.py``) with an AML-like clinical layer.

Generative model (all randomness through ``numpy.random.default_rng``)
------------------------------------------------------------------------
Two seeds: ``gene_seed`` draws the *gene-level* parameters (shared by all demo
cohorts, so the same genes are DE / loaded in every cohort, as in real biology)
and ``seed`` draws the *sample-level* data of one cohort.

Gene level (``gene_seed``):

* base mean ``mu_g ~ LogNormal(meanlog=4, sdlog=2)`` for most genes; MitoCarta3.0
  OXPHOS genes ``LogNormal(6.5, 1.0)`` and other MitoCarta genes
  ``LogNormal(5.0, 1.5)`` (mitochondrial genes are well expressed in blasts);
  mtDNA-encoded ``MT-`` genes ``LogNormal(10, 0.5)``. ``mu_g`` clipped to [0.05, 2e5].
* dispersion ``alpha_g = (0.08 + 2/mu_g) * LogNormal(0, 0.35)`` (DESeq2 parametric trend).
* OXPHOS program: MitoCarta3.0 OXPHOS genes (``MITOCARTA3_OXPHOS``, 169 genes) have
  loading ``l_g ~ U(0.5, 1.5)``; the other MitoCarta genes ``l_g ~ U(0, 0.4)``;
  all other genes 0. The log2 mean of gene g in sample j is shifted by
  ``l_g * 0.8 * z_j`` (``oxphos_log2_scale`` = 0.8).
* response DE: ``n_de`` = 300 genes drawn among non-mitochondrial genes that are in
  no shipped signature (not MitoCarta, not Hallmark OXPHOS, not LSC17, not
  BCL2/MCL1) get ``|log2FC| ~ Gamma(shape=4, scale=0.25)`` (mean 1) with random
  sign. The shift is applied to **refractory** samples, so the true value is
  ``log2(mean refractory / mean CR/CRi)`` (DESeq2 contrast
  ``best_response: refractory vs CR/CRi``).
* ~0.2 % of the remaining genes are all-zero; ~0.5 % carry one outlier count
  (``x * 25 + 200``) in one random sample.

Sample level (``seed``):

* latent OXPHOS activity ``z_j ~ N(0, 1)`` (reported as ``latent_oxphos_TRUTH``).
* treatment arm: categorical with ``arm_probs`` (default "intensive chemo" 0.40,
  "VEN+AZA" 0.35, "VEN+AraC" 0.25); age ``round(N(62, 12))`` clipped to [18, 90];
  sex M/F 0.55/0.45; ELN2017 favorable/intermediate/adverse 0.30/0.30/0.40.
* size factors ``s_j ~ LogNormal(0, 0.25)``; sex-chromosome genes: Y-linked genes
  (if given) are nearly silent (x0.002) in female samples.
* counts ``~ NB(mean = s_j * mu_g * 2^(l_g*0.8*z_j + lfc_g*[refractory_j]), alpha_g)``
  (numpy ``negative_binomial(n=1/alpha, p=n/(n+mean))``), int64.
* overall survival: Weibull proportional hazards,
  ``S(t | x) = exp(-(t / scale)^shape * exp(eta))`` with shape 1.2, scale
  ``weibull_scale`` = 35 months (gives an AML-like median OS of ~14 months and
  ~75-85 % deaths with the demo censoring) and the linear predictor
  ``eta = b_mito*z + b_int*z*[arm == VEN+AraC] + arm_effect[arm]
  + 0.3*(age-60)/10 + eln_effect[eln]`` (eln favorable 0, intermediate 0.4,
  adverse 0.9; arm intensive chemo 0, VEN+AZA 0.25, VEN+AraC 0.10).
  Defaults ``b_mito = log(1.6)`` (HR 1.6 per SD of z in intensive chemo and
  VEN+AZA) and ``b_int = log(0.45)`` (HR per SD within VEN+AraC = 1.6*0.45 = 0.72).
  Censoring is administrative, ``C ~ U(censor_min, censor_max)`` months;
  ``os_months = min(T, C)`` rounded to 2 decimals (at least 0.1), ``os_event = [T <= C]``.
* best response: ``logit P(CR/CRi) = resp_intercept[arm] + resp_slope[arm] * z``
  (intercepts chemo 0.40, VEN+AZA 0.60, VEN+AraC 0.50; slopes +0.8 in VEN+AraC,
  -0.3 in the other arms); otherwise "refractory". Response and survival are
  conditionally independent given z, arm, age and ELN.

What a workflow should recover is written to ``truth.json`` and the demo README
(the planted z is measured with noise by any expression score, so estimated HRs
per SD of a *score* are attenuated towards 1 relative to the latent-z values).

CLI: ``python -m mitoscore.simulate --shared ../shared/data --out resources/demo``
regenerates the shipped demo byte-identically.
"""
from __future__ import annotations

import argparse
import functools
import gzip
import io as _io
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .io import atomic_write, read_gmt

ARMS = ("intensive chemo", "VEN+AZA", "VEN+AraC")
INTERACTION_ARM = "VEN+AraC"
ELN = ("favorable", "intermediate", "adverse")
RESPONSES = ("CR/CRi", "refractory")
OXPHOS_SET = "MITOCARTA3_OXPHOS"
HALLMARK_OXPHOS = "HALLMARK_OXIDATIVE_PHOSPHORYLATION"
EXTRA_GENES = ("BCL2", "MCL1")


@dataclass
class SimParams:
    """All planted effects of one simulated cohort (defaults = cohort A)."""

    n_samples: int = 200
    seed: int = 1
    gene_seed: int = 20240101
    # expression
    meanlog: float = 4.0
    sdlog: float = 2.0
    oxphos_log2_scale: float = 0.8
    oxphos_loading: tuple[float, float] = (0.5, 1.5)
    mito_loading: tuple[float, float] = (0.0, 0.4)
    disp_asympt: float = 0.08
    disp_extra_pois: float = 2.0
    disp_sdlog: float = 0.35
    size_factor_sdlog: float = 0.25
    n_de: int = 300
    de_gamma_shape: float = 4.0
    de_gamma_scale: float = 0.25
    frac_zero_genes: float = 0.002
    frac_outlier_genes: float = 0.005
    # clinical
    arm_probs: dict[str, float] = field(
        default_factory=lambda: {"intensive chemo": 0.40, "VEN+AZA": 0.35, "VEN+AraC": 0.25})
    age_mean: float = 62.0
    age_sd: float = 12.0
    age_range: tuple[int, int] = (18, 90)
    p_male: float = 0.55
    eln_probs: dict[str, float] = field(
        default_factory=lambda: {"favorable": 0.30, "intermediate": 0.30, "adverse": 0.40})
    # survival (Weibull PH)
    weibull_shape: float = 1.2
    weibull_scale: float = 35.0
    b_mito: float = math.log(1.6)
    b_int: float = math.log(0.45)
    arm_log_hazard: dict[str, float] = field(
        default_factory=lambda: {"intensive chemo": 0.0, "VEN+AZA": 0.25, "VEN+AraC": 0.10})
    b_age_per10: float = 0.3
    age_center: float = 60.0
    eln_log_hazard: dict[str, float] = field(
        default_factory=lambda: {"favorable": 0.0, "intermediate": 0.4, "adverse": 0.9})
    censor_min: float = 12.0
    censor_max: float = 60.0
    # response (logistic)
    resp_intercept: dict[str, float] = field(
        default_factory=lambda: {"intensive chemo": 0.40, "VEN+AZA": 0.60, "VEN+AraC": 0.50})
    resp_slope: dict[str, float] = field(
        default_factory=lambda: {"intensive chemo": -0.3, "VEN+AZA": -0.3, "VEN+AraC": 0.8})

    def to_dict(self) -> dict:
        d = asdict(self)
        d["true_hr_per_sd_reference_arms"] = math.exp(self.b_mito)
        d["true_interaction_hr"] = math.exp(self.b_int)
        d["true_hr_per_sd_by_arm"] = {
            a: math.exp(self.b_mito + (self.b_int if a == INTERACTION_ARM else 0.0)) for a in ARMS}
        return d


# --------------------------------------------------------------------------- genes
@functools.lru_cache(maxsize=4)
def _hs_genes(shared: Path) -> pd.DataFrame:
    """NCBI gene annotation of ``shared/data`` (read once per process; callers do not modify it)."""
    return pd.read_csv(shared / "annotation" / "hs_genes.tsv.gz", sep="\t", dtype=str)


@functools.lru_cache(maxsize=4)
def _shared_sets(shared: Path) -> tuple[dict, dict, pd.DataFrame, pd.DataFrame]:
    """MitoCarta pathways, Hallmark, MitoCarta genes, LSC17 weights (read once per process)."""
    mc_gmt = read_gmt(shared / "genesets" / "mitocarta3_pathways.gmt")
    hall = read_gmt(shared / "genesets" / "msigdb_h.all.v7.0.symbols.gmt")
    mc = pd.read_csv(shared / "genesets" / "mitocarta3_human_genes.tsv", sep="\t", dtype=str)
    lsc = pd.read_csv(shared / "genesets" / "lsc17_weights.tsv", sep="\t", dtype=str)
    return mc_gmt, hall, mc, lsc


def mito_gene_lists(shared_data_dir: str | Path) -> tuple[list[str], list[str]]:
    """(all MitoCarta3.0 symbols, MitoCarta3.0 OXPHOS (169) symbols) from ``shared/data``."""
    shared = Path(shared_data_dir)
    mc_gmt, _, mc, _ = _shared_sets(shared)
    return list(mc["symbol"]), list(mc_gmt[OXPHOS_SET][1])


def gene_universe(shared_data_dir: str | Path, n_total: int = 15000, seed: int = 20240101) -> list[str]:
    """Deterministic list of ``n_total`` real human gene symbols, sorted.

    Contains all MitoCarta3.0 symbols (verbatim, incl. ``MT-`` genes), all MSigDB
    Hallmark v7.0 genes (verbatim), the 17 LSC17 current symbols, BCL2 and MCL1,
    then protein-coding NCBI symbols (``annotation/hs_genes.tsv.gz``) drawn with
    ``seed`` to reach ``n_total``. Filler genes that are the current symbol of a
    stale name already present (e.g. AARS1 for Hallmark's AARS) are skipped so one
    gene never appears under two names.
    """
    shared = Path(shared_data_dir)
    mc_gmt, hall, mc, lsc = _shared_sets(shared)
    core: list[str] = []
    core += list(mc["symbol"])
    for _, (_, genes) in hall.items():
        core += genes
    core += list(lsc["current_symbol"]) + list(EXTRA_GENES)
    core = list(dict.fromkeys(core))
    if len(core) > n_total:
        raise ValueError(f"n_total={n_total} is smaller than the {len(core)} required genes")
    ann = _hs_genes(shared)
    ali = pd.read_csv(shared / "annotation" / "hs_aliases.tsv.gz", sep="\t", dtype=str)
    current = set(ann["symbol"])
    stale = [g for g in core if g not in current]
    taken = set(core) | set(ali.loc[ali["alias"].isin(stale), "symbol"])
    pc = ann.loc[ann["gene_type"] == "protein-coding", "symbol"]
    pool = sorted(s for s in set(pc) if s not in taken and "orf" not in s and not s.startswith("LOC"))
    rng = np.random.default_rng(seed)
    need = n_total - len(core)
    if need <= len(pool):
        pick = rng.choice(len(pool), size=need, replace=False)
        return sorted(core + [pool[i] for i in pick])
    # Larger than the protein-coding genome (e.g. 20000-gene benchmarks): every remaining
    # protein-coding gene, then named non-coding RNA genes (as in a GENCODE count matrix).
    nc = ann.loc[ann["gene_type"] == "ncRNA", "symbol"]
    taken |= set(pool)
    pool2 = sorted(s for s in set(nc) if s not in taken and not s.startswith("LOC"))
    need2 = need - len(pool)
    if need2 > len(pool2):
        raise ValueError(f"n_total={n_total} exceeds the {len(core) + len(pool) + len(pool2)} named "
                         "protein-coding and non-coding genes of the annotation")
    pick = rng.choice(len(pool2), size=need2, replace=False)
    return sorted(core + pool + [pool2[i] for i in pick])


def y_linked_genes(shared_data_dir: str | Path, genes: list[str]) -> list[str]:
    """Genes of ``genes`` located only on chromosome Y (NCBI annotation)."""
    ann = _hs_genes(Path(shared_data_dir))
    y = set(ann.loc[ann["chromosome"] == "Y", "symbol"])
    return [g for g in genes if g in y]


# ------------------------------------------------------------------------ clinical
def _categorical(rng: np.random.Generator, probs: dict[str, float], n: int) -> np.ndarray:
    keys = list(probs)
    p = np.array([probs[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def simulate_clinical(params: SimParams, z: np.ndarray | None = None,
                      rng: np.random.Generator | None = None) -> pd.DataFrame:
    """Simulate z, arm, age, sex, ELN, OS and best response (no counts).

    Returns a DataFrame with columns ``latent_oxphos_TRUTH, treatment, age, sex,
    eln2017, os_months, os_event, best_response`` (and the true linear predictor
    ``_eta``), one row per patient. Used by :func:`simulate_cohort` and by tests
    that need large cohorts quickly.
    """
    p = params
    n = p.n_samples
    if rng is None:
        rng = np.random.default_rng(p.seed)
    if z is None:
        z = rng.standard_normal(n)
    arm = _categorical(rng, p.arm_probs, n)
    age = np.clip(np.round(rng.normal(p.age_mean, p.age_sd, size=n)), *p.age_range).astype(np.int64)
    sex = np.where(rng.uniform(size=n) < p.p_male, "M", "F").astype(object)
    eln = _categorical(rng, p.eln_probs, n)
    is_int = (arm == INTERACTION_ARM).astype(float)
    eta = (p.b_mito * z + p.b_int * z * is_int
           + np.array([p.arm_log_hazard[a] for a in arm])
           + p.b_age_per10 * (age - p.age_center) / 10.0
           + np.array([p.eln_log_hazard[e] for e in eln]))
    u = rng.uniform(size=n)
    t_event = p.weibull_scale * (-np.log(u) / np.exp(eta)) ** (1.0 / p.weibull_shape)
    t_cens = rng.uniform(p.censor_min, p.censor_max, size=n)
    os_months = np.maximum(np.round(np.minimum(t_event, t_cens), 2), 0.1)
    event = (t_event <= t_cens).astype(np.int64)
    logit = (np.array([p.resp_intercept[a] for a in arm])
             + np.array([p.resp_slope[a] for a in arm]) * z)
    p_cr = 1.0 / (1.0 + np.exp(-logit))
    resp = np.where(rng.uniform(size=n) < p_cr, RESPONSES[0], RESPONSES[1]).astype(object)
    return pd.DataFrame({
        "latent_oxphos_TRUTH": z, "treatment": arm, "age": age, "sex": sex, "eln2017": eln,
        "os_months": os_months, "os_event": event, "best_response": resp, "_eta": eta,
    })


# -------------------------------------------------------------------------- counts
def _gene_parameters(genes: list[str], params: SimParams, mito: set[str], oxphos: set[str],
                     protected: set[str]) -> dict[str, np.ndarray]:
    p = params
    rng = np.random.default_rng(p.gene_seed)
    G = len(genes)
    garr = np.array(genes, dtype=object)
    is_ox = np.array([g in oxphos for g in genes])
    is_mito = np.array([g in mito for g in genes]) & ~is_ox
    is_mt = np.array([g.startswith("MT-") for g in genes])
    mu = rng.lognormal(p.meanlog, p.sdlog, size=G)
    mu_ox = rng.lognormal(6.5, 1.0, size=G)
    mu_mito = rng.lognormal(5.0, 1.5, size=G)
    mu_mt = rng.lognormal(10.0, 0.5, size=G)
    mu = np.where(is_ox, mu_ox, np.where(is_mito, mu_mito, mu))
    mu = np.where(is_mt, mu_mt, mu)
    mu = np.clip(mu, 0.05, 2e5)
    disp = (p.disp_asympt + p.disp_extra_pois / mu) * rng.lognormal(0.0, p.disp_sdlog, size=G)
    load = np.zeros(G)
    load[is_ox] = rng.uniform(*p.oxphos_loading, size=is_ox.sum())
    load[is_mito] = rng.uniform(*p.mito_loading, size=is_mito.sum())
    # response DE genes: non-mitochondrial, outside every shipped signature
    excluded = is_ox | is_mito | np.array([g in protected for g in genes])
    cand = np.where(~excluded)[0]
    de_idx = np.sort(rng.choice(cand, size=p.n_de, replace=False))
    lfc = np.zeros(G)
    lfc[de_idx] = rng.choice([-1.0, 1.0], size=p.n_de) * rng.gamma(p.de_gamma_shape, p.de_gamma_scale,
                                                                   size=p.n_de)
    rest = np.setdiff1d(cand, de_idx)
    n_zero = max(2, int(round(p.frac_zero_genes * G)))
    zero_idx = np.sort(rng.choice(rest, size=n_zero, replace=False))
    rest2 = np.setdiff1d(rest[mu[rest] > 20], zero_idx)
    n_out = max(2, int(round(p.frac_outlier_genes * G)))
    out_idx = np.sort(rng.choice(rest2, size=n_out, replace=False))
    return dict(genes=garr, mu=mu, disp=disp, load=load, lfc=lfc, de_idx=de_idx,
                zero_idx=zero_idx, out_idx=out_idx, is_ox=is_ox, is_mito=is_mito)


def simulate_cohort(name: str, genes: list[str], params: SimParams, mito_genes, oxphos_genes,
                    protected_genes=(), y_genes=()) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Simulate one SYNTHETIC cohort.

    Parameters: ``name`` (e.g. ``"SYNTHETIC_cohortA"``; its last letter goes into
    the sample ids ``SYN-A-0001``), the gene universe, the :class:`SimParams`,
    the MitoCarta3.0 symbols, the MitoCarta3.0 OXPHOS symbols, genes that must not
    be DE (``protected_genes``: shipped signature genes) and Y-linked genes.

    Returns ``(counts, clinical, truth)``: counts is genes x samples int64
    (index name ``gene``); clinical has columns ``sample_id, os_months, os_event,
    age, sex, eln2017, treatment, best_response, latent_oxphos_TRUTH,
    data_origin``; truth is a JSON-able dict of the planted values.
    """
    p = params
    mito, oxphos = set(mito_genes), set(oxphos_genes)
    protected = set(protected_genes)
    gp = _gene_parameters(list(genes), p, mito, oxphos, protected)
    rng = np.random.default_rng(p.seed)
    n = p.n_samples
    z = rng.standard_normal(n)
    clin = simulate_clinical(p, z=z, rng=rng)
    tag = name[-1].upper() if name else "X"
    samples = [f"SYN-{tag}-{j:04d}" for j in range(1, n + 1)]
    sf = rng.lognormal(0.0, p.size_factor_sdlog, size=n)
    refractory = (clin["best_response"].to_numpy() == RESPONSES[1]).astype(float)
    log2_eff = np.outer(gp["load"] * p.oxphos_log2_scale, z) + np.outer(gp["lfc"], refractory)
    mean = gp["mu"][:, None] * sf[None, :] * np.power(2.0, log2_eff)
    ymask = np.isin(gp["genes"], list(y_genes))
    if ymask.any():
        female = (clin["sex"].to_numpy() == "F")
        mean[np.ix_(ymask, female)] *= 0.002
    n_param = np.broadcast_to(1.0 / gp["disp"][:, None], mean.shape)
    counts = rng.negative_binomial(n_param, n_param / (n_param + mean)).astype(np.int64)
    counts[gp["zero_idx"], :] = 0
    out_samples = rng.integers(0, n, size=len(gp["out_idx"]))
    counts[gp["out_idx"], out_samples] = counts[gp["out_idx"], out_samples] * 25 + 200

    cdf = pd.DataFrame(counts, index=pd.Index(list(genes), name="gene"), columns=samples)
    clinical = pd.DataFrame({
        "sample_id": samples,
        "os_months": clin["os_months"].to_numpy(),
        "os_event": clin["os_event"].to_numpy(),
        "age": clin["age"].to_numpy(),
        "sex": clin["sex"].to_numpy(),
        "eln2017": clin["eln2017"].to_numpy(),
        "treatment": clin["treatment"].to_numpy(),
        "best_response": clin["best_response"].to_numpy(),
        "latent_oxphos_TRUTH": np.round(z, 6),
        "data_origin": "SYNTHETIC",
    })
    g = gp["genes"]
    truth = {
        "cohort": name,
        "synthetic": True,
        "params": p.to_dict(),
        "n_genes": len(genes),
        "n_samples": n,
        "n_events": int(clin["os_event"].sum()),
        "arm_counts": {a: int((clin["treatment"] == a).sum()) for a in ARMS},
        "response_counts": {r: int((clin["best_response"] == r).sum()) for r in RESPONSES},
        "oxphos_genes_loaded": int(gp["is_ox"].sum()),
        "other_mito_genes_loaded": int(gp["is_mito"].sum()),
        "de_contrast": "best_response: refractory vs CR/CRi (true_log2fc = log2(refractory / CR/CRi))",
        "de_genes": {str(g[i]): round(float(gp["lfc"][i]), 6) for i in gp["de_idx"]},
        "all_zero_genes": [str(g[i]) for i in gp["zero_idx"]],
        "outliers": {str(g[i]): samples[s] for i, s in zip(gp["out_idx"], out_samples)},
        "oxphos_loadings": {str(g[i]): round(float(gp["load"][i]), 6) for i in np.where(gp["is_ox"])[0]},
    }
    return cdf, clinical, truth


# ---------------------------------------------------------------------- writing
def counts_tsv_gz_bytes(counts: pd.DataFrame, header_comment: str) -> bytes:
    """Counts as gzip -9 bytes with mtime 0 and no file name (byte-identical reruns)."""
    text = _io.StringIO()
    text.write(header_comment.rstrip("\n") + "\n")
    counts.to_csv(text, sep="\t", lineterminator="\n")
    buf = _io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    return buf.getvalue()


def clinical_tsv_text(clinical: pd.DataFrame) -> str:
    df = clinical.copy()
    df["os_months"] = df["os_months"].map(lambda v: f"{v:.2f}")
    df["latent_oxphos_TRUTH"] = df["latent_oxphos_TRUTH"].map(lambda v: f"{v:.6f}")
    return df.to_csv(sep="\t", index=False, lineterminator="\n")


def comment_line(name: str, params: SimParams) -> str:
    return (f"# SYNTHETIC DATA generated by mitoscore.simulate (seed {params.seed}, "
            f"gene_seed {params.gene_seed}, cohort {name}): not real patients")


def marginal_truth(params: SimParams, n: int = 50000) -> dict:
    """Monte-Carlo 'population' values a score-free analysis of latent z targets.

    Fits Cox models (the package's engine, :func:`mitoscore.cox.fit`) of OS on the TRUE z
    in one very large cohort with
    the cohort's parameters (seed + 7919): univariable HR per SD (this marginal
    HR depends on the arm mix and differs from exp(b_mito)), and the marginal
    CR/CRi odds ratio per SD of z by arm.
    """
    from . import cox
    from .response import irls_logistic
    from .survival import km_median

    big = SimParams(**{**asdict(params), "n_samples": n, "seed": params.seed + 7919})
    d = simulate_clinical(big)
    def hr(dd: pd.DataFrame) -> float:
        f = cox.fit(dd["os_months"].to_numpy(float), dd["os_event"].to_numpy(float),
                    dd["latent_oxphos_TRUTH"].to_numpy(float))
        return round(float(np.exp(f.beta[0])), 3)

    out = {"mc_n": n, "univariable_hr_per_sd_latent_z": hr(d),
           "median_os_months": round(float(km_median(d["os_months"].to_numpy(),
                                                      d["os_event"].to_numpy())["median"]), 2),
           "event_fraction": round(float(d["os_event"].mean()), 3),
           "cr_rate": round(float((d["best_response"] == RESPONSES[0]).mean()), 3)}
    arm_hr, arm_or = {}, {}
    for a in ARMS:
        da = d[d["treatment"] == a]
        arm_hr[a] = hr(da)
        x = da["latent_oxphos_TRUTH"].to_numpy()
        fit = irls_logistic(np.column_stack([np.ones_like(x), x]),
                            (da["best_response"] == RESPONSES[0]).to_numpy())
        arm_or[a] = round(float(np.exp(fit["beta"][1])), 3)
    out["univariable_hr_per_sd_latent_z_by_arm"] = arm_hr
    out["marginal_cr_or_per_sd_latent_z_by_arm"] = arm_or
    return out


DEMO_COHORTS: dict[str, SimParams] = {
    "SYNTHETIC_cohortA": SimParams(n_samples=200, seed=101),
    "SYNTHETIC_cohortB": SimParams(
        n_samples=120, seed=202, censor_min=12.0, censor_max=48.0,
        arm_probs={"intensive chemo": 0.35, "VEN+AZA": 0.35, "VEN+AraC": 0.30}),
    "SYNTHETIC_cohortC": SimParams(
        n_samples=150, seed=303, censor_min=18.0, censor_max=72.0,
        arm_probs={"intensive chemo": 0.50, "VEN+AZA": 0.30, "VEN+AraC": 0.20}),
}
DEMO_ROLES = {"SYNTHETIC_cohortA": "discovery", "SYNTHETIC_cohortB": "validation",
              "SYNTHETIC_cohortC": "validation"}


def _protected(shared: Path) -> set[str]:
    mc_gmt, hall, mc, lsc = _shared_sets(shared)
    return (set(hall[HALLMARK_OXPHOS][1]) | set(lsc["current_symbol"]) | set(lsc["published_symbol"])
            | set(EXTRA_GENES))


def build_cohort(name: str, shared_data_dir: str | Path, params: SimParams,
                 n_genes: int = 15000) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """gene_universe + simulate_cohort with the shipped-demo conventions."""
    shared = Path(shared_data_dir)
    genes = gene_universe(shared, n_total=n_genes, seed=params.gene_seed)
    mito, ox = mito_gene_lists(shared)
    return simulate_cohort(name, genes, params, mito, ox, protected_genes=_protected(shared),
                           y_genes=y_linked_genes(shared, genes))


def write_cohort(out_dir: str | Path, name: str, counts: pd.DataFrame, clinical: pd.DataFrame,
                 params: SimParams) -> dict[str, Path]:
    out = Path(out_dir)
    paths = {"counts": out / f"{name}_counts.tsv.gz", "clinical": out / f"{name}_clinical.tsv"}
    data = counts_tsv_gz_bytes(counts, comment_line(name, params))
    with atomic_write(paths["counts"], "wb") as fh:
        fh.write(data)
    with atomic_write(paths["clinical"], "w", newline="") as fh:
        fh.write(clinical_tsv_text(clinical))
    return paths


def write_demo(out_dir: str | Path, shared_data_dir: str | Path,
               cohorts: dict[str, SimParams] | None = None, n_genes: int = 15000,
               monte_carlo: bool = True) -> dict:
    """Write every cohort's counts + clinical files and ``truth.json`` into ``out_dir``."""
    cohorts = DEMO_COHORTS if cohorts is None else cohorts
    truth_path = Path(out_dir) / "truth.json"
    truth_all: dict = {"_note": "SYNTHETIC demo data generated by mitoscore.simulate: not real patients",
                       "cohorts": {}}
    if truth_path.exists():  # regenerating a subset keeps the other cohorts' truth
        with open(truth_path, encoding="utf-8") as fh:
            truth_all["cohorts"].update(json.load(fh).get("cohorts", {}))
    for name, params in cohorts.items():
        counts, clinical, truth = build_cohort(name, shared_data_dir, params, n_genes=n_genes)
        write_cohort(out_dir, name, counts, clinical, params)
        truth["role"] = DEMO_ROLES.get(name, "validation")
        if monte_carlo:
            truth["population_values_monte_carlo"] = marginal_truth(params)
        truth_all["cohorts"][name] = truth
    with atomic_write(truth_path, "w", newline="") as fh:
        json.dump(truth_all, fh, indent=1, sort_keys=True)
        fh.write("\n")
    return truth_all


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Regenerate the SYNTHETIC demo cohorts.")
    ap.add_argument("--shared", default="../shared/data", help="shared/data folder")
    ap.add_argument("--out", default="resources/demo")
    ap.add_argument("--cohort", action="append", help="only these cohorts (default: all)")
    a = ap.parse_args(argv)
    cohorts = DEMO_COHORTS if not a.cohort else {c: DEMO_COHORTS[c] for c in a.cohort}
    t = write_demo(a.out, a.shared, cohorts)
    for name, tr in t["cohorts"].items():
        print(f"{name}: {tr['n_samples']} samples, {tr['n_events']} events, arms {tr['arm_counts']}")


if __name__ == "__main__":
    main()
