#!/usr/bin/env python3
"""`make bench`: speed and memory of mitoscore against the R workflow a user would write.

Every measurement runs in a fresh process. Wall time; peak memory as said per section:
"peak MiB" of a single measurement is the largest process of its tree (wait4 ru_maxrss);
the whole-workflow runs of the scale section also sample the whole Snakemake process tree
(bench/treemon.py: sum of PSS over all processes every 0.25 s, and per rule script the
jobs, wall and CPU seconds). R is measured in the same run as the mitoscore rows it is
compared with, serially and with 2 cores (BiocParallel MulticoreParam(2)), when `Rscript`
with DESeq2/GSVA/BiocParallel is installed (``../shared/oracle/setup.sh``); otherwise the
R rows say "not installed".

Sections (written to --out as Markdown; raw rows kept in bench/out/benchmarks.tsv, so a
section can be re-measured alone with --only and the others are kept with their dates):
  de        DE: mitoscore (vectorised inference) vs R DESeq2 (1 and 2 cores) on 20000 x 150
            and 20000 x 700 (log2FC max |diff| vs R, same padj<0.1 set), pydeseq2
            DefaultInference on 20000 x 150.
  scores    the random-signature null (1000 sets x 700 samples x 20000 genes); 50 sets x 150
            samples vs R GSVA ssGSEA (serial and 2 cores) and gseapy.
  gsea      GSEA prerank of one contrast: 3 collections x 1000 permutations x 20000 genes,
            mitoscore's rule code vs gseapy.prerank (bench/bench_gsea.py).
  workflow  one SYNTHETIC cohort through every analysis, scaling with samples and genes;
            4 cohorts x 750 patients.
  scale     --cohorts (default 1,2,5,10) SYNTHETIC cohorts x --patients (1000) x --genes
            (20000) through the whole workflow with every analysis at its defaults (1000
            random sets, 1000 bootstraps, GSEA of every contrast with the 3 shipped
            collections x 1000 permutations); process-tree memory, per-rule time, report size
            and Chromium open time. Resumable: each cohort count is cached in
            bench/out/scale/ and skipped on the next run unless --force.

Usage: python bench/run_bench.py --out docs/benchmarks.md [--only SECTION] [--quick] [--skip-r]
       python bench/run_bench.py --only scale --cohorts 1,2,5,10 [--force]
       python bench/run_bench.py --render-only
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
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from treemon import TreeMonitor  # noqa: E402

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


def load1() -> float:
    """1-minute load average (the machine is shared: every row says how busy it was)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def now_utc() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")


def record(section, task, **kw):
    measured = kw.pop("measured_at", None) or now_utc()
    load = kw.pop("load_before", None)
    row = {"section": section, "task": task, "measured": measured,
           "load": round(load1() if load is None else load, 1), **kw}
    ROWS.append(row)
    print("  ", json.dumps(row, default=str), flush=True)


def measure_tree(cmd: list[str], *, cwd: Path | None = None, log: Path | None = None,
                 interval: float = 0.25) -> dict:
    """Run ``cmd`` and sample its whole process tree (bench/treemon.py).

    Returns wall seconds, peak tree PSS and RSS (MiB, sums over concurrent processes), the
    largest single process (wait4 ru_maxrss, MiB), per rule script rows and the 1-minute load
    average before and after."""
    before = load1()
    out = open(log, "w") if log else subprocess.DEVNULL
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        mon = TreeMonitor(proc.pid, interval)
        mon.start()
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        mon.stop()
    finally:
        if log:
            out.close()
    if proc.returncode != 0:
        tail = Path(log).read_text()[-4000:] if log else ""
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{tail}")
    return {"wall_s": wall, "peak_tree_pss_mib": mon.peak_pss, "peak_tree_rss_mib": mon.peak_rss,
            "largest_process_mib": ru.ru_maxrss / 1024, "per_script": mon.per_script(),
            "other_processes": mon.other_processes(),
            "load_before": before, "load_after": load1()}


