#!/usr/bin/env python3
"""`make bench`: speed and memory of mitoscore against the R workflow a user would write.

Every measurement runs in a fresh process; wall time and the peak RSS of the largest
process of its tree come from wait4(). R is measured in the same run when `Rscript`
with DESeq2/GSVA is installed (``../shared/oracle/setup.sh`` installs it); otherwise
the R columns say "not installed".

Sections (written to --out as Markdown, raw rows to bench/out/benchmarks.tsv):
  1. DE: mitoscore (vectorised inference) vs R DESeq2 on 20000 x 150 and 20000 x 700
     (log2FC max |diff| vs R, same padj<0.1 set), pydeseq2 DefaultInference on 20000 x 150.
  2. Scoring: the random-signature null (1000 sets x 700 samples x 20000 genes);
     50 sets x 150 samples vs R GSVA ssGSEA and gseapy.
  2b. GSEA prerank of one contrast: 3 collections (~1,170 sets tested) x 1000 permutations x
     20000 genes, mitoscore's rule code vs gseapy.prerank (bench/bench_gsea.py).
  3. Whole workflow: one 700 x 20000 SYNTHETIC cohort through every analysis (1000 random
     sets, 1000 bootstraps); scaling with samples (150/300/700) and genes (6000/10000/20000; the simulator needs all 5109 MitoCarta + Hallmark genes);
     a 4-cohort, 3000-patient run.

Usage: python bench/run_bench.py --out docs/benchmarks.md [--quick] [--skip-r] [--skip-workflow]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MITOSCORE_SHARED", REPO.parent / "shared")).resolve()
ORACLE = SHARED / "oracle"
PY = sys.executable
ROWS: list[dict] = []


def measure(cmd: list[str], *, cwd: Path | None = None, env=None) -> tuple[float, str]:
    """Run ``cmd``; return (wall seconds, stdout); raise with the output tail on failure."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return wall, proc.stdout


def measure_isolated(cmd, **kw):
    """Like measure, but wrapped in a tiny Python parent so peak RSS is per measurement."""
    wrapper = [PY, "-c", (
        "import os,resource,subprocess,sys,time;"
        "t=time.perf_counter();p=subprocess.run(sys.argv[1:],capture_output=True,text=True);"
        "w=time.perf_counter()-t;r=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024;"
        "sys.stdout.write(p.stdout);sys.stderr.write(p.stderr);"
        "print(f'\\n__BENCH__ {w:.3f} {r:.1f}');sys.exit(p.returncode)"), *cmd]
    _, out = measure(wrapper, **kw)
    line = [x for x in out.splitlines() if x.startswith("__BENCH__")][-1].split()
    return float(line[1]), float(line[2]), out


def record(section, task, **kw):
    row = {"section": section, "task": task, **kw}
    ROWS.append(row)
    print("  ", json.dumps(row, default=str), flush=True)


def r_available() -> bool:
    if not shutil.which("Rscript"):
        return False
    p = subprocess.run(["Rscript", "-e", "suppressMessages({library(DESeq2);library(GSVA)})"],
                       capture_output=True)
    return p.returncode == 0


def make_fixture(n_genes: int, n_samples: int, seed: int, out: Path) -> Path:
    """The oracle's generator (bench_de.simulate), once per size."""
    if not (out / "counts.tsv").exists():
        sys.path.insert(0, str(REPO / "bench"))
        from bench_de import simulate

        simulate(n_genes, n_samples, seed, str(out))
    return out


