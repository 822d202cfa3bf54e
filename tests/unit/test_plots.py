"""Tests for mitoscore.plots: every figure builds from small synthetic result tables,
saves as a non-empty SVG, and saving is byte-deterministic. Content checks inspect
the matplotlib artists (Text, collections), not pixels."""
from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from mitoscore import plots as P


# --------------------------------------------------------------------------- fixtures
@pytest.fixture
def km() -> pd.DataFrame:
    """Hand-made survfit summary: high n=5 (times 1,2,3,5,8), low n=4 (times 2,4,10,15)."""
    rows = [
        # group, time, n_risk, n_event, n_censor, surv
        ("high", 1.0, 5, 1, 0, 0.8),
        ("high", 2.0, 4, 1, 0, 0.6),
        ("high", 3.0, 3, 0, 1, 0.6),
        ("high", 5.0, 2, 1, 0, 0.3),
        ("high", 8.0, 1, 0, 1, 0.3),
        ("low", 2.0, 4, 0, 1, 1.0),
        ("low", 4.0, 3, 1, 0, 2 / 3),
        ("low", 10.0, 2, 0, 1, 2 / 3),
        ("low", 15.0, 1, 1, 0, 0.0),
    ]
    df = pd.DataFrame(rows, columns=["group", "time", "n_risk", "n_event", "n_censor", "surv"])
    df["lower"] = (df["surv"] - 0.2).clip(lower=0)
    df["upper"] = (df["surv"] + 0.2).clip(upper=1)
    df.loc[df["surv"] == 0, ["lower", "upper"]] = np.nan  # R: NA CI at S = 0
    return df


@pytest.fixture
def studies() -> pd.DataFrame:
    return pd.DataFrame({
        "label": ["TCGA-LAML", "BeatAML", "Leucegene"],
        "hr": [1.7, 1.3, 0.95], "ci_lower": [1.2, 1.05, 0.6], "ci_upper": [2.4, 1.6, 1.5],
        "weight": [30.0, 50.0, 20.0],
    })


POOLED = {"hr": 1.35, "ci_lower": 1.1, "ci_upper": 1.66, "label": "Random effects (REML)",
          "text": "I2 = 35%, tau2 = 0.012"}


@pytest.fixture
def de() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 300
    lfc = rng.normal(0, 1.2, n)
    p = np.clip(np.exp(-np.abs(lfc) * rng.uniform(0, 6, n)), 1e-20, 1)
    padj = np.minimum(p * 20, 1.0)
    padj[:5] = np.nan  # DESeq2 independent filtering
    p[5] = 0.0          # underflow
    return pd.DataFrame({"gene": [f"G{i}" for i in range(n)], "baseMean": np.exp(rng.normal(5, 2, n)),
                         "log2FoldChange": lfc, "pvalue": p, "padj": padj})


@pytest.fixture
def scores() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 40
    return pd.DataFrame({"sample": [f"S{i}" for i in range(n)], "score": rng.normal(0, 1, n),
                         "group": ["high"] * 25 + ["low"] * 15,
                         "arm": rng.choice(["intensive chemo", "VEN+AZA", "HMA"], n)})


def _texts(fig: Figure) -> list:
    return fig.findobj(matplotlib.text.Text)


def _by_gid(fig: Figure, prefix: str) -> list:
    return [a for a in fig.findobj() if (a.get_gid() or "").startswith(prefix)]


