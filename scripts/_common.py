"""Shared set-up for the rule entry points in scripts/.

Snakemake puts this folder on sys.path; we add the repository root so that the
``mitoscore`` package imports in every execution mode (local venv, conda envs,
cluster jobs). Logging goes to the rule's log file; an exception is logged with
its full message before it propagates (Snakemake then reports the rule failed).
"""
from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def setup(snakemake) -> logging.Logger:
    log_file = snakemake.log[0] if len(snakemake.log) else None
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, mode="w"))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", handlers=handlers,
                        force=True)
    logging.captureWarnings(True)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    log = logging.getLogger(f"mitoscore.{snakemake.rule}")
    # the first line of every job log: the job's start (UTC), read by the run record (mitoscore.runrecord)
    from datetime import datetime, timezone
    log.info("job started %s (rule %s)", datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), snakemake.rule)
    return log


def run(main, snakemake) -> None:
    """Run ``main(snakemake, log)``; log any error (message first) and re-raise."""
    log = setup(snakemake)
    prof = _profiler(snakemake)
    try:
        main(snakemake, log)
        if prof is not None:
            prof()
        log.info("job finished: %s", _usage())
    except Exception as exc:  # noqa: BLE001 - logged and re-raised
        log.error("%s failed: %s: %s", snakemake.rule, type(exc).__name__, exc)
        raise


def _usage() -> str:
    """CPU seconds (user + sys) of this job's process and its children since it started,
    imports included, and its wall seconds: the per-job cost that Snakemake's sampled
    ``benchmark:`` CPU column misses for short jobs (read by developers, not by the workflow)."""
    import os
    import resource

    cpu = sum(getattr(resource.getrusage(w), f) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
              for f in ("ru_utime", "ru_stime"))
    try:
        with open(f"/proc/{os.getpid()}/stat") as fh:
            start = int(fh.read().rsplit(")", 1)[1].split()[19]) / os.sysconf("SC_CLK_TCK")
        with open("/proc/uptime") as fh:
            wall = f"{float(fh.read().split()[0]) - start:.2f}"
    except (OSError, ValueError, IndexError):  # not Linux
        wall = "NA"
    return f"{cpu:.2f} CPU s (user+sys, imports included), {wall} wall s"


def _profiler(snakemake):
    """Developer aid (docs/benchmarks.md "Where the time goes"): with the environment variable
    MITOSCORE_PROFILE=DIR each job writes a cProfile of its ``main`` to DIR/<rule>_<wildcards>.prof
    (read with ``python -m pstats``); returns the function that stops and writes it, or None."""
    import os

    out = os.environ.get("MITOSCORE_PROFILE")
    if not out:
        return None
    import cProfile

    name = "_".join([snakemake.rule, *map(str, snakemake.wildcards)]).replace("/", "_")
    prof = cProfile.Profile()
    prof.enable()

    def stop():
        prof.disable()
        Path(out).mkdir(parents=True, exist_ok=True)
        prof.dump_stats(str(Path(out) / f"{name}.prof"))
    return stop


def _annotation_dir(snakemake):
    """The folder of the gene annotation the rule declares as input (None: the repository's)."""
    files = list(snakemake.input.get("annotation", []))
    return Path(files[0]).parent if files else None
