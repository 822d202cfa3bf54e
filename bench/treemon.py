"""Whole-process-tree measurement for `make bench` (Linux /proc).

:class:`TreeMonitor` samples every process below a root pid every ``interval`` seconds and
records

* the peak of the tree's memory: the sum over its processes of the proportional set size
  (PSS, ``/proc/<pid>/smaps_rollup``; shared pages counted once in total), falling back to
  the resident set size where smaps_rollup cannot be read; and the peak of the sum of RSS;
* per Snakemake job (a process running ``.snakemake/scripts/tmpXXXX.<script>.py``, i.e. one
  ``script:`` rule, with its child processes): first and last time seen, CPU seconds
  (utime + stime) and peak PSS; the CPU seconds of everything else (the scheduler).

Sampling misses peaks shorter than the interval and the last < interval of each job; the
numbers are lower bounds to that extent (0.25 s by default).
"""
from __future__ import annotations

import os
import re
import threading
import time
from collections import defaultdict
from pathlib import Path

CLK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
_SCRIPT = re.compile(r"\.snakemake/scripts/tmp[^/.]*\.(\w+)\.py")


def _stat(pid: int):
    """(ppid, cpu seconds) of a process, or None if it has gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = raw[raw.rindex(")") + 2:].split()
    return int(rest[1]), (int(rest[11]) + int(rest[12])) / CLK


def _mem(pid: int) -> tuple[float, float]:
    """(PSS, RSS) in MiB."""
    rss = 0.0
    try:
        rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 2**20
    except OSError:
        return 0.0, 0.0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024, rss
    except OSError:
        pass
    return rss, rss


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class TreeMonitor(threading.Thread):
    """Sample the process tree under ``root`` until :meth:`stop`."""

    def __init__(self, root: int, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.peak_pss = self.peak_rss = 0.0
        self.jobs: dict[int, dict | None] = {}
        self.other_cpu: dict[int, float] = {}  # scheduler and other processes outside jobs
        self._halt = threading.Event()
        self._t0 = time.perf_counter()

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def _tree(self) -> list[tuple[int, int]]:
        """(pid, parent pid) of every process below the root (root first)."""
        children = defaultdict(list)
        for d in os.listdir("/proc"):
            if d.isdigit():
                st = _stat(int(d))
                if st:
                    children[st[0]].append(int(d))
        out, todo = [], [(self.root, 0)]
        while todo:
            p, parent = todo.pop()
            out.append((p, parent))
            todo.extend((c, p) for c in children.get(p, ()))
        return out

    def sample(self) -> None:
        now = time.perf_counter() - self._t0
        pss = rss = 0.0
        owner: dict[int, int | None] = {}
        for pid, parent in self._tree():   # parents come before their children
            m_pss, m_rss = _mem(pid)
            pss += m_pss
            rss += m_rss
            st = _stat(pid)
            if pid not in self.jobs:
                m = _SCRIPT.search(_cmdline(pid))
                self.jobs[pid] = ({"script": m.group(1), "start": now, "end": now, "cpu": {}, "pss": 0.0}
                                  if m else None)
            # a process belongs to the nearest job among itself and its ancestors (e.g. joblib
            # workers of a rule script); the Snakemake scheduler and its helpers to none
            owner[pid] = pid if self.jobs[pid] is not None else owner.get(parent)
            job = self.jobs.get(owner[pid]) if owner[pid] is not None else None
            if job is None:
                self.other_cpu[pid] = max(self.other_cpu.get(pid, 0.0), st[1] if st else 0.0)
                continue
            job["end"] = now
            job["pss_now"] = job.get("pss_now", 0.0) + m_pss if job.get("t") == now else m_pss
            job["t"] = now
            job["pss"] = max(job["pss"], job["pss_now"])
            if st:
                job["cpu"][pid] = max(job["cpu"].get(pid, 0.0), st[1])
        self.peak_pss = max(self.peak_pss, pss)
        self.peak_rss = max(self.peak_rss, rss)

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)

    def per_script(self) -> list[dict]:
        """One row per rule script: jobs, summed wall and CPU seconds, peak PSS of one job."""
        agg: dict[str, dict] = {}
        for job in self.jobs.values():
            if job is None:
                continue
            a = agg.setdefault(job["script"], {"script": job["script"], "jobs": 0, "wall_s": 0.0,
                                               "cpu_s": 0.0, "max_job_wall_s": 0.0, "peak_job_mib": 0.0})
            wall = job["end"] - job["start"] + self.interval
            a["jobs"] += 1
            a["wall_s"] += wall
            a["cpu_s"] += sum(job["cpu"].values())
            a["max_job_wall_s"] = max(a["max_job_wall_s"], wall)
            a["peak_job_mib"] = max(a["peak_job_mib"], job["pss"])
        rows = sorted(agg.values(), key=lambda r: -r["wall_s"])
        rows.append({"script": "(Snakemake scheduler and other processes)", "jobs": 0, "wall_s": 0.0,
                     "cpu_s": sum(self.other_cpu.values()), "max_job_wall_s": 0.0, "peak_job_mib": 0.0})
        return rows
