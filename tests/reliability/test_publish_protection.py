"""Issue 14, point 10: an analyst who opens the published file without -readonly, and the run that
finds nothing to do (it makes no copy of the warehouse).

The published file is read-only (mode 0444), each publish leaves a record and a private base copy,
and every run first checks the file against the record: writes from outside are undone.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from blogetl import pipeline
from blogetl.dedup import run as deduplicate
from blogetl.warehouse import snapshot
from blogetl.warehouse.history import recent_runs

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
LISTING = "000_17c9fd5fd54ce450.txt"
DUCKDB_CLI = Path(sys.executable).with_name("duckdb")
NOBODY = 65534

# An analyst's session in another process, opened without -readonly; it writes when told to.
SESSION = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("open", flush=True)
sys.stdin.readline()
con.execute("DELETE FROM posts WHERE post_id <> (SELECT min(post_id) FROM posts)")
print("deleted", flush=True)
sys.stdin.readline()
"""


def identity(path: Path) -> tuple[int, int, int] | None:
    """(inode, size, mtime in ns) of a file: changed by any copy, rename or write; None when there is none."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def value(db: Path, sql: str) -> str:
    """One value, read by a fresh reader in another process (DuckDB caches databases per process)."""
    out = subprocess.run([sys.executable, "-c", "import duckdb, sys; "
                          "print(duckdb.connect(sys.argv[1], read_only=True).execute(sys.argv[2]).fetchone()[0])",
                          str(db), sql], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def count(db: Path, sql: str) -> int:
    """One number, read by a fresh reader."""
    return int(value(db, sql))


def careless_analyst(db: Path) -> None:
    """Open the published file without -readonly, delete all posts but one and leave a scratch table.
    Only root can write a 0444 file: anyone else makes it writable first."""
    if os.geteuid() != 0:
        os.chmod(db, 0o644)
    with duckdb.connect(str(db)) as con:
        con.execute("DELETE FROM posts WHERE post_id <> (SELECT min(post_id) FROM posts)")
        con.execute("CREATE TABLE scratch AS SELECT 42 AS answer")


def test_an_analysts_delete_and_scratch_table_are_undone_by_the_next_run(raw_copy: Path, tmp_path: Path) -> None:
    db, clean = tmp_path / "wh" / "blog.duckdb", tmp_path / "clean" / "blog.duckdb"  # clean: the same runs, no analyst
    pipeline.run(raw_copy, db)
    pipeline.run(raw_copy, clean)
    published = snapshot(db)
    assert stat.S_IMODE(db.stat().st_mode) == 0o444
    careless_analyst(db)
    assert count(db, "SELECT count(*) FROM posts") == 1

    report = pipeline.run(raw_copy, db)  # raw/ unchanged: the run restores the file and changes nothing else
    pipeline.run(raw_copy, clean)
    assert count(db, "SELECT count(*) FROM posts") == 30
    assert count(db, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'scratch'") == 0
    assert snapshot(db) == published
    assert stat.S_IMODE(db.stat().st_mode) == 0o444
    [warning] = [w for w in report.warnings if "written outside blogetl" in w]
    assert "after run 1" in warning and "main.posts 30 -> 1 rows" in warning and "table main.scratch added" in warning
    assert "restored as run 1 published it" in warning and "-readonly" in warning

    careless_analyst(db)  # again, and this time the next run has new dumps to load
    shutil.copy(raw_copy / LISTING, raw_copy / "copy_of_listing.txt")
    assert any("written outside blogetl after run 1" in w for w in pipeline.run(raw_copy, db).warnings)
    pipeline.run(raw_copy, clean)
    assert snapshot(db) == snapshot(clean)


def test_the_published_file_is_never_the_only_copy_when_a_run_is_killed_and_an_analyst_writes(raw_copy: Path,
                                                                                            tmp_path: Path) -> None:
    """A run killed after it took the base copy leaves none: a file written outside blogetl then cannot be
    restored, and the run says so (exit 3, one line) instead of building on the analyst's edits."""
    db = tmp_path / "blog.duckdb"
    state = tmp_path / ".blog.duckdb.state"
    pipeline.run(raw_copy, db)
    os.replace(tmp_path / ".blog.base.duckdb", tmp_path / ".blog.work.duckdb")  # what a run killed after taking it leaves
    careless_analyst(db)
    with pytest.raises(pipeline.WarehouseError) as err:
        pipeline.run(raw_copy, db)
    message = pipeline.could_not_run(err.value)
    assert "\n" not in message and "was written outside blogetl after run 1" in message
    assert "no copy is left to restore it from" in message and f"delete {state}" in message
    state.unlink()  # the operator keeps the file as it is
    assert pipeline.run(raw_copy, db).summary.posts_unchanged == 1


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder another user can reach (pytest's tmp_path is private to its user)."""
    folder = Path(tempfile.mkdtemp(prefix="blogetl-analyst-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def as_analyst(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The analysts' duckdb shell, run as the user who owns the warehouse (nobody, when the tests run as root)."""
    prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, str(DUCKDB_CLI), *map(str, args)], capture_output=True, text=True, timeout=60)


def test_the_analysts_shell_cannot_open_the_published_file_for_writing(shared_dir: Path) -> None:
    raw, db = shared_dir / "raw", shared_dir / "blog.duckdb"
    shutil.copytree(SAMPLES, raw)
    pipeline.run(raw, db)
    if os.geteuid() == 0:  # the analyst owns the warehouse, as when one account runs blogetl and the shell
        for path in (shared_dir, *shared_dir.iterdir()):
            os.chown(path, NOBODY, NOBODY)
    refused = as_analyst(db, "-c", "DELETE FROM posts")
    assert refused.returncode != 0 and "Permission denied" in refused.stderr, refused
    assert not (shared_dir / "blog.duckdb.wal").exists()
    read = as_analyst("-readonly", db, "-csv", "-noheader", "-c", "SELECT count(*) FROM posts")
    assert (read.returncode, read.stdout.strip()) == (0, "30"), read
    assert count(db, "SELECT count(*) FROM posts") == 30


def test_a_session_writing_across_a_publish_is_named_and_its_log_set_aside_by_the_next_run(raw_copy: Path,
                                                                                          tmp_path: Path) -> None:
    """Root's session (the mode does not stop root) keeps the file it opened; its write-ahead log lands
    beside the new file, where fresh readers replay it: the publish names the session, the next run
    sets the log aside and restores the file."""
    db = tmp_path / "blog.duckdb"
    pipeline.run(raw_copy, db)
    if os.geteuid() != 0:
        os.chmod(db, 0o644)
    session = subprocess.Popen([sys.executable, "-c", SESSION, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
    try:
        assert session.stdout is not None and session.stdin is not None
        assert session.stdout.readline().strip() == "open"
        shutil.copy(raw_copy / LISTING, raw_copy / "copy_of_listing.txt")
        report = pipeline.run(raw_copy, db)
        assert any(f"a session (PID {session.pid}) has {db} open for writing" in w for w in report.warnings)
        session.stdin.write("\n")
        session.stdin.flush()
        assert session.stdout.readline().strip() == "deleted"
        assert (tmp_path / "blog.duckdb.wal").exists()
        fresh = subprocess.run([sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1], read_only=True)",
                                str(db)], capture_output=True, text=True)
        assert "WAL checkpoint iteration does not match" in fresh.stderr  # a fresh reader cannot open it meanwhile

        again = pipeline.run(raw_copy, db)  # nothing new under raw/
        assert any("after run 2 (a write-ahead log beside it: blog.duckdb.wal; its tables cannot be read" in w
                   and "restored as run 2 published it" in w for w in again.warnings)
        assert count(db, "SELECT count(*) FROM posts") == 30
        assert count(db, "SELECT count(*) FROM dumps") == 6
    finally:
        session.kill()
        session.wait(timeout=30)


def test_a_run_with_nothing_new_makes_no_copy_and_publishes_nothing(raw_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "blog.duckdb"
    first = pipeline.run(raw_copy, db).summary
    before = {path: identity(path) for path in (db, tmp_path / ".blog.base.duckdb")}

    second = pipeline.run(raw_copy, db).summary
    assert {path: identity(path) for path in before} == before  # neither file was copied, renamed or written
    assert all(before.values()) and not (tmp_path / ".blog.work.duckdb").exists()
    assert (second.published, second.status, second.run_id, second.dumps_unchanged, second.posts_unchanged) == (
        False, "succeeded", 2, 5, 30)
    assert "nothing changed" in second.format()
    assert [r["run_id"] for r in recent_runs(db)] == [2, 1]  # `blogetl status` shows it at once

    shutil.copy(raw_copy / LISTING, raw_copy / "copy_of_listing.txt")
    third = pipeline.run(raw_copy, db).summary
    assert (third.published, third.run_id, third.dumps_new) == (True, 3, 1)
    assert value(db, "SELECT string_agg(run_id || ' ' || status, ', ' ORDER BY run_id) FROM ingest_runs") == (
        "1 succeeded, 2 succeeded, 3 succeeded")  # the second run's row came with the third's publish
    assert first.run_id == 1 and recent_runs(db)[0]["run_id"] == 3


def test_an_edit_made_through_blogetl_edit_is_kept_and_a_bad_one_is_one_line(raw_copy: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from blogetl.cli import app

    db = tmp_path / "blog.duckdb"
    pipeline.run(raw_copy, db, after_load=[deduplicate])
    runner = CliRunner()
    done = runner.invoke(app, ["edit", "--db", str(db),
                               "UPDATE outlets SET aliases = list_append(aliases, 'Kuriren') WHERE outlet_id = 'vk'"])
    assert done.exit_code == 0 and f"published {db} with the edit" in done.output
    report = pipeline.run(raw_copy, db, after_load=[deduplicate])  # nothing new under raw/, but the outlets changed
    assert report.summary.published and not report.warnings and report.summary.after_load[0]["changed"] is True
    assert value(db, "SELECT list_contains(aliases, 'Kuriren') FROM outlets WHERE outlet_id = 'vk'") == "True"
    assert stat.S_IMODE(db.stat().st_mode) == 0o444

    bad = runner.invoke(app, ["edit", "--db", str(db), "UPDATE outlet SET name = 'x'"])
    assert bad.exit_code == 2 and "Table with name outlet does not exist" in bad.output
    assert "Traceback" not in bad.output
