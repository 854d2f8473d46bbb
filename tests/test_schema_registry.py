"""One schema registry for the warehouse and the dedup stage: every table is there with its comments,
no key constraints anywhere, keys unique after any run, older layouts upgraded, snapshot sees it all."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from blogetl import pipeline
from blogetl.dedup import create_input
from blogetl.dedup import run as deduplicate
from blogetl.warehouse import ensure_schema, shell_sql, snapshot
from blogetl.warehouse.ddl import wanted_comments
from blogetl.warehouse.files import WarehouseFiles
from blogetl.warehouse.guard import forget
from blogetl.warehouse.schema import (
    ARTICLES,
    DEDUP,
    DEDUP_STATE,
    DEDUP_TABLES,
    OUTLETS,
    PASSAGE_MATCHES,
    TABLES,
    WAREHOUSE_TABLES,
    Table,
    create_sql,
    insert_new,
    upsert,
)
from blogetl.warehouse.store import edit_published
from blogetl.warehouse.views import VIEWS

SAMPLES = Path(__file__).resolve().parent / "fixtures" / "samples"  # copies of raw/'s dumps; tests never read raw/
LISTING = "000_17c9fd5fd54ce450.txt"
MAIN = "schema_name = 'main' AND database_name = current_database()"

# The dedup tables as blogetl made them before the registry (commit 68cfab7), PRIMARY KEYs and all.
OLD_DEDUP_DDL = """
CREATE TABLE outlets (outlet_id VARCHAR, name VARCHAR NOT NULL, aliases VARCHAR[] NOT NULL, kind VARCHAR, PRIMARY KEY (outlet_id));
CREATE TABLE articles (article_id VARCHAR, canonical_post_id VARCHAR NOT NULL, title VARCHAR, members INTEGER NOT NULL, versions INTEGER NOT NULL, duplicates INTEGER NOT NULL, quotes INTEGER NOT NULL, created_run INTEGER NOT NULL, changed_run INTEGER NOT NULL, PRIMARY KEY (article_id));
CREATE TABLE article_members (article_id VARCHAR NOT NULL, post_id VARCHAR NOT NULL, relation VARCHAR NOT NULL, is_canonical BOOLEAN NOT NULL, outlet_id VARCHAR, outlet_ids VARCHAR[] NOT NULL, outlet_source VARCHAR, outlet_evidence VARCHAR, outlet_evidence_start INTEGER, outlet_evidence_end INTEGER, matched_post_id VARCHAR, matched_relation VARCHAR, coverage_self DOUBLE, coverage_other DOUBLE, matched_words INTEGER, passages INTEGER, PRIMARY KEY (post_id));
CREATE TABLE article_redirects (old_article_id VARCHAR, article_id VARCHAR NOT NULL, run_no INTEGER NOT NULL, reason VARCHAR NOT NULL, PRIMARY KEY (old_article_id));
CREATE TABLE post_pairs (post_a VARCHAR NOT NULL, post_b VARCHAR NOT NULL, relation VARCHAR NOT NULL, quoter_post_id VARCHAR, coverage_a DOUBLE NOT NULL, coverage_b DOUBLE NOT NULL, matched_words INTEGER NOT NULL, passages INTEGER NOT NULL, longest_passage INTEGER NOT NULL, shared_fingerprints INTEGER NOT NULL, PRIMARY KEY (post_a, post_b));
CREATE TABLE passage_matches (post_a VARCHAR NOT NULL, post_b VARCHAR NOT NULL, passage_no INTEGER NOT NULL, a_start INTEGER NOT NULL, a_end INTEGER NOT NULL, b_start INTEGER NOT NULL, b_end INTEGER NOT NULL, matched_words INTEGER NOT NULL, shared_text VARCHAR NOT NULL, PRIMARY KEY (post_a, post_b, passage_no));
CREATE TABLE post_outlets (post_id VARCHAR NOT NULL, outlet_id VARCHAR NOT NULL, rank INTEGER NOT NULL, source VARCHAR NOT NULL, phrase VARCHAR NOT NULL, start_offset INTEGER, end_offset INTEGER, PRIMARY KEY (post_id, outlet_id));
CREATE TABLE dedup_docs (post_id VARCHAR, content_md5 VARCHAR NOT NULL, words INTEGER NOT NULL, fingerprints INTEGER NOT NULL, PRIMARY KEY (post_id));
CREATE TABLE dedup_lines (post_id VARCHAR NOT NULL, line_no INTEGER NOT NULL, line_key UBIGINT NOT NULL, words INTEGER NOT NULL);
CREATE TABLE dedup_fingerprints (post_id VARCHAR NOT NULL, fp UBIGINT NOT NULL, pos INTEGER NOT NULL, line_key UBIGINT NOT NULL);
CREATE TABLE dedup_boilerplate (line_key UBIGINT, posts INTEGER NOT NULL, words INTEGER NOT NULL, example VARCHAR, PRIMARY KEY (line_key));
CREATE TABLE dedup_state (key VARCHAR, value VARCHAR, PRIMARY KEY (key));
CREATE TABLE dedup_runs (run_no INTEGER, started_at TIMESTAMP NOT NULL, seconds DOUBLE NOT NULL, summary JSON NOT NULL, PRIMARY KEY (run_no));
"""


def build(raw: Path, db: Path) -> None:
    """One run with the dedup stage, as `blogetl ingest` does it."""
    report = pipeline.run(raw, db, after_load=[deduplicate])
    assert report.ok, report.message


def key_problems(con: duckdb.DuckDBPyConnection, tables: tuple[Table, ...] = TABLES) -> dict[str, tuple[int, int, int]]:
    """table -> (rows, distinct keys, rows with a null key part) for every table whose key is not unique and not null."""
    out = {}
    for t in tables:
        key = ", ".join(t.key)
        nulls = " OR ".join(f"{k} IS NULL" for k in t.key)
        row = con.execute(f"SELECT count(*), count(DISTINCT ({key})), count(*) FILTER ({nulls}) FROM {t.name}").fetchone()
        assert row is not None
        if row[0] != row[1] or row[2]:
            out[t.name] = (int(row[0]), int(row[1]), int(row[2]))
    return out


def key_constraints(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(table, constraint type) of every PRIMARY KEY or UNIQUE constraint in the file."""
    return con.execute(f"SELECT table_name, constraint_type FROM duckdb_constraints() WHERE {MAIN} "
                       "AND constraint_type IN ('PRIMARY KEY', 'UNIQUE') ORDER BY ALL").fetchall()


