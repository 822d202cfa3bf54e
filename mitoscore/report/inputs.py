"""The report's inputs, declared ONCE.

:data:`INPUTS` lists every result table / figure the report can read, with its path
template, its scope and its kind. :func:`report_inputs` expands it for a run into the
named input mapping of the Snakemake ``report`` rule (``workflow/rules/common.smk``
calls it); ``scripts/report.py`` passes ``snakemake.input`` back to
:func:`mitoscore.report.load.load_report`, which reads exactly those files and nothing
else (no path is guessed, no results folder is derived from another path).

Input names: ``<key>`` (summary scope), ``<key>@<cohort>`` (cohort scope),
``<key>@<cohort>@<signature|contrast>`` (signature / contrast scope), ``signature@<name>``
(signature definition files), ``prov@<role>[@<detail>]`` (files that are only checksummed)
and the singletons ``reporting`` and ``truth``.

To add a table to the report: append an :class:`Input` to :data:`INPUTS` (or call
:func:`register_input`) with the path the producing rule writes; it is then requested by
the report rule, loaded, and available to section content functions as
``cohort.t(key)`` / ``data.summary[key]``. A table whose producing rule only runs for some
cohorts takes ``when=`` (a predicate on the cohort sheet row).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

SCOPES = ("cohort", "signature", "contrast", "summary")
KINDS = ("tsv", "svg", "json", "text")


@dataclass(frozen=True)
class Input:
    """One file the report reads.

    ``path``: template relative to the results directory (``results_dir``, default ``results``)
    with ``{cohort}``, ``{signature}`` or ``{contrast}`` placeholders as the scope requires. ``when(row)``: cohort-scope condition
    on the cohort sheet row (default: every cohort). ``among``: the name of a cohort set
    given to :func:`report_inputs` (``cohort_sets``, e.g. ``validated``: the cohorts the
    frozen model is applied to); a cohort-scope input is requested only for its members, a
    summary-scope input only when the set is not empty. ``subs``: the name of the
    per-cohort list the signature / contrast scope expands over (default ``signatures`` /
    ``contrasts``; e.g. ``gsea_contrasts``, ``predictive_contrasts``). ``ids``: the table
    holds sample ids (registered for pseudonymisation)."""
    key: str
    path: str
    scope: str = "cohort"
    kind: str = "tsv"
    when: Callable[[Mapping], bool] | None = None
    ids: bool = False
    description: str = ""
    among: str | None = None
    subs: str | None = None

    def __post_init__(self):
        if self.scope not in SCOPES:
            raise ValueError(f"Input {self.key}: scope must be one of {SCOPES}")
        if self.kind not in KINDS:
            raise ValueError(f"Input {self.key}: kind must be one of {KINDS}")
        if "@" in self.key:
            raise ValueError(f"Input {self.key}: '@' is reserved for the name separator")


C = "cohorts/{cohort}"
INPUTS: list[Input] = [
    # per cohort: validated inputs, QC, scores
    Input("clinical", f"{C}/validated/clinical.tsv", ids=True, description="standardised clinical table"),
    Input("flow", f"{C}/validated/flow.tsv", description="patient flow"),
    Input("endpoint", f"{C}/validated/endpoint.tsv", description="the endpoint as analysed: layout, unit, coding"),
    Input("flow_svg", f"{C}/describe/flow.svg", kind="svg", description="CONSORT-style flow diagram"),
    Input("input_checksums", f"{C}/validated/input_checksums.tsv"),
    Input("coverage", f"{C}/signature_coverage.tsv"),
    Input("qc", f"{C}/qc/qc.tsv", ids=True),
    Input("pca_svg", f"{C}/qc/pca.svg", kind="svg"),
    Input("library_svg", f"{C}/qc/library_sizes.svg", kind="svg"),
    Input("scores_svg", f"{C}/scores.svg", kind="svg"),
    Input("cutpoints", f"{C}/cutpoints.tsv"),
    Input("marker_by_variable", f"{C}/describe/marker_by_variable.tsv"),
    Input("score_methods", f"{C}/describe/score_method_correlation.tsv"),
    # per cohort: survival
    Input("cox", f"{C}/survival/cox.tsv"),
    Input("logrank", f"{C}/survival/logrank.tsv"),
    Input("km_median", f"{C}/survival/km_median.tsv"),
    Input("cox_zph", f"{C}/survival/cox_zph.tsv"),
    Input("interaction", f"{C}/survival/interaction.tsv"),
    Input("discrimination", f"{C}/survival/discrimination.tsv"),
    Input("response", f"{C}/survival/response.tsv"),
    Input("maxstat", f"{C}/survival/maxstat_exploratory.tsv"),
    Input("power", f"{C}/survival/power.tsv"),
    Input("skipped", f"{C}/survival/skipped_models.tsv"),
    Input("predictive", f"{C}/survival/predictive.tsv", description="pre-declared predictive contrasts"),
    Input("predictive_contrasts", f"{C}/survival/predictive_contrasts.tsv"),
    Input("treatment_effect", f"{C}/survival/treatment_effect.tsv"),
    Input("response_by_arm", f"{C}/survival/response_by_arm.tsv"),
    Input("treatment_effect_svg", f"{C}/survival/treatment_effect_{{contrast}}.svg", scope="contrast", kind="svg",
          subs="predictive_contrasts"),
    Input("km_by_arm_svg", f"{C}/survival/km_by_arm_{{contrast}}.svg", scope="contrast", kind="svg",
          subs="predictive_contrasts"),
    Input("random_null_summary", f"{C}/random_null/summary.tsv"),
    Input("random_null_svg", f"{C}/random_null/null.svg", kind="svg"),
    # per validation cohort: the frozen model applied unchanged (TRIPOD external validation)
    Input("frozen_cox", f"{C}/validation/frozen_cox.tsv", among="validated"),
    Input("calibration", f"{C}/validation/calibration.tsv", among="validated"),
    Input("calibration_curve", f"{C}/validation/calibration_curve.tsv", among="validated"),
    Input("frozen_status", f"{C}/validation/status.tsv", among="validated"),
    Input("calibration_svg", f"{C}/validation/calibration.svg", kind="svg", among="validated"),
    # per cohort and signature / contrast
    Input("km_svg", f"{C}/survival/km_{{signature}}.svg", scope="signature", kind="svg"),
    Input("de", f"{C}/de/{{contrast}}.tsv", scope="contrast"),
    Input("de_summary", f"{C}/de/{{contrast}}_summary.tsv", scope="contrast"),
    Input("volcano_svg", f"{C}/de/{{contrast}}_volcano.svg", scope="contrast", kind="svg"),
    Input("gsea", f"{C}/gsea/{{contrast}}.tsv", scope="contrast", subs="gsea_contrasts"),
    Input("gsea_svg", f"{C}/gsea/{{contrast}}_top_mitochondrial.svg", scope="contrast", kind="svg",
          subs="gsea_contrasts"),
    # across cohorts
    Input("hazard_ratios", "summary/hazard_ratios.tsv", scope="summary"),
    Input("meta_analysis", "summary/meta_analysis.tsv", scope="summary"),
    Input("leave_one_out", "summary/leave_one_out.tsv", scope="summary"),
    Input("forest", "summary/forest.tsv", scope="summary"),
    Input("forest_svg", "summary/forest.svg", scope="summary", kind="svg"),
    Input("interaction_svg", "summary/interaction.svg", scope="summary", kind="svg"),
    Input("table1", "summary/table1.tsv", scope="summary"),
    Input("multiplicity", "summary/multiplicity.tsv", scope="summary"),
    Input("frozen_model", "frozen/model_summary.tsv", scope="summary", among="frozen_model"),
    Input("gsea_concordance", "summary/gsea_concordance.tsv", scope="summary", among="gsea"),
    Input("gsea_heatmap_svg", "summary/gsea_nes_heatmap.svg", scope="summary", kind="svg", among="gsea"),
]


def register_input(inp: Input) -> None:
    """Add (or replace, by key) a report input."""
    for i, old in enumerate(INPUTS):
        if old.key == inp.key:
            INPUTS[i] = inp
            return
    INPUTS.append(inp)


def spec(key: str) -> Input | None:
    return next((i for i in INPUTS if i.key == key), None)


def name(key: str, cohort: str | None = None, sub: str | None = None) -> str:
    """The Snakemake input name of a file: ``key``, ``key@cohort`` or ``key@cohort@sub``."""
    return "@".join(x for x in (key, cohort, sub) if x is not None)


def parse_name(n: str) -> tuple[str, str | None, str | None]:
    """Inverse of :func:`name`: ``(key, cohort, sub)``."""
    parts = n.split("@", 2)
    return parts[0], (parts[1] if len(parts) > 1 else None), (parts[2] if len(parts) > 2 else None)


def report_inputs(cohorts: Mapping[str, Mapping], *, signatures_of: Mapping[str, Sequence[str]],
                  contrasts_of: Mapping[str, Sequence[str]], signature_files: Mapping[str, str] = (),
                  provenance: Iterable[tuple[str, str]] = (), reporting: str | None = None,
                  truth: str | None = None, inputs: Sequence[Input] | None = None,
                  cohort_sets: Mapping[str, Sequence[str]] | None = None,
                  subs_of: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
                  results_dir: str = "results") -> dict[str, str]:
    """The named inputs of the report rule.

    ``cohorts``: cohort id -> cohort sheet row (sheet order); ``signatures_of``: the
    signatures whose Kaplan-Meier figure exists per cohort (the ones scored there);
    ``contrasts_of``: the DE contrasts run per cohort; ``signature_files``: signature name
    -> definition file (GMT or weights; shown in the appendix and checksummed);
    ``provenance``: (role, path) of every other file a result depends on (checksummed);
    ``reporting``: config/reporting.yaml when it exists; ``truth``: the planted-truth file
    of the SYNTHETIC demo (configured, never guessed); ``cohort_sets``: named cohort sets for
    :attr:`Input.among` (an unknown name is an empty set); ``subs_of``: named per-cohort lists
    for :attr:`Input.subs` (``signatures`` and ``contrasts`` default to the two arguments);
    ``results_dir``: the results directory the result paths are below (config ``results_dir``).
    """
    def under(path: str) -> str:
        # paths are relative to the results directory; a path written with the former
        # "results/" prefix is accepted too
        rel = path[len("results/"):] if path.startswith("results/") else path
        return f"{results_dir}/{rel}"

    sets = {k: list(v) for k, v in dict(cohort_sets or {}).items()}
    lists = {"signatures": signatures_of, "contrasts": contrasts_of, **dict(subs_of or {})}
    out: dict[str, str] = {}
    for inp in (INPUTS if inputs is None else inputs):
        if inp.scope == "summary":
            if inp.among is None or sets.get(inp.among):
                out[name(inp.key)] = under(inp.path)
            continue
        for cohort, row in cohorts.items():
            if inp.when is not None and not inp.when(row):
                continue
            if inp.among is not None and cohort not in sets.get(inp.among, ()):
                continue
            if inp.scope == "cohort":
                out[name(inp.key, cohort)] = under(inp.path.format(cohort=cohort))
                continue
            default = "signatures" if inp.scope == "signature" else "contrasts"
            for sub in (lists.get(inp.subs or default) or {}).get(cohort, ()):
                out[name(inp.key, cohort, sub)] = under(inp.path.format(cohort=cohort, **{inp.scope: sub}))
    for sig, path in dict(signature_files).items():
        out[name("signature", sig)] = str(path)
    seen = set()
    for role, path in provenance:
        n = name("prov", *[x for x in role.split("@", 1)]) if "@" in role else name("prov", role)
        k, i = n, 1
        while k in out or k in seen:
            i += 1
            k = f"{n}#{i}"
        seen.add(k)
        out[k] = str(path)
    if reporting:
        out["reporting"] = str(reporting)
    if truth:
        out["truth"] = str(truth)
    return out
