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
        key: str | None = None,
    ) -> None:
        problem = " ".join(str(problem).split())  # one line (parser messages carry newlines)
        self.problem = problem
        self.file = file
        self.key = key
        self.column = column
        self.row = row
        self.value = value
        self.fix = fix
        parts = []
        if file is not None:
            parts.append(str(file))
        where = []
        if key is not None:
            where.append(f"key '{key}'")
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


class InputErrors(InputError):
    """Several input problems found in one pass, reported together (pre-flight checks,
    a clinical table with several faults). ``errors`` holds the individual
    :class:`InputError` objects; the message numbers them, one per line."""

    def __init__(self, errors: Iterable[InputError], *, header: str | None = None) -> None:
        flat: list[InputError] = []
        for e in errors:
            flat.extend(e.errors if isinstance(e, InputErrors) else [e])
        self.errors = flat
        first = flat[0] if flat else None
        self.problem = first.problem if first else ""
        self.file = first.file if first else None
        self.key = first.key if first else None
        self.column = first.column if first else None
        self.row = first.row if first else None
        self.value = first.value if first else None
        self.fix = first.fix if first else None
        n = len(flat)
        head = header or f"{n} input problem{'s' if n != 1 else ''} found"
        lines = [f"{head}:"] + [f"  {i}. {e}" for i, e in enumerate(flat, start=1)]
        ValueError.__init__(self, "\n".join(lines))


class Problems:
    """Collects :class:`InputError` objects so that every independent check runs and all
    problems are reported at once::

        problems = Problems()
        with problems.check():
            check_a()          # an InputError here is recorded, not raised
        with problems.check():
            check_b()
        problems.raise_if_any()
    """

    def __init__(self) -> None:
        self.errors: list[InputError] = []

    def add(self, err: InputError) -> None:
        self.errors.extend(err.errors if isinstance(err, InputErrors) else [err])

    def check(self):
        import contextlib

        @contextlib.contextmanager
        def _cm():
            try:
                yield
            except InputError as e:
                self.add(e)
        return _cm()

    def __len__(self) -> int:
        return len(self.errors)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, header: str | None = None) -> None:
        """Raise the single error as is, or all of them as one :class:`InputErrors`."""
        if not self.errors:
            return
        if len(self.errors) == 1 and header is None:
            raise self.errors[0]
        raise InputErrors(self.errors, header=header)
