# Stage 8: the run record, a Workflow Run RO-Crate (mitoscore.runrecord), written last (after the
# report, which links to it by its fixed relative path ../ro-crate-metadata.json). Crate root: the
# results directory. Inputs: every output and log of the run's jobs, the configuration-type
# files, each cohort's input checksums and the workflow definition (copied into run_record/).


rule run_record:
    input:
        unpack(run_record_inputs),
    output:
        crate=report(res("ro-crate-metadata.json"), category="Report", subcategory="Provenance",
                     caption="../report/run_record.rst", labels={"file": "run record (Workflow Run RO-Crate)"}),
        snapshot=directory(res("run_record")),
    params:
        output_rules=lambda w: [r for _, r in run_outputs()],
        traces=lambda w: run_traces(),
        config_roles=lambda w: [r for r, _ in config_inputs()],
        config=REPORT_CONFIG,
        title=config["report"]["title"],
    log:
        res("logs/run_record.log"),
    threads: 1
    priority: 10
    resources:
        mem_mb=mem_mb(800, 0.01),
        runtime=runtime_min(10, 0.01),
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/run_record.py"
