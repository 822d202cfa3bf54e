"""The predictive claim: does the score predict benefit of a named regimen versus a named
reference arm?

Every analysis here is restricted to the two arms of one pre-declared contrast
(``test_arm`` vs ``reference_arm``) and adjusted like the cohort's multivariable model
(configured covariates with their reference levels, strata):

* :func:`contrast_interaction` -- Cox model ``score + arm + score:arm + covariates +
  strata(...)``: the 1-df likelihood-ratio test of ``score:arm`` (R ``anova(reduced, full)``),
  its Wald test, the interaction HR, and the HR per unit of score in each arm from the same
  model (reference arm exp(b_score); test arm exp(b_score + b_int), variance
  V_ss + V_ii + 2 V_si). Built on :func:`mitoscore.survival.interaction_cox`.
* :func:`treatment_effect` -- HR of test vs reference arm as a function of the score,
  from a Cox model with arm x B(score), B = the score itself (``"linear"``, the same model
  as :func:`contrast_interaction`) or Harrell's restricted cubic spline (``"rcs"``,
  :func:`rcs_basis` with :func:`rcs_knots` = ``Hmisc::rcspline.eval`` / ``rms::rcs``):
  log HR(s) = b_arm + sum_j b_{arm:B_j} B_j(s), pointwise 95% Wald CI with the delta method
  (gradient (1, B(s)) on the model covariance).
* :func:`logistic_interaction` -- the same for a binary response: ``glm(y ~ score * arm +
  covariates, family = binomial)`` (IRLS of :mod:`mitoscore.response`), the 1-df LR test
  (R ``anova(reduced, full, test = "LRT")``), Wald test, interaction OR, per-arm OR per unit.

A model that cannot be fitted (arm absent, too few events / events per parameter,
separation, collinearity) raises :class:`mitoscore.errors.ModelSkipped` with the reason.
R goldens: ``tests/golden/predictive.R`` (survival 3.5-3, rms 6.5-0 / Hmisc 4.8-0, glm).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd

from . import response, survival
from .calibration import Z975 as _Z975  # the one written-out normal 97.5% quantile
from ._lazy import lazy
from .errors import ModelSkipped

stats = lazy("scipy.stats")  # imported on first use (job start-up cost, mitoscore/_lazy.py)

__all__ = ["rcs_knots", "rcs_basis", "rcs_names", "two_arm_data", "contrast_interaction",
           "treatment_effect", "logistic_interaction", "score_grid"]



# =========================================================================== splines
def _quantile7(x: np.ndarray, p) -> np.ndarray:
    """R ``quantile(x, p)`` (type 7 = numpy's default linear interpolation)."""
    return np.quantile(np.asarray(x, float), np.asarray(p, float), method="linear")


def rcs_knots(x, nk: int = 3, fractied: float = 0.05) -> np.ndarray:
    """Default knots of Harrell's restricted cubic spline = ``Hmisc::rcspline.eval(x, nk = nk,
    knots.only = TRUE)`` (the knots ``rms::rcs(x, nk)`` uses), ported from Hmisc 4.8.

    Quantiles (R type 7) at ``seq(outer, 1 - outer, length = nk)`` with outer = 0.10 for
    3 knots, 0.05 for 4-6, 0.025 for 7 or more; with fewer than 100 non-missing values the
    outer knots are the 5th smallest and 5th largest values; Hmisc's ``fractied`` rule (an
    extreme value holding >= 5% of the data while no interior value does: the knot moves to
    the next distinct value). Cases where Hmisc warns and changes the algorithm (at most
    nk + 2 distinct values, or fewer than 3 distinct quantile knots) raise ModelSkipped
    rather than silently using other knots.
    """
    xx = np.asarray(x, float)
    xx = xx[~np.isnan(xx)]
    n = xx.size
    if nk < 3:
        raise ValueError("nk must be >= 3")
    if n < 6:
        raise ModelSkipped(f"restricted cubic spline: {n} non-missing values (< 6)")
    xu = np.unique(xx)
    if xu.size - 2 <= nk:
        raise ModelSkipped(f"restricted cubic spline: {nk} knots requested but the score has only {xu.size} "
                           "distinct values")
    outer = 0.05 if nk > 3 else 0.1
    if nk > 6:
        outer = 0.025
    nke = nk
    first, last = [], []
    override_first = override_last = False
    if 0 < fractied < 1:
        vals, counts = np.unique(xx, return_counts=True)
        f = counts / n
        if f[1:-1].max() < fractied:
            if f[0] >= fractied:
                first = [xx[xx > xx.min()].min()]
                xx = xx[xx > first[0]]
                nke -= 1
                override_first = True
            if f[-1] >= fractied:
                last = [xx[xx < xx.max()].max()]
                xx = xx[xx < last[0]]
                nke -= 1
                override_last = True
    if nke == 1:
        knots = np.array([np.median(xx)])
    elif xu.size <= nke:
        knots = xu.copy()
    else:
        p = np.linspace(0.5, 1 - outer, nke) if nke == 2 else np.linspace(outer, 1 - outer, nke)
        knots = _quantile7(xx, p)
        if np.unique(knots).size < min(nke, 3):
            raise ModelSkipped("restricted cubic spline: the score has too many ties for "
                               f"{nk} distinct quantile knots")
        if xx.size < 100:
            xs = np.sort(xx)
            if not override_first:
                knots[0] = xs[4]
            if not override_last:
                knots[nke - 1] = xs[xs.size - 5]
    knots = np.unique(np.r_[first, knots, last])
    if knots.size < 3:
        raise ModelSkipped("restricted cubic spline: fewer than 3 distinct knots")
    return knots


def rcs_basis(x, knots) -> np.ndarray:
    """Harrell's restricted cubic spline basis = ``Hmisc::rcspline.eval(x, knots, inclx = TRUE)``
    (type "ordinary", norm = 2; the columns of ``rms::rcs``): column 0 is x, column j = 1..k-2
    is, with knots t_1 < ... < t_k and kd = (t_k - t_1)^(2/3),

        ((x - t_j)/kd)_+^3 + [(t_{k-1} - t_j) ((x - t_k)/kd)_+^3 - (t_k - t_j) ((x - t_{k-1})/kd)_+^3]
        / (t_k - t_{k-1}),

    linear beyond the outer knots. Returns an n x (k - 1) array.
    """
    x = np.asarray(x, float)
    t = np.asarray(knots, float)
    k = t.size
    if k < 3:
        raise ValueError("a restricted cubic spline needs >= 3 knots")
    kd = (t[-1] - t[0]) ** (2 / 3)
    cols = [x]
    for j in range(k - 2):
        cols.append(np.maximum((x - t[j]) / kd, 0) ** 3
                    + ((t[-2] - t[j]) * np.maximum((x - t[-1]) / kd, 0) ** 3
                       - (t[-1] - t[j]) * np.maximum((x - t[-2]) / kd, 0) ** 3) / (t[-1] - t[-2]))
    return np.column_stack(cols)


def rcs_names(name: str, k: int) -> list[str]:
    """Column names of a k-knot spline of ``name`` as rms prints them: x, x', x'', ..."""
    return [name + "'" * j for j in range(k - 1)]


def score_grid(x, quantiles: Sequence[float] = (0.05, 0.95), points: int = 41) -> np.ndarray:
    """``points`` equally spaced values from the lower to the upper quantile (R type 7) of x."""
    lo, hi = _quantile7(np.asarray(x, float), quantiles)
    return np.linspace(lo, hi, int(points))


# =========================================================================== data
def two_arm_data(df: pd.DataFrame, arm_col: str, test_arm: str, reference_arm: str) -> pd.DataFrame:
    """Rows of ``df`` in ``test_arm`` or ``reference_arm`` (arm labels compared as strings).

    Raises ModelSkipped naming the arms present when an arm is absent or the column is missing.
    """
    if arm_col not in df.columns:
        raise ModelSkipped(f"treatment column '{arm_col}' not in the data")
    lab = df[arm_col].map(lambda v: None if pd.isna(v) else str(v))
    present = sorted(set(lab.dropna()))
    absent = [a for a in (test_arm, reference_arm) if a not in present]
    if absent:
        raise ModelSkipped(f"arm(s) {absent} absent from the treatment column '{arm_col}' "
                           f"(arms present: {present})")
    if test_arm == reference_arm:
        raise ModelSkipped(f"test arm and reference arm are the same ('{test_arm}')")
    out = df.loc[lab.isin([test_arm, reference_arm])].copy()
    out[arm_col] = lab[out.index]
    return out


def _model_inputs(covariates, categorical, strata, arm_col):
    covariates = [c for c in (covariates or []) if c != arm_col]  # the arm is already in the model
    strata = list(strata or [])
    if arm_col in strata:
        raise ModelSkipped(f"the treatment column '{arm_col}' is a stratum: the arm effect and the treatment "
                           "effect curve are not estimable; remove it from the cohort's strata")
    categorical = {k: v for k, v in dict(categorical or {}).items() if k in covariates}
    return covariates, categorical, strata


# =========================================================================== Cox
def contrast_interaction(df: pd.DataFrame, duration_col: str, event_col: str, score_col: str, arm_col: str, *,
                         test_arm: str, reference_arm: str, covariates: Sequence[str] = (),
                         categorical: dict[str, str] | None = None, strata: Sequence[str] | None = None,
                         min_events: int = 10, min_epv: float = 5.0) -> dict:
    """Score x arm interaction for one pre-declared contrast = R
    ``coxph(Surv(t, e) ~ score * arm + covariates + strata(s))`` on the two arms.

    Returns dict with ``coef, se, hr, ci_lower, ci_upper, wald_chisq, wald_p`` of the
    interaction term, ``lr_chisq, lr_df (1), lr_p`` (= ``anova(reduced, full)``),
    ``per_arm`` (DataFrame arm, coef, se, hr, ci_lower, ci_upper, p, n, events; reference
    first), ``n, events, n_parameters, term`` and the fitted ``full``/``reduced`` models.
    ``covariates`` equal to ``arm_col`` are dropped (the arm is in the model).
    """
    covariates, categorical, strata = _model_inputs(covariates, categorical, strata, arm_col)
    sub = two_arm_data(df, arm_col, test_arm, reference_arm)
    it = survival.interaction_cox(sub, duration_col, event_col, score_col, arm_col, reference_arm=reference_arm,
                                  covariates=covariates, categorical=categorical, strata=strata,
                                  min_events=min_events, min_epv=min_epv)
    full = it["full"]
    term = f"{score_col}:{arm_col}[{test_arm}]"
    i_int = full.terms.index(term)
    i_s = full.terms.index(score_col)
    b, se = float(full.beta[i_int]), float(math.sqrt(full.var[i_int, i_int]))
    rows = []
    for arm in (reference_arm, test_arm):
        if arm == reference_arm:
            bb, v = full.beta[i_s], full.var[i_s, i_s]
        else:
            bb = full.beta[i_s] + full.beta[i_int]
            v = full.var[i_s, i_s] + full.var[i_int, i_int] + 2 * full.var[i_s, i_int]
        s = math.sqrt(v)
        pa = it["per_arm"].set_index("arm").loc[arm]
        rows.append({"arm": arm, "coef": float(bb), "se": s, "hr": math.exp(bb),
                     "ci_lower": math.exp(bb - _Z975 * s), "ci_upper": math.exp(bb + _Z975 * s),
                     "p": float(2 * stats.norm.sf(abs(bb / s))), "n": int(pa["n"]), "events": int(pa["events"])})
    return {"term": term, "coef": b, "se": se, "hr": math.exp(b), "ci_lower": math.exp(b - _Z975 * se),
            "ci_upper": math.exp(b + _Z975 * se), "wald_chisq": (b / se) ** 2,
            "wald_p": float(stats.chi2.sf((b / se) ** 2, 1)), "lr_chisq": it["lr_chisq"], "lr_df": it["lr_df"],
            "lr_p": it["lr_p"], "per_arm": pd.DataFrame(rows), "n": full.n, "events": full.events,
            "n_parameters": len(full.terms), "full": full, "reduced": it["reduced"]}


def treatment_effect(df: pd.DataFrame, duration_col: str, event_col: str, score_col: str, arm_col: str, *,
                     test_arm: str, reference_arm: str, basis: str = "rcs", knots: int | Sequence[float] = 3,
                     grid: Sequence[float] | None = None, grid_quantiles: Sequence[float] = (0.05, 0.95),
                     grid_points: int = 41, covariates: Sequence[str] = (),
                     categorical: dict[str, str] | None = None, strata: Sequence[str] | None = None,
                     min_events: int = 10, min_epv: float = 5.0, lr_test: bool = True) -> dict:
    """HR of ``test_arm`` vs ``reference_arm`` as a function of the score.

    Cox model (Efron, = R ``coxph``) on the two arms with terms, in this order,
    B_1(s)..B_m(s), ``arm[test]``, covariates (dummy-coded with their reference levels),
    B_1(s):arm .. B_m(s):arm, + ``strata(...)``. ``basis="linear"``: B(s) = s (m = 1; the
    model and term order of :func:`contrast_interaction`, so HR(s) = exp(b_arm + b_int s));
    ``basis="rcs"``: B = :func:`rcs_basis` with ``knots`` (an int k: :func:`rcs_knots` of the
    score over the model's complete cases, i.e. ``rms::rcs(score, k)``; or explicit knots),
    m = k - 1.

    At each grid score s0: log HR(s0) = b_arm + sum_j b_{B_j:arm} B_j(s0), se by the delta
    method sqrt(g' V g) with g = 1 at ``arm`` and B_j(s0) at ``B_j:arm``, 95% Wald CI.
    The grid defaults to ``grid_points`` equally spaced scores between the ``grid_quantiles``
    of the score over the model's complete cases. With ``lr_test`` the model without the
    interaction terms is fitted too: LR chisq on m df (= ``anova(reduced, full)``).

    Returns dict(curve=DataFrame(score, log_hr, se_log_hr, hr, ci_lower, ci_upper), knots,
    terms, n, events, n_parameters, lr_chisq, lr_df, lr_p, full).
    """
    if basis not in ("linear", "rcs"):
        raise ValueError(f"basis must be 'linear' or 'rcs', got {basis!r}")
    covariates, categorical, strata = _model_inputs(covariates, categorical, strata, arm_col)
    sub = two_arm_data(df, arm_col, test_arm, reference_arm)
    for c in (duration_col, event_col, score_col, *covariates, *strata):
        if c not in sub.columns:
            raise ModelSkipped(f"column '{c}' not found in the data")
    base = sub[[duration_col, event_col, *strata]].dropna()
    dm = survival.design_matrix(sub.loc[base.index], [score_col, arm_col, *covariates],
                                {arm_col: str(reference_arm), **categorical})
    arm_term = f"{arm_col}[{test_arm}]"
    if arm_term not in dm.columns:
        raise ModelSkipped(f"arm '{test_arm}' has no complete case")
    cov_cols = [c for c in dm.columns if c not in (score_col, arm_term)]
    data = dm.join(base)
    s = data[score_col].to_numpy(float)
    if basis == "linear":
        knots_used = np.array([])
        names = [score_col]
        B = s[:, None]
    else:
        knots_used = (rcs_knots(s, int(knots)) if np.ndim(knots) == 0 else np.sort(np.asarray(knots, float)))
        B = rcs_basis(s, knots_used)
        names = rcs_names(score_col, knots_used.size)
    for j, nm in enumerate(names):
        data[nm] = B[:, j]
    int_names = [f"{nm}:{arm_term}" for nm in names]
    for nm, inm in zip(names, int_names):
        data[inm] = data[nm] * data[arm_term]
    red_terms = [*names, arm_term, *cov_cols]
    full_terms = [*red_terms, *int_names]
    full = survival.cox_fit(data, duration_col, event_col, full_terms, strata=strata or None,
                            min_events=min_events, min_epv=min_epv)
    lr = {"lr_chisq": float("nan"), "lr_df": len(int_names), "lr_p": float("nan")}
    if lr_test:
        red = survival.cox_fit(data, duration_col, event_col, red_terms, strata=strata or None,
                               min_events=min_events, min_epv=min_epv)
        chisq = max(2 * (full.loglik - red.loglik), 0.0)
        lr.update(lr_chisq=float(chisq), lr_p=float(stats.chi2.sf(chisq, len(int_names))))
    g_at = np.asarray(score_grid(s, grid_quantiles, grid_points) if grid is None else grid, float)
    Bg = g_at[:, None] if basis == "linear" else rcs_basis(g_at, knots_used)
    idx = [full.terms.index(arm_term), *[full.terms.index(n) for n in int_names]]
    G = np.column_stack([np.ones(g_at.size), Bg])
    b = full.beta[idx]
    V = full.var[np.ix_(idx, idx)]
    est = G @ b
    se = np.sqrt(np.einsum("ij,jk,ik->i", G, V, G))
    curve = pd.DataFrame({"score": g_at, "log_hr": est, "se_log_hr": se, "hr": np.exp(est),
                          "ci_lower": np.exp(est - _Z975 * se), "ci_upper": np.exp(est + _Z975 * se)})
    return {"curve": curve, "knots": knots_used, "terms": full_terms, "n": full.n, "events": full.events,
            "n_parameters": len(full_terms), "full": full, **lr}


# =========================================================================== response
def logistic_interaction(df: pd.DataFrame, response_col: str, score_col: str, arm_col: str, *, test_arm: str,
                         reference_arm: str, covariates: Sequence[str] = (),
                         categorical: dict[str, str] | None = None, min_events: int = response.MIN_EVENTS,
                         min_epv: float = 5.0) -> dict:
    """Score x arm interaction for a binary response = R ``glm(y ~ score * arm + covariates,
    family = binomial)`` on the two arms, fitted by :func:`mitoscore.response.logistic_fit`.

    Reduced model without ``score:arm``; LR chisq = deviance_reduced - deviance_full on 1 df
    (= ``anova(reduced, full, test = "LRT")``); Wald test of the interaction; OR per unit of
    score in each arm from the full model (reference exp(b_score), test exp(b_score + b_int)
    with var V_ss + V_ii + 2 V_si). Guards (ModelSkipped): fewer than ``min_events`` in the
    smaller outcome class, fewer than ``min_epv`` of them per non-intercept parameter of the
    full model, separation, non-convergence, rank deficiency.

    Returns dict(term, coef, se, or_, ci_lower, ci_upper, wald_chisq, wald_p, lr_chisq,
    lr_df, lr_p, per_arm=DataFrame(arm, coef, se, or_, ci_lower, ci_upper, p, n,
    n_responders, n_nonresponders), n, n_responders, n_nonresponders, n_parameters, terms).
    """
    covariates, categorical, _ = _model_inputs(covariates, categorical, (), arm_col)
    sub = two_arm_data(df, arm_col, test_arm, reference_arm)
    for c in (response_col, score_col, *covariates):
        if c not in sub.columns:
            raise ModelSkipped(f"column '{c}' not found in the data")
    sub = sub[sub[response_col].notna()]
    dm = survival.design_matrix(sub, [score_col, arm_col, *covariates], {arm_col: str(reference_arm), **categorical})
    arm_term = f"{arm_col}[{test_arm}]"
    if arm_term not in dm.columns:
        raise ModelSkipped(f"arm '{test_arm}' has no complete case with a response")
    cov_cols = [c for c in dm.columns if c not in (score_col, arm_term)]
    int_term = f"{score_col}:{arm_term}"
    X = dm[[score_col, arm_term, *cov_cols]].copy()
    X[int_term] = X[score_col] * X[arm_term]
    X.insert(0, "(Intercept)", 1.0)
    y = sub.loc[dm.index, response_col].to_numpy(float)
    full_terms = list(X.columns)
    full = response.logistic_fit(y, X.to_numpy(float), min_events=min_events, min_epv=min_epv)
    red = response.logistic_fit(y, X.drop(columns=int_term).to_numpy(float), min_events=min_events,
                                min_epv=min_epv)
    lr = max(red["deviance"] - full["deviance"], 0.0)
    i_s, i_i = full_terms.index(score_col), full_terms.index(int_term)
    b, se = float(full["beta"][i_i]), float(full["se"][i_i])
    V = full["cov"]
    arms = X[arm_term].to_numpy()
    rows = []
    for arm in (reference_arm, test_arm):
        if arm == reference_arm:
            bb, v, m = full["beta"][i_s], V[i_s, i_s], arms == 0
        else:
            bb, v, m = full["beta"][i_s] + full["beta"][i_i], V[i_s, i_s] + V[i_i, i_i] + 2 * V[i_s, i_i], arms == 1
        s = math.sqrt(v)
        rows.append({"arm": arm, "coef": float(bb), "se": s, "or_": math.exp(bb),
                     "ci_lower": math.exp(bb - _Z975 * s), "ci_upper": math.exp(bb + _Z975 * s),
                     "p": float(2 * stats.norm.sf(abs(bb / s))), "n": int(m.sum()),
                     "n_responders": int(y[m].sum()), "n_nonresponders": int(m.sum() - y[m].sum())})
    return {"term": int_term, "coef": b, "se": se, "or_": math.exp(b), "ci_lower": math.exp(b - _Z975 * se),
            "ci_upper": math.exp(b + _Z975 * se), "wald_chisq": (b / se) ** 2,
            "wald_p": float(stats.chi2.sf((b / se) ** 2, 1)), "lr_chisq": float(lr), "lr_df": 1,
            "lr_p": float(stats.chi2.sf(lr, 1)), "per_arm": pd.DataFrame(rows), "n": full["n"],
            "n_responders": full["n_events"], "n_nonresponders": full["n_nonevents"],
            "n_parameters": len(full_terms) - 1, "terms": full_terms, "deviance": full["deviance"],
            "deviance_reduced": red["deviance"], "beta": full["beta"], "cov": V}
