"""Overall survival as the workflow builds it from the public layouts (GDC/TCGA BCR, cBioPortal,
TARGET, death time + follow-up + vital status), the checks that stop silently wrong analyses
(unit, time column only dead patients have, censoring changed by exclusions, levels that do
not exist), exclusions counted under their real reason, and the endpoint record the report
prints (the coding actually applied)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mitoscore.errors import InputError
from mitoscore.inputs import read_clinical
from mitoscore.validate import (DAYS_PER_MONTH, ENDPOINT_COLUMNS, match_samples, median_follow_up, standardise,
                                update_endpoint)
from tests.conftest import SHARED
from tests.conftest import assert_error_names as _assert_msg

COHORTS = SHARED / "data" / "cohorts"
BCR = COHORTS / "tcga_laml" / "clinical_source" / "clinical_patient_laml.tsv"
CBIO = COHORTS / "tcga_laml" / "clinical_source" / "laml_tcga_pub_clinical_data.csv"
TARGET = COHORTS / "target_aml" / "clinical_source" / "target_clinic.csv"
DERIVED = COHORTS / "tcga_laml" / "tcga_laml_survival.tsv"
TCGA = dict(id_column="bcr_patient_barcode", cohort="TCGA", sheet="study/cohorts.tsv")


@pytest.fixture(scope="module")
def bcr():
    return read_clinical(BCR)


# --------------------------------------------------------------------------- layouts on the real tables
def test_gdc_layout_rebuilds_the_published_os_of_the_bcr_table(bcr):
    """survival_layout gdc = days_to_death for the dead, days_to_last_followup for the living,
    vital_status: equals the PROVENANCE-derived os_days_gdc/os_event_gdc of all 200 patients."""
    res = standardise(bcr, file=str(BCR), survival_layout="gdc", zero_time="keep", **TCGA)
    ref = read_clinical(DERIVED).set_index("patient_id")
    ok = ref["os_days_gdc"].notna()
    want = ref.loc[ok, "os_days_gdc"].astype(float) / DAYS_PER_MONTH
    got = res.clinical["os_months"]
    assert set(got.index) == set(want.index)  # the 14 without a usable time are the ones excluded
    np.testing.assert_allclose(got.loc[want.index], want, rtol=0, atol=1e-12)
    assert (res.clinical["os_event"] == ref.loc[res.clinical.index, "os_event_gdc"].astype(int)).all()
    steps = dict(zip(res.flow.step, res.flow.n_excluded))
    assert steps["dead without death time"] == 13 and steps["alive without follow-up time"] == 1
    ep = res.endpoint
    assert ep["time_source"] == "days_to_death (dead) / days_to_last_followup (alive)"
    assert ep["event_coding"].startswith("DECEASED=1 (133), LIVING=0 (67)")
    assert ep["conversion"] == "days / 30.4375" and ep["layout"] == "gdc"


def test_days_to_death_as_time_column_stops_instead_of_dropping_every_censored_patient(bcr):
    """The silent wrong analysis of issue 11: 'days_to_death' + vital_status kept only deaths
    (all events, exit 0). Now it stops and points to the gdc layout."""
    with pytest.raises(InputError) as e:
        standardise(bcr, file=str(BCR), time_column="days_to_death", event_column="vital_status",
                    time_unit="days", zero_time="keep", **TCGA)
    _assert_msg(e.value, BCR, "every analysed patient has an event (120/120)", "only dead patients have",
                "survival_layout: gdc for cohort 'TCGA' in study/cohorts.tsv")
    res = standardise(bcr, file=str(BCR), time_column="days_to_death", event_column="vital_status",
                      time_unit="days", zero_time="keep", plausibility_checks="warn", **TCGA)
    assert res.clinical["os_event"].all() and any("every analysed patient" in w for w in res.warnings)
    assert "every analysed patient" in res.endpoint["warnings"]


def test_censoring_share_changed_by_exclusions_stops():
    rng = np.random.default_rng(3)
    n = 60
    ev = (np.arange(n) % 2).astype(int)
    t = rng.uniform(2, 60, n).round(2).astype(object)
    t[np.flatnonzero(ev == 0)[:20]] = None  # 20 of 30 censored patients lack a time
    raw = pd.DataFrame({"sample_id": [f"P{i}" for i in range(n)], "t": t, "e": ev.astype(str)})
    with pytest.raises(InputError) as e:
        standardise(raw, file="c.tsv", time_column="t", event_column="e", cohort="X", sheet="s.tsv")
    _assert_msg(e.value, "c.tsv", "share of censored patients from 50%", "to 25%", "plausibility_checks: warn")


def test_cbioportal_and_target_presets_read_the_real_tables():
    cb = standardise(read_clinical(CBIO), file=str(CBIO), id_column="Patient ID", survival_layout="cbioportal",
                     zero_time="keep")
    assert len(cb.clinical) == 200 and cb.clinical.os_event.sum() == 133
    assert cb.endpoint["time_source"] == "Overall Survival (Months)" and cb.endpoint["time_unit"] == "months"
    tg = standardise(read_clinical(TARGET), file=str(TARGET), id_column="TARGET USI", survival_layout="target")
    assert len(tg.clinical) == 1069 and tg.clinical.os_event.sum() == 367 and tg.endpoint["time_unit"] == "days"
    assert tg.clinical.loc["TARGET-20-PAVWUU", "os_months"] == pytest.approx(662 / DAYS_PER_MONTH)


def test_cbioportal_data_file_with_comment_lines(tmp_path):
    f = tmp_path / "data_clinical_patient.txt"
    f.write_text("#Patient Identifier\tOverall Survival (Months)\tOverall Survival Status\n"
                 "#Identifier\tMonths\tStatus\n#STRING\tNUMBER\tSTRING\n#1\t1\t1\n"
                 "PATIENT_ID\tOS_MONTHS\tOS_STATUS\nP1\t12.5\t1:DECEASED\nP2\t30\t0:LIVING\nP3\t\t0:LIVING\n")
    raw = read_clinical(f)
    assert list(raw.columns) == ["PATIENT_ID", "OS_MONTHS", "OS_STATUS"] and raw.attrs["comment_lines"] == 4
    res = standardise(raw, file=str(f), id_column="PATIENT_ID", survival_layout="cbioportal")
    assert res.clinical.os_event.tolist() == [1, 0]
    assert "P3" in res.flow.loc[res.flow.step == "missing survival time", "reason"].item()


def test_time_unit_contradicting_a_preset_is_refused(bcr):
    with pytest.raises(InputError) as e:
        standardise(bcr, file=str(BCR), survival_layout="gdc", time_unit="months", zero_time="keep", **TCGA)
    _assert_msg(e.value, "study/cohorts.tsv", "contradicts survival_layout 'gdc'")


def test_alive_patient_with_a_death_time_is_refused():
    raw = pd.DataFrame({"sample_id": ["a", "b"], "vital_status": ["Alive", "Dead"], "days_to_death": ["10", "20"],
                        "days_to_last_follow_up": ["30", ""]})
    with pytest.raises(InputError) as e:
        standardise(raw, file="g.tsv", survival_layout="gdc")
    _assert_msg(e.value, "g.tsv", "alive in vital_status but have a days_to_death", "ids a")


# --------------------------------------------------------------------------- plausibility of units
@pytest.mark.parametrize("declared, factor, likely", [
    ("months", DAYS_PER_MONTH, "days"),       # days declared as months (issue: max OS 29,952 months)
    ("years", DAYS_PER_MONTH, "days"),        # days declared as years
    ("days", 1.0, "months"),                  # months declared as days
    ("years", 1.0, "months"),                 # months declared as years
])
def test_follow_up_in_the_wrong_unit_stops_naming_the_likely_unit(declared, factor, likely):
    rng = np.random.default_rng(5)
    n = 40
    months = rng.uniform(0.5, 90, n).round(2)
    raw = pd.DataFrame({"sample_id": [f"P{i}" for i in range(n)], "os_time": (months * factor).round(1).astype(str),
                        "os_status": (rng.uniform(size=n) < 0.5).astype(int).astype(str)})
    with pytest.raises(InputError) as e:
        standardise(raw, file="c.tsv", time_column="os_time", event_column="os_status", time_unit=declared,
                    cohort="C1", sheet="mine.tsv")
    _assert_msg(e.value, "c.tsv", "column 'os_time'", "implausible", f"look like {likely}",
                f"set time_unit: {likely} for cohort 'C1' in mine.tsv")
    ok = standardise(raw, file="c.tsv", time_column="os_time", event_column="os_status", time_unit=likely)
    np.testing.assert_allclose(ok.clinical.os_months, months, rtol=0, atol=0.06)  # 1-decimal rounding


def test_real_tcga_days_declared_as_months_stops():
    raw = read_clinical(DERIVED)
    with pytest.raises(InputError) as e:
        standardise(raw, file=str(DERIVED), id_column="patient_id", time_column="os_days_gdc",
                    event_column="os_event_gdc", time_unit="months", zero_time="exclude")
    _assert_msg(e.value, DERIVED, "longest follow-up is 2,861 months", "look like days")


def test_column_name_stating_another_unit_stops_and_small_cohorts_skip_the_range_bounds():
    raw = pd.DataFrame({"id": ["a", "b", "c"], "OS_days": ["3", "4", "5"], "e": ["1", "0", "1"]})
    with pytest.raises(InputError) as e:
        standardise(raw, file="c.tsv", id_column="id", time_column="OS_days", event_column="e")
    _assert_msg(e.value, "c.tsv", "says days but time_unit is months")
    res = standardise(raw, file="c.tsv", id_column="id", time_column="OS_days", event_column="e", time_unit="days")
    assert len(res.clinical) == 3  # n < 20: the lower range bounds do not apply


def test_median_follow_up_equals_r_reverse_km(repo_golden):
    """validate.median_follow_up = summary(survfit(Surv(time, 1 - status) ~ 1))$table median
    (tests/golden/median_follow_up.R, tied integer-month data); exact (a step-function median)."""
    gold = repo_golden("median_follow_up.tsv").set_index("data")
    for name in ("large", "small"):
        d = repo_golden(f"tied_{name}.tsv")
        assert median_follow_up(d["time"], d["status"]) == gold.loc[name, "median"]
    assert np.isnan(median_follow_up(np.array([1.0, 2.0]), np.array([1, 1])))


# --------------------------------------------------------------------------- levels, renames, recodes
def test_reference_level_that_does_not_exist_stops_with_the_levels(bcr):
    with pytest.raises(InputError) as e:
        standardise(bcr, file=str(BCR), survival_layout="gdc", zero_time="keep", covariates=["gender"],
                    reference_levels={"gender": "F"}, **TCGA)
    _assert_msg(e.value, "study/cohorts.tsv", "reference level 'F' of 'gender' does not exist",
                "FEMALE, MALE", "recode")


def test_rename_and_recode_line_cohorts_up(bcr):
    res = standardise(bcr, file=str(BCR), survival_layout="gdc", zero_time="keep",
                      rename={"age": "age_at_initial_pathologic_diagnosis", "sex": "gender",
                              "risk": "acute_myeloid_leukemia_calgb_cytogenetics_risk_category"},
                      recode={"sex": {"FEMALE": "F", "MALE": "M"},
                              "risk": {"Favorable": "favorable", "Intermediate/Normal": "intermediate",
                                       "Poor": "adverse"}},
                      covariates=["age", "sex", "risk"], reference_levels={"sex": "F", "risk": "favorable"}, **TCGA)
    c = res.clinical
    assert set(c["sex"]) == {"F", "M"} and set(c["risk"].dropna()) == {"favorable", "intermediate", "adverse"}
    assert c["age"].dtype == float and c.loc["TCGA-AB-2802", "age"] == 50


def test_errors_of_one_table_are_reported_together():
    raw = pd.DataFrame({"sample_id": ["a", "b", "c"], "t": ["1", "x", "3"], "e": ["1", "0", "maybe"],
                        "sex": ["F", "M", "F"], "arm": ["A", "B", "A"]})
    with pytest.raises(InputError) as e:
        standardise(raw, file="c.tsv", time_column="t", event_column="e", covariates=["sex", "agee"],
                    treatment_column="arm", reference_arm="C", reference_levels={"sex": "FEMALE"})
    msg = str(e.value)
    for part in ("non-numeric survival time", "'maybe'", "'agee'", "reference level 'FEMALE'", "reference_arm 'C'"):
        assert part in msg, (part, msg)


# --------------------------------------------------------------------------- exclusions under their real reason
def test_excluded_patients_are_not_reported_as_missing_from_the_clinical_table():
    """Bug of issue 11: patients excluded for zero/missing time were counted as 'not in the
    clinical table' (and refused without allow_unmatched)."""
    raw = pd.DataFrame({"sample_id": ["P1", "P2", "P3", "P4"], "t": ["10", "0", "", "7"], "e": ["1", "1", "0", "0"]})
    res = standardise(raw, file="c.tsv", time_column="t", event_column="e", zero_time="exclude")
    assert res.excluded == {"P2": "zero survival time", "P3": "missing survival time"}
    counts = pd.DataFrame(np.ones((2, 4), dtype=np.int64), index=["g1", "g2"], columns=["P1", "P2", "P3", "P4"])
    c2, k2, flow = match_samples(counts, res.clinical, counts_file="n.tsv", clinical_file="c.tsv",
                                 excluded=res.excluded)
    assert list(c2.columns) == ["P1", "P4"] == list(k2.index)
    reasons = dict(zip(flow.step, flow.reason))
    assert "P2" in reasons["count samples: zero survival time"]
    assert "P3" in reasons["count samples: missing survival time"]
    assert reasons["matched to clinical"] == "all count samples matched"
    assert not flow.reason.str.contains("not in the clinical table").any()


