"""mitoscore.smkpatch: at most one pending scheduler wake-up timer (Snakemake 9 JobScheduler)."""
import threading
import time

from mitoscore.smkpatch import single_reevaluation_timer


class _Scheduler:
    """The two members of snakemake's JobScheduler the patch relies on."""

    def __init__(self):
        self._open_jobs = threading.Semaphore(0)

    def _schedule_reevalutation(self, delay):  # Snakemake's own: a new timer on every call
        threading.Timer(delay, lambda: self._open_jobs.release()).start()


def _wakeups(s, within):
    n, end = 0, time.monotonic() + within
    while s._open_jobs.acquire(timeout=max(0.0, end - time.monotonic())):
        n += 1
    return n


def test_unpatched_calls_pile_up_timers_and_patched_keep_one():
    s = _Scheduler()
    for _ in range(20):
        s._schedule_reevalutation(0.05)
    assert _wakeups(s, 2.0) == 20  # the behaviour the patch removes: one wake-up per call

    cls = type("Patched", (_Scheduler,), {})
    assert single_reevaluation_timer(cls) is True
    assert single_reevaluation_timer(cls) is False  # applied once
    p = cls()
    for _ in range(20):
        p._schedule_reevalutation(0.05)
    assert p._mitoscore_reeval.daemon  # never delays the end of the run
    assert _wakeups(p, 2.0) == 1
    # after it fired, the next pass schedules a new one (no lost wake-up)
    p._schedule_reevalutation(0.05)
    assert _wakeups(p, 2.0) == 1


def test_snakemake_scheduler_has_the_patched_method():
    """Fails when a Snakemake upgrade renames what the patch replaces (then the patch is a no-op)."""
    from snakemake.scheduling.job_scheduler import JobScheduler

    assert hasattr(JobScheduler, "_schedule_reevalutation")
    src = open(__import__("inspect").getsourcefile(JobScheduler)).read()
    assert "self._open_jobs.release()" in src and "threading.Timer(" in src
    single_reevaluation_timer(JobScheduler)
    assert getattr(JobScheduler._schedule_reevalutation, "_mitoscore_single_timer", False)
