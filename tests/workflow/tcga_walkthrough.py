"""The README walkthrough "Your first real cohort" as test data: the real TCGA-LAML BCR
clinical table (../shared/data/cohorts/tcga_laml) with SYNTHETIC GDC "STAR - Counts"
files over real Ensembl ids (mitoscore.simulate.write_gdc_star), laid out as a user
who downloaded them would have them, and the starter files of config/templates/."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("MITOSCORE_SHARED", REPO.parent / "shared")).resolve()
TCGA_CLINICAL = SHARED / "data" / "cohorts" / "tcga_laml" / "clinical_source" / "clinical_patient_laml.tsv"
#: genes whose Ensembl id is linked to several NCBI genes: resolved by the STAR file's gene_name
AMBIGUOUS = {"CYP2D6": "ENSG00000100197", "KLRK1": "ENSG00000213809"}


def readme_walkthrough_row() -> dict[str, str]:
    """The cohort-sheet row shown in the README walkthrough (table between the markers)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- walkthrough-row:start -->")[1].split("<!-- walkthrough-row:end -->")[0]
    row = {}
    for line in block.splitlines():
        m = re.match(r"^\|\s*`([a-z_]+)`\s*\|\s*`([^`]*)`\s*\|", line)
        if m:
            row[m.group(1)] = m.group(2)
    return row


def simulated_gene_symbols() -> list[str]:
    """The signature genes of the template config + comparators + the ambiguous-id genes + a
    few hundred other protein-coding genes (small and fast, enough for ssGSEA and DE)."""
    from mitoscore.genes import load_annotation
    from mitoscore.io import read_gmt

    sig = read_gmt(REPO / "config" / "signatures" / "mitoscore_proxy.gmt")
    genes = [g for _, (_, gs) in sig.items() for g in gs]
    genes += pd.read_csv(REPO / "config" / "signatures" / "lsc17.weights.tsv", sep="\t", comment="#")["gene"].tolist()
    genes += ["BCL2", "MCL1", *AMBIGUOUS]
    ann = load_annotation()
    pc = ann.genes[(ann.genes.gene_type == "protein-coding") & ann.genes.ensembl_ids.fillna("").ne("")]
    other = pc.symbol.sample(n=260, random_state=7).tolist()
    return list(dict.fromkeys(genes + other))


def build(work: Path, *, n_patients: int = 60, seed: int = 11) -> dict:
    """Lay out ``work`` as after the README walkthrough: config/ (repository copy, with
    templates), my_study/ (from config/templates), data/tcga_laml/ (real clinical table,
    SYNTHETIC STAR files + sample sheet). Returns paths."""
    from mitoscore.genes import load_annotation
    from mitoscore.simulate import SimParams, mito_gene_lists, simulate_cohort, write_gdc_star

    shutil.copytree(REPO / "config", work / "config")
    os.symlink(REPO / "resources", work / "resources")
    shutil.copytree(REPO / "config" / "templates", work / "my_study")
    data = work / "data" / "tcga_laml"
    data.mkdir(parents=True)
    shutil.copy(TCGA_CLINICAL, data / "clinical_patient_laml.tsv")
    clin = pd.read_csv(TCGA_CLINICAL, sep="\t", dtype=str)
    cases = clin["bcr_patient_barcode"].iloc[:: max(1, len(clin) // n_patients)].tolist()[:n_patients]
    genes = simulated_gene_symbols()
    mito, oxphos = mito_gene_lists(SHARED / "data")
    params = SimParams(n_samples=len(cases), seed=seed, n_de=20, frac_outlier_genes=0.0, frac_zero_genes=0.0)
    counts, _, _ = simulate_cohort("SYNTHETIC_T", genes, params, mito, oxphos)
    write_gdc_star(counts, data / "gdc", cases, load_annotation(), seed=seed, ensembl_ids=AMBIGUOUS)
    shutil.move(data / "gdc" / "gdc_sample_sheet.tsv", data / "gdc_sample_sheet.tsv")
    # small and fast: few random sets and bootstraps
    cfg_path = work / "my_study" / "config.yaml"
    cfg = yaml.safe_load(cfg_path.read_text())
    cfg["random_sets"]["n_random_sets"] = 20
    cfg["survival"]["n_bootstrap"] = 20
    cfg_path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return {"config": cfg_path, "sheet": work / "my_study" / "cohorts.tsv", "data": data, "cases": cases,
            "genes": genes}


def star_files(data: Path) -> list[Path]:
    return sorted((data / "gdc").rglob("*.rna_seq.augmented_star_gene_counts.tsv"))


def edit_one_count(path: Path) -> None:
    """Change one count of one STAR file (as a re-download of a corrected file would)."""
    lines = path.read_text().splitlines()
    k = next(i for i, ln in enumerate(lines) if ln.startswith("ENSG"))
    f = lines[k].split("\t")
    f[3] = str(int(f[3]) + 1)
    lines[k] = "\t".join(f)
    path.write_text("\n".join(lines) + "\n")


__all__ = ["AMBIGUOUS", "build", "edit_one_count", "readme_walkthrough_row", "star_files", "np"]