def _all_figures(km, studies, de, scores):
    pca = pd.DataFrame({"sample": scores["sample"], "PC1": np.arange(40.0), "PC2": np.sin(np.arange(40.0))})
    qc = pd.DataFrame({"sample": scores["sample"], "library_size": np.linspace(5e6, 40e6, 40),
                       "detected_genes": np.linspace(12000, 19000, 40), "outlier": [False] * 38 + [True] * 2})
    per_arm = pd.DataFrame({"arm": ["intensive chemo", "VEN+AZA", "VEN+AraC", "HMA"], "hr": [1.8, 1.1, 1.3, 0.9],
                            "ci_lower": [1.3, 0.8, 0.7, 0.5], "ci_upper": [2.5, 1.5, 2.4, 1.6],
                            "n": [120, 80, 30, 20], "events": [70, 50, 12, 10]})
    return {
        "km": lambda: P.km_plot(km, title="OS", logrank_p=0.01, annotation="HR per SD 1.70 (1.22-2.36)"),
        "forest": lambda: P.forest_plot(studies, pooled=POOLED, prediction=(0.8, 2.2), title="Meta"),
        "volcano": lambda: P.volcano_plot(de, highlight={"G1", "G2"}, title="DE"),
        "ma": lambda: P.ma_plot(de, title="MA"),
        "scores": lambda: P.score_distribution(scores, by="group", title="Scores"),
        "pca": lambda: P.pca_plot(pca, {"PC1": 0.3, "PC2": 0.1}, color_by=scores.set_index("sample")["group"],
                                  outliers=["S1"], title="PCA"),
        "pca_numeric": lambda: P.pca_plot(pca.set_index("sample"), pd.Series([30.0, 10.0]),
                                          color_by=scores.set_index("sample")["score"], title="PCA"),
        "library": lambda: P.library_size_plot(qc, title="Library sizes"),
        "null": lambda: P.null_distribution_plot(*_null_tables(), title="Null"),
        "interaction": lambda: P.interaction_plot(per_arm, title="By arm", p_interaction=0.04),
        "interaction_panels": lambda: P.interaction_panels({"A": per_arm, "B": per_arm.iloc[:2]},
                                                           p_interaction={"A": 0.04, "B": 0.5}, title="Arms"),
        "score_panels": lambda: P.score_panels(scores.assign(signature="S1", kind="ssgsea"), title="Scores"),
    }


# --------------------------------------------------------------------------- smoke + determinism
def test_every_figure_saves_nonempty_deterministic_svg(tmp_path, km, studies, de, scores):
    for name, make in _all_figures(km, studies, de, scores).items():
        fig = make()
        assert isinstance(fig, Figure), name
        a, b = tmp_path / f"{name}_a.svg", tmp_path / "sub" / f"{name}_b.svg"
        P.save_figure(fig, a)
        P.save_figure(make(), b)  # a fresh build: reruns of the workflow give identical bytes
        data = a.read_bytes()
        assert data.startswith(b"<?xml") and b"<svg" in data and len(data) > 2000, name
        assert data == b.read_bytes(), f"{name}: SVG not byte-identical across runs"
        assert b"<dc:date>" not in data, name
        assert b"<text" in data, f"{name}: text must stay text in the SVG (svg.fonttype none)"
    # no temporary files left behind by the atomic writer
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".")]


def test_png_deterministic_and_format_checked(tmp_path, km):
    P.save_figure(P.km_plot(km, title="OS"), tmp_path / "a.png")
    P.save_figure(P.km_plot(km, title="OS"), tmp_path / "b.png")
    a = (tmp_path / "a.png").read_bytes()
    assert a[:8] == b"\x89PNG\r\n\x1a\n" and a == (tmp_path / "b.png").read_bytes()
    assert b"Software" not in a
    with pytest.raises(ValueError, match="unsupported"):
        P.save_figure(P.km_plot(km, title="OS"), tmp_path / "a.jpg")
    assert not (tmp_path / "a.jpg").exists()


def test_plotting_does_not_change_global_rcparams(km):
    before = dict(matplotlib.rcParams)
    P.km_plot(km, title="OS")
    assert dict(matplotlib.rcParams) == before
    assert matplotlib.get_backend().lower() == "agg"


# --------------------------------------------------------------------------- KM
def test_numbers_at_risk_rule(km):
    r = P.numbers_at_risk(km, [0, 2, 4, 6, 12, 20])
    # first row with time >= t; 0 after the last time; group size at t = 0
    assert r.loc["high"].tolist() == [5, 4, 2, 1, 0, 0]
    assert r.loc["low"].tolist() == [4, 4, 3, 2, 1, 0]


