"""Issue 14, point 9: dumps still being written when a run reads them (`blogetl watch` starts a run
while a scraper writes, or a writer pauses longer than --settle).

A run never loads a dump whose file changed while it was read (its size or mtime against the scan's,
checked after the parse); a dump that changes after it was loaded is named before the run publishes;
a platform page that ends inside a post is flagged as cut short. Either way the run does not say
"all loaded", and the next run loads the whole file.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import pytest

from blogetl import pipeline
from blogetl.sources.scan import DumpMeta
from blogetl.warehouse import DumpTables

LISTING = "000_17c9fd5fd54ce450.txt"  # 17,572 bytes, nine posts
WRITTEN = 704  # what the scraper had written when the run began (the case)


def start_writing(raw: Path) -> bytes:
    """Cut the listing back to its first bytes, as a scraper part-way through writing it; returns the rest."""
    path = raw / LISTING
    data = path.read_bytes()
    path.write_bytes(data[:WRITTEN])
    return data[WRITTEN:]


def finish_writing(raw: Path, rest: bytes) -> None:
    """The scraper writes the rest of the listing."""
    with (raw / LISTING).open("ab") as fh:
        fh.write(rest)


def loaded(db: Path) -> list[tuple[str, int, int]]:
    """(path, size, posts found) of every dump loaded."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT path, size, posts_found FROM dumps ORDER BY path").fetchall()


def test_a_dump_that_grows_while_the_run_reads_it_is_not_loaded(raw_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "blog.duckdb"
    rest = start_writing(raw_copy)

    def writer_resumes(metas: Sequence[DumpMeta]) -> Iterator[tuple[DumpMeta, DumpTables | BaseException]]:
        for meta, result in pipeline.parse_in_process(metas):
            if meta.path == LISTING:  # the listing has been read and parsed; the scraper goes on writing it
                finish_writing(raw_copy, rest)
            yield meta, result

    report = pipeline.run(raw_copy, db, parse_map=writer_resumes)
    assert report.exit_code == 1 and not report.ok
    assert report.not_loaded == {
        LISTING: "changed while the run read it (704 -> 17,572 bytes): not loaded, the next run reads it"}
    assert LISTING not in {path for path, _, _ in loaded(db)}
    assert report.message.startswith(f"1 dump(s) not loaded: {LISTING}")

    again = pipeline.run(raw_copy, db)
    assert again.ok and again.summary.dumps_new == 1
    assert (LISTING, 17_572, 9) in loaded(db)


def test_a_writer_that_pauses_past_the_load_is_named_before_the_run_publishes(raw_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "blog.duckdb"
    rest = start_writing(raw_copy)

    def writer_resumes(con: duckdb.DuckDBPyConnection) -> dict[str, int]:  # an after-load stage: the run has loaded
        finish_writing(raw_copy, rest)
        return {}

    report = pipeline.run(raw_copy, db, after_load=[writer_resumes])
    assert report.exit_code == 1
    assert report.not_loaded == {LISTING: "changed after the run read it (704 -> 17,572 bytes): the warehouse holds "
                                          "the bytes read, the next run loads the new ones"}
    assert (LISTING, 704, 1) in loaded(db)  # what was there when it was read, and the run says so
    assert [w for w in report.warnings if "cut short" in w] == [
        f"{LISTING} looks cut short: it ends inside a post, without the page's closing footer (still being written?); "
        "loaded as it is, the next run loads it again if it grows"]

    again = pipeline.run(raw_copy, db)
    assert again.ok and again.summary.dumps_changed == 1 and not again.warnings
    assert (LISTING, 17_572, 9) in loaded(db)


def test_bytes_that_are_not_the_scans_are_never_parsed_into_the_warehouse(raw_copy: Path) -> None:
    """The scan hashed a file being written; the parse reads more bytes: the dump is refused, not loaded
    under the scan's sha256 (a flow's parse cache would keep that pairing for good)."""
    rest = start_writing(raw_copy)
    [meta] = [m for m in pipeline.scan(raw_copy) if m.path == LISTING]
    finish_writing(raw_copy, rest)
    with pytest.raises(Exception, match="not the bytes the scan hashed"):
        pipeline.parse_dump(meta)


@pytest.mark.flows
def test_the_flow_does_not_say_all_loaded_when_a_dump_grew_while_it_was_read(prefect_server: str, raw_copy: Path,
                                                                              tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import flows.ingest

    db = tmp_path / "blog.duckdb"
    rest = start_writing(raw_copy)
    # a dump no other run has: the batch is parsed here, never taken from the parse cache of an earlier test run
    (raw_copy / "zz_note.txt").write_text("Kvarnbäcksprojektet försenas igen\n\nAv , , Bli först att kommentera 0\n\n"
                                          f"Projektet i Umeå försenas, meddelar kommunen ({uuid.uuid4()}).\n", encoding="utf-8")
    parse = flows.ingest.parse_dump

    def parse_then_writer_resumes(meta: DumpMeta) -> DumpTables:  # in the flow's parse task
        tables = parse(meta)
        if meta.path == LISTING:
            finish_writing(raw_copy, rest)
        return tables

    monkeypatch.setattr(flows.ingest, "parse_dump", parse_then_writer_resumes)
    state, report = flows.ingest.run_ingest(str(raw_copy), str(db), dedup=False)
    assert state.is_failed() and state.message == f"1 dump(s) not loaded: {LISTING}"
    assert report is not None and report.not_loaded == {
        LISTING: "changed while the run read it (704 -> 17,572 bytes): not loaded, the next run reads it"}

    monkeypatch.setattr(flows.ingest, "parse_dump", parse)
    state, report = flows.ingest.run_ingest(str(raw_copy), str(db), dedup=False)
    assert state.is_completed() and state.message == "all 6 dumps loaded"
    assert (LISTING, 17_572, 9) in loaded(db)
