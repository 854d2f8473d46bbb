"""Which dumps need a look, learnt from the warehouse, and the operator's acknowledgements (dump_acks).

A dump needs a look while it cannot be read, its parse fails, or the parser rejected it whole and
its bytes have not changed since. An unchanged dump is not parsed again (planning skips its sha256),
so a run reads "still rejected" from the dumps table, not from its own parses: the failure shows on
every run until the dump is fixed (changed bytes that load), moved out of raw/, or acknowledged.
An acknowledgement holds for the bytes it was made with (or, made while the file could not be read,
for as long as it cannot be read).
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from blogetl.warehouse.schema import DUMP_ACKS, upsert


@dataclass(frozen=True)
class Ack:
    """One acknowledgement: a dump's path, the bytes acknowledged (None: while unreadable), why, when, who."""

    path: str
    sha256: str | None
    reason: str
    acknowledged_at: datetime
    acknowledged_by: str

    def covers(self, sha256: str | None) -> bool:
        """Does it hold for the dump as it is now (sha256 of its bytes, None when it cannot be read)?"""
        return self.sha256 == sha256

    def describe(self) -> str:
        """'acknowledged 2025-01-02 by ops: known broken export'."""
        return f"acknowledged {self.acknowledged_at:%Y-%m-%d %H:%M} UTC by {self.acknowledged_by}: {self.reason}"


def acks(con: duckdb.DuckDBPyConnection) -> dict[str, Ack]:
    """Every acknowledgement, by path."""
    rows = con.execute("SELECT path, sha256, reason, acknowledged_at, acknowledged_by FROM dump_acks ORDER BY path").fetchall()
    return {row[0]: Ack(*row) for row in rows}


def acknowledge(con: duckdb.DuckDBPyConnection, path: str, sha256: str | None, reason: str) -> Ack:
    """Record (or replace) the acknowledgement of a dump."""
    ack = Ack(path, sha256, reason, datetime.now(UTC).replace(tzinfo=None), _user())
    upsert(con, DUMP_ACKS, {"path": ack.path, "sha256": ack.sha256, "reason": ack.reason,
                            "acknowledged_at": ack.acknowledged_at, "acknowledged_by": ack.acknowledged_by})
    return ack


def withdraw(con: duckdb.DuckDBPyConnection, path: str) -> bool:
    """Remove a dump's acknowledgement; False when it had none."""
    found = con.execute("SELECT count(*) FROM dump_acks WHERE path = ?", [path]).fetchone()
    con.execute("DELETE FROM dump_acks WHERE path = ?", [path])
    return bool(found and found[0])


def _user() -> str:
    """The operating-system user, or 'unknown' (a container may have no passwd entry)."""
    try:
        return getpass.getuser()
    except Exception:  # getpass raises OSError or KeyError without a user name
        return "unknown"


def still_rejected(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str, int | None]]:
    """Dumps under raw/ (not missing) the parser rejected whole: path -> (sha256, reasons, run that loaded these bytes)."""
    rows = con.execute("""
        SELECT d.path, d.sha256, coalesce(string_agg(DISTINCT r.reason, ', ' ORDER BY r.reason), 'no reason recorded'),
               d.last_run_id
        FROM dumps d LEFT JOIN rejects r USING (dump_id)
        WHERE d.status = 'rejected' AND d.missing_since_run_id IS NULL
        GROUP BY d.path, d.sha256, d.last_run_id ORDER BY d.path""").fetchall()
    return {path: (sha, reasons, last_run) for path, sha, reasons, last_run in rows}


def dumps_to_look_at(con: duckdb.DuckDBPyConnection, run_id: int, *, unreadable: Mapping[str, str],
                     failed: Mapping[str, str], scanned: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The run's failure rules: (dumps that need a look, dumps not loaded but acknowledged), path -> why, by path.

    unreadable and failed are this run's (path -> why); scanned maps each path to the sha256 this
    run found. What the file is now wins: unreadable over a failed parse over an earlier rejection.
    """
    current: dict[str, tuple[str | None, str]] = {}  # path -> (sha256 now, why)
    for path, (sha, reasons, last_run) in still_rejected(con).items():
        since = "" if last_run == run_id else f" (unchanged since run {last_run})"
        current[path] = (sha, f"rejected by the parser: {reasons}{since}")
    current.update({path: (scanned.get(path, ""), why) for path, why in failed.items()})
    current.update({path: (None, why) for path, why in unreadable.items()})
    known = acks(con)
    need: dict[str, str] = {}
    acked: dict[str, str] = {}
    for path in sorted(current):
        now, why = current[path]
        ack = known.get(path)
        if ack is not None and ack.covers(now):
            acked[path] = f"{why}; {ack.describe()}"
        else:
            need[path] = why
    return need, acked