def r_available() -> bool:
    if not shutil.which("Rscript"):
        return False
    p = subprocess.run(["Rscript", "-e", "suppressMessages({library(DESeq2);library(GSVA);library(BiocParallel)})"],
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
            py = pd.read_csv(work / f"py_{n_genes}x{n_samples}.tsv", sep="\t").set_index("gene")
            r_serial = None
            for cores in (1, 2):
                rt = work / f"r_{n_genes}x{n_samples}_c{cores}.tsv"
                wall, rss, out = measure_isolated(["Rscript", str(REPO / "bench" / "deseq2_results.R"), str(fx),
                                                   str(rt), str(cores)])
                line = [x for x in out.splitlines() if x.startswith("deseq2\t")][-1].split("\t")
                r = pd.read_csv(rt, sep="\t").set_index("gene").loc[py.index]
                dl = float((py.log2FoldChange - r.log2FoldChange).abs().max())
                sp, sr = set(py.index[py.padj < 0.1]), set(r.index[r.padj < 0.1])
                same_na = bool((py.padj.isna() == r.padj.isna()).all())
                note = (f"mitoscore vs R: max|dLFC|={dl:.2e}, padj<0.1 sets identical={sp == sr} "
                        f"({len(sp)}/{len(sr)}), same NA pattern={same_na}")
                if r_serial is not None:
                    same_r = bool(np.allclose(r.log2FoldChange, r_serial.log2FoldChange, rtol=0, atol=1e-12,
                                              equal_nan=True))
                    note += f"; R 2 cores = R serial: {same_r}"
                else:
                    r_serial = r
                task = ("R DESeq2 1.38 DESeq()+results(), serial" if cores == 1 else
                        "R DESeq2 1.38 DESeq(parallel=TRUE)+results(parallel=TRUE), MulticoreParam(2)")
                record("de", task, n_genes=n_genes, n_samples=n_samples, r_cores=cores,
                       compute_s=float(line[1]), wall_s=wall, peak_rss_mib=rss, n_sig=len(sr), note=note)


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
        for task, label in (("ssgsea50", "R GSVA 1.46 ssGSEA, 50 random sets (serial)"),
                            ("ssgsea50_mc2", "R GSVA 1.46 ssGSEA, 50 random sets, BPPARAM=MulticoreParam(2)")):
            wall, rss, o = measure_isolated(["Rscript", str(ORACLE / "time_r.R"), task, str(fx)])
            line = [x for x in o.splitlines() if x.startswith(task + "\t")][-1].split("\t")
            record("scores", label, n_genes=20000, n_samples=150, n_sets=50, compute_s=float(line[1]), wall_s=wall,
                   peak_rss_mib=rss)
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


def run_workflow(work: Path, rows: list[dict], *, n_random: int, n_boot: int, tree: bool = False):
    """Run the workflow on ``rows`` (cohort sheet) in a fresh directory ``work`` with every
    analysis at the shipped defaults except the given random-set / bootstrap counts.
    Returns (wall, largest process MiB), or with ``tree=True`` the :func:`measure_tree` dict."""
    if work.exists():
        shutil.rmtree(work)
    (work / "config").mkdir(parents=True)
    shutil.copytree(REPO / "config" / "signatures", work / "config" / "signatures")
    shutil.copytree(REPO / "config" / "genesets", work / "config" / "genesets")
    pd.DataFrame(rows).to_csv(work / "config" / "cohorts.tsv", sep="\t", index=False)
    cfg = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    cfg["random_sets"]["n_random_sets"] = n_random
    cfg["survival"]["n_bootstrap"] = n_boot
    cfg["report"].pop("reporting", None)  # no reporting items: every REMARK item is flagged MISSING
    cfg["report"]["title"] = "mitoscore benchmark (SYNTHETIC cohorts)"
    cfg["report"]["demo_truth"] = None
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    cmd = [PY, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(work),
           "--configfile", str(work / "config" / "config.yaml"), "--cores", "2", "--quiet", "all"]
    if tree:
        return measure_tree(cmd, log=work / "snakemake.out")
    wall, rss, _ = measure_isolated(cmd)
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


# --------------------------------------------------------------------------- scale
SCALE_DIR = REPO / "bench" / "out" / "scale"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--mute-audio", "--hide-scrollbars"]


def chromium_open(html: Path, repeats: int = 3) -> tuple[float, float] | None:
    """Seconds for headless Chromium to load ``html`` and serialise its DOM (--dump-dom, which
    returns after the load event), best of ``repeats``, and the same for an empty page (the
    browser's own start-up). None if Chromium is not installed."""
    exe = next((c for c in ("/usr/bin/chromium", shutil.which("chromium") or "") if c and Path(c).exists()), None)
    if not exe:
        return None
    empty = html.parent / "_bench_empty.html"
    empty.write_text("<!doctype html><title>empty</title>")

    def best(page: Path) -> float:
        times = []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as prof:
                t0 = time.perf_counter()
                subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={prof}", "--dump-dom",
                                page.resolve().as_uri()], capture_output=True, timeout=300)
                times.append(time.perf_counter() - t0)
        return min(times)

    try:
        return best(html), best(empty)
    finally:
        empty.unlink(missing_ok=True)


