"""--db targets that cannot take a run (issue 14, items 17, 11, 16): a folder, a path under a file, a
read-only file system, a disk that fills while the working copy is made or while loading; a --db that
is a symbolic link; a lock held by another tool. Each is one line and an exit code (README "Exit codes"),
never a traceback, and the published file is never damaged."""

from __future__ import annotations

import errno
import gc
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from reliability.support import MODES, copy_samples, ingest, rows

import flows.ingest
from blogetl.warehouse.files import WarehouseFiles
from blogetl.warehouse.lock import WriterLock
from blogetl.warehouse.store import Warehouse

NO_SPACE = "(free space on the disk of --db: a run writes a working copy of the warehouse beside it)"


def the_line(output: str, start: str) -> str:
    """The one line of output that starts with start."""
    lines = [line for line in output.splitlines() if line.startswith(start)]
    assert len(lines) == 1, output
    return lines[0]


@contextmanager
def small_disk(folder: Path, size_kb: int, *options: str) -> Iterator[bool]:
    """A tmpfs of size_kb mounted on folder; yields False where this machine cannot mount one (the
    test then makes the same OS error happen by hand)."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join([f"size={size_kb}k", *options]), "tmpfs", str(folder)],
                             capture_output=True).returncode == 0
    try:
        yield mounted
    finally:
        gc.collect()  # the test's own references to a failed run (its exception) keep DuckDB's files open
        if mounted and subprocess.run(["umount", str(folder)]).returncode:
            subprocess.run(["umount", "--lazy", str(folder)], check=True)  # still busy: detach it all the same


def short_lock_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """A held lock gives up after 0.3 s (and the flow's open task does not retry it)."""
    real = WriterLock.acquire
    monkeypatch.setattr(WriterLock, "acquire", lambda self, timeout=30.0, first_wait=0.05: real(self, 0.3, first_wait))
    monkeypatch.setattr(flows.ingest, "open_warehouse", flows.ingest.open_warehouse.with_options(retries=0))


# --- item 17: bad --db targets -------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_a_folder_or_a_path_under_a_file_is_a_usage_error(mode: list[str], raw: Path, tmp_path: Path) -> None:
    copy_samples(raw, "000")
    folder = tmp_path / "folder.duckdb"
    folder.mkdir()
    out = ingest(mode, raw, folder)
    assert out.exit_code == 2
    assert the_line(out.output, "Error: ").endswith(f"{folder} is a folder; give the warehouse file, for example {folder / 'blog.duckdb'}")
    out = ingest(mode, raw, raw / "000_17c9fd5fd54ce450.txt" / "blog.duckdb")
    assert out.exit_code == 2
    assert the_line(out.output, "Error: ").endswith(f"{raw / '000_17c9fd5fd54ce450.txt'} is a file, so "
                                                     f"{raw / '000_17c9fd5fd54ce450.txt' / 'blog.duckdb'} cannot be made")


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_a_read_only_file_system(mode: list[str], raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_samples(raw, "000")
    with small_disk(tmp_path / "ro", 64, "ro") as mounted:
        if not mounted:
            def refuse(*args: object, **kwargs: object) -> object:
                raise OSError(errno.EROFS, "Read-only file system")

            monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
        db = tmp_path / "ro" / "blog.duckdb"
        out = ingest(mode, raw, db)
        assert out.exit_code == 3
        assert the_line(out.output, "ingest could not run:") == (
            f"ingest could not run: cannot write in {db.parent} (--db {db}): Read-only file system")


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_a_full_disk_while_the_working_copy_is_made(mode: list[str], raw: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    copy_samples(raw, "000", "001", "002", "003", "004")
    built = tmp_path / "built.duckdb"
    assert ingest(["--no-flow"], raw, built).exit_code == 0
    size = built.stat().st_size
    copy_samples(raw, "000")
    (raw / "new.txt").write_bytes(b"Ny rubrik\n\nAv , , 1 kommentar 2\n\nEn ny text om skolan och elevernas vardag.\n")
    with small_disk(tmp_path / "disk", size * 3 // 2 // 1024) as mounted:
        db = tmp_path / "disk" / "blog.duckdb"
        shutil.copyfile(built, db)
        if not mounted:
            real = shutil.copyfile

            def full(src: object, dst: object, *args: object, **kwargs: object) -> object:
                if str(dst).endswith(".blog.work.duckdb"):
                    raise OSError(errno.ENOSPC, "No space left on device", str(src), None, str(dst))
                return real(src, dst, *args, **kwargs)  # type: ignore[arg-type]

            monkeypatch.setattr(shutil, "copyfile", full)
        out = ingest(mode, raw, db)
        assert out.exit_code == 3, out.output
        assert the_line(out.output, "ingest could not run:") == (
            f"ingest could not run: No space left on device: {db} -> {db.parent / '.blog.work.duckdb'} {NO_SPACE}")
        assert db.read_bytes() == built.read_bytes()  # the published file as it was
        assert sorted(p.name for p in db.parent.iterdir()) == [".blog.duckdb.lock", "blog.duckdb"]


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_a_full_disk_while_loading(mode: list[str], raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_samples(raw, "000", "001", "002", "003", "004")
    with small_disk(tmp_path / "disk", 768) as mounted:
        db = tmp_path / "disk" / "blog.duckdb"
        if not mounted:
            def full(*args: object, **kwargs: object) -> None:
                raise duckdb.IOException(f'IO Error: Could not write file "{db.parent / ".blog.work.duckdb"}": No space left on device')

            monkeypatch.setattr(Warehouse, "load_arrow", full)
        out = ingest(mode, raw, db)
        assert out.exit_code == 3, out.output
        line = the_line(out.output, "ingest could not run:")
        assert "No space left on device" in line and line.endswith(NO_SPACE), line
        assert "Stack Trace" not in out.output
        assert not (db.parent / ".blog.work.duckdb").exists() and not (db.parent / ".blog.work.duckdb.wal").exists()


# --- item 11: --db is a symbolic link ----------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_a_db_that_is_a_link_publishes_into_its_target(mode: list[str], raw: Path, tmp_path: Path) -> None:
    copy_samples(raw, "000")
    target = tmp_path / "data" / "blog.duckdb"
    target.parent.mkdir()
    assert ingest(mode, raw, target).exit_code == 0
    link = tmp_path / "wh" / "blog.duckdb"
    link.parent.mkdir()
    link.symlink_to(target)
    copy_samples(raw, "001")
    assert ingest(mode, raw, link).exit_code == 0
    assert link.is_symlink() and link.resolve() == target  # the link is still the link
    assert rows(target, "SELECT count(*) FROM dumps") == [(2,)]  # and its target has the new run
    assert sorted(p.name for p in link.parent.iterdir()) == ["blog.duckdb"]  # no lock or working copy beside the link
    assert (target.parent / ".blog.duckdb.lock").exists()


def test_writers_by_the_link_and_by_the_target_share_one_lock(raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_samples(raw, "000")
    target = tmp_path / "data" / "blog.duckdb"
    target.parent.mkdir()
    link = tmp_path / "blog.duckdb"
    link.symlink_to(target)
    short_lock_wait(monkeypatch)
    files = WarehouseFiles.for_db(target)
    holder = WriterLock(files.lock, files.published).acquire()
    try:
        out = ingest(["--no-flow"], raw, link)
    finally:
        holder.release()
    assert out.exit_code == 3
    assert the_line(out.output, "ingest could not run:") == (
        f"ingest could not run: warehouse {target} is being written by another run (PID {os.getpid()}); gave up after 0.3 s "
        f"(lock file {target.parent / '.blog.duckdb.lock'})")


# --- item 16: who holds the lock ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_a_lock_held_by_another_tool_does_not_name_a_dead_run(mode: list[str], raw: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    copy_samples(raw, "000")
    db = tmp_path / "blog.duckdb"
    lock = tmp_path / ".blog.duckdb.lock"
    lock.write_text("999999\n")  # what a killed run leaves behind
    short_lock_wait(monkeypatch)
    other = subprocess.Popen(["flock", "--exclusive", str(lock), "sleep", "120"])
    try:
        deadline = time.monotonic() + 30
        while "FLOCK" not in Path("/proc/locks").read_text() or not _held(lock):
            assert time.monotonic() < deadline, "flock never took the lock"
            time.sleep(0.05)
        out = ingest(mode, raw, db)
    finally:
        other.kill()
        other.wait()
    assert out.exit_code == 3
    line = the_line(out.output, "ingest could not run:")
    assert "999999" not in line
    assert line == (f"ingest could not run: warehouse {db} is being written by another process (PID {other.pid}, flock); "
                    f"gave up after 0.3 s (lock file {lock})")


def _held(lock: Path) -> bool:
    """Someone holds an flock on the file."""
    import fcntl

    fd = os.open(lock, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
