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
    threads: 2
    resources:
        mem_mb=mem_mb(2000, 40),
        runtime=runtime_min(15, 2),
    conda:
        "../../envs/de.yaml"
    script:
        "../../scripts/de.py"
