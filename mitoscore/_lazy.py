"""Deferred imports of heavy modules (job start-up cost).

Every rule job is a new Python process, so each module-level import is paid once per job:
``scipy.stats`` alone costs ~1 CPU s (scipy parses hundreds of docstrings at import), and
most jobs that import a module using it (e.g. ``describe`` -> ``survival.km_median``,
``table1``) never call a distribution. ``lazy("scipy.stats")`` returns a stand-in that
imports the module on the first attribute access and then behaves as the module (or as
``getattr(module, attr)`` with ``lazy("scipy.stats", "norm")``): the same objects are
called, so results are unchanged.
"""
from __future__ import annotations

import importlib
from typing import Any


class _Lazy:
    __slots__ = ("_name", "_attr", "_obj")

    def __init__(self, name: str, attr: str | None = None) -> None:
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_attr", attr)
        object.__setattr__(self, "_obj", None)

    def _load(self) -> Any:
        obj = object.__getattribute__(self, "_obj")
        if obj is None:
            obj = importlib.import_module(object.__getattribute__(self, "_name"))
            attr = object.__getattribute__(self, "_attr")
            if attr is not None:
                obj = getattr(obj, attr)
            object.__setattr__(self, "_obj", obj)
        return obj

    def __getattr__(self, item: str) -> Any:
        return getattr(self._load(), item)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._load()(*args, **kwargs)

    def __repr__(self) -> str:
        name, attr = object.__getattribute__(self, "_name"), object.__getattribute__(self, "_attr")
        return f"<lazy {name}{'.' + attr if attr else ''}>"


def lazy(name: str, attr: str | None = None) -> Any:
    """A stand-in for module ``name`` (or its attribute ``attr``) imported on first use."""
    return _Lazy(name, attr)