def scale_specs(n_cohorts: int, patients: int) -> list[tuple[str, int, int]]:
    """Cohort k (0-based) of the scale runs: name, patients, seed (the same for every run, so
    the 1-cohort run is the first cohort of the 10-cohort run)."""
    return [(f"scale{i}", patients, 3000 + i) for i in range(n_cohorts)]


def bench_scale(work: Path, cohorts: list[int], patients: int, genes: int, force: bool, quick: bool) -> None:
    """Every analysis at its defaults on k SYNTHETIC cohorts x ``patients`` x ``genes`` for each
    k in ``cohorts``; one cached JSON per k in bench/out/scale/ (resumable)."""
    print("scale", flush=True)
    n_random, n_boot = (100, 100) if quick else (1000, 1000)
    SCALE_DIR.mkdir(parents=True, exist_ok=True)
    sims = work / "scale" / "sim"
    for k in sorted(set(cohorts)):
        key = f"k{k}_p{patients}_g{genes}" + ("_quick" if quick else "")
        cache = SCALE_DIR / f"{key}.json"
        if cache.exists() and not force:
            res = json.loads(cache.read_text())
            print(f"   {key}: cached ({res['measured']}), --force to re-measure", flush=True)
        else:
            t0 = time.perf_counter()
            rows = simulate_cohorts(sims / f"g{genes}", scale_specs(k, patients), n_genes=genes)
            print(f"   {key}: cohorts ready in {time.perf_counter() - t0:.0f} s; running the workflow", flush=True)
            measured = now_utc()
            wf = work / "scale" / f"wf_{key}"
            res = run_workflow(wf, rows, n_random=n_random, n_boot=n_boot, tree=True)
            html = wf / "results" / "report" / "index.html"
            res.update(measured=measured, cohorts=k, patients=patients, genes=genes, n_random=n_random,
                       n_boot=n_boot, report_mib=html.stat().st_size / 2**20, n_jobs=sum(r["jobs"] for r in res["per_script"]))
            res["results_mib"] = sum(f.stat().st_size for f in (wf / "results").rglob("*") if f.is_file()) / 2**20
            ch = chromium_open(html)
            res["chromium_s"], res["chromium_empty_s"] = ch if ch else (None, None)
            cache.write_text(json.dumps(res, indent=1))
        record("scale", f"{k} cohorts x {patients} patients", cohorts=k, n_samples=k * patients, n_genes=genes,
               wall_s=res["wall_s"], peak_tree_pss_mib=res["peak_tree_pss_mib"],
               peak_tree_rss_mib=res["peak_tree_rss_mib"], peak_rss_mib=res["largest_process_mib"],
               report_mib=res["report_mib"], chromium_s=res["chromium_s"], chromium_empty_s=res["chromium_empty_s"],
               n_jobs=res["n_jobs"], load_before=res["load_before"], load_after=res["load_after"],
               n_random=res["n_random"], n_boot=res["n_boot"], scale_key=key, measured_at=res["measured"])


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
    """(genes, samples, fast row, R serial row, R 2-core row or None) for every DE size
    measured with both back ends."""
    de = df[df.section == "de"] if len(df) else df
    for (g, s), sub in (de.groupby(["n_genes", "n_samples"]) if len(de) else []):
        fast = sub[sub.task.str.contains("fast")]
        r1 = sub[sub.task.str.startswith("R ") & ~sub.task.str.contains("MulticoreParam")]
        r2 = sub[sub.task.str.startswith("R ") & sub.task.str.contains("MulticoreParam")]
        if len(fast) and len(r1):
            yield g, s, fast.iloc[0], r1.iloc[0], (r2.iloc[0] if len(r2) else None)


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
    for g, s, fast, r1, r2 in de_pairs(df):
        if r2 is None:
            continue
        ratio = fast.compute_s / r2.compute_s
        line(f"DE {g} x {s} at most 0.25x R DESeq2 on 2 cores (MulticoreParam(2)) with identical results",
             f"{ratio:.2f}x ({fast.compute_s:.1f} s vs {r2.compute_s:.1f} s; serial R {r1.compute_s:.1f} s, "
             f"{fast.compute_s / r1.compute_s:.2f}x; vs a perfect 2-core R = serial / 2: "
             f"{2 * fast.compute_s / r1.compute_s:.2f}x); {r2.note}",
             ratio <= 0.25 and "identical=True" in str(r2.note) and "same NA pattern=True" in str(r2.note))
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
    sc = df[df.section == "scale"] if len(df) else df
    for _, r in sc.sort_values("cohorts").iterrows() if len(sc) else []:
        if int(r.cohorts) != 10:
            continue
        line(f"{int(r.cohorts)} cohorts x {int(r.n_samples // r.cohorts)} patients x {int(r.n_genes)} genes, every "
             "analysis at its defaults, at most 15 min wall on 2 cores",
             f"{r.wall_s / 60:.1f} min (load average {r.load:.1f} at the start)", r.wall_s <= 900)
        line("... and at most 4 GB peak memory (whole process tree, sum of PSS)",
             f"{r.peak_tree_pss_mib / 1024:.2f} GiB (sum of RSS {r.peak_tree_rss_mib / 1024:.2f} GiB; largest single "
             f"process {r.peak_rss_mib / 1024:.2f} GiB)", r.peak_tree_pss_mib <= 4096)
        line("... its report at most 15 MB", f"{r.report_mib:.1f} MiB", r.report_mib * 2**20 <= 15e6)
        if pd.notna(r.get("chromium_s")):
            line("... and opening in Chromium in under 5 s", f"{r.chromium_s:.1f} s (headless, --dump-dom, best of 3; "
                 f"an empty page takes {r.chromium_empty_s:.1f} s)", r.chromium_s < 5)
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


