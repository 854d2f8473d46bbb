"""Loading the real samples: counts, idempotence, incremental adds, changed dumps, merge rules."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import duckdb
import pytest

from blogetl import pipeline
from blogetl.ids import stable_id
from blogetl.models import Comment, PageKind, ParseResult, Post
from blogetl.parse.identity import sketch
from blogetl.pipeline import parse_dump
from blogetl.sources.files import DumpFile
from blogetl.sources.scan import scan
from blogetl.warehouse import DumpTables, Warehouse, WarehouseError, snapshot, to_arrow
from blogetl.warehouse.guard import forget
from blogetl.warehouse.history import recent_runs
from blogetl.warehouse.schema import TABLES

SAMPLES = Path(__file__).resolve().parent / "fixtures" / "samples"  # copies of raw/'s dumps; tests never read raw/
LISTING, SINGLE = "000_17c9fd5fd54ce450.txt", "003_837c0e1b7ac6da94.txt"
SATT_STOPP = "Sätt stopp för organiserad brottslighet. Varenda skattekrona ska gå till de människor som har behov av välfärden"


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    """Rows of one query against a published warehouse."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def count(db: Path, table: str) -> int:
    """Rows in one table."""
    return rows(db, f"SELECT count(*) FROM {table}")[0][0]


def content(db: Path) -> dict[str, list[tuple]]:
    """Everything but ingest_runs, for 'nothing changed' checks."""
    snap = snapshot(db)
    snap.pop("ingest_runs")
    return snap


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The warehouse of one run over the shipped samples (read-only tests share it)."""
    db = tmp_path_factory.mktemp("wh") / "blog.duckdb"
    pipeline.run(SAMPLES, db)
    return db


def test_one_run_over_the_samples_gives_the_issue_counts(built: Path) -> None:
    counts = {t: count(built, t) for t in ("dumps", "posts", "comments", "post_sightings", "rejects")}
    assert counts == {"dumps": 5, "posts": 30, "comments": 5, "post_sightings": 31, "rejects": 0}
    assert rows(built, "SELECT comments_declared, comments_captured, sightings FROM v_posts WHERE title = ?", SATT_STOPP) == [(6, 5, 2)]
    assert rows(built, "SELECT DISTINCT status FROM dumps") == [("loaded",)]


def test_the_single_page_merges_into_the_listing_post(built: Path) -> None:
    sightings = rows(built, """
        SELECT d.path, s.page_kind, s.comment_count_declared, s.reactions
        FROM post_sightings s JOIN dumps d USING (dump_id) JOIN posts p USING (post_id)
        WHERE p.title = ? ORDER BY d.path""", SATT_STOPP)
    assert sightings == [(LISTING, "listing", 6, 10), (SINGLE, "single", 6, None)]
    assert rows(built, "SELECT reactions, comment_count_declared FROM posts WHERE title = ?", SATT_STOPP) == [(10, 6)]


def test_keys_are_unique(built: Path) -> None:
    for table in TABLES:
        key = ", ".join(table.key)
        assert rows(built, f"SELECT count(*) = count(DISTINCT ({key})) FROM {table.name}") == [(True,)], table.name


def test_offsets_point_into_the_stored_decoded_text(built: Path) -> None:
    spans = rows(built, """
        SELECT s.title, substr(d.decoded_text, s.start_offset + 1, s.end_offset - s.start_offset)
        FROM post_sightings s JOIN dumps d USING (dump_id)""")
    assert all(text.startswith(title) for title, text in spans)
    comments = rows(built, """
        SELECT c.author, c.body, substr(d.decoded_text, c.start_offset + 1, c.end_offset - c.start_offset)
        FROM comment_sightings c JOIN dumps d USING (dump_id)""")
    assert len(comments) == 5
    assert all(author in text and body.split()[-1] in text for author, body, text in comments)  # one body ends in 🙁 .


def test_comment_threads_have_paths(built: Path) -> None:
    got = rows(built, "SELECT thread_path, author, post_title FROM v_comment_threads ORDER BY post_id, thread_key")
    assert [(p, a) for p, a, _ in got] == [
        ("1", "tjalle"), ("1.1", "Andreas Lundgren"), ("1.1.1", "tjalle"), ("2", "PNW"), ("2.1", "Andreas Lundgren"),
    ]
    assert {t for _, _, t in got} == {SATT_STOPP}


def test_second_run_changes_nothing_but_ingest_runs(raw_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "blog.duckdb"
    first = pipeline.run(raw_copy, db).summary
    before = content(db)
    second = pipeline.run(raw_copy, db).summary
    assert content(db) == before
    assert (second.dumps_seen, second.dumps_unchanged, second.dumps_new, second.dumps_changed) == (5, 5, 0, 0)
    assert (second.posts_added, second.posts_updated, second.posts_removed, second.posts_unchanged) == (0, 0, 0, 30)
    assert (first.posts_added, first.comments_added, first.post_sightings_added) == (30, 5, 31)
    assert [(r["run_id"], r["status"], r["posts_added"], r["posts_unchanged"]) for r in recent_runs(db)] == [
        (2, "succeeded", 0, 30), (1, "succeeded", 30, 0)]
    # the second run published nothing: ingest_runs gets its row with the next run that publishes
    assert rows(db, "SELECT run_id FROM ingest_runs ORDER BY run_id") == [(1,)]


@pytest.mark.parametrize("sample, sightings", [(LISTING, 9), (SINGLE, 1)])
def test_a_copy_under_a_second_name_adds_a_dump_and_sightings_only(raw_copy: Path, tmp_path: Path, sample: str, sightings: int) -> None:
    db = tmp_path / "blog.duckdb"
    pipeline.run(raw_copy, db)
    before = content(db)
    shutil.copy(raw_copy / sample, raw_copy / f"copy_of_{sample}")
    summary = pipeline.run(raw_copy, db).summary
    after = content(db)
    assert (summary.dumps_new, summary.post_sightings_added, summary.posts_added, summary.posts_updated) == (1, sightings, 0, 0)
    assert len(after["dumps"]) == 6 and len(after["post_sightings"]) == 31 + sightings
    assert (after["posts"], after["comments"]) == (before["posts"], before["comments"])


def _edit_listing(raw: Path) -> None:
    """Scrape 001 again: a retitled post, an edited body, and the last post dropped."""
    path = raw / "001_2e98f75a052abd0d.txt"
    text = path.read_text(encoding="utf-8")
    text = text.replace("Eftermiddag i Holmsund", "Eftermiddag i Holmsund och Obbola", 1)
    text = text.replace("Ett bra möte, helt enkelt.", "Ett mycket bra möte.", 1)
    cut = text.index("27 miljarder i underskott för välfärden")
    path.write_text(text[:cut] + text[text.index("Arkiv\nRSS", cut):], encoding="utf-8")


def test_a_changed_dump_replaces_its_earlier_contribution(raw_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "blog.duckdb"
    pipeline.run(raw_copy, db)
    (old_id, old_sha), = rows(db, "SELECT dump_id, sha256 FROM dumps WHERE path LIKE '001%'")
    _edit_listing(raw_copy)
    summary = pipeline.run(raw_copy, db).summary
    assert (summary.dumps_changed, summary.posts_added, summary.posts_updated, summary.posts_removed) == (1, 1, 1, 2)
    (new_id, new_sha, first, last), = rows(db, "SELECT dump_id, sha256, first_run_id, last_run_id FROM dumps WHERE path LIKE '001%'")
    assert (new_id, first, last) == (old_id, 1, 2) and new_sha != old_sha
    assert count(db, "posts") == 29 and count(db, "post_sightings") == 30
    assert rows(db, "SELECT count(*) FROM posts WHERE title IN ('Eftermiddag i Holmsund', '27 miljarder i underskott för välfärden')") == [(0,)]
    assert rows(db, "SELECT body LIKE '%Ett mycket bra möte.%' FROM posts WHERE title = 'Bakfickan besöktes av Lena Hallengren'") == [(True,)]


def test_incremental_result_equals_a_clean_build(raw_copy: Path, tmp_path: Path) -> None:
    pipeline.run(raw_copy, tmp_path / "incremental.duckdb")
    _edit_listing(raw_copy)
    shutil.copy(raw_copy / SINGLE, raw_copy / "again.txt")
    pipeline.run(raw_copy, tmp_path / "incremental.duckdb")
    pipeline.run(raw_copy, tmp_path / "clean.duckdb")
    incremental, clean = content(tmp_path / "incremental.duckdb"), content(tmp_path / "clean.duckdb")
    for table in ("posts", "comments", "post_sightings", "comment_sightings", "rejects"):
        assert incremental[table] == clean[table], table


def test_an_edited_post_keeps_its_id_and_takes_the_latest_text(raw_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "blog.duckdb"
    pipeline.run(raw_copy, db)
    (post_id,), = rows(db, "SELECT post_id FROM posts WHERE title = ?", SATT_STOPP)
    single = raw_copy / SINGLE
    single.write_text(single.read_text(encoding="utf-8").replace("Punkt slut.", "Punkt slut, helt enkelt."), encoding="utf-8")
    summary = pipeline.run(raw_copy, db).summary
    assert (summary.posts_updated, summary.posts_added, summary.comments_unchanged) == (1, 0, 5)
    assert rows(db, "SELECT post_id, body LIKE '%Punkt slut, helt enkelt.%' FROM posts WHERE title = ?", SATT_STOPP) == [(post_id, True)]
    bodies = rows(db, "SELECT body LIKE '%helt enkelt.%', is_current_text FROM v_post_sightings WHERE post_id = ? ORDER BY path", post_id)
    assert bodies == [(False, False), (True, True)]  # both versions stay visible
    # each text is stored once: the sighting showing the post's current text leaves it to posts.body
    stored = "SELECT s.body IS NULL FROM post_sightings s JOIN dumps d USING (dump_id) WHERE post_id = ? ORDER BY d.path"
    assert rows(db, stored, post_id) == [(False,), (True,)]
    single.write_text(single.read_text(encoding="utf-8").replace("Punkt slut, helt enkelt.", "Punkt slut."), encoding="utf-8")
    assert pipeline.run(raw_copy, db).summary.posts_updated == 1  # the edit taken back: one text again
    assert rows(db, stored, post_id) == [(True,), (True,)]
    assert rows(db, "SELECT count(DISTINCT s.body), bool_and(s.is_current_text), bool_and(s.body = p.body) FROM v_post_sightings s "
                    "JOIN posts p USING (post_id) WHERE post_id = ?", post_id) == [(1, True, True)]


def test_a_dump_gone_from_raw_keeps_its_rows_and_is_flagged_until_it_returns(raw_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "blog.duckdb"
    pipeline.run(raw_copy, db)
    before = content(db)
    kept = (raw_copy / SINGLE).read_bytes()
    (raw_copy / SINGLE).unlink()
    summary = pipeline.run(raw_copy, db).summary
    assert (summary.dumps_seen, summary.dumps_missing) == (4, 1)
    assert rows(db, "SELECT path, missing_since_run_id FROM dumps WHERE missing_since_run_id IS NOT NULL") == [(SINGLE, 2)]
    after = content(db)
    assert {t: v for t, v in after.items() if t != "dumps"} == {t: v for t, v in before.items() if t != "dumps"}
    flagged = content(db)
    assert pipeline.run(raw_copy, db).summary.dumps_missing == 1 and content(db) == flagged  # flagged once, not again each run
    (raw_copy / SINGLE).write_bytes(kept)
    back = pipeline.run(raw_copy, db).summary
    assert (back.dumps_missing, back.dumps_unchanged, back.dumps_new) == (0, 5, 0)
    assert content(db) == before


def test_unparseable_dumps_are_rejected_with_their_text(raw_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "blog.duckdb"
    (raw_copy / "empty.txt").write_bytes(b"")
    (raw_copy / "noise.txt").write_bytes(bytes(range(256)) * 4)
    summary = pipeline.run(raw_copy, db).summary
    assert summary.rejects_added == 2
    got = rows(db, "SELECT d.path, d.status, r.reason FROM rejects r JOIN dumps d USING (dump_id) ORDER BY d.path")
    assert got == [("empty.txt", "rejected", "empty_dump"), ("noise.txt", "rejected", "binary_dump")]


# --- merge rules, on records built by hand ---------------------------------------------------


def _post(page_kind: PageKind, **fields: object) -> Post:
    """A post with the id every sighting in these tests shares."""
    base: dict[str, object] = {"post_id": "p1", "title": "Rubrik", "body": "Text.", "page_kind": page_kind,
                               "site": "vk.se", "position": 1, "start_offset": 0, "end_offset": 10}
    return Post(**{**base, **fields})


def _parsed(path: str, *posts: Post, comments: tuple[Comment, ...] = ()) -> tuple[DumpFile, ParseResult]:
    """A dump and its parse result, as a parse task would hand them over."""
    data = f"{path}:{[p.model_dump_json() for p in posts]}".encode()
    dump = DumpFile(path=path, data=data, sha256=str(hash(data)), size=len(data), site_hint=None)
    return dump, ParseResult(text="x" * 20, page_kind=posts[0].page_kind, site="vk.se", posts=list(posts), comments=list(comments))


def _comment(n: int) -> Comment:
    """Comment number n of post p1."""
    return Comment(comment_id=f"c{n}", post_id="p1", depth=0, position=n, author="a", body=f"kommentar {n}",
                   start_offset=0, end_offset=5)


def test_counts_come_from_the_listing_and_the_thread_from_the_single_page(tmp_path: Path) -> None:
    db = tmp_path / "blog.duckdb"
    with Warehouse.open(db) as wh:
        wh.load([
            _parsed("a_listing.txt", _post(PageKind.LISTING, comment_count_declared=6, reactions=10, body="Hela", is_excerpt=True)),
            _parsed("b_single.txt", _post(PageKind.SINGLE, comment_count_declared=7, body="Hela texten."),
                    comments=(_comment(1), _comment(2))),
        ])
    assert rows(db, "SELECT comment_count_declared, reactions, body FROM posts") == [(6, 10, "Hela texten.")]
    assert rows(db, "SELECT comments_declared, comments_captured FROM v_posts") == [(6, 2)]
    with Warehouse.open(db) as wh:  # a later listing disagrees: the latest dump wins
        wh.load([_parsed("0_old_name.txt", _post(PageKind.LISTING, comment_count_declared=8, reactions=12, truncated=True))])
    assert rows(db, "SELECT comment_count_declared, reactions, body, truncated FROM posts") == [(8, 12, "Hela texten.", False)]
    assert sorted(rows(db, "SELECT comment_count_declared FROM post_sightings")) == [(6,), (7,), (8,)]


def test_a_later_single_page_replaces_the_thread(tmp_path: Path) -> None:
    db = tmp_path / "blog.duckdb"
    with Warehouse.open(db) as wh:
        wh.load([_parsed("s1.txt", _post(PageKind.SINGLE), comments=(_comment(1), _comment(2)))])
    with Warehouse.open(db) as wh:
        wh.load([_parsed("s0.txt", _post(PageKind.SINGLE), comments=(_comment(1), _comment(3)))])
        summary = wh.finish()
    assert (summary.comments_added, summary.comments_removed, summary.comments_unchanged) == (1, 1, 1)
    assert rows(db, "SELECT comment_id FROM comments ORDER BY 1") == [("c1",), ("c3",)]
    assert count(db, "comment_sightings") == 4


def test_a_batch_keeps_one_row_per_key(tmp_path: Path) -> None:
    """A page repeating a post keeps one sighting and counts the copies; another text under the title is another post."""
    dump, result = _parsed("twice.txt", _post(PageKind.LISTING, position=1), _post(PageKind.LISTING, position=2, body="Andra."),
                           _post(PageKind.LISTING, position=3))
    tables = to_arrow(dump, result)
    got = tables.post_sightings.select(["post_id", "position", "copies", "body"]).to_pylist()
    assert got == [{"post_id": "p1", "position": 1, "copies": 2, "body": "Text."},
                   {"post_id": stable_id("p1", sketch("Andra.").text_hash), "position": 2, "copies": 1, "body": "Andra."}]
    newer = to_arrow(*_parsed("twice.txt", _post(PageKind.LISTING, body="Ny version.")))
    batch = DumpTables.concat([tables, newer])
    assert batch.paths == ["twice.txt"] and batch.post_sightings.column("body").to_pylist() == ["Ny version."]


def test_loading_an_already_loaded_dump_is_a_no_op(tmp_path: Path) -> None:
    db = tmp_path / "blog.duckdb"
    parsed = _parsed("a.txt", _post(PageKind.LISTING))
    with Warehouse.open(db) as wh:
        wh.load([parsed])
    with Warehouse.open(db) as wh:
        assert wh.known_dumps() == {"a.txt": parsed[0].sha256}
        wh.load([parsed])
        summary = wh.finish()
    assert (summary.dumps_unchanged, summary.post_sightings_added, summary.posts_unchanged) == (1, 0, 1)


def test_after_load_stages_run_in_the_working_copy_before_publishing(raw_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "blog.duckdb"

    def stage(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
        con.execute("CREATE OR REPLACE TABLE stage_output AS SELECT post_id FROM posts")
        return {"rows": con.execute("SELECT count(*) FROM stage_output").fetchone()[0]}

    summary = pipeline.run(raw_copy, db, after_load=[stage]).summary
    assert summary.after_load == [{"rows": 30}] and count(db, "stage_output") == 30


def test_a_failing_stage_publishes_nothing_but_a_failed_run(raw_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "blog.duckdb"
    pipeline.run(raw_copy, db)
    before = content(db)
    shutil.copy(raw_copy / LISTING, raw_copy / "new.txt")

    def broken(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
        raise RuntimeError("dedup exploded")

    with pytest.raises(RuntimeError, match="dedup exploded"):
        pipeline.run(raw_copy, db, after_load=[broken])
    assert content(db) == before
    assert rows(db, "SELECT run_id, status, error FROM ingest_runs ORDER BY run_id")[-1] == (2, "failed", "RuntimeError: dedup exploded")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".blog.base.duckdb", ".blog.duckdb.lock", ".blog.duckdb.state",
                                                          "blog.duckdb", "raw"]
    assert pipeline.run(raw_copy, db).summary.dumps_new == 1


def test_a_finished_run_refuses_more_work(tmp_path: Path) -> None:
    wh = Warehouse.open(tmp_path / "blog.duckdb")
    wh.finish()
    with pytest.raises(WarehouseError, match="already finished"):
        wh.load([])


def test_plan_splits_scanned_dumps_by_sha256(raw_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "blog.duckdb"
    pipeline.run(raw_copy, db)
    (raw_copy / "new.txt").write_text("Rubrik\n\nText.\n", encoding="utf-8")
    (raw_copy / SINGLE).write_text((raw_copy / SINGLE).read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with Warehouse.open(db) as wh:
        plan = wh.plan(scan(raw_copy))
        assert ([m.path for m in plan.new], [m.path for m in plan.changed], len(plan.unchanged)) == (["new.txt"], [SINGLE], 4)
        assert [m.path for m in plan.todo] == [SINGLE, "new.txt"]
        wh.abort()
    assert rows(db, "SELECT count(*) FROM ingest_runs") == [(1,)]


def test_parsed_dumps_travel_as_picklable_arrow() -> None:
    tables = parse_dump(next(m for m in scan(SAMPLES) if m.path == SINGLE))
    again = pickle.loads(pickle.dumps(tables))
    assert again.paths == [SINGLE] and again.comment_sightings.num_rows == 5
    assert all(a.equals(b) for a, b in zip(again.tables(), tables.tables(), strict=True))


def test_a_new_parser_version_reparses_every_dump_and_changes_no_content(raw_copy, tmp_path):
    import duckdb

    db = tmp_path / "blog.duckdb"
    pipeline.run(raw_copy, db)
    with duckdb.connect(str(db)) as con:
        before = con.execute("SELECT post_id, title, body FROM posts ORDER BY ALL").fetchall()
        con.execute("UPDATE dumps SET parser_version = '0.0.1'")
    forget(db)  # as an older blogetl left it
    summary = pipeline.run(raw_copy, db).summary
    assert (summary.dumps_changed, summary.dumps_unchanged) == (5, 0)
    assert (summary.posts_added, summary.posts_updated, summary.posts_removed) == (0, 0, 0)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT post_id, title, body FROM posts ORDER BY ALL").fetchall() == before
        assert con.execute("SELECT DISTINCT parser_version FROM dumps").fetchall() == [(__import__("blogetl").PARSER_VERSION,)]
    assert pipeline.run(raw_copy, db).summary.dumps_unchanged == 5


def test_a_file_that_is_not_a_warehouse_is_a_clear_error_and_stays_untouched(raw_copy: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    db = tmp_path / "blog.duckdb"
    db.write_bytes(b"SQLite format 3\x00 something else entirely")
    with pytest.raises(WarehouseError, match=r"blog\.duckdb cannot be opened as a DuckDB 1\.4\.4 warehouse") as caught:
        pipeline.run(raw_copy, db)
    # a SQLite header made DuckDB try to download sqlite_scanner: no run may reach the internet
    assert "download" not in str(caught.value) and "http" not in str(caught.value)
    assert db.read_bytes() == b"SQLite format 3\x00 something else entirely"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "raw") == [".blog.duckdb.lock", "blog.duckdb"]
    for no_flow in (["--no-flow"], []):  # a usage mistake: caught before any run, with or without Prefect
        out = CliRunner().invoke(app, ["ingest", "--raw", str(raw_copy), "--db", str(db), *no_flow])
        assert out.exit_code == 2 and "blog.duckdb is not a DuckDB warehouse" in out.output and "Traceback" not in out.output
    assert db.read_bytes() == b"SQLite format 3\x00 something else entirely"


def test_arrow_tables_name_the_dumps_the_parser_rejected_whole(raw_copy: Path) -> None:
    (raw_copy / "zz_binary.txt").write_bytes(b"\x00\x01\x02\xff" * 100)
    (raw_copy / "zz_empty.txt").write_bytes(b"\n \n")
    tables = DumpTables.concat([parse_dump(meta) for meta in scan(raw_copy)])
    assert tables.rejected() == {
        "zz_binary.txt": "rejected by the parser: binary_dump",
        "zz_empty.txt": "rejected by the parser: empty_dump",
    }


def test_a_file_name_that_is_not_utf8_loads_under_an_escaped_name(raw_copy: Path, tmp_path: Path) -> None:
    """A latin-1 file name (bytes 'bl\\xe5gg.txt') must not take the run, or the other dumps, down."""
    import os

    os.rename(os.fsencode(raw_copy / SINGLE), os.fsencode(raw_copy) + b"/bl\xe5gg.txt")
    db = tmp_path / "blog.duckdb"
    first = pipeline.run(raw_copy, db).summary
    assert (first.status, first.dumps_new) == ("succeeded", 5)
    assert rows(db, "SELECT path, posts_found, comments_found FROM dumps WHERE path LIKE 'bl%'") == [("bl\\xe5gg.txt", 1, 5)]
    assert count(db, "posts") == 30
    again = pipeline.run(raw_copy, db).summary
    assert (again.dumps_unchanged, again.dumps_new, again.dumps_missing) == (5, 0, 0)


def test_a_dump_deleted_during_the_scan_is_left_out_and_the_rest_load(raw_copy: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    import importlib

    scan_module = importlib.import_module("blogetl.sources.scan")
    listed = scan_module.discover_dumps(raw_copy)

    def listing_then_delete(root: Path) -> list[Path]:
        (raw_copy / SINGLE).unlink()  # gone after the listing, before it is hashed
        return listed

    monkeypatch.setattr(scan_module, "discover_dumps", listing_then_delete)
    summary = pipeline.run(raw_copy, tmp_path / "blog.duckdb").summary
    assert (summary.status, summary.dumps_new) == ("succeeded", 4)
    assert f"{SINGLE} disappeared while raw/ was scanned" in caplog.text


def _unreadable(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make one file fail to open with EACCES (tests run as root, where chmod 000 does not stop reads)."""
    real_open = Path.open

    def guarded(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self.name == name:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", guarded)


def test_an_unreadable_dump_is_named_and_the_others_load(raw_copy: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    db = tmp_path / "blog.duckdb"
    _unreadable(monkeypatch, SINGLE)
    summary = pipeline.run(raw_copy, db).summary
    assert (summary.status, summary.dumps_seen, summary.dumps_new, summary.dumps_unreadable) == ("incomplete", 5, 4, 1)
    assert summary.unreadable == summary.not_loaded == {SINGLE: "cannot be read: Permission denied"}
    assert f"UNREADABLE 1: {SINGLE} (cannot be read: Permission denied)" in summary.format()
    assert count(db, "posts") == 30 and count(db, "comments") == 0  # 003's thread waits for its file
    out = CliRunner().invoke(app, ["ingest", "--raw", str(raw_copy), "--db", str(db), "--no-flow"])
    assert out.exit_code == 1 and f"1 dump(s) not loaded: {SINGLE}" in out.output
    assert f"{SINGLE}: cannot be read: Permission denied" in out.output
    monkeypatch.undo()
    fixed = pipeline.run(raw_copy, db).summary
    assert (fixed.status, fixed.dumps_new, fixed.dumps_unreadable, fixed.dumps_missing) == ("succeeded", 1, 0, 0)
    assert count(db, "comments") == 5
