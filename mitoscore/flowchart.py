"""CONSORT-style patient-flow diagram of one cohort (REMARK 12, TRIPOD 13a) as plain SVG.

Built from the cohort's ``flow.tsv`` (``step, n_before, n_after, n_excluded, reason``;
:data:`mitoscore.validate.FLOW_COLUMNS`): one box per step down the main column with the
number of patients kept, an exclusion box to the right of every step that excluded
patients (number and reason), and a final "Analysed" box with the number of deaths.

Plain SVG written here (no matplotlib): every label is an SVG ``<text>`` element (searchable,
selectable, readable by a screen reader and kept in a printed PDF), all text is XML-escaped
(ids and reasons come from user data), the output is deterministic.
"""
from __future__ import annotations

import textwrap
from xml.sax.saxutils import escape

import pandas as pd

from . import fmt

WIDTH = 780
MAIN_X, MAIN_W = 20, 360
SIDE_X, SIDE_W = 430, 330
LINE_H = 17
PAD = 9
GAP = 26
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
MAX_REASON_LINES = 6


def _wrap(text: str, width_px: int, size: int = 13) -> list[str]:
    chars = max(int((width_px - 2 * PAD) / (0.58 * size)), 10)
    return textwrap.wrap(str(text), chars, break_long_words=True, break_on_hyphens=False) or [""]


def _box(x, y, w, lines: list[tuple[str, bool]], *, fill: str, stroke: str, gid: str) -> tuple[str, float]:
    h = 2 * PAD + LINE_H * len(lines)
    out = [f'<g class="{gid}"><rect x="{x}" y="{y:g}" width="{w}" height="{h:g}" rx="4" ry="4" '
           f'fill="{fill}" stroke="{stroke}" stroke-width="1.4"/>']
    for i, (text, bold) in enumerate(lines):
        ty = y + PAD + LINE_H * (i + 1) - 4
        weight = ' font-weight="bold"' if bold else ""
        out.append(f'<text x="{x + PAD}" y="{ty:g}"{weight}>{escape(text)}</text>')
    out.append("</g>")
    return "".join(out), h


def consort_svg(flow: pd.DataFrame, *, title: str, events: int | None = None,
                analysed_label: str = "Analysed") -> str:
    """The flow diagram as an SVG document (string).

    ``flow``: the flow table in step order. ``events``: deaths among the analysed patients
    (shown in the last box when given). Reasons longer than :data:`MAX_REASON_LINES` wrapped
    lines are cut with '...' (the full reason is in flow.tsv and in the report's table).
    """
    rows = flow.to_dict("records")
    parts: list[str] = []
    y = 46.0
    parts.append(f'<text x="{MAIN_X}" y="24" font-size="16" font-weight="bold">{escape(title)}</text>')
    centre = MAIN_X + MAIN_W / 2
    prev_bottom = None
    for i, r in enumerate(rows):
        step = str(r.get("step", ""))
        n_before, n_after, n_ex = r.get("n_before"), r.get("n_after"), r.get("n_excluded")
        head = step[:1].upper() + step[1:]
        lines = [(t, True) for t in _wrap(head, MAIN_W)]
        n_line = f"n = {fmt.count(n_after)}"
        if fmt.finite(n_before) and fmt.finite(n_after) and int(n_before) != int(n_after):
            n_line += f" (of {fmt.count(n_before)})"
        lines.append((n_line, False))
        if prev_bottom is not None:
            parts.append(f'<line x1="{centre:g}" y1="{prev_bottom:g}" x2="{centre:g}" y2="{y - 2:g}" '
                         f'stroke="#2C3E50" stroke-width="1.4" marker-end="url(#arrow)"/>')
        box, h = _box(MAIN_X, y, MAIN_W, lines, fill="#FFFFFF", stroke="#2C3E50", gid="flow-step")
        parts.append(box)
        side_h = 0.0
        if fmt.finite(n_ex) and int(n_ex) > 0:
            reason = _wrap(str(r.get("reason", "") or "reason not recorded"), SIDE_W)
            if len(reason) > MAX_REASON_LINES:
                reason = reason[:MAX_REASON_LINES - 1] + [reason[MAX_REASON_LINES - 1][:-3] + "..."]
            slines = [(f"Excluded: n = {fmt.count(n_ex)}", True)] + [(t, False) for t in reason]
            sbox, side_h = _box(SIDE_X, y, SIDE_W, slines, fill="#FDF2E9", stroke="#B03A2E", gid="flow-excluded")
            mid = y + h / 2
            parts.append(f'<line x1="{MAIN_X + MAIN_W}" y1="{mid:g}" x2="{SIDE_X - 2}" y2="{mid:g}" '
                         f'stroke="#B03A2E" stroke-width="1.4" marker-end="url(#arrow-ex)"/>')
            parts.append(sbox)
        prev_bottom = y + h
        y += max(h, side_h) + GAP
    if rows:
        last = rows[-1].get("n_after")
        lines = [(analysed_label, True), (f"n = {fmt.count(last)}" + (f", deaths = {fmt.count(events)}"
                                                                       if events is not None else ""), False)]
        parts.append(f'<line x1="{centre:g}" y1="{prev_bottom:g}" x2="{centre:g}" y2="{y - 2:g}" '
                     f'stroke="#2C3E50" stroke-width="1.4" marker-end="url(#arrow)"/>')
        box, h = _box(MAIN_X, y, MAIN_W, lines, fill="#EAF2F8", stroke="#1F618D", gid="flow-analysed")
        parts.append(box)
        y += h
    else:
        parts.append(f'<text x="{MAIN_X}" y="{y + 16:g}">No patient-flow records.</text>')
        y += 24
    height = y + 14
    defs = ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#2C3E50"/></marker>'
            '<marker id="arrow-ex" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#B03A2E"/></marker></defs>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:g}" '
            f'viewBox="0 0 {WIDTH} {height:g}" font-family="{FONT}" font-size="13" fill="#1C2833">'
            f"<title>{escape(title)}</title>{defs}{''.join(parts)}</svg>\n")