def test_km_risk_table_texts(km):
    fig = P.km_plot(km, title="OS", risk_times=[0, 2, 4, 6, 12, 20])
    risk_ax = [ax for ax in fig.axes if ax.get_label() == "risk_table"][0]
    got = {t.get_gid(): t.get_text() for t in risk_ax.texts}
    expect = {"high": [5, 4, 2, 1, 0, 0], "low": [4, 4, 3, 2, 1, 0]}
    for g, vals in expect.items():
        for t, v in zip([0, 2, 4, 6, 12, 20], vals):
            assert got[f"risk|{g}|{t:g}"] == str(v)
    assert len(risk_ax.texts) == 12
    # each number is drawn at its time on the shared x axis, in the group colour
    t4 = next(t for t in risk_ax.texts if t.get_gid() == "risk|low|4")
    assert t4.get_position()[0] == 4
    assert matplotlib.colors.to_hex(t4.get_color()) == P.GROUP_COLORS["low"].lower()


def test_km_default_risk_times_legend_and_annotation(km):
    assert P.default_risk_times(15) == [0.0, 12.0]
    assert P.default_risk_times(60) == [0.0, 12.0, 24.0, 36.0, 48.0, 60.0]
    assert len(P.default_risk_times(400)) <= 12  # long follow-up stays readable
    fig = P.km_plot(km, title="OS", logrank_p=0.0004, annotation="HR per SD 1.70 (1.22-2.36)")
    risk_ax = [ax for ax in fig.axes if ax.get_label() == "risk_table"][0]
    assert sorted(t.get_gid() for t in risk_ax.texts) == sorted(
        ["risk|high|0", "risk|high|12", "risk|low|0", "risk|low|12"])
    ax = [a for a in fig.axes if a.get_label() == "km"][0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "high (n = 5, 3 events)" in legend and "low (n = 4, 2 events)" in legend
    ann = _by_gid(fig, "km-annotation")[0].get_text()
    assert "Log-rank test of the groups: p < 0.001" in ann and "HR per SD 1.70 (1.22-2.36)" in ann
    # curves start at S(0) = 1 and are steps in the group colour
    lines = [ln for ln in ax.get_lines() if ln.get_drawstyle() == "steps-post"]
    assert len(lines) == 2
    for ln in lines:
        assert ln.get_xdata()[0] == 0 and ln.get_ydata()[0] == 1
    assert {matplotlib.colors.to_hex(ln.get_color()) for ln in lines} == {
        P.GROUP_COLORS["high"].lower(), P.GROUP_COLORS["low"].lower()}
    # censor ticks: '+' at rows with n_censor > 0 (high: 3, 8; low: 2, 10)
    cens = [ln for ln in ax.get_lines() if ln.get_marker() == "+" and len(ln.get_xdata())]
    assert sorted(x for ln in cens for x in ln.get_xdata()) == [2, 3, 8, 10]


# --------------------------------------------------------------------------- forest
def test_forest_one_row_per_study_plus_pooled(studies):
    fig = P.forest_plot(studies, pooled=POOLED, prediction=(0.8, 2.2), title="Meta")
    labels = [t.get_text() for t in _by_gid(fig, "forest-label")]
    assert labels == ["TCGA-LAML", "BeatAML", "Leucegene", "Random effects (REML)", "95% prediction interval"]
    ests = [t.get_text() for t in _by_gid(fig, "forest-estimate")]
    assert ests[:3] == ["1.70 (1.20-2.40)", "1.30 (1.05-1.60)", "0.95 (0.60-1.50)"]
    assert ests[3] == "1.35 (1.10-1.66)" and ests[4] == "0.80-2.20"   # the PI on its own row
    assert len(_by_gid(fig, "forest-pooled")) == 1        # the diamond
    pi = _by_gid(fig, "forest-prediction")
    assert len(pi) == 1 and pi[0].get_linestyle() != "-"  # drawn distinctly (dashed)
    assert [t.get_text() for t in _by_gid(fig, "forest-weight")] == ["30.0%", "50.0%", "20.0%"]
    # the labelled axis encloses every CI and the PI; 'favours' labels on both sides of 1
    ax_ = [a for a in fig.axes if a.get_label() == "intervals"][0]
    ticks = [t for t in ax_.get_xticks() if ax_.get_xlim()[0] <= t <= ax_.get_xlim()[1]]
    assert min(ticks) <= 0.6 and max(ticks) >= 2.4
    assert _by_gid(fig, "favours-left")[0].get_text().endswith("higher score, lower hazard")
    assert _by_gid(fig, "favours-right")[0].get_text().startswith("higher score, higher hazard")
    assert _by_gid(fig, "forest-heterogeneity")[0].get_text() == "I2 = 35%, tau2 = 0.012"
    ax = [a for a in fig.axes if a.get_label() == "intervals"][0]
    assert ax.get_xscale() == "log"
    assert any(list(ln.get_xdata()) == [1, 1] for ln in ax.get_lines())  # reference line at 1
    # squares sized by weight (BeatAML 50% largest, Leucegene 20% smallest)
    sizes = [c.get_sizes()[0] for c in _by_gid(fig, "forest-study")]
    assert sizes[1] > sizes[0] > sizes[2]
    texts = [t.get_text() for t in _texts(fig)]
    assert "50.0%" in texts and "HR (95% CI)" in texts


def test_forest_prediction_interval_only_when_given(studies):
    fig = P.forest_plot(studies, pooled=POOLED, prediction=None, title="Meta, k = 2")
    assert not _by_gid(fig, "forest-prediction") and not _by_gid(fig, "forest-label-prediction")


def test_forest_without_pooled_and_with_missing_estimate(studies):
    d = studies.drop(columns="weight")
    d.loc[2, ["hr", "ci_lower", "ci_upper"]] = np.nan
    fig = P.forest_plot(d, title="Cohorts")
    assert [t.get_text() for t in _by_gid(fig, "forest-label")] == ["TCGA-LAML", "BeatAML", "Leucegene"]
    assert "not estimable" in [t.get_text() for t in _by_gid(fig, "forest-estimate")]
    assert len({c.get_sizes()[0] for c in _by_gid(fig, "forest-study")}) == 1  # equal weights


# --------------------------------------------------------------------------- DE plots
def test_volcano_highlights_significant_genes(de):
    alpha = 0.1
    fig = P.volcano_plot(de, alpha=alpha, label_top=5, highlight={"G1", "G2", "G3", "nope"}, title="DE")
    sig = de["padj"].lt(alpha)  # NaN padj -> not significant
    up = int((sig & (de["log2FoldChange"] > 0)).sum())
    down = int((sig & (de["log2FoldChange"] < 0)).sum())
    n_up = len(_by_gid(fig, "volcano-up")[0].get_offsets())
    n_down = len(_by_gid(fig, "volcano-down")[0].get_offsets())
    n_ns = len(_by_gid(fig, "volcano-ns")[0].get_offsets())
    assert (n_up, n_down) == (up, down) and up + down > 0
    assert n_up + n_down + n_ns == len(de)
    c_up = _by_gid(fig, "volcano-up")[0].get_facecolor()[0]
    assert matplotlib.colors.to_hex(c_up) == P.GROUP_COLORS["high"].lower()
    # significant points are exactly the genes with padj < alpha
    off = _by_gid(fig, "volcano-up")[0].get_offsets()
    assert np.allclose(np.sort(off[:, 0]), np.sort(de.loc[sig & (de["log2FoldChange"] > 0), "log2FoldChange"]))
    assert len(_by_gid(fig, "volcano-highlight")[0].get_offsets()) == 3
    labels = [t.get_text() for t in _by_gid(fig, "gene-label")]
    top = de.loc[sig].sort_values(["padj", "pvalue", "gene"]).head(5)["gene"].tolist()
    assert sorted(labels) == sorted(top)
    # p = 0 stays on the plot (finite y)
    assert np.isfinite(np.concatenate([c.get_offsets()[:, 1] for c in _by_gid(fig, "volcano-")])).all()


def test_volcano_lfc_threshold_and_no_significant(de):
    fig = P.volcano_plot(de, alpha=0.1, lfc_threshold=1.0, title="DE")
    off = np.concatenate([_by_gid(fig, g)[0].get_offsets() for g in ("volcano-up", "volcano-down")])
    assert (np.abs(off[:, 0]) > 1.0).all()
    assert len(off) == int((de["padj"].lt(0.1) & de["log2FoldChange"].abs().gt(1.0)).sum()) > 0
    fig = P.volcano_plot(de.assign(padj=1.0), title="none significant")
    assert len(_by_gid(fig, "volcano-up")[0].get_offsets()) == 0
    assert not _by_gid(fig, "gene-label")


def test_ma_plot(de):
    fig = P.ma_plot(de, alpha=0.1, title="MA")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    n = sum(len(_by_gid(fig, g)[0].get_offsets()) for g in ("ma-up", "ma-down", "ma-ns"))
    assert n == len(de)
    assert len(_by_gid(fig, "ma-up")[0].get_offsets()) + len(_by_gid(fig, "ma-down")[0].get_offsets()) \
        == int(de["padj"].lt(0.1).sum())


# --------------------------------------------------------------------------- scores / QC / null / arms
def test_score_distribution_ticks_and_deterministic_jitter(scores):
    fig = P.score_distribution(scores, by="group", title="Scores", seed=1)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["low\n(n = 15)", "high\n(n = 25)"]
    a = _by_gid(fig, "strip|high")[0].get_offsets()
    b = _by_gid(P.score_distribution(scores, by="group", title="Scores", seed=1), "strip|high")[0].get_offsets()
    assert np.array_equal(a, b)
    assert np.allclose(np.sort(a[:, 1]), np.sort(scores.loc[scores.group == "high", "score"]))
    assert matplotlib.colors.to_hex(_by_gid(fig, "strip|low")[0].get_facecolor()[0]) == P.GROUP_COLORS["low"].lower()
    fig = P.score_distribution(scores, by="arm", title="By arm")
    ticks = [t.get_text().split("\n")[0] for t in fig.axes[0].get_xticklabels()]
    assert ticks == ["intensive chemo", "VEN+AZA", "HMA"]  # fixed arms first, then the rest


def test_pca_plot_labels(scores):
    pca = pd.DataFrame({"sample": scores["sample"], "PC1": np.arange(40.0), "PC2": np.cos(np.arange(40.0))})
    fig = P.pca_plot(pca, {"PC1": 0.321, "PC2": 0.104}, outliers=["S3", "S7"], title="PCA")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "PC1 (32.1% of variance)" and ax.get_ylabel() == "PC2 (10.4% of variance)"
    assert sorted(t.get_text() for t in _by_gid(fig, "pca-outlier-label")) == ["S3", "S7"]
    fig = P.pca_plot(pca, {"PC1": 32.1, "PC2": 10.4}, title="PCA")  # percent input
    assert fig.axes[0].get_xlabel() == "PC1 (32.1% of variance)"


def test_library_size_plot(scores):
    qc = pd.DataFrame({"sample": ["a", "b", "c"], "library_size": [2e7, 1e6, 3e7],
                       "detected_genes": [15000, 8000, 16000], "outlier": ["False", "True", "False"]})
    fig = P.library_size_plot(qc, title="Libraries")
    ax = fig.axes[0]
    assert "million" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["b", "a", "c"]  # sorted by size
    assert np.allclose(_by_gid(fig, "lib-outlier")[0].get_offsets(), [[1, 1.0]])
    assert "b" in [t.get_text() for t in _texts(fig)]


def _null_tables():
    """A null table (two signatures of different sizes, one failed draw) and its summary."""
    z1 = np.arange(100.0)  # |z| 0..99
    null = pd.DataFrame({"signature": ["MitoScore"] * 100 + ["Other"] * 50, "kind": "ssgsea",
                         "draw": list(range(100)) + list(range(50)), "size": [150] * 100 + [10] * 50,
                         "coef": 0.1, "se": 0.1, "z": np.r_[z1, np.linspace(0, 5, 50)],
                         "status": ["ok"] * 99 + ["not converged"] + ["ok"] * 50})
    summary = pd.DataFrame({"signature": ["MitoScore", "Other"], "kind": "ssgsea", "size": [150, 10],
                            "n_random": [100, 50], "n_valid": [99, 50], "n_failed": [1, 0],
                            "observed_hr": [2.0, 1.1], "observed_z": [94.5, -1.0],
                            "percentile_abs_z": [95.9596, 20.0], "empirical_p": [0.05, 0.8],
                            "null_median_abs_z": [49.0, 2.5], "note": ["", ""]})
    return null, summary


def test_null_distribution_one_panel_per_signature_with_the_table_numbers():
    null, summary = _null_tables()
    fig = P.null_distribution_plot(null, summary, title="Null")
    legends = [[t.get_text() for t in ax.get_legend().get_texts()] for ax in fig.axes if ax.get_legend()]
    assert legends[0][0] == "valid draws N = 99 (excluded: 1)"
    assert legends[0][1] == "MitoScore: |z| = 94.50; percentile 96.0; empirical p = 0.050"
    assert legends[1][1].startswith("Other: |z| = 1.00; percentile 20.0")
    assert [a.get_xdata()[0] for a in _by_gid(fig, "observed|")] == [94.5, 1.0]
    assert [ax.get_title(loc="left") for ax in fig.axes[:2]] == ["MitoScore vs random 150-gene sets",
                                                               "Other vs random 10-gene sets"]


def test_interaction_plot_arm_colours():
    per_arm = pd.DataFrame({"arm": ["VEN+AZA", "intensive chemo", "Zeta", "Alpha"], "hr": [1.1, 1.8, 1.0, 0.9],
                            "ci_lower": [0.8, 1.3, 0.5, 0.5], "ci_upper": [1.5, 2.5, 2.0, 1.6],
                            "n": [80, 120, 20, 25], "events": [50, 70, 9, 11]})
    fig = P.interaction_plot(per_arm, title="By arm")
    labels = _by_gid(fig, "interaction-label")
    assert labels[0].get_text() == "VEN+AZA\n(n = 80, 50 events)"
    cols = {t.get_text().split("\n")[0]: matplotlib.colors.to_hex(t.get_color()) for t in labels}
    assert cols["VEN+AZA"] == P.ARM_COLORS["VEN+AZA"].lower()
    assert cols["intensive chemo"] == P.ARM_COLORS["intensive chemo"].lower()
    assert cols["Alpha"] == P.PALETTE[0].lower() and cols["Zeta"] == P.PALETTE[1].lower()  # sorted order
    assert [t.get_text() for t in _by_gid(fig, "interaction-estimate")][0] == "1.10 (0.80-1.50)"


def test_colour_helpers_and_formatting():
    assert P.group_color("high") == P.GROUP_COLORS["high"]
    assert P.group_color("MitoScore High") == P.GROUP_COLORS["high"]
    assert P.group_color("Q3") is None
    assert P.arm_colors(["VEN+AraC", "ven+aza", "B", "A"]) == {
        "VEN+AraC": P.ARM_COLORS["VEN+AraC"], "ven+aza": P.ARM_COLORS["VEN+AZA"],
        "B": P.PALETTE[1], "A": P.PALETTE[0]}
    assert not hasattr(P, "format_p") and not hasattr(P, "format_hr")  # one formatter: mitoscore.fmt


def test_score_panels_raw_scale_per_signature(scores):
    long = pd.concat([scores.assign(signature="HALLMARK_OXIDATIVE_PHOSPHORYLATION", kind="ssgsea"),
                      scores.assign(signature="BCL2", kind="single_gene", score=scores["score"] * 0.5 + 8)])
    fig = P.score_panels(long, title="Scores", signatures=["HALLMARK_OXIDATIVE_PHOSPHORYLATION", "BCL2"])
    axes = [a for a in fig.axes if (a.get_gid() or "").startswith("score-panel|")]
    assert [a.get_gid() for a in axes] == ["score-panel|HALLMARK_OXIDATIVE_PHOSPHORYLATION", "score-panel|BCL2"]
    # each panel on its own raw scale, labelled; long names wrapped (no title line wider than 26 characters)
    assert axes[0].get_xlabel() == "ssGSEA score (normalised)" and axes[1].get_xlabel() == "log2 normalised expression"
    assert all(len(line) <= 26 for a in axes for line in a.get_title(loc="left").split("\n"))
    # the stacked histogram counts every patient once, split by group; the raw scale (BCL2 ~ 8) is kept
    bars = [p for p in axes[1].patches if (p.get_gid() or "").startswith("score-hist|BCL2|")]
    assert len(bars) == scores["group"].nunique()  # one compound patch per group (one SVG element each)
    assert sum(P.bar_heights(p).sum() for p in bars) == pytest.approx(len(scores))  # each patient counted once
    assert axes[1].get_xlim()[0] > 0


def test_interaction_panels_share_one_axis():
    a = pd.DataFrame({"arm": ["intensive chemo", "VEN+AraC"], "hr": [1.5, 0.5], "ci_lower": [1.1, 0.2],
                      "ci_upper": [2.0, 1.1], "n": [50, 30], "events": [30, 12]})
    b = a.assign(hr=[3.0, 1.2], ci_lower=[2.0, 0.9], ci_upper=[6.0, 1.6])
    fig = P.interaction_panels({"A": a, "B": b}, p_interaction={"A": 0.01, "B": 0.3}, title="Arms")
    ax = [x for x in fig.axes if x.get_label() == "intervals"]
    assert len(ax) == 1   # one axis for every cohort
    lo, hi = ax[0].get_xlim()
    assert lo <= 0.2 and hi >= 6.0
    assert [t.get_text() for t in _by_gid(fig, "interaction-cohort")] == ["A", "B"]
    assert [t.get_text() for t in _by_gid(fig, "interaction-p")] == ["interaction p = 0.010", "interaction p = 0.30"]



def test_calibration_plot_points_diagonal_and_text_kept_as_text(tmp_path):
    rows = []
    for model in ("univariable", "multivariable"):
        for h in (12.0, 24.0):
            for i, g in enumerate(("Q1", "Q2", "Q3")):
                p = 0.8 - 0.2 * i - h / 100
                rows.append({"model": model, "horizon": h, "grouping": "lp_quantile", "group": g, "predicted": p,
                             "observed": p + 0.03, "observed_lower": p - 0.1, "observed_upper": p + 0.12})
            for g, p in (("high", 0.4), ("low", 0.7)):
                rows.append({"model": model, "horizon": h, "grouping": "frozen_group", "group": g, "predicted": p,
                             "observed": p, "observed_lower": np.nan, "observed_upper": np.nan})
    fig = P.calibration_plot(pd.DataFrame(rows), title="SYNTHETIC: calibration")
    axes = [a for a in fig.axes]
    assert len(axes) == 2 and [a.get_title(loc="left") for a in axes] == ["12 months", "24 months"]
    ax = axes[0]
    assert [ln.get_gid() for ln in ax.lines].count("calibration-univariable") == 1
    assert [ln.get_gid() for ln in ax.lines].count("calibration-frozen-group") == 2
    diag = ax.lines[0]
    assert list(diag.get_xdata()) == [0, 1] and list(diag.get_ydata()) == [0, 1]
    out = tmp_path / "cal.svg"
    P.save_figure(fig, out)
    svg = out.read_text()
    assert "<text" in svg and "Predicted survival (mean)" in svg  # text stays text (searchable)
    empty = P.calibration_plot(pd.DataFrame(), title="x")
    assert any("no calibration data" in t.get_text() for a in empty.axes for t in a.texts)
# --------------------------------------------------------------------------- predictive figures
def _predictive_tables(km):
    kb = pd.concat([km.assign(arm=a) for a in ("intensive chemo", "VEN+AraC")], ignore_index=True)
    kb["contrast"], kb["signature"] = "c1", "MITO"
    s = np.linspace(-1.5, 1.5, 9)
    curve = pd.concat([pd.DataFrame({"model": m, "score": s, "hr": np.exp(-0.8 * s + d),
                                     "ci_lower": np.exp(-0.8 * s + d - 0.5), "ci_upper": np.exp(-0.8 * s + d + 0.5)})
                       for m, d in (("linear", 0.0), ("spline", 0.1))], ignore_index=True)
    curve["contrast"], curve["signature"] = "c1", "MITO"
    rug = pd.DataFrame({"contrast": "c1", "signature": "MITO", "arm": ["intensive chemo"] * 5 + ["VEN+AraC"] * 3,
                        "score": np.linspace(-2, 2, 8)})
    pred = pd.DataFrame([{"contrast": "c1", "signature": "MITO", "term": "interaction", "hr": 0.45, "ci_lower": 0.3,
                          "ci_upper": 0.7, "lr_p": 0.0004, "lr_df": 1},
                         {"contrast": "c1", "signature": "MITO", "term": "spline_interaction", "hr": np.nan,
                          "ci_lower": np.nan, "ci_upper": np.nan, "lr_p": 0.03, "lr_df": 2}])
    status = pd.DataFrame([{"contrast": "c1", "status": "analysed", "reason": ""},
                           {"contrast": "c2", "status": "skipped", "reason": "arm(s) ['HMA'] absent"}])
    return pred, curve, kb, rug, status


def test_treatment_effect_plot_curves_band_rug_and_log_axis(km):
    _, curve, _, rug, _ = _predictive_tables(km)
    fig = P.treatment_effect_plot(curve, rug, title="t", test_arm="VEN+AraC", reference_arm="intensive chemo",
                                  annotation="Interaction HR 0.45")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and "HR VEN+AraC vs intensive chemo" in ax.get_ylabel()
    assert len(_by_gid(fig, "treatment-effect-spline")) == 1 and len(_by_gid(fig, "treatment-effect-linear")) == 1
    rugs = {a.get_gid(): len(a.get_xdata()) for a in _by_gid(fig, "rug|")}
    assert rugs == {"rug|intensive chemo": 5, "rug|VEN+AraC": 3}
    assert any(abs(line.get_ydata()[0] - 1.0) < 1e-12 for line in ax.get_lines() if line.get_ls() == ":")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "VEN+AraC patients (n = 3)" in labels


def test_km_by_arm_plot_four_curves_colour_by_arm_style_by_group(km):
    _, _, kb, _, _ = _predictive_tables(km)
    fig = P.km_by_arm_plot(kb, title="t", reference_arm="intensive chemo", test_arm="VEN+AraC")
    ax = next(a for a in fig.axes if a.get_label() == "km")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:4] == ["intensive chemo: high (n = 5, 3 events)", "intensive chemo: low (n = 4, 2 events)",
                          "VEN+AraC: high (n = 5, 3 events)", "VEN+AraC: low (n = 4, 2 events)"]
    handles = ax.get_legend().legend_handles
    assert [h.get_linestyle() for h in handles[:4]] == ["-", "--", "-", "--"]
    assert handles[0].get_color() == P.ARM_COLORS["intensive chemo"] and handles[2].get_color() == P.ARM_COLORS[
        "VEN+AraC"]
    assert not ax.collections or all(c.get_gid() is None for c in ax.collections)
    risk = [t.get_gid() for t in _by_gid(fig, "risk|")]
    assert "risk|VEN+AraC: low|0" in risk


def test_predictive_figures_placeholder_for_a_skipped_contrast(km, tmp_path):
    pred, curve, kb, rug, status = _predictive_tables(km)
    contrasts = [{"name": "c1", "test_arm": "VEN+AraC", "reference_arm": "intensive chemo"},
                 {"name": "c2", "test_arm": "VEN+AraC", "reference_arm": "HMA"}]
    figs = P.predictive_figures(pred, curve, kb, rug, status, contrasts, primary="MITO", cohort="C")
    assert len(figs) == 2
    note = [t.get_text() for t in _by_gid(figs[0][0], "treatment-effect-annotation")][0]
    assert note == "Interaction HR per SD 0.45 (0.30-0.70), LR p < 0.001 (1 df)\nSpline x arm: LR p = 0.030 (2 df)"
    texts = [t.get_text() for t in figs[1][0].findobj(matplotlib.text.Text)]
    assert any("['HMA'] absent" in t for t in texts)
    for i, (a, b) in enumerate(figs):
        P.save_figure(a, tmp_path / f"te{i}.svg")
        P.save_figure(b, tmp_path / f"km{i}.svg")
        assert (tmp_path / f"te{i}.svg").stat().st_size > 1000
