"""`blogetl watch`: start an ingest run when dumps land in raw/ (debounced, settle-aware)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from prefect.logging import get_logger
from watchfiles import Change, DefaultFilter, watch

from blogetl.sources.files import DUMP_SUFFIXES

log = get_logger("blogetl.watch")  # under prefect's handlers, so the arrivals show in the log


class DumpFilter(DefaultFilter):
    """Only dump files (by suffix), never hidden or temporary ones."""

    def __call__(self, change: Change, path: str) -> bool:
        """Keep added or modified dump files."""
        name = Path(path).name
        return (
            change != Change.deleted
            and not name.startswith(".")
            and Path(path).suffix.lower() in DUMP_SUFFIXES
            and super().__call__(change, path)
        )


def _signature(path: Path) -> tuple[int, int] | None:
    """(size, mtime_ns) of a file, None when it is gone."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_size, st.st_mtime_ns


def wait_until_settled(paths: Iterable[Path], *, settle: float = 1.0, poll: float = 0.2, timeout: float = 300.0) -> list[Path]:
    """Wait until every file's size and mtime stay unchanged for `settle` seconds.

    A file a scraper is still writing is not read half-way; files that vanish are dropped.
    """
    pending = {Path(p): _signature(Path(p)) for p in paths}
    quiet_since = {p: time.monotonic() for p in pending}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = time.monotonic()
        for p in list(pending):
            sig = _signature(p)
            if sig != pending[p]:
                pending[p], quiet_since[p] = sig, now
        if all(now - quiet_since[p] >= settle for p in pending):
            break
        time.sleep(poll)
    return sorted(p for p, sig in pending.items() if sig is not None)


def watch_raw(
    raw_dir: Path,
    run: Callable[[], object],
    *,
    initial_run: bool = True,
    step_ms: int = 1000,
    debounce_ms: int = 10_000,
    settle: float = 1.0,
    stop_event: threading.Event | None = None,
    max_runs: int | None = None,
) -> int:
    """Call `run()` once per burst of new or changed dumps under raw_dir; returns runs made."""
    runs = 0
    if initial_run:
        run()
        runs += 1
    for changes in watch(raw_dir, watch_filter=DumpFilter(), step=step_ms, debounce=debounce_ms,
                         stop_event=stop_event, recursive=True, rust_timeout=1000, yield_on_timeout=False):
        arrived = wait_until_settled((Path(p) for _, p in changes), settle=settle)
        if not arrived:
            continue
        log.info("%d dump(s) arrived: %s", len(arrived), ", ".join(p.name for p in arrived[:5]))
        run()
        runs += 1
        if max_runs is not None and runs >= max_runs:
            break
    return runs
