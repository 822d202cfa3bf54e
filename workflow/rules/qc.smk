# Stage 2: normalisation (size factors, log2 normalised, VST) and QC.


rule normalise:
    input:
        counts=res("cohorts/{cohort}/validated/counts.parquet"),
    output:
        size_factors=res("cohorts/{cohort}/expr/size_factors.tsv"),
        log2norm=res("cohorts/{cohort}/expr/log2norm.parquet"),
        vst=res("cohorts/{cohort}/expr/vst.parquet"),
    params:
        inference=config["de"]["inference"],
    log:
        res("logs/{cohort}/normalise.log"),
    benchmark:
        res("benchmarks/{cohort}/normalise.tsv"),
    # one core (the VST's dispersion fit is mostly serial); memory: peak RSS 1.45 GiB at 1,000
    # samples x 20,000 genes (31.6 MB of input), 0.5 GiB for the demo cohorts (4.9 MB)
    threads: 1
    priority: 50
    resources:
        mem_mb=mem_mb(450, 36),
        runtime=runtime_min(10, 1),
    conda:
        "../../envs/de.yaml"
    script:
        "../../scripts/normalise.py"


rule qc:
    input:
        counts=res("cohorts/{cohort}/validated/counts.parquet"),
        vst=res("cohorts/{cohort}/expr/vst.parquet"),
        clinical=res("cohorts/{cohort}/validated/clinical.tsv"),
    output:
        qc=report(res("cohorts/{cohort}/qc/qc.tsv"), category="{cohort}", subcategory="QC", caption="../report/table.rst",
                   labels={"cohort": "{cohort}", "table": "QC"}),
        pca=res("cohorts/{cohort}/qc/pca.tsv"),
        pca_plot=report(res("cohorts/{cohort}/qc/pca.svg"), category="{cohort}", subcategory="QC",
                        caption="../report/pca.rst", labels={"cohort": "{cohort}", "figure": "PCA of VST"}),
        lib_plot=report(res("cohorts/{cohort}/qc/library_sizes.svg"), category="{cohort}", subcategory="QC",
                        caption="../report/library_sizes.rst",
                        labels={"cohort": "{cohort}", "figure": "library sizes"}),
    params:
        color_by=config["qc"]["pca_color_by"],
    log:
        res("logs/{cohort}/qc.log"),
    benchmark:
        res("benchmarks/{cohort}/qc.tsv"),
    threads: 1
    resources:
        mem_mb=mem_mb(1000, 20),
        runtime=runtime_min(5, 0.2),
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/qc.py"
