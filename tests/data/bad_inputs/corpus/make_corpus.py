"""Regenerate the bad-input corpus (SYNTHETIC values in real file layouts; not patient data).

    .venv/bin/python tests/data/bad_inputs/corpus/make_corpus.py

Writes, next to this script, a valid base cohort (``base_counts.tsv``: 40 genes x 30
samples S01..S30; ``base_clinical.tsv``; ``sig.gmt``) and one file per bad-input class.
The expectations of every class are in ``../corpus.yaml`` (test: tests/unit/test_bad_inputs.py).
"""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
GENES = ["TP53", "GAPDH", "ACTB", "BCL2", "MCL1", "NDUFA1", "NDUFA2", "NDUFB3", "SDHA", "SDHB", "UQCRC1", "UQCRC2",
         "COX4I1", "COX5A", "ATP5F1A", "ATP5F1B", "CYCS", "MYC", "KIT", "FLT3", "NPM1", "DNMT3A", "IDH1", "IDH2",
         "CD34", "MPO", "ELANE", "CEBPA", "RUNX1", "GATA2", "SPI1", "LYZ", "CD14", "ITGAM", "HBB", "ALB", "PTPRC",
         "CD33", "HOXA9", "MEIS1"]
SAMPLES = [f"S{i:02d}" for i in range(1, 31)]
SUFFIX = ".rna_seq.augmented_star_gene_counts.tsv"
GDC_HEADER = ["gene_id", "gene_name", "gene_type", "unstranded", "stranded_first", "stranded_second",
              "tpm_unstranded", "fpkm_unstranded", "fpkm_uq_unstranded"]
ENSEMBL = {"TP53": "ENSG00000141510", "GAPDH": "ENSG00000111640", "ACTB": "ENSG00000075624",
           "BCL2": "ENSG00000171791", "MCL1": "ENSG00000143384", "SDHA": "ENSG00000073578"}


def counts() -> pd.DataFrame:
    rng = np.random.default_rng(20261201)
    mu = rng.lognormal(5, 1.2, size=len(GENES))
    x = rng.poisson(mu[:, None] * rng.lognormal(0, 0.2, size=len(SAMPLES))[None, :])
    return pd.DataFrame(x, index=pd.Index(GENES, name="gene"), columns=SAMPLES)


def clinical() -> pd.DataFrame:
    rng = np.random.default_rng(20261202)
    n = len(SAMPLES)
    months = np.round(rng.uniform(1.0, 60.0, size=n), 2)
    event = (rng.uniform(size=n) < 0.55).astype(int)
    days = np.round(months * 30.4375).astype(int)
    df = pd.DataFrame({
        "sample_id": SAMPLES, "os_months": months, "os_event": event,
        "vital_status": np.where(event == 1, "DECEASED", "LIVING"),
        "days_to_death": [str(d) if e else "" for d, e in zip(days, event)],
        "days_to_last_followup": ["" if e else str(d) for d, e in zip(days, event)],
        "age": rng.integers(25, 85, size=n), "sex": rng.choice(["F", "M"], size=n),
        "arm": rng.choice(["chemo", "VEN+AZA"], size=n), "response": rng.choice(["CR", "refractory"], size=n),
    })
    return df


def tsv(df: pd.DataFrame, name: str, index: bool = False) -> str:
    text = df.to_csv(sep="\t", index=index, lineterminator="\n")
    (HERE / name).write_text(text)
    return text


