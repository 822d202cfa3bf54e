"""Pre-flight checks (mitoscore.preflight.run, called when Snakemake reads the workflow): every
problem that can be found before any job runs is reported, all together, each naming the
user's own file, the cohort, the row/column or key and the fix."""
from __future__ import annotations

import pytest

from mitoscore import preflight
from mitoscore.errors import InputErrors
from tests.conftest import BAD

CORPUS = BAD / "corpus"


def _study(tmp_path, rows: list[dict], **config):
    cols = list(dict.fromkeys(k for r in rows for k in r))
    sheet = tmp_path / "study_cohorts.tsv"
    sheet.write_text("\t".join(cols) + "\n" + "".join("\t".join(str(r.get(c, "")) for c in cols) + "\n" for r in rows))
    cfg = {"cohort_sheet": str(sheet), "signatures": [{"name": "SIG", "gmt": str(CORPUS / "sig.gmt")}],
           "primary_signature": "SIG"}
    cfg.update(config)
    return cfg, sheet


def _row(cohort, **kw):
    r = {"cohort": cohort, "counts": str(CORPUS / "base_counts.tsv"), "clinical": str(CORPUS / "base_clinical.tsv"),
         "time_column": "os_months", "event_column": "os_event"}
    r.update(kw)
    return r


def test_a_valid_minimal_study_passes_and_gets_schema_defaults_not_the_demo(tmp_path):
    cfg, _ = _study(tmp_path, [_row("A")])
    rows = preflight.run(cfg, config_name="study.yaml")
    assert rows[0]["survival_layout"] == "time_event" and rows[0]["_line"] == 2
    assert cfg["derivation"]["enabled"] is False and cfg["de"]["contrasts"] == []
    assert cfg["report"]["reporting"] == ""  # not the demo's SYNTHETIC reporting items


def test_every_problem_is_listed_in_one_pass(tmp_path):
    """Config keys, sheet columns and values, clinical columns, codings, levels, units, gene-id
    type and signature names of several cohorts: all reported together, not the first only."""
    rows = [
        _row("A", time_unit="month"),                                        # sheet enum
        _row("B", counts=str(CORPUS / "counts_ensembl.tsv"),                 # gene-id type
             covariates="age,sex", reference_levels="sex=FEMALE"),          # level that does not exist
        _row("C", clinical=str(CORPUS / "clinical_days.tsv")),               # days declared as months
        _row("D", event_coding="Dead=1,Alive=0"),                           # coding that covers nothing
        _row("E", time_column="os_month"),                                   # misspelled clinical column
    ]
    rows[0]["time_col"] = "x"                                                # misspelled header
    cfg, sheet = _study(tmp_path, rows, cutpoint={"rule": "medain"},         # config enum
                        signatures=[{"name": "SIG_C", "gmt": str(CORPUS / "two_sets.gmt")}],  # set not in GMT
                        primary_signature="SIG_C")
    with pytest.raises(InputErrors) as e:
        preflight.run(cfg, config_name="study.yaml")
    msg = str(e.value)
    expected = [
        "study.yaml: key 'cutpoint.rule'", "column 'time_col': unknown column", "'month' is not allowed",
        "cohort 'B': gene_ids is 'symbol' but the count ids look like ensembl",
        "cohort 'B': reference level 'FEMALE' of 'sex' does not exist",
        "cohort 'C': the longest follow-up", "cohort 'D': unrecognised event value",
        "cohort 'E': time column not found (did you mean 'os_months'?)", "'SIG_C' is not in the GMT",
    ]
    for part in expected:
        assert part in msg, (part, msg)
    assert len(e.value.errors) >= len(expected)
    assert msg.startswith("mitoscore: ") and "nothing was run" in msg
    for err in e.value.errors:  # each names a file and a fix, one line each
        assert err.file and err.fix and "\n" not in str(err)
    assert str(sheet) in msg and "config/cohorts.tsv" not in msg  # the user's own files


def test_data_checks_can_be_skipped(tmp_path):
    cfg, _ = _study(tmp_path, [_row("A", clinical=str(CORPUS / "clinical_days.tsv"))])
    preflight.run(cfg, config_name="study.yaml", data_checks=False)  # cluster jobs: config-level checks only
    with pytest.raises(InputErrors):
        preflight.run(cfg, config_name="study.yaml")
