"""Regenerate tests/data/formats and tests/data/bad_inputs (SYNTHETIC values, real file layouts).

    .venv/bin/python tests/data/formats/make_fixtures.py
"""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parents[1]
FMT, BAD = HERE / "formats", HERE / "bad_inputs"

GENES = [  # (GENCODE v36 id, name, type)
    ("ENSG00000000003.15", "TSPAN6", "protein_coding"),
    ("ENSG00000000005.6", "TNMD", "protein_coding"),
    ("ENSG00000141510.17", "TP53", "protein_coding"),
    ("ENSG00000198804.2", "MT-CO1", "protein_coding"),
    ("ENSG00000198888.2", "MT-ND1", "protein_coding"),
    ("ENSG00000182378.14", "PLCXD1", "protein_coding"),
    ("ENSG00000182378.14_PAR_Y", "PLCXD1", "protein_coding"),
    ("ENSG00000228253.1", "MT-ATP8", "protein_coding"),
    ("ENSG00000243485.5", "MIR1302-2HG", "lncRNA"),
    ("ENSG00000999999.1", "NOVEL-GENE", "lncRNA"),
]
GDC = [  # file UUID dir, file name, case, sample
    ("0a1b2c3d-1111-4e5f-8a9b-000000000001", "7c1d2e3f-aaaa-4b5c-9d8e-000000000001", "TCGA-AB-2803", "TCGA-AB-2803-03A"),
    ("0a1b2c3d-2222-4e5f-8a9b-000000000002", "7c1d2e3f-bbbb-4b5c-9d8e-000000000002", "TCGA-AB-2805", "TCGA-AB-2805-03A"),
    ("0a1b2c3d-3333-4e5f-8a9b-000000000003", "7c1d2e3f-cccc-4b5c-9d8e-000000000003", "TCGA-AB-2806", "TCGA-AB-2806-03A"),
]
SUFFIX = ".rna_seq.augmented_star_gene_counts.tsv"


