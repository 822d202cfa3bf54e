"""The self-contained HTML report a reviewer audits (REMARK / TRIPOD order).

Shape copied from nf-core/differentialabundance: every number is rendered from the
workflow's result tables (never re-estimated here), each section is a module that
can be switched off (``config/reporting.yaml: sections.exclude``), and an appendix
lists every parameter, input checksum, software version and the code revision.

The only numbers derived here are descriptive table construction, each done by a
small pure function that is unit-tested: Table 1 (:func:`table_one`, including the
reverse Kaplan-Meier median follow-up), the mean score by clinical level
(:func:`marker_by_variable`) and the correlation of the sensitivity scores with the
primary ssGSEA score (:func:`sensitivity_correlations`).

The page is self-contained: figures (SVG written by other rules) are embedded inline
(comments, metadata and DOCTYPE removed; element ids prefixed per figure so that
figures do not collide), CSS is inline, no font, script or image is fetched from the
network. One tiny inline script checks in the browser that every figure has a
non-zero size (``document.body.dataset.figuresOk``) for the browser test.

Conventions: HR with 2 decimals and its 95% CI as ``1.30 (1.12-1.50)``; p-values with
2 significant digits, ``< 0.001`` below 0.001 (as in the figures); every numeric cell
carries its unrounded table value in ``data-v`` so a reviewer (or a test) can trace it.
"""
from __future__ import annotations

import datetime as _dt
import html
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .colors import ARM_COLORS, GROUP_COLORS  # the same colours as the figures
from .config import signature_path

SCORE_TERM = "score_per_sd"
MAX_ROWS = 20

# --------------------------------------------------------------------------- REMARK / TRIPOD items
#: REMARK checklist (McShane et al. 2005; Altman et al. 2012, explanation & elaboration).
REMARK_ITEMS: dict[int, str] = {
    1: "Marker examined, study objectives, pre-specified hypotheses",
    2: "Patient characteristics, source, inclusion and exclusion criteria",
    3: "Treatments received and how chosen",
    4: "Type of biological material, preservation and storage",
    5: "Assay method, protocol, quality control, scoring; blinding to outcome",
    6: "Case selection (prospective/retrospective), time period, end of follow-up, median follow-up",
    7: "Definition of all clinical endpoints",
    8: "All candidate variables considered for the models",
    9: "Rationale for sample size; power and detectable effect",
    10: "All statistical methods, model assumptions, missing data",
    11: "Handling of marker values, cutpoint determination",
    12: "Flow of patients, numbers at each stage, reasons for dropout, events",
    13: "Distribution of demographic and prognostic variables and the marker, with missing values",
    14: "Relation of the marker to standard prognostic variables",
    15: "Univariable analyses: marker and outcome (HR, survival, KM plot)",
    16: "Key multivariable analyses: HR with CI for the marker and all variables of the final model",
    17: "Estimated effects with CI from a model with the marker and standard prognostic variables, regardless of significance",
    18: "Further investigations: checking assumptions, sensitivity analyses, internal validation",
    19: "Interpretation in the context of the pre-specified hypotheses; limitations",
    20: "Implications for future research and clinical value",
}

#: Per-cohort reporting items: (key, label, REMARK item, TRIPOD item).
COHORT_ITEMS: list[tuple[str, str, int | None, str | None]] = [
    ("source", "Source of data", 2, "5a"),
    ("eligibility", "Eligibility (inclusion / exclusion)", 2, "5b"),
    ("design", "Design / case selection", 6, "4a"),
    ("recruitment_dates", "Dates of recruitment", 6, "4b"),
    ("treatment", "Treatment and how chosen", 3, "5c"),
    ("specimen", "Specimen (material, storage)", 4, None),
    ("assay", "Assay (RNA-seq protocol)", 5, None),
    ("blinding", "Blinding of assay / scoring to outcome", 5, None),
    ("follow_up", "Follow-up (end, ascertainment)", 6, None),
    ("differences_from_discovery", "Differences from the discovery data", None, "12"),
]

#: Study-level items: (key, label, REMARK item, TRIPOD item).
STUDY_ITEMS: list[tuple[str, str, int | None, str | None]] = [
    ("marker", "Marker", 1, None),
    ("objectives", "Objectives", 1, "3b"),
    ("design", "Study design", None, "4a"),
    ("endpoint_definition", "Endpoint definition", 7, "6a"),
    ("sample_size_rationale", "Sample size rationale", 9, "8"),
    ("funding", "Funding", None, "22"),
    ("conflicts_of_interest", "Competing interests", None, None),
    ("ethics", "Ethics approval and consent", None, None),
    ("interpretation", "Interpretation", 19, "19"),
    ("implications", "Implications", 20, "20"),
]


def missing_flag(remark: int | None = None, tripod: str | None = None) -> str:
    """'MISSING (REMARK item 4)' / 'MISSING (TRIPOD item 22)' / 'MISSING (REMARK item 2; TRIPOD item 5a)'."""
    parts = []
    if remark is not None:
        parts.append(f"REMARK item {remark}")
    if tripod is not None:
        parts.append(f"TRIPOD item {tripod}")
    return "MISSING" + (f" ({'; '.join(parts)})" if parts else "")


# --------------------------------------------------------------------------- formatting
def _finite(x) -> bool:
    try:
        return x is not None and not pd.isna(x) and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def fmt_num(x, digits: int = 2) -> str:
    """Fixed decimals; 'NA' when missing."""
    return f"{float(x):.{digits}f}" if _finite(x) else "NA"


def fmt_hr(x) -> str:
    """Hazard / odds ratio with 2 decimals."""
    return fmt_num(x, 2)


def fmt_ci(est, lo, hi, digits: int = 2) -> str:
    """'1.30 (1.12-1.50)' (as :func:`mitoscore.plots.format_hr`); 'NA' without an estimate."""
    if not _finite(est):
        return "NA"
    return f"{fmt_num(est, digits)} ({fmt_num(lo, digits)}-{fmt_num(hi, digits)})"


def fmt_p(p) -> str:
    """2 significant digits without exponent; '< 0.001' below 0.001 (as the figures)."""
    if not _finite(p):
        return "NA"
    p = float(p)
    if p < 0.001:
        return "< 0.001"
    s = f"{p:#.2g}"  # '#' keeps trailing zeros: 0.0040, 0.10
    if "e" in s:
        s = f"{p:.4f}"
    return s.rstrip(".")


def p_text(p) -> str:
    """'p = 0.0040' / 'p < 0.001' / 'p = NA' for running text."""
    f = fmt_p(p)
    return f"p {f}" if f.startswith("<") else f"p = {f}"


def fmt_int(x) -> str:
    return str(int(round(float(x)))) if _finite(x) else "NA"


def fmt_sig(x, digits: int = 3) -> str:
    """General numbers: ``digits`` significant digits."""
    if not _finite(x):
        return "NA"
    return f"{float(x):.{digits}g}"


def fmt_pct(x, digits: int = 1) -> str:
    return f"{float(x):.{digits}f}%" if _finite(x) else "NA"


def esc(x) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _raw(x) -> str:
    """Unrounded value for data-v (as written in the TSV, %.10g)."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if _finite(x):
        return f"{float(x):.10g}"
    return "NA"


# --------------------------------------------------------------------------- small HTML builders
@dataclass
class Col:
    """A column of a rendered table: source column, header, formatter (None = text)."""
    key: str
    header: str
    fmt: Callable[[Any], str] | None = None
    numeric: bool = False


def C(key, header=None, fmt=None):  # noqa: N802 - tiny constructor
    return Col(key, header or key, fmt, fmt is not None)


def html_table(df: pd.DataFrame | None, cols: Sequence[Col], *, max_rows: int = MAX_ROWS, link: str | None = None,
               caption: str | None = None, row_class: Callable[[dict], str] | None = None,
               cell_html: Callable[[str, dict], str | None] | None = None, table_id: str | None = None,
               empty: str = "no rows") -> str:
    """Render ``df`` with the given columns; truncate to ``max_rows`` with a link to the full TSV."""
    if df is None:
        return f'<p class="na">Not available{": " + _a(link) if link else ""}.</p>'
    cols = [c for c in cols if c.key in df.columns or c.key.startswith("=")]
    out = ['<div class="tw"><table' + (f' id="{esc(table_id)}"' if table_id else "") + ">"]
    if caption:
        out.append(f"<caption>{caption}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{esc(c.header)}</th>" for c in cols) + "</tr></thead><tbody>")
    recs = df.to_dict("records")
    for r in recs[:max_rows]:
        cls = row_class(r) if row_class else ""
        tds = []
        for c in cols:
            custom = cell_html(c.key, r) if cell_html else None
            if custom is not None:
                tds.append(f"<td>{custom}</td>")
                continue
            v = r.get(c.key)
            if c.numeric:
                tds.append(f'<td class="n" data-col="{esc(c.key)}" data-v="{_raw(v)}">{esc(c.fmt(v))}</td>')
            else:
                tds.append(f"<td>{esc('' if v is None or (isinstance(v, float) and np.isnan(v)) else v)}</td>")
        out.append(f'<tr{f" class={chr(34)}{cls}{chr(34)}" if cls else ""}>' + "".join(tds) + "</tr>")
    if not recs:
        out.append(f'<tr><td colspan="{max(len(cols), 1)}" class="na">{esc(empty)}</td></tr>')
    out.append("</tbody></table></div>")
    if len(recs) > max_rows:
        out.append(f'<p class="trunc">Showing {max_rows} of {len(recs)} rows'
                   + (f"; full table: {_a(link)}" if link else "") + ".</p>")
    elif link:
        out.append(f'<p class="src">Source: {_a(link)}</p>')
    return "".join(out)


def _a(link: str | None, text: str | None = None) -> str:
    if not link:
        return ""
    return f'<a href="{esc(link)}">{esc(text or link)}</a>'


def badge(kind: str) -> str:
    """Analysis labels: VALIDATION, DISCOVERY, SECONDARY, EXPLORATORY, SYNTHETIC, MISSING."""
    return f'<span class="badge b-{esc(kind.split()[0].lower())}">{esc(kind)}</span>'


def missing(remark: int | None = None, tripod: str | None = None) -> str:
    return f'<span class="missing">{esc(missing_flag(remark, tripod))}</span>'


def para(text: str) -> str:
    return f"<p>{text}</p>"


def note(text: str, kind: str = "note") -> str:
    return f'<div class="{kind}">{text}</div>'


def details(summary: str, body: str, open_: bool = False) -> str:
    return f"<details{' open' if open_ else ''}><summary>{summary}</summary>{body}</details>"


# --------------------------------------------------------------------------- SVG embedding
_SVG_STRIP = [re.compile(p, re.S) for p in (r"<\?xml.*?\?>", r"<!DOCTYPE.*?>", r"<!--.*?-->",
                                            r"<metadata>.*?</metadata>")]
_ID_RE = re.compile(r'\bid="([^"]+)"')


def embed_svg(svg: str | None, prefix: str, *, label: str = "") -> str:
    """Inline an SVG figure: strip XML prolog, DOCTYPE, comments (matplotlib writes the
    text of every label there, e.g. sample ids) and metadata; prefix every element id
    (and its references) with ``prefix`` so several figures can share one page; make
    it scale to the page width. Returns a ``<figure>`` element."""
    if not svg:
        return f'<p class="na">Figure not available{": " + esc(label) if label else ""}.</p>'
    s = svg
    for rx in _SVG_STRIP:
        s = rx.sub("", s)
    ids = set(_ID_RE.findall(s))
    if ids:
        s = _ID_RE.sub(lambda m: f'id="{prefix}-{m.group(1)}"', s)
        s = re.sub(r'(href=")#([^"]+)"', lambda m: f'{m.group(1)}#{prefix}-{m.group(2)}"'
                   if m.group(2) in ids else m.group(0), s)
        s = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})" if m.group(1) in ids
                   else m.group(0), s)
    # root element: scale with the page (keep the viewBox, drop fixed height)
    m = re.search(r"<svg\b[^>]*>", s)
    if m:
        tag = m.group(0)
        w = re.search(r'\swidth="([\d.]+)(pt|px)?"', tag)
        new = re.sub(r'\s(width|height)="[^"]*"', "", tag)
        maxw = f"max-width:{float(w.group(1)) * (4 / 3 if (w.group(2) or 'pt') == 'pt' else 1):.0f}px;" if w else ""
        new = new.replace("<svg", f'<svg class="fig" role="img" aria-label="{esc(label)}" width="100%" '
                                  f'style="{maxw}height:auto"', 1)
        s = s[:m.start()] + new + s[m.end():]
    return f'<figure class="figure">{s.strip()}<figcaption>{esc(label)}</figcaption></figure>'


# --------------------------------------------------------------------------- pseudonymisation
class Pseudonymiser:
    """Replace sample ids by stable pseudonyms (P0001, P0002, ...).

    Numbering follows the cohort order of the cohort sheet, then the order in which ids
    were registered (validated clinical table order, then ids met elsewhere), so adding a
    cohort at the end of the sheet does not renumber earlier cohorts. The mapping itself
    is never written into the report. Disabled -> identity.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.map: dict[str, str] = {}
        self._rx: re.Pattern | None = None

    def register(self, ids: Iterable) -> None:
        for i in ids:
            i = str(i).strip()
            if i and i not in self.map and i.upper() != "NA":
                self.map[i] = f"P{len(self.map) + 1:04d}"
        self._rx = None

    def id(self, x) -> str:
        if not self.enabled:
            return x
        return self.map.get(str(x), x)

    def text(self, s):
        """Replace every registered id inside free text (e.g. flow reasons)."""
        if not self.enabled or not isinstance(s, str) or not self.map:
            return s
        if self._rx is None:
            keys = sorted(self.map, key=len, reverse=True)
            self._rx = re.compile(r"(?<![\w.-])(" + "|".join(map(re.escape, keys)) + r")(?![\w-])")
        return self._rx.sub(lambda m: self.map[m.group(1)], s)

    def frame(self, df: pd.DataFrame | None, id_cols: Sequence[str] = ("sample",),
              text_cols: Sequence[str] = ()) -> pd.DataFrame | None:
        if df is None or not self.enabled:
            return df
        out = df.copy()
        for c in id_cols:
            if c in out.columns:
                out[c] = out[c].map(self.id)
        for c in text_cols:
            if c in out.columns:
                out[c] = out[c].map(self.text)
        return out