def test_missing_survival_refuse():
    raw = pd.DataFrame({"sample_id": ["P1", "P2", "P3"], "t": ["10", "", "7"], "e": ["1", "1", ""]})
    with pytest.raises(InputError) as e:
        standardise(raw, file="c.tsv", time_column="t", event_column="e", missing_survival="refuse", cohort="K",
                    sheet="s.tsv")
    _assert_msg(e.value, "c.tsv", "2 row(s) lack survival data", "missing survival time (t): 1",
                "missing event status (e): 1", "set missing_survival: exclude for cohort 'K' in s.tsv")


def test_event_coding_error_lists_the_covered_values(bcr):
    with pytest.raises(InputError) as e:
        standardise(bcr, file=str(BCR), survival_layout="gdc", event_coding={"Dead": 1, "Alive": 0}, **TCGA)
    _assert_msg(e.value, BCR, "'DECEASED' (133 row(s)", "'LIVING' (67 row(s)", "covers Dead=1, Alive=0",
                "set event_coding: DECEASED=1,LIVING=0 for cohort 'TCGA'")


def test_endpoint_record_after_matching():
    raw = pd.DataFrame({"sample_id": ["a", "b", "c"], "t": ["1", "2", "3"], "e": ["Dead", "Alive", "Dead"]})
    res = standardise(raw, file="c.tsv", time_column="t", event_column="e", cohort="X")
    ep = update_endpoint(res.endpoint, res.clinical.iloc[:2])
    assert list(ep.columns) == ENDPOINT_COLUMNS
    r = ep.iloc[0]
    assert (r.n_rows, r.n_analysed, r.n_events, r.n_censored) == (3, 2, 1, 1)
    assert r.event_coding == "Dead=1 (2), Alive=0 (1) [1 = death, 0 = censored; default coding]"


