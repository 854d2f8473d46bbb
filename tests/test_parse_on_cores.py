"""The library's default parse map (`blogetl ingest --no-flow` without --workers): one process per
core for a run with enough to parse, this process for a small one; the tables are the same."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from blogetl import pipeline
from blogetl.sources.scan import scan


def tables(results: list[tuple[pipeline.DumpMeta, object]]) -> dict[str, list[object]]:
    out = {}
    for meta, got in results:
        assert isinstance(got, pipeline.DumpTables), got
        out[meta.path] = [t.to_pylist() for t in got.tables()]
    return out


def test_a_small_run_parses_in_this_process(raw_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 2)
    metas = scan(raw_copy)
    with pipeline.parse_on_cores(None, min_bytes=sum(m.size for m in metas) + 1) as parse_map:
        got = list(parse_map(metas))
        assert not multiprocessing.active_children()  # no process started for it
    assert tables(got) == tables(list(pipeline.parse_in_process(metas)))


def test_a_big_run_parses_on_every_core(raw_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 2)
    metas = scan(raw_copy)
    with pipeline.parse_on_cores(None, min_bytes=sum(m.size for m in metas)) as parse_map:
        got = list(parse_map(metas))
        assert len(multiprocessing.active_children()) == 2
        again = list(parse_map(metas[:1]))  # later chunks go to the same processes, whatever their size
    assert tables(got) == tables(list(pipeline.parse_in_process(metas)))
    assert tables(again) == tables(got[:1])


def test_one_worker_never_starts_a_process(raw_copy: Path) -> None:
    metas = scan(raw_copy)
    with pipeline.parse_on_cores(1, min_bytes=0) as parse_map:
        assert parse_map is pipeline.parse_in_process
        list(parse_map(metas))
        assert not multiprocessing.active_children()