_PREVIEW_RX = re.compile(r":\s*(.+?)(?:,\s*\.\.\.\s*\(\d+ in total\))?$")


def ids_in_flow_reasons(flow: pd.DataFrame | None) -> list[str]:
    """Sample ids listed in flow.tsv reasons ('...: ID1, ID2, ... (N in total)')."""
    if flow is None or "reason" not in flow.columns:
        return []
    out = []
    for r in flow["reason"].dropna().astype(str):
        if ":" not in r:
            continue
        m = _PREVIEW_RX.search(r)
        if m:
            out += [x.strip() for x in m.group(1).split(",") if x.strip() and " " not in x.strip()]
    return out


# --------------------------------------------------------------------------- descriptive tables (pure)
def km_median_simple(time, event) -> float:
    """Kaplan-Meier median (R survfit rule: first time S(t) <= 0.5; midpoint to the next
    event time when S(t) == 0.5 exactly). NaN when S never reaches 0.5."""
    t = np.asarray(time, float)
    e = np.asarray(event, int)
    ok = np.isfinite(t)
    t, e = t[ok], e[ok]
    if len(t) == 0:
        return float("nan")
    times = np.unique(t[e == 1])
    s, surv = 1.0, []
    for u in times:
        n = np.sum(t >= u)
        d = np.sum((t == u) & (e == 1))
        s *= 1 - d / n
        surv.append(s)
    surv = np.asarray(surv)
    for k, sv in enumerate(surv):
        if abs(sv - 0.5) < 1e-12:
            return float((times[k] + times[k + 1]) / 2) if k + 1 < len(times) else float(times[k])
        if sv < 0.5:
            return float(times[k])
    return float("nan")


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and s.dropna().nunique() > 5


def _level_order(values: pd.Series) -> list:
    lv = [x for x in pd.unique(values.dropna())]
    rank = {"favorable": 0, "favourable": 0, "intermediate": 1, "adverse": 2}
    arm = {a.lower(): i for i, a in enumerate(ARM_COLORS)}
    return sorted(lv, key=lambda x: (rank.get(str(x).lower(), 9), arm.get(str(x).lower(), 9), str(x)))


def table_one(clinicals: Mapping[str, pd.DataFrame], scores: Mapping[str, pd.DataFrame] | None = None, *,
              primary: str | None = None, time: str = "os_months", event: str = "os_event") -> pd.DataFrame:
    """Table 1 (REMARK 13): one column per cohort, rows = characteristic / level.

    * N; deaths n (%); median follow-up (reverse Kaplan-Meier, months);
    * numeric variables (> 5 distinct values): median [Q1-Q3] (R quantile type 7), missing n;
    * categorical variables: n (%) per level (percent of non-missing), missing n;
    * ``response`` (1/0): CR/CRi vs refractory;
    * the primary signature's raw score: median [Q1-Q3].
    Returns DataFrame(characteristic, level, <cohort>...) of strings.
    """
    cohorts = list(clinicals)
    rows: list[dict] = []

    def add(char, level, values):
        rows.append({"characteristic": char, "level": level, **values})

    add("Patients", "N", {c: str(len(clinicals[c])) for c in cohorts})
    ev = {}
    fu = {}
    for c in cohorts:
        d = clinicals[c]
        if event in d:
            n_ev = int(pd.to_numeric(d[event], errors="coerce").sum())
            ev[c] = f"{n_ev} ({100 * n_ev / max(len(d), 1):.1f}%)"
            if time in d:
                rev = 1 - pd.to_numeric(d[event], errors="coerce")
                fu[c] = fmt_num(km_median_simple(d[time], rev.fillna(0).astype(int)), 1)
        else:
            ev[c], fu[c] = "NA", "NA"
    add("Deaths", "n (%)", ev)
    add("Follow-up, months", "median (reverse Kaplan-Meier)", fu)
    skip = {"sample", time, event}
    variables = []
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
        if var == "response":
            lab = {1: "CR/CRi (responder)", 0: "refractory"}
            for code in (1, 0):
                vals = {}
                for c in cohorts:
                    s = present.get(c)
                    if s is None:
                        vals[c] = "not recorded"
                        continue
                    s = pd.to_numeric(s, errors="coerce")
                    k, nn = int((s == code).sum()), int(s.notna().sum())
                    vals[c] = f"{k} ({100 * k / nn:.1f}%)" if nn else "0"
                add("Best response", lab[code], vals)
        elif _is_numeric(pd.to_numeric(allv, errors="coerce")) and pd.to_numeric(allv, errors="coerce").notna().all() \
                == allv.notna().all():
            vals = {}
            for c in cohorts:
                s = present.get(c)
                if s is None:
                    vals[c] = "not recorded"
                    continue
                s = pd.to_numeric(s, errors="coerce").dropna()
                vals[c] = (f"{np.median(s):.1f} [{np.quantile(s, 0.25):.1f}-{np.quantile(s, 0.75):.1f}]"
                           if len(s) else "NA")
            add(var, "median [Q1-Q3]", vals)
        else:
            for lv in _level_order(allv.astype(object)):
                vals = {}
                for c in cohorts:
                    s = present.get(c)
                    if s is None:
                        vals[c] = "not recorded"
                        continue
                    k, nn = int((s.astype(object) == lv).sum()), int(s.notna().sum())
                    vals[c] = f"{k} ({100 * k / nn:.1f}%)" if nn else "0"
                add(var, str(lv), vals)
        add(var if var != "response" else "Best response", "missing",
            {c: (str(int(present[c].isna().sum())) if c in present else "not recorded") for c in cohorts})
    if scores is not None and primary:
        vals = {}
        for c in cohorts:
            sc = scores.get(c)
            if sc is None or "signature" not in sc:
                vals[c] = "NA"
                continue
            s = sc.loc[sc["signature"] == primary, "score"].astype(float).dropna()
            vals[c] = f"{np.median(s):.3g} [{np.quantile(s, 0.25):.3g}-{np.quantile(s, 0.75):.3g}]" if len(s) else "NA"
        add(f"{primary} score (raw)", "median [Q1-Q3]", vals)
    return pd.DataFrame(rows, columns=["characteristic", "level", *cohorts])


def marker_by_variable(clinical: pd.DataFrame, scores: pd.DataFrame, signature: str,
                       variables: Sequence[str] | None = None) -> pd.DataFrame:
    """Relation of the z-scored marker to clinical variables (REMARK 14).

    Categorical variables: n, mean and SD of z per level; numeric variables: Spearman
    correlation with z (level = 'Spearman rho'). Returns DataFrame(variable, level, n,
    mean_z, sd_z, spearman_rho).
    """
    z = scores.loc[scores["signature"] == signature].set_index("sample")["z"].astype(float)
    clin = clinical.copy()
    clin.index = clin.index.astype(str)
    z.index = z.index.astype(str)
    df = clin.join(z.rename("_z"), how="inner")
    variables = [v for v in (variables or [c for c in clin.columns if c not in ("os_months", "os_event")])
                 if v in df.columns]
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
    return pd.DataFrame(rows, columns=["variable", "level", "n", "mean_z", "sd_z", "spearman_rho"])


def sensitivity_correlations(scores: pd.DataFrame, sensitivity: pd.DataFrame) -> pd.DataFrame:
    """Pearson and Spearman correlation of each sensitivity score (singscore, mean z) with
    the ssGSEA score of the same signature in the same samples.
    Returns DataFrame(signature, method, n, pearson, spearman)."""
    rows = []
    if sensitivity is None or scores is None or sensitivity.empty:
        return pd.DataFrame(columns=["signature", "method", "n", "pearson", "spearman"])
    for (sig, method), sub in sensitivity.groupby(["signature", "method"], sort=False):
        main = scores.loc[scores["signature"] == sig].set_index("sample")["score"].astype(float)
        main.index = main.index.astype(str)
        s = sub.set_index(sub["sample"].astype(str))["score"].astype(float)
        j = pd.concat([main.rename("a"), s.rename("b")], axis=1, join="inner").dropna()
        rows.append({"signature": sig, "method": method, "n": len(j),
                     "pearson": j["a"].corr(j["b"]) if len(j) > 2 else np.nan,
                     "spearman": j["a"].rank().corr(j["b"].rank()) if len(j) > 2 else np.nan})
    return pd.DataFrame(rows, columns=["signature", "method", "n", "pearson", "spearman"])


# --------------------------------------------------------------------------- context
@dataclass
class CohortData:
    """Everything the report shows about one cohort."""
    name: str
    params: dict                                  # cohort sheet row
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    de: dict[str, pd.DataFrame] = field(default_factory=dict)
    svgs: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)  # table/figure key -> relative link

    @property
    def role(self) -> str:
        return str(self.params.get("role", "validation"))

    def t(self, key: str) -> pd.DataFrame | None:
        return self.tables.get(key)


@dataclass
class ReportContext:
    """All the report needs; built by :func:`load_context` (or by tests from tables)."""
    title: str
    config: dict
    cohorts: dict[str, CohortData]
    summary: dict[str, pd.DataFrame] = field(default_factory=dict)   # hazard_ratios, meta_analysis, leave_one_out
    figures: dict[str, str] = field(default_factory=dict)            # forest
    links: dict[str, str] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)         # checksums, versions, git, run, checksum_mismatch
    reporting: dict = field(default_factory=dict)
    cohort_sheet: pd.DataFrame | None = None
    config_yaml: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def primary(self) -> str:
        return str(self.config.get("primary_signature", "MITOSCORE"))

    @property
    def pseudonymise(self) -> bool:
        return bool(self.config.get("report", {}).get("pseudonymise_ids", False))


