"""Report figures (matplotlib, non-interactive Agg backend).

Every plotting function is pure: it takes the workflow's result tables
(``pandas.DataFrame``) and returns a :class:`matplotlib.figure.Figure`; nothing is
shown and nothing is written. :func:`save_figure` writes a figure atomically
(via :func:`mitoscore.io.atomic_path`) as SVG, PNG or PDF with deterministic
output (fixed ``svg.hashsalt``, no date / software metadata), so two runs give
byte-identical files, and then closes it.

Readability conventions (the report is read by clinicians and reviewers):

* large fonts (:data:`STYLE`), every axis labelled with its unit;
* one colour per risk group across the whole report (:data:`GROUP_COLORS`, red for
  high, blue for low: a pair that stays distinguishable for deutan/protan colour
  vision) and one per treatment arm (:data:`ARM_COLORS`, Okabe-Ito colours; arms
  without a fixed colour get :data:`PALETTE` colours in sorted order);
* hazard ratios are always drawn on a log axis with a reference line at 1.

Figures are built with ``matplotlib.figure.Figure`` directly (not pyplot's global
figure manager), so building many figures in one process does not leak memory.
"""
from __future__ import annotations

import functools
import math
import os
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Polygon, Rectangle  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

from . import fmt  # noqa: E402
from .io import atomic_path  # noqa: E402

__all__ = [
    "GROUP_COLORS", "ARM_COLORS", "PALETTE", "GROUP_ORDER", "STYLE", "SVG_HASHSALT",
    "group_color", "arm_colors", "numbers_at_risk",
    "default_risk_times",
    "km_plot", "forest_plot", "volcano_plot", "ma_plot", "score_distribution", "score_panels", "pca_plot",
    "library_size_plot", "null_distribution_plot", "interaction_plot", "interaction_panels", "calibration_plot",
    "save_figure", "bar_heights", "placeholder", "km_by_arm_plot", "treatment_effect_plot", "predictive_figures", "enrichment_plot", "nes_heatmap",
]

# --------------------------------------------------------------------------- style
from .colors import ARM_COLORS, GROUP_COLORS, GROUP_ORDER, PALETTE  # noqa: E402

_NEUTRAL = "#2C3E50"       # study squares, pooled diamond, non-grouped points
_NONSIG = "#B3B6B7"        # non-significant genes
_OUTLIER = "#D55E00"       # QC outliers (vermillion)
_UP, _DOWN = GROUP_COLORS["high"], GROUP_COLORS["low"]

#: Fixed salt for the SVG element ids: byte-identical SVGs across runs.
SVG_HASHSALT = "mitoscore"

#: rcParams applied while a figure is built (fonts are fixed at artist creation).
STYLE: dict = {
    "font.family": "DejaVu Sans",   # shipped with matplotlib: same glyphs everywhere
    "font.size": 13,
    "axes.titlesize": 15,
    "axes.titleweight": "bold",
    "axes.labelsize": 14,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 1.0,
    "lines.linewidth": 2.0,
    "figure.dpi": 100,
    "svg.fonttype": "none",         # text stays text in the SVG (searchable, selectable, printable)
    "svg.hashsalt": SVG_HASHSALT,
}


def _styled(func):
    """Build the figure under :data:`STYLE` without touching global rcParams."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return func(*args, **kwargs)
    return wrapper


def _wrap(title: str, width: int = 70) -> str:
    """Wrap each line of ``title`` at ``width`` characters (long names such as
    HALLMARK_OXIDATIVE_PHOSPHORYLATION are broken too, so no title is clipped)."""
    if not title:
        return ""
    return "\n".join(w for line in str(title).split("\n")
                     for w in (textwrap.wrap(line, width, break_on_hyphens=False) or [""]))


def _lookup(mapping: Mapping[str, str], name) -> str | None:
    if name in mapping:
        return mapping[name]
    low = {str(k).lower(): v for k, v in mapping.items()}
    return low.get(str(name).strip().lower())


def group_color(name) -> str | None:
    """Colour of a risk group: exact key of :data:`GROUP_COLORS`, case-insensitive key,
    or a label whose last word is a key ("MitoScore high" -> high). None if unknown."""
    c = _lookup(GROUP_COLORS, name)
    if c is None:
        words = str(name).replace("_", " ").split()
        if words:
            c = _lookup(GROUP_COLORS, words[-1])
    return c


def arm_colors(arms: Iterable) -> dict:
    """Colours for treatment arms: :data:`ARM_COLORS` (case-insensitive) for the fixed
    arms, :data:`PALETTE` in sorted order (of ``str(arm)``) for the others."""
    arms = list(dict.fromkeys(arms))
    out, rest = {}, []
    for a in arms:
        c = _lookup(ARM_COLORS, a)
        if c is None:
            rest.append(a)
        else:
            out[a] = c
    for i, a in enumerate(sorted(rest, key=str)):
        out[a] = PALETTE[i % len(PALETTE)]
    return {a: out[a] for a in arms}


def _level_colors(levels: Sequence, colors: Mapping | None = None) -> dict:
    """Colours for arbitrary levels: explicit ``colors`` > group colour > arm colour >
    :data:`PALETTE` in sorted order of the remaining levels."""
    colors = dict(colors or {})
    out, rest = {}, []
    for lv in levels:
        c = colors.get(lv) or group_color(lv) or _lookup(ARM_COLORS, lv)
        if c is None:
            rest.append(lv)
        else:
            out[lv] = c
    for i, lv in enumerate(sorted(rest, key=str)):
        out[lv] = PALETTE[i % len(PALETTE)]
    return out


def _order_levels(values: pd.Series) -> list:
    """Categorical order if categorical; else known risk groups (:data:`GROUP_ORDER`), then
    known arms (:data:`ARM_COLORS` order), then the rest sorted case-insensitively."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.dropna().unique())
        return [c for c in values.cat.categories if c in present]
    levels = list(pd.unique(values.dropna()))
    rank = {g: i for i, g in enumerate(GROUP_ORDER)}
    arm_rank = {a.lower(): i for i, a in enumerate(ARM_COLORS)}

    def key(v):
        k = str(v).strip().lower()
        if k in rank:
            return (0, rank[k], "")
        if k in arm_rank:
            return (1, arm_rank[k], "")
        return (2, 0, str(v).lower() + "\0" + str(v))
    return sorted(levels, key=key)


# --------------------------------------------------------------------------- formatting
# Numbers in figures are formatted by mitoscore.fmt (the same formatter as the report).

_HR_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.33, 0.5, 0.67, 0.75, 0.8, 1.0, 1.25, 1.5, 2.0,
             3.0, 4.0, 5.0, 10.0, 20.0, 50.0, 100.0)


def _hr_ticks(a: float, b: float, n: int = 7) -> list[float]:
    """Readable HR ticks inside [10^a, 10^b]: 1 first, then outwards, keeping at least
    (b - a) / n decades between ticks."""
    cand = [t for t in _HR_TICKS if a <= math.log10(t) <= b]
    gap = (b - a) / n
    keep = [1.0] if a <= 0 <= b else []
    for t in sorted(cand, key=lambda t: (abs(math.log10(t)), t)):
        if all(abs(math.log10(t) - math.log10(k)) >= gap for k in keep):
            keep.append(t)
    return sorted(keep)


