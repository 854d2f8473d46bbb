"""Protecting the published file from analysts' writes: a read-only mode, a record of what each run
published, a private base copy to restore it from, and the check every run starts with.

Analysts are told to open `blog.duckdb` with `-readonly`; one who does not, writes into the file
every later run starts from (a `DELETE FROM posts`, a scratch table) or leaves a write-ahead log
beside it that fresh readers replay. So:

- the published file is made read-only (mode 0444): DuckDB refuses to open it for writing
  (`Permission denied`) for everyone but root;
- each publish writes a record beside it (`.blog.duckdb.state`, JSON): the file's identity (inode,
  size, mtime in ns), its tables' row counts, and a digest of the inputs the run read (the dumps'
  paths and sha256, the after-load stages, blogetl's own code);
- a private copy of what was published (`.blog.base.duckdb`) is the next run's starting point (renamed
  to the working copy: no copy at the start of a run) and the source of a repair; a publish makes it
  from the file it replaces, writing only the blocks that changed (blockcopy.py), when nothing else
  has that file open;
- every run (and `blogetl ack`) first compares the published file with the record: another inode, size
  or mtime, or a write-ahead log beside it, means it was written outside blogetl; it is then restored
  from the base copy (and the run says so, naming what changed: rows per table, extra tables);
- a run whose inputs equal the record's and whose file is intact changes nothing: it reads the base
  copy read-only, reports, and adds its ingest_runs row to the record (`pending_runs`), folded into
  the file by the next run that publishes. No copy, no publish.

>>> FileId(ino=1, size=2, mtime_ns=3).describe(FileId(ino=1, size=5, mtime_ns=4))
'size 2 -> 5 bytes, modified'
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import struct
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import xxhash

from blogetl.sources.scan import DumpMeta
from blogetl.warehouse import blockcopy
from blogetl.warehouse._sql import connect
from blogetl.warehouse.errors import WarehouseError
from blogetl.warehouse.files import WarehouseFiles, _fsync, discard_work, set_aside_stale_wal, wal

log = logging.getLogger(__name__)

RECORD_VERSION = 1
READ_ONLY = 0o444  # the published file: DuckDB cannot open it for writing (but for root)


@dataclass(frozen=True)
class FileId:
    """What identifies a file's contents without reading them: any write by DuckDB changes the mtime."""

    ino: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileId | None:
        """The file's identity now, None when it does not exist."""
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        return cls(st.st_ino, st.st_size, st.st_mtime_ns)

    def describe(self, now: FileId) -> str:
        """How the file changed, in words."""
        parts = []
        if now.ino != self.ino:
            parts.append("replaced by another file")
        if now.size != self.size:
            parts.append(f"size {self.size} -> {now.size} bytes")
        if now.mtime_ns != self.mtime_ns:
            parts.append("modified")
        return ", ".join(parts)


