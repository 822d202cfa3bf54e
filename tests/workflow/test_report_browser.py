"""The report opens in a real browser (headless Debian Chromium), offline, and prints whole.

Checks: no console errors (script errors, CSP violations = attempted network loads),
every embedded figure has a non-zero rendered size (the report's own tiny inline
check sets ``document.body.dataset.figuresOk``), the findings summary is rendered above
the first result section, every REMARK/TRIPOD item's grade follows its content (with a
placeholder item), the page renders (screenshot), key numbers in the rendered DOM equal
the result TSVs, and the print-to-PDF (Chromium ``--print-to-pdf``, text extracted with
poppler's ``pdftotext``) holds every section heading and the last column of every table.

Two reports are checked: one rendered from a small synthetic results tree
(tests/unit/test_report.py ``make_results_tree``, with placeholder reporting items) and
the one the workflow wrote for the SYNTHETIC demo cohorts (the session's ``demo_run``).

Chromium (``/usr/bin/chromium``) and pdftotext (Debian ``poppler-utils``): if absent and we
are root with apt-get, they are installed once per session (time-limited); otherwise the
tests skip with the reason.
"""
from __future__ import annotations

import html as _html
import importlib.util
import os
import re
import shutil
import subprocess
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars"]
INSTALL_TIMEOUT = int(os.environ.get("MITOSCORE_CHROMIUM_INSTALL_TIMEOUT", "900"))


def _find_chromium() -> str | None:
    for c in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if c and Path(c).exists():
            return c
    return None


def _apt_install(package: str, binary: str) -> None:
    """Install a Debian package once (root + apt-get only); skip the test otherwise."""
    apt = shutil.which("apt-get")
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and apt):
        pytest.skip(f"{binary} is not installed and it cannot be installed here (needs root and apt-get): "
                    f"`apt-get install {package}`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run([apt, "update", "-qq"], check=True, capture_output=True, timeout=INSTALL_TIMEOUT, env=env)
        subprocess.run([apt, "install", "-y", "-qq", "--no-install-recommends", package], check=True,
                       capture_output=True, timeout=INSTALL_TIMEOUT, env=env)
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.fail(f"installing {package} with apt-get failed (root and apt-get are available): {exc}")


@pytest.fixture(scope="session")
def chromium() -> str:
    exe = _find_chromium()
    if exe:
        return exe
    _apt_install("chromium", "Debian chromium (/usr/bin/chromium)")
    exe = _find_chromium()
    if not exe:
        pytest.fail("apt-get install chromium finished but /usr/bin/chromium is missing")
    return exe


@pytest.fixture(scope="session")
def pdftotext() -> str:
    exe = shutil.which("pdftotext")
    if exe:
        return exe
    _apt_install("poppler-utils", "pdftotext (Debian poppler-utils)")
    exe = shutil.which("pdftotext")
    if not exe:
        pytest.fail("apt-get install poppler-utils finished but pdftotext is missing")
    return exe


def _browse(chromium: str, html: Path, tmp: Path, *extra: str, timeout: int = 180) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    profile.mkdir(parents=True)
    cmd = [chromium, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *extra,
           html.resolve().as_uri()]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"chromium did not finish within {timeout} s: {' '.join(cmd)}")


def _console_errors(stderr: str) -> list[str]:
    """Console messages (console.error, uncaught errors, CSP violations) from chromium's log."""
    return [ln for ln in stderr.splitlines() if ":CONSOLE" in ln or "Uncaught" in ln
            or "Content Security Policy" in ln or "net::ERR" in ln]


