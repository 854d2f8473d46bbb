"""The files of a warehouse: the published database, the run's working copy, the lock; atomic publish."""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WarehouseFiles:
    """Where a warehouse lives: `blog.duckdb` and its hidden siblings `.blog.work.duckdb`, `.blog.duckdb.lock`,
    `.blog.base.duckdb` and `.blog.duckdb.state` (blogetl.warehouse.guard)."""

    published: Path

    @classmethod
    def for_db(cls, db_path: Path | str) -> WarehouseFiles:
        """The files of the warehouse published at db_path; a symbolic link is followed to its file, so
        publishing replaces the file it names (not the link), and writers by either name share one lock."""
        return cls(Path(os.path.realpath(Path(db_path).absolute())))

    @property
    def work(self) -> Path:
        """The run's private working copy, never opened by analysts."""
        return self.published.with_name(f".{self.published.stem}.work{self.published.suffix}")

    @property
    def lock(self) -> Path:
        """The writer lock file."""
        return self.published.with_name(f".{self.published.name}.lock")

    @property
    def base(self) -> Path:
        """The private copy of what the last run published: the next run's start, the source of a repair."""
        return self.published.with_name(f".{self.published.stem}.base{self.published.suffix}")

    @property
    def base_tmp(self) -> Path:
        """The base copy being made (the replaced file kept by a hard link, or a full copy)."""
        return self.base.with_name(self.base.name + ".tmp")

    @property
    def state(self) -> Path:
        """The record of the last publish (JSON)."""
        return self.published.with_name(f".{self.published.name}.state")

    @property
    def state_next(self) -> Path:
        """The record of a publish in progress."""
        return self.published.with_name(f".{self.published.name}.state.next")

    @property
    def restore(self) -> Path:
        """A copy of the base copy on its way to replace a published file written outside blogetl."""
        return self.published.with_name(f".{self.published.stem}.restore{self.published.suffix}")


def wal(path: Path) -> Path:
    """DuckDB's write-ahead log beside a database file."""
    return path.with_name(path.name + ".wal")


def discard_work(files: WarehouseFiles) -> None:
    """Remove a working copy and its WAL (a killed run's leftovers would be replayed into a fresh copy)."""
    for path in (files.work, wal(files.work)):
        path.unlink(missing_ok=True)
    shutil.rmtree(f"{files.work}.tmp", ignore_errors=True)  # the writer's spill folder (store.limit_memory)


def _fsync(path: Path, flags: int = os.O_RDONLY) -> None:
    """Flush a file or folder to disk."""
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def set_aside_stale_wal(files: WarehouseFiles) -> None:
    """Move away a WAL an analyst's writing session left beside the published file.

    DuckDB replays a WAL found beside a database on open, whichever file it was written
    for: left in place, an analyst's uncheckpointed writes would land in the new warehouse.
    The session itself keeps working on the file it opened.
    """
    stale = wal(files.published)
    if stale.exists():
        aside = stale.with_name(stale.name + ".superseded")
        log.warning("moving %s (written by a session on the previous warehouse) to %s", stale, aside)
        os.replace(stale, aside)