#: Per-cohort tables the report reads (key -> path under results/cohorts/{cohort}/).
COHORT_TABLES: dict[str, str] = {
    "clinical": "validated/clinical.tsv",
    "flow": "validated/flow.tsv",
    "input_checksums": "validated/input_checksums.tsv",
    "coverage": "signature_coverage.tsv",
    "qc": "qc/qc.tsv",
    "scores": "scores.tsv",
    "cutpoints": "cutpoints.tsv",
    "sensitivity": "scores_sensitivity.tsv",
    "cox": "survival/cox.tsv",
    "logrank": "survival/logrank.tsv",
    "km_median": "survival/km_median.tsv",
    "cox_zph": "survival/cox_zph.tsv",
    "interaction": "survival/interaction.tsv",
    "discrimination": "survival/discrimination.tsv",
    "response": "survival/response.tsv",
    "maxstat": "survival/maxstat_exploratory.tsv",
    "power": "survival/power.tsv",
    "skipped": "survival/skipped_models.tsv",
    "random_null_summary": "random_null/summary.tsv",
}
#: Per-cohort figures (key -> path); km_<signature> and volcano_<contrast> are added per config.
COHORT_FIGURES: dict[str, str] = {
    "interaction": "survival/interaction.svg",
    "random_null": "random_null/null.svg",
    "scores": "scores.svg",
    "pca": "qc/pca.svg",
    "library_sizes": "qc/library_sizes.svg",
}
SUMMARY_TABLES = {"hazard_ratios": "summary/hazard_ratios.tsv", "meta_analysis": "summary/meta_analysis.tsv",
                  "leave_one_out": "summary/leave_one_out.tsv"}


