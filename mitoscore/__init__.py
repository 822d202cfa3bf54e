"""mitoscore: validate the AML MitoScore (or any expression signature) on patient cohorts.

All domain logic lives in this package as pure functions on pandas/numpy objects.
The Snakemake rules (``workflow/rules``) and their entry points (``scripts/``) are
thin wrappers that read inputs, call these functions and write outputs atomically.
"""

__version__ = "0.1.0"
