"""The scan's quick check: a dump the warehouse holds with the same size and modification time is
not read again (a run on a big raw/ costs its new files, not a hash of every file); any other
change of size or time has it hashed, and a changed text is loaded."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import duckdb
import pytest

from blogetl import pipeline
from blogetl.sources.scan import meta_of, scan

NAME = "001_2e98f75a052abd0d.txt"


def _known(raw: Path, sha: str) -> dict[str, tuple[int, object, str]]:
    """A warehouse record of NAME as it is on disk now, with the given sha256."""
    meta = meta_of(raw, raw / NAME)
    return {NAME: (meta.size, meta.modified_at, sha)}


def test_a_file_of_the_recorded_size_and_time_keeps_its_recorded_hash(raw_copy: Path) -> None:
    """The recorded sha256 is taken without reading the file (a planted one shows it was not read)."""
    planted = "0" * 64
    by_path = {m.path: m.sha256 for m in scan(raw_copy, _known(raw_copy, planted))}
    assert by_path[NAME] == planted
    others = {m.path: m.sha256 for m in scan(raw_copy)}
    assert {p: s for p, s in by_path.items() if p != NAME} == {p: s for p, s in others.items() if p != NAME}


def test_another_time_or_size_has_the_file_hashed(raw_copy: Path) -> None:
    file = raw_copy / NAME
    real = hashlib.sha256(file.read_bytes()).hexdigest()
    known = _known(raw_copy, "0" * 64)
    st = file.stat()
    os.utime(file, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000))  # touched: one microsecond later
    assert {m.path: m.sha256 for m in scan(raw_copy, known)}[NAME] == real
    os.utime(file, ns=(st.st_atime_ns, st.st_mtime_ns))
    file.write_bytes(file.read_bytes() + b"\n")  # written again, then its old time put back: the size tells
    os.utime(file, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert {m.path: m.sha256 for m in scan(raw_copy, known)}[NAME] == hashlib.sha256(file.read_bytes()).hexdigest()


def test_runs_use_the_quick_check_and_load_an_edit(raw_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second run hashes no file; an edit of the same size with a new time is hashed and loaded."""
    db = tmp_path / "w.duckdb"
    assert pipeline.run(raw_copy, db).exit_code == 0
    hashed: list[str] = []
    digest = hashlib.file_digest

    def counting(fh: Any, name: str) -> Any:
        hashed.append(fh.name)
        return digest(fh, name)

    monkeypatch.setattr(hashlib, "file_digest", counting)
    assert pipeline.run(raw_copy, db).summary.dumps_unchanged == 5
    assert hashed == []
    file = raw_copy / NAME
    text = file.read_bytes()
    old = b"tandv\xc3\xa5rd"
    assert old in text
    file.write_bytes(text.replace(old, b"TANDV\xc3\x85RD", 1))  # same size, new mtime
    report = pipeline.run(raw_copy, db)
    assert report.exit_code == 0
    assert [Path(h).name for h in hashed] == [NAME]
    assert (report.summary.dumps_changed, report.summary.dumps_unchanged) == (1, 4)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM posts WHERE body LIKE '%TANDVÅRD%'").fetchone() == (1,)
