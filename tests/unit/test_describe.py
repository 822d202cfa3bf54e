"""Descriptive tables (Table 1, marker by variable, scoring-method agreement) and the
CONSORT-style flow diagram: computed by rules, only shown by the report."""
import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from mitoscore import analysis, describe, flowchart


def test_table_one():
    clin = pd.DataFrame({"sample": ["a", "b", "c", "d"], "os_months": [1.0, 2, 3, 4], "os_event": [1, 0, 1, 0],
                         "age": [50.0, 60, np.nan, 70], "sex": ["F", "M", "M", None],
                         "response": [1.0, 0.0, np.nan, 1.0]})
    t = describe.table_one({"X": clin})
    get = lambda c, l: t[(t.characteristic == c) & (t.level == l)]["X"].iloc[0]  # noqa: E731
    assert get("Patients", "N") == "4"
    assert get("Deaths", "n (%)") == "2 (50.0%)"
    assert get("sex", "M") == "2 (66.7%)" and get("sex", "missing") == "1"
    assert get("Best response", "CR/CRi (responder)") == "2 (66.7%)"
    assert get("Best response", "missing") == "1"
    # reverse Kaplan-Meier: the censorings (b at 2, d at 4) are the events -> S(2) = 2/3, S(4) = 0;
    # R: survfit(Surv(c(1,2,3,4), c(0,1,0,1))) median = 4
    assert get("Follow-up, months", "median (reverse Kaplan-Meier)") == "4.0"


def test_table_one_numeric_age_missing_cohort_variable_and_score():
    a = pd.DataFrame({"os_months": np.arange(1.0, 11), "os_event": [1] * 10, "age": np.arange(40.0, 50)})
    b = pd.DataFrame({"os_months": [1.0, 2.0], "os_event": [1, 0]})
    sc = {"A": pd.DataFrame({"signature": "S", "score": [-0.5, -0.25, 0.1]})}
    t = describe.table_one({"A": a, "B": b}, sc, primary="S")
    assert t[(t.characteristic == "age")]["A"].iloc[0] == "44.5 [42.2-46.8]"   # R quantile type 7
    assert t[(t.characteristic == "age")]["B"].iloc[0] == "not recorded"
    assert t[t.characteristic == "S score (raw)"]["A"].iloc[0] == "-0.250 [-0.375 to -0.0750]"
    assert t[t.characteristic == "S score (raw)"]["B"].iloc[0] == "NA"
    assert not t.apply(lambda col: col.astype(str).str.contains(r"\.00\b|-0\.0\b")).any().any()


def test_marker_and_score_method_tables():
    sc = pd.DataFrame({"sample": list("abcde"), "signature": "S", "score": [1.0, 2, 3, 4, 5],
                       "z": [-1.2, -0.6, 0, 0.6, 1.2]})
    se = pd.DataFrame({"sample": list("abcde"), "signature": "S", "method": "mean_z", "score": [2.0, 4, 6, 8, 10]})
    c = describe.score_method_correlations(sc, se)
    assert c["pearson"].iloc[0] == pytest.approx(1.0) and c["n"].iloc[0] == 5
    clin = pd.DataFrame({"sex": ["F", "F", "M", "M", "M"]}, index=list("abcde"))
    m = describe.marker_by_variable(clin, sc, "S")
    assert m.set_index("level").loc["F", "mean_z"] == pytest.approx(-0.9)
    assert m.set_index("level").loc["M", "n"] == 3
    sc6 = pd.DataFrame({"sample": list("abcdef"), "signature": "S", "z": [-1.0, -0.5, 0, 0.2, 0.4, 0.9]})
    m2 = describe.marker_by_variable(pd.DataFrame({"age": [31.0, 42, 53, 64, 75, 80]}, index=list("abcdef")),
                                     sc6, "S")
    assert m2["level"].iloc[0] == "Spearman rho" and m2["spearman_rho"].iloc[0] == pytest.approx(1.0)


def test_de_summary_counts():
    res = pd.DataFrame({"gene": list("abcdef"), "log2FoldChange": [1.0, -2.0, 0.5, 3.0, -0.1, 0.2],
                        "padj": [0.01, 0.05, 0.2, np.nan, 0.09, 0.5]})
    meta = pd.DataFrame({"v": pd.Categorical(["x", "y", "y", "x", "y"])})
    s = analysis.de_summary(res, meta, {"name": "c", "test": "y", "reference": "x"}, "v", "~v", alpha=0.1).iloc[0]
    assert (s.n_genes, s.n_tested, s.n_significant, s.n_up, s.n_down) == (6, 5, 3, 1, 2)
    assert (s.n_samples, s.n_test, s.n_reference) == (5, 3, 2) and s.lfc_direction == "log2(y / x)"


def test_consort_svg_text_is_text_and_escaped():
    flow = pd.DataFrame([
        {"step": "clinical table", "n_before": 12, "n_after": 12, "n_excluded": 0, "reason": "rows read"},
        {"step": "survival data", "n_before": 12, "n_after": 10, "n_excluded": 2,
         "reason": "missing os_months: <script>x</script>, P2 (2 in total)"}])
    svg = flowchart.consort_svg(flow, title="C & D: patient flow", events=4)
    root = ET.fromstring(svg)  # well-formed XML
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Excluded: n = 2" in texts and "n = 10 (of 12)" in texts and "n = 10, deaths = 4" in texts
    assert "C & D: patient flow" in texts
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert len(re.findall(r'class="flow-step"', svg)) == 2 and svg == flowchart.consort_svg(
        flow, title="C & D: patient flow", events=4)