def _load_builder():
    spec = importlib.util.spec_from_file_location("_report_fixture", REPO / "tests" / "unit" / "test_report.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


#: Reporting items of the synthetic tree: complete except placeholders that must be graded missing.
def _placeholder_reporting(mod) -> dict:
    from mitoscore.report.sections import COHORT_ITEMS
    full = {k: f"{k}: real text for this cohort" for k, *_ in COHORT_ITEMS}
    return {"study": {"marker": "MitoScore (proxy gene list).", "objectives": "Validate the score.",
                      "hypotheses": ["Higher score, shorter overall survival."], "implications": "TBD",
                      "interpretation": "N/A", "limitations": ["Simulated data."]},
            "cohorts": {"SYNTHETIC_cohortA": {**full, "data_origin": "SYNTHETIC", "specimen": "N/A"},
                        "SYNTHETIC_cohortB": {**full, "data_origin": "SYNTHETIC",
                                              "specimen": "Bone marrow, Ficoll-separated, stored at -80 C."}}}


@pytest.fixture(scope="module")
def synthetic_report(tmp_path_factory):
    from mitoscore import report
    mod = _load_builder()
    root = tmp_path_factory.mktemp("report_tree")
    config, params, rep = mod.make_results_tree(root, reporting=_placeholder_reporting(mod), truth=True)
    ctx = mod.load(root, config, params, rep)
    out = root / "results" / "report" / "index.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report.render_report(ctx), encoding="utf-8")
    return out, root / "results"


@pytest.fixture(params=["synthetic", "workflow"])
def rendered(request, synthetic_report):
    """The synthetic report, and the report of the real demo run (tests/workflow/conftest.py)."""
    if request.param == "synthetic":
        return synthetic_report
    work = request.getfixturevalue("demo_run")
    return work / "results" / "report" / "index.html", work / "results"


def _primary_rows(results: Path):
    """(cohort, section, row) of each cohort's primary test, from the TSVs: the frozen model's HR
    (validation/frozen_cox.tsv, shown in the validation section) in a frozen-validated cohort, the
    cohort's own univariable model (survival/cox.tsv, the Cox section) where no model was frozen."""
    rows = []
    for d in sorted(p for p in (results / "cohorts").iterdir() if p.is_dir()):
        for rel, section in (("validation/frozen_cox.tsv", "validation"), ("survival/cox.tsv", "cox")):
            if not (d / rel).exists():
                continue
            t = pd.read_csv(d / rel, sep="\t", na_values=["NA"])
            r = t[(t["analysis"] == "primary") & (t["term"] == "score_per_sd")]
            if len(r):
                rows.append((d.name, section, r.iloc[0]))
                break
    return rows


def test_report_renders_without_errors_and_figures_have_size(chromium, rendered, tmp_path):
    html, results = rendered
    res = _browse(chromium, html, tmp_path, "--dump-dom")
    assert res.returncode == 0, res.stderr[-2000:]
    dom = res.stdout
    body = re.search(r"<body[^>]*>", dom)
    assert body, "no <body> in the dumped DOM"
    attrs = dict(re.findall(r'data-([\w-]+)="([^"]*)"', body.group(0)))
    assert attrs.get("figures-ok") == "true", f"figure check failed or did not run: {attrs}"
    n_src = html.read_text(encoding="utf-8").count('<svg class="fig"')
    assert int(attrs["figures"]) == n_src > 0
    assert attrs.get("errors") == "0", f"script/resource errors in the page: {attrs}"
    errs = _console_errors(res.stderr)
    assert not errs, "console errors:\n" + "\n".join(errs[:10])


def test_key_numbers_in_rendered_dom_equal_tables(chromium, rendered, tmp_path):
    from mitoscore import fmt
    html, results = rendered
    dom = _browse(chromium, html, tmp_path, "--dump-dom").stdout
    rows = _primary_rows(results)
    assert rows, "no primary test in the results"
    findings = dom[dom.index('<section id="findings"'):dom.index('<section id="plan"')]
    for cohort, section, r in rows:
        sec = dom[dom.index(f'<section id="{section}"'):]
        sec = sec[:sec.index("</section>")]
        part = sec[sec.index(cohort):]
        row = re.search(r'<tr class="primary">(.*?)</tr>', part, re.S).group(1)
        for col in ("hr", "ci_lower", "ci_upper"):
            m = re.search(rf'data-col="{col}" data-v="([^"]+)">([^<]+)<', row)
            assert m, f"{cohort}: {col} cell missing"
            assert float(m.group(1)) == pytest.approx(float(r[col]), rel=1e-9)
            assert m.group(2) == f"{float(r[col]):.2f}"
        # the findings summary quotes the same estimate and p
        f = re.search(rf'data-hypothesis="prognostic" data-scope="{re.escape(cohort)}".*?</tr>', findings, re.S)
        assert f and fmt.ratio_ci(r["hr"], r["ci_lower"], r["ci_upper"]) in f.group(0)
        assert _html.escape(fmt.p(r["p"])) in f.group(0)
    t = pd.read_csv(results / "summary" / "meta_analysis.tsv", sep="\t")
    p = t[t["analysis"] == "primary"]
    assert len(p) == 1, t
    r = p.iloc[0]
    ci = f"{r['hr']:.2f} ({r['ci_lower']:.2f}-{r['ci_upper']:.2f})"
    assert ci in dom[dom.index('<section id="meta"'):]
    assert ci in findings


def test_findings_summary_is_above_the_first_result_section(chromium, rendered, tmp_path):
    from mitoscore.report import FIRST_RESULT_SECTION
    html, _ = rendered
    res = _browse(chromium, html, tmp_path, "--dump-dom", "--window-size=1280,900")
    body = dict(re.findall(r'data-([\w-]+)="([^"]*)"', re.search(r"<body[^>]*>", res.stdout).group(0)))
    assert body.get("first-result") == FIRST_RESULT_SECTION
    assert body.get("findings-first") == "true", body   # measured by the page's script (layout positions)
    assert int(body["findings-top"]) < 900, "the findings summary must start within the first screen"
    ids = re.findall(r'<section id="([\w-]+)"', res.stdout)
    assert ids[0] == "findings" and ids.index("findings") < ids.index(FIRST_RESULT_SECTION)
    answer = res.stdout[res.stdout.index('id="answer"'):]
    assert re.search(r"VALIDATED|NOT VALIDATED|PARTLY VALIDATED|NOT TESTABLE", answer[:600])
    assert "Still missing" in answer[:4000]


def _grades(dom: str, table_id: str) -> dict[str, str]:
    t = dom[dom.index(f'id="{table_id}"'):]
    t = t[:t.index("</table>")]
    return dict(re.findall(r'data-item="(\w+)" data-grade="(\w+)"', t))


def test_checklist_grades_follow_content(chromium, rendered, tmp_path):
    """Single-sub-point items take the grade of their text: a placeholder (N/A, TBD, None,
    not applicable...) is missing, never reported."""
    import yaml

    from mitoscore.report.checklists import PRESENT, grade_text
    html, results = rendered
    dom = _browse(chromium, html, tmp_path, "--dump-dom").stdout
    remark, tripod = _grades(dom, "remark-table"), _grades(dom, "tripod-table")
    assert len(remark) == 20 and len(tripod) >= 30
    rep = yaml.safe_load((results.parent / "config" / "reporting.yaml").read_text())
    st, co = rep.get("study", {}), rep.get("cohorts", {})

    def expect_cohort(key):
        g = [grade_text((co.get(c) or {}).get(key))[0] == PRESENT for c in ("SYNTHETIC_cohortA", "SYNTHETIC_cohortB")]
        return "reported" if all(g) else ("missing" if not any(g) else "partial")

    def expect_study(key):
        return "reported" if grade_text(st.get(key))[0] == PRESENT else "missing"
    assert remark["3"] == expect_cohort("treatment")
    assert remark["4"] == expect_cohort("specimen")
    assert remark["20"] == expect_study("implications")
    assert tripod["19b"] == expect_study("interpretation")
    assert tripod["22"] == expect_study("funding")
    if results.parent.name.startswith("report_tree"):       # the synthetic tree: placeholders planted
        assert remark["4"] == "partial" and remark["20"] == "missing" and tripod["19b"] == "missing"
        assert remark["3"] == "reported"
    else:                                                    # the demo's reporting.yaml
        assert remark["9"] == "partial"   # rationale "None: ..." is a placeholder; the detectable HR is shown
        assert remark["4"] == "missing"   # specimen "Not applicable: ..." (simulated counts)


class _Outline(HTMLParser):
    """Section headings and, per table, the last column's header and last visible row's cell."""

    def __init__(self):
        super().__init__()
        self.headings, self.tables = [], []
        self._h2 = None
        self._stack = []

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self._h2 = []
        elif tag == "table":
            self._stack.append({"head": [], "rows": [], "in": None, "cell": None})
        elif self._stack and tag == "tr":
            self._stack[-1]["rows"].append([])
        elif self._stack and tag in ("th", "td"):
            self._stack[-1]["cell"] = []

    def handle_endtag(self, tag):
        if tag == "h2" and self._h2 is not None:
            self.headings.append("".join(self._h2))
            self._h2 = None
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())
        elif self._stack and tag in ("th", "td") and self._stack[-1]["cell"] is not None:
            t = self._stack[-1]
            if t["rows"]:
                t["rows"][-1].append("".join(t["cell"]))
            t["cell"] = None

    def handle_data(self, data):
        if self._h2 is not None:
            self._h2.append(data)
        if self._stack and self._stack[-1]["cell"] is not None:
            self._stack[-1]["cell"].append(data)


