"""The bad-input corpus (tests/data/bad_inputs/corpus.yaml): every class of mistake either
stops with the file, the row/column and the fix, or runs with the exclusion reported, through
the workflow's own code: the pre-flight checks (what `snakemake -n` runs) then the
validate_inputs job."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from mitoscore import preflight
from mitoscore.cohort import validate_cohort
from mitoscore.errors import InputError, InputErrors
from tests.conftest import BAD

CORPUS = BAD / "corpus"
SPEC = yaml.safe_load((BAD / "corpus.yaml").read_text(encoding="utf-8"))
CASES = SPEC["cases"]
CONFIG_NAME = "study/config.yaml"
FILE_KEYS = ("counts", "clinical", "sample_sheet")


def _merge(base: dict, upd: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in upd.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else copy.deepcopy(v)
    return out


def _setup(case: dict, tmp_path: Path) -> tuple[dict, Path, list[dict]]:
    row = {**SPEC["base_row"], **case.get("row", {})}
    for k in case.get("drop", []):
        row.pop(k, None)
    rows = [row] + [{**SPEC["base_row"], **r} for r in case.get("extra_rows", [])]
    cols = list(dict.fromkeys(k for r in rows for k in r))
    header = [case.get("header", {}).get(c, c) for c in cols]
    sheet = tmp_path / "cohorts.tsv"
    sheet.write_text("\t".join(header) + "\n" + "".join(
        "\t".join(str(r.get(c, "")) for c in cols) + "\n" for r in rows))
    config = _merge(SPEC["base_config"], case.get("config", {}))
    config["cohort_sheet"] = str(sheet)
    return config, sheet, rows


def _expected_file(case: dict, sheet: Path) -> str:
    f = case.get("file")
    if f == "sheet":
        return str(sheet)
    if f == "config":
        return CONFIG_NAME
    if f:
        return f
    for k in FILE_KEYS:
        if k in case.get("row", {}):
            return case["row"][k]
    return str(sheet)


def test_corpus_covers_at_least_40_classes_across_every_reader():
    names = [c["class"] for c in CASES]
    assert len(names) == len(set(names)) and len(names) >= 40
    readers = {c["reader"] for c in CASES}
    assert {"counts", "gdc", "clinical", "sheet", "config", "signature", "reporting", "matching"} <= readers
    assert sum(c["expect"] == "run" for c in CASES) >= 8  # exclusions/skips reported, not only stops
    # every cohort-sheet column and top-level config key in the schemas is exercised somewhere or documented
    used_cols = {k for c in CASES for k in c.get("row", {})} | set(SPEC["base_row"])
    assert {"survival_layout", "time_unit", "zero_time", "missing_survival", "plausibility_checks", "rename",
            "recode", "reference_levels", "reference_arm", "event_coding", "response_coding", "allow_unmatched",
            "id_prefix_length", "excel_mangled", "counts_format", "sample_sheet"} <= used_cols


@pytest.mark.parametrize("case", CASES, ids=[c["class"] for c in CASES])
def test_bad_input_class(case, tmp_path, monkeypatch):
    monkeypatch.chdir(CORPUS)
    config, sheet, rows = _setup(case, tmp_path)
    stage = None
    err = None
    try:
        preflight.run(config, config_name=CONFIG_NAME)
    except InputError as e:
        stage, err = "preflight", e
    if err is None:
        try:
            res = validate_cohort(rows[0], clinical_file=rows[0]["clinical"], sheet=str(sheet),
                                  contrasts=config["de"]["contrasts"])
        except InputError as e:
            stage, err = "job", e
    if case["expect"] == "run":
        assert err is None, f"expected a run, got: {err}"
        text = "\n".join([*res.flow["step"], *res.flow["reason"].astype(str), *res.warnings,
                          *res.endpoint.astype(str).iloc[0].tolist(), *res.gene_map["status"].astype(str)])
        for p in case.get("parts", []):
            assert p in text, f"{p!r} not reported in:\n{text}"
        return
    assert err is not None, f"{case['class']}: no error raised"
    msg = str(err)
    if case.get("stage"):
        assert stage == case["stage"], f"found at {stage}, expected at {case['stage']}: {msg}"
    assert _expected_file(case, sheet) in msg, msg
    assert "Fix:" in msg, msg
    for p in case.get("parts", []):
        assert p in msg, f"{p!r} not in:\n{msg}"
    # short messages: no schema dump, one line per problem
    errors = err.errors if isinstance(err, InputErrors) else [err]
    for e in errors:
        assert "Additional properties" not in str(e) and "\n" not in str(e) and len(str(e)) < 900, str(e)