def star_dir(name: str, n: int = 6, *, truncate: int | None = None, bad_header: bool = False) -> None:
    d = HERE / name
    shutil.rmtree(d, ignore_errors=True)
    c = counts()
    rows = []
    for j in range(n):
        fid, fname = f"f{j:03d}-0000-4000-a000-000000000000", f"a{j:03d}-1111-4000-a000-000000000000{SUFFIX}"
        (d / fid).mkdir(parents=True)
        body = ["# gene-model: GENCODE v36 (SYNTHETIC)", "\t".join(GDC_HEADER if not bad_header else
                                                                   ["id", "name", *GDC_HEADER[2:]])]
        body += [f"{k}\t\t\t{v}\t{v}\t{v}\t\t\t" for k, v in (("N_unmapped", 10), ("N_multimapping", 8),
                                                              ("N_noFeature", 7), ("N_ambiguous", 5))]
        for i, g in enumerate(GENES):
            eid = ENSEMBL.get(g, f"ENSG00000{900000 + i:06d}")
            v = int(c.iloc[i, j])
            body.append(f"{eid}.1\t{g}\tprotein_coding\t{v}\t{v // 2}\t{v - v // 2}\t1.0\t1.0\t1.0")
        text = "\n".join(body) + "\n"
        if truncate is not None and j == truncate:
            text = text[: len(text) // 2]
        (d / fid / fname).write_text(text)
        (d / fid / "logs").mkdir()
        (d / fid / "logs" / f"{fname}.parcel").write_text("download log\n")
        rows.append([fid, fname, "Transcriptome Profiling", "Gene Expression Quantification", "TEST", SAMPLES[j],
                     SAMPLES[j], "Primary Blood Derived Cancer - Peripheral Blood"])
    pd.DataFrame(rows, columns=["File ID", "File Name", "Data Category", "Data Type", "Project ID", "Case ID",
                                "Sample ID", "Sample Type"]).to_csv(d / "sample_sheet.tsv", sep="\t", index=False)


def main() -> None:
    c, k = counts(), clinical()
    base = tsv(c, "base_counts.tsv", index=True)
    tsv(k, "base_clinical.tsv")
    (HERE / "sig.gmt").write_text("SIG\tSYNTHETIC test set\t" + "\t".join(GENES[5:17]) + "\n")
    (HERE / "two_sets.gmt").write_text("SIG_A\tx\t" + "\t".join(GENES[5:12]) + "\nSIG_B\ty\t"
                                       + "\t".join(GENES[10:17]) + "\n")
    (HERE / "weights_bad.tsv").write_text("gene\tweigth\nTP53\t0.5\nMYC\t-0.2\n")
    (HERE / "reporting_broken.yaml").write_text("study:\n  marker: 'unclosed\n  design: x\n")
    (HERE / "reporting_unknown_key.yaml").write_text("study:\n  marker: MitoScore\n  desing: retrospective\n")

    # ---- counts
    raw = gzip.compress(base.encode(), mtime=0)
    (HERE / "counts_truncated.tsv.gz").write_bytes(raw[: len(raw) // 2])
    (HERE / "counts_not_gzip.tsv.gz").write_bytes(base.encode())
    (HERE / "counts_empty.tsv").write_bytes(b"")
    (HERE / "counts_header_only.tsv").write_text(base.splitlines()[0] + "\n")
    lines = base.splitlines()
    (HERE / "counts_ragged.tsv").write_text("\n".join(lines[:4] + [lines[4] + "\t7"] + lines[5:]) + "\n")
    for name, (gene, sample, value) in {"counts_noninteger.tsv": ("GAPDH", "S02", 4.25),
                                        "counts_negative.tsv": ("ACTB", "S03", -4),
                                        "counts_text.tsv": ("BCL2", "S04", "low"),
                                        "counts_nan.tsv": ("MCL1", "S05", ""),
                                        "counts_inf.tsv": ("TP53", "S06", "Inf")}.items():
        x = c.astype(object)
        x.loc[gene, sample] = value
        tsv(x, name, index=True)
    tsv(pd.concat([c, c.iloc[[0]]]), "counts_dup_gene.tsv", index=True)
    x = c.copy()
    x.columns = ["S01", "S01", *SAMPLES[2:]]
    tsv(x, "counts_dup_sample.tsv", index=True)
    x = c.copy()
    x["S07"] = 0
    tsv(x, "counts_zero_sample.tsv", index=True)
    x = c.rename(index={"SDHA": "1-Sep", "SDHB": "2-Mar"})
    tsv(x, "counts_excel.tsv", index=True)
    x = c.rename(index=lambda g: f"{ENSEMBL.get(g, 'ENSG00000' + str(900000 + GENES.index(g)))}.1")
    tsv(x, "counts_ensembl.tsv", index=True)
    x = c.rename(columns={"S30": "S31"})
    tsv(x, "counts_mismatch.tsv", index=True)
    (HERE / "counts_corrupt.parquet").write_bytes(b"PAR1" + b"\x00" * 64 + b"not a parquet footer")
    fc = "# Program:featureCounts v2.0.3; Command:\"featureCounts\"\nGene\tChr\tStart\tEnd\tStrand\tLength\ta.bam\n"
    fc += "TP53\tchr17\t1\t100\t-\t100\t5\n"
    (HERE / "featurecounts_bad_header.txt").write_text(fc)

    # ---- GDC STAR downloads (6 samples S01..S06)
    star_dir("gdc_ok")
    star_dir("gdc_truncated", truncate=2)
    star_dir("gdc_bad_header", bad_header=True)
    sheet = pd.read_csv(HERE / "gdc_ok" / "sample_sheet.tsv", sep="\t")
    miss = sheet.copy()
    miss.loc[5, "File Name"] = "deadbeef-0000-4000-a000-000000000000" + SUFFIX
    miss.to_csv(HERE / "gdc_sheet_missing_file.tsv", sep="\t", index=False)
    sheet.rename(columns={"Sample ID": "SampleID"}).to_csv(HERE / "gdc_sheet_bad_column.tsv", sep="\t", index=False)
    sheet.iloc[:5].to_csv(HERE / "gdc_sheet_short.tsv", sep="\t", index=False)  # one downloaded file unlisted
    (HERE / "no_star_files").mkdir(exist_ok=True)
    (HERE / "no_star_files" / "README.txt").write_text("a folder without STAR count files\n")
    tsv(k.iloc[:6], "gdc_clinical.tsv")

    # ---- clinical
    text = (HERE / "base_clinical.tsv").read_text()
    (HERE / "clinical_truncated.tsv.gz").write_bytes(gzip.compress(text.encode(), mtime=0)[:200])
    (HERE / "clinical_corrupt.xlsx").write_bytes(b"PK\x03\x04 this is not a real xlsx archive")
    tsv(k.rename(columns={"os_months": "OS_month"}), "clinical_misspelled.tsv")
    x = k.astype(object)
    x.loc[2, "os_months"] = "5 months"
    tsv(x, "clinical_text_time.tsv")
    x = k.copy()
    x.loc[3, "os_months"] = -7.0
    tsv(x, "clinical_negative_time.tsv")
    x = k.copy()
    x.loc[[1, 9], "os_months"] = 0.0
    tsv(x, "clinical_zero_time.tsv")
    x = k.astype(object)
    x.loc[4, "sample_id"] = ""
    tsv(x, "clinical_missing_id.tsv")
    x = pd.concat([k, k.iloc[[0]].assign(os_months=99.0)], ignore_index=True)
    tsv(x, "clinical_dup_conflict.tsv")
    tsv(pd.concat([k, k.iloc[[0, 1]]], ignore_index=True), "clinical_dup_identical.tsv")
    x = k.astype(object)
    x.loc[[2, 5], "os_months"] = ""
    x.loc[8, "os_event"] = ""
    tsv(x, "clinical_missing_time.tsv")
    tsv(k.assign(os_months=np.round(k.os_months * 30.4375)), "clinical_days.tsv")
    tsv(k.rename(columns={"os_months": "os_days"}), "clinical_named_days.tsv")
    x = k.astype(object)
    cens = np.flatnonzero(k.os_event.to_numpy() == 0)
    x.loc[cens[:-1], "os_months"] = ""  # all censored patients but one lack a time
    tsv(x, "clinical_censor_shift.tsv")
    tsv(k.assign(os_event=k.os_event + 1), "clinical_event_12.tsv")
    x = k.astype(object)
    x.loc[0, "days_to_death"] = "100"  # LIVING patient with a death time
    x.loc[0, "vital_status"] = "LIVING"
    x.loc[0, "os_event"] = 0
    tsv(x, "clinical_alive_with_death.tsv")
    x = k.copy()
    x.loc[0, "sex"] = "Féminin"
    (HERE / "clinical_latin1.tsv").write_bytes(x.to_csv(sep="\t", index=False, lineterminator="\n")
                                              .encode("latin-1"))
    cb = k.rename(columns={"sample_id": "PATIENT_ID"})
    cb["OS_MONTHS"] = cb.pop("os_months")
    cb["OS_STATUS"] = np.where(cb.pop("os_event") == 1, "1:DECEASED", "0:LIVING")
    meta = "\n".join(["#" + "\t".join(cb.columns), "#" + "\t".join(cb.columns), "#" + "\t".join(["STRING"] * cb.shape[1]),
                      "#" + "\t".join(["1"] * cb.shape[1])])
    (HERE / "clinical_cbioportal.txt").write_text(meta + "\n" + cb.to_csv(sep="\t", index=False, lineterminator="\n"))
    x = k.astype(object)
    x["os_months"] = [f"{v:.2f}".replace(".", ",") for v in k.os_months]
    tsv(x, "clinical_decimal_comma.tsv")
    (HERE / "clinical_dup_header.tsv").write_text(text.replace("\tage\t", "\tage\t", 1).replace(
        "\tresponse\n", "\tage\n", 1))
    import zipfile
    with zipfile.ZipFile(HERE / "counts_zip.tsv.zip", "w") as zf:
        info = zipfile.ZipInfo("counts.tsv", date_time=(2026, 1, 1, 0, 0, 0))
        zf.writestr(info, base)
    (HERE / "clinical_dir").mkdir(exist_ok=True)
    (HERE / "clinical_dir" / "README.txt").write_text("a folder given as the clinical table\n")


if __name__ == "__main__":
    main()
