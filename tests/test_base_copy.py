"""The private base copy a publish keeps: made from the file the run replaced by writing only the
blocks that changed (warehouse/blockcopy.py), byte for byte the published file, and never at the
cost of an analyst's session still reading the previous version."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from blogetl import pipeline
from blogetl.warehouse import blockcopy
from blogetl.warehouse.files import WarehouseFiles


def _half_then_rest(raw_copy: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Two of the five samples moved aside, to be brought back for a second, publishing run."""
    later = tmp_path / "later"
    later.mkdir()
    for name in sorted(p.name for p in raw_copy.iterdir())[3:]:
        shutil.move(raw_copy / name, later / name)
    return later, tmp_path / "blog.duckdb"


def _bring_back(later: Path, raw: Path) -> None:
    for path in later.iterdir():
        shutil.move(path, raw / path.name)


def test_the_base_copy_is_the_replaced_file_brought_up_to_date(raw_copy: Path, tmp_path: Path) -> None:
    later, db = _half_then_rest(raw_copy, tmp_path)
    files = WarehouseFiles.for_db(db)
    assert pipeline.run(raw_copy, db).exit_code == 0
    first = db.stat().st_ino
    _bring_back(later, raw_copy)
    assert pipeline.run(raw_copy, db).summary.dumps_new == 2
    assert db.stat().st_ino != first
    assert files.base.stat().st_ino == first  # the replaced file, patched: not a new copy
    assert files.base.read_bytes() == db.read_bytes()
    with duckdb.connect(str(files.base), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM posts").fetchone() == (30,)


def test_a_session_reading_the_previous_version_keeps_it_and_the_base_is_a_full_copy(raw_copy: Path, tmp_path: Path) -> None:
    later, db = _half_then_rest(raw_copy, tmp_path)
    files = WarehouseFiles.for_db(db)
    assert pipeline.run(raw_copy, db).exit_code == 0
    first = db.stat().st_ino
    with duckdb.connect(str(db), read_only=True) as analyst:
        before = analyst.execute("SELECT post_id, title, body FROM posts ORDER BY post_id").fetchall()
        _bring_back(later, raw_copy)
        assert pipeline.run(raw_copy, db).summary.dumps_new == 2
        assert files.base.stat().st_ino not in (first, db.stat().st_ino)
        # the previous version is untouched under the analyst's session
        assert analyst.execute("SELECT post_id, title, body FROM posts ORDER BY post_id").fetchall() == before
    assert files.base.read_bytes() == db.read_bytes()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM posts").fetchone() == (30,)
    assert len(before) < 30


def test_patch_writes_only_changed_blocks_and_refuses_other_files(tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE t AS SELECT range AS i, repeat('x', 200) || range AS s FROM range(200000)")
    old = tmp_path / "old.duckdb"
    shutil.copyfile(db, old)
    with duckdb.connect(str(db)) as con:
        con.execute("INSERT INTO t SELECT range, 'new' FROM range(10)")
    size = db.stat().st_size
    written = blockcopy.patch(db, old)
    assert old.read_bytes() == db.read_bytes()
    assert 0 < written < size // 2
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 1000)
    with pytest.raises(blockcopy.NotPatchable):
        blockcopy.patch(db, text)
