"""bench/rule_table.py: benchmark files under the results_dir are mapped to their rules through the
rules' own res("benchmarks/...") patterns, and an older run can be read from its Snakemake log."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rt():
    spec = importlib.util.spec_from_file_location("rule_table", REPO / "bench" / "rule_table.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


HEAD = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def test_benchmark_files_map_to_their_rules(rt, tmp_path):
    pats = rt.benchmark_patterns()
    assert {"de", "km_plot", "signature_groups", "summary"} <= set(pats)
    root = tmp_path / "my_results" / "benchmarks"
    files = {"SYNTHETIC_cohortA/de_mitoscore_high_vs_low.tsv": ("de", 12.5, 11.0),
             "SYNTHETIC_cohortA/de_responder_vs_refractory.tsv": ("de", 7.5, 6.0),
             "SYNTHETIC_cohortA/signature_groups_MITOSCORE.tsv": ("signature_groups", 3.0, 1.5)}
    for rel, (_, s, cpu) in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(HEAD + f"{s}\t0:00:{int(s):02d}\t100.0\t1\t1\t1\t0\t0\t50\t{cpu}\n")
    df = rt.read_benchmarks(tmp_path, "my_results")
    assert sorted(df["rule"]) == ["de", "de", "signature_groups"]
    t = rt.per_rule(df)
    assert t.loc["de", "jobs"] == 2 and t.loc["de", "total_s"] == 20.0 and t.loc["de", "cpu_s"] == 17.0
    assert rt.read_benchmarks(tmp_path, "results").empty  # another results_dir: nothing


def test_jobs_from_a_snakemake_log(rt, tmp_path):
    log = tmp_path / "run.log"
    log.write_text("\n".join([
        "[Tue Dec  1 03:14:57 2026]", "localrule validate_inputs:", "    input: a", "    jobid: 2",
        "[Tue Dec  1 03:14:57 2026]", "rule de:", "    jobid: 9",
        "[Tue Dec  1 03:15:04 2026]", "Finished jobid: 2 (Rule: validate_inputs)",
        "[Tue Dec  1 03:15:45 2026]", "Finished jobid: 9 (Rule: de)",
        "[Tue Dec  1 03:15:46 2026]", "localrule all:", "    jobid: 0",
        "[Tue Dec  1 03:15:46 2026]", "Finished jobid: 0 (Rule: all)", ""]))
    df = rt.read_log(log)
    assert dict(zip(df["rule"], df["s"])) == {"validate_inputs": 7.0, "de": 48.0}  # 'all' is not a job


def test_section_is_replaced_in_place(rt, tmp_path):
    doc = tmp_path / "b.md"
    doc.write_text("# Benchmarks\n\n## Other\n\ntext\n")
    rt.write_section(doc, ["one"], "Where the time goes (demo run)", "where_time")
    rt.write_section(doc, ["two"], "Where the time goes (demo run)", "where_time")
    text = doc.read_text()
    assert text.count("<!-- where_time:begin -->") == 1 and "two" in text and "one" not in text
    assert text.startswith("# Benchmarks\n\n## Other\n\ntext\n")
