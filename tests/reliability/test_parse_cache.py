"""The flow's parse cache (issue 14, items 8 and 18): a cached parse is only ever kept under the hash of
the bytes it parsed, and its key is never made of file names."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from reliability.support import LISTING, copy_samples, edited, ingest, rows, sample_bytes

import flows.ingest
from blogetl import pipeline
from blogetl.sources.scan import DumpMeta
from blogetl.warehouse.history import recent_runs
from blogetl.warehouse.store import Warehouse
from flows import cache

pytestmark = pytest.mark.flows
FLOW: list[str] = []  # ingest as a Prefect flow
NAME = "000_17c9fd5fd54ce450.txt"
OLD = "Från och med onsdag 18 november återinförs delvis fjärr- och distansundervisning"
NEW = "Från och med torsdag 19 november återinförs delvis fjärr- och distansundervisning"


@pytest.fixture(autouse=True)
def flow_server(prefect_server: str) -> None:
    """Every test here runs the flow on the session's Prefect test server."""


def test_a_dump_rewritten_between_discovery_and_parse_does_not_poison_the_cache(raw: Path, tmp_path: Path,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    copy_samples(raw, LISTING)
    original = sample_bytes(LISTING)
    rewritten = edited(LISTING, OLD, NEW).encode("utf-8")
    cache.clean()
    real = pipeline.plan_run

    def plan_then_rewrite(wh: Warehouse, raw_dir: Path | str, scanned: list[DumpMeta]):  # type: ignore[no-untyped-def]
        out = real(wh, raw_dir, scanned)
        (raw / NAME).write_bytes(rewritten)  # the scraper rewrites the page after discovery hashed it
        return out

    monkeypatch.setattr(flows.ingest, "plan_run", plan_then_rewrite)
    db = tmp_path / "blog.duckdb"
    out = ingest(FLOW, raw, db)  # the bytes read are not those discovery hashed: not loaded (item 9), not cached
    assert out.exit_code == 1
    assert [item["why"][:31] for item in recent_runs(db)[0]["not_loaded"]] == ["changed while the run read it ("]
    assert rows(db, "SELECT count(*) FROM dumps") == [(0,)]
    assert not list(cache.cached_files())
    monkeypatch.undo()

    (raw / NAME).write_bytes(original)  # back to the bytes discovery first saw
    assert ingest(FLOW, raw, db).exit_code == 0
    assert rows(db, "SELECT sha256 FROM dumps") == [(hashlib.sha256(original).hexdigest(),)]
    assert rows(db, "SELECT count(*) FROM posts WHERE body LIKE ?", [f"%{OLD}%"]) == [(1,)]
    assert rows(db, "SELECT count(*) FROM posts WHERE body LIKE ?", [f"%{NEW}%"]) == [(0,)]
    assert ingest(FLOW, raw, db).exit_code == 0
    [last] = [r for r in recent_runs(db) if r["run_id"] == 3]  # a run with nothing to do: its row is in the record
    assert (last["dumps_changed"], last["dumps_unchanged"]) == (0, 1)


def test_a_file_name_of_250_bytes_loads_in_a_flow(raw: Path, tmp_path: Path) -> None:
    name = "å" * 100 + "b" * 46 + ".txt"  # 250 bytes in UTF-8: near the file system's limit of 255
    assert len(name.encode()) == 250
    (raw / name).write_bytes(sample_bytes(LISTING))
    cache.clean()
    db = tmp_path / "blog.duckdb"
    out = ingest(FLOW, raw, db)
    assert out.exit_code == 0, out.output
    assert rows(db, "SELECT path, posts_found FROM dumps") == [(name, 9)]
    assert all(len(p.name.encode()) < 128 for p, _, _ in cache.cached_files())  # keys are hashes, not names
