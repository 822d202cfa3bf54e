# Optional: derive a signature in the discovery cohort; freeze it (GMT + sha256).


rule derive_signature:
    input:
        de=lambda w: res(f"cohorts/{DERIVED_FROM}/de/{DERIVATION['contrast']}.tsv"),
        restrict=DERIVATION.get("restrict_gmt", []),
    output:
        gmt=report(res("derived/{name}.gmt"), category="Derived signature",
                   caption="../report/derived.rst", labels={"signature": "{name}", "file": "GMT"}),
        genes=report(res("derived/{name}_genes.tsv"), category="Derived signature",
                     caption="../report/derived.rst", labels={"signature": "{name}", "file": "genes"}),
        checksum=res("derived/{name}.sha256"),
    params:
        derivation=DERIVATION,
        cohort=lambda w: DERIVED_FROM,
    log:
        res("logs/derive_{name}.log"),
    benchmark:
        res("benchmarks/derive_{name}.tsv"),
    threads: 1
    priority: 40
    resources:
        mem_mb=mem_mb(500, 20),
        runtime=runtime_min(5, 0.5),
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/derive_signature.py"