def comments(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str | None]:
    """(object, column or '') -> comment, for what the registry declares."""
    rows = con.execute(f"""
        SELECT table_name, '', comment FROM duckdb_tables() WHERE {MAIN}
        UNION ALL SELECT view_name, '', comment FROM duckdb_views() WHERE {MAIN} AND NOT internal
        UNION ALL SELECT table_name, column_name, comment FROM duckdb_columns() WHERE {MAIN}""").fetchall()
    return {(obj, col): text for obj, col, text in rows}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run with dedup over the samples."""
    db = tmp_path_factory.mktemp("registry") / "blog.duckdb"
    build(SAMPLES, db)
    return db


def test_the_registry_declares_every_table_once_with_a_key() -> None:
    names = [t.name for t in TABLES] + [v.name for v in VIEWS]
    assert len(names) == len(set(names))
    assert {t.part for t in WAREHOUSE_TABLES} == {"warehouse"} and {t.part for t in DEDUP_TABLES} == {DEDUP}
    for t in TABLES:
        assert t.key and set(t.key) <= set(t.names), t.name
        assert "PRIMARY KEY" not in create_sql(t) and "UNIQUE" not in create_sql(t)


def test_every_declared_table_and_view_exists_after_a_run_with_its_comments(built: Path) -> None:
    with duckdb.connect(str(built), read_only=True) as con:
        have = comments(con)
        columns = {(t, c) for t, c in have if c}
        for t in TABLES:
            assert [c for tt, c in sorted(columns) if tt == t.name] == sorted(t.names), t.name
        wanted = wanted_comments()
        assert {k: have.get(k) for k in wanted} == wanted
        assert have[("articles", "")].endswith("Key: article_id.")
        assert con.execute("SELECT count(*) FROM v_articles").fetchone()[0] > 0  # type: ignore[index]


def test_no_table_has_a_key_constraint(built: Path) -> None:
    with duckdb.connect(str(built), read_only=True) as con:
        assert key_constraints(con) == []


def test_keys_stay_unique_over_repeated_and_incremental_runs(tmp_path: Path) -> None:
    raw, db = Path(shutil.copytree(SAMPLES, tmp_path / "raw")), tmp_path / "blog.duckdb"

    def check(step: str) -> None:
        with duckdb.connect(str(db), read_only=True) as con:
            assert key_problems(con) == {}, step

    build(raw, db)
    check("first run")
    build(raw, db)
    check("nothing new")
    with duckdb.connect(str(db), read_only=True) as con:
        body = con.execute("SELECT body FROM posts WHERE title LIKE 'Sätt stopp%'").fetchone()[0]  # type: ignore[index]
    new = raw / "new.txt"  # another blog's copy of the op-ed: a new member of its article
    new.write_text(f"Kopierad debattartikel\n\n{body}\n", encoding="utf-8")
    build(raw, db)
    check("new dump")
    new.write_text(f"Kopierad debattartikel\n\n{body} Ett tillägg i slutet av texten.\n", encoding="utf-8")
    build(raw, db)
    check("changed dump")
    with edit_published(db) as con:  # an operator's edit of outlets redoes every post's outlets
        con.execute("UPDATE outlets SET aliases = list_append(aliases, 'Kuriren') WHERE outlet_id = 'vk'")
    build(raw, db)
    check("edited outlets")
    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute("SELECT run_no FROM dedup_runs ORDER BY run_no").fetchall()
        assert runs == [(1,), (2,), (3,), (4,)]  # every run but the one with nothing new changed something
        assert con.execute("SELECT max(members) FROM articles").fetchone() == (4,)  # VK, Folkbladet, the report, the copy


def test_keys_stay_unique_when_articles_merge_and_settings_change() -> None:
    """The dedup stage on its own (any database with a dedup_input relation): merges write article_redirects."""
    import dataclasses

    from blogetl.dedup import DEFAULT

    listing = (SAMPLES / "003_837c0e1b7ac6da94.txt").read_text(encoding="utf-8")
    paras = [p for p in listing.split("\n\n") if len(p.split()) > 20][:6]
    con = duckdb.connect()
    con.execute("CREATE TABLE posts (post_id VARCHAR, title VARCHAR, body VARCHAR, site VARCHAR)")
    create_input(con, "posts")
    for pid, ps in (("first", paras[:3]), ("second", paras[3:]), ("whole", paras)):
        con.execute("INSERT INTO posts VALUES (?, ?, ?, 'vk.se')", [pid, pid, "\n\n".join(ps)])
        deduplicate(con)
        assert key_problems(con, DEDUP_TABLES) == {}, pid
    assert con.execute("SELECT count(*) FROM article_redirects").fetchone() == (1,)
    deduplicate(con, dataclasses.replace(DEFAULT, max_df=29))  # everything redone
    assert key_problems(con, DEDUP_TABLES) == {}
    assert {r[0] for r in con.execute(f"SELECT table_name FROM duckdb_tables() WHERE {MAIN}").fetchall()} == {
        "posts", *(t.name for t in DEDUP_TABLES)}  # no warehouse table was made


def old_layout(db: Path) -> None:
    """Turn a warehouse's dedup tables into the layout blogetl made before the registry (rows kept)."""
    with duckdb.connect(str(db)) as con:
        for t in DEDUP_TABLES:
            con.execute(f"ALTER TABLE {t.name} RENAME TO {t.name}_saved")
        con.execute(OLD_DEDUP_DDL)
        for t in DEDUP_TABLES:
            con.execute(f"INSERT INTO {t.name} SELECT * FROM {t.name}_saved")
            con.execute(f"DROP TABLE {t.name}_saved")
        con.execute("CREATE OR REPLACE VIEW v_articles AS SELECT * FROM articles")
    forget(db)  # as that blogetl left it: no record of the publish, no base copy


