"""Parsing on several processes gives the warehouse one process gives; a dump whose parse fails in
a worker is named like any failed parse and the others load."""

from __future__ import annotations

import shutil
from pathlib import Path

from fixtures.dumps import SAMPLES

from blogetl import pipeline
from blogetl.warehouse.snapshot import snapshot

VOLATILE_TABLES = {"ingest_runs"}


def test_two_processes_build_what_one_builds(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLES, raw)
    (raw / "zz_binary.txt").write_bytes(b"\x00\x01\x02 not text")
    one, two = tmp_path / "one.duckdb", tmp_path / "two.duckdb"
    first = pipeline.run(raw, one, chunk_dumps=2)
    with pipeline.parse_in_processes(2) as parse_map:
        second = pipeline.run(raw, two, parse_map=parse_map, chunk_dumps=2)
    assert first.not_loaded == second.not_loaded == {"zz_binary.txt": "rejected by the parser: binary_dump"}
    a, b = snapshot(one), snapshot(two)
    assert a["posts"] and {t: rows for t, rows in a.items() if t not in VOLATILE_TABLES} == {
        t: rows for t, rows in b.items() if t not in VOLATILE_TABLES}


def test_a_dump_that_cannot_be_read_in_a_worker_is_named(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLES, raw)
    metas = pipeline.scan(raw)
    doomed = metas[0]
    (raw / doomed.path).unlink()  # gone between the scan and the parse
    with pipeline.parse_in_processes(2) as parse_map:
        results = dict((m.path, r) for m, r in parse_map(metas))
    assert isinstance(results[doomed.path], pipeline.DumpGone)  # left out of the run (tests/reliability/test_raw_changes.py)
    assert all(not isinstance(r, BaseException) for p, r in results.items() if p != doomed.path)
    assert len(results) == len(metas)
