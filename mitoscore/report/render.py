"""Rendering: Jinja2 templates (autoescape on) + the section registry -> one self-contained page.

Order of work: register sample ids for pseudonymisation; compute each regular section's
content (or mark it "not run" when none of its input tables were produced); grade the
REMARK/TRIPOD checklists from what was rendered; evaluate the hypotheses; compute the late
sections (findings summary, checklists); render every section template and the page; inline
the CSS and JS files. A content function that raises stops the rendering with the section
named (a broken section must not be hidden).
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Sequence

from markupsafe import Markup

from . import checklists as CL  # noqa: N812
from . import findings as F  # noqa: N812
from .load import ReportData
from .sections import FIRST_RESULT_SECTION, SECTIONS, Ctx, Section
from .view import Pseudonymiser, ids_in_flow_reasons

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def environment():
    """The Jinja2 environment: templates of this package, autoescape on for every template,
    undefined variables are errors."""
    import jinja2
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=False, lstrip_blocks=False)
    return env


def static_text(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def synthetic_cohorts(data: ReportData) -> list[str]:
    """Cohorts marked SYNTHETIC by their description, id, reporting data_origin or the
    clinical table's data_origin column."""
    out = []
    rep = (data.reporting or {}).get("cohorts", {}) or {}
    for name, cd in data.cohorts.items():
        texts = [name, str(cd.params.get("description", "")), str((rep.get(name) or {}).get("data_origin", ""))]
        clin = cd.t("clinical")
        if clin is not None and "data_origin" in clin.columns:
            texts += [str(x) for x in clin["data_origin"].dropna().unique()[:5]]
        if any("SYNTHETIC" in t.upper() for t in texts):
            out.append(name)
    return out


def _loaded(data: ReportData, key: str) -> bool:
    if key in data.summary or key in data.figures:
        return True
    for cd in data.cohorts.values():
        for k in list(cd.tables) + list(cd.figures):
            if k == key or (isinstance(k, tuple) and k[0] == key):
                return True
    return False


def _refs(s: Section) -> str:
    parts = []
    if s.remark:
        parts.append("REMARK " + ", ".join(s.remark))
    if s.tripod:
        parts.append("TRIPOD " + ", ".join(s.tripod))
    return " · ".join(parts)


def render_report(data: ReportData, *, sections: Sequence[Section] | None = None, lock_link: str | None = None,
                  hypotheses=None, run_record_link: str | None = None) -> str:
    """Render the whole report (HTML string) from loaded data. ``run_record_link``: the run
    record (``ro-crate-metadata.json``) relative to the report; it is written after the report,
    so the link is its fixed relative path (mitoscore.runrecord.LINK_FROM_REPORT)."""
    sections = list(SECTIONS if sections is None else sections)
    ps = Pseudonymiser(data.pseudonymise)
    for cd in data.cohorts.values():
        for key in ("clinical", "qc"):
            t = cd.t(key)
            if t is not None and "sample" in t.columns:
                ps.register(t["sample"].astype(str))
        ps.register(ids_in_flow_reasons(cd.t("flow")))
    excluded = set(((data.reporting or {}).get("sections") or {}).get("exclude") or [])
    excluded -= {s.id for s in sections if s.always}
    syn = synthetic_cohorts(data)
    ctx = Ctx(data, ps, {"synthetic": syn, "sections": sections, "lock_link": lock_link,
                                "run_record_link": run_record_link})

    contents: dict[str, dict | None] = {}
    status: dict[str, str] = {}
    shown = [s for s in sections if s.id not in excluded]
    for s in shown:
        if s.late:
            continue
        if s.needs and not any(_loaded(data, k) for k in s.needs):
            status[s.id] = "not run"
            contents[s.id] = None
            continue
        try:
            contents[s.id] = s.content(ctx)
        except Exception as exc:
            raise RuntimeError(f"report section '{s.id}' could not be built: {type(exc).__name__}: {exc}") from exc
        status[s.id] = "ok" if contents[s.id] is not None else "omitted"
    rendered = {sid: st == "ok" for sid, st in status.items()}
    rendered.update({s.id: True for s in shown if s.late})
    state = CL.CheckState(data, rendered, excluded)
    ctx.state["checklists"] = {name: CL.grade(items, state) for name, items in CL.CHECKLISTS.items()}
    ctx.state["findings"] = F.evaluate_all(data, hypotheses)
    for s in shown:
        if s.late:
            contents[s.id] = s.content(ctx)
            status[s.id] = "ok"

    env = environment()
    out_sections = []
    for s in shown:
        st = status.get(s.id)
        if st == "omitted":
            continue
        html = Markup("")
        if st == "ok":
            html = Markup(env.get_template(s.template_name).render(c=contents[s.id], data=data, section=s))
        out_sections.append({"id": s.id, "title": s.title, "status": st, "needs": s.needs, "html": html,
                             "refs": _refs(s)})
    pv = data.provenance or {}
    git = pv.get("git", {}) or {}
    run = dict(pv.get("run", {}) or {})
    run.setdefault("date_utc", _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    page = env.get_template("page.html.j2").render(
        title=data.title, css=Markup(static_text("report.css")), early_js=Markup(static_text("report_early.js")),
        late_js=Markup(static_text("report.js")), run=run,
        code=(str(git.get("commit"))[:12] if git.get("commit") else git.get("status", "unknown")),
        dirty=bool(git.get("dirty")), version=(pv.get("versions") or {}).get("mitoscore", "?"),
        cohorts=list(data.cohorts.values()), synthetic=syn, pseudonymised=ps.enabled,
        off=[s.title for s in sections if s.id in excluded], sections=out_sections,
        first_result=FIRST_RESULT_SECTION, run_record_link=run_record_link)
    return ps.page(page)
