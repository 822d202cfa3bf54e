"""View models handed to the templates: tables, figures, badges; SVG embedding and
pseudonymisation.

Content functions build these from loaded tables; templates only loop over them. Every
string from data (sample ids, covariate levels, file names, reasons) stays a plain ``str``
and is escaped by Jinja's autoescape. The only markup that is not escaped is an embedded
SVG figure, produced by :func:`embed_svg` (scripts and event handlers removed, ids
prefixed) and wrapped in ``markupsafe.Markup`` there and nowhere else.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import pandas as pd
from markupsafe import Markup

from .. import fmt

MAX_ROWS = 20


# --------------------------------------------------------------------------- tables
@dataclass
class Col:
    """A rendered column: source ``key``, ``header``, formatter (None = text as is),
    ``badge``: the cell is drawn as a label badge (VALIDATION, EXPLORATORY...)."""
    key: str
    header: str
    fmt: Callable[[Any], str] | None = None
    badge: bool = False

    @property
    def numeric(self) -> bool:
        return self.fmt is not None


def C(key: str, header: str | None = None, f: Callable | None = None, *, badge: bool = False) -> Col:  # noqa: N802
    return Col(key, header if header is not None else key, f, badge)


@dataclass
class Cell:
    text: str
    numeric: bool = False
    col: str | None = None
    raw: str | None = None      # unrounded table value (data-v), numeric cells only
    badge: str | None = None


@dataclass
class Row:
    cells: list[Cell]
    cls: str = ""


@dataclass
class Table:
    headers: list[str]
    rows: list[Row]
    n_total: int
    id: str | None = None
    link: str | None = None
    caption: str | None = None
    empty: str = "no rows"
    wide: bool = False

    @property
    def truncated(self) -> bool:
        return self.n_total > len(self.rows)


def raw_value(x) -> str:
    """Unrounded value for data-v (as written in the TSV, %.10g)."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if fmt.finite(x):
        return f"{float(x):.10g}"
    return "NA"


def _text(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return ""
    return str(v)


def table(df: pd.DataFrame | None, cols: Sequence[Col], *, max_rows: int = MAX_ROWS, link: str | None = None,
          id: str | None = None, caption: str | None = None,  # noqa: A002
          row_class: Callable[[dict], str] | None = None, empty: str = "no rows") -> Table | None:
    """``df`` -> :class:`Table` with the given columns (absent columns are left out),
    truncated to ``max_rows`` (the template then links the full TSV). None if ``df`` is None."""
    if df is None:
        return None
    cols = [c for c in cols if c.key in df.columns]
    recs = df.to_dict("records")
    rows = []
    for r in recs[:max_rows]:
        cells = []
        for c in cols:
            v = r.get(c.key)
            if c.badge:
                t = _text(v)
                cells.append(Cell(t, badge=t.split()[0].lower() if t else None))
            elif c.numeric:
                cells.append(Cell(c.fmt(v), numeric=True, col=c.key, raw=raw_value(v)))
            else:
                cells.append(Cell(_text(v)))
        rows.append(Row(cells, row_class(r) if row_class else ""))
    return Table([c.header for c in cols], rows, len(recs), id=id, link=link, caption=caption, empty=empty,
                 wide=len(cols) > 8)


def kv(pairs: Iterable[tuple[str, Any]]) -> list[dict]:
    """Key/value rows for a small two-column table: value may be a str or a dict
    ``{"text": ..., "missing": bool, "note": ...}``."""
    out = []
    for k, v in pairs:
        out.append({"key": k, **(v if isinstance(v, dict) else {"text": _text(v)})})
    return out


# --------------------------------------------------------------------------- figures
@dataclass
class Figure:
    svg: Markup | None
    caption: str
    link: str | None = None
    wide: bool = False
    missing_text: str = "Figure not available"


_SVG_STRIP = [re.compile(p, re.S | re.I) for p in (
    r"<\?xml.*?\?>", r"<!DOCTYPE.*?>", r"<!--.*?-->", r"<metadata>.*?</metadata>",
    r"<script\b.*?</script\s*>", r"<script\b[^>]*/>", r"<foreignObject\b.*?</foreignObject\s*>")]
_EVENT_ATTR = re.compile(r"\s+on[a-z]+\s*=\s*(\"[^\"]*\"|'[^']*')", re.I)
_JS_HREF = re.compile(r"""((?:xlink:)?href\s*=\s*["'])\s*javascript:[^"']*""", re.I)
_ID_RE = re.compile(r'\bid="([^"]+)"')


def embed_svg(svg: str | None, prefix: str, *, label: str = "") -> Markup | None:
    """Inline an SVG figure safely: strip the XML prolog, DOCTYPE, comments, metadata, any
    ``<script>`` / ``<foreignObject>`` element, event-handler attributes and ``javascript:``
    links; prefix every element id (and its references) with ``prefix`` so several figures
    can share one page; make it scale to the page width (keep the viewBox, width 100% up
    to its natural size). Returns Markup (the only unescaped HTML of the report) or None."""
    if not svg:
        return None
    s = svg
    for rx in _SVG_STRIP:
        s = rx.sub("", s)
    s = _EVENT_ATTR.sub("", s)
    s = _JS_HREF.sub(r"\1#", s)
    ids = set(_ID_RE.findall(s))
    if ids:
        s = _ID_RE.sub(lambda m: f'id="{prefix}-{m.group(1)}"', s)
        s = re.sub(r'(href=")#([^"]+)"', lambda m: f'{m.group(1)}#{prefix}-{m.group(2)}"'
                   if m.group(2) in ids else m.group(0), s)
        s = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})" if m.group(1) in ids
                   else m.group(0), s)
    m = re.search(r"<svg\b[^>]*>", s)
    if not m:
        return None
    tag = m.group(0)
    w = re.search(r'\swidth="([\d.]+)(pt|px)?"', tag)
    new = re.sub(r'\s(width|height)="[^"]*"', "", tag)
    maxw = f"max-width:{float(w.group(1)) * (4 / 3 if (w.group(2) or 'px') == 'pt' else 1):.0f}px;" if w else ""
    lab = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    new = new.replace("<svg", f'<svg class="fig" role="img" aria-label="{lab}" width="100%" '
                              f'style="{maxw}height:auto"', 1)
    s = s[:m.start()] + new + s[m.end():]
    return Markup(s.strip())  # noqa: S704 - sanitised above; figures are written by the workflow's own rules