# --------------------------------------------------------------------------- DE
def bench_de(work: Path, sizes, with_r: bool, default_sizes) -> None:
    print("DE", flush=True)
    for n_genes, n_samples, seed in sizes:
        fx = make_fixture(n_genes, n_samples, seed, work / f"fixture_{n_genes}x{n_samples}")
        tsv = work / f"de_{n_genes}x{n_samples}.tsv"
        tsv.unlink(missing_ok=True)
        inf = ["default", "fast"] if (n_genes, n_samples) in default_sizes else ["fast"]
        wall, rss, _ = measure_isolated([PY, str(REPO / "bench" / "bench_de.py"), "--fixture", str(fx),
                                         "--inference", *inf, "--n-cpus", "2", "--out", str(tsv),
                                         "--keep-results", str(work / f"py_{n_genes}x{n_samples}.tsv")])
        res = pd.read_csv(tsv, sep="\t")
        for r in res.itertuples():
            # the process's wall time is the fast back end's only when it ran alone
            record("de", f"mitoscore DE ({r.inference} inference)", n_genes=n_genes, n_samples=n_samples,
                   compute_s=r.seconds, wall_s=wall if r.inference == "fast" and len(inf) == 1 else None,
                   peak_rss_mib=rss,
                   n_sig=r.n_sig, note=f"vs default: max|dLFC|={r.max_lfc_diff_vs_default}, "
                                       f"Jaccard={r.jaccard_vs_default}")
        if with_r:
            rt = work / f"r_{n_genes}x{n_samples}.tsv"
            wall, rss, out = measure_isolated(["Rscript", str(REPO / "bench" / "deseq2_results.R"), str(fx),
                                               str(rt)])
            line = [x for x in out.splitlines() if x.startswith("deseq2\t")][-1].split("\t")
            py = pd.read_csv(work / f"py_{n_genes}x{n_samples}.tsv", sep="\t").set_index("gene")
            r = pd.read_csv(rt, sep="\t").set_index("gene").loc[py.index]
            dl = float((py.log2FoldChange - r.log2FoldChange).abs().max())
            sp, sr = set(py.index[py.padj < 0.1]), set(r.index[r.padj < 0.1])
            same_na = bool((py.padj.isna() == r.padj.isna()).all())
            record("de", "R DESeq2 1.38 DESeq()+results()", n_genes=n_genes, n_samples=n_samples,
                   compute_s=float(line[1]), wall_s=wall, peak_rss_mib=rss, n_sig=len(sr),
                   note=f"mitoscore vs R: max|dLFC|={dl:.2e}, padj<0.1 sets identical={sp == sr} "
                        f"({len(sp)}/{len(sr)}), same NA pattern={same_na}")


# --------------------------------------------------------------------------- scoring
def bench_scores(work: Path, quick: bool, with_r: bool) -> None:
    print("scoring", flush=True)
    g, s, k = (5000, 200, 100) if quick else (20000, 700, 1000)
    out = work / "scores.tsv"
    out.unlink(missing_ok=True)
    wall, rss, _ = measure_isolated([PY, str(REPO / "bench" / "bench_scores.py"), "--genes", str(g), "--samples",
                                     str(s), "--sets", str(k), "--threads", "2", "--out", str(out)])
    for r in pd.read_csv(out, sep="\t").itertuples():
        record("scores", r.task, n_genes=r.n_genes, n_samples=r.n_samples, n_sets=r.n_sets, compute_s=r.seconds,
               peak_rss_mib=getattr(r, "peak_rss_mib", None), note=f"max |diff| / range = {r.max_rel_diff}")
    if with_r and not quick:
        fx = make_fixture(20000, 150, 20240602, work / "fixture_20000x150")
        wall, rss, o = measure_isolated(["Rscript", str(ORACLE / "time_r.R"), "ssgsea50", str(fx)])
        line = [x for x in o.splitlines() if x.startswith("ssgsea50")][-1].split("\t")
        record("scores", "R GSVA 1.46 ssGSEA, 50 random sets (serial)", n_genes=20000, n_samples=150, n_sets=50,
               compute_s=float(line[1]), wall_s=wall, peak_rss_mib=rss)
        code = ("import sys,time,pandas as pd,numpy as np;sys.path.insert(0,%r);"
                "from mitoscore.scores import ssgsea,log2_normalised,median_of_ratios;"
                "from mitoscore.io import read_gmt;c=pd.read_csv(%r,sep='\\t',index_col=0);"
                "x=log2_normalised(c,median_of_ratios(c));"
                "s={k:v[1] for k,v in read_gmt(%r).items() if k.startswith('RANDOM_SET')};"
                "t=time.perf_counter();ssgsea(x,s,threads=2);print('T',time.perf_counter()-t)") % (
            str(REPO), str(fx / "counts.tsv"), str(fx / "genesets.gmt"))
        wall, rss, o = measure_isolated([PY, "-c", code])
        t = float([x for x in o.splitlines() if x.startswith("T ")][-1].split()[1])
        record("scores", "mitoscore ssGSEA, 50 random sets (same fixture as R)", n_genes=20000, n_samples=150,
               n_sets=50, compute_s=t, wall_s=wall, peak_rss_mib=rss)