def gdc_counts(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = rng.integers(0, 5000, size=(len(GENES), 3))
    c[6] = 0  # PAR_Y copies are all zero in GDC files
    return c


def write_gdc() -> None:
    root = FMT / "gdc_star"
    rows = []
    for k, (uuid_dir, stem, case, sample) in enumerate(GDC):
        c = gdc_counts(k)
        d = root / uuid_dir
        d.mkdir(parents=True, exist_ok=True)
        lines = ["# gene-model: GENCODE v36",
                 "gene_id\tgene_name\tgene_type\tunstranded\tstranded_first\tstranded_second\ttpm_unstranded\tfpkm_unstranded\tfpkm_uq_unstranded",
                 "N_unmapped\t\t\t2651833\t2651833\t2651833\t\t\t",
                 "N_multimapping\t\t\t3970546\t3970546\t3970546\t\t\t",
                 "N_noFeature\t\t\t2315617\t24934853\t24921316\t\t\t",
                 "N_ambiguous\t\t\t3003420\t1050064\t1047738\t\t\t"]
        for (gid, name, typ), (u, f, s) in zip(GENES, c):
            lines.append(f"{gid}\t{name}\t{typ}\t{u}\t{f}\t{s}\t{u / 100:.4f}\t{u / 300:.4f}\t{u / 250:.4f}")
        (d / (stem + SUFFIX)).write_text("\n".join(lines) + "\n")
        rows.append({"File ID": uuid_dir, "File Name": stem + SUFFIX, "Data Category": "Transcriptome Profiling",
                     "Data Type": "Gene Expression Quantification", "Project ID": "TCGA-LAML", "Case ID": case,
                     "Sample ID": sample, "Sample Type": "Primary Blood Derived Cancer - Peripheral Blood",
                     "Tumor Descriptor": "Primary", "Specimen Type": "Peripheral Whole Blood",
                     "Preservation Method": "Unknown"})
    pd.DataFrame(rows).to_csv(root / "gdc_sample_sheet.2024-05-01.tsv", sep="\t", index=False)
    # bad: a sample sheet that lists a file that is not downloaded
    bad = pd.DataFrame(rows + [{**rows[0], "File ID": "ffff", "File Name": "deadbeef-0000" + SUFFIX,
                                "Case ID": "TCGA-AB-9999", "Sample ID": "TCGA-AB-9999-03A"}])
    bad.to_csv(BAD / "gdc_sample_sheet_missing_file.tsv", sep="\t", index=False)


def write_featurecounts() -> None:
    lines = ['# Program:featureCounts v2.0.3; Command:"featureCounts" "-T" "4" "-p" "-a" "gencode.v36.annotation.gtf" '
             '"-o" "featurecounts.txt" "/scratch/aml/bam/S01.bam" "/scratch/aml/bam/S02.bam" "S03.bam"',
             "Geneid\tChr\tStart\tEnd\tStrand\tLength\t/scratch/aml/bam/S01.bam\t/scratch/aml/bam/S02.bam\tS03.bam",
             "ENSG00000223972.5\tchr1;chr1;chr1\t11869;12010;12179\t12227;12057;12227\t+;+;+\t1735\t0\t2\t1",
             "ENSG00000141510.17\tchr17;chr17\t7661779;7668402\t7668421;7687538\t-;-\t4445\t812\t640\t1203",
             "ENSG00000198804.2\tchrM\t5904\t7445\t+\t1542\t250113\t198223\t301554"]
    (FMT / "featurecounts.txt").write_text("\n".join(lines) + "\n")


def small_matrix() -> pd.DataFrame:
    return pd.DataFrame({"S1": [10, 0, 533, 7], "S2": [3, 12, 401, 0], "S3": [0, 5, 299, 1]},
                        index=pd.Index(["TP53", "KIAA0125", "MT-CO1", "GPR56"], name="gene"))


def write_matrices() -> None:
    m = small_matrix()
    txt = "# SYNTHETIC counts for tests (not real data)\n" + m.to_csv(sep="\t")
    with gzip.open(FMT / "counts_symbols.tsv.gz", "wt") as fh:
        fh.write(txt)
    m.to_csv(FMT / "counts_symbols.csv")
    # R write.table(counts, sep="\t", quote=FALSE): header has no field for the row names
    (FMT / "counts_rstyle.txt").write_text("S1\tS2\tS3\n" + m.to_csv(sep="\t", header=False))
    m.to_parquet(FMT / "counts.parquet")
    m.reset_index().to_parquet(FMT / "counts_genecol.parquet", index=False)
    est = m.astype(float)
    est.iloc[0, 0] = 10.5
    est.iloc[1, 1] = 11.5
    est.iloc[2, 2] = 298.7
    est.to_csv(FMT / "counts_salmon_estimated.tsv", sep="\t")


def write_clinical() -> None:
    clin = pd.DataFrame({
        "Sample ID ": ["S1", "S2", "S3", "S4"],
        "OS_months": ["12.5", " 3.0 ", "[Not Available]", "40"],
        "Vital status": ["Dead", "alive", "Dead", "Alive"],
        "Age": ["61", "45", "NA", "70"],
        "Sex": ["F", "M", "M", ""],
        "Response": ["CR", "refractory", "", "CR"],
        "Patient code": ["007", "012", "013", "020"],
    })
    clin.to_excel(FMT / "clinical.xlsx", index=False, sheet_name="patients")
    lat = pd.DataFrame({"USI": ["TARGET-20-PAAAAA", "TARGET-20-PABBBB", "TARGET-20-PACCCC"],
                        "Vital Status": ["Alive", "Dead", "Dead"],
                        "Overall Survival Time in Days": ["1200", "300", "45"],
                        "Comment": ["Génotype confirmé", "Ménière; naïve", "résistant – 2nd course"]})
    (FMT / "clinical_latin1.csv").write_bytes(lat.to_csv(index=False).encode("cp1252"))


def write_bad() -> None:
    def tsv(name: str, text: str) -> None:
        (BAD / name).write_text(text)
    head = "gene\tS1\tS2\tS3\n"
    tsv("counts_negative.tsv", head + "TP53\t10\t3\t0\nGAPDH\t5\t-4\t9\n")
    tsv("counts_noninteger.tsv", head + "TP53\t10\t3\t0\nGAPDH\t5\t4.25\t9\n")
    tsv("counts_nan.tsv", head + "TP53\t10\tNA\t0\nGAPDH\t5\t4\t9\n")
    tsv("counts_inf.tsv", head + "TP53\t10\t2\tInf\nGAPDH\t5\t4\t9\n")
    tsv("counts_text.tsv", head + "TP53\t10\t2\t1\nGAPDH\t5\tlow\t9\n")
    tsv("counts_dup_gene.tsv", head + "TP53\t10\t2\t1\nGAPDH\t5\t4\t9\nTP53\t1\t1\t1\n")
    tsv("counts_dup_sample.tsv", "gene\tS1\tS2\tS1\nTP53\t10\t2\t1\nGAPDH\t5\t4\t9\n")
    tsv("counts_all_zero_sample.tsv", head + "TP53\t10\t0\t1\nGAPDH\t5\t0\t9\n")
    tsv("counts_header_only.tsv", head)
    tsv("counts_ragged.tsv", head + "TP53\t10\t2\t1\nGAPDH\t5\t4\n MYC\t1\t2\t3\t4\n")
    tsv("counts_excel_mangled.tsv", head + "TP53\t10\t2\t1\n1-Sep\t5\t4\t9\n2-Mar\t1\t1\t1\nGAPDH\t3\t3\t3\n")
    tsv("counts_mismatch.tsv", "gene\tP1\tP2\tP3\tX9\nTP53\t10\t2\t1\t4\nGAPDH\t5\t4\t9\t2\n")
    (BAD / "counts_empty.tsv").write_bytes(b"")
    (BAD / "clinical_empty.tsv").write_bytes(b"")
    ch = "sample_id\tos_months\tos_event\n"
    tsv("clinical_mismatch.tsv", ch + "P1\t10\t1\nP2\t5\t0\nP3\t7\t1\nP7\t8\t0\n")
    tsv("clinical_misspelled_column.tsv", "sample_id\tOS_month\tos_event\nP1\t10\t1\nP2\t5\t0\n")
    tsv("clinical_zero_time.tsv", ch + "P1\t10\t1\nP2\t0\t1\nP3\t7\t0\n")
    tsv("clinical_negative_time.tsv", ch + "P1\t10\t1\nP2\t5\t1\nP3\t-7\t0\n")
    tsv("clinical_bad_event.tsv", ch + "P1\t10\t1\nP2\t5\t0\nP3\t7\tcensored\n")
    tsv("clinical_dup_id.tsv", ch + "P1\t10\t1\nP2\t5\t0\nP1\t7\t0\n")
    tsv("clinical_text_time.tsv", ch + "P1\t10\t1\nP2\t5 months\t0\n")
    tsv("clinical_bad_response.tsv", "sample_id\tos_months\tos_event\tbest_response\nP1\t10\t1\tCR\nP2\t5\t0\tPR\n")
    tsv("clinical_missing_id.tsv", ch + "P1\t10\t1\n\t5\t0\nP3\t7\t0\n")
    tsv("counts_tcga_collision.tsv", "gene\tTCGA-AB-2803-03A-01T-0734-13\tTCGA-AB-2803-03B-01T-0734-13\tTCGA-AB-2805-03A-01T-0734-13\n"
        "TP53\t10\t2\t1\nGAPDH\t5\t4\t9\n")
    tsv("counts_rmangled_ids.tsv", "gene\tTCGA.AB.2803\tTCGA.AB.2805\nTP53\t10\t2\nGAPDH\t5\t4\n")
    tsv("clinical_tcga.tsv", "patient_id\tos_months\tos_event\nTCGA-AB-2803\t25.7\t1\nTCGA-AB-2805\t3.1\t1\n")


if __name__ == "__main__":
    FMT.mkdir(parents=True, exist_ok=True)
    BAD.mkdir(parents=True, exist_ok=True)
    write_gdc()
    write_featurecounts()
    write_matrices()
    write_clinical()
    write_bad()
