"""Per-rule time and memory of one workflow run, from Snakemake's benchmark files.

Every rule writes ``benchmark:`` files under ``<results_dir>/benchmarks/`` (``res("benchmarks/...")``,
one per wildcard set; tests/unit/test_rules.py requires them on the heavy rules). This script
maps each file back to its rule with the rules' own ``benchmark:`` patterns (workflow/rules/*.smk)
and writes one row per rule: jobs, total and max wall seconds over its jobs, CPU seconds, max RSS.
A run without benchmark files (e.g. from before they existed) can be read from Snakemake's own
log instead (``--log``: each job's wall time from its start and "Finished jobid" time stamps,
1 s resolution; no CPU or memory).

Usage:
    python bench/rule_table.py RUN_DIR                       # print the Markdown table
    python bench/rule_table.py RUN_DIR --before OLD_RUN_DIR  # with the old run's columns beside it
    python bench/rule_table.py RUN_DIR --out docs/benchmarks.md --wall 58.2 [--before ...] [--note TEXT]
    python bench/rule_table.py RUN_DIR --before-log OLD_SNAKEMAKE.log  # the old run from its log
    options: --results-dir NAME (default results: the config's results_dir), --title, --marker

With ``--out`` the section between the markers ``<!-- rule_table:begin -->`` and
``<!-- rule_table:end -->`` ("Per rule, demo run") is replaced (appended when absent); the rest of
the file is left alone. ``--wall`` / ``--before-wall`` are the whole runs' wall seconds, measured
outside Snakemake (e.g. ``/usr/bin/time``); they are printed as given.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def benchmark_patterns(rules_dir: Path = REPO / "workflow" / "rules") -> dict[str, re.Pattern]:
    """rule name -> regex matching the paths of its benchmark files (wildcards: no slash)."""
    out = {}
    for smk in sorted(rules_dir.glob("*.smk")):
        text = smk.read_text()
        for m in re.finditer(r"^rule (\w+):\n(.*?)(?=^rule |\Z)", text, flags=re.M | re.S):
            b = re.search(r"^\s+benchmark:\s*\n\s+(?:res\()?\"([^\"]+)\"", m.group(2), re.M)
            if b:
                parts = re.split(r"(\{\w+\})", b.group(1))
                rx = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts if p)
                out[m.group(1)] = re.compile(rx + r"\Z")
    return out


def read_log(log: Path) -> pd.DataFrame:
    """One row per finished job of a Snakemake log (rule, file = "jobid N", s = finish - start
    time stamps, whole seconds); max_rss and cpu_time NaN."""
    import datetime as dt

    stamp = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")
    start, rule_of, rows, now, pending = {}, {}, [], None, None
    for line in log.read_text().splitlines():
        m = stamp.match(line.strip())
        if m:
            now = dt.datetime.strptime(" ".join(m.group(1).split()), "%a %b %d %H:%M:%S %Y")
            continue
        m = re.match(r"^(?:local)?rule (\w+):$", line.strip())
        if m:
            pending = (m.group(1), now)
            continue
        m = re.match(r"^jobid: (\d+)$", line.strip())
        if m and pending:
            rule_of[m.group(1)], start[m.group(1)] = pending
            pending = None
            continue
        m = re.match(r"^Finished jobid: (\d+)", line.strip())
        if m and m.group(1) in start and rule_of[m.group(1)] != "all":
            j = m.group(1)
            rows.append({"rule": rule_of[j], "file": f"jobid {j}", "s": (now - start[j]).total_seconds(),
                         "max_rss": float("nan"), "cpu_time": float("nan")})
    return pd.DataFrame(rows, columns=["rule", "file", "s", "max_rss", "cpu_time"])


def read_benchmarks(run_dir: Path, results_dir: str = "results") -> pd.DataFrame:
    """One row per benchmark file of a run: rule, file, s, max_rss (MiB), cpu_time (s)."""
    pats = benchmark_patterns()
    rows = []
    root = run_dir / results_dir
    for f in sorted((root / "benchmarks").rglob("*.tsv")):
        rel = f.relative_to(root).as_posix()
        # the most specific pattern wins (e.g. a literal name before a {wildcard} one)
        hits = sorted((r for r, rx in pats.items() if rx.match(rel)), key=lambda r: -len(pats[r].pattern))
        if not hits:
            print(f"warning: {rel} matches no rule's benchmark pattern", file=sys.stderr)
            continue
        b = pd.read_csv(f, sep="\t", na_values=["-", "NA"])
        for _, r in b.iterrows():  # one line per repeat (benchmark: repeat())
            rows.append({"rule": hits[0], "file": rel, "s": float(r["s"]),
                         "max_rss": float(r["max_rss"]) if pd.notna(r["max_rss"]) else float("nan"),
                         "cpu_time": float(r["cpu_time"]) if pd.notna(r.get("cpu_time")) else float("nan")})
    return pd.DataFrame(rows, columns=["rule", "file", "s", "max_rss", "cpu_time"])


def per_rule(df: pd.DataFrame) -> pd.DataFrame:
    """rule, jobs, total_s, max_s, cpu_s, max_rss_mib; largest total first."""
    g = df.groupby("rule")
    t = pd.DataFrame({"jobs": g.size(), "total_s": g["s"].sum(), "max_s": g["s"].max(),
                      "cpu_s": g["cpu_time"].sum(min_count=1), "max_rss_mib": g["max_rss"].max()})
    return t.sort_values(["total_s", "jobs"], ascending=[False, False])


def _f(x, nd=1):
    return "" if x is None or pd.isna(x) else f"{x:.{nd}f}"


def markdown(run_dir: Path, before: Path | None = None, wall: float | None = None,
             before_wall: float | None = None, *, results_dir: str = "results",
             before_log: Path | None = None) -> list[str]:
    now = per_rule(read_benchmarks(run_dir, results_dir))
    old = (per_rule(read_log(before_log)) if before_log is not None
           else per_rule(read_benchmarks(before, results_dir)) if before is not None else None)
    heads = ["rule", "jobs", "total wall s", "max wall s", "CPU s", "max RSS MiB"]
    if old is not None:
        heads += ["before: total wall s", "before: max wall s", "before: max RSS MiB"]
    out = ["| " + " | ".join(heads) + " |", "|" + " --- |" * len(heads)]
    rules = list(now.index) + ([r for r in old.index if r not in now.index] if old is not None else [])
    for r in rules:
        row = now.loc[r] if r in now.index else None
        cells = [f"`{r}`", str(int(row.jobs)) if row is not None else "0",
                 *(_f(row[c]) if row is not None else "" for c in ("total_s", "max_s", "cpu_s")),
                 _f(row.max_rss_mib, 0) if row is not None else ""]
        if old is not None:
            o = old.loc[r] if r in old.index else None
            cells += [_f(o.total_s) if o is not None else "", _f(o.max_s) if o is not None else "",
                      _f(o.max_rss_mib, 0) if o is not None else ""]
        out.append("| " + " | ".join(cells) + " |")
    tot = ["**all jobs**", str(int(now.jobs.sum())), _f(now.total_s.sum()), _f(now.max_s.max()),
           _f(now.cpu_s.sum()), _f(now.max_rss_mib.max(), 0)]
    if old is not None:
        tot += [_f(old.total_s.sum()), _f(old.max_s.max()), _f(old.max_rss_mib.max(), 0)]
    out.append("| " + " | ".join(tot) + " |")
    if wall is not None:
        w = f"Whole run (Snakemake start to end, 2 cores): **{wall:.1f} s** wall"
        if before_wall is not None:
            w += f" (before: {before_wall:.1f} s)"
        out += ["", w + "."]
    return out


def write_section(path: Path, body: list[str], title: str = "Per rule, demo run", marker: str = "rule_table") -> None:
    """Replace (or append) the marked section of ``path``; the rest of the file is untouched."""
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    block = "\n".join([begin, f"## {title}", "", *body, end])
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir", type=Path, help="the directory Snakemake ran in (holds results/benchmarks/)")
    ap.add_argument("--before", type=Path, help="an earlier run to show beside it")
    ap.add_argument("--wall", type=float, help="whole-run wall seconds of run_dir")
    ap.add_argument("--before-wall", type=float, help="whole-run wall seconds of --before")
    ap.add_argument("--note", action="append", default=[], help="a paragraph printed above the table")
    ap.add_argument("--before-log", type=Path, help="an earlier run read from its Snakemake log (no benchmark files)")
    ap.add_argument("--results-dir", default="results", help="the run's results_dir (config), relative to run_dir")
    ap.add_argument("--out", type=Path, help="Markdown file whose marked section is rewritten")
    ap.add_argument("--title", default="Per rule, demo run", help="heading of the section")
    ap.add_argument("--marker", default="rule_table", help="name in the section's begin/end comment markers")
    a = ap.parse_args(argv)
    body = [*(x for n in a.note for x in (n, "")),
            *markdown(a.run_dir, a.before, a.wall, a.before_wall, results_dir=a.results_dir, before_log=a.before_log)]
    if a.out:
        write_section(a.out, body, a.title, a.marker)
    else:
        print("\n".join(body))
    return 0


if __name__ == "__main__":
    sys.exit(main())
