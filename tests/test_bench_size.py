"""bench/bench_size.py: every block of a warehouse file is counted once, by table and column, and the
parts add up to the file.  Nothing timed here: the benchmark itself prints the figures."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

from blogetl import pipeline
from blogetl.dedup import run as deduplicate
from blogetl.warehouse.schema import TABLES

SAMPLES = Path(__file__).resolve().parent / "fixtures" / "samples"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import bench_size  # noqa: E402


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse of the samples, deduplicated (every table of the registry has its rows)."""
    raw = tmp_path_factory.mktemp("raw")
    for path in SAMPLES.iterdir():
        (raw / path.name).write_bytes(path.read_bytes())
    db = raw.parent / "blog.duckdb"
    assert pipeline.run(raw, db, after_load=[deduplicate]).ok
    return db


def test_the_parts_add_up_to_the_file(built: Path) -> None:
    size = bench_size.measure(built)
    with duckdb.connect(str(built), read_only=True) as con:
        used, free = con.execute("SELECT used_blocks, free_blocks FROM pragma_database_size()").fetchone()  # type: ignore[misc]
        rows = {t.name: con.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0] for t in TABLES}  # type: ignore[index]
    assert (size.used_blocks, size.free_blocks) == (used, free)
    assert size.file_bytes == built.stat().st_size
    assert bench_size.HEADER + size.table_bytes + size.metadata_bytes + size.free_bytes == size.file_bytes
    assert 0 <= size.metadata_bytes < size.table_bytes
    assert size.table_bytes == size.referenced_blocks * size.block_size
    by_name = {t.name: t for t in size.tables}
    assert {name: by_name[name].rows for name in rows} == rows
    assert "fts_main_posts.terms" in by_name  # every schema's tables, the index's too
    posts = by_name["posts"]
    assert posts.columns["body"] > 0 and set(posts.compression["body"]) >= {"ZSTD"}
    assert size.storage_version.startswith("v1.4")


def test_the_report_is_a_table_ending_with_the_file(built: Path) -> None:
    size = bench_size.measure(built)
    text = bench_size.report(size, 1_000_000, columns=0.0)
    lines = text.splitlines()
    assert lines[0].startswith(f"{built}: ") and "× the dumps" in lines[0]
    assert lines[-1].startswith("| **file** |") and f"{size.file_bytes / 1_000_000:.2f}×" in lines[-1]
    assert any(line.startswith("| &nbsp;&nbsp;body |") for line in lines)


def test_options(tmp_path: Path) -> None:
    args = bench_size.parse_args(["--raw", str(tmp_path)])
    assert (args.db, args.raw, args.runs, args.change) == (None, tmp_path, 5, 0.01)
    with pytest.raises(SystemExit):
        bench_size.parse_args([])