def test_an_old_layout_warehouse_upgrades_with_its_rows(tmp_path: Path) -> None:
    raw, db = Path(shutil.copytree(SAMPLES, tmp_path / "raw")), tmp_path / "blog.duckdb"
    build(raw, db)
    old_layout(db)
    before = snapshot(db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert len(key_constraints(con)) == 11
    build(raw, db)  # nothing new: the run only upgrades
    after = snapshot(db)
    assert {t: rows for t, rows in after.items() if t != "ingest_runs"} == {
        t: rows for t, rows in before.items() if t != "ingest_runs"}
    with duckdb.connect(str(db), read_only=True) as con:
        assert key_constraints(con) == []
        wanted = wanted_comments()
        assert {k: comments(con).get(k) for k in wanted} == wanted
        assert con.execute("SELECT count(*) FROM dedup_runs").fetchone() == (1,)
    with duckdb.connect(str(db), read_only=True) as con:
        body = con.execute("SELECT body FROM posts WHERE title LIKE 'Sätt stopp%'").fetchone()[0]  # type: ignore[index]
    (raw / "new.txt").write_text(f"Kopierad debattartikel\n\n{body}\n", encoding="utf-8")
    build(raw, db)  # and works on
    with duckdb.connect(str(db), read_only=True) as con:
        assert key_problems(con) == {}
        assert con.execute("SELECT max(members), count(*) FROM dedup_runs, articles").fetchone() == (4, 2 * len(before["articles"]))


def old_storage(db: Path) -> None:
    """Rewrite a warehouse as blogetl wrote it before it chose a storage format: DuckDB's default
    format (v1.0), no column compression, every post sighting holding its text and its identity
    sketch (rows kept)."""
    old = db.with_name("old.duckdb")
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{old}' AS o (STORAGE_VERSION 'v1.0.0')")
        con.execute(f"ATTACH '{db}' AS n (READ_ONLY)")
        con.execute("COPY FROM DATABASE n TO o (SCHEMA)")
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'n' AND schema_name = 'main'").fetchall():
            columns = con.execute("SELECT column_name, data_type, is_nullable FROM duckdb_columns() WHERE database_name = 'n' "
                                  "AND schema_name = 'main' AND table_name = ? ORDER BY column_index", [table]).fetchall()
            con.execute(f"DROP TABLE o.{table}")  # no USING COMPRESSION: what an older blogetl created
            con.execute(f"CREATE TABLE o.{table} ({', '.join(f'{c} {t}' + ('' if n else ' NOT NULL') for c, t, n in columns)})")
        con.execute("COPY FROM DATABASE n TO o (DATA)")
        con.execute("UPDATE o.post_sightings s SET body = p.body FROM o.posts p WHERE s.post_id = p.post_id AND s.body IS NULL")
        for column, kind, value in RETIRED_SKETCH:
            con.execute(f"ALTER TABLE o.post_sightings ADD COLUMN {column} {kind}")
            con.execute(f"UPDATE o.post_sightings SET {column} = {value}")
    old.replace(db)
    files = WarehouseFiles.for_db(db)  # an older blogetl kept no base copy and no publish record
    files.base.unlink()
    files.state.unlink()


RETIRED_SKETCH = (("body_hash", "VARCHAR", "md5(body)"), ("body_shingles", "INTEGER", "length(body)"),
                  ("body_sketch", "UBIGINT[]", "NULL"), ("body_head", "VARCHAR", "left(body, 40)"))


# Long text in ZSTD; bodies left to DuckDB, which compresses them in this format (not in the older one).
NEW_FORMAT = {"dumps.decoded_text": {"ZSTD"}, "posts.body": {"DICT_FSST"}, "passage_matches.shared_text": {"ZSTD"}}


def storage(con: duckdb.DuckDBPyConnection) -> tuple[str, dict[str, set[str]]]:
    """The file's storage version, and the compression of each long-text column's segments."""
    version = con.execute("SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    kinds = {f"{t}.{c}": {r[0] for r in con.execute(f"SELECT DISTINCT compression FROM pragma_storage_info('{t}') "
                                                   "WHERE column_name = ? AND compression <> 'Constant'", [c]).fetchall()}
             for t, c in (("dumps", "decoded_text"), ("posts", "body"), ("passage_matches", "shared_text"))}
    return str(version[0] if version else None), kinds


