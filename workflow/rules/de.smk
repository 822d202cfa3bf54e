# Stage 4: differential expression (pydeseq2, DESeq2-matching settings).


rule de:
    input:
        unpack(de_inputs),
    output:
        table=report(res("cohorts/{cohort}/de/{contrast}.tsv"), category="{cohort}",
                     subcategory="Differential expression", caption="../report/table.rst",
                     labels={"cohort": "{cohort}", "contrast": "{contrast}", "table": "DESeq2 results"}),
        summary=report(res("cohorts/{cohort}/de/{contrast}_summary.tsv"), category="{cohort}",
                       subcategory="Differential expression", caption="../report/de_summary.rst",
                       labels={"cohort": "{cohort}", "contrast": "{contrast}", "table": "DE summary"}),
        volcano=report(res("cohorts/{cohort}/de/{contrast}_volcano.svg"), category="{cohort}", subcategory="Differential expression",
                       caption="../report/volcano.rst",
                       labels={"cohort": "{cohort}", "contrast": "{contrast}", "figure": "volcano"}),
        ma=report(res("cohorts/{cohort}/de/{contrast}_ma.svg"), category="{cohort}", subcategory="Differential expression",
                  caption="../report/ma.rst", labels={"cohort": "{cohort}", "contrast": "{contrast}", "figure": "MA"}),
    params:
        contrast=lambda w: CONTRASTS[w.contrast],
        de=lambda w: {k: v for k, v in config["de"].items() if k != "contrasts"},
    log:
        res("logs/{cohort}/de_{contrast}.log"),
    benchmark:
        res("benchmarks/{cohort}/de_{contrast}.tsv"),
    # one core: the job is mostly serial (measured ~1 core with 2 declared), so two DE jobs
    # share a 2-core node; memory: peak RSS 1.6 GiB at 1,000 samples x 20,000 genes (31.6 MB
    # of input), 0.55 GiB for the demo cohorts (4.9 MB)
    threads: 1
    priority: 40
    resources:
        mem_mb=mem_mb(500, 42),
        runtime=runtime_min(15, 2),
    conda:
        "../../envs/de.yaml"
    script:
        "../../scripts/de.py"