def figure(svg: str | None, prefix: str, caption: str, *, link: str | None = None, wide: bool = False) -> Figure:
    return Figure(embed_svg(svg, prefix, label=caption), caption, link, wide)


# --------------------------------------------------------------------------- pseudonymisation
class Pseudonymiser:
    """Replace sample ids by stable pseudonyms (P0001, P0002, ...).

    Numbering follows the cohort order of the cohort sheet, then the order in which ids
    were registered (validated clinical table order, then ids met elsewhere), so adding a
    cohort at the end of the sheet does not renumber earlier cohorts. The mapping itself
    is never written into the report. Disabled -> identity.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.map: dict[str, str] = {}
        self._rx: re.Pattern | None = None

    def register(self, ids: Iterable) -> None:
        for i in ids:
            i = str(i).strip()
            if i and i not in self.map and i.upper() != "NA":
                self.map[i] = f"P{len(self.map) + 1:04d}"
        self._rx = None

    def id(self, x):
        if not self.enabled:
            return x
        return self.map.get(str(x), x)

    def text(self, s):
        """Replace every registered id inside free text (e.g. flow reasons)."""
        if not self.enabled or not isinstance(s, str) or not self.map:
            return s
        if self._rx is None:
            keys = sorted(self.map, key=len, reverse=True)
            self._rx = re.compile(r"(?<![\w.-])(" + "|".join(map(re.escape, keys)) + r")(?![\w-])")
        return self._rx.sub(lambda m: self.map[m.group(1)], s)

    def frame(self, df: pd.DataFrame | None, id_cols: Sequence[str] = ("sample",),
              text_cols: Sequence[str] = ()) -> pd.DataFrame | None:
        if df is None or not self.enabled:
            return df
        out = df.copy()
        for c in id_cols:
            if c in out.columns:
                out[c] = out[c].map(self.id)
        for c in text_cols:
            if c in out.columns:
                out[c] = out[c].map(self.text)
        return out

    def page(self, html: str) -> str:
        """Last line of defence over the rendered page: replace registered ids in text
        outside SVG elements and inside SVG ``<text>``/``<title>`` elements (the numbers of
        SVG path data must not be mistaken for numeric ids)."""
        if not self.enabled or not self.map:
            return html
        parts = re.split(r"(<svg\b.*?</svg>)", html, flags=re.S)
        out = []
        for p in parts:
            if p.startswith("<svg"):
                p = re.sub(r"(<(text|tspan|title)\b[^>]*>)([^<]*)", lambda m: m.group(1) + self.text(m.group(3)), p)
                out.append(p)
            else:
                out.append(self.text(p))
        return "".join(out)


_PREVIEW_RX = re.compile(r":\s*(.+?)(?:,\s*\.\.\.\s*\(\d+ in total\))?$")


def ids_in_flow_reasons(flow: pd.DataFrame | None) -> list[str]:
    """Sample ids listed in flow.tsv reasons ('...: ID1, ID2, ... (N in total)')."""
    if flow is None or "reason" not in flow.columns:
        return []
    out = []
    for r in flow["reason"].dropna().astype(str):
        if ":" not in r:
            continue
        m = _PREVIEW_RX.search(r)
        if m:
            out += [x.strip() for x in m.group(1).split(",") if x.strip() and " " not in x.strip()]
    return out


@dataclass
class Badge:
    kind: str

    @property
    def cls(self) -> str:
        return self.kind.split()[0].lower() if self.kind else ""


@dataclass
class Block:
    """A generic titled block of a section (per cohort, per contrast...)."""
    title: str = ""
    badges: list = field(default_factory=list)
    items: list = field(default_factory=list)