# --------------------------------------------------------------------------- GSEA
GSEA_TASKS = {"mitoscore": "mitoscore gsea (gseapy engine for the observed ES, vectorised null), 2 threads",
              "gseapy": "gseapy 1.3.1 prerank (its own permutation null), threads=2 (gseapy caps it at cpu_count - 1)"}


def bench_gsea(work: Path, quick: bool) -> None:
    """One contrast: the three shipped collections x 1000 permutations x 20000 genes
    (bench/bench_gsea.py), mitoscore's rule code and gseapy.prerank on the same input."""
    print("gsea", flush=True)
    w, script = work / "gsea", str(REPO / "bench" / "bench_gsea.py")
    perm = 100 if quick else 1000
    measure([PY, script, "--engine", "fixture", "--work", str(w)])
    for engine in ("mitoscore", "gseapy"):
        wall, rss, out = measure_isolated([PY, script, "--engine", engine, "--work", str(w), "--perm", str(perm)])
        r = json.loads([x for x in out.splitlines() if x.startswith("{")][-1])
        record("gsea", GSEA_TASKS[engine], n_genes=r["n_genes"], n_sets=r["n_sets"], n_perm=perm,
               compute_s=r["seconds"], wall_s=wall, peak_rss_mib=rss)
    _, out = measure([PY, script, "--engine", "compare", "--work", str(w)])
    c = json.loads([x for x in out.splitlines() if x.startswith("{")][-1])
    ROWS[-1]["note"] = (f"vs mitoscore: same {c['n_sets']} sets = {c['same_sets']}, ES max abs. difference "
                        f"{c['max_abs_es_diff']:.1e}, leading edges identical = {c['leading_edge_identical']}; "
                        f"NES max abs. difference {c['max_abs_nes_diff']:.2f} (r = {c['nes_corr']:.4f}), FDR < 0.25: "
                        f"{c['fdr25_mitoscore']} vs {c['fdr25_gseapy']} sets (Jaccard {c['fdr25_jaccard']:.2f}); "
                        "NES/p/FDR differ by Monte-Carlo error only (other permutations; equal for the same "
                        "permutations, tests/unit/test_gsea.py)")


# --------------------------------------------------------------------------- whole workflow
def simulate_cohorts(outdir: Path, specs: list[tuple[str, int, int]], n_genes: int) -> list[dict]:
    sys.path.insert(0, str(REPO))
    from mitoscore import simulate

    rows = []
    outdir.mkdir(parents=True, exist_ok=True)
    for i, (name, n, seed) in enumerate(specs):
        counts_f = outdir / f"SYNTHETIC_{name}_counts.tsv.gz"
        if not counts_f.exists():
            params = simulate.SimParams(n_samples=n, seed=seed)
            counts, clinical, _ = simulate.build_cohort(f"SYNTHETIC_{name}", SHARED / "data", params,
                                                        n_genes=n_genes)
            simulate.write_cohort(outdir, f"SYNTHETIC_{name}", counts, clinical, params)
        rows.append({"cohort": f"SYNTHETIC_{name}", "counts": str(counts_f),
                     "clinical": str(outdir / f"SYNTHETIC_{name}_clinical.tsv"),
                     # the first cohort is the discovery cohort (signature derivation runs there)
                     "role": "discovery" if i == 0 else "validation",
                     "gene_ids": "symbol", "id_column": "sample_id", "time_column": "os_months",
                     "event_column": "os_event", "time_unit": "months", "treatment_column": "treatment",
                     "reference_arm": "intensive chemo", "response_column": "best_response",
                     "response_coding": "CR/CRi=1,refractory=0", "covariates": "age,sex,eln2017",
                     "reference_levels": "sex=F,eln2017=favorable", "description": "SYNTHETIC benchmark cohort"})
    return rows