def _read_table(path: Path) -> pd.DataFrame | None:
    from .io import read_tsv
    if not path.is_file():
        return None
    try:
        return read_tsv(path, dtype={"sample": str})
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def _read_text(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _applies(contrast: dict, row: dict) -> bool:
    try:
        from .config import contrast_applies
        return contrast_applies(contrast, row)
    except Exception:  # noqa: BLE001
        return True


def load_context(*, results_dir: str | os.PathLike, config: dict, cohorts: Mapping[str, dict],
                 report_dir: str | os.PathLike | None = None, reporting_path: str | os.PathLike | None = None,
                 cohort_sheet: str | os.PathLike | None = None, basedir: str | os.PathLike | None = None,
                 workdir: str | os.PathLike | None = None, config_files: Sequence[str | os.PathLike] = (),
                 now: _dt.datetime | None = None) -> ReportContext:
    """Read every result table and figure of the run plus the provenance records.

    ``results_dir`` is the workflow's ``results/`` folder; ``cohorts`` the cohort sheet rows
    (sheet order); ``report_dir`` the folder of index.html (links are relative to it);
    relative input paths (counts, clinical, signatures, cohort sheet) are resolved against
    ``workdir``. Missing files do not raise: the section says 'not available'.
    """
    import yaml

    from . import provenance as prov

    results = Path(results_dir)
    workdir = Path(workdir) if workdir else Path.cwd()
    report_dir = Path(report_dir) if report_dir else results / "report"

    def wpath(p) -> Path:
        p = Path(p)
        return p if p.is_absolute() else workdir / p

    def rel(p: Path) -> str:
        return Path(os.path.relpath(p.resolve(), report_dir.resolve())).as_posix()

    sig_names = [s["name"] for s in config.get("signatures", [])]
    contrasts = config.get("de", {}).get("contrasts", [])
    cdata: dict[str, CohortData] = {}
    for name, row in cohorts.items():
        base = results / "cohorts" / name
        cd = CohortData(name=name, params=dict(row))
        for key, sub in COHORT_TABLES.items():
            p = base / sub
            t = _read_table(p)
            if t is not None:
                cd.tables[key] = t
            cd.links[key] = rel(p)
        figs = dict(COHORT_FIGURES)
        figs.update({f"km_{s}": f"survival/km_{s}.svg" for s in sig_names})
        for con in contrasts:
            if not _applies(con, {"cohort": name, **row}):
                continue
            p = base / "de" / f"{con['name']}.tsv"
            t = _read_table(p)
            if t is not None:
                cd.de[con["name"]] = t
            cd.links[f"de_{con['name']}"] = rel(p)
            figs[f"volcano_{con['name']}"] = f"de/{con['name']}_volcano.svg"
        for key, sub in figs.items():
            txt = _read_text(base / sub)
            if txt is not None:
                cd.svgs[key] = txt
            cd.links[f"fig_{key}"] = rel(base / sub)
        cdata[name] = cd
    summary, links = {}, {}
    for key, sub in SUMMARY_TABLES.items():
        t = _read_table(results / sub)
        if t is not None:
            summary[key] = t
        links[key] = rel(results / sub)
    figures = {}
    forest = _read_text(results / "summary" / "forest.svg")
    if forest is not None:
        figures["forest"] = forest
    links["fig_forest"] = rel(results / "summary" / "forest.svg")

    reporting, warnings = {}, []
    if reporting_path is not None:
        rp = wpath(reporting_path)
        if rp.is_file():
            reporting = yaml.safe_load(rp.read_text(encoding="utf-8")) or {}
        else:
            warnings.append(f"reporting items file not found: {reporting_path} (all items flagged MISSING)")
    sheet_df = None
    if cohort_sheet is not None and wpath(cohort_sheet).is_file():
        sheet_df = pd.read_csv(wpath(cohort_sheet), sep="\t", dtype=str, keep_default_na=False)

    # provenance: inputs first, then the result tables the report read
    files: list[tuple[str, Path]] = []
    for name, row in cohorts.items():
        for key in ("counts", "clinical", "sample_sheet"):
            if row.get(key):
                files.append((f"{key} [{name}]", wpath(row[key])))
    for s in config.get("signatures", []):
        p = signature_path(s)
        if p:
            files.append((f"signature [{s['name']}]", wpath(p)))
    for p in config_files:
        files.append(("config file", wpath(p)))
    if cohort_sheet is not None:
        files.append(("cohort sheet", wpath(cohort_sheet)))
    if reporting_path is not None:
        files.append(("reporting items", wpath(reporting_path)))
    inputs = prov.file_checksums([(r, str(p)) for r, p in files])
    inputs["path"] = [_display_path(p, workdir) for p in inputs["path"]]
    result_files = [(f"result [{n}]", results / "cohorts" / n / sub) for n in cohorts
                    for sub in COHORT_TABLES.values() if (results / "cohorts" / n / sub).is_file()]
    result_files += [("result [summary]", results / sub) for sub in SUMMARY_TABLES.values()
                     if (results / sub).is_file()]
    res_ck = prov.file_checksums([(r, str(p)) for r, p in result_files])
    res_ck["path"] = [_display_path(p, workdir) for p in res_ck["path"]]
    config_yaml = yaml.safe_dump(_plain(config), sort_keys=False, default_flow_style=False, allow_unicode=True)
    import hashlib
    seeds = {"survival": (config.get("survival", {}) or {}).get("seed"),
             "random_sets": _random_sets_cfg(config).get("seed")}
    run = prov.run_info(workdir=workdir, seeds={k: v for k, v in seeds.items() if v is not None}, now=now)
    run["resolved_config_sha256"] = hashlib.sha256(config_yaml.encode()).hexdigest()
    mismatch = _checksum_mismatches(cdata, inputs, workdir)
    ctx = ReportContext(
        title=str(config.get("report", {}).get("title", "MitoScore cohort validation")), config=config,
        cohorts=cdata, summary=summary, figures=figures, links=links, reporting=reporting, cohort_sheet=sheet_df,
        config_yaml=config_yaml, warnings=warnings,
        provenance={"checksums": inputs, "result_checksums": res_ck, "versions": prov.package_versions(),
                    "git": prov.git_state(basedir) if basedir else {"commit": None, "dirty": None, "branch": None,
                                                                     "status": "workflow basedir not given"},
                    "run": run, "checksum_mismatch": mismatch})
    return ctx


def _random_sets_cfg(config: Mapping) -> dict:
    """The random-gene-set settings (key ``random_sets``; ``null`` in early configs)."""
    return dict(config.get("random_sets") or config.get("null") or {})


def validate_reporting(data: Any, schema: Mapping, *, file: str, cohorts: Iterable[str] = ()) -> list[str]:
    """Check the reporting items against ``workflow/schemas/reporting.schema.yaml``.

    Raises :class:`~mitoscore.errors.InputError` naming the file, the key path and the fix
    on a schema violation; returns warnings for cohort entries that match no cohort of the
    sheet (a typo would otherwise flag the real cohort MISSING silently).
    """
    import jsonschema

    from .errors import InputError
    if data is None:
        data = {}
    v = jsonschema.Draft202012Validator(schema)
    errs = sorted(v.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errs:
        e = errs[0]
        where = ".".join(str(x) for x in e.absolute_path) or "(top level)"
        raise InputError(f"reporting items do not match the schema: {e.message}", file=file, column=where,
                         fix="see workflow/schemas/reporting.schema.yaml for the allowed keys (free text values)")
    known = set(cohorts)
    out = []
    for name in (data.get("cohorts") or {}):
        if known and name not in known:
            from .config import nearest
            near = nearest(name, known)
            out.append(f"{file}: cohort '{name}' is not in the cohort sheet"
                       + (f" (did you mean '{near}'?)" if near else "") + "; its items are not shown")
    return out


def _display_path(p: str, workdir: Path) -> str:
    try:
        return Path(os.path.relpath(p, workdir)).as_posix() if Path(p).is_absolute() else p
    except ValueError:
        return p


def _plain(x):
    """Snakemake config objects -> plain dicts/lists for YAML."""
    if isinstance(x, Mapping):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    return x


def _checksum_mismatches(cdata: Mapping[str, CohortData], inputs: pd.DataFrame, workdir: Path) -> list[str]:
    """Inputs whose sha256 now differs from the one recorded when the cohort was validated."""
    out = []
    now = {(r["role"].split(" [")[0], r["role"].split("[")[-1].rstrip("]")): r["sha256"]
           for r in inputs.to_dict("records") if "[" in r["role"]}
    for name, cd in cdata.items():
        ck = cd.t("input_checksums")
        if ck is None or ck.empty:
            continue
        for r in ck.to_dict("records"):
            cur = now.get((r.get("role"), name))
            if cur and cur != r.get("sha256"):
                out.append(f"{name}: {r.get('role')} file {r.get('file')} changed since validation "
                           f"(validated sha256 {str(r.get('sha256'))[:12]}..., now {cur[:12]}...)")
    return out


# --------------------------------------------------------------------------- helpers on the context
def is_synthetic(ctx: ReportContext) -> list[str]:
    """Cohorts whose description, id, reporting data_origin or clinical data_origin say SYNTHETIC."""
    out = []
    rep = (ctx.reporting or {}).get("cohorts", {}) or {}
    for name, cd in ctx.cohorts.items():
        texts = [name, str(cd.params.get("description", "")), str((rep.get(name) or {}).get("data_origin", ""))]
        clin = cd.t("clinical")
        if clin is not None and "data_origin" in clin.columns:
            texts += [str(x) for x in clin["data_origin"].dropna().unique()[:5]]
        if any("SYNTHETIC" in t.upper() for t in texts):
            out.append(name)
    return out


def _label_for(ctx: ReportContext, cd: CohortData, *, signature: str, model: str) -> str:
    """Analysis label: pre-declared primary-signature models -> VALIDATION (validation
    cohorts) / DISCOVERY (discovery cohorts); other signatures -> SECONDARY."""
    if signature != ctx.primary:
        return "SECONDARY"
    return "DISCOVERY" if cd.role == "discovery" else "VALIDATION"


def _sig_order(ctx: ReportContext, sigs: Iterable[str]) -> list[str]:
    conf = [s["name"] for s in ctx.config.get("signatures", [])]
    sigs = list(dict.fromkeys(sigs))
    return sorted(sigs, key=lambda s: (s != ctx.primary, conf.index(s) if s in conf else len(conf), s))


def _order_by_sig(ctx, df: pd.DataFrame | None) -> pd.DataFrame | None:
    if df is None or df.empty or "signature" not in df.columns:
        return df
    order = {s: i for i, s in enumerate(_sig_order(ctx, df["signature"]))}
    return df.assign(_o=df["signature"].map(order)).sort_values("_o", kind="stable").drop(columns="_o")


def _cohort_title(cd: CohortData) -> str:
    role = cd.role
    return f'{esc(cd.name)} {badge(role.upper())}'


def _row_cls(r) -> str:
    return "primary" if r.get("analysis") == "primary" else ""


HR_COLS = [C("hr", "HR", fmt_hr), C("ci_lower", "95% CI lower", fmt_hr), C("ci_upper", "95% CI upper", fmt_hr),
           C("p", "p", fmt_p)]


# --------------------------------------------------------------------------- sections
@dataclass
class Section:
    id: str
    title: str
    render: Callable[[ReportContext, Pseudonymiser], str]
    remark: tuple[int, ...] = ()
    tripod: tuple[str, ...] = ()


def sec_objectives(ctx: ReportContext, ps: Pseudonymiser) -> str:
    st = (ctx.reporting or {}).get("study", {}) or {}
    cut = ctx.config.get("cutpoint", {}) or {}
    rule = cut.get("rule", "median")
    cut_txt = {"median": "median split of the z-scored score (high if z > cohort median)",
               "tertiles": "tertiles of the z-scored score", "quartiles": "quartiles of the z-scored score",
               "fixed": f"fixed cutpoint z > {cut.get('value')} declared in the configuration",
               "discovery_median": "the discovery cohort's median, frozen and applied unchanged to every other "
                                   "cohort (ssGSEA: on the un-normalised enrichment score, which depends only on the "
                                   "sample; weighted sums and genes: on log2 normalised expression); the cut "
                                   "values are in each cohort's Kaplan-Meier section"}.get(rule, rule)
    sigs = [s["name"] for s in ctx.config.get("signatures", [])]
    sc = ctx.config.get("scoring", {}) or {}
    comps = sigs[:] + list(sc.get("single_genes", [])) + [f"{a}_{b}_ratio" for a, b in sc.get("gene_ratios", [])]
    out = []
    for key, label, rem, tri in STUDY_ITEMS[:3]:
        val = st.get(key)
        out.append(f"<p><b>{esc(label)}.</b> " + (esc(val) if val else missing(rem, tri)) + "</p>")
    hyp = st.get("hypotheses") or []
    out.append("<p><b>Pre-specified hypotheses.</b></p>" + (
        "<ul>" + "".join(f"<li>{esc(h)}</li>" for h in hyp) + "</ul>" if hyp else f"<p>{missing(1)}</p>"))
    out.append(
        "<p><b>Pre-declared analysis plan (from the configuration).</b></p><ul>"
        f"<li>Primary signature: <b>{esc(ctx.primary)}</b>. Primary analysis {badge('VALIDATION')}: univariable "
        "Cox proportional-hazards model of overall survival on the score z-scored within each cohort "
        "(hazard ratio per SD, Efron ties), reported unadjusted for multiplicity; in discovery cohorts the "
        f"same analysis is labelled {badge('DISCOVERY')}.</li>"
        f"<li>Pre-declared cut rule for Kaplan-Meier curves and log-rank tests: {esc(cut_txt)}.</li>"
        "<li>Pre-specified multivariable Cox model per cohort (covariates and reference levels from the cohort "
        "sheet; every term is reported regardless of significance).</li>"
        f"<li>Secondary analyses {badge('SECONDARY')}: the other signatures and comparators "
        f"({esc(', '.join(c for c in comps if c != ctx.primary))}); their univariable p-values are "
        "Benjamini-Hochberg adjusted within each cohort (column p (BH)).</li>"
        f"<li>Data-driven cutpoints (maximally selected log-rank statistic) are {badge('EXPLORATORY')} "
        "everywhere and are never presented as validation.</li>"
        "<li>Cross-cohort synthesis: random-effects meta-analysis of log HR per SD "
        f"({esc(ctx.config.get('meta', {}).get('method', 'REML'))}).</li></ul>")
    return "".join(out)


def sec_cohorts(ctx: ReportContext, ps: Pseudonymiser) -> str:
    rep = (ctx.reporting or {}).get("cohorts", {}) or {}
    out = ['<div class="cards">']
    for name, cd in ctx.cohorts.items():
        items = rep.get(name) or {}
        rows = [("Role", esc(cd.role)), ("Cohort sheet description", esc(cd.params.get("description", "")) or
                                         '<span class="na">none</span>')]
        if items.get("data_origin"):
            rows.append(("Data origin", esc(items["data_origin"])))
        for key, label, rem, tri in COHORT_ITEMS:
            v = items.get(key)
            if key == "differences_from_discovery" and cd.role == "discovery" and not v:
                v_html = "Not applicable (discovery cohort)"
            else:
                v_html = esc(v) if v else missing(rem, tri)
            rows.append((label, v_html))
        pw = cd.t("power")
        if pw is not None and len(pw):
            rows.append(("Patients analysed / deaths", f"{fmt_int(pw['n'].iloc[0])} / {fmt_int(pw['events'].iloc[0])}"))
        if not items:
            rows.append(("Note", '<span class="missing">no entry for this cohort in the reporting items file</span>'))
        body = "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in rows)
        out.append(f'<div class="card"><h3>{_cohort_title(cd)}</h3><table class="kv">{body}</table></div>')
    out.append("</div>")
    return "".join(out)


_TIME_FACTORS = {"days": "days / 30.4375", "weeks": "weeks x 7 / 30.4375", "months": "unchanged (months)",
                 "years": "years x 12"}


def sec_endpoints(ctx: ReportContext, ps: Pseudonymiser) -> str:
    st = (ctx.reporting or {}).get("study", {}) or {}
    out = ["<p><b>Endpoint.</b> " + (esc(st["endpoint_definition"]) if st.get("endpoint_definition")
                                     else "Overall survival (OS). " + missing(7, "6a")) + "</p>"]
    rows = []
    for name, cd in ctx.cohorts.items():
        p = cd.params
        rows.append({
            "cohort": name, "time": f"{p.get('time_column', 'NA')} ({p.get('time_unit', 'months')})",
            "conversion": _TIME_FACTORS.get(p.get("time_unit", "months"), p.get("time_unit")),
            "event": f"{p.get('event_column', 'NA')}: " + (p.get("event_coding") or
                                                           "0/1 (1 = death; dead/alive recognised)"),
            "covariates": p.get("covariates", "") or "none",
            "reference": p.get("reference_levels", "") or "none",
            "strata": p.get("strata", "") or "none",
            "treatment": (f"{p.get('treatment_column')} (reference arm: {p.get('reference_arm', 'NA')})"
                          if p.get("treatment_column") else "none"),
            "response": (f"{p.get('response_column')}: {p.get('response_coding', '')}"
                         if p.get("response_column") else "none"),
        })
    df = pd.DataFrame(rows)
    out.append(html_table(df, [C("cohort", "Cohort"), C("time", "Time column (unit)"),
                                C("conversion", "Conversion to months"), C("event", "Event column: coding"),
                                C("covariates", "Covariates (multivariable Cox)"),
                                C("reference", "Reference levels"), C("strata", "Strata"),
                                C("treatment", "Treatment (interaction)"), C("response", "Response coding")],
                          max_rows=100))
    out.append(para("Candidate variables (REMARK 8): the score of each configured signature and comparator, "
                    "and the covariates listed above; no data-driven variable selection is performed."))
    return "".join(out)


def sec_power(ctx: ReportContext, ps: Pseudonymiser) -> str:
    st = (ctx.reporting or {}).get("study", {}) or {}
    rows = []
    for name, cd in ctx.cohorts.items():
        pw = cd.t("power")
        if pw is None or pw.empty:
            rows.append({"cohort": name})
            continue
        r = pw.iloc[0].to_dict()
        cox = cd.t("cox")
        n_par = np.nan
        if cox is not None and not cox.empty:
            mv = cox[(cox["signature"] == ctx.primary) & (cox["model"] == "multivariable")]
            n_par = len(mv) if len(mv) else np.nan
        rows.append({"cohort": name, **r, "mv_parameters": n_par,
                     "epv": (r["events"] / n_par) if _finite(n_par) and n_par else np.nan})
    df = pd.DataFrame(rows)
    out = ["<p><b>Rationale.</b> " + (esc(st["sample_size_rationale"]) if st.get("sample_size_rationale")
                                      else missing(9, "8")) + "</p>",
           para("Smallest hazard ratio detectable with the stated power at two-sided alpha given the "
                "observed number of deaths (Schoenfeld 1983: events = (z<sub>1-&alpha;/2</sub> + "
                "z<sub>power</sub>)<sup>2</sup> / (p(1-p) log(HR)<sup>2</sup>); per SD: p(1-p) replaced by the "
                "variance 1 of the z-scored score). Events per variable (EPV) of the multivariable model."),
           html_table(df, [C("cohort", "Cohort"), C("n", "Patients", fmt_int), C("events", "Deaths", fmt_int),
                           C("detectable_hr_per_sd", "Detectable HR per SD", fmt_hr),
                           C("detectable_hr_median_split", "Detectable HR high vs low (median split)", fmt_hr),
                           C("alpha", "alpha", fmt_sig), C("power", "Power", fmt_sig),
                           C("mv_parameters", "Multivariable parameters", fmt_int),
                           C("epv", "EPV (multivariable)", lambda x: fmt_num(x, 1))], max_rows=100)]
    return "".join(out)


def sec_methods(ctx: ReportContext, ps: Pseudonymiser) -> str:
    cfg = ctx.config
    v = ctx.provenance.get("versions", {}) or {}
    de = cfg.get("de", {}) or {}
    sc = cfg.get("scoring", {}) or {}
    sv = cfg.get("survival", {}) or {}
    nl = _random_sets_cfg(cfg)
    mt = cfg.get("meta", {}) or {}
    cut = cfg.get("cutpoint", {}) or {}

    def ver(k):
        return esc(v.get(k, "version not recorded"))

    sigs = []
    for s in cfg.get("signatures", []):
        kind = "weighted sum of log2 normalised expression (published weights)" if s.get("weights") else \
            f"ssGSEA (alpha = {sc.get('alpha', 0.25)})"
        sigs.append(f"<li><b>{esc(s['name'])}</b> ({esc(s.get('gmt') or s.get('weights'))}): {esc(kind)}"
                    + (f"; {esc(s['description'])}" if s.get("description") else "") + "</li>")
    cov_rows = []
    for name, cd in ctx.cohorts.items():
        cv = cd.t("coverage")
        if cv is not None:
            cov_rows.append(cv.assign(cohort=name))
    cov = pd.concat(cov_rows, ignore_index=True) if cov_rows else None
    p = [
        "<h3>Input validation</h3>",
        para("Count matrices and clinical tables were checked (non-negative integer counts, unique ids, survival "
             "time numeric and non-negative, event coding), gene identifiers harmonised to HGNC symbols "
             "(duplicates aggregated), survival times converted to months (days / 30.4375, years x 12) and "
             "samples matched between counts and clinical data; every exclusion is listed in the patient flow. "
             "Missing data: patients without survival time or event are excluded (flow); complete-case analysis "
             "for multivariable models (the number dropped is in the Cox table, column n)."),
        "<h3>Normalisation and differential expression</h3>",
        para(f"DESeq2-equivalent analysis with pydeseq2 {ver('pydeseq2')} (settings matching DESeq2 1.38 "
             "<code>DESeq()</code> + <code>results()</code>): median-of-ratios size factors, parametric "
             "dispersion trend, Wald test, "
             f"FDR alpha = {esc(de.get('alpha', 0.1))} for independent filtering "
             f"({'on' if de.get('independent_filter', True) else 'off'}), Cook's distance filter "
             f"({'on' if de.get('cooks_filter', True) else 'off'}), outlier replacement and refit for "
             f">= 7 replicates ({'on' if de.get('refit_cooks', True) else 'off'}), "
             f"shrunken log2 fold changes (apeGLM-like, pydeseq2 lfc_shrink) "
             f"{'added' if de.get('lfc_shrink', True) else 'not computed'}; inference back end "
             f"'{esc(de.get('inference', 'fast'))}' ("
             + {"fast": "mitoscore's vectorised inference following R DESeq2's own dispersion search and Wald "
                        "covariance, reproducing DESeq2 1.38",
                "fast-newton": "mitoscore's vectorised inference solving pydeseq2's dispersion problem exactly, "
                               "reproducing pydeseq2 DefaultInference",
                "default": "pydeseq2 DefaultInference"}.get(de.get("inference", "fast"), "see the configuration")
             + "). Variance-stabilising transformation (blind) for QC/PCA; "
             "log2(normalised counts + 1) for scoring. Benjamini-Hochberg adjusted p-values (padj)."),
        "<h3>Signature scores</h3>",
        para("Each signature was scored separately within each cohort (a sample's score never depends on other "
             "cohorts or other signatures): ssGSEA re-implementing the GSVA 1.46 algorithm "
             f"(gseapy {ver('gseapy')} installed for reference), normalised by the range of the signature's scores "
             "over the cohort's samples; weighted signatures as weighted sums; single-gene comparators "
             f"({esc(', '.join(sc.get('single_genes', [])) or 'none')}) as log2 normalised expression and gene "
             f"ratios ({esc(', '.join('/'.join(r) for r in sc.get('gene_ratios', [])) or 'none')}) as log2 differences. "
             f"Every score was z-scored within the cohort (HR per SD). Minimum signature coverage "
             f"{esc(cfg.get('min_signature_coverage', 0.8))}. Sensitivity scores: "
             f"{esc(', '.join(sc.get('sensitivity', [])) or 'none')}. Pre-declared grouping: "
             f"{esc(cut.get('rule', 'median'))}" + (f" (z > {esc(cut.get('value'))})" if cut.get("value") is not None
                                                     else "") + "."),
        "<ul>" + "".join(sigs) + "</ul>",
        html_table(cov, [C("cohort", "Cohort"), C("signature", "Signature"), C("kind", "Kind"),
                         C("n_genes", "Genes", fmt_int), C("n_present", "Present", fmt_int),
                         C("fraction", "Coverage", lambda x: fmt_pct(100 * float(x)) if _finite(x) else "NA"),
                         C("missing", "Missing genes")], max_rows=40) if cov is not None else "",
        "<h3>Survival and response</h3>",
        para(f"Kaplan-Meier estimates with log-log 95% confidence intervals and the R survfit median rule; "
             f"log-rank tests between the pre-declared groups. Cox proportional-hazards models (mitoscore's Efron "
             f"engine, R coxph's Newton-Raphson and convergence rule): univariable per SD (primary), high vs low, "
             "and the pre-specified multivariable model with explicit reference levels (and strata if "
             f"configured). Models with fewer than {esc(sv.get('min_events', 10))} events or fewer than "
             f"{esc(sv.get('min_epv', 5))} events per parameter were not fitted and are listed as skipped. "
             "Proportional hazards checked with the scaled Schoenfeld residual test of R survival 3.x "
             "<code>cox.zph</code> (KM time transform, per term and global). Predictive value: score x treatment "
             "interaction (likelihood-ratio test) and per-arm HR per SD. Discrimination: Harrell's and Uno's C "
             "(R concordance, timewt n/G2, up to the pre-specified tau) and timeROC's marginal time-dependent AUC "
             f"at {esc(', '.join(str(h) for h in sv.get('horizons_months', [])))} months, with percentile bootstrap "
             f"95% CIs ({esc(sv.get('n_bootstrap', 200))} resamples, seed {esc(sv.get('seed'))}); C gain over the "
             "clinical model with Harrell's bootstrap optimism correction. "
             "Response (CR/CRi vs refractory): logistic regression odds ratio per SD (Wald CI) and AUROC "
             "(DeLong CI). Schoenfeld detectable HR. Exploratory data-driven cutpoints: maximally selected "
             "log-rank statistic with the Lau (1994) and Lau (1992) p-value approximations. "
             "Secondary univariable tests are BH adjusted within cohort."),
        "<h3>Random-signature null and comparators</h3>",
        para(f"{esc(nl.get('n_random_sets', 200))} random gene sets of each signature's size "
             f"({'matched on mean expression' if nl.get('match_expression', True) else 'unmatched'}, seed "
             f"{esc(nl.get('seed'))}) were scored and modelled exactly like the signature (univariable Cox per SD); "
             "draws whose Cox model did not converge are excluded and counted; over the n valid draws "
             "the empirical p is (1 + #{|z<sub>random</sub>| >= |z<sub>observed</sub>|}) / (n + 1)."),
        "<h3>Meta-analysis</h3>",
        para(f"Random-effects meta-analysis of log HR per SD (SE from the Wald CI), tau<sup>2</sup> estimator "
             f"{esc(mt.get('method', 'REML'))}, {'Hartung-Knapp' if mt.get('test') == 'knha' else 'z'} "
             "inference (as metafor rma), I<sup>2</sup>, Cochran's Q, 95% prediction interval, and leave-one-cohort-out "
             "analysis for the primary signature (3 or more cohorts)."),
        "<h3>Software</h3>",
        para("Python " + ver("python") + ", Snakemake " + ver("snakemake") + ", pandas " + ver("pandas")
             + ", numpy " + ver("numpy") + ", scipy " + ver("scipy") + ", pydeseq2 " + ver("pydeseq2")
             + ", gseapy " + ver("gseapy") + ", lifelines " + ver("lifelines") + ", matplotlib "
             + ver("matplotlib") + ", mitoscore " + ver("mitoscore") + " (full list in the appendix)."),
    ]
    return "".join(p)


def sec_flow(ctx: ReportContext, ps: Pseudonymiser) -> str:
    out = []
    for name, cd in ctx.cohorts.items():
        out.append(f"<h3>{_cohort_title(cd)}</h3>")
        flow = ps.frame(cd.t("flow"), id_cols=(), text_cols=("reason",))
        out.append(html_table(flow, [C("step", "Step"), C("n_before", "n before", fmt_int),
                                     C("n_after", "n after", fmt_int), C("n_excluded", "Excluded", fmt_int),
                                     C("reason", "Reason")], link=cd.links.get("flow"), max_rows=50))
        qc = cd.t("qc")
        if qc is not None and "outlier" in qc.columns:
            flagged = qc[qc["outlier"].astype(str).str.lower().isin(["true", "1"])]
            out.append(para(f"RNA-seq QC: {len(qc)} samples, {len(flagged)} flagged as outliers "
                            "(flagged, not excluded; see the QC figures)."))
            if len(flagged):
                out.append(html_table(ps.frame(flagged, id_cols=("sample",), text_cols=("reason",)),
                                      [C("sample", "Sample" + (" (pseudonym)" if ps.enabled else "")),
                                       C("library_size", "Library size", fmt_int),
                                       C("detected_genes", "Detected genes", fmt_int), C("reason", "Reason")],
                                      link=cd.links.get("qc")))
        figs = [embed_svg(cd.svgs.get("library_sizes"), f"{name}-lib", label=f"{name}: library sizes")]
        if ps.enabled and cd.svgs.get("pca"):
            figs.append(note("PCA figure left out: it labels outlier samples with their real ids "
                             f"(pseudonymise_ids is on). File: {_a(cd.links.get('fig_pca'))}"))
        else:
            figs.append(embed_svg(cd.svgs.get("pca"), f"{name}-pca", label=f"{name}: PCA of VST"))
        out.append(details("QC figures", '<div class="grid2">' + "".join(figs) + "</div>"))
        sk = cd.t("skipped")
        if sk is not None and len(sk):
            out.append(para(f"Models not fitted ({len(sk)}):") +
                       html_table(sk, [C("signature", "Signature"), C("model", "Model"), C("reason", "Reason")],
                                  link=cd.links.get("skipped")))
    return "".join(out)


def sec_table1(ctx: ReportContext, ps: Pseudonymiser) -> str:
    clin = {n: cd.t("clinical") for n, cd in ctx.cohorts.items() if cd.t("clinical") is not None}
    if not clin:
        return para('<span class="na">validated clinical tables not available</span>')
    t1 = table_one(clin, {n: cd.t("scores") for n, cd in ctx.cohorts.items() if cd.t("scores") is not None},
                   primary=ctx.primary)
    cols = [C("characteristic", "Characteristic"), C("level", "")] + [C(c, c) for c in clin]
    return (para("Patients as analysed (validated clinical tables, after the exclusions of the patient flow). "
                 "Percentages of non-missing values; 'missing' rows count missing values.")
            + html_table(t1, cols, max_rows=500, table_id="table-one"))


def sec_marker_clinical(ctx: ReportContext, ps: Pseudonymiser) -> str:
    out = [para(f"Mean z-scored {esc(ctx.primary)} score by level of each clinical variable (numeric variables: "
                "Spearman correlation).")]
    for name, cd in ctx.cohorts.items():
        clin, sc = cd.t("clinical"), cd.t("scores")
        out.append(f"<h3>{_cohort_title(cd)}</h3>")
        if clin is None or sc is None:
            out.append(para('<span class="na">not available</span>'))
            continue
        mb = marker_by_variable(clin.set_index("sample"), sc, ctx.primary)
        out.append(html_table(mb, [C("variable", "Variable"), C("level", "Level"), C("n", "n", fmt_int),
                                   C("mean_z", "Mean z", fmt_num), C("sd_z", "SD z", fmt_num),
                                   C("spearman_rho", "Spearman rho", fmt_num)], max_rows=60))
        out.append(details("Score distributions of all signatures",
                           embed_svg(cd.svgs.get("scores"), f"{name}-scores", label=f"{name}: z-scored scores")))
    return "".join(out)


def sec_km(ctx: ReportContext, ps: Pseudonymiser) -> str:
    out = [para("Kaplan-Meier curves by the pre-declared groups, median OS (months) with 95% CI and the log-rank "
                f"test. Group colours are the same in every figure: "
                + " ".join(f'<span class="swatch" style="background:{c}"></span>{esc(g)}'
                           for g, c in GROUP_COLORS.items() if g in ("high", "low", "intermediate")) + ".")]
    for name, cd in ctx.cohorts.items():
        out.append(f"<h3>{_cohort_title(cd)}</h3>")
        out.append(embed_svg(cd.svgs.get(f"km_{ctx.primary}"), f"{name}-km-{ctx.primary}",
                             label=f"{name}: {ctx.primary}, Kaplan-Meier by pre-declared groups"))
        med = _order_by_sig(ctx, cd.t("km_median"))
        if med is not None:
            med = med.assign(median_ci=[fmt_ci(r["median"], r["median_lcl"], r["median_ucl"], 1)
                                        for r in med.to_dict("records")])
        out.append(html_table(med, [C("signature", "Signature"), C("group", "Group"), C("n", "n", fmt_int),
                                    C("events", "Deaths", fmt_int),
                                    C("median", "Median OS", lambda x: fmt_num(x, 1)),
                                    C("median_lcl", "95% CI lower", lambda x: fmt_num(x, 1)),
                                    C("median_ucl", "95% CI upper", lambda x: fmt_num(x, 1))],
                              link=cd.links.get("km_median"),
                              row_class=lambda r: "primary" if r.get("signature") == ctx.primary else ""))
        cp = _order_by_sig(ctx, cd.t("cutpoints"))
        if cp is not None and len(cp):
            out.append(html_table(cp, [C("signature", "Signature"), C("rule", "Cut rule"),
                                       C("scale", "Scale"), C("boundary", "Groups"), C("cut", "Cut", fmt_sig),
                                       C("source", "Source of the cut"), C("n_above", "n above", fmt_int)],
                                  link=cd.links.get("cutpoints"),
                                  row_class=lambda r: "primary" if r.get("signature") == ctx.primary else ""))
        lr = _order_by_sig(ctx, cd.t("logrank"))
        out.append(html_table(lr, [C("signature", "Signature"), C("grouping", "Grouping"), C("n", "n", fmt_int),
                                   C("events", "Deaths", fmt_int), C("chisq", "Chi-square", fmt_num),
                                   C("df", "df", fmt_int), C("p", "Log-rank p", fmt_p)],
                              link=cd.links.get("logrank"),
                              row_class=lambda r: "primary" if r.get("signature") == ctx.primary else ""))
        others = [k for k in cd.svgs if k.startswith("km_") and k != f"km_{ctx.primary}"]
        if others:
            out.append(details("Kaplan-Meier curves of the other signatures " + badge("SECONDARY"),
                               '<div class="grid2">' + "".join(
                                   embed_svg(cd.svgs[k], f"{name}-{k}", label=f"{name}: {k[3:]}") for k in others)
                               + "</div>"))
    return "".join(out)


def _cox_cols(with_bh=True):
    cols = [C("signature", "Signature"), C("model", "Model"), C("term", "Term"), *HR_COLS]
    if with_bh:
        cols.append(C("p_bh", "p (BH)", fmt_p))
    return cols + [C("n", "n", fmt_int), C("events", "Deaths", fmt_int), C("label", "Label")]


def sec_cox(ctx: ReportContext, ps: Pseudonymiser) -> str:
    out = [para("Univariable Cox models (HR per SD of the z-scored score) for every signature and comparator, and "
                "the full pre-specified multivariable model: every term is shown regardless of significance "
                "(REMARK 16-17). The primary analysis row is highlighted.")]
    for name, cd in ctx.cohorts.items():
        cox = cd.t("cox")
        out.append(f"<h3>{_cohort_title(cd)}</h3>")
        if cox is None:
            out.append(html_table(None, [], link=cd.links.get("cox")))
            continue
        cox = cox.assign(label=[_label_for(ctx, cd, signature=r["signature"], model=r["model"])
                                for r in cox.to_dict("records")])
        uni = _order_by_sig(ctx, cox[cox["model"].isin(["univariable", "group"])])
        out.append("<h4>Univariable (per SD) and high vs low</h4>")
        out.append(html_table(uni, _cox_cols(), link=cd.links.get("cox"), row_class=_row_cls, max_rows=40,
                              cell_html=_label_cell))
        mv = cox[cox["model"] == "multivariable"]
        out.append("<h4>Pre-specified multivariable model</h4>")
        if mv.empty:
            out.append(para('<span class="na">No multivariable model (no covariates configured, or skipped: see '
                            'the patient flow section).</span>'))
        else:
            pm = mv[mv["signature"] == ctx.primary]
            dropped = pm["n_dropped_missing"].iloc[0] if "n_dropped_missing" in pm and len(pm) else np.nan
            out.append(para(f"{esc(ctx.primary)} + {esc(cd.params.get('covariates', ''))}"
                            + (f"; strata: {esc(cd.params['strata'])}" if cd.params.get("strata") else "")
                            + (f"; reference levels: {esc(cd.params['reference_levels'])}"
                               if cd.params.get("reference_levels") else "")
                            + (f"; {fmt_int(dropped)} patients dropped for missing covariates" if _finite(dropped)
                               else "") + "."))
            out.append(html_table(pm, _cox_cols(False), link=cd.links.get("cox"), cell_html=_label_cell,
                                  max_rows=60))
            rest = _order_by_sig(ctx, mv[mv["signature"] != ctx.primary])
            if len(rest):
                out.append(details("Multivariable models of the other signatures " + badge("SECONDARY"),
                                   html_table(rest, _cox_cols(False), link=cd.links.get("cox"), max_rows=200,
                                              cell_html=_label_cell)))
    hr = ctx.summary.get("hazard_ratios")
    if hr is not None:
        out.append("<h3>All cohorts: HR per SD</h3>")
        hr = _order_by_sig(ctx, hr)
        out.append(html_table(hr, [C("cohort", "Cohort"), C("signature", "Signature"), C("model", "Model"),
                                   *HR_COLS, C("n", "n", fmt_int), C("events", "Deaths", fmt_int)],
                              link=ctx.links.get("hazard_ratios"), max_rows=40))
    return "".join(out)


def _label_cell(key: str, r: dict) -> str | None:
    if key == "label":
        return badge(str(r.get("label", "")))
    return None


def sec_ph(ctx: ReportContext, ps: Pseudonymiser) -> str:
    out = [para("Scaled Schoenfeld residual tests (R survival 3.x <code>cox.zph</code>, KM transform), per term and "
                "GLOBAL. Rows with p < 0.05 are highlighted: proportional hazards is doubtful for that term.")]
    for name, cd in ctx.cohorts.items():
        z = _order_by_sig(ctx, cd.t("cox_zph"))
        out.append(f"<h3>{_cohort_title(cd)}</h3>")
        shown = z
        if z is not None and not z.empty:
            shown = z[(z["signature"] == ctx.primary) | (z["p"] < 0.05)]
        out.append(html_table(shown, [C("signature", "Signature"), C("model", "Model"), C("term", "Term"),
                                      C("chisq", "Chi-square", fmt_num), C("df", "df", fmt_int), C("p", "p", fmt_p)],
                              link=cd.links.get("cox_zph"), max_rows=60,
                              row_class=lambda r: "warn" if _finite(r.get("p")) and r["p"] < 0.05 else ""))
        if z is not None and shown is not None and len(z) > len(shown):
            out.append(para(f'<span class="trunc">{len(z) - len(shown)} further rows (other signatures, all '
                            "p &ge; 0.05) are in the full table.</span>"))
        if z is not None and not z.empty:
            bad = z[(z["p"] < 0.05)]
            if len(bad):
                terms = ", ".join(sorted({f"{r['signature']}/{r['model']}/{r['term']}" for r in bad.to_dict('records')}))
                out.append(note(
                    f"<b>Proportional hazards violated (p < 0.05)</b> for {esc(terms)}. Remedy: for a clinical "
                    "covariate, stratify the Cox model on it (cohort sheet column <code>strata</code>); for the "
                    "score, report a time-varying coefficient (e.g. HR per SD in time windows, or score x log(time)) "
                    "or restricted mean survival time instead of a single HR.", "warnbox"))
            else:
                out.append(para("No term with p < 0.05."))
    return "".join(out)


def sec_discrimination(ctx: ReportContext, ps: Pseudonymiser) -> str:
    out = []
    for name, cd in ctx.cohorts.items():
        out.append(f"<h3>{_cohort_title(cd)}</h3>")
        d = _order_by_sig(ctx, cd.t("discrimination"))
        cols = [C("signature", "Signature"), C("n", "n", fmt_int), C("events", "Deaths", fmt_int)]
        if d is not None:
            for base, lab in (("harrell_c", "Harrell C"), ("uno_c", "Uno C")):
                if base in d.columns:
                    cols += [C(base, lab, fmt_num), C(f"{base}_lower", "95% CI lower", fmt_num),
                             C(f"{base}_upper", "95% CI upper", fmt_num)]
            cols += [C(c, c.replace("auc_", "AUC ").replace("m", " months") if c.startswith("auc_") else c, fmt_num)
                     for c in d.columns if c.startswith("auc_")]
            cols += [C(c, c.replace("cgain_", "C gain: ").replace("_", " "), fmt_num) for c in d.columns
                     if c.startswith("cgain_")]
        out.append("<h4>Discrimination (survival)</h4>")
        out.append(html_table(d, cols, link=cd.links.get("discrimination"),
                              row_class=lambda r: "primary" if r.get("signature") == ctx.primary else ""))
        r = _order_by_sig(ctx, cd.t("response"))
        out.append("<h4>Response: CR/CRi vs refractory</h4>")
        out.append(html_table(r, [C("signature", "Signature"), C("n", "n", fmt_int),
                                  C("n_responders", "CR/CRi", fmt_int), C("odds_ratio", "OR per SD", fmt_hr),
                                  C("or_ci_lower", "95% CI lower", fmt_hr), C("or_ci_upper", "95% CI upper", fmt_hr),
                                  C("or_p", "p", fmt_p), C("auroc", "AUROC", fmt_num),
                                  C("auroc_ci_lower", "95% CI lower", fmt_num),
                                  C("auroc_ci_upper", "95% CI upper", fmt_num)],
                              link=cd.links.get("response"),
                              row_class=lambda r: "primary" if r.get("signature") == ctx.primary else ""))
    return "".join(out)


def sec_interaction(ctx: ReportContext, ps: Pseudonymiser) -> str:
    out = [para("Is the score predictive of treatment benefit? HR per SD within each treatment arm from the Cox "
                "model with score x treatment interaction; the likelihood-ratio test compares it with the model "
                "without interaction. Arm colours: "
                + " ".join(f'<span class="swatch" style="background:{c}"></span>{esc(a)}'
                           for a, c in ARM_COLORS.items()) + ".")]
    for name, cd in ctx.cohorts.items():
        it = _order_by_sig(ctx, cd.t("interaction"))
        out.append(f"<h3>{_cohort_title(cd)}</h3>")
        if it is None or it.empty:
            out.append(para('<span class="na">No interaction analysis (no treatment column / reference arm, '
                            'or skipped).</span>'))
            continue
        prim = it[it["signature"] == ctx.primary]
        if len(prim):
            r = prim.iloc[0]
            out.append(para(f"{esc(ctx.primary)}: interaction likelihood-ratio chi-square "
                            f"{fmt_num(r.get('lr_chisq'))} on {fmt_int(r.get('lr_df'))} df, "
                            f"{p_text(r.get('lr_p'))} (reference arm {esc(r.get('reference_arm'))}). "
                            + badge(_label_for(ctx, cd, signature=ctx.primary, model="interaction"))))
        out.append(embed_svg(cd.svgs.get("interaction"), f"{name}-int", label=f"{name}: {ctx.primary} by arm"))
        out.append(html_table(it, [C("signature", "Signature"), C("arm", "Arm"), *HR_COLS, C("n", "n", fmt_int),
                                   C("events", "Deaths", fmt_int), C("lr_p", "Interaction p (LR)", fmt_p)],
                              link=cd.links.get("interaction"), max_rows=30,
                              row_class=lambda r: "primary" if r.get("signature") == ctx.primary else ""))
    return "".join(out)


def sec_null(ctx: ReportContext, ps: Pseudonymiser) -> str:
    out = [para("Is the signature better than chance and than established comparators? Random gene sets of the "
                "same size, scored and modelled like the signature (Venet et al. 2011), and the comparators "
                "(LSC17, Hallmark OXPHOS, BCL2, MCL1, BCL2/MCL1) in the same univariable model.")]
    for name, cd in ctx.cohorts.items():
        out.append(f"<h3>{_cohort_title(cd)}</h3>")
        ns = _order_by_sig(ctx, cd.t("random_null_summary"))
        out.append(html_table(ns, [C("signature", "Signature"), C("kind", "Kind"), C("size", "Genes", fmt_int),
                                   C("n_random", "Random sets", fmt_int), C("observed_hr", "Observed HR per SD", fmt_hr),
                                   C("observed_z", "Observed Wald z", fmt_num),
                                   C("percentile_abs_z", "Percentile of |z| among random", lambda x: fmt_num(x, 1)),
                                   C("empirical_p", "Empirical p", fmt_p),
                                   C("null_median_abs_z", "Median |z| of random sets", fmt_num)],
                              link=cd.links.get("random_null_summary"),
                              row_class=lambda r: "primary" if r.get("signature") == ctx.primary else ""))
        out.append(embed_svg(cd.svgs.get("random_null"), f"{name}-null", label=f"{name}: random gene-set null"))
        cox = cd.t("cox")
        if cox is not None and not cox.empty:
            comp = _order_by_sig(ctx, cox[(cox["model"] == "univariable") & (cox["term"] == SCORE_TERM)])
            comp = comp.assign(label=[_label_for(ctx, cd, signature=s, model="univariable") for s in comp["signature"]])
            out.append("<h4>Signature vs comparators (univariable HR per SD)</h4>")
            out.append(html_table(comp, [C("signature", "Signature / comparator"), C("kind", "Kind"), *HR_COLS,
                                         C("p_bh", "p (BH)", fmt_p), C("concordance", "Concordance", fmt_num),
                                         C("label", "Label")],
                                  link=cd.links.get("cox"), row_class=_row_cls, cell_html=_label_cell))
    return "".join(out)


def sec_sensitivity(ctx: ReportContext, ps: Pseudonymiser) -> str:
    out = [para("Robustness of the score to the scoring method: correlation of singscore and mean z with the ssGSEA "
                "score (same genes, same samples).")]
    for name, cd in ctx.cohorts.items():
        out.append(f"<h3>{_cohort_title(cd)}</h3>")
        sc, se = cd.t("scores"), cd.t("sensitivity")
        if sc is not None and se is not None:
            corr = _order_by_sig(ctx, sensitivity_correlations(sc, se))
            out.append(html_table(corr, [C("signature", "Signature"), C("method", "Method"), C("n", "n", fmt_int),
                                         C("pearson", "Pearson r", fmt_num), C("spearman", "Spearman rho", fmt_num)],
                                  link=cd.links.get("sensitivity")))
        ms = _order_by_sig(ctx, cd.t("maxstat"))
        out.append(f"<h4>Data-driven cutpoint {badge('EXPLORATORY')}</h4>")
        out.append(note("EXPLORATORY: the maximally selected log-rank cutpoint is chosen on the outcome of this "
                        "cohort; it over-states the separation and is not a validation result. The pre-declared "
                        "groups are in the Kaplan-Meier section.", "warnbox"))
        out.append(html_table(ms, [C("signature", "Signature"), C("analysis", "Analysis"),
                                   C("statistic", "Max statistic", fmt_num), C("cutpoint", "Cutpoint (score)", fmt_sig),
                                   C("n_high", "n above cutpoint", fmt_int), C("n_cuts", "Cuts searched", fmt_int),
                                   C("p_lau94", "p (Lau 1994)", fmt_p), C("p_lau92", "p (Lau 1992)", fmt_p),
                                   C("=label", "Label")],
                              link=cd.links.get("maxstat"),
                              cell_html=lambda k, r: badge("EXPLORATORY") if k == "=label" else None))
    return "".join(out)


def sec_de(ctx: ReportContext, ps: Pseudonymiser) -> str:
    alpha = float(ctx.config.get("de", {}).get("alpha", 0.1))
    cons = {c["name"]: c for c in ctx.config.get("de", {}).get("contrasts", [])}
    out = [para(f"Differential expression per contrast: genes with padj < {alpha:g}, the top 20 genes by padj, "
                "the volcano plot and a link to the full table.")]
    for name, cd in ctx.cohorts.items():
        out.append(f"<h3>{_cohort_title(cd)}</h3>")
        if not cd.de and not any(k.startswith("de_") for k in cd.links):
            out.append(para('<span class="na">No contrast applies to this cohort.</span>'))
        for cname in [k[3:] for k in cd.links if k.startswith("de_")]:
            con = cons.get(cname, {})
            var = f"{con.get('signature')} groups" if con.get("signature") else con.get("column", "")
            out.append(f"<h4>{esc(cname)}: {esc(con.get('test'))} vs {esc(con.get('reference'))} ({esc(var)})</h4>")
            de = cd.de.get(cname)
            if de is None:
                out.append(html_table(None, [], link=cd.links.get(f"de_{cname}")))
                continue
            padj = pd.to_numeric(de.get("padj"), errors="coerce")
            lfc = pd.to_numeric(de.get("log2FoldChange"), errors="coerce")
            sig = padj < alpha
            out.append(para(f"{len(de)} genes; {int(padj.notna().sum())} with an adjusted p-value (after "
                            f"independent filtering); <b>{int(sig.sum())}</b> with padj &lt; {alpha:g} "
                            f"({int((sig & (lfc > 0)).sum())} up, {int((sig & (lfc < 0)).sum())} down in "
                            f"{esc(con.get('test'))})."))
            top = de.assign(_p=padj).sort_values("_p", kind="stable").drop(columns="_p")
            out.append(html_table(top, [C("gene", "Gene"), C("baseMean", "Base mean", lambda x: fmt_num(x, 1)),
                                        C("log2FoldChange", "log2 FC", fmt_num),
                                        C("log2FoldChange_shrunk", "log2 FC (shrunk)", fmt_num),
                                        C("lfcSE", "SE", fmt_num), C("pvalue", "p", fmt_p), C("padj", "padj", fmt_p)],
                                  link=cd.links.get(f"de_{cname}")))
            out.append(embed_svg(cd.svgs.get(f"volcano_{cname}"), f"{name}-vol-{cname}",
                                 label=f"{name}: volcano, {cname}"))
    return "".join(out)


def sec_meta(ctx: ReportContext, ps: Pseudonymiser) -> str:
    out = []
    ma = _order_by_sig(ctx, ctx.summary.get("meta_analysis"))
    if ma is not None and not ma.empty:
        prim = ma[(ma["signature"] == ctx.primary) & (ma["model"] == "univariable")]
        if len(prim):
            r = prim.iloc[0]
            out.append(note(
                f"<b>Primary, pooled:</b> {esc(ctx.primary)} univariable HR per SD "
                f"<b>{fmt_ci(r['hr'], r['ci_lower'], r['ci_upper'])}</b>, {p_text(r['p'])}; k = {fmt_int(r['k'])} "
                f"cohorts; I<sup>2</sup> = {fmt_pct(r.get('I2'))}, tau<sup>2</sup> = {fmt_sig(r.get('tau2'))}, "
                f"Q {p_text(r.get('QEp'))}; 95% prediction interval "
                f"{fmt_hr(r.get('pi_lower'))}-{fmt_hr(r.get('pi_upper'))} ({esc(r.get('method'))}, "
                f"{esc(r.get('test'))}).", "keybox"))
            if _finite(r.get("k")) and int(r["k"]) < 3:
                out.append(note("With fewer than 3 cohorts tau<sup>2</sup>, I<sup>2</sup> and the prediction interval "
                                "are very imprecise (the prediction interval equals the CI when tau<sup>2</sup> = 0)."))
    out.append(embed_svg(ctx.figures.get("forest"), "forest", label=f"{ctx.primary}: HR per SD across cohorts"))
    out.append(html_table(ma, [C("signature", "Signature"), C("model", "Model"), C("k", "Cohorts", fmt_int),
                               *HR_COLS, C("I2", "I2 (%)", lambda x: fmt_num(x, 1)), C("tau2", "tau2", fmt_sig),
                               C("QEp", "Q p", fmt_p), C("pi_lower", "PI lower", fmt_hr),
                               C("pi_upper", "PI upper", fmt_hr), C("method", "Method"), C("analysis", "Analysis")],
                          link=ctx.links.get("meta_analysis"), row_class=_row_cls, max_rows=40))
    loo = ctx.summary.get("leave_one_out")
    out.append("<h3>Leave-one-cohort-out</h3>")
    if loo is None or loo.empty:
        out.append(para('<span class="na">Not computed (needs 3 or more cohorts).</span>'))
    else:
        loo = loo.assign(hr=np.exp(loo["estimate"]), ci_lower=np.exp(loo["ci_lb"]), ci_upper=np.exp(loo["ci_ub"]))
        out.append(html_table(loo, [C("signature", "Signature"), C("model", "Model"), C("left_out", "Left out"),
                                    C("hr", "Pooled HR", fmt_hr), C("ci_lower", "95% CI lower", fmt_hr),
                                    C("ci_upper", "95% CI upper", fmt_hr), C("pval", "p", fmt_p),
                                    C("I2", "I2 (%)", lambda x: fmt_num(x, 1)), C("tau2", "tau2", fmt_sig)],
                              link=ctx.links.get("leave_one_out")))
    return "".join(out)


def detected_limitations(ctx: ReportContext) -> list[str]:
    """Limitations the report can see in the results and configuration."""
    out = []
    syn = is_synthetic(ctx)
    if syn:
        out.append(f"SYNTHETIC demo data ({', '.join(syn)}): not real patients; no clinical conclusion can be drawn.")
    for s in ctx.config.get("signatures", []):
        if s["name"] == ctx.primary:
            p = str(signature_path(s) or "")
            if "proxy" in p.lower() or "proxy" in str(s.get("description", "")).lower():
                out.append(f"The primary signature {ctx.primary} is a proxy ({p}), not the published gene list.")
    for name, cd in ctx.cohorts.items():
        pw = cd.t("power")
        if pw is not None and len(pw) and _finite(pw["events"].iloc[0]) and pw["events"].iloc[0] < 100:
            out.append(f"{name}: {fmt_int(pw['events'].iloc[0])} deaths; the detectable HR per SD at 80% power is "
                       f"{fmt_hr(pw['detectable_hr_per_sd'].iloc[0])}.")
        sk = cd.t("skipped")
        if sk is not None and len(sk):
            out.append(f"{name}: {len(sk)} model(s) could not be fitted (listed in the patient flow section).")
        z = cd.t("cox_zph")
        if z is not None and not z.empty and (z["p"] < 0.05).any():
            out.append(f"{name}: proportional-hazards assumption doubtful for some terms (PH diagnostics).")
        if cd.role == "discovery":
            out.append(f"{name} is a discovery cohort: its results are not an independent validation.")
    ma = ctx.summary.get("meta_analysis")
    if ma is not None and not ma.empty and "k" in ma and ma["k"].max() < 3:
        out.append("Fewer than 3 cohorts: heterogeneity (tau2, I2) cannot be estimated reliably.")
    return out


def sec_limitations(ctx: ReportContext, ps: Pseudonymiser) -> str:
    st = (ctx.reporting or {}).get("study", {}) or {}
    given = st.get("limitations") or []
    out = ["<h3>Stated by the investigators</h3>",
           "<ul>" + "".join(f"<li>{esc(x)}</li>" for x in given) + "</ul>" if given else para(missing(19, "18")),
           "<h3>Detected from the results and configuration</h3>",
           "<ul>" + "".join(f"<li>{esc(x)}</li>" for x in detected_limitations(ctx)) + "</ul>"]
    for key in ("interpretation", "implications"):
        lab = dict((k, (lab, rem, tri)) for k, lab, rem, tri in STUDY_ITEMS)[key]
        out.append(f"<p><b>{esc(lab[0])}.</b> " + (esc(st[key]) if st.get(key) else missing(lab[1], lab[2])) + "</p>")
    for key in ("funding", "conflicts_of_interest", "ethics"):
        lab = dict((k, (lab, rem, tri)) for k, lab, rem, tri in STUDY_ITEMS)[key]
        out.append(f"<p><b>{esc(lab[0])}.</b> " + (esc(st[key]) if st.get(key) else missing(lab[1], lab[2])) + "</p>")
    return "".join(out)


def remark_profile(ctx: ReportContext, sections: Sequence[Section], excluded: set[str]) -> pd.DataFrame:
    """REMARK item -> where addressed and status (reported / MISSING)."""
    st = (ctx.reporting or {}).get("study", {}) or {}
    rep = (ctx.reporting or {}).get("cohorts", {}) or {}
    rows = []
    for item, text in REMARK_ITEMS.items():
        where = [s for s in sections if item in s.remark]
        shown = [s for s in where if s.id not in excluded]
        gaps = []
        for key, label, rem, _ in COHORT_ITEMS:
            if rem == item:
                for name in ctx.cohorts:
                    if not (rep.get(name) or {}).get(key):
                        gaps.append(f"{label} [{name}]")
        for key, label, rem, _ in STUDY_ITEMS:
            if rem == item and not st.get(key):
                gaps.append(label)
        if item == 1 and not st.get("hypotheses"):
            gaps.append("Pre-specified hypotheses")
        if item == 19 and not st.get("limitations"):
            gaps.append("Limitations (stated)")
        off = [s.id for s in where if s.id in excluded]
        if off:
            gaps.append(f"section switched off: {', '.join(off)}")
        status = "reported" if shown and not gaps else ("MISSING" if not shown else "partly MISSING")
        rows.append({"item": item, "description": text, "sections": ", ".join(f"#{s.id}" for s in shown),
                     "status": status, "missing": "; ".join(gaps)})
    return pd.DataFrame(rows)


def _sec_remark_factory(sections: Sequence[Section], excluded: set[str]):
    def render(ctx: ReportContext, ps: Pseudonymiser) -> str:
        prof = remark_profile(ctx, sections, excluded)
        titles = {s.id: s.title for s in sections}

        def cell(key, r):
            if key == "sections":
                return ", ".join(f'<a href="{esc(x.strip())}">{esc(titles.get(x.strip()[1:], x))}</a>'
                                 for x in r["sections"].split(",") if x.strip()) or missing(r["item"])
            if key == "status":
                cls = "ok" if r["status"] == "reported" else "missing"
                return f'<span class="{cls}">{esc(r["status"] if r["status"] == "reported" else missing_flag(r["item"]) if r["status"] == "MISSING" else "partly " + missing_flag(r["item"]))}</span>'
            return None
        return (para("Where each REMARK item (McShane et al. 2005; Altman et al. 2012) is addressed in this report. "
                     "Items that depend on information the workflow cannot compute come from the reporting items "
                     "file; gaps are flagged, not hidden.")
                + html_table(prof, [C("item", "Item", fmt_int), C("description", "REMARK item"),
                                    C("sections", "Addressed in"), C("status", "Status"), C("missing", "Missing")],
                             max_rows=100, cell_html=cell, table_id="remark-table"))
    return render


def sec_provenance(ctx: ReportContext, ps: Pseudonymiser) -> str:
    pv = ctx.provenance or {}
    git = pv.get("git", {}) or {}
    run = pv.get("run", {}) or {}
    out = []
    commit = git.get("commit")
    gtxt = (f"commit <code>{esc(commit)}</code> (branch {esc(git.get('branch'))})" if commit
            else esc(git.get("status", "unknown")))
    if git.get("dirty"):
        gtxt += (' <span class="missing">DIRTY: uncommitted changes in '
                 f"{esc(git.get('n_changed_files', '?'))} file(s); the numbers do not come from a committed revision"
                 "</span>")
    elif git.get("dirty") is False:
        gtxt += " (clean)"
    rows = [("Code revision (workflow basedir)", gtxt)]
    rows += [(k.replace("_", " "), f"<code>{esc(v)}</code>") for k, v in run.items()]
    out.append('<table class="kv">' + "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in rows) + "</table>")
    for m in pv.get("checksum_mismatch", []) or []:
        out.append(note(f"<b>Input changed since validation:</b> {esc(m)}. Results may be stale; rerun the workflow.",
                        "warnbox"))
    out.append("<h3>Input files (sha256)</h3>")
    ck = pv.get("checksums")
    out.append(html_table(ck, [C("role", "Role"), C("path", "Path"), C("sha256", "sha256"),
                               C("bytes", "Bytes", fmt_int)], max_rows=500, table_id="checksums"))
    rck = pv.get("result_checksums")
    if rck is not None and len(rck):
        out.append(details(f"Result tables read by this report (sha256, {len(rck)} files)",
                           html_table(rck, [C("role", "Role"), C("path", "Path"), C("sha256", "sha256"),
                                            C("bytes", "Bytes", fmt_int)], max_rows=1000)))
    out.append("<h3>Software versions</h3>")
    vv = pd.DataFrame([{"package": k, "version": v} for k, v in (pv.get("versions") or {}).items()])
    out.append(html_table(vv, [C("package", "Package"), C("version", "Version")], max_rows=100, table_id="versions"))
    out.append("<h3>Resolved configuration</h3>")
    out.append(details("config (YAML, as resolved by Snakemake, schema defaults filled)",
                       f"<pre>{esc(ctx.config_yaml)}</pre>", open_=False))
    out.append("<h3>Cohort sheet</h3>")
    if ctx.cohort_sheet is not None:
        out.append(html_table(ctx.cohort_sheet, [C(c, c) for c in ctx.cohort_sheet.columns], max_rows=500))
    else:
        sheet = pd.DataFrame([{"cohort": n, **cd.params} for n, cd in ctx.cohorts.items()])
        out.append(html_table(sheet, [C(c, c) for c in sheet.columns], max_rows=500))
    if ctx.warnings:
        out.append("<h3>Report warnings</h3><ul>" + "".join(f"<li>{esc(w)}</li>" for w in ctx.warnings) + "</ul>")
    return "".join(out)


def build_sections() -> list[Section]:
    secs = [
        Section("objectives", "Objectives and pre-specified hypotheses", sec_objectives, (1, 11), ("3b",)),
        Section("cohorts", "Cohorts", sec_cohorts, (2, 3, 4, 5, 6), ("4a", "4b", "5a", "5b", "5c", "12")),
        Section("endpoints", "Endpoints and covariates", sec_endpoints, (7, 8), ("6a", "7a")),
        Section("power", "Sample size, events and power", sec_power, (9, 12), ("8",)),
        Section("methods", "Methods", sec_methods, (5, 10, 11), ("10a", "10b")),
        Section("flow", "Patient flow", sec_flow, (12,), ("13a",)),
        Section("table1", "Patient characteristics (Table 1)", sec_table1, (6, 13), ("13b", "14a")),
        Section("marker", "Marker and clinical variables", sec_marker_clinical, (14,), ()),
        Section("km", "Kaplan-Meier and log-rank", sec_km, (15,), ()),
        Section("cox", "Cox models", sec_cox, (15, 16, 17), ("15a", "16")),
        Section("ph", "Proportional-hazards diagnostics", sec_ph, (10, 18), ()),
        Section("discrimination", "Discrimination and response", sec_discrimination, (15, 18), ("16",)),
        Section("interaction", "Predictive value: score x treatment", sec_interaction, (16,), ()),
        Section("null", "Random-signature null and comparators", sec_null, (18,), ()),
        Section("sensitivity", "Sensitivity analyses", sec_sensitivity, (11, 18), ()),
        Section("de", "Differential expression", sec_de, (), ()),
        Section("meta", "Meta-analysis", sec_meta, (15, 18), ()),
        Section("limitations", "Limitations, interpretation and declarations", sec_limitations, (19, 20),
                ("18", "19", "20", "22")),
    ]
    return secs


# --------------------------------------------------------------------------- page
CSS = """
:root{--fg:#1c2833;--muted:#5d6d7e;--line:#d5d8dc;--bg2:#f4f6f7;--accent:#1f618d;--warn:#b03a2e;--ok:#1e8449}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);
margin:0;line-height:1.45;font-size:15px}
header{padding:18px 28px;border-bottom:1px solid var(--line)}
header h1{margin:0 0 4px;font-size:1.6em}
.meta{color:var(--muted);font-size:.9em}
.banner{background:#fdedec;border:2px solid var(--warn);color:var(--warn);padding:10px 16px;margin:12px 0 0;
font-weight:700;font-size:1.1em;border-radius:4px}
.layout{display:flex;align-items:flex-start}
nav{position:sticky;top:0;max-height:100vh;overflow:auto;min-width:250px;max-width:280px;padding:14px 10px 14px 20px;
border-right:1px solid var(--line);font-size:.9em}
nav ol{padding-left:18px;margin:0}nav li{margin:3px 0}
nav a{color:var(--accent);text-decoration:none}
main{padding:8px 28px 40px;min-width:0;flex:1}
section{border-bottom:1px solid var(--line);padding-bottom:12px}
h2{margin-top:26px;font-size:1.35em;color:var(--accent)}
h3{margin:18px 0 6px;font-size:1.12em}h4{margin:12px 0 4px;font-size:1em;color:var(--muted)}
.tw{overflow-x:auto;margin:6px 0}
table{border-collapse:collapse;font-size:.86em}
th,td{border-bottom:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
thead th{background:var(--bg2);position:sticky;top:0}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.primary td{background:#eaf2f8;font-weight:600}
tr.warn td{background:#fdf2e9}
table.kv th{width:260px;background:var(--bg2);font-weight:600}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:14px}
.card{border:1px solid var(--line);border-radius:6px;padding:6px 12px}
.badge{display:inline-block;font-size:.72em;font-weight:700;padding:1px 6px;border-radius:3px;color:#fff;
vertical-align:middle;letter-spacing:.02em;background:#7f8c8d}
.b-validation{background:var(--ok)}.b-discovery{background:#7d3c98}.b-secondary{background:#5d6d7e}
.b-exploratory{background:#d35400}.b-synthetic{background:var(--warn)}
.missing{color:var(--warn);font-weight:700}.ok{color:var(--ok);font-weight:600}.na{color:var(--muted)}
.note{background:var(--bg2);padding:6px 10px;border-left:3px solid var(--accent);margin:8px 0}
.warnbox{background:#fef5e7;padding:6px 10px;border-left:3px solid #d35400;margin:8px 0}
.keybox{background:#eaf2f8;padding:8px 12px;border-left:4px solid var(--accent);margin:8px 0;font-size:1.05em}
.trunc,.src{color:var(--muted);font-size:.85em;margin:2px 0 8px}
figure.figure{margin:10px 0;max-width:100%}
figure.figure svg{display:block;max-width:100%;height:auto}
figcaption{color:var(--muted);font-size:.85em}
.grid2{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:10px}
details{margin:8px 0}summary{cursor:pointer;color:var(--accent)}
pre{background:var(--bg2);padding:10px;overflow-x:auto;font-size:.82em}
code{font-size:.92em}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin:0 3px 0 8px;vertical-align:middle}
@media print{nav{display:none}details{display:block}}
"""

#: Collects script and resource errors from the start of the page (browser test).
ERRORS_JS = ("window.__reportErrors=[];window.addEventListener('error',function(e){window.__reportErrors.push("
             "String(e.message||(e.target&&(e.target.src||e.target.href))||'error'));},true);")

#: In-page self-check used by the browser test: every figure must have a non-zero size.
CHECK_JS = """
(function(){try{
document.body.dataset.errors=String((window.__reportErrors||[]).length);
var figs=document.querySelectorAll('svg.fig, img');var bad=0;
for(var i=0;i<figs.length;i++){var r=figs[i].getBoundingClientRect();if(!(r.width>0&&r.height>0)){bad++;}}
document.body.dataset.figures=String(figs.length);document.body.dataset.figuresBad=String(bad);
document.body.dataset.figuresOk=(bad===0&&figs.length>0)?'true':'false';
}catch(e){document.body.dataset.figuresOk='error';document.body.dataset.jsError=String(e);}})();
"""


def render_report(ctx: ReportContext) -> str:
    """Render the whole report (HTML string) from the context."""
    ps = Pseudonymiser(ctx.pseudonymise)
    for cd in ctx.cohorts.values():
        for key in ("clinical", "qc", "scores"):
            t = cd.t(key)
            if t is not None and "sample" in t.columns:
                ps.register(t["sample"].astype(str))
        ps.register(ids_in_flow_reasons(cd.t("flow")))
    excluded = set(((ctx.reporting or {}).get("sections") or {}).get("exclude") or [])
    sections = build_sections()
    remark = Section("remark", "REMARK reporting profile", lambda c, p: "", (), ())
    appendix = Section("provenance", "Appendix: provenance, parameters and software", sec_provenance, (), ())
    remark.render = _sec_remark_factory(sections + [appendix], excluded)
    all_secs = [s for s in sections + [remark, appendix] if s.id not in excluded or s.id in ("remark", "provenance")]

    syn = is_synthetic(ctx)
    pv = ctx.provenance or {}
    git = pv.get("git", {}) or {}
    run = pv.get("run", {}) or {}
    head = [f"<h1>{esc(ctx.title)}</h1>",
            '<div class="meta">Generated ' + esc(run.get("date_utc", _dt.datetime.now(_dt.timezone.utc)
                                                         .strftime("%Y-%m-%dT%H:%M:%SZ")))
            + " &middot; code " + (esc(str(git.get("commit"))[:12]) if git.get("commit") else esc(git.get("status", "unknown")))
            + (" (uncommitted changes)" if git.get("dirty") else "")
            + " &middot; mitoscore " + esc((pv.get("versions") or {}).get("mitoscore", "?"))
            + f" &middot; {len(ctx.cohorts)} cohort(s): "
            + ", ".join(f"{esc(n)} ({esc(cd.role)})" for n, cd in ctx.cohorts.items()) + "</div>"]
    if syn:
        head.append(f'<div class="banner" id="synthetic-banner">{badge("SYNTHETIC")} SYNTHETIC demo data — not real '
                    f"patients ({esc(', '.join(syn))}). The numbers below only show what the workflow computes; "
                    "they carry no clinical meaning.</div>")
    off = [s.title for s in sections if s.id in excluded]
    if off:
        head.append(note("Sections switched off in the reporting items file: " + esc(", ".join(off)) + "."))
    if ps.enabled:
        head.append(note("Sample identifiers are replaced by pseudonyms (P0001, ...) in this report "
                         "(report.pseudonymise_ids: true)."))
    toc = "<nav><b>Contents</b><ol>" + "".join(f'<li><a href="#{s.id}">{esc(s.title)}</a></li>' for s in all_secs) \
        + "</ol></nav>"
    body = []
    for s in all_secs:
        try:
            inner = s.render(ctx, ps)
        except Exception as exc:  # noqa: BLE001 - one broken module must not lose the whole report
            inner = note(f"<b>This section could not be rendered:</b> {esc(type(exc).__name__)}: {esc(exc)}",
                         "warnbox")
            ctx.warnings.append(f"section {s.id}: {type(exc).__name__}: {exc}")
        tags = ""
        if s.remark:
            tags = f' <span class="meta">REMARK {", ".join(map(str, s.remark))}</span>'
        body.append(f'<section id="{s.id}"><h2>{esc(s.title)}{tags}</h2>{inner}</section>')
    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
            f"<title>{esc(ctx.title)}</title><style>{CSS}</style><script>{ERRORS_JS}</script></head><body>"
            f"<header>{''.join(head)}</header><div class=\"layout\">{toc}<main>{''.join(body)}</main></div>"
            f"<script>{CHECK_JS}</script></body></html>\n")
    if ps.enabled:
        page = _scrub_ids(page, ps)
    return page


def _scrub_ids(page: str, ps: Pseudonymiser) -> str:
    """Last line of defence: replace any registered id still present in the page text,
    outside inline SVGs (their text is drawn as paths; numbers in path data must not be
    mistaken for numeric ids)."""
    parts = re.split(r"(<svg\b.*?</svg>)", page, flags=re.S)
    return "".join(p if p.startswith("<svg") else ps.text(p) for p in parts)
