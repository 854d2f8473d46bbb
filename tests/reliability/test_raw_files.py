"""What raw/ holds besides plain dump files (issue 14, item 12): symbolic links that leave raw/ are
never read (a rejected dump that says where they lead), special files are skipped, links within
raw/ load."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from reliability.support import MODES, copy_samples, ingest, rows, runs
from typer.testing import CliRunner

from blogetl import cli as library_cli

SAMPLE = "000_17c9fd5fd54ce450.txt"
SECRET = "password=hunter2-not-a-dump"


def hostile_raw(raw: Path, outside: Path) -> None:
    """A sample, a link to a secret outside raw/, a link to /proc/self/environ, a link to a folder
    outside raw/ (holding a dump), a FIFO, and a link to the sample inside raw/."""
    copy_samples(raw, "000")
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET + "\n")
    (outside / "folder").mkdir()
    copy_samples(outside / "folder", "001")
    (raw / "secret.txt").symlink_to(outside / "secret.txt")
    (raw / "environ.txt").symlink_to("/proc/self/environ")
    (raw / "elsewhere").symlink_to(outside / "folder", target_is_directory=True)
    (raw / "again.txt").symlink_to(SAMPLE)
    os.mkfifo(raw / "pipe.txt")  # reading it would block the run forever


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_links_out_of_raw_are_rejected_unread_and_special_files_skipped(mode: list[str], raw: Path, tmp_path: Path) -> None:
    hostile_raw(raw, tmp_path / "outside")
    db = tmp_path / "blog.duckdb"
    out = ingest(mode, raw, db)
    assert out.exit_code == 1, out.output
    assert "2 dump(s) not loaded: environ.txt, secret.txt" in out.output
    assert rows(db, "SELECT path, status, source_format, size, posts_found, decoded_text FROM dumps ORDER BY path") == [
        (SAMPLE, "loaded", "text", 17572, 9, rows(db, "SELECT decoded_text FROM dumps WHERE path = ?", [SAMPLE])[0][0]),
        ("again.txt", "loaded", "text", 17572, 9, rows(db, "SELECT decoded_text FROM dumps WHERE path = ?", [SAMPLE])[0][0]),
        ("environ.txt", "rejected", "link", 0, 0, ""),
        ("secret.txt", "rejected", "link", 0, 0, ""),
    ]
    assert rows(db, "SELECT path, reason, detail, text FROM rejects JOIN dumps USING (dump_id) ORDER BY path") == [
        ("environ.txt", "link_outside_raw", "a symbolic link to /proc/self/environ, outside raw/: not followed", ""),
        ("secret.txt", "link_outside_raw", f"a symbolic link to {tmp_path / 'outside' / 'secret.txt'}, outside raw/: not followed", ""),
    ]
    everything = " ".join(str(v) for table in ("dumps", "rejects", "posts") for row in rows(db, f"SELECT * FROM {table}") for v in row)
    assert "hunter2" not in everything and "PATH=" not in everything

    again = ingest(mode, raw, db)  # the same links: unchanged (never read, so /proc/self/environ cannot differ)
    assert again.exit_code == 1
    assert runs(db, "dumps_seen", "dumps_new", "dumps_changed", "dumps_unchanged")[1:] == [(4, 0, 0, 4)]


def test_links_out_of_raw_can_be_acknowledged(raw: Path, tmp_path: Path) -> None:
    hostile_raw(raw, tmp_path / "outside")
    db = tmp_path / "blog.duckdb"
    assert ingest(["--no-flow"], raw, db).exit_code == 1
    for name in ("secret.txt", "environ.txt"):
        done = CliRunner().invoke(library_cli.app, ["ack", name, "--reason", "a link, not a dump", "--raw", str(raw), "--db", str(db)])
        assert done.exit_code == 0, done.output
    assert ingest(["--no-flow"], raw, db).exit_code == 0
    assert rows(db, "SELECT path, a.sha256 = d.sha256, source_format FROM dump_acks a JOIN dumps d USING (path) ORDER BY path") == [
        ("environ.txt", True, "link"), ("secret.txt", True, "link")]  # acknowledged as runs see them: unread
    (raw / "secret.txt").unlink()
    (raw / "secret.txt").symlink_to("/etc/hostname")  # another target: not covered any more
    assert ingest(["--no-flow"], raw, db).exit_code == 1


def test_blogetl_parse_skips_a_link_out_of_the_folder(raw: Path, tmp_path: Path) -> None:
    hostile_raw(raw, tmp_path / "outside")
    done = CliRunner().invoke(library_cli.app, ["parse", str(raw)])
    assert done.exit_code == 0, done.output
    assert f"{raw / 'secret.txt'}: skipped, a symbolic link to {tmp_path / 'outside' / 'secret.txt'}, outside raw/" in done.output
    assert "hunter2" not in done.output and "PATH=" not in done.output


# --- file names (item 3) ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_two_names_that_escaped_to_one_text_are_two_dumps_and_stay_unchanged(mode: list[str], raw: Path, tmp_path: Path) -> None:
    """A latin-1 name `bl<0xE5>gg.txt` and a file really named `bl\\xe5gg.txt` (a backslash, x, e, 5)."""
    copy_samples(raw, "000", "001")
    os.rename(os.fsencode(raw / SAMPLE), os.fsencode(raw) + b"/bl\xe5gg.txt")
    os.rename(raw / "001_2e98f75a052abd0d.txt", raw / "bl\\xe5gg.txt")
    db = tmp_path / "blog.duckdb"
    assert ingest(mode, raw, db).exit_code == 0
    assert rows(db, "SELECT path, posts_found FROM dumps ORDER BY path") == [("bl\\\\xe5gg.txt", 10), ("bl\\xe5gg.txt", 9)]
    assert rows(db, "SELECT count(*) FROM posts") == [(19,)]
    for _ in range(2):  # was: 'changed 1' every run, flipping between the two files
        assert ingest(mode, raw, db).exit_code == 0
    assert runs(db, "run_id", "dumps_seen", "dumps_new", "dumps_changed", "dumps_unchanged") == [
        (1, 2, 2, 0, 0), (2, 2, 0, 0, 2), (3, 2, 0, 0, 2)]
