"""mitoscore.config: cohort-sheet parsing and semantic config checks."""
import pytest

from mitoscore.config import (check_config, cohort_params, cutpoint_cohort, contrast_applies, load_cohort_sheet, parse_list,
                              parse_mapping)
from mitoscore.errors import InputError


def test_parse_list_and_mapping():
    assert parse_list(" age, sex ,eln2017,") == ["age", "sex", "eln2017"]
    assert parse_list(None) == [] and parse_list("") == []
    assert parse_mapping("CR/CRi=1, refractory=0", as_int=True) == {"CR/CRi": 1, "refractory": 0}
    assert parse_mapping("unevaluable=NA,CR=1", as_int=True) == {"unevaluable": None, "CR": 1}
    assert parse_mapping("sex=F,eln2017=favorable") == {"sex": "F", "eln2017": "favorable"}
    with pytest.raises(InputError, match=r"cohorts.tsv.*column 'event_coding'.*row 3.*Fix:"):
        parse_mapping("Dead:1", file="cohorts.tsv", column="event_coding", row=3)
    with pytest.raises(InputError, match="not an integer"):
        parse_mapping("Dead=yes", as_int=True)


def _sheet(tmp_path, text):
    p = tmp_path / "cohorts.tsv"
    p.write_text(text)
    return p


def test_load_cohort_sheet_types_and_defaults(tmp_path):
    p = _sheet(tmp_path, "cohort\tcounts\tallow_unmatched\tid_prefix_length\tcovariates\n"
                         "c1\tx.tsv\tyes\t12\t\n")
    (row,) = load_cohort_sheet(p)
    assert row["allow_unmatched"] is True and row["id_prefix_length"] == 12
    assert "covariates" not in row  # empty cell -> schema default applies
    assert row["_line"] == 2


@pytest.mark.parametrize("text,match", [
    ("cohort\tcounts\nc1\ta\nc1\tb\n", r"row 3.*duplicated cohort id.*Fix:"),
    ("cohort\tallow_unmatched\nc1\tmaybe\n", r"column 'allow_unmatched'.*row 2.*true or false"),
    ("cohort\tid_prefix_length\nc1\ttwelve\n", r"column 'id_prefix_length'.*integer"),
    ("name\tcounts\nc1\ta\n", r"missing column 'cohort'"),
])
def test_load_cohort_sheet_errors_name_row_and_column(tmp_path, text, match):
    with pytest.raises(InputError, match=match) as e:
        load_cohort_sheet(_sheet(tmp_path, text))
    assert "cohorts.tsv" in str(e.value)


def test_missing_sheet(tmp_path):
    with pytest.raises(InputError, match="not found.*Fix:"):
        load_cohort_sheet(tmp_path / "nope.tsv")


def _config(tmp_path, **kw):
    gmt = tmp_path / "s.gmt"
    gmt.write_text("SIG\tdesc\tA\tB\n")
    cfg = {"signatures": [{"name": "SIG", "gmt": str(gmt)}], "primary_signature": "SIG",
           "cutpoint": {"rule": "median"}, "de": {"contrasts": []}}
    cfg.update(kw)
    return cfg


def test_check_config_accepts_a_valid_config(tmp_path):
    f = tmp_path / "c.tsv"
    f.write_text("x")
    rows = [{"cohort": "c1", "counts": str(f), "clinical": str(f), "_line": 2}]
    check_config(_config(tmp_path), rows, sheet_path="sheet.tsv")


@pytest.mark.parametrize("change,match", [
    ({"primary_signature": "SGI"}, r"primary_signature.*did you mean 'SIG'"),
    ({"cutpoint": {"rule": "fixed"}}, r"needs a value"),
    ({"cutpoint": {"rule": "median", "value": 0.5}}, r"conflicting"),
    ({"cutpoint": {"rule": "median", "cohort": "c1"}}, r"cutpoint.cohort.*conflicting.*discovery_median"),
    ({"cutpoint": {"rule": "discovery_median"}}, r"sheet.tsv: column 'role'.*needs one discovery cohort.*0"),
    ({"cutpoint": {"rule": "discovery_median", "cohort": "c"}}, r"cutpoint cohort 'c'.*did you mean 'c1'"),
    ({"de": {"contrasts": [{"name": "x", "signature": "NOPE", "test": "high", "reference": "low"}]}},
     r"unknown signature 'NOPE'"),
    ({"de": {"contrasts": [{"name": "x", "column": "response", "test": "a", "reference": "b",
                            "cohorts": ["c2"]}]}}, r"unknown cohort 'c2'.*did you mean 'c1'"),
])
def test_check_config_refuses_inconsistent_settings(tmp_path, change, match):
    f = tmp_path / "c.tsv"
    f.write_text("x")
    rows = [{"cohort": "c1", "counts": str(f), "clinical": str(f), "_line": 2}]
    with pytest.raises(InputError, match=match):
        check_config(_config(tmp_path, **change), rows, sheet_path="sheet.tsv")


