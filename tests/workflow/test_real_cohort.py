"""The README walkthrough "Your first real cohort" end to end: the real TCGA-LAML BCR clinical
table and SYNTHETIC GDC STAR counts over real Ensembl ids, configured from config/templates/
exactly as the README shows. Covers the bugs of issue 11: the GDC folder as counts
(IsADirectoryError in the checksum step), stale results after editing one STAR file, the
report's hard-coded event coding, ambiguous Ensembl ids, and a real study inheriting the demo."""
from __future__ import annotations

import pandas as pd
import pytest

from .conftest import REPO, snakemake
from .tcga_walkthrough import AMBIGUOUS, build, edit_one_count, readme_walkthrough_row, star_files

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory):
    work = tmp_path_factory.mktemp("tcga_walkthrough")
    paths = build(work)
    snakemake(work, "--cores", "2", configfile=paths["config"])
    return work, paths


def test_readme_walkthrough_row_is_the_template_row():
    from mitoscore.config import read_cohort_sheet_table

    shown = readme_walkthrough_row()
    template = read_cohort_sheet_table(REPO / "config" / "templates" / "cohorts.tsv").iloc[0].to_dict()
    assert shown == template


def test_walkthrough_runs_with_the_gdc_folder_as_counts(walkthrough):
    work, paths = walkthrough
    v = work / "results" / "cohorts" / "TCGA_LAML" / "validated"
    ck = pd.read_csv(v / "input_checksums.tsv", sep="\t")
    star = {str(p.relative_to(work)) for p in star_files(paths["data"])}
    assert set(ck.loc[ck.role == "counts", "file"]) == star and len(star) == len(paths["cases"])
    assert set(ck.role) == {"counts", "sample_sheet", "clinical", "annotation"}
    assert not ck.file.str.contains("/logs/").any()
    ep = pd.read_csv(v / "endpoint.tsv", sep="\t").iloc[0]
    assert ep.layout == "gdc" and ep.time_source == "days_to_death (dead) / days_to_last_followup (alive)"
    assert ep.event_coding.startswith("DECEASED=1 (133), LIVING=0 (67)") and ep.conversion == "days / 30.4375"
    flow = pd.read_csv(v / "flow.tsv", sep="\t")
    steps = dict(zip(flow.step, flow.n_excluded))
    assert steps["dead without death time"] == 13 and steps["alive without follow-up time"] == 1
    assert steps["zero survival time"] == 13
    assert any(s.startswith("count samples: ") for s in steps)  # counted under their reason, not "not in clinical"
    assert not flow.reason.str.contains("not in the clinical table").any()
    n = flow.loc[flow.step == "analysed", "n_after"].item()
    assert ep.n_analysed == n and n == len(pd.read_csv(v / "clinical.tsv", sep="\t"))
    gm = pd.read_csv(v / "gene_map.tsv", sep="\t").set_index("symbol")
    for sym in AMBIGUOUS:
        assert gm.loc[sym, "status"] == "ensembl_gene_name"
    clin = pd.read_csv(v / "clinical.tsv", sep="\t")
    assert {"age", "sex", "risk"} <= set(clin.columns) and set(clin.sex) <= {"F", "M"}
    cox = pd.read_csv(work / "results" / "cohorts" / "TCGA_LAML" / "survival" / "cox.tsv", sep="\t")
    mv = cox[(cox.signature == "MITOSCORE") & (cox.model == "multivariable")]
    assert {"age", "sex[M]", "risk[adverse]", "risk[intermediate]"} <= set(mv.term), set(mv.term)


def test_report_shows_the_applied_coding_and_no_demo_text(walkthrough):
    work, _ = walkthrough
    page = (work / "results" / "report" / "index.html").read_text()
    assert "DECEASED=1 (133), LIVING=0 (67)" in page
    assert "dead/alive recognised" not in page
    assert "Simulation study" not in page and "PLACEHOLDER" in page


def test_editing_one_star_file_reruns_the_validation(walkthrough):
    work, paths = walkthrough
    dry = snakemake(work, "-n", "--cores", "1", configfile=paths["config"]).stdout
    assert "Nothing to be done" in dry or "validate_inputs" not in dry
    edit_one_count(star_files(paths["data"])[0])
    dry = snakemake(work, "-n", "--cores", "1", configfile=paths["config"]).stdout
    assert "rule validate_inputs:" in dry and "updated input files" in dry.lower()