def _log_axis(ax, values: Iterable[float], pad: float = 0.04) -> tuple[float, float]:
    """Log x axis whose labelled ticks enclose every value of ``values`` and 1: the outer
    ticks are the nearest readable HR ticks at or beyond the smallest / largest value, so
    every confidence interval ends inside the labelled axis. Returns the limits."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x) and x > 0] + [1.0])
    vmin, vmax = float(v.min()), float(v.max())
    below = [t for t in _HR_TICKS if t <= vmin * (1 + 1e-9)]
    above = [t for t in _HR_TICKS if t >= vmax * (1 - 1e-9)]
    lo_t = max(below) if below else vmin
    hi_t = min(above) if above else vmax
    a, b = math.log10(lo_t), math.log10(hi_t)
    span = max(b - a, math.log10(2.0))
    ax.set_xscale("log")
    lim = (10 ** (a - pad * span), 10 ** (b + pad * span))
    ax.set_xlim(*lim)
    ticks = _hr_ticks(a, b)
    ticks = sorted(set(ticks) | {lo_t, hi_t})
    ax.set_xticks(ticks)
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    ax.axvline(1.0, color="#7F8C8D", lw=1.2, ls="--", zorder=0)
    return lim


# --------------------------------------------------------------------------- Kaplan-Meier
def default_risk_times(max_time: float, step: float = 12.0, max_ticks: int = 12) -> list[float]:
    """0, 12, 24, ... up to ``max_time``; the step is a multiple of 12 chosen so that
    at most ``max_ticks`` columns are drawn (long follow-up stays readable)."""
    if not np.isfinite(max_time) or max_time <= 0:
        return [0.0]
    k = 1
    while max_time / (step * k) + 1 > max_ticks:
        k += 1
    s = step * k
    return [float(t) for t in np.arange(0.0, max_time + 1e-9, s)]


def numbers_at_risk(km: pd.DataFrame, times: Sequence[float], groups: Sequence | None = None) -> pd.DataFrame:
    """Numbers at risk per group (rows) at ``times`` (columns), as R's
    ``summary(survfit, times=)``: n_risk of the first row with ``time >= t``, 0 after the
    last time of the group. At t = 0 this is the group size."""
    groups = _order_levels(km["group"]) if groups is None else list(groups)
    out = {}
    for g in groups:
        d = km.loc[km["group"] == g].sort_values("time", kind="mergesort")
        tt = d["time"].to_numpy(float)
        nr = d["n_risk"].to_numpy(float)
        row = []
        for t in times:
            i = np.searchsorted(tt, t, side="left")  # first index with time >= t
            row.append(int(nr[i]) if i < len(tt) else 0)
        out[g] = row
    return pd.DataFrame.from_dict(out, orient="index", columns=list(times))


@_styled
def km_plot(km: pd.DataFrame, *, title: str, xlabel: str = "Months", risk_times=None,
            logrank_p: float | None = None, annotation: str | None = None, colors=None,
            ylabel: str = "Survival probability", linestyles: Mapping | None = None, ci: bool = True,
            logrank_label: str = "Log-rank test of the groups") -> Figure:
    """Kaplan-Meier curves with 95% CI bands, censor ticks and a numbers-at-risk table.

    ``km`` is the survfit summary table (``group, time, n_risk, n_event, n_censor, surv,
    lower, upper``; one row per distinct event/censor time per group). S(0) = 1 is
    prepended; curves are right-continuous steps; the CI band (alpha 0.15) follows the
    same steps (missing CI limits leave a gap). ``+`` marks times with censoring.
    The legend gives n (group size) and events per group. ``logrank_p`` is printed as
    '<logrank_label>: p = ...' (the test of the plotted groups) and ``annotation`` (e.g.
    'Cox HR per SD (continuous score): 1.70 (1.22-2.36), Wald p = 0.0010') below it, so a
    reader never confuses the two p-values.
    The risk table (second axes, label ``"risk_table"``) reports
    :func:`numbers_at_risk` at ``risk_times`` (default :func:`default_risk_times`).
    ``linestyles`` maps a group to a matplotlib line style (default solid); ``ci=False``
    leaves out the CI bands (many curves).
    """
    need = {"group", "time", "n_risk", "n_event", "n_censor", "surv", "lower", "upper"}
    missing = need - set(km.columns)
    if missing:
        raise ValueError(f"km table lacks columns {sorted(missing)}")
    groups = _order_levels(km["group"])
    cols = _level_colors(groups, colors)
    max_time = float(km["time"].max()) if len(km) else 0.0
    times = default_risk_times(max_time) if risk_times is None else [float(t) for t in risk_times]
    risk = numbers_at_risk(km, times, groups)

    ng = max(len(groups), 1)
    fig = Figure(figsize=(9, 6.2 + 0.38 * ng), layout="constrained")
    gs = fig.add_gridspec(2, 1, height_ratios=[6.0, 0.75 + 0.38 * ng])
    ax = fig.add_subplot(gs[0])
    axr = fig.add_subplot(gs[1], sharex=ax)
    axr.set_label("risk_table")
    ax.set_label("km")

    handles = []
    for g in groups:
        d = km.loc[km["group"] == g].sort_values("time", kind="mergesort")
        c = cols[g]
        t = np.r_[0.0, d["time"].to_numpy(float)]
        s = np.r_[1.0, d["surv"].to_numpy(float)]
        lo = np.r_[1.0, d["lower"].to_numpy(float)]
        hi = np.r_[1.0, d["upper"].to_numpy(float)]
        ls = (linestyles or {}).get(g, "-")
        ax.step(t, s, where="post", color=c, lw=2.2, zorder=3, ls=ls)
        if ci:
            ax.fill_between(t, lo, hi, step="post", color=c, alpha=0.15, lw=0, zorder=1)
        cen = d["n_censor"].to_numpy(float) > 0
        if cen.any():
            ax.plot(d["time"].to_numpy(float)[cen], d["surv"].to_numpy(float)[cen], ls="none",
                    marker="+", ms=9, mew=1.6, color=c, zorder=4)
        n = int(d["n_risk"].iloc[0]) if len(d) else 0
        ev = int(d["n_event"].sum())
        handles.append(Line2D([], [], color=c, lw=2.5, ls=ls, label=f"{g} (n = {n}, {ev} events)"))

    right = max([max_time, *times]) if times else max_time
    right = right if right > 0 else 1.0
    ax.set_xlim(-0.02 * right, right * 1.03)
    ax.set_ylim(-0.02, 1.03)
    ax.set_xticks(times)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(_wrap(title, 60), loc="left")
    ax.grid(axis="y", color="#E5E7E9", lw=0.8, zorder=0)
    if handles:
        handles.append(Line2D([], [], ls="none", marker="+", ms=9, mew=1.6, color="#555555",
                              label="censored"))
        ax.legend(handles=handles, loc="upper right")
    lines = []
    if logrank_p is not None:
        lines.append(f"{logrank_label}: {fmt.p_text(logrank_p)}")
    if annotation:
        lines.append(str(annotation))
    if lines:
        ax.text(0.02, 0.03, "\n".join(lines), transform=ax.transAxes, ha="left", va="bottom",
                fontsize=13, gid="km-annotation",
                bbox=dict(boxstyle="round,pad=0.3", fc="white", ec="none", alpha=0.85))

    # numbers-at-risk table
    for j, g in enumerate(groups):
        y = ng - 1 - j
        for t in times:
            axr.text(t, y, str(int(risk.loc[g, t])), ha="center", va="center", fontsize=12,
                     color=cols[g], gid=f"risk|{g}|{t:g}")
    axr.set_ylim(-0.6, ng - 0.4)
    axr.set_yticks([ng - 1 - j for j in range(ng)], [str(g) for g in groups])
    for lab, g in zip(axr.get_yticklabels(), groups):
        lab.set_color(cols[g])
        lab.set_fontweight("bold")
    axr.tick_params(axis="y", length=0)
    axr.tick_params(axis="x", which="both", bottom=False, labelbottom=False)
    for sp in axr.spines.values():
        sp.set_visible(False)
    axr.set_title("Number at risk", loc="left", fontsize=12, fontweight="bold")
    return fig


# --------------------------------------------------------------------------- forest plots
def _table_layout(nrows: int, *, extra_cols: int = 0, width: float = 11.0, height: float | None = None):
    """Label column | interval axes | text column [| extra text column], sharing y (row 0 at
    the top). With ``extra_cols`` the last axes (label ``weights``) is returned as
    ``ax_txt.extra``."""
    fig = Figure(figsize=(width + 0.9 * extra_cols, height or (2.3 + 0.45 * nrows)), layout="constrained")
    ratios = [3.2, 4.3, 2.5] + [0.9] * extra_cols
    gs = fig.add_gridspec(1, len(ratios), width_ratios=ratios, wspace=0.01)
    ax_lab = fig.add_subplot(gs[0])
    ax = fig.add_subplot(gs[1], sharey=ax_lab)
    ax_txt = fig.add_subplot(gs[2], sharey=ax_lab)
    extra = [fig.add_subplot(gs[3 + i], sharey=ax_lab) for i in range(extra_cols)]
    for i, a in enumerate(extra):
        a.set_label("weights" if i == 0 else f"extra{i}")
    ax_txt.extra = extra[0] if extra else None
    for a in (ax_lab, ax_txt, *extra):
        a.set_xlim(0, 1)
        a.set_axis_off()
    ax_lab.set_label("labels")
    ax.set_label("intervals")
    ax_txt.set_label("estimates")
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", left=False, labelleft=False)
    ax.set_ylim(-0.5 - 0.0, nrows + 0.4)  # caller may extend
    return fig, ax_lab, ax, ax_txt


def _ci_row(ax, y, est, lo, hi, *, color, size=80.0, gid=None):
    if np.isfinite(lo) and np.isfinite(hi):
        ax.plot([lo, hi], [y, y], color=color, lw=1.8, solid_capstyle="butt", zorder=2)
    if np.isfinite(est):
        ax.scatter([est], [y], s=size, marker="s", color=color, zorder=3, gid=gid, linewidths=0)


def _favours(ax, favours: tuple[str, str] | None) -> None:
    """'Favours' labels under the HR axis: left of 1 and right of 1."""
    if not favours:
        return
    left, right = favours
    ax.annotate(f"\u2190 {left}", xy=(1.0, 0), xycoords=("data", "axes fraction"), xytext=(-6, -44),
                textcoords="offset points", ha="right", va="top", fontsize=11, color="#444444",
                gid="favours-left", annotation_clip=False)
    ax.annotate(f"{right} \u2192", xy=(1.0, 0), xycoords=("data", "axes fraction"), xytext=(6, -44),
                textcoords="offset points", ha="left", va="top", fontsize=11, color="#444444",
                gid="favours-right", annotation_clip=False)


#: Default 'favours' labels of an HR per SD axis.
FAVOURS_SCORE = ("higher score, lower hazard", "higher score, higher hazard")
_PI_COLOR = "#8E44AD"


@_styled
def forest_plot(df: pd.DataFrame, *, estimate: str = "hr", lower: str = "ci_lower", upper: str = "ci_upper",
                label: str = "label", pooled: dict | None = None, prediction: tuple | None = None,
                title: str, xlabel: str = "Hazard ratio (log scale)", weights=None,
                favours: tuple[str, str] | None = FAVOURS_SCORE) -> Figure:
    """Forest plot (metafor ``forest.rma`` layout): one row per study (top to bottom in ``df``
    order) + the pooled estimate.

    Squares at the estimate (area proportional to ``weights``: a column name, an array,
    or None = column ``weight`` if present, else equal), horizontal 95% CI lines, a
    log x axis with a reference line at 1 whose labelled ticks enclose every CI, a diamond
    for ``pooled`` (dict with ``hr``, ``ci_lower``, ``ci_upper``, ``label``; optional ``text``
    with heterogeneity printed under the rows), and -- only when ``prediction`` is given (the
    caller passes it only when it is estimable, i.e. tau2 estimated from >= 3 studies) -- the
    95% prediction interval as its own dashed row in a distinct colour. Columns on the right:
    'HR (95% CI)' and 'Weight' (percent of the total, when weights are given).
    ``favours``: (left, right) labels under the axis. Row label texts carry gid
    ``forest-label``; the pooled one ``forest-label-pooled``.
    """
    d = df.reset_index(drop=True)
    n = len(d)
    if n == 0:
        return placeholder("No cohort has an estimate to plot (every model was skipped; see skipped_models.tsv)",
                           title=title)
    est = d[estimate].to_numpy(float)
    lo = d[lower].to_numpy(float)
    hi = d[upper].to_numpy(float)
    labels = d[label].astype(str).tolist() if label in d.columns else [str(i) for i in d.index]

    if weights is None and "weight" in d.columns:
        weights = "weight"
    if isinstance(weights, str):
        w = d[weights].to_numpy(float)
    elif weights is not None:
        w = np.asarray(weights, dtype=float)
    else:
        w = None
    if w is not None:
        w = np.where(np.isfinite(w) & (w > 0), w, 0.0)
        wpct = 100 * w / w.sum() if w.sum() > 0 else np.full(n, np.nan)
        wmax = w.max() if w.max() > 0 else 1.0
        sizes = 40 + 260 * w / wmax
    else:
        wpct = None
        sizes = np.full(n, 90.0)

    pi_ok = prediction is not None and all(np.isfinite(np.asarray(prediction, float)))
    het = (pooled or {}).get("text")
    n_pool = (1 if pooled else 0) + (1 if (pooled and pi_ok) else 0)
    nrows = n + n_pool
    fig, ax_lab, ax, ax_txt = _table_layout(nrows + (1 if het else 0), extra_cols=1 if wpct is not None else 0)
    ys = [nrows - 1 - i for i in range(n)]  # studies top-down; pooled rows below

    hdr_y = nrows - 0.15
    ax_lab.text(0.0, hdr_y, "Cohort", ha="left", va="bottom", fontweight="bold")
    ax_txt.text(0.05, hdr_y, "HR (95% CI)", ha="left", va="bottom", fontweight="bold")
    ax_w = ax_txt.extra
    if wpct is not None:
        ax_w.text(0.95, hdr_y, "Weight", ha="right", va="bottom", fontweight="bold")

    for i, y in enumerate(ys):
        ax_lab.text(0.0, y, labels[i], ha="left", va="center", gid="forest-label")
        _ci_row(ax, y, est[i], lo[i], hi[i], color=_NEUTRAL, size=sizes[i], gid="forest-study")
        txt = fmt.ratio_ci(est[i], lo[i], hi[i]) if np.isfinite(est[i]) else "not estimable"
        ax_txt.text(0.05, y, txt, ha="left", va="center", gid="forest-estimate")
        if wpct is not None:
            ax_w.text(0.95, y, fmt.pct(wpct[i]), ha="right", va="center", gid="forest-weight")

    xs = [*est, *lo, *hi]
    if pooled:
        y = float(n_pool - 1)
        if n:
            for a in (ax, ax_lab, ax_txt, *([ax_w] if ax_w is not None else [])):
                a.axhline(n_pool - 0.5, color="#BDC3C7", lw=0.8)
        ph, pl, pu = (float(pooled.get(k, np.nan)) for k in ("hr", "ci_lower", "ci_upper"))
        if all(np.isfinite([ph, pl, pu])):
            ax.add_patch(Polygon([(pl, y), (ph, y + 0.3), (pu, y), (ph, y - 0.3)], closed=True,
                                 fc=_NEUTRAL, ec=_NEUTRAL, zorder=4, gid="forest-pooled"))
            xs += [ph, pl, pu]
        ax_lab.text(0.0, y, str(pooled.get("label", "Pooled")), ha="left", va="center",
                    fontweight="bold", gid="forest-label-pooled")
        ax_txt.text(0.05, y, fmt.ratio_ci(ph, pl, pu), ha="left", va="center", fontweight="bold",
                    gid="forest-estimate-pooled")
        if wpct is not None:
            ax_w.text(0.95, y, "100%", ha="right", va="center", fontweight="bold")
        if pi_ok:
            a, b = (float(x) for x in prediction)
            yp = y - 1
            ax.plot([a, b], [yp, yp], color=_PI_COLOR, lw=2.2, ls=(0, (4, 2)), zorder=2, gid="forest-prediction")
            for x in (a, b):
                ax.plot([x, x], [yp - 0.18, yp + 0.18], color=_PI_COLOR, lw=2, zorder=2)
            ax_lab.text(0.0, yp, "95% prediction interval", ha="left", va="center", color=_PI_COLOR,
                        gid="forest-label-prediction")
            ax_txt.text(0.05, yp, f"{fmt.ratio(a)}-{fmt.ratio(b)}", ha="left", va="center", color=_PI_COLOR,
                        gid="forest-estimate-prediction")
            xs += [a, b]
        if het:
            ax_lab.text(0.0, -1.0, str(het), ha="left", va="center", fontsize=11, color="#444444",
                        gid="forest-heterogeneity")
    lowest = -1.5 if het else -0.6
    ax.set_ylim(lowest, nrows + 0.45)
    _log_axis(ax, xs)
    ax.set_xlabel(xlabel)
    _favours(ax, favours)
    fig.suptitle(_wrap(title, 75), fontsize=15, fontweight="bold", x=0.01, ha="left")
    return fig


@_styled
def interaction_plot(per_arm: pd.DataFrame, *, title: str, p_interaction: float | None = None,
                     xlabel: str = "Hazard ratio per SD (log scale)", colors=None) -> Figure:
    """Per-arm hazard ratio per SD with 95% CI of one cohort (``per_arm``: arm, hr,
    ci_lower, ci_upper, n, events); see :func:`interaction_panels` for several cohorts on
    one axis."""
    return interaction_panels({"": per_arm}, title=title, p_interaction={"": p_interaction}
                              if p_interaction is not None else None, xlabel=xlabel, colors=colors)


@_styled
def interaction_panels(per_cohort: Mapping[str, pd.DataFrame], *, title: str,
                       p_interaction: Mapping[str, float] | None = None,
                       xlabel: str = "Hazard ratio per SD (log scale)", colors=None,
                       favours: tuple[str, str] | None = FAVOURS_SCORE) -> Figure:
    """Per-arm hazard ratio per SD with 95% CI for one or more cohorts on ONE shared log
    axis (so cohorts compare at a glance). ``per_cohort``: cohort -> table (arm, hr,
    ci_lower, ci_upper, n, events; rows drawn top-down in table order); a cohort name of
    '' draws no header row. Arms coloured by :func:`arm_colors` (the same colour in every
    cohort). ``p_interaction``: cohort -> likelihood-ratio p of the score x treatment
    interaction, printed in the cohort's header row (or under the rows for '')."""
    p_interaction = dict(p_interaction or {})
    arms_all = [a for d in per_cohort.values() for a in d["arm"].tolist()]
    cols = arm_colors(arms_all)
    if colors:
        cols.update({k: v for k, v in colors.items() if k in cols})
    rows: list[tuple] = []  # (kind, cohort, record)
    for cohort, d in per_cohort.items():
        if cohort:
            rows.append(("header", cohort, None))
        for r in d.reset_index(drop=True).to_dict("records"):
            rows.append(("arm", cohort, r))
        if not cohort and p_interaction.get(cohort) is not None:
            rows.append(("p", cohort, None))
    n = len(rows)
    fig, ax_lab, ax, ax_txt = _table_layout(max(n, 1), width=11.0)
    if not rows:
        ax_lab.text(0.0, 0.0, "No cohort has a treatment interaction analysis (no treatment column).",
                    ha="left", va="center", gid="interaction-none")
    hdr_y = n - 0.15
    ax_lab.text(0.0, hdr_y, "Treatment arm", ha="left", va="bottom", fontweight="bold")
    ax_txt.text(0.05, hdr_y, "HR per SD (95% CI)", ha="left", va="bottom", fontweight="bold")
    xs = []
    for i, (kind, cohort, r) in enumerate(rows):
        y = n - 1 - i
        if kind == "header":
            p = p_interaction.get(cohort)
            ax_lab.text(0.0, y, cohort, ha="left", va="center", fontweight="bold", gid="interaction-cohort")
            if p is not None:
                ax_txt.text(0.05, y, fmt.p_text(p, "interaction p"), ha="left", va="center", fontsize=12,
                            color="#444444", gid="interaction-p")
            for a in (ax, ax_lab, ax_txt):
                a.axhline(y + 0.5, color="#BDC3C7", lw=0.8)
            continue
        if kind == "p":
            ax_lab.text(0.0, y, fmt.p_text(p_interaction[cohort], "Interaction p"), ha="left", va="center",
                        fontsize=12, color="#444444", gid="interaction-p")
            continue
        c = cols[r["arm"]]
        h, lo, hi = (float(r[k]) if fmt.finite(r.get(k)) else np.nan for k in ("hr", "ci_lower", "ci_upper"))
        _ci_row(ax, y, h, lo, hi, color=c, size=110, gid="interaction-arm")
        xs += [h, lo, hi]
        ax_lab.text(0.02 if cohort else 0.0, y, f"{r['arm']}\n(n = {fmt.count(r.get('n'))}, "
                    f"{fmt.count(r.get('events'))} events)", ha="left", va="center", color=c,
                    fontweight="bold", linespacing=1.1, gid="interaction-label")
        ax_txt.text(0.05, y, fmt.ratio_ci(h, lo, hi) if np.isfinite(h) else "not estimable",
                    ha="left", va="center", gid="interaction-estimate")
    ax.set_ylim(-0.6, n + 0.45)
    _log_axis(ax, xs)
    ax.set_xlabel(xlabel)
    _favours(ax, favours)
    fig.suptitle(_wrap(title, 75), fontsize=15, fontweight="bold", x=0.01, ha="left")
    return fig


