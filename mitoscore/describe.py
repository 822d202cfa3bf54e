"""Descriptive tables of the analysed patients and of the marker (REMARK 13-14, TRIPOD 13b-c).

Computed by rules (``table1``, ``describe``), written as TSVs, and only *shown* by the
report (the report never computes a number itself):

* :func:`table_one`: Table 1, one column per cohort (counts with percent of non-missing,
  median [Q1-Q3] with R's quantile type 7, missing counts, deaths, the reverse
  Kaplan-Meier median follow-up = ``survival:::survfit(Surv(time, 1 - event))`` median,
  via :func:`mitoscore.survival.km_median`);
* :func:`marker_by_variable`: the z-scored marker by level of each clinical variable
  (mean, SD; Spearman rho for numeric variables);
* :func:`score_method_correlations`: correlation of the sensitivity scores (singscore,
  mean z) with the primary ssGSEA score of the same signature in the same samples.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from . import fmt
from .colors import ARM_COLORS
from .survival import km_median

TIME, EVENT = "os_months", "os_event"

TABLE1_LEVEL_COLUMNS = ["characteristic", "level"]
MARKER_COLUMNS = ["variable", "level", "n", "mean_z", "sd_z", "spearman_rho"]
SCORE_METHOD_COLUMNS = ["signature", "method", "n", "pearson", "spearman"]


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and s.dropna().nunique() > 5


def _level_order(values: pd.Series) -> list:
    lv = list(pd.unique(values.dropna()))
    rank = {"favorable": 0, "favourable": 0, "intermediate": 1, "adverse": 2}
    arm = {a.lower(): i for i, a in enumerate(ARM_COLORS)}
    return sorted(lv, key=lambda x: (rank.get(str(x).lower(), 9), arm.get(str(x).lower(), 9), str(x)))


def _n_pct(k: int, n: int) -> str:
    return f"{k} ({fmt.num(100 * k / n, 1)}%)" if n else "0"


def _median_iqr(s: pd.Series, digits: int = 1, *, sig: bool = False) -> str:
    s = pd.to_numeric(s, errors="coerce").dropna()
    if not len(s):
        return "NA"
    f = (lambda v: fmt.sig(v, 3)) if sig else (lambda v: fmt.num(v, digits))
    q1, q3 = np.quantile(s, [0.25, 0.75])  # numpy 'linear' = R quantile type 7
    a, b = f(q1), f(q3)
    sep = " to " if (a.startswith("-") or b.startswith("-")) else "-"
    return f"{f(np.median(s))} [{a}{sep}{b}]"


def _level_counts(present: Mapping[str, pd.Series], cohorts, level, *, numeric: bool = False) -> dict[str, str]:
    """'n (%)' of ``level`` among the non-missing values of each cohort ('not recorded' where the
    cohort has no such column); ``numeric`` compares as numbers (codes such as response 1/0)."""
    vals = {}
    for c in cohorts:
        s = present.get(c)
        if s is None:
            vals[c] = "not recorded"
            continue
        s = pd.to_numeric(s, errors="coerce") if numeric else s.astype(object)
        vals[c] = _n_pct(int((s == level).sum()), int(s.notna().sum()))
    return vals


def table_one(clinicals: Mapping[str, pd.DataFrame], scores: Mapping[str, pd.DataFrame] | None = None, *,
              primary: str | None = None, time: str = TIME, event: str = EVENT) -> pd.DataFrame:
    """Table 1: rows = characteristic / level, one column per cohort (strings as printed).

    * ``Patients`` N; ``Deaths`` n (%); ``Follow-up, months``: median of the reverse
      Kaplan-Meier estimate (censoring as the event; R ``survfit`` median rule);
    * numeric variables (> 5 distinct values): median [Q1-Q3] (R quantile type 7), missing n;
    * categorical variables: n (%) per level (percent of non-missing), missing n;
    * ``response`` (1/0): CR/CRi vs refractory;
    * the primary signature's raw score: median [Q1-Q3] (3 significant digits).
    A cohort without a variable shows ``not recorded``.
    """
    cohorts = list(clinicals)
    rows: list[dict] = []

    def add(char, level, values):
        rows.append({"characteristic": char, "level": level, **values})

    add("Patients", "N", {c: fmt.count(len(clinicals[c])) for c in cohorts})
    ev, fu = {}, {}
    for c in cohorts:
        d = clinicals[c]
        if event in d and time in d:
            e = pd.to_numeric(d[event], errors="coerce")
            ok = e.notna() & pd.to_numeric(d[time], errors="coerce").notna()
            n_ev = int(e[ok].sum())
            ev[c] = _n_pct(n_ev, int(ok.sum()))
            fu[c] = fmt.months(km_median(pd.to_numeric(d[time], errors="coerce")[ok].to_numpy(float),
                                         (1 - e[ok]).astype(int).to_numpy())["median"])
        else:
            ev[c], fu[c] = "NA", "NA"
    add("Deaths", "n (%)", ev)
    add("Follow-up, months", "median (reverse Kaplan-Meier)", fu)
    skip = {"sample", time, event, "data_origin", "latent_oxphos_TRUTH"}
    variables: list[str] = []
    for c in cohorts:
        for col in clinicals[c].columns:
            if col not in skip and col not in variables:
                variables.append(col)
    pref = ["age", "sex", "eln2017", "eln", "treatment", "response"]
    first_seen = {v: i for i, v in enumerate(variables)}
    variables.sort(key=lambda v: (pref.index(v) if v in pref else len(pref), first_seen[v]))
    for var in variables:
        present = {c: clinicals[c][var] for c in cohorts if var in clinicals[c].columns}
        allv = pd.concat(list(present.values()), ignore_index=True)
        label = "Best response" if var == "response" else var
        if var == "response":
            for code, lab in ((1, "CR/CRi (responder)"), (0, "refractory")):
                add(label, lab, _level_counts(present, cohorts, code, numeric=True))
        elif _is_numeric(pd.to_numeric(allv, errors="coerce")) and \
                pd.to_numeric(allv, errors="coerce").notna().sum() == allv.notna().sum():
            add(var, "median [Q1-Q3]", {c: (_median_iqr(present[c]) if c in present else "not recorded")
                                        for c in cohorts})
        else:
            for lv in _level_order(allv.astype(object)):
                add(var, str(lv), _level_counts(present, cohorts, lv))
        add(label, "missing", {c: (fmt.count(present[c].isna().sum()) if c in present else "not recorded")
                               for c in cohorts})
    if scores is not None and primary:
        vals = {}
        for c in cohorts:
            sc = scores.get(c)
            if sc is None or "signature" not in sc:
                vals[c] = "NA"
                continue
            vals[c] = _median_iqr(sc.loc[sc["signature"] == primary, "score"], sig=True)
        add(f"{primary} score (raw)", "median [Q1-Q3]", vals)
    return pd.DataFrame(rows, columns=[*TABLE1_LEVEL_COLUMNS, *cohorts])


def marker_by_variable(clinical: pd.DataFrame, scores: pd.DataFrame, signature: str,
                       variables: Sequence[str] | None = None) -> pd.DataFrame:
    """Relation of the z-scored marker to clinical variables (REMARK 14).

    ``clinical`` is indexed by sample id. Categorical variables: n, mean and SD (ddof 1)
    of z per level; numeric variables: Spearman correlation with z (level = 'Spearman
    rho'). Returns DataFrame(variable, level, n, mean_z, sd_z, spearman_rho).
    """
    z = scores.loc[scores["signature"] == signature].set_index("sample")["z"].astype(float)
    clin = clinical.copy()
    clin.index = clin.index.astype(str)
    z.index = z.index.astype(str)
    df = clin.join(z.rename("_z"), how="inner")
    skip = {TIME, EVENT, "data_origin", "latent_oxphos_TRUTH"}
    variables = [v for v in (variables or [c for c in clin.columns if c not in skip]) if v in df.columns]
    rows = []
    for v in variables:
        s = df[v]
        if v == "response":
            s = s.map({1: "CR/CRi", 0: "refractory", 1.0: "CR/CRi", 0.0: "refractory"})
        num = pd.to_numeric(s, errors="coerce")
        if v != "response" and _is_numeric(num) and num.notna().sum() == s.notna().sum():
            ok = num.notna()
            rho = num[ok].rank().corr(df.loc[ok, "_z"].rank()) if ok.sum() > 2 else np.nan
            rows.append({"variable": v, "level": "Spearman rho", "n": int(ok.sum()), "mean_z": np.nan,
                         "sd_z": np.nan, "spearman_rho": rho})
            continue
        for lv in _level_order(s.astype(object)):
            zz = df.loc[s == lv, "_z"]
            rows.append({"variable": v, "level": str(lv), "n": len(zz), "mean_z": zz.mean(),
                         "sd_z": zz.std(ddof=1) if len(zz) > 1 else np.nan, "spearman_rho": np.nan})
    return pd.DataFrame(rows, columns=MARKER_COLUMNS)


def score_method_correlations(scores: pd.DataFrame, sensitivity: pd.DataFrame | None) -> pd.DataFrame:
    """Pearson and Spearman correlation of each sensitivity score (singscore, mean z) with the
    ssGSEA score of the same signature in the same samples.
    Returns DataFrame(signature, method, n, pearson, spearman)."""
    rows = []
    if sensitivity is None or scores is None or sensitivity.empty:
        return pd.DataFrame(columns=SCORE_METHOD_COLUMNS)
    for (sig, method), sub in sensitivity.groupby(["signature", "method"], sort=False):
        main = scores.loc[scores["signature"] == sig].set_index("sample")["score"].astype(float)
        main.index = main.index.astype(str)
        s = sub.set_index(sub["sample"].astype(str))["score"].astype(float)
        j = pd.concat([main.rename("a"), s.rename("b")], axis=1, join="inner").dropna()
        rows.append({"signature": sig, "method": method, "n": len(j),
                     "pearson": j["a"].corr(j["b"]) if len(j) > 2 else np.nan,
                     "spearman": j["a"].rank().corr(j["b"].rank()) if len(j) > 2 else np.nan})
    return pd.DataFrame(rows, columns=SCORE_METHOD_COLUMNS)
