"""Error types shared by the package.

Every error caused by user input is an :class:`InputError` whose message names
the file, the row/column/id at fault and the fix, so that a user on a cluster can
correct the input without reading code.
"""
from __future__ import annotations

from typing import Iterable


def preview(items: Iterable, n: int = 10) -> str:
    """The first ``n`` items, comma-separated, with the total when there are more
    (for error messages that list offending ids)."""
    items = [str(x) for x in items]
    s = ", ".join(items[:n])
    if len(items) > n:
        s += f", ... ({len(items)} in total)"
    return s


class InputError(ValueError):
    """Bad user input (counts, clinical table, signature, config).

    The message always reads ``<file>: <where>: <problem>. Fix: <fix>`` so that
    tests (and users) can rely on the file, location and fix being present.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        column: str | None = None,
        row: int | str | None = None,
        value: object = None,
        fix: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = file
        self.column = column
        self.row = row
        self.value = value
        self.fix = fix
        parts = []
        if file is not None:
            parts.append(str(file))
        where = []
        if column is not None:
            where.append(f"column '{column}'")
        if row is not None:
            where.append(f"row {row}")
        if value is not None:
            where.append(f"value {value!r}")
        if where:
            parts.append(", ".join(where))
        parts.append(problem)
        msg = ": ".join(parts)
        if fix:
            msg += f". Fix: {fix}"
        super().__init__(msg)


class ModelSkipped(RuntimeError):
    """A statistical model could not be fitted for a documented reason
    (too few events, collinearity, a constant covariate...).

    Callers record the reason in the outputs/report and continue the run.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
