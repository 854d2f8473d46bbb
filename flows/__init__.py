"""Prefect flows for blogetl: thin orchestration over the blogetl library."""

from flows import _env  # noqa: F401  (must run before any Prefect import)
