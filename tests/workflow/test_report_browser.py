"""The report opens in a real browser (headless Debian Chromium), offline.

Checks: no console errors (script errors, CSP violations = attempted network loads),
every embedded figure has a non-zero rendered size (the report's own tiny inline
check sets ``document.body.dataset.figuresOk``), the page renders (screenshot), and
key numbers in the rendered DOM equal the result TSVs.

Two reports are checked: one rendered from a small synthetic results tree
(tests/unit/test_report.py ``make_results_tree``) and the one the workflow wrote for the
SYNTHETIC demo cohorts (the session's ``demo_run``).

Chromium: ``/usr/bin/chromium``; if absent and we are root with apt-get, it is
installed once per session (``apt-get install chromium``, time-limited); otherwise
the tests skip with the reason.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
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


@pytest.fixture(scope="session")
def chromium() -> str:
    exe = _find_chromium()
    if exe:
        return exe
    apt = shutil.which("apt-get")
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and apt):
        pytest.skip("Debian chromium is not installed (/usr/bin/chromium) and it cannot be installed here "
                    "(needs root and apt-get): `apt-get install chromium`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run([apt, "update", "-qq"], check=True, capture_output=True, timeout=INSTALL_TIMEOUT, env=env)
        subprocess.run([apt, "install", "-y", "-qq", "--no-install-recommends", "chromium"], check=True,
                       capture_output=True, timeout=INSTALL_TIMEOUT, env=env)
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.fail(f"installing chromium with apt-get failed (root and apt-get are available): {exc}")
    exe = _find_chromium()
    if not exe:
        pytest.fail("apt-get install chromium finished but /usr/bin/chromium is missing")
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


@pytest.fixture(scope="module")
def synthetic_report(tmp_path_factory):
    from mitoscore import report
    mod = _load_builder()
    root = tmp_path_factory.mktemp("report_tree")
    config, params, rep = mod.make_results_tree(root)
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
    """(cohort, hr, ci_lower, ci_upper) of the primary univariable model, from the TSVs."""
    rows = []
    for cox in sorted((results / "cohorts").glob("*/survival/cox.tsv")):
        t = pd.read_csv(cox, sep="\t", na_values=["NA"])
        r = t[(t["analysis"] == "primary") & (t["term"] == "score_per_sd")]
        if len(r):
            rows.append((cox.parents[1].name, r.iloc[0]))
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
    html, results = rendered
    dom = _browse(chromium, html, tmp_path, "--dump-dom").stdout
    rows = _primary_rows(results)
    assert rows, "no primary Cox rows in the results"
    cox_sec = dom[dom.index('<section id="cox">'):dom.index('<section id="ph">')]
    for cohort, r in rows:
        part = cox_sec[cox_sec.index(cohort):]
        row = re.search(r'<tr class="primary">(.*?)</tr>', part, re.S).group(1)
        for col in ("hr", "ci_lower", "ci_upper"):
            m = re.search(rf'data-col="{col}" data-v="([^"]+)">([^<]+)<', row)
            assert m, f"{cohort}: {col} cell missing"
            assert float(m.group(1)) == pytest.approx(float(r[col]), rel=1e-9)
            assert m.group(2) == f"{float(r[col]):.2f}"
    # both reports (synthetic tree and demo run) have a primary meta-analysis row
    t = pd.read_csv(results / "summary" / "meta_analysis.tsv", sep="\t")
    p = t[t["analysis"] == "primary"]
    assert len(p) == 1, t
    r = p.iloc[0]
    ci = f"{r['hr']:.2f} ({r['ci_lower']:.2f}-{r['ci_upper']:.2f})"
    assert ci in dom[dom.index('<section id="meta">'):]


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
