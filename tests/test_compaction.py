"""A small run's checkpoint does not vacuum: the row groups earlier runs appended stay as they are
(DuckDB would merge them, rewriting their text, at every checkpoint); every COMPACT_EVERY-th run and
a run that loads much of raw/ merge them, and the rows are the same either way."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

from blogetl import pipeline
from blogetl.warehouse import store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import scale  # noqa: E402


def row_groups(db: Path, table: str = "posts") -> int:
    """Row groups the published file holds for a table."""
    with duckdb.connect(str(db), read_only=True) as con:
        return int(con.execute(f"SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('{table}')").fetchone()[0])  # type: ignore[index]


def rows(db: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT post_id, title, body FROM posts ORDER BY post_id").fetchall()


def test_small_runs_keep_earlier_row_groups_and_every_nth_run_merges_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "COMPACT_EVERY", 3)
    raw = tmp_path / "raw"
    raw.mkdir()
    corpus = scale.Corpus(raw, seed=11)
    corpus.grow(0.3)
    db = tmp_path / "w.duckdb"
    assert pipeline.run(raw, db).ok  # run 1: loads every dump, so it compacts
    groups = [row_groups(db)]
    for run_id in (2, 3, 4):
        assert len(corpus.grow(0.01)) * store.COMPACT_SHARE < len(corpus.files)  # a small run
        assert pipeline.run(raw, db).ok
        groups.append(row_groups(db))
        if run_id == 2:
            before_compaction = rows(db)
    assert groups[1] == groups[0] + 1  # run 2 appended a group and merged none
    assert groups[2] < groups[1] + 1  # run 3 (3 % 3 == 0) merged its group with the earlier small ones
    assert groups[3] == groups[2] + 1  # run 4 appended again
    assert set(before_compaction) <= set(rows(db))  # merging moved rows, lost none
    assert len(rows(db)) == corpus.posts


def test_a_run_that_loads_much_or_follows_a_multiple_of_the_period_compacts() -> None:
    every = store.COMPACT_EVERY
    assert store.compacts(5, 4, 30, 100)  # a quarter or more of the dumps: as a full build
    assert not store.compacts(5, 4, 20, 100)
    assert store.compacts(every, every - 1, 0, 100)
    assert store.compacts(every + 2, every - 2, 1, 100)  # run `every` changed nothing: the next one that publishes
    assert not store.compacts(every + 2, every, 1, 100)