def test_report_endpoint_table_shows_the_coding_applied(tmp_path):
    """Bug of issue 11: the report printed '0/1 (1 = death; dead/alive recognised)' whatever the
    coding; it now prints validated/endpoint.tsv of each cohort."""
    from mitoscore import report
    from mitoscore.io import write_tsv
    from tests.unit.test_report import load, make_results_tree

    config, params, rep = make_results_tree(tmp_path)
    raw = pd.DataFrame({"sample_id": [f"S{i}" for i in range(6)], "d": ["100", "", "300", "", "50", ""],
                        "f": ["", "400", "", "500", "", "600"],
                        "v": ["DECEASED", "LIVING", "DECEASED", "LIVING", "DECEASED", "LIVING"]})
    res = standardise(raw, file="c.tsv", survival_layout="death_followup", death_time_column="d",
                      followup_time_column="f", vital_status_column="v", time_unit="days", cohort="SYNTHETIC_cohortA")
    write_tsv(update_endpoint(res.endpoint, res.clinical),
              tmp_path / "results" / "cohorts" / "SYNTHETIC_cohortA" / "validated" / "endpoint.tsv")
    page = report.render_report(load(tmp_path, config, params, rep))
    sec = page[page.index('id="endpoints"'):]
    sec = sec[:sec.index("</section>")] if "</section>" in sec else sec
    assert "DECEASED=1 (3), LIVING=0 (3)" in sec and "d (dead) / f (alive)" in sec
    assert "dead/alive recognised" not in page
