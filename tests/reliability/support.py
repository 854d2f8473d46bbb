"""Helpers of the reliability tests (issue 14): real dumps built from the samples, the two ways to
ingest them (the library and the flow), and reads of the published warehouse."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import Result
from fixtures.dumps import SAMPLES, replace_once, sample
from typer.testing import CliRunner

import flows.ingest  # noqa: F401  (Prefect sets up its log handlers on import: here, not on a CliRunner's stream that closes)
from blogetl.warehouse.history import recent_runs
from flows import cli as flows_cli

LISTING = "000"  # a VK listing page: 9 posts, bylines 'Av , , 2 kommentarer 11'
SINGLE = "003"  # a VK single post with its comment thread

# --no-flow: the library; []: the Prefect flow (needs the session's test server).
MODES = [pytest.param(["--no-flow"], id="no-flow"), pytest.param([], id="flow", marks=pytest.mark.flows)]


def sample_bytes(prefix: str) -> bytes:
    """A sample's bytes as shipped."""
    (path,) = SAMPLES.glob(f"{prefix}_*.txt")
    return path.read_bytes()


def edited(prefix: str, old: str, new: str) -> str:
    """A sample with one passage (that occurs exactly once) replaced."""
    return replace_once(sample(prefix), old, new)


def ingest(mode: list[str], raw: Path, db: Path, *extra: str) -> Result:
    """`blogetl ingest` in-process (no dedup: not what these tests are about); a traceback fails the test."""
    result = CliRunner().invoke(flows_cli.app, ["ingest", *mode, "--no-dedup", "--raw", str(raw), "--db", str(db), *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output, result.output
    return result


def rows(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Rows of a query on the published warehouse, read-only."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def runs(db: Path, *columns: str) -> list[tuple[Any, ...]]:
    """Columns of every run, by run_id, as `blogetl status` reads them: ingest_runs, and the runs since the
    last publish that changed nothing (their rows wait in the record for the next publish)."""
    return [tuple(r[c] for c in columns) for r in sorted(recent_runs(db, 10_000), key=lambda r: int(r["run_id"]))]


def copy_samples(raw: Path, *prefixes: str) -> None:
    """Copies of some samples into raw/ under their own names."""
    for prefix in prefixes:
        (path,) = SAMPLES.glob(f"{prefix}_*.txt")
        shutil.copy(path, raw / path.name)
