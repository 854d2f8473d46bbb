"""raw/ changing under a run (issue 14, item 14): a dump deleted between the scan and its parse is left
out of the run with a warning, as the scan leaves out a file gone before it is hashed; the others load."""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability.support import MODES, copy_samples, edited, ingest, rows

import flows.ingest
from blogetl import pipeline
from blogetl.sources.scan import DumpMeta
from blogetl.warehouse.store import Warehouse

GONE = "001_2e98f75a052abd0d.txt"


def delete_after_planning(monkeypatch: pytest.MonkeyPatch, raw: Path, name: str) -> None:
    """The scraper tidies up right after the run planned: the file is gone when its parse reads it."""
    real = pipeline.plan_run

    def plan_then_delete(wh: Warehouse, raw_dir: Path | str, scanned: list[DumpMeta]):  # type: ignore[no-untyped-def]
        out = real(wh, raw_dir, scanned)
        (raw / name).unlink()
        return out

    monkeypatch.setattr(pipeline, "plan_run", plan_then_delete)
    monkeypatch.setattr(flows.ingest, "plan_run", plan_then_delete)


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_a_dump_deleted_between_scan_and_parse_is_left_out_with_a_warning(
        mode: list[str], raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_samples(raw, "000", "001", "002")
    db = tmp_path / "blog.duckdb"
    delete_after_planning(monkeypatch, raw, GONE)
    out = ingest(mode, raw, db)
    assert out.exit_code == 0, out.output
    assert f"warning: {GONE} disappeared from raw/ after the scan; left out of this run" in out.output
    assert rows(db, "SELECT status, dumps_seen, dumps_new, dumps_not_loaded FROM ingest_runs") == [("succeeded", 2, 2, 0)]
    assert [p for (p,) in rows(db, "SELECT path FROM dumps ORDER BY path")] == ["000_17c9fd5fd54ce450.txt", "002_cfe29880190abf46.txt"]
    assert rows(db, "SELECT count(*) FROM posts") == [(19,)]


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_a_changed_dump_deleted_before_its_parse_keeps_its_posts_and_is_missing(
        mode: list[str], raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_samples(raw, "000", "001")
    db = tmp_path / "blog.duckdb"
    assert ingest(mode, raw, db).exit_code == 0
    (raw / GONE).write_text(edited("001", "Ett bra möte, helt enkelt.", "Ett bra möte."), encoding="utf-8")
    delete_after_planning(monkeypatch, raw, GONE)
    out = ingest(mode, raw, db)
    assert out.exit_code == 0, out.output
    assert rows(db, "SELECT path, missing_since_run_id FROM dumps ORDER BY path") == [
        ("000_17c9fd5fd54ce450.txt", None), (GONE, 2)]
    assert rows(db, "SELECT count(*) FROM posts") == [(19,)]
    assert rows(db, "SELECT status, dumps_missing, dumps_not_loaded FROM ingest_runs WHERE run_id = 2") == [("succeeded", 1, 0)]