def test_a_warehouse_in_the_older_storage_format_is_rewritten_once_with_its_rows(tmp_path: Path) -> None:
    raw, db = Path(shutil.copytree(SAMPLES, tmp_path / "raw")), tmp_path / "blog.duckdb"
    build(raw, db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert storage(con) == ("v1.4.0+", NEW_FORMAT)
        new_texts = con.execute("SELECT post_id, dump_id, body, page_text FROM v_post_sightings ORDER BY ALL").fetchall()
        con.execute(shell_sql())
        search = con.execute("SELECT post_id FROM posts WHERE fts_main_posts.match_bm25(post_id, 'brottslighet') IS NOT NULL "
                             "ORDER BY ALL").fetchall()
    assert search and new_texts
    old_storage(db)
    before = snapshot(db)
    with duckdb.connect(str(db), read_only=True) as con:
        version, kinds = storage(con)
        assert version == "v1.0.0+" and not {"ZSTD", "DICT_FSST"} & set().union(*kinds.values())
        assert con.execute("SELECT count(*) FROM post_sightings WHERE body IS NULL").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM post_sightings WHERE body_head IS NOT NULL").fetchone() == (len(before["post_sightings"]),)
    build(raw, db)  # nothing new: the run rewrites the file
    after = snapshot(db)
    assert {t: rows for t, rows in after.items() if t not in ("ingest_runs", "post_sightings")} == {
        t: rows for t, rows in before.items() if t not in ("ingest_runs", "post_sightings")}
    with duckdb.connect(str(db), read_only=True) as con:
        assert storage(con) == ("v1.4.0+", NEW_FORMAT)
        assert con.execute("SELECT post_id, dump_id, body, page_text FROM v_post_sightings ORDER BY ALL").fetchall() == new_texts
        assert con.execute("SELECT count(*) FROM post_sightings s JOIN posts p USING (post_id) WHERE s.body = p.body").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM post_sightings WHERE body IS NULL").fetchone()[0] == len(before["post_sightings"])  # type: ignore[index]
        assert con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'post_sightings' "
                           "AND column_name LIKE 'body_%'").fetchall() == []  # the sketch columns retired
        wanted = wanted_comments()
        assert {k: comments(con).get(k) for k in wanted} == wanted
        assert key_problems(con) == {}
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute(shell_sql())
        assert con.execute("SELECT post_id FROM posts WHERE fts_main_posts.match_bm25(post_id, 'brottslighet') IS NOT NULL "
                           "ORDER BY ALL").fetchall() == search
    listing = raw / LISTING
    listing.write_text(listing.read_text(encoding="utf-8").replace("Punkt slut.", "Punkt slut, helt enkelt.", 1), encoding="utf-8")
    build(raw, db)  # and works on: an edited post's two texts each stored once
    with duckdb.connect(str(db), read_only=True) as con:
        assert storage(con)[0] == "v1.4.0+"
        assert con.execute("SELECT count(*) FROM post_sightings s JOIN posts p USING (post_id) WHERE s.body = p.body").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM post_sightings WHERE body IS NOT NULL").fetchone() == (1,)