@dataclass
class Record:
    """What the last publish left: the published file's identity and tables, the base copy's identity,
    the inputs the published state reflects, and the rows of runs since then that changed nothing."""

    run_id: int
    published: FileId
    tables: dict[str, int]
    code: str  # blogetl's code the file was written with (its schema, parser, stages)
    inputs: str | None = None  # digest of the run's inputs; None: the next run does the whole work
    base: FileId | None = None  # the private copy, once made
    pending_runs: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> str:
        """The record as JSON (datetimes as ISO text)."""
        return json.dumps({"version": RECORD_VERSION, **asdict(self)}, default=_json_default, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Record:
        """A record read back; ValueError (or KeyError, TypeError) when it is not one."""
        data = json.loads(text)
        if data.pop("version", None) != RECORD_VERSION:
            raise ValueError("unknown record version")
        base = data.pop("base", None)
        return cls(published=FileId(**data.pop("published")), base=FileId(**base) if base else None, **data)


def _json_default(value: object) -> str:
    """Datetimes in a pending ingest_runs row."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def run_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A pending ingest_runs row as read back from the record (its times as datetimes again)."""
    out = dict(row)
    for key in ("started_at", "finished_at"):
        if isinstance(out.get(key), str):
            out[key] = datetime.fromisoformat(out[key])
    return out


def read_record(files: WarehouseFiles, path: Path | None = None) -> Record | None:
    """The record of the last publish, None when there is none (or it cannot be read: then no run trusts it)."""
    try:
        return Record.from_json((path or files.state).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring %s: %s", path or files.state, exc)
        return None


def write_record(files: WarehouseFiles, record: Record, path: Path | None = None) -> None:
    """Write the record atomically (a temporary file renamed over it)."""
    target = path or files.state
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(record.to_json(), encoding="utf-8")
    _fsync(tmp)
    os.replace(tmp, target)


def pending_runs(db_path: Path | str) -> list[dict[str, Any]]:
    """ingest_runs rows of runs that changed nothing and are not in the published file yet."""
    record = read_record(WarehouseFiles.for_db(db_path))
    return [run_row(r) for r in record.pending_runs] if record else []


@cache
def code_digest() -> str:
    """A digest of blogetl's own code: another version may read the same inputs differently."""
    root = Path(__file__).resolve().parent.parent
    h = xxhash.xxh3_128()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def stage_name(stage: Callable[..., Any]) -> str:
    """An after-load stage's name (module and qualified name)."""
    return f"{getattr(stage, '__module__', '')}.{getattr(stage, '__qualname__', type(stage).__name__)}"


def inputs_digest(scanned: Sequence[DumpMeta], stages: Sequence[Callable[..., Any]]) -> str:
    """What a run's result depends on besides the warehouse: the dumps under raw/ (path, sha256,
    or why unreadable), the after-load stages and blogetl's code."""
    h = xxhash.xxh3_128()
    h.update(code_digest().encode())
    for name in sorted(stage_name(s) for s in stages):
        h.update(b"\x1fstage\x1e" + name.encode())
    for m in sorted(scanned, key=lambda m: m.path):
        h.update(f"\x1f{m.path}\x1e{m.sha256}\x1e{m.error or ''}".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def table_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows of every table of the database (schema.name), to say later what an outside write changed."""
    names = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
                        "ORDER BY ALL").fetchall()
    out = {}
    for schema, table in names:
        quoted = f'"{schema}"."{table}"'.replace("\x00", "")
        out[f"{schema}.{table}"] = int(con.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0])  # type: ignore[index]
    return out


def writing_session(path: Path) -> int | None:
    """The PID of a process holding DuckDB's write lock on the file (a session opened without
    -readonly), None when there is none (or it cannot be told)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        # struct flock: l_type, l_whence, l_start, l_len, l_pid. Asking for a read lock conflicts only with a write lock.
        query = struct.pack("hhqqi", fcntl.F_RDLCK, os.SEEK_SET, 0, 0, 0)
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
        l_type, _, _, _, pid = struct.unpack("hhqqi", answer)
    except OSError:
        return None
    finally:
        os.close(fd)
    return int(pid) if l_type == fcntl.F_WRLCK and pid > 0 else None


def outside_writes(files: WarehouseFiles, record: Record) -> str | None:
    """How the published file differs from what the last publish left, None when it does not."""
    now = FileId.of(files.published)
    if now is None:
        return None
    problems = []
    if now != record.published:
        problems.append(record.published.describe(now))
    if wal(files.published).exists():
        problems.append(f"a write-ahead log beside it: {wal(files.published).name}")
    return "; ".join(problems) or None


def what_changed(files: WarehouseFiles, record: Record) -> str:
    """Rows per table and extra or missing tables of the published file against the record, in words."""
    try:
        with connect(str(files.published), read_only=True) as con:
            now = table_rows(con)
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"its tables cannot be read: {first}"
    parts = [f"{name} {record.tables[name]} -> {rows} rows" for name, rows in now.items()
             if name in record.tables and rows != record.tables[name]]
    parts += [f"table {name} added" for name in now if name not in record.tables]
    parts += [f"table {name} dropped" for name in record.tables if name not in now]
    return ", ".join(parts) or "no row count differs (values may)"


def base_trusted(files: WarehouseFiles, record: Record | None) -> bool:
    """Whether the private base copy is what the last publish left."""
    return record is not None and record.base is not None and FileId.of(files.base) == record.base


def _copy(source: Path, target: Path) -> None:
    """A full copy of a database file (no WAL: only closed, checkpointed files are copied)."""
    target.unlink(missing_ok=True)
    shutil.copyfile(source, target)
    _fsync(target)


def _leftovers(files: WarehouseFiles) -> list[Path]:
    """Temporary files a run killed mid-publish may leave."""
    return [files.restore, files.base_tmp, files.state.with_name(files.state.name + ".tmp")]


@dataclass
class Start:
    """Where a run starts from, decided under the writer lock before it does anything else."""

    files: WarehouseFiles
    record: Record | None  # None: nothing published yet, or an older blogetl's (or accepted) file
    lazy: bool  # the base copy is intact and of this blogetl: read it until the run must write
    from_base: bool = False  # the base copy is intact: the working copy is made by renaming it
    warnings: list[str] = field(default_factory=list)
    _reader: duckdb.DuckDBPyConnection | None = None

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection to the state the run starts from (the base copy), open until close()."""
        if self._reader is None:
            self._reader = connect(str(self.files.base), read_only=True)
        yield self._reader

    def close(self) -> None:
        """Close the read-only connection, if open."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def make_work(self) -> None:
        """The run's working copy: the base copy renamed, else a copy of the published file."""
        self.close()
        discard_work(self.files)
        if self.from_base:
            os.replace(self.files.base, self.files.work)  # a run killed from here on starts from the published file
            self.lazy = self.from_base = False
            if self.record is not None:
                self.record.base = None
        elif self.files.published.exists():
            shutil.copyfile(self.files.published, self.files.work)


def start(files: WarehouseFiles) -> Start:
    """Check the published file against the last publish's record (restoring it from the base copy
    when it was written outside blogetl) and decide where the run starts from. Under the writer lock."""
    discard_work(files)
    for path in _leftovers(files):
        path.unlink(missing_ok=True)
    if not files.published.exists():  # nothing published yet, or moved away to build a new one
        files.base.unlink(missing_ok=True)
        files.state.unlink(missing_ok=True)
        files.state_next.unlink(missing_ok=True)
        return Start(files, None, lazy=False)
    record = _settle_record(files)
    if record is None:  # published by an older blogetl, or accepted as it is: trusted as found
        files.base.unlink(missing_ok=True)
        return Start(files, None, lazy=False)
    warnings = []
    changed = outside_writes(files, record)
    if changed:
        details = what_changed(files, record)
        holder = writing_session(files.published)
        session = f"; a session (PID {holder}) has it open for writing: its writes are not kept" if holder else ""
        if not base_trusted(files, record):
            raise WarehouseError(
                f"{files.published} was written outside blogetl after run {record.run_id} ({changed}; {details}){session}, "
                f"and no copy is left to restore it from: restore it from a backup, or delete {files.state} "
                "to keep it as it is now")
        restore(files, record)
        warnings.append(f"{files.published} was written outside blogetl after run {record.run_id} ({changed}; {details})"
                        f"{session}; restored as run {record.run_id} published it. Open it with -readonly "
                        "(README: Analysts: read-only)")
        log.warning("%s", warnings[-1])
    trusted = base_trusted(files, record)
    if not trusted:
        files.base.unlink(missing_ok=True)
    return Start(files, record, lazy=trusted and record.code == code_digest(), from_base=trusted, warnings=warnings)


def _settle_record(files: WarehouseFiles) -> Record | None:
    """The record that describes the published file: a publish killed between its rename and its
    record's leaves the next record (`.state.next`) describing the file; promote it then."""
    pending = read_record(files, files.state_next)
    if pending is not None and FileId.of(files.published) == pending.published:
        os.replace(files.state_next, files.state)
        files.base.unlink(missing_ok=True)  # the base copy, if any, is the state before that publish
        return pending
    files.state_next.unlink(missing_ok=True)
    return read_record(files)


def restore(files: WarehouseFiles, record: Record) -> None:
    """Put back the published file as the last publish left it, from the base copy."""
    _copy(files.base, files.restore)
    os.chmod(files.restore, READ_ONLY)
    record.published = FileId.of(files.restore)  # type: ignore[assignment]
    write_record(files, record, files.state_next)
    set_aside_stale_wal(files)
    os.replace(files.restore, files.published)
    _fsync(files.published.parent)
    os.replace(files.state_next, files.state)


def publish(con: duckdb.DuckDBPyConnection, files: WarehouseFiles, *, run_id: int, inputs: str | None,
            compact: bool = True) -> list[str]:
    """Checkpoint and close the working copy, make it read-only and rename it onto the published file,
    record it, then keep a private copy of it (the next run's start, and the source of a repair).
    compact: the checkpoint vacuums (DuckDB's default; store.compacts says when a run skips it).
    Returns warnings (a session writing into the file being replaced)."""
    tables = table_rows(con)
    if compact:
        con.execute("RESET max_vacuum_tasks")
    con.execute("CHECKPOINT")
    con.close()
    if wal(files.work).exists():
        raise WarehouseError(f"working copy {files.work} still has a WAL after closing; not publishing it")
    warnings = []
    holder = writing_session(files.published) if files.published.exists() else None
    if holder is not None:
        warnings.append(f"a session (PID {holder}) has {files.published} open for writing: it keeps the previous "
                        "warehouse, and fresh readers may see its uncommitted changes until it closes; "
                        "open the warehouse with -readonly")
        log.warning("%s", warnings[-1])
    os.chmod(files.work, READ_ONLY)
    _fsync(files.work)
    record = Record(run_id=run_id, published=FileId.of(files.work), tables=tables, code=code_digest(),  # type: ignore[arg-type]
                    inputs=inputs)
    write_record(files, record, files.state_next)
    set_aside_stale_wal(files)
    previous = _keep_previous(files)
    os.replace(files.work, files.published)
    _fsync(files.published.parent)
    os.replace(files.state_next, files.state)
    keep_base(files, record, previous)
    return warnings


def _keep_previous(files: WarehouseFiles) -> bool:
    """Keep the file about to be replaced under the base copy's temporary name (a hard link), when it
    is as the last publish left it: the next base copy is made from it by writing only what changed."""
    tmp = files.base_tmp
    tmp.unlink(missing_ok=True)
    last = read_record(files)
    if last is None or FileId.of(files.published) != last.published or wal(files.published).exists():
        return False
    try:
        os.link(files.published, tmp)
    except OSError:  # a file system without hard links: the base copy is a full copy
        return False
    return True


def _update_copy(source: Path, target: Path) -> bool:
    """Bring target, the file source replaced, up to source's bytes by writing only the blocks that differ
    (warehouse/blockcopy.py); False (target removed) when it cannot: something else still has the old
    file open (an analyst's session reading the previous version), or the layout is not DuckDB's."""
    try:
        os.chmod(target, 0o644)
        written = blockcopy.patch(source, target)
    except (blockcopy.NotPatchable, OSError) as exc:
        log.info("base copy: %s; copying the whole file", exc)
        target.unlink(missing_ok=True)
        return False
    log.info("base copy: %d of %d bytes written", written, source.stat().st_size)
    _fsync(target)
    return True


def keep_base(files: WarehouseFiles, record: Record, previous: bool = False) -> None:
    """Make the private base copy of the just-published file and record it: the replaced file brought up
    to date when `previous` kept it (the blocks that changed written), else a full copy. A file written
    meanwhile (the copy is no longer what was published) leaves no base copy."""
    tmp = files.base_tmp
    try:
        if not (previous and _update_copy(files.published, tmp)):
            _copy(files.published, tmp)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        log.warning("no room for the base copy %s (%s): the published file cannot be restored if written to",
                    files.base, exc.strerror)
        return
    if outside_writes(files, record) is not None:
        tmp.unlink(missing_ok=True)
        return
    os.replace(tmp, files.base)
    record.base = FileId.of(files.base)
    write_record(files, record)


def add_pending_run(files: WarehouseFiles, record: Record, row: Mapping[str, Any]) -> None:
    """Record a run that changed nothing; the next publish writes it into ingest_runs."""
    record.pending_runs.append(dict(row))
    write_record(files, record)


def forget(db_path: Path | str) -> None:
    """Accept the published file as it is now (an older blogetl's, or one edited on purpose): drop the
    record and the base copy; the next run starts from the file and records it anew."""
    files = WarehouseFiles.for_db(db_path)
    for path in (files.state, files.state_next, files.base):
        with suppress(FileNotFoundError):
            path.unlink()