def placeholder(message: str, *, title: str = "") -> Figure:
    """A figure that states why there is nothing to plot (a declared contrast not analysed in
    the cohort, no calibration data), so every declared figure exists and says why."""
    fig = Figure(figsize=(7, 2.2))
    ax = fig.add_subplot(1, 1, 1)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=12)
    ax.text(0.5, 0.45, message, ha="center", va="center", fontsize=11, wrap=True, color="#555555")
    return fig


# --------------------------------------------------------------------------- calibration
_MODEL_STYLE = {"univariable": ("o", PALETTE[2], "frozen score model"),
                "multivariable": ("s", PALETTE[1], "frozen clinical + score model")}


@_styled
def calibration_plot(curve: pd.DataFrame, *, title: str) -> Figure:
    """Predicted vs observed survival of a frozen model, one panel per horizon.

    ``curve`` is the ``calibration_curve.tsv`` table of one signature (``model, horizon,
    grouping, group, n, events, predicted, observed, observed_lower, observed_upper``).
    Points: quantile groups of the frozen linear predictor (``lp_quantile``), one marker and
    colour per model, joined in order of predicted risk; the frozen risk groups (``frozen_group``,
    hollow, coloured high/low) of the score model. Vertical bars: the Kaplan-Meier 95% log-log
    CI of the observed survival. The dashed diagonal is perfect calibration; both axes 0-1.
    """
    need = {"model", "horizon", "grouping", "group", "predicted", "observed", "observed_lower", "observed_upper"}
    if curve is None or curve.empty or need - set(curve.columns):
        return placeholder("no calibration data (no frozen model could be validated in this cohort)", title=title)
    horizons = sorted(curve["horizon"].astype(float).unique())
    fig = Figure(figsize=(4.6 * len(horizons) + 1.0, 5.6), layout="constrained")
    axes = fig.subplots(1, len(horizons), squeeze=False)[0]
    handles: dict[str, Line2D] = {}
    for ax, h in zip(axes, horizons):
        ax.plot([0, 1], [0, 1], ls="--", lw=1.2, color="#7F8C8D", zorder=1)
        sub = curve[curve["horizon"].astype(float) == h]
        for model, (marker, color, label) in _MODEL_STYLE.items():
            d = sub[(sub["model"] == model) & (sub["grouping"] == "lp_quantile")].sort_values("predicted")
            if d.empty:
                continue
            x, y = d["predicted"].to_numpy(float), d["observed"].to_numpy(float)
            lo, hi = d["observed_lower"].to_numpy(float), d["observed_upper"].to_numpy(float)
            ax.vlines(x, lo, hi, color=color, lw=1.4, alpha=0.8, zorder=2)
            ax.plot(x, y, marker=marker, color=color, ms=8, lw=1.0, zorder=3, gid=f"calibration-{model}")
            handles[model] = Line2D([], [], marker=marker, color=color, lw=1.0, ms=8,
                                    label=f"{label} (quantile groups)")
        d = sub[(sub["model"] == "univariable") & (sub["grouping"] == "frozen_group")]
        for r in d.itertuples():
            c = group_color(r.group) or _NEUTRAL
            ax.vlines(r.predicted, r.observed_lower, r.observed_upper, color=c, lw=1.4, alpha=0.6, zorder=2)
            ax.plot([r.predicted], [r.observed], marker="D", mfc="white", mec=c, mew=2, ms=10, ls="none", zorder=4,
                    gid="calibration-frozen-group")
            handles[f"group-{r.group}"] = Line2D([], [], marker="D", mfc="white", mec=c, mew=2, ms=10, ls="none",
                                                 label=f"frozen {r.group} group")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.set_title(f"{h:g} months", loc="left")
        ax.set_xlabel("Predicted survival (mean)")
        ax.grid(color="#E5E7E9", lw=0.8, zorder=0)
    axes[0].set_ylabel("Observed survival (Kaplan-Meier, 95% CI)")
    handles["diagonal"] = Line2D([], [], ls="--", color="#7F8C8D", label="perfect calibration")
    fig.legend(handles=list(handles.values()), loc="outside lower center", ncol=min(len(handles), 3), fontsize=11)
    fig.suptitle(_wrap(title, 90), fontsize=15, fontweight="bold", x=0.01, ha="left")
    return fig


