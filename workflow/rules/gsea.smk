# Stage 4b: pathway enrichment of every DE contrast (GSEA prerank, gseapy's algorithm with a
# vectorised permutation null) and the cross-cohort view of the mitochondrial programme.
# The aggregate reads the cohort list from the cohort sheet: a new cohort adds its own gsea
# jobs and reruns only gsea_summary.


rule gsea:
    input:
        de=res("cohorts/{cohort}/de/{contrast}.tsv"),
        collections=[c["gmt"] for c in GSEA["collections"]],
        signatures=signature_files,
    output:
        table=report(res("cohorts/{cohort}/gsea/{contrast}.tsv"), category="{cohort}", subcategory="GSEA",
                     caption="../report/gsea_table.rst",
                     labels={"cohort": "{cohort}", "contrast": "{contrast}", "table": "GSEA prerank"}),
        gmt=report(res("cohorts/{cohort}/gsea/{contrast}_gene_sets.gmt"), category="{cohort}", subcategory="GSEA",
                   caption="../report/gsea_gmt.rst",
                   labels={"cohort": "{cohort}", "contrast": "{contrast}", "file": "gene sets tested"}),
        top=report(res("cohorts/{cohort}/gsea/{contrast}_top_mitochondrial.svg"), category="{cohort}",
                   subcategory="GSEA", caption="../report/gsea_enrichment.rst",
                   labels={"cohort": "{cohort}", "contrast": "{contrast}", "figure": "top mitochondrial sets"}),
        signatures=report(res("cohorts/{cohort}/gsea/{contrast}_signatures.svg"), category="{cohort}",
                          subcategory="GSEA", caption="../report/gsea_enrichment.rst",
                          labels={"cohort": "{cohort}", "contrast": "{contrast}", "figure": "signatures"}),
    params:
        gsea=GSEA,
        contrast=lambda w: CONTRASTS[w.contrast],
        signatures=signature_specs,
        gene_ids=lambda w: COHORTS[w.cohort].get("gene_ids", "symbol"),
    log:
        res("logs/{cohort}/gsea_{contrast}.log"),
    benchmark:
        res("benchmarks/{cohort}/gsea_{contrast}.tsv"),
    threads: 1
    priority: 10
    resources:
        mem_mb=mem_mb(1500, 20),
        runtime=runtime_min(10, 1),
    conda:
        "../../envs/gsea.yaml"
    script:
        "../../scripts/gsea.py"


rule gsea_summary:
    input:
        tables=[res(f"cohorts/{c}/gsea/{k}.tsv") for c, k in GSEA_PAIRS],
    output:
        nes=report(res("summary/gsea_nes.tsv"), category="GSEA across cohorts", caption="../report/gsea_nes.rst",
                   labels={"table": "NES and FDR per set, cohort and contrast"}),
        concordance=report(res("summary/gsea_concordance.tsv"), category="GSEA across cohorts",
                           caption="../report/gsea_nes.rst", labels={"table": "direction concordance"}),
        heatmap=report(res("summary/gsea_nes_heatmap.svg"), category="GSEA across cohorts",
                       caption="../report/gsea_heatmap.rst", labels={"figure": "NES heatmap, mitochondrial sets"}),
    params:
        pairs=GSEA_PAIRS,
        mitochondrial=[c["name"] for c in GSEA["collections"] if c.get("mitochondrial")],
        collections=[c["name"] for c in GSEA["collections"]],
        circular={k: c["signature"] for k, c in CONTRASTS.items() if c.get("signature")},
        fdr_max=GSEA["fdr_max"],
    log:
        res("logs/gsea_summary.log"),
    benchmark:
        res("benchmarks/gsea_summary.tsv"),
    threads: 1
    priority: 10
    resources:
        mem_mb=mem_mb(800, 5),
        runtime=runtime_min(5, 0.5),
    conda:
        "../../envs/gsea.yaml"
    script:
        "../../scripts/gsea_summary.py"
