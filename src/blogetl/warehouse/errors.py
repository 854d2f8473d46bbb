"""The warehouse's exceptions: one base class, messages that name the file involved."""

from __future__ import annotations


class WarehouseError(Exception):
    """Anything that stops a warehouse run."""


class WarehouseLocked(WarehouseError):
    """Another run holds the warehouse's writer lock."""


class ExtensionNotFound(WarehouseError):
    """The full-text-search extension is not installed where the duckdb-ext-fts package puts it."""
