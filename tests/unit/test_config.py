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
    rows = [{"cohort": "c1", "counts": str(f), "clinical": str(f), "time_column": "t", "event_column": "e", "_line": 2}]
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
    ({"predictive": {"contrasts": [{"name": "x", "test_arm": "VEN+AraC", "reference_arm": "VEN+AraC"}]}},
     r"predictive contrast 'x'.*are the same \('VEN\+AraC'\).*Fix:"),
    ({"predictive": {"contrasts": [{"name": "x", "test_arm": "A", "reference_arm": "B"},
                                   {"name": "x", "test_arm": "A", "reference_arm": "C"}]}},
     r"predictive.contrasts.*duplicated"),
])
def test_check_config_refuses_inconsistent_settings(tmp_path, change, match):
    f = tmp_path / "c.tsv"
    f.write_text("x")
    rows = [{"cohort": "c1", "counts": str(f), "clinical": str(f), "time_column": "t", "event_column": "e", "_line": 2}]
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
    rows = [{"cohort": c, "counts": str(f), "clinical": str(f), "role": r, "time_column": "t", "event_column": "e", "_line": i + 2}
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
    rows = [{"cohort": c, "counts": str(f), "clinical": str(f), "role": r, "time_column": "t", "event_column": "e",
             "_line": i + 2} for i, (c, r) in enumerate([("A", "discovery"), ("B", "discovery"), ("C", "validation")])]
    cut = {"rule": "discovery_median", "cohort": "A"}
    check_config(_config(tmp_path, cutpoint=cut, validation={"discovery_cohort": "A"}), rows, sheet_path="sheet.tsv")
    with pytest.raises(InputError, match=r"cut is frozen in 'A' but the frozen model comes from 'B'.*Fix:"):
        check_config(_config(tmp_path, cutpoint=cut, validation={"discovery_cohort": "B"}), rows,
                     sheet_path="sheet.tsv")
    with pytest.raises(InputError, match=r"frozen-model validation needs one discovery cohort; the sheet has 2"):
        check_config(_config(tmp_path, cutpoint=cut), rows, sheet_path="sheet.tsv")
    # frozen validation switched off: two discovery cohorts need no choice
    check_config(_config(tmp_path, cutpoint=cut, validation={"frozen": False}), rows, sheet_path="sheet.tsv")
# --------------------------------------------------------------------------- schemas, defaults, mini-syntax
def test_schema_problems_are_short_and_name_the_nearest_valid_name():
    """A misspelled sheet header gave 'Additional properties are not allowed' + a ~200-line
    schema dump (issue 11); each problem is now one line with file, key/column, nearest name, fix."""
    from mitoscore.config import load_schema, schema_problems

    errs = schema_problems({"cohort": "A", "counts": "c", "clinical": "k", "time_col": "t", "time_unit": "month"},
                           load_schema("cohorts"), file="my/sheet.tsv", what="column", row=2, cohort="A")
    msgs = [str(e) for e in errs]
    assert len(msgs) == 2, msgs
    assert any("column 'time_col'" in m and "did you mean 'time_column'" in m and "rename the header" in m for m in msgs)
    assert any("column 'time_unit', row 2" in m and "did you mean 'months'" in m for m in msgs)
    for m in msgs:
        assert m.startswith("my/sheet.tsv: ") and "Fix:" in m and "\n" not in m and len(m) < 300
        assert "Additional properties" not in m and "$schema" not in m
    errs = schema_problems({"signatures": [{"name": "X"}], "survival": {"seed": "x", "min_event": 3}},
                           load_schema("config"), file="study.yaml")
    msgs = " | ".join(str(e) for e in errs)
    assert "key 'signatures[0]'" in msgs and "exactly one of gmt or weights" in msgs
    assert "key 'survival.min_event'" in msgs and "did you mean 'min_events'" in msgs
    assert "key 'survival.seed': expected a whole number" in msgs


def test_apply_defaults_fills_the_schema_defaults_only():
    from mitoscore.config import apply_defaults, load_schema

    cfg = apply_defaults({"signatures": [{"name": "S", "gmt": "s.gmt"}]}, load_schema("config"))
    assert cfg["derivation"]["enabled"] is False and cfg["de"]["contrasts"] == []
    assert cfg["report"]["reporting"] == "" and cfg["cutpoint"]["rule"] == "median"
    assert cfg["signatures"][0]["description"] == ""
    row = apply_defaults({"cohort": "A"}, load_schema("cohorts"))
    assert row["survival_layout"] == "time_event" and row["missing_survival"] == "exclude"
    assert "time_unit" not in row  # months or the layout's unit, resolved per layout


def test_parse_rename_and_recode():
    from mitoscore.config import parse_recode, parse_rename

    assert parse_rename("age=age_at_initial_pathologic_diagnosis, sex=gender") == {
        "age": "age_at_initial_pathologic_diagnosis", "sex": "gender"}
    assert parse_recode("sex: FEMALE=F, MALE=M; risk: Intermediate/Normal=intermediate, Poor=NA") == {
        "sex": {"FEMALE": "F", "MALE": "M"}, "risk": {"Intermediate/Normal": "intermediate", "Poor": "NA"}}
    assert parse_recode("status: 1:DECEASED=dead") == {"status": {"1:DECEASED": "dead"}}
    with pytest.raises(InputError, match=r"sheet.tsv: column 'rename', row 4.*name=column"):
        parse_rename("age", file="sheet.tsv", row=4)
    with pytest.raises(InputError, match=r"column 'recode'.*column: old=new"):
        parse_recode("FEMALE=F", file="sheet.tsv")


def test_cohort_sheet_comments_keep_file_line_numbers_and_all_problems_are_collected(tmp_path):
    p = _sheet(tmp_path, "# a comment\ncohort\tcounts\tallow_unmatched\tid_prefix_length\n# another\n"
                         "c1\tx\tmaybe\t12\n\nc2\ty\ttrue\ttwelve\nc1\tz\tno\t1\n")
    with pytest.raises(InputError) as e:
        load_cohort_sheet(p)
    msg = str(e.value)
    assert "row 4" in msg and "true or false" in msg          # c1: line 4 of the file
    assert "row 6" in msg and "integer" in msg                # c2: line 6
    assert "row 7" in msg and "duplicated cohort id" in msg   # all three together


def test_every_schema_key_and_column_is_documented():
    """Every config key (nested, dotted) and cohort-sheet column of the schemas appears in
    config/README.md (issue 11: derivation was enabled in the demo but documented nowhere)."""
    from pathlib import Path

    from mitoscore.config import load_schema

    doc = (Path(__file__).resolve().parents[2] / "config" / "README.md").read_text()

    def keys(schema, prefix=""):
        for k, sub in schema.get("properties", {}).items():
            yield prefix + k
            if sub.get("type") == "object" and "properties" in sub:
                yield from keys(sub, prefix + k + ".")

    missing = [k for k in keys(load_schema("config")) if f"`{k}`" not in doc
               and not any(f"`{k.rsplit('.', 1)[0]}.{x}`" in doc for x in [k.rsplit('.', 1)[-1]])]
    missing += [c for c in load_schema("cohorts")["properties"] if f"`{c}`" not in doc]
    assert not missing, f"undocumented in config/README.md: {missing}"


def test_cohort_params_subsets_carry_only_what_each_job_reads():
    """Per-rule subsets of a cohort's row (issue 14): the validation gets the row without the
    report-only columns; the models get MODEL_COLUMNS; a script reading a column outside its
    subset would silently see None, so the scripts are checked statically too."""
    import re
    from pathlib import Path

    from mitoscore.config import MODEL_COLUMNS, REPORT_ONLY_COLUMNS, clinical_options

    row = {"cohort": "c1", "counts": "a", "clinical": "b", "_line": 2, "description": "free text",
           "role": "validation", "covariates": "age", "strata": "site", "time_column": "t"}
    v = cohort_params(row, exclude=REPORT_ONLY_COLUMNS)
    assert "description" not in v and "role" not in v and v["time_column"] == "t"
    assert cohort_params(row, MODEL_COLUMNS) == {"covariates": "age", "strata": "site"}
    # the validation's clinical settings do not depend on the report-only columns
    assert clinical_options(v) == clinical_options(row)
    root = Path(__file__).resolve().parents[2]
    for mod in ("mitoscore/cohort.py", "mitoscore/inputs.py"):
        for col in REPORT_ONLY_COLUMNS:
            assert not re.search(rf"row(\.get\(|\[)\"{col}\"", (root / mod).read_text()), (mod, col)
    for script in ("scripts/survival.py", "scripts/freeze_model.py"):
        used = set(re.findall(r"row(?:\.get\(|\[)\"(\w+)\"", (root / script).read_text()))
        assert used and used <= set(MODEL_COLUMNS), (script, used - set(MODEL_COLUMNS))