GENERATED = ("Machine and versions", "Differential expression", "Signature scoring", "Pathway enrichment",
             "Whole workflow", "Scale", "Targets")


def _old_section(path: Path, title: str) -> list[str]:
    """The existing page's ``## {title}...`` section verbatim (its heading included), or []."""
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    heads = [i for i, line in enumerate(lines) if line.startswith("## ")] + [len(lines)]
    for i, j in zip(heads[:-1], heads[1:]):
        if lines[i][3:].startswith(title):
            block = lines[i:j]
            while block and not block[-1].strip():
                block.pop()
            return block
    return []


def _kept_sections(path: Path) -> list[str]:
    """Every ``## `` section of the existing page that this script does not generate (written
    by another tool or by hand, e.g. the workflow's per-rule table "Where the time goes (demo
    run)"), verbatim and in their order, so that regenerating the page never deletes them."""
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    heads = [i for i, line in enumerate(lines) if line.startswith("## ")] + [len(lines)]
    out: list[str] = []
    for i, j in zip(heads[:-1], heads[1:]):
        if not lines[i][3:].startswith(GENERATED):
            block = lines[i:j]
            while block and not block[-1].strip():
                block.pop()
            out += [""] + block
    return out


def scale_section(df: pd.DataFrame) -> list[str]:
    """Scale runs: one row per cohort count, growth against 1 cohort, per-rule time of the largest."""
    sc = df[df.section == "scale"].sort_values("cohorts") if len(df) and "cohorts" in df else df.iloc[0:0]
    out = ["", "## Scale: cohorts x 1,000 patients x 20,000 genes, every analysis at its defaults", "",
           "SYNTHETIC cohorts from the seeded simulator (`mitoscore.simulate`, default parameters, seeds 3000 + k; "
           "not committed), the first one the discovery cohort; the shipped config with every analysis at its default "
           "(1000 random signatures, 1000 bootstraps, derivation, both DE contrasts, GSEA of every contrast with the 3 "
           "shipped collections x 1000 permutations, frozen-model validation, meta-analysis, report); `snakemake "
           "--cores 2`. Peak memory of the **whole Snakemake process tree**: every process below the Snakemake "
           "command sampled every 0.25 s (bench/treemon.py), the sum of their PSS (proportional set size: pages "
           "shared between processes counted once in total) and, for comparison, the sum of their RSS; the largest "
           "single process from wait4. Report: `results/report/index.html` (self-contained); Chromium: headless "
           "`--dump-dom` (returns after the load event), best of 3, beside the same for an empty page."]
    if not len(sc):
        return out + ["", "(not run)"]
    out += ["", "| cohorts | patients | wall s | wall min | peak tree PSS MiB | peak tree RSS MiB | largest process MiB | "
            "jobs | report MiB | Chromium s (empty page) | load avg start -> end | measured (UTC) |",
            "|" + " --- |" * 12]
    for _, r in sc.iterrows():
        ch = "" if pd.isna(r.get("chromium_s")) else f"{r.chromium_s:.1f} ({r.chromium_empty_s:.1f})"
        out.append(f"| {int(r.cohorts)} | {int(r.n_samples)} | {r.wall_s:.0f} | {r.wall_s / 60:.1f} | "
                   f"{r.peak_tree_pss_mib:.0f} | {r.peak_tree_rss_mib:.0f} | {r.peak_rss_mib:.0f} | {int(r.n_jobs)} | "
                   f"{r.report_mib:.1f} | {ch} | {r.load:.1f} -> {r.load_after:.1f} | {r.measured} |")
    base = sc.iloc[0]
    if len(sc) > 1:
        out += ["", f"Growth against {int(base.cohorts)} cohort(s) (linear growth = the ratio equals the cohort ratio):", "",
                "| cohorts | cohort ratio | wall ratio | wall s per cohort | peak tree PSS ratio | grows |", "|" + " --- |" * 6]
        lin = True
        for _, r in sc.iterrows():
            k = r.cohorts / base.cohorts
            wr, mr = r.wall_s / base.wall_s, r.peak_tree_pss_mib / base.peak_tree_pss_mib
            ok = wr <= k * 1.05 and mr <= k * 1.05
            lin &= ok
            out.append(f"| {int(r.cohorts)} | {k:.0f} | {wr:.2f} | {r.wall_s / r.cohorts:.0f} | {mr:.2f} | "
                       f"{'linearly or better' if ok else 'FASTER than linearly'} |")
        out += ["", "Wall time and peak memory grow " + ("linearly or better with the number of cohorts (every ratio at "
                "most the cohort ratio, 5% tolerance for timing noise)." if lin else "faster than linearly somewhere "
                "(see the rows marked above).")]
    big = sc.iloc[-1]
    cache = SCALE_DIR / f"{big.scale_key}.json"
    if cache.exists():
        res = json.loads(cache.read_text())
        rows = res["per_script"]
        tot_cpu = sum(r["cpu_s"] for r in rows) or 1.0
        out += ["", f"### Where the time goes: {int(big.cohorts)} cohorts, per rule script", "",
                "From the process-tree sampling of the same run (a job = one process running the rule's script; wall "
                "and CPU seconds summed over its jobs; 2 cores, so summed job wall can exceed the run's wall). "
                f"Run wall {res['wall_s']:.0f} s; CPU seconds of all processes {tot_cpu:.0f} (at most {2 * res['wall_s']:.0f} "
                "on 2 cores).", "",
                "| rule script | jobs | summed job wall s | summed CPU s | share of CPU | longest job s | peak job PSS MiB |",
                "|" + " --- |" * 7]
        for r in rows:
            out.append(f"| {r['script']} | {r['jobs']} | {r['wall_s']:.0f} | {r['cpu_s']:.0f} | "
                       f"{100 * r['cpu_s'] / tot_cpu:.0f}% | {r['max_job_wall_s']:.0f} | {r['peak_job_mib']:.0f} |")
        others = [o for o in res.get("other_processes", []) if o["cpu_s"] >= 1]
        if others:
            out += ["", "Processes outside jobs with the most CPU: " + "; ".join(
                f"`{o['command'].strip()[:80]}` {o['cpu_s']:.0f} s" for o in others) + "."]
    return out