def test_check_config_names_missing_files_and_conflicts(tmp_path):
    f = tmp_path / "c.tsv"
    f.write_text("x")
    rows = [{"cohort": "c1", "counts": str(tmp_path / "missing.tsv"), "clinical": str(f), "_line": 4}]
    with pytest.raises(InputError, match=r"sheet.tsv: column 'counts', row 4.*missing.tsv.*file not found"):
        check_config(_config(tmp_path), rows, sheet_path="sheet.tsv")
    rows = [{"cohort": "c1", "counts": str(f), "clinical": str(f), "reference_arm": "A", "_line": 2}]
    with pytest.raises(InputError, match="treatment_column"):
        check_config(_config(tmp_path), rows, sheet_path="sheet.tsv")
    cfg = _config(tmp_path)
    cfg["signatures"][0]["gmt"] = str(tmp_path / "gone.gmt")
    with pytest.raises(InputError, match="gone.gmt"):
        check_config(cfg, [], sheet_path="sheet.tsv")


def test_cohort_params_and_contrast_applicability():
    row = {"cohort": "c1", "counts": "a", "_line": 2, "response_column": "best"}
    assert cohort_params(row) == {"cohort": "c1", "counts": "a", "response_column": "best"}
    assert contrast_applies({"column": "response"}, row)
    assert not contrast_applies({"column": "response"}, {"cohort": "c2"})
    assert not contrast_applies({"column": "treatment"}, row)
    assert not contrast_applies({"signature": "S", "cohorts": ["c9"]}, row)
    assert contrast_applies({"signature": "S"}, row)


def test_discovery_median_cutpoint_cohort(tmp_path):
    f = tmp_path / "c.tsv"
    f.write_text("x")
    rows = [{"cohort": c, "counts": str(f), "clinical": str(f), "role": r, "_line": i + 2}
            for i, (c, r) in enumerate([("A", "discovery"), ("B", "validation"), ("C", "validation")])]
    cut = {"rule": "discovery_median"}
    check_config(_config(tmp_path, cutpoint=cut), rows, sheet_path="sheet.tsv")
    assert cutpoint_cohort(cut, rows, sheet_path="sheet.tsv") == "A"
    assert cutpoint_cohort({**cut, "cohort": "C"}, rows, sheet_path="sheet.tsv") == "C"
    rows[1]["role"] = "discovery"  # two discovery cohorts: ambiguous unless named
    with pytest.raises(InputError, match=r"needs one discovery cohort; the sheet has 2 \(\['A', 'B'\]\)"):
        cutpoint_cohort(cut, rows, sheet_path="sheet.tsv")
    assert cutpoint_cohort({**cut, "cohort": "B"}, rows, sheet_path="sheet.tsv") == "B"


def test_frozen_model_and_discovery_median_cut_must_come_from_one_cohort(tmp_path):
    f = tmp_path / "c.tsv"
    f.write_text("x")
    rows = [{"cohort": c, "counts": str(f), "clinical": str(f), "role": r, "_line": i + 2}
            for i, (c, r) in enumerate([("A", "discovery"), ("B", "discovery"), ("C", "validation")])]
    cut = {"rule": "discovery_median", "cohort": "A"}
    check_config(_config(tmp_path, cutpoint=cut, validation={"discovery_cohort": "A"}), rows, sheet_path="sheet.tsv")
    with pytest.raises(InputError, match=r"cut is frozen in 'A' but the frozen model comes from 'B'.*Fix:"):
        check_config(_config(tmp_path, cutpoint=cut, validation={"discovery_cohort": "B"}), rows,
                     sheet_path="sheet.tsv")
    with pytest.raises(InputError, match=r"frozen-model validation needs one discovery cohort; the sheet has 2"):
        check_config(_config(tmp_path, cutpoint=cut), rows, sheet_path="sheet.tsv")
    # frozen validation switched off: two discovery cohorts need no choice
    check_config(_config(tmp_path, cutpoint=cut, validation={"frozen": False}), rows, sheet_path="sheet.tsv")
