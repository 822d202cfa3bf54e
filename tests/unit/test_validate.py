"""Tests of mitoscore.validate: count checks, clinical standardisation (incl. the real
TCGA-LAML / BeatAML / TARGET-AML clinical tables) and sample matching."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import SHARED
from mitoscore.errors import InputError
from tests.conftest import BAD, DATA, FMT
from tests.conftest import assert_error_names as _assert_msg
from mitoscore.inputs import read_clinical, read_counts
from mitoscore.validate import (DAYS_PER_MONTH, FLOW_COLUMNS, check_counts, match_samples, parse_events,
                                standardise_clinical, suggest_column)

COHORTS = SHARED / "data" / "cohorts"




def _std(f: Path, **kw):
    base = dict(file=str(f), id_column="sample_id", time_column="os_months", event_column="os_event")
    base.update(kw)
    return standardise_clinical(read_clinical(f), **base)


# --------------------------------------------------------------------------- check_counts
@pytest.mark.parametrize("name, parts", [
    ("counts_negative.tsv", ["negative", "GAPDH", "S2", "-4"]),
    ("counts_dup_gene.tsv", ["duplicated gene", "TP53"]),
    ("counts_all_zero_sample.tsv", ["all counts zero", "S2"]),
])
def test_check_counts_bad_files(name, parts):
    f = BAD / name
    with pytest.raises(InputError) as e:
        check_counts(read_counts(f), file=str(f))
    _assert_msg(e.value, f, *parts)


def test_check_counts_nan_inf_and_dup_samples_in_frames():
    base = pd.DataFrame({"A": [1.0, 2.0], "B": [3.0, 4.0]}, index=["g1", "g2"])
    for val, word in ((np.nan, "missing"), (np.inf, "infinite")):
        df = base.copy()
        df.loc["g2", "B"] = val
        with pytest.raises(InputError) as e:
            check_counts(df, file="x.parquet")
        _assert_msg(e.value, "x.parquet", word, "g2", "B")
    df = base.copy()
    df.columns = ["A", "A"]
    with pytest.raises(InputError) as e:
        check_counts(df, file="x.parquet")
    _assert_msg(e.value, "x.parquet", "duplicated sample", "A")
    with pytest.raises(InputError) as e:
        check_counts(base.iloc[:, :0], file="x.parquet")
    _assert_msg(e.value, "x.parquet", "no samples")
    with pytest.raises(InputError) as e:
        check_counts(base.iloc[:0], file="x.parquet")
    _assert_msg(e.value, "x.parquet", "no genes")


def test_check_counts_ok():
    check_counts(read_counts(FMT / "counts_symbols.csv"), file="ok.csv")


# --------------------------------------------------------------------------- standardise_clinical
def test_standardise_basic_units_and_flow(tmp_path):
    f = tmp_path / "c.tsv"
    f.write_text("id\tdays\tvital\tage\tsex\tarm\tresp\n"
                 "P1\t365.25\tDead\t61\tF\tchemo\tCR/CRi\n"
                 "P2\t30.4375\tAlive\t45\tM\tHMA\trefractory\n"
                 "P3\t\tDead\t50\tM\tchemo\t\n"
                 "P4\t100\t\t70\tF\tHMA\tCR/CRi\n"
                 "P5\t10\tdeceased\tNA\tF\tchemo\t\n")
    clin, flow = standardise_clinical(read_clinical(f), file=str(f), id_column="id", time_column="days",
                                      event_column="vital", time_unit="days", covariates=["age", "sex"],
                                      treatment_column="arm", response_column="resp",
                                      response_coding={"CR/CRi": 1, "refractory": 0})
    assert clin.index.name == "sample" and list(clin.index) == ["P1", "P2", "P5"]
    assert list(clin.columns) == ["os_months", "os_event", "age", "sex", "treatment", "response"]
    assert clin["os_months"].tolist() == pytest.approx([12.0, 1.0, 10 / DAYS_PER_MONTH])
    assert clin["os_event"].tolist() == [1, 0, 1] and clin["os_event"].dtype == np.int64
    assert clin["age"].dtype == float and np.isnan(clin.loc["P5", "age"])
    assert clin["sex"].tolist() == ["F", "M", "F"]
    assert clin["response"].tolist()[:2] == [1.0, 0.0] and np.isnan(clin.loc["P5", "response"])
    assert list(flow.columns) == FLOW_COLUMNS
    # each exclusion under its own reason (was one lumped "survival data" row)
    row = flow[flow.step == "missing survival time"].iloc[0]
    assert (row.n_before, row.n_after, row.n_excluded) == (5, 4, 1) and "P3" in row.reason and "days" in row.reason
    row = flow[flow.step == "missing event status"].iloc[0]
    assert (row.n_before, row.n_after, row.n_excluded) == (4, 3, 1) and "P4" in row.reason and "vital" in row.reason


def test_years_and_weeks():
    raw = pd.DataFrame({"id": ["a", "b"], "t": ["1", "2"], "e": ["1", "0"]})
    c, _ = standardise_clinical(raw, file="f", id_column="id", time_column="t", event_column="e", time_unit="years")
    assert c.os_months.tolist() == [12.0, 24.0]
    c, _ = standardise_clinical(raw, file="f", id_column="id", time_column="t", event_column="e", time_unit="weeks")
    assert c.os_months.tolist() == pytest.approx([7 / DAYS_PER_MONTH, 14 / DAYS_PER_MONTH])
    with pytest.raises(InputError) as e:
        standardise_clinical(raw, file="f", id_column="id", time_column="t", event_column="e", time_unit="decades")
    _assert_msg(e.value, "f", "decades")


@pytest.mark.parametrize("name, kw, parts", [
    ("clinical_misspelled_column.tsv", {}, ["'os_months'", "did you mean 'OS_month'", "time_column"]),
    ("clinical_zero_time.tsv", {}, ["zero survival time", "row 3", "P2"]),
    ("clinical_negative_time.tsv", {}, ["negative survival time", "row 4", "P3", "-7"]),
    ("clinical_bad_event.tsv", {}, ["column 'os_event'", "row 4", "'censored'", "event_coding"]),
    ("clinical_dup_id.tsv", {}, ["duplicated id", "P1", "row 2, 4"]),
    ("clinical_text_time.tsv", {}, ["non-numeric survival time", "row 3", "'5 months'"]),
    ("clinical_missing_id.tsv", {}, ["missing sample id", "row 3"]),
    ("clinical_bad_response.tsv", {"response_column": "best_response"}, ["'PR'", "row 3", "response_coding"]),
    ("clinical_mismatch.tsv", {"covariates": ["agee"]}, ["covariate", "'agee'"]),
    ("clinical_mismatch.tsv", {"id_column": "Sample_ID"}, ["did you mean 'sample_id'"]),
])
def test_bad_clinical_files(name, kw, parts):
    f = BAD / name
    with pytest.raises(InputError) as e:
        _std(f, **kw)
    _assert_msg(e.value, f, *parts)


def test_zero_time_keep_and_exclude():
    f = BAD / "clinical_zero_time.tsv"
    c, _ = _std(f, zero_time="keep")
    assert c.loc["P2", "os_months"] == 0.0 and len(c) == 3
    c, flow = _std(f, zero_time="exclude")
    assert list(c.index) == ["P1", "P3"]
    assert flow.loc[flow.step == "zero survival time", "n_excluded"].item() == 1


def test_event_coding_declared():
    raw = pd.DataFrame({"id": ["a", "b", "c"], "t": ["1", "2", "3"], "e": ["censored", "event", "EVENT "]})
    c, _ = standardise_clinical(raw, file="f", id_column="id", time_column="t", event_column="e",
                                event_coding={"event": 1, "censored": 0})
    assert c.os_event.tolist() == [0, 1, 1]
    with pytest.raises(InputError) as e:
        standardise_clinical(raw, file="f", id_column="id", time_column="t", event_column="e",
                             event_coding={"event": 2, "censored": 0})
    _assert_msg(e.value, "f", "0 (censored) or 1")


_EVENT_VALUES = {"0": 0, "1": 1, "dead": 1, "alive": 0, "deceased": 1, "living": 0, "1:DECEASED": 1, "0:LIVING": 0,
                 "Dead": 1, "Alive": 0, "DEAD": 1, "1.0": 1, "0.0": 0}


@settings(max_examples=60, deadline=None)
@given(vals=st.lists(st.one_of(st.sampled_from(sorted(_EVENT_VALUES)), st.none()), min_size=1, max_size=30),
       pad=st.sampled_from(["", " ", "  "]))
def test_event_parsing_property(vals, pad):
    s = pd.Series([None if v is None else pad + v + pad for v in vals], dtype=object)
    out = parse_events(s, file="f", column="e")
    for v, o in zip(vals, out):
        if v is None:
            assert np.isnan(o)
        else:
            assert o == _EVENT_VALUES[v]


@settings(max_examples=60, deadline=None)
@given(bad=st.text(min_size=1, max_size=10).filter(lambda x: x.strip().lower() not in
                                                  {k.lower() for k in _EVENT_VALUES} and x.strip() != ""),
       pos=st.integers(0, 5))
def test_event_parsing_rejects_unknown(bad, pos):
    vals = ["1"] * 6
    vals[pos] = bad
    with pytest.raises(InputError) as e:
        parse_events(pd.Series(vals, dtype=object), file="clin.tsv", column="vital")
    _assert_msg(e.value, "clin.tsv", "column 'vital'", f"row {pos + 2}")


def test_suggest_column():
    cols = ["Overall Survival (Months)", "Overall Survival Status", "Sample ID", "os_months"]
    assert suggest_column("overall survival (months)", cols) == "Overall Survival (Months)"
    assert suggest_column("OS_month", cols) == "os_months"
    assert suggest_column("sample_id", cols) == "Sample ID"
    assert suggest_column("zzzzzz", cols) is None
    assert suggest_column("x", []) is None


# --------------------------------------------------------------------------- real cohorts
def test_real_tcga_laml():
    f = COHORTS / "tcga_laml" / "tcga_laml_survival.tsv"
    raw = read_clinical(f)
    # one patient (TCGA-AB-2910) died at 0.0 months in cBioPortal: zero times raise by default
    with pytest.raises(InputError) as e:
        standardise_clinical(raw, file=str(f), id_column="patient_id", time_column="os_months",
                             event_column="os_event", covariates=["age", "sex", "risk_cyto"])
    _assert_msg(e.value, f, "TCGA-AB-2910")
    clin, flow = standardise_clinical(raw, file=str(f), id_column="patient_id", time_column="os_months",
                                      event_column="os_event", covariates=["age", "sex", "risk_cyto"],
                                      zero_time="keep")
    assert len(clin) == 200 and clin.os_event.sum() == 133
    assert clin.index[0] == "TCGA-AB-2802" and clin.loc["TCGA-AB-2803", "os_months"] == 25.7
    assert clin["age"].dtype == float and set(clin["sex"].dropna()) == {"Male", "Female"}
    assert flow.n_excluded.sum() == 0


def test_real_tcga_bcr_days():
    f = COHORTS / "tcga_laml" / "tcga_laml_survival.tsv"
    raw = read_clinical(f)
    kw = dict(file=str(f), id_column="patient_id", time_column="os_days_gdc", event_column="os_event_gdc",
              time_unit="days")
    with pytest.raises(InputError) as e:  # 13 patients with 0 days of GDC follow-up
        standardise_clinical(raw, **kw)
    _assert_msg(e.value, f, "column 'os_days_gdc'", "13 row(s)", "TCGA-AB-2820", "zero_time")
    clin, flow = standardise_clinical(raw, **kw, zero_time="exclude")
    excl = dict(zip(flow.step, flow.n_excluded))
    assert excl["missing survival time"] == 14 and excl["zero survival time"] == 13  # 14 without GDC follow-up
    assert len(clin) == 200 - 14 - 13


def test_real_beataml_cbioportal():
    f = COHORTS / "beataml_ohsu2022" / "clinical_source" / "aml_ohsu_2022_clinical_data.tsv"
    raw = read_clinical(f)
    assert raw.shape == (942, 68)
    clin, flow = standardise_clinical(raw, file=str(f), id_column="Sample ID",
                                      time_column="Overall Survival (Months)",
                                      event_column="Overall Survival Status", covariates=["Age at Diagnosis", "ELN2017"])
    assert len(clin) == 910 and clin.os_event.sum() == 565  # 32 samples with status NA excluded
    assert flow.loc[flow.step == "missing event status", "n_excluded"].item() == 32  # time given, status NA
    # patient-level ids repeat (942 samples from 805 patients) with identical OS: collapsed and counted
    clin, flow = standardise_clinical(raw, file=str(f), id_column="Patient ID", time_column="Overall Survival (Months)",
                                      event_column="Overall Survival Status")
    assert flow.loc[flow.step == "identical duplicate rows", "n_excluded"].item() == 942 - 805
    assert len(clin) == 805 - 32 and clin.index.is_unique
    # ... but not when a used column differs between the repeated rows (sample-level data)
    with pytest.raises(InputError) as e:
        standardise_clinical(raw, file=str(f), id_column="Patient ID", time_column="Overall Survival (Months)",
                             event_column="Overall Survival Status", covariates=["Sample ID"])
    _assert_msg(e.value, f, "duplicated id", "column 'Patient ID'", "different values")


def test_real_target_latin1_days():
    f = COHORTS / "target_aml" / "clinical_source" / "target_clinic.csv"
    raw = read_clinical(f)
    assert raw.attrs["encoding"] in ("cp1252", "latin-1") and raw.shape[0] == 1069
    clin, flow = standardise_clinical(raw, file=str(f), id_column="TARGET USI",
                                      time_column="Overall Survival Time in Days", event_column="Vital Status",
                                      time_unit="days", response_column="CR status at end of course 1",
                                      response_coding={"CR": 1, "not in CR": 0, "death": 0, "unevaluable": "NA"})
    assert len(clin) == 1069 and clin.os_event.sum() == 367
    assert clin.loc["TARGET-20-PAVWUU", "os_months"] == pytest.approx(662 / DAYS_PER_MONTH)
    assert (clin.response == 1).sum() == 793 and (clin.response == 0).sum() == 236 + 17
    assert clin.response.isna().sum() == 23


def test_real_target_response_uncoded_value_raises():
    f = COHORTS / "target_aml" / "clinical_source" / "target_clinic.csv"
    raw = read_clinical(f)
    with pytest.raises(InputError) as e:
        standardise_clinical(raw, file=str(f), id_column="TARGET USI", time_column="Overall Survival Time in Days",
                             event_column="Vital Status", time_unit="days",
                             response_column="CR status at end of course 1")
    _assert_msg(e.value, f, "column 'CR status at end of course 1'", "response_coding")


# --------------------------------------------------------------------------- match_samples
def _clin(ids):
    return pd.DataFrame({"os_months": np.arange(len(ids), dtype=float) + 1, "os_event": 1},
                        index=pd.Index(ids, name="sample"))


def test_match_mismatch_lists_both_sides():
    cf, kf = BAD / "counts_mismatch.tsv", BAD / "clinical_mismatch.tsv"
    counts = read_counts(cf)
    clin, _ = _std(kf)
    with pytest.raises(InputError) as e:
        match_samples(counts, clin, counts_file=str(cf), clinical_file=str(kf))
    _assert_msg(e.value, kf, str(cf), "X9", "P7", "allow_unmatched")
    c2, k2, flow = match_samples(counts, clin, counts_file=str(cf), clinical_file=str(kf), allow_unmatched=True)
    assert list(c2.columns) == ["P1", "P2", "P3"] == list(k2.index)
    assert flow.n_excluded.tolist() == [1, 1]
    assert "X9" in flow.reason[0] and "P7" in flow.reason[1]


def test_match_reorders_clinical_to_counts():
    counts = pd.DataFrame(np.ones((2, 3), dtype=np.int64), columns=["c", "a", "b"], index=["g1", "g2"])
    c2, k2, _ = match_samples(counts, _clin(["a", "b", "c"]), counts_file="c", clinical_file="k")
    assert list(k2.index) == ["c", "a", "b"] and k2.loc["c", "os_months"] == 3.0


def test_match_tcga_prefix():
    counts = pd.DataFrame(np.ones((1, 2), dtype=np.int64), index=["g"],
                          columns=["TCGA-AB-2803-03A-01T-0734-13", "TCGA-AB-2805-03A-01T-0734-13"])
    clin = _clin(["TCGA-AB-2805", "TCGA-AB-2803"])
    with pytest.raises(InputError) as e:
        match_samples(counts, clin, counts_file="counts.tsv", clinical_file="clin.tsv")
    _assert_msg(e.value, "clin.tsv", "id_prefix_length: 12")
    c2, k2, _ = match_samples(counts, clin, counts_file="counts.tsv", clinical_file="clin.tsv", id_prefix_length=12)
    assert list(c2.columns) == ["TCGA-AB-2803", "TCGA-AB-2805"] == list(k2.index)


def test_match_prefix_collision():
    cf = BAD / "counts_tcga_collision.tsv"
    counts = read_counts(cf)
    with pytest.raises(InputError) as e:
        match_samples(counts, _clin(["TCGA-AB-2803", "TCGA-AB-2805"]), counts_file=str(cf),
                      clinical_file="clin.tsv", id_prefix_length=12)
    _assert_msg(e.value, cf, "TCGA-AB-2803-03A-01T-0734-13", "TCGA-AB-2803-03B-01T-0734-13", "collide")


def test_match_r_mangled_ids_hint():
    cf, kf = BAD / "counts_rmangled_ids.tsv", BAD / "clinical_tcga.tsv"
    clin, _ = standardise_clinical(read_clinical(kf), file=str(kf), id_column="patient_id",
                                   time_column="os_months", event_column="os_event")
    with pytest.raises(InputError) as e:
        match_samples(read_counts(cf), clin, counts_file=str(cf), clinical_file=str(kf))
    _assert_msg(e.value, kf, "TCGA.AB.2803", "check.names")


def test_match_nothing_in_common_even_if_allowed():
    counts = pd.DataFrame(np.ones((1, 2), dtype=np.int64), index=["g"], columns=["x", "y"])
    with pytest.raises(InputError) as e:
        match_samples(counts, _clin(["a"]), counts_file="c.tsv", clinical_file="k.tsv", allow_unmatched=True)
    _assert_msg(e.value, "k.tsv", "no sample")


def test_real_tcga_cbioportal_csv_and_bcr_vital_status():
    src = COHORTS / "tcga_laml" / "clinical_source"
    f = src / "laml_tcga_pub_clinical_data.csv"
    clin, _ = standardise_clinical(read_clinical(f), file=str(f), id_column="Patient ID",
                                   time_column="Overall Survival (Months)", event_column="Overall Survival Status",
                                   zero_time="keep")
    assert len(clin) == 200 and clin.os_event.sum() == 133
    g = src / "clinical_patient_laml.tsv"
    raw = read_clinical(g)
    ev = parse_events(raw["vital_status"], file=str(g), column="vital_status")  # DECEASED / LIVING
    assert ev.sum() == 133 and ev.notna().all()


def test_xlsx_clinical_end_to_end():
    f = FMT / "clinical.xlsx"
    clin, flow = standardise_clinical(read_clinical(f), file=str(f), id_column="Sample ID", time_column="OS_months",
                                      event_column="Vital status", covariates=["Age", "Sex"],
                                      response_column="Response")
    assert list(clin.index) == ["S1", "S2", "S4"]
    assert clin.os_event.tolist() == [1, 0, 0] and clin.response.tolist() == [1.0, 0.0, 1.0]
    assert flow.n_excluded.sum() == 1