SECTION_OF = {"Differential expression": "de", "Signature scoring": "scores", "Pathway enrichment": "gsea",
              "Whole workflow": "workflow"}


def _keep_unmeasured(lines: list[str], path: Path, measured: set[str]) -> list[str]:
    """Replace each generated ``## `` section that has no rows (not measured in this run nor kept in
    bench/out/benchmarks.tsv) by the same section of the existing page, verbatim, so that
    re-measuring one section never blanks the others."""
    heads = [i for i, line in enumerate(lines) if line.startswith("## ")] + [len(lines)]
    out = lines[:heads[0]]
    for i, j in zip(heads[:-1], heads[1:]):
        title = lines[i][3:]
        key = next((v for k, v in SECTION_OF.items() if title.startswith(k)), None)
        old = _old_section(path, title.split(" (")[0]) if key and key not in measured else []
        note = "(Kept from the previous version of this page: not re-measured since.)"
        old = [x for x in old if x != note]
        while old and not old[-1].strip():
            old.pop()
        if old:
            out += old + ["", note, ""]
        else:
            out += lines[i:j]
    return out


def write_markdown(path: Path, info: dict, quick: bool) -> None:
    df = pd.DataFrame(ROWS)
    tgt = targets(df)
    kept = _kept_sections(path)
    df = _readable(df)
    lines = ["# Benchmarks", "",
             "Written by `make bench` (`bench/run_bench.py`); every measurement is a fresh process. Unless a section "
             "says otherwise, \"peak MiB\" is the largest single process of the measurement (wait4 ru_maxrss). Each "
             "row says when it was measured and the machine's 1-minute load average then (the machine is shared "
             "with other jobs: with a load above 2 on 2 cores every time is an upper bound). Ratios compare rows "
             "of the same run. The machine (2 cores) was shared with another developer's jobs during these "
             "measurements: the load column shows how busy it was; with load above 2 every process, mitoscore's and "
             "R's, got less than the cores it asked for, and R's 2-worker runs may gain nothing over serial. "
             + ("**QUICK mode (small sizes).**" if quick else ""),
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

    when = ["measured", "load"]
    when_h = ["measured (UTC)", "load"]
    lines += ["", "## Differential expression", ""]
    lines += ["Compute time excludes reading the input (as the oracle's R timings). R is given the same 2 cores the "
              "way DESeq2 documents it: `DESeq(dds, parallel = TRUE, BPPARAM = MulticoreParam(2))` and `results(..., "
              "parallel = TRUE)`; the serial row is R's default. mitoscore's DE function is given 2 threads here (`n_cpus=2`; "
              "in the workflow the `de` rule declares `threads: 1`, two DE jobs side by side). Target: at most 0.25x R's 2-core time with identical results (log2FC within "
              "1e-4 of R, the same padj<0.1 set and NA pattern)."]
    lines += table("de", ["task", "n_genes", "n_samples", "compute_s", "wall_s", "peak_rss_mib", "n_sig", "note", *when],
                   ["task", "genes", "samples", "compute s", "wall s", "peak MiB", "padj<0.1", "agreement", *when_h])
    if len(df) and (df.section == "de").any():
        ratios = []
        for g, s, fast, r1, r2 in de_pairs(df):
            wall = (f", wall {fast.wall_s / r1.wall_s:.2f}x" if pd.notna(fast.wall_s) else
                    " (wall not separable: same process as the pydeseq2 default back end)")
            two = (f"; vs R on 2 cores {fast.compute_s / r2.compute_s:.2f}x (R 2 cores / R serial = "
                   f"{r2.compute_s / r1.compute_s:.2f}); vs a perfect 2-core R (serial R / 2, the bound if R's "
                   f"second worker had a free core) {2 * fast.compute_s / r1.compute_s:.2f}x" if r2 is not None else "")
            ratios.append(f"- {g} x {s}: mitoscore / R DESeq2 compute time: vs serial R {fast.compute_s / r1.compute_s:.2f}x"
                          f"{wall}{two}")
        lines += ["", "Ratios measured in this run:", ""] + (ratios or ["- R not installed: no ratio"])
    lines += ["", "## Signature scoring", ""]
    lines += table("scores", ["task", "n_genes", "n_samples", "n_sets", "compute_s", "wall_s", "peak_rss_mib", "note",
                              *when], ["task", "genes", "samples", "sets", "compute s", "wall s", "peak MiB", "note",
                                       *when_h])
    lines += ["", "## Pathway enrichment (GSEA prerank, one contrast)", ""]
    lines += ["MitoCarta3.0 pathways + Hallmark + Reactome (config/genesets), synthetic Wald statistics with 6 "
              "planted sets (bench/bench_gsea.py); wall time and peak memory of the whole process (Python start, "
              "imports, collections read and harmonised); compute = the engine's own run."]
    lines += table("gsea", ["task", "n_genes", "n_sets", "n_perm", "compute_s", "wall_s", "peak_rss_mib", "note", *when],
                   ["task", "genes", "sets", "permutations", "compute s", "wall s", "peak MiB", "note", *when_h])
    lines += ["", "## Whole workflow (2 cores)", ""]
    lines += table("workflow", ["task", "axis", "n_samples", "n_genes", "wall_s", "peak_rss_mib", *when],
                   ["run", "scaling axis", "samples", "genes", "wall s", "peak MiB (largest process)", *when_h])
    lines += growth(pd.DataFrame(ROWS))
    lines += scale_section(pd.DataFrame(ROWS))
    lines += kept
    lines += ["", "## Targets (issue 14: cohorts at scale, a fair race against R)", ""] + tgt
    lines = _keep_unmeasured(lines, path, set(df.section) if len(df) else set())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    (REPO / "bench" / "out").mkdir(exist_ok=True)
    pd.DataFrame(ROWS).to_csv(REPO / "bench" / "out" / "benchmarks.tsv", sep="\t", index=False)  # raw rows
    (REPO / "bench" / "out" / "machine.json").write_text(json.dumps({**info, "quick": quick}, indent=1))


def _previous_rows() -> list[dict]:
    raw = REPO / "bench" / "out" / "benchmarks.tsv"
    if not raw.exists():
        return []
    return [r.dropna().to_dict() for _, r in pd.read_csv(raw, sep="\t").iterrows()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(REPO / "docs" / "benchmarks.md"))
    ap.add_argument("--work", default="/tmp/mitoscore-bench")
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test of the harness)")
    ap.add_argument("--skip-r", action="store_true")
    ap.add_argument("--skip-workflow", action="store_true", help="skip the workflow and scale sections")
    ap.add_argument("--only", choices=["de", "scores", "gsea", "workflow", "scale"], action="append",
                    help="measure only these sections (repeatable); the other sections keep their last rows")
    ap.add_argument("--cohorts", default="1,2,5,10", help="scale section: cohort counts, comma-separated")
    ap.add_argument("--patients", type=int, default=1000, help="scale section: patients per cohort")
    ap.add_argument("--genes", type=int, default=20000, help="scale section: genes")
    ap.add_argument("--force", action="store_true", help="scale section: re-measure cached cohort counts")
    ap.add_argument("--render-only", action="store_true",
                    help="re-write --out from the last run's bench/out/benchmarks.tsv without measuring")
    a = ap.parse_args()
    info_file = REPO / "bench" / "out" / "machine.json"
    if a.render_only:
        ROWS.extend(_previous_rows())
        info = json.loads(info_file.read_text())
        quick = bool(info.pop("quick", False))
        write_markdown(Path(a.out), info, quick=quick)
        print(f"wrote {a.out}")
        return
    only = set(a.only or ["de", "scores", "gsea", "workflow", "scale"])
    if a.skip_workflow:
        only -= {"workflow", "scale"}
    if a.only:  # keep the other sections' rows from the last run
        ROWS.extend(r for r in _previous_rows() if r.get("section") not in only)
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    with_r = not a.skip_r and r_available()
    print(f"R available: {with_r}; sections: {sorted(only)}", flush=True)
    info = machine()
    if "de" in only:
        sizes = [(3000, 60, 11)] if a.quick else [(20000, 150, 20240602), (20000, 700, 20240603)]
        default_sizes = {(3000, 60)} if a.quick else {(20000, 150)}
        bench_de(work, sizes, with_r, default_sizes)
    if "scores" in only:
        bench_scores(work, a.quick, with_r)
    if "gsea" in only:
        bench_gsea(work, a.quick)
    if "workflow" in only:
        bench_workflow(work, a.quick)
    if "scale" in only:
        cohorts = [int(x) for x in a.cohorts.split(",") if x.strip()]
        bench_scale(work, cohorts, a.patients, a.genes, a.force, a.quick)
    write_markdown(Path(a.out), info, a.quick)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