def test_ensure_schema_rebuilds_a_constrained_table_keeping_rows_and_extra_columns() -> None:
    with duckdb.connect() as con:
        con.execute("CREATE TABLE outlets (outlet_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, "
                    "aliases VARCHAR[] NOT NULL, country VARCHAR)")  # kind missing, country a user's own
        con.execute("INSERT INTO outlets VALUES ('x', 'X', ['x.se'], 'SE')")
        con.execute("CREATE TABLE posts (post_id VARCHAR, title VARCHAR, body VARCHAR, site VARCHAR)")
        ensure_schema(con, (DEDUP,))
        assert key_constraints(con) == []
        assert con.execute("SELECT * FROM outlets").fetchall() == [("x", "X", ["x.se"], None, "SE")]
        assert con.execute("SELECT comment FROM duckdb_columns() WHERE table_name = 'outlets' AND column_name = 'kind'"
                           ).fetchone() == (OUTLETS.columns[3].comment,)


def test_ensure_schema_adds_columns_a_dedup_table_lacks() -> None:
    with duckdb.connect() as con:
        con.execute("CREATE TABLE articles (article_id VARCHAR, canonical_post_id VARCHAR NOT NULL)")
        ensure_schema(con)
        got = con.execute("SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'articles' "
                          "ORDER BY column_index").fetchall()
        assert got == [(c.name, c.comment) for c in ARTICLES.columns]