def _norm(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


def test_print_to_pdf_has_every_section_and_full_tables(chromium, pdftotext, rendered, tmp_path):
    html, _ = rendered
    pdf = tmp_path / "report.pdf"
    res = _browse(chromium, html, tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", timeout=300)
    assert pdf.exists() and pdf.stat().st_size > 20_000, res.stderr[-2000:]
    # -raw: text in content-stream order, so a table cell wrapped over several lines stays contiguous
    text = subprocess.run([pdftotext, "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = _norm(text)
    out = _Outline()
    out.feed(html.read_text(encoding="utf-8"))
    assert len(out.headings) >= 18
    for h in out.headings:
        assert _norm(h) in flat, f"section heading missing from the PDF: {h!r}"
    checked = 0
    for t in out.tables:
        rows = [r for r in t["rows"] if r]
        if not rows:
            continue
        last_col = [r[-1] for r in rows if len(r) == len(rows[0]) and _norm(r[-1])]
        for needle in ([rows[0][-1]] if _norm(rows[0][-1]) else []) + last_col[-1:]:
            assert _norm(needle) in flat, f"last column of a table is cut from the PDF: {needle[:80]!r}"
            checked += 1
    assert checked >= 40, checked
    # collapsed sections are printed too (the bodies of <details>: the package lock, the resolved config)
    for marker in ("pandas==2.3.3", "primary_signature: MITOSCORE"):
        assert _norm(marker) in flat, f"collapsed content missing from the PDF: {marker}"
    bbox = subprocess.run([pdftotext, "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for w, page in re.findall(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', bbox, re.S):
        xs = [float(x) for x in re.findall(r'xMax="([\d.]+)"', page)]
        assert not xs or max(xs) <= float(w) + 0.5, "text runs off the printed page"


def test_screenshot_shows_content(chromium, rendered, tmp_path):
    html, _ = rendered
    png = tmp_path / "shot.png"
    res = _browse(chromium, html, tmp_path, f"--screenshot={png}", "--window-size=1280,3000")
    assert png.exists() and png.stat().st_size > 10_000, res.stderr[-2000:]
    from PIL import Image
    im = Image.open(png).convert("L")
    assert im.size == (1280, 3000)
    dark = sum(1 for v in im.getdata() if v < 128) / (im.size[0] * im.size[1])
    assert dark > 0.005, "the screenshot is (almost) blank"


def test_harness_detects_console_errors(chromium, tmp_path):
    """Guard against a silently broken check: an erroring page must be caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><p>x</p><script>throw new Error('boom')</script></body></html>")
    res = _browse(chromium, bad, tmp_path, "--dump-dom")
    assert any("boom" in e for e in _console_errors(res.stderr))


def test_report_is_offline_and_small(rendered):
    html, _ = rendered
    text = html.read_text(encoding="utf-8")
    for attr in re.findall(r'\b(?:src|href|xlink:href)\s*=\s*"([^"]*)"', text):
        assert not re.match(r"\s*(https?:)?//", attr), attr
    assert "default-src 'none'" in text  # CSP: the browser refuses any network load
    assert html.stat().st_size < 10 * 1024 * 1024
