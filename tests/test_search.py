"""Swedish search on the samples: a word's base form finds its inflected forms, search() and
`blogetl search` show the same rows with the matched words marked, and blogetl.connect (or any
plain DuckDB connection) searches with no extension and nothing downloaded."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import duckdb
import pytest
from fixtures.dumps import SAMPLES
from typer.testing import CliRunner

import blogetl
from blogetl import pipeline
from blogetl.warehouse.errors import WarehouseError
from blogetl.warehouse.fts import lemmatize
from flows.cli import app


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples' warehouse."""
    db = tmp_path_factory.mktemp("search") / "blog.duckdb"
    assert pipeline.run(SAMPLES, db).ok
    return db


def words(text: str | None) -> list[str]:
    """Runs of letters and digits as written."""
    runs = itertools.groupby(text or "", key=lambda ch: unicodedata.category(ch)[0] in "LN")
    return ["".join(chars) for is_word, chars in runs if is_word]


def posts_with_lemma(db: Path, lemma: str) -> dict[str, set[str]]:
    """post_id -> its words (as written) whose lemma is lemma, for every post having one; read in Python."""
    with duckdb.connect(str(db), read_only=True) as con:
        posts = con.execute("SELECT post_id, title, body FROM posts").fetchall()
    out: dict[str, set[str]] = {}
    for post_id, title, body in posts:
        ws = words(title) + words(body)
        found = {w for w, lem in zip(ws, lemmatize([w.lower() for w in ws]), strict=True) if lem == lemma}
        if found:
            out[post_id] = found
    return out


@pytest.mark.parametrize(("query", "inflected", "posts_without_the_base_form"), [
    ("bostad", {"bostäder", "Bostaden"}, 1),
    ("brottslighet", {"brottsligheten"}, 0),
    ("få", {"får", "fick", "fått"}, 8),
    ("kommun", {"kommunen", "kommuner", "kommunens"}, 9),
])
def test_a_base_form_finds_every_post_with_one_of_its_forms(warehouse: Path, query: str, inflected: set[str],
                                                             posts_without_the_base_form: int) -> None:
    expected = posts_with_lemma(warehouse, query)
    forms = set().union(*expected.values())
    assert inflected <= forms  # the samples do hold these inflections
    only_inflected = [p for p, ws in expected.items() if query not in {w.lower() for w in ws}]
    assert len(only_inflected) == posts_without_the_base_form  # found only through an inflected form
    with blogetl.connect(warehouse) as con:
        rows = con.execute("SELECT post_id, title, snippet FROM search(?, n := 1000)", [query]).fetchall()
    assert {p for p, _, _ in rows} == set(expected)
    for post_id, title, snippet in rows:
        marked = {w for w in words(snippet) if f"**{w}**" in snippet}
        assert marked <= expected[post_id], (post_id, snippet)  # only the query's forms are marked
        assert marked or expected[post_id] <= set(words(title)), (post_id, snippet)  # unmarked: only the title has one


def test_search_rows_rank_titles_and_snippets(warehouse: Path) -> None:
    with blogetl.connect(warehouse) as con:
        rows = con.execute("SELECT post_id, title, score, snippet FROM search('organiserad brottslighet', n := 3)").fetchall()
        bodies = dict(con.execute("SELECT post_id, body FROM posts").fetchall())
    assert len(rows) == 3 and [r[2] for r in rows] == sorted((r[2] for r in rows), reverse=True)
    for post_id, title, _, snippet in rows:
        assert "brottslighet" in title.lower() or "**brottslighet" in snippet
        plain = snippet.replace("**", "").strip("…")
        assert " ".join(plain.split()) in " ".join(bodies[post_id].split())  # a piece of the body, spaces folded
    assert "**organiserad** **brottslighet**" in rows[0][3]