def test_upsert_replaces_and_insert_new_keeps_the_row_of_a_key() -> None:
    with duckdb.connect() as con:
        for t in (DEDUP_STATE, OUTLETS, PASSAGE_MATCHES):
            con.execute(create_sql(t))
        upsert(con, DEDUP_STATE, {"key": "a", "value": "1"})
        upsert(con, DEDUP_STATE, {"key": "a", "value": "2"})
        upsert(con, DEDUP_STATE, {"key": "b", "value": None})
        assert con.execute("SELECT * FROM dedup_state ORDER BY key").fetchall() == [("a", "2"), ("b", None)]
        insert_new(con, OUTLETS, {"outlet_id": "vk", "name": "VK", "aliases": ["VK"], "kind": "newspaper"})
        insert_new(con, OUTLETS, {"outlet_id": "vk", "name": "other", "aliases": [], "kind": None})
        insert_new(con, OUTLETS, {"outlet_id": "fb", "name": "Folkbladet", "aliases": []})
        assert con.execute("SELECT * FROM outlets ORDER BY outlet_id").fetchall() == [
            ("fb", "Folkbladet", [], None), ("vk", "VK", ["VK"], "newspaper")]
        row = {"post_a": "a", "post_b": "b", "passage_no": 1, "a_start": 0, "a_end": 1, "b_start": 0, "b_end": 1,
               "matched_words": 1, "shared_text": "x"}
        upsert(con, PASSAGE_MATCHES, row)
        upsert(con, PASSAGE_MATCHES, {**row, "shared_text": "y"})
        upsert(con, PASSAGE_MATCHES, {**row, "passage_no": 2})
        assert con.execute("SELECT passage_no, shared_text FROM passage_matches ORDER BY ALL").fetchall() == [(1, "y"), (2, "x")]


def test_snapshot_covers_the_dedup_tables(built: Path, tmp_path: Path) -> None:
    snap = snapshot(built)
    assert set(snap) == {t.name for t in TABLES}
    assert snap["articles"] and snap["article_members"] and snap["outlets"] and snap["dedup_fingerprints"]
    assert snap["dedup_runs"] == [(1,)]  # its times and summary differ between identical builds
    again = tmp_path / "again.duckdb"
    build(SAMPLES, again)
    other = snapshot(again)
    assert {t: rows for t, rows in other.items() if t != "ingest_runs"} == {
        t: rows for t, rows in snap.items() if t != "ingest_runs"}


def test_posts_first_seen_at_and_text_hash_are_stored_and_filled_in_where_an_older_blogetl_had_none(tmp_path: Path) -> None:
    """posts.first_seen_at (the dedup stage's tie-break, kept by the load) equals the earliest file
    time of the post's dumps, and posts.text_hash the hash of title and body; a warehouse made before
    the columns existed gets them filled in on its next run."""
    raw, db = Path(shutil.copytree(SAMPLES, tmp_path / "raw")), tmp_path / "blog.duckdb"
    build(raw, db)
    expected = """SELECT p.post_id, min(d.file_modified_at), any_value(hash(p.title, p.body)) FROM posts p
                  JOIN post_sightings ps USING (post_id) JOIN dumps d USING (dump_id) GROUP BY p.post_id ORDER BY 1"""
    stored = "SELECT post_id, first_seen_at, text_hash FROM posts ORDER BY 1"
    with duckdb.connect(str(db), read_only=True) as con:
        want = con.execute(expected).fetchall()
        assert con.execute(stored).fetchall() == want and len(want) == 30
        assert con.execute("SELECT count(*) FROM posts WHERE first_seen_at IS NULL OR text_hash IS NULL").fetchone() == (0,)
    with edit_published(db) as con:  # as an older blogetl left it: no such column
        con.execute("DROP VIEW IF EXISTS dedup_input")
        con.execute("DROP VIEW IF EXISTS v_article_copies")
        con.execute("DROP VIEW IF EXISTS v_articles")
        con.execute("ALTER TABLE posts DROP COLUMN first_seen_at")
        con.execute("ALTER TABLE posts DROP COLUMN text_hash")
    build(raw, db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(stored).fetchall() == want
