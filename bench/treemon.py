"""Whole-process-tree measurement for `make bench` (Linux /proc).

:class:`TreeMonitor` samples every process below a root pid every ``interval`` seconds and
records

* the peak of the tree's memory: the sum over its processes of the proportional set size
  (PSS, ``/proc/<pid>/smaps_rollup``; shared pages counted once in total), falling back to
  the resident set size where smaps_rollup cannot be read; and the peak of the sum of RSS;
* per Snakemake job (a process running ``.snakemake/scripts/tmpXXXX.<script>.py``, i.e. one
  ``script:`` rule, with its child processes): first and last time seen, CPU seconds
  (utime + stime) and peak PSS; the CPU seconds of everything else (the scheduler), per
  command so that a reader can see what it is.

A process is identified by its pid AND its start time (pids are reused over a long run), and a
process not (yet) recognised as a job is looked at again at every sample: a job is first seen
between fork and exec with its parent's command line.

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
    """(ppid, cpu seconds, start time in clock ticks) of a process, or None if it has gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = raw[raw.rindex(")") + 2:].split()
    return int(rest[1]), (int(rest[11]) + int(rest[12])) / CLK, int(rest[19])


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
        # keyed by (pid, start time): a job dict, or None for a process outside any job
        self.jobs: dict[tuple[int, int], dict | None] = {}
        # scheduler and other processes outside jobs: (pid, start) -> [command, cpu seconds]
        self.other: dict[tuple[int, int], list] = {}
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
        owner: dict[int, tuple[int, int] | None] = {}
        for pid, parent in self._tree():   # parents come before their children
            st = _stat(pid)
            if st is None:
                continue
            m_pss, m_rss = _mem(pid)
            pss += m_pss
            rss += m_rss
            key = (pid, st[2])
            if self.jobs.get(key) is None:   # new, or not a job when last seen (e.g. before exec)
                cmd = _cmdline(pid)
                m = _SCRIPT.search(cmd)
                self.jobs[key] = ({"script": m.group(1), "start": now, "end": now, "cpu": {}, "pss": 0.0}
                                  if m else None)
                if m:
                    self.other.pop(key, None)
                else:
                    self.other.setdefault(key, [cmd[:120], 0.0])
            # a process belongs to the nearest job among itself and its ancestors (e.g. joblib
            # workers of a rule script); the Snakemake scheduler and its helpers to none
            owner[pid] = key if self.jobs[key] is not None else owner.get(parent)
            job = self.jobs.get(owner[pid]) if owner[pid] is not None else None
            if job is None:
                self.other[key][1] = max(self.other[key][1], st[1])
                continue
            job["end"] = now
            job["pss_now"] = job.get("pss_now", 0.0) + m_pss if job.get("t") == now else m_pss
            job["t"] = now
            job["pss"] = max(job["pss"], job["pss_now"])
            job["cpu"][key] = max(job["cpu"].get(key, 0.0), st[1])
        self.peak_pss = max(self.peak_pss, pss)
        self.peak_rss = max(self.peak_rss, rss)

    def other_processes(self, top: int = 5) -> list[dict]:
        """The processes outside jobs with the most CPU seconds (command line, CPU s)."""
        rows = sorted(self.other.values(), key=lambda r: -r[1])[:top]
        return [{"command": c, "cpu_s": round(v, 2)} for c, v in rows]

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
                     "cpu_s": sum(v for _, v in self.other.values()), "max_job_wall_s": 0.0, "peak_job_mib": 0.0})
        return rows