def test_the_command_prints_what_the_macro_returns(warehouse: Path) -> None:
    result = CliRunner().invoke(app, ["search", "bostad", "--db", str(warehouse), "-n", "5"])
    assert result.exit_code == 0, result.output
    with blogetl.connect(warehouse) as con:
        rows = con.execute("SELECT post_id, title, score, snippet FROM search('bostad', n := 5)").fetchall()
    assert rows
    for post_id, title, score, snippet in rows:
        assert f"{score:6.3f}  {title}  ({post_id})" in result.output
        assert snippet in result.output
    missing = CliRunner().invoke(app, ["search", "bostad", "--db", str(warehouse.with_name("none.duckdb"))])
    assert missing.exit_code == 2 and "no warehouse at" in missing.output


# A fresh interpreter with an empty extension folder: a search that loaded or downloaded an
# extension would leave it there or show it loaded.
OFFLINE = """
import json, os, sys, duckdb, blogetl
db, ext = sys.argv[1], sys.argv[2]
plain = duckdb.connect(db, read_only=True, config={"extension_directory": ext})  # autoinstall left on: DuckDB's default
out = {"plain": plain.execute("SELECT count(*) FROM search('bostad')").fetchone()[0],
       "match_bm25": plain.execute("SELECT count(*) FROM posts WHERE fts_main_posts.match_bm25(post_id, 'få') IS NOT NULL").fetchone()[0]}
plain.close()
con = blogetl.connect(db, fresh=True)
out["connect"] = con.execute("SELECT count(*) FROM search('bostad')").fetchone()[0]
out["loaded"] = [r[0] for r in con.execute("SELECT extension_name FROM duckdb_extensions() WHERE loaded AND install_mode <> 'STATICALLY_LINKED'").fetchall()]
out["ext_files"] = [str(p) for p in __import__("pathlib").Path(ext).rglob("*")]
print(json.dumps(out))
"""


def test_a_fresh_python_searches_with_no_extension_and_no_network(warehouse: Path, tmp_path: Path) -> None:
    ext = tmp_path / "ext"
    ext.mkdir()
    env = {**os.environ, "HOME": str(tmp_path), "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    done = subprocess.run([sys.executable, "-c", OFFLINE, str(warehouse), str(ext)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["plain"] == out["connect"] == 2 and out["match_bm25"] > 10
    assert out["loaded"] == [] and out["ext_files"] == []


def test_the_duckdb_shell_searches_with_no_set_up(warehouse: Path, tmp_path: Path) -> None:
    cli = Path(sys.executable).with_name("duckdb")
    if not os.access(cli, os.X_OK):  # the duckdb-cli wheel installs it without the executable bit
        cli = Path(shutil.copy(cli, tmp_path / "duckdb"))
        cli.chmod(0o755)
    out = subprocess.run([str(cli), "-readonly", "-csv", str(warehouse), "-c", "SELECT title, snippet FROM search('bostad');"],
                         capture_output=True, text=True, timeout=60, check=True, env={**os.environ, "HOME": str(tmp_path)}).stdout
    assert "**bostäder**" in out and "**bostad**" in out


def test_connect_names_a_missing_warehouse(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="no warehouse at .*none.duckdb .blogetl ingest makes one."):
        blogetl.connect(tmp_path / "none.duckdb")


def test_fresh_connections_see_a_new_publish_and_cached_ones_do_not(warehouse: Path, tmp_path: Path) -> None:
    raw = Path(shutil.copytree(SAMPLES, tmp_path / "raw"))
    db = tmp_path / "blog.duckdb"
    shutil.copy(warehouse, db)
    first = blogetl.connect(db)
    (raw / "zz_new.txt").write_text("Bostadsbristen i Umeå\n\nNya bostäderna räcker inte, säger kommunen.\n", encoding="utf-8")
    assert pipeline.run(raw, db).ok  # publishes a new file under the same name
    query = "SELECT count(*) FROM search('bostad')"
    assert blogetl.connect(db).execute(query).fetchone() == (2,)  # DuckDB's open database: the old data
    assert blogetl.connect(db, fresh=True).execute(query).fetchone() == (3,)
    first.close()
