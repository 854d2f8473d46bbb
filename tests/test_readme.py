"""The README is part of the interface: its SQL runs on a warehouse built from the samples, its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from blogetl import pipeline
from blogetl.dedup import run as deduplicate
from blogetl.warehouse import load_fts
from flows.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def sql_statements() -> list[str]:
    """Every statement of every ```sql block in the README."""
    blocks = re.findall(r"```sql\n(.*?)```", README, flags=re.S)
    return [stmt.strip() for block in blocks for stmt in block.split(";") if re.sub(r"--.*", "", stmt).strip()]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """The warehouse one main-job run builds from the samples raw/ ships (the tests' copies of them)."""
    db = tmp_path_factory.mktemp("readme") / "blog.duckdb"
    pipeline.run(Path(__file__).resolve().parent / "fixtures" / "samples", db, after_load=[deduplicate])
    return db


def test_readme_has_the_analyst_queries():
    assert len(sql_statements()) >= 8


@pytest.mark.parametrize("sql", sql_statements(), ids=lambda s: re.sub(r"\W+", "_", s.splitlines()[0])[:40])
def test_readme_sql_runs_and_returns_rows(warehouse, sql):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        load_fts(con)
        rows = con.execute(sql).fetchall()
    if "FROM rejects" not in sql and "FROM post_redirects" not in sql:  # the samples have no rejects and no changed
        assert rows, sql                                                 # ids; every other query has an answer


def test_readme_fts_example_finds_the_inflected_form(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        load_fts(con)
        titles = [r[0] for r in con.execute(
            "SELECT title FROM (SELECT *, fts_main_posts.match_bm25(post_id, 'brottslighet') AS s FROM posts) WHERE s IS NOT NULL"
        ).fetchall()]
    assert "Vill stoppa bedrägerier i hemtjänst" in titles  # says only 'brottsligheten'/'brottslighet' in inflections


def test_every_cli_command_is_documented():
    commands = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert set(commands) >= {"parse", "ingest", "serve", "watch", "shell-init"}
    for name in commands:
        assert f"blogetl {name}" in README, f"`blogetl {name}` is not in the README"
    assert CliRunner().invoke(app, ["shell-init"]).output.startswith("SET autoinstall_known_extensions = false;\nSET extension_directory")
