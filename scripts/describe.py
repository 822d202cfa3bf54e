"""Rule describe: descriptive tables of one cohort (marker by clinical variable, agreement of
the scoring methods) and its CONSORT-style patient-flow diagram."""
from _common import run


def main(snakemake, log):
    from mitoscore import describe, flowchart
    from mitoscore.io import atomic_write, read_tsv, write_tsv

    cohort = snakemake.wildcards.cohort
    clinical = read_tsv(snakemake.input.clinical, dtype={"sample": str})
    scores = read_tsv(snakemake.input.scores, dtype={"sample": str})
    sens = read_tsv(snakemake.input.sensitivity, dtype={"sample": str})
    write_tsv(describe.marker_by_variable(clinical.set_index("sample"), scores, snakemake.params.primary),
              snakemake.output.marker)
    write_tsv(describe.score_method_correlations(scores, sens), snakemake.output.score_methods)
    flow = read_tsv(snakemake.input.flow)
    events = int(clinical["os_event"].sum()) if "os_event" in clinical else None
    svg = flowchart.consort_svg(flow, title=f"{cohort}: patient flow", events=events)
    with atomic_write(snakemake.output.flow_svg, "w", encoding="utf-8") as fh:
        fh.write(svg)
    log.info("%s: descriptive tables and flow diagram (%d flow steps)", cohort, len(flow))


run(main, snakemake)  # noqa: F821