def km_by_arm_plot(km: pd.DataFrame, *, title: str, reference_arm: str, test_arm: str,
                   annotation: str | None = None, risk_times=None) -> Figure:
    """Kaplan-Meier curves by treatment arm x score group (``km``: rows of one contrast and
    signature of ``km_by_arm.tsv``: arm, group, time, n_risk, ...), drawn with :func:`km_plot`:
    one colour per arm (:func:`arm_colors`), solid line for the high(er) group and dashed for
    the low(er) (dash-dot / dotted for further groups), curves ordered reference arm then test
    arm, each by group, without CI bands (four overlapping bands are unreadable; the CIs are
    in the table); numbers at risk per curve under the plot."""
    arms = [reference_arm, test_arm]
    groups = _order_levels(km["group"])[::-1]  # high first
    styles = ["-", "--", "-.", ":"]
    acol = arm_colors(arms)
    labels = [f"{a}: {g}" for a in arms for g in groups]
    d = km.assign(group=pd.Categorical(km["arm"].astype(str) + ": " + km["group"].astype(str), categories=labels))
    colors = {f"{a}: {g}": acol[a] for a in arms for g in groups}
    ls = {f"{a}: {g}": styles[i % len(styles)] for a in arms for i, g in enumerate(groups)}
    return km_plot(d, title=title, annotation=annotation, colors=colors, linestyles=ls, risk_times=risk_times,
                   ci=False)


@_styled
def treatment_effect_plot(curve: pd.DataFrame, rug: pd.DataFrame | None = None, *, title: str, test_arm: str,
                          reference_arm: str, annotation: str | None = None,
                          xlabel: str = "Score (SD units, z within the cohort)") -> Figure:
    """Hazard ratio of ``test_arm`` vs ``reference_arm`` along the score.

    ``curve``: rows of ``treatment_effect.tsv`` for one contrast and signature (``model``
    ``spline`` and/or ``linear``; ``score, hr, ci_lower, ci_upper``). The spline estimate is
    drawn with its pointwise 95% CI band, the linear (interaction-model) estimate as a dashed
    line with a lighter band; log y axis with a reference line at HR = 1 (below 1: the test
    arm does better); ``rug`` (``arm, score``) adds the patients' scores as ticks per arm
    under the curves. ``annotation`` is printed in the upper corner.
    """
    fig = Figure(figsize=(9, 7.2), layout="constrained")
    ax = fig.add_subplot()
    ax.set_label("treatment_effect")
    col = arm_colors([reference_arm, test_arm])[test_arm]
    ys = []
    handles = []
    for model, style, alpha, lab in (("linear", "--", 0.10, "linear interaction (95% CI)"),
                                     ("spline", "-", 0.22, "restricted cubic spline (95% CI)")):
        d = curve[curve["model"] == model].sort_values("score", kind="mergesort")
        if d.empty:
            continue
        x = d["score"].to_numpy(float)
        ax.fill_between(x, d["ci_lower"].to_numpy(float), d["ci_upper"].to_numpy(float), color=_NEUTRAL,
                        alpha=alpha, lw=0, zorder=1)
        ax.plot(x, d["hr"].to_numpy(float), color=_NEUTRAL, ls=style, lw=2.4 if model == "spline" else 1.6,
                zorder=3, gid=f"treatment-effect-{model}")
        ys += [*d["ci_lower"], *d["ci_upper"], *d["hr"]]
        handles.append(Line2D([], [], color=_NEUTRAL, ls=style, lw=2.2, label=lab))
    v = np.asarray([y for y in ys if np.isfinite(y) and y > 0] + [1.0])
    lo, hi = np.log10(v.min()), np.log10(v.max())
    span = max(hi - lo, np.log10(2.0))
    ax.set_yscale("log")
    a, b = lo - 0.22 * span, hi + 0.08 * span
    ax.set_ylim(10 ** a, 10 ** b)
    ax.set_yticks(_hr_ticks(lo - 0.05 * span, b))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
    ax.axhline(1.0, color="#7F8C8D", lw=1.2, ls=":", zorder=0)
    if rug is not None and len(rug):
        acol = arm_colors([reference_arm, test_arm])
        for i, arm in enumerate((reference_arm, test_arm)):
            r = rug.loc[rug["arm"].astype(str) == arm, "score"].to_numpy(float)
            y0 = 10 ** (a + (0.03 + 0.07 * i) * (b - a))
            ax.plot(r, np.full(r.size, y0), ls="none", marker="|", ms=10, mew=1.2, color=acol[arm],
                    alpha=0.8, zorder=2, gid=f"rug|{arm}")
            handles.append(Line2D([], [], ls="none", marker="|", ms=10, mew=1.6, color=acol[arm],
                                  label=f"{arm} patients (n = {r.size})"))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"HR {test_arm} vs {reference_arm} (log scale)")
    ax.set_title(_wrap(title), loc="left")
    ax.grid(axis="y", color="#E5E7E9", lw=0.8, zorder=0)
    if handles:  # under the axes: the curves and the annotation keep the plot area
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=11)
    if annotation:
        ax.text(0.02, 0.97, str(annotation), transform=ax.transAxes, ha="left", va="top", fontsize=12,
                gid="treatment-effect-annotation",
                bbox=dict(boxstyle="round,pad=0.3", fc="white", ec="none", alpha=0.85))
    return fig


def predictive_figures(predictive: pd.DataFrame, treatment_effect: pd.DataFrame, km_by_arm: pd.DataFrame,
                       rug: pd.DataFrame, status: pd.DataFrame, contrasts: Sequence[Mapping], *, primary: str,
                       cohort: str) -> list[tuple[Figure, Figure]]:
    """The two figures of each declared contrast (in ``contrasts`` order) for the ``primary``
    signature, from the tables of :func:`mitoscore.analysis.predictive_cohort`:
    (:func:`treatment_effect_plot`, :func:`km_by_arm_plot`). The treatment-effect panel quotes
    the interaction HR with its Wald CI and the LR p-values (linear, spline). A contrast not
    analysed in the cohort (arm absent, model skipped) gets :func:`placeholder` figures that
    say why."""
    out = []
    for con in contrasts:
        name, ta, ra = con["name"], str(con["test_arm"]), str(con["reference_arm"])
        title = f"{cohort}: {primary}, {ta} vs {ra}"
        st = status[status["contrast"] == name] if len(status) else status
        why = (str(st["reason"].iloc[0]) if len(st) and st["status"].iloc[0] != "analysed"
               else f"{primary}: no model could be fitted (see skipped_models.tsv)")
        te = treatment_effect[(treatment_effect["contrast"] == name) & (treatment_effect["signature"] == primary)]
        km = km_by_arm[(km_by_arm["contrast"] == name) & (km_by_arm["signature"] == primary)]
        pr = predictive[(predictive["contrast"] == name) & (predictive["signature"] == primary)]
        lines = []
        it = pr[pr["term"] == "interaction"]
        if len(it):
            r = it.iloc[0]
            lines.append(f"Interaction HR per SD {fmt.ratio_ci(r['hr'], r['ci_lower'], r['ci_upper'])}, "
                         f"{fmt.p_text(r['lr_p'], 'LR p')} (1 df)")
        sp = pr[pr["term"] == "spline_interaction"]
        if len(sp):
            lines.append(f"Spline x arm: {fmt.p_text(sp['lr_p'].iloc[0], 'LR p')} ({int(sp['lr_df'].iloc[0])} df)")
        note = "\n".join(lines) or None
        if len(te):
            r_ = rug[rug["contrast"] == name] if len(rug) else None
            te_fig = treatment_effect_plot(te, r_, title=title, test_arm=ta, reference_arm=ra, annotation=note)
        else:
            te_fig = placeholder(f"Treatment effect not estimated: {why}", title=title)
        if len(km):
            km_fig = km_by_arm_plot(km, title=f"{cohort}: {primary}, OS by arm x score group", reference_arm=ra,
                                    test_arm=ta, annotation=lines[0] if lines else None)
        else:
            km_fig = placeholder(f"Not analysed: {why}", title=title)
        out.append((te_fig, km_fig))
    return out


# --------------------------------------------------------------------------- DE plots
def _sig_mask(de: pd.DataFrame, alpha: float, lfc_threshold: float = 0.0) -> np.ndarray:
    padj = pd.to_numeric(de["padj"], errors="coerce").to_numpy(float)
    lfc = pd.to_numeric(de["log2FoldChange"], errors="coerce").to_numpy(float)
    return (np.nan_to_num(padj, nan=np.inf) < alpha) & (np.abs(np.nan_to_num(lfc, nan=0.0)) > lfc_threshold)


def _repel_labels(ax, pts: list[tuple[str, float, float]], xlim, ylim, *, side: int, min_gap: float = 0.045):
    """Place gene labels on one side of their points with a vertical de-overlap in axes
    fraction; a thin leader line joins label and point. Deterministic."""
    x0, x1 = xlim
    y0, y1 = ylim
    placed = []
    for name, x, y in sorted(pts, key=lambda p: (-p[2], p[0])):
        fx = (x - x0) / (x1 - x0)
        fy = (y - y0) / (y1 - y0)
        ly = min(fy, 0.97)
        for p in placed:
            if abs(p - ly) < min_gap:
                ly = p - min_gap
        ly = max(ly, 0.02)
        placed.append(ly)
        lx = min(max(fx + 0.04 * side, 0.01), 0.99)
        ax.annotate(name, xy=(x, y), xycoords="data", xytext=(lx, ly), textcoords="axes fraction",
                    ha="left" if side > 0 else "right", va="center", fontsize=11, style="italic",
                    arrowprops=dict(arrowstyle="-", color="#7F8C8D", lw=0.7, shrinkA=0, shrinkB=2),
                    gid="gene-label")


