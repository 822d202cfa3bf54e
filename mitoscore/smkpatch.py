"""One pending scheduler wake-up timer in Snakemake 9's job scheduler (run time of big runs).

Snakemake 9.27's ``JobScheduler`` (``snakemake/scheduling/job_scheduler.py``) ends every pass of
its scheduling loop by starting a new ``threading.Timer(timespan, release)`` (the
``--max-jobs-per-timespan`` rate limiter, default ``100/1s``), and every timer, when it fires,
wakes the loop for another pass, which starts another timer. Each wake-up from elsewhere (a job
finishing) therefore adds a timer chain that never stops: after N finished jobs the loop runs
about N passes per second, each re-selecting jobs and re-evaluating the pending jobs' resources,
so the scheduler's CPU grows with the square of the number of jobs (measured: 7 CPU s for the
39-job demo, 37 s at 91 jobs, 141 s at 176 jobs, on 2 cores shared with the jobs).

:func:`single_reevaluation_timer` keeps at most one such timer pending: a pass that finds one
pending starts none (the pending one wakes the loop at the latest after its timespan, which is all
the rate limiter needs), and the timer is a daemon thread, so it never delays the end of the run.
Which jobs run, and when a job may start, are unchanged; only redundant passes are dropped.
"""
from __future__ import annotations

import threading

__all__ = ["single_reevaluation_timer"]


def single_reevaluation_timer(scheduler_cls) -> bool:
    """Replace ``scheduler_cls._schedule_reevalutation`` (sic, Snakemake's name) by the one-timer
    version; returns False (and changes nothing) when the class has no such method or is patched."""
    orig = getattr(scheduler_cls, "_schedule_reevalutation", None)
    if orig is None or getattr(orig, "_mitoscore_single_timer", False):
        return False

    def _schedule_reevalutation(self, delay) -> None:
        if getattr(self, "_mitoscore_reeval", None) is not None:
            return  # a wake-up is already pending

        def fire() -> None:
            self._mitoscore_reeval = None  # cleared first: the pass this wakes may schedule the next
            self._open_jobs.release()

        timer = threading.Timer(delay, fire)
        timer.daemon = True
        self._mitoscore_reeval = timer
        timer.start()

    _schedule_reevalutation._mitoscore_single_timer = True
    scheduler_cls._schedule_reevalutation = _schedule_reevalutation
    return True
