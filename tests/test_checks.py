"""`blogetl check`: the declared data tests pass on the samples' warehouse and fail, naming the rows,
on copies of it with a planted problem (a date or a site name as title, a duplicate key, a family of
pages whose posts lost their dates)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from fixtures.dumps import SAMPLES
from typer.testing import CliRunner

from blogetl import pipeline
from blogetl.checks import LIMITS, check_warehouse, title_is_a_date, title_is_a_site_name, worst
from blogetl.dedup import run as deduplicate
from flows.cli import app


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples' warehouse, deduplicated (as `make ingest` builds it)."""
    db = tmp_path_factory.mktemp("checks") / "blog.duckdb"
    assert pipeline.run(SAMPLES, db, after_load=[deduplicate]).ok
    return db


def planted(warehouse: Path, tmp_path: Path, *sql: str) -> Path:
    """A copy of the warehouse with the statements applied."""
    db = Path(shutil.copy(warehouse, tmp_path / "planted.duckdb"))
    with duckdb.connect(str(db)) as con:
        for statement in sql:
            con.execute(statement)
    return db


def status_of(db: Path) -> dict[str, str]:
    """check -> worst status over its subjects."""
    out: dict[str, str] = {}
    for r in check_warehouse(db):
        out[r.check] = worst([r]) if out.get(r.check, "pass") == "pass" else out[r.check]
    return out


def test_the_samples_pass(warehouse: Path) -> None:
    result = CliRunner().invoke(app, ["check", "--db", str(warehouse)])
    assert result.exit_code == 0, result.output
    assert "fail" not in result.output.replace("fail >", "").replace("fail <", "").replace("0 failed", "")
    assert set(status_of(warehouse)) == {"duplicate keys", "null keys", "titles that are dates", "titles that are site names",
                                         "posts with no body", "posts with a stale text hash", "posts dated", "posts with a site",
                                         "dumps rejected whole", "dumps with rejects"}


@pytest.mark.parametrize(("title", "check"), [
    ("Tisdag 3 mars 2020", "titles that are dates"),
    ("Publicerad 2019-04-02 14:05", "titles that are dates"),
    ("blogg.vk.se", "titles that are site names"),
    ("Västerbottens-Kuriren", "titles that are site names"),
])
def test_a_planted_bad_title_fails_the_check_and_is_named(warehouse: Path, tmp_path: Path, title: str, check: str) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        post_id = con.execute("SELECT min(post_id) FROM posts").fetchone()[0]  # type: ignore[index]
    db = planted(warehouse, tmp_path, f"UPDATE posts SET title = '{title}' WHERE post_id = '{post_id}'")
    result = CliRunner().invoke(app, ["check", "--db", str(db)])
    assert result.exit_code == 1, result.output
    line = next(line for line in result.output.splitlines() if check in line)
    assert line.startswith("fail") and f"{post_id}: {title}" in line
    assert "1 failed" in result.output


def test_a_duplicate_key_fails(warehouse: Path, tmp_path: Path) -> None:
    db = planted(warehouse, tmp_path, "INSERT INTO posts SELECT * FROM posts LIMIT 1")
    assert status_of(db)["duplicate keys"] == "fail"


def test_a_family_whose_posts_lost_their_dates_fails_and_an_empty_body_warns(warehouse: Path, tmp_path: Path) -> None:
    db = planted(warehouse, tmp_path, "UPDATE dumps SET profile = 'blogspot'",  # 30 posts of a family that shows dates
                 "UPDATE posts SET body = '' WHERE post_id = (SELECT min(post_id) FROM posts)")
    results = {r.check: r for r in check_warehouse(db)}
    assert results["posts dated"].subject == "family blogspot (30 posts)" and results["posts dated"].status == "fail"
    assert results["posts with no body"].status == "warn" and results["posts with no body"].value == pytest.approx(1 / 30)
    # the body was written outside a run: its text hash no longer matches, which the index and dedup rely on
    assert results["posts with a stale text hash"].status == "warn" and results["posts with a stale text hash"].value == 1
    assert results["posts with a stale text hash"].examples[0].startswith(min_post_id(db))


def min_post_id(db: Path) -> str:
    """The smallest post id of a warehouse."""
    with duckdb.connect(str(db), read_only=True) as con:
        return str(con.execute("SELECT min(post_id) FROM posts").fetchone()[0])  # type: ignore[index]


def test_thresholds_are_declared_in_one_place() -> None:
    assert LIMITS["titles that are dates"].status(1) == "fail"
    assert not title_is_a_date("72 år sedan") and not title_is_a_date("Vi närmar oss 2020")
    assert not title_is_a_site_name("Vill stoppa bedrägerier i hemtjänst", {"vk.se"})