def run_workflow(work: Path, rows: list[dict], *, n_random: int, n_boot: int) -> tuple[float, float]:
    if work.exists():
        shutil.rmtree(work)
    (work / "config").mkdir(parents=True)
    shutil.copytree(REPO / "config" / "signatures", work / "config" / "signatures")
    shutil.copytree(REPO / "config" / "genesets", work / "config" / "genesets")
    pd.DataFrame(rows).to_csv(work / "config" / "cohorts.tsv", sep="\t", index=False)
    cfg = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    cfg["random_sets"]["n_random_sets"] = n_random
    cfg["survival"]["n_bootstrap"] = n_boot
    cfg["report"]["reporting"] = "config/reporting_missing.yaml"
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    wall, rss, _ = measure_isolated([PY, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(work),
                                     "--configfile", str(work / "config" / "config.yaml"), "--cores", "2",
                                     "--quiet", "all"])
    return wall, rss


def bench_workflow(work: Path, quick: bool) -> None:
    print("workflow", flush=True)
    n_random, n_boot = (100, 100) if quick else (1000, 1000)
    big = 700 if not quick else 150
    sims = work / "sim"
    plan = [("samples", 150, 20000), ("samples", 300, 20000), ("samples", big, 20000),
            ("genes", 300, 6000), ("genes", 300, 10000)]
    if quick:
        plan = [("samples", 80, 6000), ("samples", 150, 6000), ("genes", 80, 8000)]
    for axis, n, g in plan:
        rows = simulate_cohorts(sims / f"g{g}", [(f"bench{n}", n, 1000 + n)], n_genes=g)
        wall, rss = run_workflow(work / f"wf_{n}x{g}", rows, n_random=n_random, n_boot=n_boot)
        record("workflow", f"one cohort, every analysis ({n_random} random sets, {n_boot} bootstraps)",
               axis=axis, n_samples=n, n_genes=g, wall_s=wall, peak_rss_mib=rss)
    if not quick:
        rows = simulate_cohorts(sims / "g20000", [(f"consortium{i}", 750, 2000 + i) for i in range(4)],
                                n_genes=20000)
        wall, rss = run_workflow(work / "wf_4x750", rows, n_random=n_random, n_boot=n_boot)
        record("workflow", "4 cohorts x 750 patients (3000), every analysis", n_samples=3000, n_genes=20000,
               wall_s=wall, peak_rss_mib=rss)