@_styled
def volcano_plot(de: pd.DataFrame, *, alpha: float = 0.1, lfc_threshold: float = 0.0, label_top: int = 10,
                 highlight: set[str] | None = None, title: str, xlabel: str = "log2 fold change") -> Figure:
    """Volcano plot: log2 fold change vs -log10 p. Genes with padj < ``alpha`` and
    |log2FC| > ``lfc_threshold`` are coloured (up: red, down: blue; missing padj =
    not significant); the ``label_top`` significant genes with the smallest padj are
    labelled; ``highlight`` genes (e.g. the signature) are outlined in black.
    p = 0 is drawn at the smallest positive p in the table (so the point stays visible).
    Scatter collections carry gids ``volcano-up``, ``volcano-down``, ``volcano-ns``,
    ``volcano-highlight``.
    """
    d = de.copy()
    d["pvalue"] = pd.to_numeric(d["pvalue"], errors="coerce")
    d["log2FoldChange"] = pd.to_numeric(d["log2FoldChange"], errors="coerce")
    d = d.loc[d["pvalue"].notna() & d["log2FoldChange"].notna()].reset_index(drop=True)
    p = d["pvalue"].to_numpy(float)
    pos = p[p > 0]
    floor = pos.min() if pos.size else 1e-300
    y = -np.log10(np.clip(p, floor, 1.0))
    x = d["log2FoldChange"].to_numpy(float)
    sig = _sig_mask(d, alpha, lfc_threshold)
    up, down, ns = sig & (x > 0), sig & (x < 0), ~sig

    fig = Figure(figsize=(9, 7), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(x[ns], y[ns], s=8, color=_NONSIG, linewidths=0, rasterized=_dense(ns.sum()), gid="volcano-ns",
               label=f"not significant (n = {int(ns.sum())})", zorder=1)
    ax.scatter(x[up], y[up], s=18, color=_UP, linewidths=0, gid="volcano-up", rasterized=_dense(up.sum()),
               label=f"up, padj < {alpha:g} (n = {int(up.sum())})", zorder=2)
    ax.scatter(x[down], y[down], s=18, color=_DOWN, linewidths=0, gid="volcano-down", rasterized=_dense(down.sum()),
               label=f"down, padj < {alpha:g} (n = {int(down.sum())})", zorder=2)
    if highlight:
        hl = d["gene"].astype(str).isin({str(g) for g in highlight}).to_numpy()
        ax.scatter(x[hl], y[hl], s=40, facecolors="none", edgecolors="black", linewidths=1.2,
                   gid="volcano-highlight", label=f"signature genes (n = {int(hl.sum())})", zorder=3)
    if lfc_threshold > 0:
        for v in (-lfc_threshold, lfc_threshold):
            ax.axvline(v, color="#95A5A6", ls="--", lw=1, zorder=0)
    ax.axvline(0, color="#D5D8DC", lw=0.8, zorder=0)

    xm = float(np.nanmax(np.abs(x))) if x.size else 1.0
    xm = xm if xm > 0 else 1.0
    ym = float(np.nanmax(y)) if y.size else 1.0
    ym = ym if ym > 0 else 1.0
    xlim, ylim = (-1.35 * xm, 1.35 * xm), (0, ym * 1.1)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    if label_top and sig.any():
        padj = pd.to_numeric(d["padj"], errors="coerce").to_numpy(float)
        idx = np.flatnonzero(sig)
        order = np.lexsort((d["gene"].astype(str).to_numpy()[idx], p[idx], padj[idx]))
        top = idx[order[:label_top]]
        g = d["gene"].astype(str).to_numpy()
        _repel_labels(ax, [(g[i], x[i], y[i]) for i in top if x[i] > 0], xlim, ylim, side=+1)
        _repel_labels(ax, [(g[i], x[i], y[i]) for i in top if x[i] <= 0], xlim, ylim, side=-1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("−log10 p-value")
    ax.set_title(_wrap(title), loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, markerscale=1.5)
    return fig


@_styled
def ma_plot(de: pd.DataFrame, *, alpha: float = 0.1, title: str) -> Figure:
    """MA plot: mean of normalised counts (baseMean, log10 axis) vs log2 fold change;
    padj < ``alpha`` coloured (up red, down blue). Genes with baseMean <= 0 are dropped.
    Scatter gids: ``ma-up``, ``ma-down``, ``ma-ns``."""
    d = de.copy()
    d["baseMean"] = pd.to_numeric(d["baseMean"], errors="coerce")
    d["log2FoldChange"] = pd.to_numeric(d["log2FoldChange"], errors="coerce")
    d = d.loc[(d["baseMean"] > 0) & d["log2FoldChange"].notna()].reset_index(drop=True)
    x = d["baseMean"].to_numpy(float)
    y = d["log2FoldChange"].to_numpy(float)
    sig = _sig_mask(d, alpha)
    up, down, ns = sig & (y > 0), sig & (y < 0), ~sig
    fig = Figure(figsize=(9, 6.5), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(x[ns], y[ns], s=8, color=_NONSIG, linewidths=0, rasterized=_dense(ns.sum()), gid="ma-ns",
               label=f"not significant (n = {int(ns.sum())})")
    ax.scatter(x[up], y[up], s=16, color=_UP, linewidths=0, gid="ma-up", rasterized=_dense(up.sum()),
               label=f"up, padj < {alpha:g} (n = {int(up.sum())})")
    ax.scatter(x[down], y[down], s=16, color=_DOWN, linewidths=0, gid="ma-down", rasterized=_dense(down.sum()),
               label=f"down, padj < {alpha:g} (n = {int(down.sum())})")
    ax.axhline(0, color="#7F8C8D", lw=1)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel("Mean of normalised counts (log10 scale)")
    ax.set_ylabel("log2 fold change")
    ax.set_title(_wrap(title), loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, markerscale=1.5)
    return fig


# --------------------------------------------------------------------------- scores / QC
@_styled
def score_distribution(scores: pd.DataFrame, *, by: str, value: str = "score", title: str, colors=None,
                       ylabel: str | None = None, seed: int = 20240101) -> Figure:
    """Box plot (median, IQR, whiskers 1.5 IQR, no fliers) + jittered points per level of
    column ``by`` (order: categorical order, risk groups low -> high, else sorted);
    jitter from ``numpy.random.default_rng(seed)``; tick labels show n per level."""
    d = scores.loc[scores[by].notna(), [by, value]].copy()
    d[value] = pd.to_numeric(d[value], errors="coerce")
    d = d.loc[d[value].notna()]
    levels = _order_levels(d[by])
    cols = _level_colors(levels, colors)
    rng = np.random.default_rng(seed)
    fig = Figure(figsize=(max(5.5, 1.6 + 1.5 * len(levels)), 6.5), layout="constrained")
    ax = fig.add_subplot()
    data = [d.loc[d[by] == lv, value].to_numpy(float) for lv in levels]
    pos = np.arange(1, len(levels) + 1)
    if levels:
        bp = ax.boxplot(data, positions=pos, widths=0.55, showfliers=False, patch_artist=True,
                        medianprops=dict(color="black", lw=2), whiskerprops=dict(lw=1.4),
                        capprops=dict(lw=1.4), manage_ticks=False)
        for patch, lv in zip(bp["boxes"], levels):
            patch.set_facecolor(cols[lv])
            patch.set_alpha(0.25)
            patch.set_edgecolor(cols[lv])
            patch.set_linewidth(1.6)
    for k, (lv, v) in enumerate(zip(levels, data)):
        jit = rng.uniform(-0.17, 0.17, size=v.size)
        ax.scatter(pos[k] + jit, v, s=22, color=cols[lv], alpha=0.75, linewidths=0, zorder=3,
                   gid=f"strip|{lv}", rasterized=_dense(v.size))
    ax.set_xticks(pos, [f"{lv}\n(n = {len(v)})" for lv, v in zip(levels, data)])
    ax.set_xlim(0.4, len(levels) + 0.6)
    ax.set_xlabel(by.replace("_", " "))
    ax.set_ylabel(ylabel or {"score": "Signature score (ssGSEA)", "z": "Signature score (z, SD units)",
                             "es": "Enrichment score"}.get(value, value))
    ax.set_title(_wrap(title, 50), loc="left")
    ax.grid(axis="y", color="#E5E7E9", lw=0.8, zorder=0)
    return fig


def _bars(ax, edges, bottom, heights, *, color, edgecolor, linewidth, gid=None, label=None):
    """Histogram bars (``edges``: bin edges; ``bottom`` / ``heights`` per bin) as ONE compound
    patch: the same rectangles as ``ax.hist``'s one patch per bar (filled, outlined in
    ``edgecolor``), one SVG element. Empty bins draw nothing. The y axis starts at 0 as with
    ``ax.hist`` (sticky edge). Returns the patch; :func:`bar_heights` reads the heights back."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as _P
    verts, codes = [], []
    for x0, x1, b, h in zip(edges[:-1], edges[1:], bottom, heights):
        if h > 0:
            verts += [(x0, b), (x1, b), (x1, b + h), (x0, b + h), (x0, b)]
            codes += [_P.MOVETO, _P.LINETO, _P.LINETO, _P.LINETO, _P.CLOSEPOLY]
    if not verts:
        verts, codes = [(edges[0], 0.0)], [_P.MOVETO]
    patch = PathPatch(_P(np.asarray(verts, float), codes), facecolor=color, edgecolor=edgecolor,
                      linewidth=linewidth, gid=gid, label=label)
    patch.sticky_edges.y.append(0.0)
    ax.add_patch(patch)
    ax.autoscale_view()
    return patch


def bar_heights(patch) -> np.ndarray:
    """Heights of the bars of a :func:`_bars` patch (in drawing order)."""
    v = patch.get_path().vertices
    return v[2::5, 1] - v[0::5, 1] if len(v) >= 5 else np.zeros(0)


#: y-axis label of each score kind (the cohort's raw score scale).
SCORE_SCALES = {"ssgsea": "ssGSEA score (normalised)", "weighted_sum": "weighted sum of log2 expression",
                "single_gene": "log2 normalised expression", "gene_ratio": "log2 ratio"}


@_styled
def score_panels(scores: pd.DataFrame, *, title: str, signatures: Sequence[str] | None = None, ncols: int = 3,
                 bins: int = 24) -> Figure:
    """One panel per signature: the distribution of its raw score on the cohort's own scale
    (ssGSEA score, weighted sum, log2 expression, log2 ratio: column ``score``) as a
    histogram whose bars are split by the pre-declared group (column ``group``, stacked, in
    the group colours), so the panel shows the shape, spread and outliers of the score and
    where the cut falls. (z-scores would give identical boxes by construction.) Each panel
    has its own x axis labelled with its scale; the panel title is the signature name
    (wrapped, never overprinted). ``signatures`` fixes the panel order."""
    d = scores.copy()
    d["score"] = pd.to_numeric(d["score"], errors="coerce")
    sigs = list(signatures) if signatures is not None else list(dict.fromkeys(d["signature"]))
    sigs = [s for s in sigs if s in set(d["signature"])]
    ncols = max(1, min(ncols, len(sigs) or 1))
    nrows = max(1, math.ceil(len(sigs) / ncols))
    fig = Figure(figsize=(3.6 * ncols + 0.4, 3.3 * nrows + 1.0), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    handles = {}
    for ax, sig in zip(axes, sigs):
        sub = d.loc[(d["signature"] == sig) & d["score"].notna()]
        levels = _order_levels(sub["group"]) if "group" in sub else []
        cols = _level_colors(levels)
        v = sub["score"].to_numpy(float)
        edges = np.histogram_bin_edges(v, bins=bins) if v.size else bins
        data = [sub.loc[sub["group"] == lv, "score"].to_numpy(float) for lv in levels]
        if levels:
            bottom = np.zeros(len(edges) - 1)
            for lv, vals in zip(levels, data):  # stacked histogram, one compound path per group
                h = np.histogram(vals, bins=edges)[0].astype(float)
                _bars(ax, edges, bottom, h, color=cols[lv], edgecolor="white", linewidth=0.4,
                      gid=f"score-hist|{sig}|{lv}", label=f"{lv}")
                bottom = bottom + h
            for lv in levels:
                handles.setdefault(lv, cols[lv])
        kind = str(sub["kind"].iloc[0]) if "kind" in sub and len(sub) else ""
        ax.set_xlabel(SCORE_SCALES.get(kind, kind or "score"), fontsize=11)
        ax.set_ylabel("patients", fontsize=11)
        ax.tick_params(labelsize=10)
        ax.set_title(_wrap(sig, 26) + f"\n(n = {v.size})", loc="left", fontsize=12)
        ax.set_gid(f"score-panel|{sig}")
        ax.grid(axis="y", color="#E5E7E9", lw=0.8, zorder=0)
    for ax in axes[len(sigs):]:
        ax.set_axis_off()
    if handles:
        from matplotlib.patches import Patch
        fig.legend(handles=[Patch(color=c, label=f"{g} (pre-declared group)") for g, c in handles.items()],
                   loc="outside lower center", ncol=len(handles))
    fig.suptitle(_wrap(title, 80), fontsize=15, fontweight="bold", x=0.01, ha="left")
    return fig


def _sample_ids(pca: pd.DataFrame) -> pd.Index:
    for c in ("sample", "sample_id"):
        if c in pca.columns:
            return pd.Index(pca[c].astype(str))
    return pd.Index(pca.index.astype(str))


def _pct(explained, key: str, pos: int) -> float:
    ex = pd.Series(explained) if not isinstance(explained, pd.Series) else explained
    v = ex.get(key, np.nan)
    if pd.isna(v) and len(ex) > pos:
        v = ex.iloc[pos]
    v = float(v)
    frac = pd.to_numeric(ex, errors="coerce").max() <= 1.0
    return 100 * v if frac else v


@_styled
def pca_plot(pca: pd.DataFrame, explained, *, color_by: pd.Series | None = None,
             outliers: Sequence[str] = (), title: str) -> Figure:
    """PC1 vs PC2 (``pca``: columns PC1, PC2 and sample ids in column ``sample`` or the
    index). ``explained``: variance explained per PC (keys 'PC1', 'PC2' or positional;
    fractions if all <= 1, else percent) shown in the axis labels. ``color_by``
    (indexed by sample id): categorical -> legend, numeric with > 8 levels -> viridis
    colour bar; missing -> grey. ``outliers`` are ringed in black and labelled."""
    ids = _sample_ids(pca)
    x = pd.to_numeric(pca["PC1"], errors="coerce").to_numpy(float)
    y = pd.to_numeric(pca["PC2"], errors="coerce").to_numpy(float)
    fig = Figure(figsize=(8.5, 7), layout="constrained")
    ax = fig.add_subplot()
    dense = _dense(len(x))  # every point layer rasterised (one image) when the cohort is large
    if color_by is None:
        ax.scatter(x, y, s=40, color=_NEUTRAL, alpha=0.8, linewidths=0, gid="pca-points", rasterized=dense)
    else:
        cb = pd.Series(color_by)
        cb.index = cb.index.astype(str)
        vals = cb.reindex(ids)
        name = str(cb.name) if cb.name is not None else "group"
        numeric = pd.api.types.is_numeric_dtype(vals) and vals.nunique() > 8
        if numeric:
            v = vals.to_numpy(float)
            miss = ~np.isfinite(v)
            sc = ax.scatter(x[~miss], y[~miss], c=v[~miss], cmap="viridis", s=40, linewidths=0,
                            gid="pca-points", rasterized=dense)
            if miss.any():
                ax.scatter(x[miss], y[miss], s=40, color="#BDC3C7", linewidths=0, label="NA", rasterized=dense)
                ax.legend(loc="best")
            fig.colorbar(sc, ax=ax, label=name.replace("_", " "))
        else:
            levels = _order_levels(vals)
            cols = _level_colors(levels)
            for lv in levels:
                m = (vals == lv).to_numpy()
                ax.scatter(x[m], y[m], s=40, color=cols[lv], alpha=0.85, linewidths=0,
                           label=f"{lv} (n = {int(m.sum())})", gid=f"pca-points|{lv}", rasterized=dense)
            m = vals.isna().to_numpy()
            if m.any():
                ax.scatter(x[m], y[m], s=40, color="#BDC3C7", linewidths=0, label=f"NA (n = {int(m.sum())})",
                           rasterized=dense)
            ax.legend(title=name.replace("_", " "), loc="best")
    out = [str(o) for o in outliers]
    if out:
        m = ids.isin(out)
        ax.scatter(x[m], y[m], s=110, facecolors="none", edgecolors="black", linewidths=1.5,
                   gid="pca-outliers", zorder=4)
        for i in np.flatnonzero(m):
            ax.annotate(ids[i], (x[i], y[i]), xytext=(7, 7), textcoords="offset points", fontsize=11,
                        gid="pca-outlier-label")
    ax.set_xlabel(f"PC1 ({fmt.pct(_pct(explained, 'PC1', 0))} of variance)")
    ax.set_ylabel(f"PC2 ({fmt.pct(_pct(explained, 'PC2', 1))} of variance)")
    ax.set_title(_wrap(title, 60), loc="left")
    ax.axhline(0, color="#E5E7E9", lw=0.8, zorder=0)
    ax.axvline(0, color="#E5E7E9", lw=0.8, zorder=0)
    return fig


def _as_bool(s: pd.Series) -> np.ndarray:
    if s.dtype == bool:
        return s.to_numpy()
    return s.astype(str).str.strip().str.lower().isin({"true", "1", "yes", "t"}).to_numpy()


@_styled
def library_size_plot(qc: pd.DataFrame, *, title: str) -> Figure:
    """Top: library sizes (millions of reads) sorted ascending, one dot per sample, with
    the median dashed; bottom: detected genes (thousands) vs library size. QC outliers
    (column ``outlier``) in vermillion and labelled. Sample names are shown on the x
    axis when there are at most 40 samples."""
    d = qc.copy()
    d["sample"] = d["sample"].astype(str)
    d["lib_m"] = pd.to_numeric(d["library_size"], errors="coerce") / 1e6
    det_col = "detected_genes" if "detected_genes" in d.columns else "detected"  # qc.flag_outliers name
    d["det_k"] = pd.to_numeric(d[det_col], errors="coerce") / 1e3
    d["out"] = _as_bool(d["outlier"]) if "outlier" in d.columns else False
    d = d.sort_values(["lib_m", "sample"], kind="mergesort").reset_index(drop=True)
    fig = Figure(figsize=(9, 9.5), layout="constrained")
    ax1, ax2 = fig.subplots(2, 1, height_ratios=[1, 1])
    r = np.arange(1, len(d) + 1)
    ok, out = ~d["out"].to_numpy(), d["out"].to_numpy()
    dense = _dense(ok.sum())  # the passed-QC points as one image when the cohort is large; outliers stay vector
    ax1.scatter(r[ok], d["lib_m"][ok], s=30, color=_NEUTRAL, linewidths=0, gid="lib-ok",
                label=f"passed QC (n = {int(ok.sum())})", rasterized=dense)
    ax1.scatter(r[out], d["lib_m"][out], s=55, color=_OUTLIER, linewidths=0, gid="lib-outlier",
                label=f"outlier (n = {int(out.sum())})")
    med = float(d["lib_m"].median()) if len(d) else np.nan
    if np.isfinite(med):
        ax1.axhline(med, color="#7F8C8D", ls="--", lw=1.2, label=f"median {fmt.num(med, 1)} M")
    if len(d) <= 40:
        ax1.set_xticks(r, d["sample"], rotation=90, fontsize=10)
        ax1.set_xlabel("Sample (sorted by library size)")
    else:
        ax1.set_xlabel(f"Samples sorted by library size (n = {len(d)})")
    for i in np.flatnonzero(out):
        ax1.annotate(d["sample"][i], (r[i], d["lib_m"][i]), xytext=(5, 5), textcoords="offset points",
                     fontsize=10, color=_OUTLIER,
                     bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))
    ax1.set_ylabel("Library size (million reads)")
    ax1.set_ylim(bottom=0)
    ax1.legend(loc="upper left")
    ax2.scatter(d["lib_m"][ok], d["det_k"][ok], s=30, color=_NEUTRAL, linewidths=0, rasterized=dense)
    ax2.scatter(d["lib_m"][out], d["det_k"][out], s=55, color=_OUTLIER, linewidths=0)
    for i in np.flatnonzero(out):
        ax2.annotate(d["sample"][i], (d["lib_m"][i], d["det_k"][i]), xytext=(5, 5),
                     textcoords="offset points", fontsize=10, color=_OUTLIER,
                     bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))
    ax2.set_xlabel("Library size (million reads)")
    ax2.set_ylabel("Detected genes (thousands)")
    fig.suptitle(_wrap(title, 70), fontsize=15, fontweight="bold", x=0.01, ha="left")
    return fig


# --------------------------------------------------------------------------- random-set null
@_styled
def null_distribution_plot(null: pd.DataFrame, summary: pd.DataFrame, *, title: str,
                           xlabel: str = "|Wald z| of the HR per SD (univariable Cox)") -> Figure:
    """One panel per signature: the distribution of |z| over the VALID random draws of that
    signature's own size and kind (``null`` rows with status "ok" of that signature), and a
    vertical line at the signature's observed |z|. Every number printed (observed |z|,
    percentile, empirical p, valid and excluded draws) is read from ``summary`` (the
    ``random_null/summary.tsv`` table, :mod:`mitoscore.nullsets`), so figure and table
    cannot disagree. A signature without a usable null shows its ``note`` instead."""
    rows = list(summary.to_dict("records")) if summary is not None else []
    k = max(len(rows), 1)
    ncol = 1 if k == 1 else 2
    nrow = math.ceil(k / ncol)
    fig = Figure(figsize=(7.5 * ncol, 4.6 * nrow + 0.8), layout="constrained")
    axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
    if not rows:
        axes[0].text(0.5, 0.5, "No random-signature null was computed", ha="center", va="center",
                     transform=axes[0].transAxes)
        axes[0].set_axis_off()
    for ax, r in zip(axes, rows):
        name = str(r["signature"])
        sub = null[(null["signature"] == name) & (null["status"] == "ok")] if len(null) else null
        v = np.abs(sub["z"].to_numpy(float)) if len(sub) else np.zeros(0)
        obs = abs(float(r["observed_z"])) if pd.notna(r.get("observed_z")) else math.nan
        kind = "random single genes" if r.get("kind") == "single_gene" else f"random {int(r['size'])}-gene sets"
        ax.set_title(_wrap(f"{name} vs {kind}", 45), loc="left", fontsize=13)
        if not v.size:
            ax.text(0.5, 0.5, _wrap(str(r.get("note") or "no valid random draw"), 50), ha="center", va="center",
                    transform=ax.transAxes, gid=f"null-note|{name}")
            ax.set_axis_off()
            continue
        lo = min(v.min(), obs) if np.isfinite(obs) else v.min()
        hi = max(v.max(), obs) if np.isfinite(obs) else v.max()
        if hi <= lo:
            hi = lo + 1.0
        edges = np.linspace(lo, hi, 31)
        _bars(ax, edges, np.zeros(30), np.histogram(v, bins=edges)[0].astype(float), color="#BDC3C7",
              edgecolor="white", linewidth=0.6, gid=f"null-hist|{name}",
                label=f"valid draws N = {int(r['n_valid'])} (excluded: {int(r['n_failed'])})")
        if np.isfinite(obs):
            ax.axvline(obs, color="#000000", lw=2.5, gid=f"observed|{name}",
                       label=f"{name}: |z| = {obs:.2f}; percentile {float(r['percentile_abs_z']):.1f}; "
                             f"{fmt.p_text(float(r['empirical_p']), 'empirical p')}")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Random draws (count)")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1, fontsize=10)
    for ax in axes[len(rows):]:
        ax.set_axis_off()
    fig.suptitle(_wrap(title, 100), fontsize=15, fontweight="bold", x=0.01, ha="left")
    return fig


# --------------------------------------------------------------------------- GSEA
#: Line colours of the running-sum figure (Okabe-Ito first, colour-blind safe).
_SET_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8E44AD",
               "#16A085", "#7F8C8D")


def _short(text: str, n: int = 58) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


@_styled
def enrichment_plot(ranking: pd.Series, curves: Sequence[Mapping], *, title: str, test: str, reference: str,
                    metric_label: str, fdr_max: float = 0.25, note: str | None = None) -> Figure:
    """GSEA running-sum figure of several gene sets over one ranking (the layout of the GSEA
    desktop and ``gseapy.gseaplot2``): top, the running enrichment sum of each set (exact
    polyline from :func:`mitoscore.gsea.running_sum`: x, y); middle, one row of ticks per set at
    its genes' ranks; bottom, the ranking metric (higher in ``test`` on the left, higher in
    ``reference`` on the right). Each curve: mapping with ``term, x, y, hits, nes, fdr, pval``
    (and optionally ``collection``); the legend gives NES, FDR and nominal p. ``note`` (e.g.
    the circular-contrast caveat) is printed under the title. Line gids ``gsea-curve|<term>``."""
    n = len(ranking)
    k = max(len(curves), 1)
    fig = Figure(figsize=(11, 6.2 + 0.28 * k + (0.5 if note else 0)), layout="constrained")
    gs = fig.add_gridspec(3, 1, height_ratios=[3.2, 0.22 * k + 0.3, 1.3])
    ax, axr, axm = fig.add_subplot(gs[0]), fig.add_subplot(gs[1]), fig.add_subplot(gs[2])
    for i, c in enumerate(curves):
        col = _SET_COLORS[i % len(_SET_COLORS)]
        fdr = c.get("fdr")
        fdr_txt = "NA" if fdr is None or not np.isfinite(fdr) else (f"{fdr:.2g}" if fdr >= 0.001 else "< 0.001")
        star = " *" if fdr is not None and np.isfinite(fdr) and fdr < fdr_max else ""
        label = (f"{_short(c['term'])}{star}\nNES {c['nes']:.2f}, FDR {fdr_txt}, {fmt.p_text(c.get('pval'))}"
                 + (f" [{c['collection']}]" if c.get("collection") else ""))
        ax.plot(c["x"], c["y"], color=col, lw=1.8, label=label, gid=f"gsea-curve|{c['term']}")
        hits = np.asarray(c["hits"], float)
        # one tick per hit, all ticks of a set as ONE path (NaN breaks the line between ticks)
        tx = np.repeat(hits, 3)
        tx[2::3] = np.nan
        ty = np.tile([k - i - 0.9, k - i - 0.1, np.nan], hits.size)
        axr.plot(tx, ty, color=col, lw=0.6, solid_capstyle="butt", gid=f"gsea-hits|{c['term']}")
    ax.axhline(0, color="#7F8C8D", lw=0.8)
    ax.set_xlim(0, n - 1)
    ax.set_ylabel("Running enrichment score")
    ax.tick_params(labelbottom=False)
    ttl = _wrap(title, 80)
    if note:
        ttl += "\n" + _wrap(note, 95)
    ax.set_title(ttl, loc="left", fontsize=12 if note else None)
    if curves:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, labelspacing=0.7)
    else:
        ax.text(0.5, 0.5, "no set to draw", transform=ax.transAxes, ha="center", color="#555555")
    axr.set_xlim(0, n - 1)
    axr.set_ylim(0, k)
    axr.set_yticks([])
    axr.tick_params(labelbottom=False)
    for sp in ("left", "bottom"):
        axr.spines[sp].set_visible(False)
    v = ranking.to_numpy(float)
    x = np.arange(n)
    axm.fill_between(x, v, 0, where=v >= 0, color=_UP, alpha=0.55, lw=0, rasterized=True)
    axm.fill_between(x, v, 0, where=v < 0, color=_DOWN, alpha=0.55, lw=0, rasterized=True)
    lo, hi = np.quantile(v, [0.005, 0.995]) if n > 200 else (v.min(), v.max())
    span = max(abs(lo), abs(hi), 1e-12) * 1.1
    axm.set_ylim(-span if v.min() < 0 else 0, span if v.max() > 0 else 0)
    zero = int(np.searchsorted(-v, 0.0))
    axm.axvline(zero, color="#7F8C8D", ls="--", lw=1)
    axm.set_xlim(0, n - 1)
    axm.set_xlabel(f"Rank in the ordered gene list ({n} genes; zero cross at {zero})")
    axm.set_ylabel(_wrap(metric_label, 22) + ("\n(axis clipped at the\n0.5% / 99.5% quantiles)" if n > 200 else ""),
                   fontsize=10)
    axm.text(0.01, 0.92, f"higher in {test}", transform=axm.transAxes, va="top", color=_UP, fontsize=11)
    axm.text(0.99, 0.08, f"higher in {reference}", transform=axm.transAxes, ha="right", color=_DOWN,
             fontsize=11)
    return fig


@_styled
def nes_heatmap(long: pd.DataFrame, concord: pd.DataFrame, *, terms: Sequence[str], title: str,
                fdr_max: float = 0.25, circular: Iterable[str] = ()) -> Figure:
    """NES of gene sets (rows, in the order of ``terms``) across cohorts within each contrast
    (column blocks): colour = NES (blue negative, red positive, symmetric scale), ``*`` = FDR <
    ``fdr_max``, grey = not tested; right of each contrast block, the direction counts
    across cohorts (``n_up``/``n_down`` of :func:`mitoscore.gsea.concordance`). Contrasts in
    ``circular`` are labelled CIRCULAR."""
    circular = set(circular)
    contrasts = list(dict.fromkeys(long["contrast"]))
    cols: list[tuple[str, str | None]] = []
    for con in contrasts:
        cols += [(con, c) for c in sorted(long.loc[long["contrast"] == con, "cohort"].unique())]
        cols.append((con, None))  # concordance column
    terms = list(terms)
    mat = np.full((len(terms), len(cols)), np.nan)
    star = np.zeros(mat.shape, dtype=bool)
    tested = np.zeros(mat.shape, dtype=bool)
    idx = {t: i for i, t in enumerate(terms)}
    cidx = {c: j for j, c in enumerate(cols)}
    for r in long.itertuples():
        if r.term in idx and (r.contrast, r.cohort) in cidx:
            i, j = idx[r.term], cidx[(r.contrast, r.cohort)]
            mat[i, j] = r.nes
            tested[i, j] = True
            star[i, j] = bool(np.isfinite(r.fdr) and r.fdr < fdr_max)
    vmax = float(np.nanmax(np.abs(mat))) if np.isfinite(mat).any() else 1.0
    vmax = max(min(vmax, 4.0), 1.0)
    width = max(9.0, 6.0 + 0.75 * len(cols))
    fig = Figure(figsize=(width, 3.2 + 0.24 * len(terms)), layout="constrained")
    ax = fig.add_subplot()
    cmap = matplotlib.colormaps["RdBu_r"].with_extremes(bad="#FFFFFF")
    im = ax.imshow(np.ma.masked_invalid(mat), cmap=cmap, vmin=-vmax, vmax=vmax, aspect="auto",
                   interpolation="nearest")
    for i in range(len(terms)):
        for j, (con, coh) in enumerate(cols):
            if coh is None:
                row = concord[(concord["term"] == terms[i]) & (concord["contrast"] == con)]
                if len(row):
                    r = row.iloc[0]
                    ax.text(j, i, f"{int(r.n_up)}↑ {int(r.n_down)}↓", ha="center", va="center", fontsize=8,
                            color="#2C3E50", fontweight="bold" if r.concordant else "normal")
            elif not tested[i, j]:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, color="#D5D8DC", lw=0))
            elif star[i, j]:
                ax.text(j, i, "*", ha="center", va="center", fontsize=11,
                        color="white" if abs(mat[i, j]) > 0.6 * vmax else "black")
    ax.set_yticks(range(len(terms)), [_short(t, 48) for t in terms], fontsize=9)
    labels = [(f"{coh}" if coh is not None else "direction") for con, coh in cols]
    ax.set_xticks(range(len(cols)), labels, rotation=45, ha="right", fontsize=9)
    blocks = []
    for j, (con, coh) in enumerate(cols):
        if j == 0 or cols[j - 1][0] != con:
            blocks.append([con, j, j])
        blocks[-1][2] = j
        if j and cols[j - 1][0] != con:
            ax.axvline(j - 0.5, color="black", lw=1.5)
    top = ax.secondary_xaxis("top")
    top.set_xticks([(b0 + b1) / 2 for _, b0, b1 in blocks],
                   [con + ("\n(CIRCULAR)" if con in circular else "") for con, _, _ in blocks],
                   fontsize=10, fontweight="bold")
    top.tick_params(length=0)
    ax.set_xlim(-0.5, len(cols) - 0.5)
    ax.set_ylim(len(terms) - 0.5, -0.5)
    cb = fig.colorbar(im, ax=ax, shrink=min(0.6, 12 / max(len(terms), 1) + 0.2), pad=0.01, aspect=25)
    cb.set_label("NES")
    fig.suptitle(_wrap(title, int(width * 8)) + "\n" + _wrap(f"* FDR < {fdr_max:g}; grey: not tested; direction: "
                 "cohorts with NES > 0 (↑) and < 0 (↓), bold when all agree", int(width * 8)), x=0.01, ha="left",
                 fontsize=12, fontweight="bold")
    return fig


# --------------------------------------------------------------------------- saving
_METADATA = {"svg": {"Date": None}, "png": {"Software": None},
             "pdf": {"CreationDate": None, "ModDate": None}}

#: Decimals of SVG path coordinates. The SVG unit is the point (1/72 inch), so 2 decimals place
#: every vertex within 0.005 pt (1/14400 inch) of matplotlib's 6-decimal value: invisible at any
#: zoom a report is read at, and horizontal / vertical segments (Kaplan-Meier steps) stay exactly
#: horizontal / vertical (equal coordinates round equally).
SVG_PATH_DECIMALS = 2

#: A scatter layer with more points than this is drawn as a raster image inside the SVG
#: (``rasterized=True``, at ``save_figure``'s dpi); axes, ticks, labels, legends and annotations
#: stay vector and text. Below it every point stays a vector element.
RASTER_MIN_POINTS = 100


def _dense(n: int) -> bool:
    """Whether a layer of ``n`` points is rasterised (:data:`RASTER_MIN_POINTS`)."""
    return int(n) > RASTER_MIN_POINTS


def _q(v: float) -> int:
    """A coordinate in units of 10^-SVG_PATH_DECIMALS pt (integer: relative steps are exact)."""
    return int(round(float(v) * 10 ** SVG_PATH_DECIMALS))


def _qs(q: int) -> str:
    """Integer hundredths as the shortest SVG number (``-0.5`` -> ``-.5``, ``12.30`` -> ``12.3``)."""
    scale = 10 ** SVG_PATH_DECIMALS
    a = abs(q)
    whole, frac = divmod(a, scale)
    t = str(whole) if whole else ""
    if frac:
        t += "." + f"{frac:0{SVG_PATH_DECIMALS}d}".rstrip("0")
    return ("-" + t if q < 0 else t) if t else "0"


def _join(nums) -> str:
    out, prev = "", ""
    for q in nums:
        t = _qs(q)
        # a separator only where the number would otherwise run into the previous one
        # ("1.2" then ".5" reads as two numbers; "1" then ".5" would read as "1.5")
        if prev and not (t.startswith("-") or (t.startswith(".") and "." in prev)):
            out += " "
        out += t
        prev = t
    return out


def _path_data(segments) -> str:
    """SVG path data of matplotlib path segments ``(vertices, code)`` (already transformed to
    SVG points, NaNs removed, clipped, simplified, as the SVG backend does): every vertex is
    rounded to :data:`SVG_PATH_DECIMALS` decimals FIRST and then written absolute or relative
    to the previous rounded vertex (integer arithmetic, so relative steps never drift), whichever
    is shorter; a segment that keeps y (x) is written ``h``/``H`` (``v``/``V``)."""
    from matplotlib.path import Path as _P
    out: list[str] = []
    cx = cy = sx = sy = None
    for verts, code in segments:
        if code == _P.CLOSEPOLY:
            out.append("z")
            cx, cy = sx, sy
            continue
        q = [_q(v) for v in verts]
        if code == _P.MOVETO:
            x, y = q[0], q[1]
            ab = "M" + _join((x, y))
            out.append(ab if cx is None else min(ab, "m" + _join((x - cx, y - cy)), key=len))
            cx, cy = sx, sy = x, y
            continue
        if code == _P.LINETO:
            x, y = q[0], q[1]
            if y == cy and x != cx:
                cand = ("H" + _qs(x), "h" + _qs(x - cx))
            elif x == cx and y != cy:
                cand = ("V" + _qs(y), "v" + _qs(y - cy))
            else:
                cand = ("L" + _join((x, y)), "l" + _join((x - cx, y - cy)))
        else:
            letter = "Q" if code == _P.CURVE3 else "C"
            x, y = q[-2], q[-1]
            rel = [v - (cx if i % 2 == 0 else cy) for i, v in enumerate(q)]
            cand = (letter + _join(q), letter.lower() + _join(rel))
        out.append(min(cand, key=len))
        cx, cy = x, y
    return "".join(out)


_ROT0 = re.compile(r' transform="rotate\(-?0 [-\d.e]+ [-\d.e]+\)"')


def _compact_svg_text(svg: str) -> str:
    """Drop the identity ``rotate(-0 x y)`` transform matplotlib writes on unrotated text and round
    the x / y of ``<text>`` and ``<use>`` elements to :data:`SVG_PATH_DECIMALS` decimals."""
    svg = _ROT0.sub("", svg)
    xy = re.compile(r'(\s[xy]=")(-?\d+\.\d+)(")')

    def tag(m):
        return xy.sub(lambda a: a.group(1) + _qs(_q(float(a.group(2)))) + a.group(3), m.group(0))
    return re.sub(r"<(?:text|use)\b[^>]*>", tag, svg)


def _svg_classes():
    """The compact SVG canvas (built on first use; matplotlib's SVG backend imported lazily)."""
    global _SVG_CANVAS
    if _SVG_CANVAS is not None:
        return _SVG_CANVAS
    import codecs
    import io

    from matplotlib import cbook
    from matplotlib.backends.backend_mixed import MixedModeRenderer
    from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG
    from matplotlib.path import Path as _P
    from matplotlib.transforms import Affine2D

    class CompactRendererSVG(RendererSVG):
        """matplotlib's SVG renderer with (1) path data written by :func:`_path_data` and
        (2) the markers of one artist (censor marks, rug ticks, line-plot markers) drawn as
        ONE compound ``<path>`` instead of one ``<use>`` element per marker (the same shapes at
        the same places, one DOM node). Overlapping markers of one artist drawn with alpha < 1
        are painted once where they overlap (no darkening)."""

        def open_group(self, s, gid=None):
            # matplotlib wraps every artist in <g id="text_12">; without a gid (set by the plotting
            # code, e.g. "gsea-curve|...") such a group has no effect on rendering: not written
            self._mitoscore_groups = getattr(self, "_mitoscore_groups", [])
            self._mitoscore_groups.append(bool(gid))
            if gid:
                super().open_group(s, gid)

        def close_group(self, s):
            if self._mitoscore_groups.pop():
                super().close_group(s)

        def _convert_path(self, path, transform=None, clip=None, simplify=None, sketch=None):
            clip = (0.0, 0.0, self.width, self.height) if clip else None
            return _path_data(path.iter_segments(transform, clip=clip, simplify=simplify, curves=True,
                                                 sketch=sketch))

        def draw_markers(self, gc, marker_path, marker_trans, path, trans, rgbFace=None):
            if len(path.vertices) <= 1:  # a single marker (an axis tick): matplotlib's own element
                return super().draw_markers(gc, marker_path, marker_trans, path, trans, rgbFace)
            # the positions and marker outline exactly as RendererSVG.draw_markers computes them
            mk = [(np.asarray(v, float).reshape(-1, 2), c) for v, c in marker_path.iter_segments(
                marker_trans + Affine2D().scale(1.0, -1.0), simplify=False)]
            verts, codes = [], []
            clip = (0, 0, self.width * 72, self.height * 72)
            for v, _ in path.iter_segments(self._make_flip_transform(trans), clip=clip, simplify=False):
                if not len(v):
                    continue
                x, y = v[-2:]
                for mv, mc in mk:
                    verts.extend(mv + (x, y))
                    codes.extend([mc] * len(mv))
            if not verts:
                return
            compound = _P(np.asarray(verts, float), np.asarray(codes, np.uint8))
            if gc.get_url() is not None:
                self.writer.start("a", {"xlink:href": gc.get_url(), "target": "_blank"})
            self.writer.element("path", d=_path_data(compound.iter_segments(simplify=False)),
                                **self._get_clip_attrs(gc), style=self._get_style(gc, rgbFace))
            if gc.get_url() is not None:
                self.writer.end("a")

    class CompactCanvasSVG(FigureCanvasSVG):
        def print_svg(self, filename, *, bbox_inches_restore=None, metadata=None, **_ignored):
            # _ignored: dpi, facecolor, edgecolor, orientation, which matplotlib drops for its own
            # print_svg (figure.dpi and the facecolor are already set by print_figure)
            # FigureCanvasSVG.print_svg (matplotlib 3.11) with CompactRendererSVG
            buf = io.StringIO()
            dpi = self.figure.dpi
            self.figure.dpi = 72
            width, height = self.figure.get_size_inches()
            renderer = MixedModeRenderer(
                self.figure, width, height, dpi,
                CompactRendererSVG(width * 72, height * 72, buf, image_dpi=dpi, metadata=metadata),
                bbox_inches_restore=bbox_inches_restore)
            self.figure.draw(renderer)
            renderer.finalize()
            with cbook.open_file_cm(filename, "w", encoding="utf-8") as fh:
                if not cbook.file_requires_unicode(fh):
                    fh = codecs.getwriter("utf-8")(fh)
                fh.write(_compact_svg_text(buf.getvalue()))

    _SVG_CANVAS = CompactCanvasSVG
    return _SVG_CANVAS


_SVG_CANVAS = None


def save_figure(fig: Figure, path: str | os.PathLike, *, dpi: int = 150) -> None:
    """Write ``fig`` atomically as SVG / PNG / PDF (by extension), deterministically
    (fixed ``svg.hashsalt``, no date/software metadata: two runs give identical bytes),
    then close the figure. ``dpi`` applies to PNG and to rasterised SVG layers."""
    ext = os.fspath(path).rsplit(".", 1)[-1].lower() if "." in os.path.basename(os.fspath(path)) else ""
    if ext not in _METADATA:
        raise ValueError(f"save_figure: unsupported figure format {ext!r} for {path}; use .svg, .png or .pdf")
    try:
        if ext == "svg":
            _svg_classes()(fig)  # compact paths, one <path> per marker layer (attaches a new canvas)
        with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "none"}):
            with atomic_path(path) as tmp:
                fig.savefig(tmp, format=ext, dpi=dpi, metadata=_METADATA[ext], facecolor="white")
    finally:
        plt.close(fig)
