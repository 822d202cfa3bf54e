"""Is the signature better than chance? The random-gene-set null.

For a signature of k genes, ``n`` random gene sets of the same size (optionally
matched on mean expression) are scored exactly like the signature (per-set
ssGSEA, or the signature's weights on random genes; z-scored within the cohort) and
each is put through the same univariable Cox model (HR per SD, Efron ties) by the
package's Cox engine (:func:`mitoscore.cox.fit_many`, vectorised over the draws).
Single-gene comparators are compared with random single genes.

Every signature is compared with the null of ITS OWN size and kind. The observed
model is not refitted: it is the univariable row of the survival rule's ``cox.tsv``
(same engine, same samples). A draw whose Cox model did not converge, has an
effectively infinite coefficient, or whose score is constant is EXCLUDED and counted
(``n_failed``); the signature's percentile and empirical p are over the valid draws:

* ``percentile_abs_z`` = 100 x #{valid draws with |z_rand| < |z_obs|} / n_valid;
* ``empirical_p`` = (1 + #{valid draws with |z_rand| >= |z_obs|}) / (n_valid + 1).

(Venet et al. 2011 showed most random signatures are prognostic in cancer, so this
bar matters.)
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import cox

#: Columns of the null table (one row per random draw) and of the summary (one row per signature).
NULL_COLUMNS = ["signature", "kind", "draw", "size", "coef", "se", "z", "status"]
SUMMARY_COLUMNS = ["signature", "kind", "size", "n_random", "n_valid", "n_failed", "observed_hr", "observed_z",
                   "percentile_abs_z", "empirical_p", "null_median_abs_z", "note"]
SCORE_TERM = "score_per_sd"


def observed_models(cox_table: pd.DataFrame, term: str = SCORE_TERM) -> pd.DataFrame:
    """The observed univariable models (HR per SD) of the survival rule's ``cox.tsv``:
    one row per signature with hr, z, n, events (empty when none was fitted)."""
    cols = ["signature", "hr", "z", "n", "events"]
    if cox_table is None or cox_table.empty or "model" not in cox_table.columns:
        return pd.DataFrame(columns=cols).set_index("signature")
    sel = cox_table[(cox_table["model"] == "univariable") & (cox_table["term"] == term)]
    return sel[cols].drop_duplicates("signature").set_index("signature")


def random_null(expr: pd.DataFrame, clinical: pd.DataFrame, observed_cox: pd.DataFrame,
                sigs: dict, *, n_sets: int = 1000, seed: int = 1,
                match_expression: bool = True, alpha: float = 0.25,
                single_genes=(), time_col="os_months", event_col="os_event",
                threads: int | None = 1, min_events: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Random-gene-set null for every signature (and random single genes for single-gene comparators).

    ``observed_cox`` is the cohort's ``cox.tsv`` (the survival rule's output): the observed
    univariable model of each signature is read from it, never refitted. Returns (null
    table, :data:`NULL_COLUMNS`; summary, :data:`SUMMARY_COLUMNS`). ``n_random`` = draws
    made, ``n_valid`` = draws whose model was fitted (status "ok"), ``n_failed`` = the
    others (not converged / infinite coefficient / constant score), excluded from the
    percentile and the empirical p. With fewer than ``min_events`` events (the Cox guard)
    no draw is scored or fitted: the summary says so for every signature (``note``).
    A signature whose observed model was skipped by the survival rule gets NaN statistics
    and a note.
    """
    from . import scores as scores_mod
    from . import signatures as sig_mod

    samples = clinical.index.astype(str)
    expr = expr.loc[:, samples]
    t = clinical[time_col].to_numpy(float)
    e = clinical[event_col].to_numpy(float)
    events = int(np.nansum(e))
    obs = observed_models(observed_cox)
    universe = list(expr.index[expr.var(axis=1) > 0])
    mean_expr = expr.loc[universe].mean(axis=1)
    rows, summ = [], []

    def summarise(name, kind, size, fit):
        ok = fit["status"] == "ok" if fit is not None else pd.Series(dtype=bool)
        zr = fit.loc[ok, "z"].to_numpy(float) if fit is not None else np.zeros(0)
        n_random = 0 if fit is None else len(fit)
        rec = {"signature": name, "kind": kind, "size": int(size), "n_random": n_random, "n_valid": int(zr.size),
               "n_failed": n_random - int(zr.size), "observed_hr": np.nan, "observed_z": np.nan,
               "percentile_abs_z": np.nan, "empirical_p": np.nan,
               "null_median_abs_z": float(np.median(np.abs(zr))) if zr.size else np.nan, "note": ""}
        if events < min_events:
            rec["note"] = (f"not computed: only {events} events (n={len(t)}); at least min_events={min_events} "
                           "are required (as for the Cox models)")
        elif name not in obs.index:
            rec["note"] = "observed univariable model not fitted (see survival/skipped_models.tsv)"
        else:
            o = obs.loc[name]
            rec.update(observed_hr=float(o["hr"]), observed_z=float(o["z"]))
            if int(o["n"]) != len(t):
                rec["note"] = f"observed model on n={int(o['n'])}, random sets on n={len(t)}"
            if zr.size:
                zo = abs(float(o["z"]))
                rec.update(percentile_abs_z=float(100 * np.mean(np.abs(zr) < zo)),
                           empirical_p=float((1 + np.sum(np.abs(zr) >= zo)) / (zr.size + 1)))
            else:
                rec["note"] = (rec["note"] + "; " if rec["note"] else "") + "no valid random draw"
        summ.append(rec)

    # draw every signature's random sets first (each from its own seed), then score the ssGSEA
    # signatures' sets in ONE pass: the per-sample ranks are computed once, and each set's
    # per-set normalised score depends on that set alone (ssgsea_independent), so the values are
    # those of one call per signature
    plan = []
    for i, (name, sig) in enumerate(sigs.items()):
        present = [g for g in sig.genes if g in expr.index]
        if not present or n_sets <= 0:
            continue
        kind = "weighted_sum" if sig.weights else "ssgsea"
        if events < min_events:
            plan.append((name, kind, present, sig, None))
            continue
        sets = sig_mod.random_gene_sets(universe, len(present), n_sets, seed + i,
                                        match_to=present if match_expression else None,
                                        expression=mean_expr if match_expression else None)
        plan.append((name, kind, present, sig, sets))
    named = {f"{j}:R{k:05d}": s for j, (_, kind, _, _, sets) in enumerate(plan)
             if kind == "ssgsea" and sets is not None for k, s in enumerate(sets)}
    norm_all = scores_mod.ssgsea_independent(expr, named, alpha=alpha, threads=threads)[0] if named else None
    for j, (name, kind, present, sig, sets) in enumerate(plan):
        if sets is None:
            summarise(name, kind, len(present), None)
            continue
        if sig.weights:  # weighted score: same weights on random genes
            w = np.array([sig.weights[g] for g in present])
            mats = np.stack([expr.loc[s].to_numpy(float).T @ w for s in sets], axis=1)
            X = pd.DataFrame(mats, index=expr.columns)
        else:
            ids = [f"R{k:05d}" for k in range(len(sets))]
            norm = pd.DataFrame(norm_all.loc[[f"{j}:{r}" for r in ids]].to_numpy(), index=pd.Index(ids, name="gene_set"),
                                columns=norm_all.columns)
            X = norm.T
        fit = _fit_null(name, kind, len(present), X, t, e)
        rows.append(fit)
        summarise(name, kind, len(present), fit)
    rng = np.random.default_rng(seed + 1000)
    for g in single_genes:
        if g not in expr.index or n_sets <= 0:
            continue
        if events < min_events:
            summarise(g, "single_gene", 1, None)
            continue
        pick = rng.choice(len(universe), size=min(n_sets, len(universe)), replace=False)
        X = expr.loc[[universe[k] for k in pick]].T
        fit = _fit_null(g, "single_gene", 1, X, t, e)
        rows.append(fit)
        summarise(g, "single_gene", 1, fit)
    null = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=NULL_COLUMNS)
    return null[NULL_COLUMNS], pd.DataFrame(summ, columns=SUMMARY_COLUMNS)


def _fit_null(name, kind, size, X: pd.DataFrame, t, e) -> pd.DataFrame:
    """Univariable Cox (HR per SD) of every draw; constant draws are kept with their status."""
    Z = X.to_numpy(float)
    sd = Z.std(axis=0, ddof=1)
    keep = sd > 0
    Zs = np.zeros_like(Z)
    Zs[:, keep] = (Z[:, keep] - Z[:, keep].mean(axis=0)) / sd[keep]
    fit = cox.fit_many(t, e, Zs)
    fit.insert(0, "draw", np.arange(Z.shape[1]))
    fit.insert(0, "size", size)
    fit.insert(0, "kind", kind)
    fit.insert(0, "signature", name)
    return fit[NULL_COLUMNS]