# --------------------------------------------------------------------------- report
def machine() -> dict:
    info = {"date (UTC)": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M"),
            "cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
            "python": platform.python_version()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        mem = [x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")][0]
        info["memory"] = f"{int(mem.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    from importlib.metadata import version

    for pkg in ("mitoscore", "snakemake", "pydeseq2", "gseapy", "lifelines", "numpy", "pandas", "scipy"):
        info[pkg] = version(pkg)
    if shutil.which("Rscript"):
        p = subprocess.run(["Rscript", "-e", "cat(R.version.string, as.character(packageVersion('DESeq2')), "
                                             "as.character(packageVersion('GSVA')))"], capture_output=True,
                           text=True)
        info["R / DESeq2 / GSVA"] = p.stdout.strip() or "not installed"
    else:
        info["R / DESeq2 / GSVA"] = "not installed"
    try:
        info["git commit"] = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                            capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    return info


def fmt(x, nd=1):
    if x is None or (isinstance(x, float) and pd.isna(x)):
        return ""
    return f"{x:.{nd}f}" if isinstance(x, float) else str(x)


def de_pairs(df: pd.DataFrame):
    """(genes, samples, fast row, R row) for every DE size measured with both back ends."""
    de = df[df.section == "de"] if len(df) else df
    for (g, s), sub in (de.groupby(["n_genes", "n_samples"]) if len(de) else []):
        fast = sub[sub.task.str.contains("fast")]
        r = sub[sub.task.str.startswith("R ")]
        if len(fast) and len(r):
            yield g, s, fast.iloc[0], r.iloc[0]


def growth(df: pd.DataFrame) -> list[str]:
    """How wall time and peak memory grow along each scaling axis (first vs last size)."""
    if not len(df) or "axis" not in df:
        return []
    out = ["", "Growth (ratio of the largest to the smallest size on each axis):", ""]
    for axis, key, fixed in (("samples", "n_samples", "n_genes"), ("genes", "n_genes", "n_samples")):
        sub = df[(df.section == "workflow") & (df.axis == axis)].sort_values(key)
        if axis == "genes":  # the gene axis at 300 samples includes the 300 x 20000 sample-axis run
            sub = df[(df.section == "workflow") & (df.n_samples == 300)].sort_values("n_genes")
        if len(sub) < 2:
            continue
        a, b = sub.iloc[0], sub.iloc[-1]
        out.append(f"- {axis}: {int(a[key])} -> {int(b[key])} ({b[key] / a[key]:.1f}x) at {int(a[fixed])} "
                   f"{fixed[2:]}: wall {a.wall_s:.0f} -> {b.wall_s:.0f} s ({b.wall_s / a.wall_s:.1f}x), peak memory "
                   f"{a.peak_rss_mib:.0f} -> {b.peak_rss_mib:.0f} MiB ({b.peak_rss_mib / a.peak_rss_mib:.1f}x)")
    return out


def targets(df: pd.DataFrame) -> list[str]:
    """One line per performance target, with the measured value and met / NOT met."""
    out = []

    def line(name, value, ok):
        out.append(f"- {name}: {value} -> {'met' if ok else 'NOT met'}")

    if not len(df):
        return ["(nothing measured)"]
    for g, s, fast, r in de_pairs(df):
        ratio = fast.compute_s / r.compute_s
        line(f"DE {g} x {s} at most 0.5x R DESeq2 with identical results", f"{ratio:.2f}x; {r.note}",
             ratio <= 0.5 and "identical=True" in str(r.note))
    sc = df[(df.section == "scores") & df.task.eq("fast_ssgsea_2thread")]
    if len(sc):
        r = sc.iloc[0]
        line(f"random-signature null {int(r.n_sets)} sets x {int(r.n_samples)} samples x {int(r.n_genes)} genes "
             "under 10 s on 2 cores", f"{r.compute_s:.2f} s", r.compute_s < 10)
    gs = df[(df.section == "gsea") & df.task.str.startswith("mitoscore")] if "section" in df else df.iloc[0:0]
    if len(gs):
        r = gs.iloc[0]
        line(f"GSEA prerank of one contrast, 3 collections ({int(r.n_sets)} sets tested) x {int(r.n_perm)} "
             f"permutations x {int(r.n_genes)} genes, at most 60 s on 2 cores",
             f"{r.wall_s:.1f} s wall (whole process), peak {r.peak_rss_mib:.0f} MiB", r.wall_s <= 60)
    wf = df[df.section == "workflow"]
    one = wf[(wf.task.str.startswith("one cohort")) & (wf.n_samples == 700) & (wf.n_genes == 20000)] if len(wf) else wf
    if len(one):
        r = one.iloc[0]
        line("700 x 20000 cohort, every analysis, under 10 min and 4 GB",
             f"{r.wall_s / 60:.1f} min, {r.peak_rss_mib / 1024:.2f} GiB", r.wall_s < 600 and r.peak_rss_mib < 4096)
    big = wf[wf.task.str.startswith("4 cohorts")]
    if len(big):
        r = big.iloc[0]
        line("4 cohorts, 3000 patients, under 30 min", f"{r.wall_s / 60:.1f} min, peak {r.peak_rss_mib / 1024:.2f} GiB",
             r.wall_s < 1800)
    return out or ["(no target measured)"]


SCORE_LABELS = {
    "fast_ssgsea_1thread": "mitoscore ssGSEA (closed form), random-signature null, 1 thread",
    "fast_ssgsea_2thread": "mitoscore ssGSEA (closed form), random-signature null, 2 threads",
    "exact_reference": "literal GSVA 1.46 running-sum walk (Python reference), subset",
    "gseapy_rank": "gseapy ssgsea (sample_norm_method=rank), subset",
    "fast_ssgsea_same_subset": "mitoscore ssGSEA, the same subset as gseapy",
}


def _readable(df: pd.DataFrame) -> pd.DataFrame:
    """Plain-language task names and notes for the scoring rows; integer counts."""
    df = df.copy()
    if not len(df):
        return df
    sc = df.section == "scores"
    note = df["note"].astype(object) if "note" in df else pd.Series("", index=df.index, dtype=object)
    for i in df.index[sc]:
        t, n = df.at[i, "task"], str(note.get(i, "") or "")
        diff = n.split("=")[-1].strip() if "=" in n else ""
        if t == "exact_reference" and diff not in ("", "nan"):
            note[i] = f"mitoscore vs the literal walk: max |diff| / score range = {float(diff):.1e}"
        elif t == "gseapy_rank" and diff not in ("", "nan"):
            note[i] = (f"gseapy vs mitoscore: max |diff| / range = {100 * float(diff):.1f}% (gseapy's tie order; "
                       "GSVA itself is matched to 8e-13, docs/statistics.md)")
        elif diff == "nan":
            note[i] = ""
        df.at[i, "task"] = SCORE_LABELS.get(t, t)
    for i in df.index[df.section == "de"]:
        t, n = df.at[i, "task"], str(note.get(i, "") or "")
        if "(default inference)" in t:
            note[i] = "pydeseq2 DefaultInference (reference for the next row)"
        elif "(fast inference)" in t:
            if "nan" in n or not n:
                note[i] = "not compared with pydeseq2 at this size (see the R row)"
            else:
                parts = dict(x.split("=") for x in n.replace("vs default: ", "").split(", "))
                note[i] = (f"vs pydeseq2 DefaultInference: max |dLFC| {float(parts['max|dLFC|']):.1e}, padj<0.1 "
                           f"Jaccard {float(parts['Jaccard']):.4f} (fast follows R DESeq2's dispersion search, "
                           "not pydeseq2's optimiser; see the R row)")
    df["note"] = note
    for c in ("n_genes", "n_samples", "n_sets", "n_sig", "n_perm"):
        if c in df:
            df[c] = df[c].map(lambda x: "" if pd.isna(x) else str(int(x)))
    return df


def write_markdown(path: Path, info: dict, quick: bool) -> None:
    df = pd.DataFrame(ROWS)
    tgt = targets(df)
    df = _readable(df)
    lines = ["# Benchmarks", "",
             "Written by `make bench` (`bench/run_bench.py`); every measurement is a fresh process; peak RSS is "
             "the largest single process of the measurement. " + ("**QUICK mode (small sizes).**" if quick else ""),
             "", "## Machine and versions", "", "| item | value |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in info.items()]

    def table(section, cols, heads):
        sub = df[df.section == section] if len(df) else df
        if sub is None or not len(sub):
            return ["", "(not run)"]
        out = ["", "| " + " | ".join(heads) + " |", "|" + " --- |" * len(heads)]
        for _, r in sub.iterrows():
            out.append("| " + " | ".join(fmt(r.get(c)) for c in cols) + " |")
        return out

    lines += ["", "## Differential expression", ""]
    lines += ["Compute time excludes reading the input (as the oracle's R timings). Targets: at most 0.5x the R "
              "DESeq2 time with identical results (log2FC within 1e-4 of R, same padj<0.1 set)."]
    lines += table("de", ["task", "n_genes", "n_samples", "compute_s", "wall_s", "peak_rss_mib", "n_sig", "note"],
                   ["task", "genes", "samples", "compute s", "wall s", "peak MiB", "padj<0.1", "agreement"])
    if len(df) and (df.section == "de").any():
        ratios = []
        for g, s, fast, r in de_pairs(df):
            # no wall time is recorded for a fast row measured in the same process as the default
            wall = (f"wall {fast.wall_s / r.wall_s:.2f}x" if pd.notna(fast.wall_s) else
                    "wall not separable: same process as the pydeseq2 default back end")
            ratios.append(f"- {g} x {s}: mitoscore / R DESeq2 compute time = {fast.compute_s / r.compute_s:.2f}x "
                          f"({wall})")
        lines += ["", "Ratios measured in this run:", ""] + (ratios or ["- R not installed: no ratio"])
    lines += ["", "## Signature scoring", ""]
    lines += table("scores", ["task", "n_genes", "n_samples", "n_sets", "compute_s", "wall_s", "peak_rss_mib", "note"],
                   ["task", "genes", "samples", "sets", "compute s", "wall s", "peak MiB", "note"])
    lines += ["", "## Pathway enrichment (GSEA prerank, one contrast)", ""]
    lines += ["MitoCarta3.0 pathways + Hallmark + Reactome (config/genesets), synthetic Wald statistics with 6 "
              "planted sets (bench/bench_gsea.py); wall time and peak memory of the whole process (Python start, "
              "imports, collections read and harmonised); compute = the engine's own run."]
    lines += table("gsea", ["task", "n_genes", "n_sets", "n_perm", "compute_s", "wall_s", "peak_rss_mib", "note"],
                   ["task", "genes", "sets", "permutations", "compute s", "wall s", "peak MiB", "note"])
    lines += ["", "## Whole workflow (2 cores)", ""]
    lines += table("workflow", ["task", "axis", "n_samples", "n_genes", "wall_s", "peak_rss_mib"],
                   ["run", "scaling axis", "samples", "genes", "wall s", "peak MiB"])
    lines += growth(pd.DataFrame(ROWS))
    lines += ["", "## Targets (issue: cohorts at scale)", ""] + tgt
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    (REPO / "bench" / "out").mkdir(exist_ok=True)
    pd.DataFrame(ROWS).to_csv(REPO / "bench" / "out" / "benchmarks.tsv", sep="\t", index=False)  # raw rows
    (REPO / "bench" / "out" / "machine.json").write_text(json.dumps({**info, "quick": quick}, indent=1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(REPO / "docs" / "benchmarks.md"))
    ap.add_argument("--work", default="/tmp/mitoscore-bench")
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test of the harness)")
    ap.add_argument("--skip-r", action="store_true")
    ap.add_argument("--skip-workflow", action="store_true")
    ap.add_argument("--only", choices=["de", "scores", "gsea", "workflow"], default=None)
    ap.add_argument("--render-only", action="store_true",
                    help="re-write --out from the last run's bench/out/benchmarks.tsv without measuring")
    a = ap.parse_args()
    if a.render_only:
        raw = pd.read_csv(REPO / "bench" / "out" / "benchmarks.tsv", sep="\t")
        ROWS.extend(r.dropna().to_dict() for _, r in raw.iterrows())
        info = json.loads((REPO / "bench" / "out" / "machine.json").read_text())
        quick = bool(info.pop("quick", False))
        write_markdown(Path(a.out), info, quick=quick)
        print(f"wrote {a.out}")
        return
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    with_r = not a.skip_r and r_available()
    print(f"R available: {with_r}", flush=True)
    info = machine()
    if a.only in (None, "de"):
        sizes = [(3000, 60, 11)] if a.quick else [(20000, 150, 20240602), (20000, 700, 20240603)]
        default_sizes = {(3000, 60)} if a.quick else {(20000, 150)}
        bench_de(work, sizes, with_r, default_sizes)
    if a.only in (None, "scores"):
        bench_scores(work, a.quick, with_r)
    if a.only in (None, "gsea"):
        bench_gsea(work, a.quick)
    if a.only in (None, "workflow") and not a.skip_workflow:
        bench_workflow(work, a.quick)
    write_markdown(Path(a.out), info, a.quick)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
