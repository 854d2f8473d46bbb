"""What a run shows people: a progress line per parsed batch, a markdown summary artifact."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence

from blogetl.warehouse import IngestSummary
from blogetl.warehouse.summary import stage_line

ETA_MIN_BATCHES = 4  # a run of fewer batches gets no ETA: it ends before one would help
ETA_MIN_SECONDS = 10.0  # nor does one whose first batches were quick enough for it not to matter


def duration(seconds: float) -> str:
    """'42 s', '3 min 05 s', '1 h 02 min'.

    >>> duration(42.4), duration(185), duration(3720)
    ('42 s', '3 min 05 s', '1 h 02 min')
    """
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


class BatchProgress:
    """One log line per parsed batch: dumps and batches done, time so far, and on long runs an ETA.

    The line goes to the flow run's log (the terminal and the Prefect server alike), replacing
    the task runs' own 'Finished in state Completed()' lines, which are hidden unless --verbose.

    >>> lines = []
    >>> clock = iter([0.0, 30.0, 60.0]).__next__
    >>> p = BatchProgress(lines.append, 100, 5, clock=clock)
    >>> p.batch_done(20); p.batch_done(20)
    >>> lines
    ['parsed 20/100 dumps (batch 1/5) in 30 s, about 2 min 00 s left', 'parsed 40/100 dumps (batch 2/5) in 1 min 00 s, about 1 min 30 s left']
    """

    def __init__(self, out: logging.Logger | logging.LoggerAdapter | Callable[[str], object], dumps: int, batches: int,
                 *, clock: Callable[[], float] = time.monotonic) -> None:
        """Start the clock for `dumps` dumps in `batches` batches."""
        self._emit: Callable[[str], object] = out.info if isinstance(out, logging.Logger | logging.LoggerAdapter) else out
        self.total_dumps, self.total_batches = dumps, batches
        self.dumps = self.batches = 0
        self._clock = clock
        self._started = clock()
        self._eta: bool | None = None  # decided at the first batch: a run projected to be short gets none

    def batch_done(self, dumps: int) -> None:
        """Count a finished batch of `dumps` dumps and say so."""
        self.batches += 1
        self.dumps += dumps
        elapsed = self._clock() - self._started
        line = f"parsed {self.dumps}/{self.total_dumps} dumps (batch {self.batches}/{self.total_batches}) in {duration(elapsed)}"
        left = self.total_dumps - self.dumps
        eta = elapsed / self.dumps * left if self.dumps else 0.0
        if self._eta is None:
            self._eta = self.total_batches >= ETA_MIN_BATCHES and elapsed + eta >= ETA_MIN_SECONDS
        if self._eta and left > 0:
            line += f", about {duration(eta)} left"
        self._emit(line)


def summary_markdown(summary: IngestSummary, not_loaded: Mapping[str, str], warnings: Sequence[str] = ()) -> str:
    """The run summary as a markdown artifact: its status as ingest_runs records it, counts, totals,
    stage timings, the dumps that need a look and those acknowledged, warnings about raw/."""
    s = summary
    rows = [
        ("dumps", s.totals.get("dumps", 0), f"seen {s.dumps_seen}, new {s.dumps_new}, changed {s.dumps_changed}, unchanged {s.dumps_unchanged}, missing {s.dumps_missing} (kept)"),
        ("posts", s.totals.get("posts", 0), f"added {s.posts_added}, updated {s.posts_updated}, removed {s.posts_removed}, unchanged {s.posts_unchanged}"),
        ("comments", s.totals.get("comments", 0), f"added {s.comments_added}, updated {s.comments_updated}, removed {s.comments_removed}, unchanged {s.comments_unchanged}"),
        ("rejects", s.totals.get("rejects", 0), f"added {s.rejects_added}, removed {s.rejects_removed}"),
    ]
    lines = [f"# blogetl ingest run {s.run_id}: {s.status}", "", f"Warehouse: `{s.db_path}`, parser {s.parser_version}", "",
             "| table | rows | this run |", "|---|---:|---|"]
    lines += [f"| {name} | {total} | {what} |" for name, total, what in rows]
    lines += ["", "| stage | seconds |", "|---|---:|"]
    lines += [f"| {stage} | {secs:.3f} |" for stage, secs in s.timings.items()]
    lines += [f"\nAfter-load stage: {stage_line(result)}" for result in s.after_load]
    if not_loaded:
        lines += ["", "## Not loaded: needs a look", ""] + [f"- `{path}`: {why}" for path, why in sorted(not_loaded.items())]
    if s.acknowledged:
        lines += ["", "## Not loaded, acknowledged", ""] + [f"- `{path}`: {why}" for path, why in s.acknowledged.items()]
    if warnings:
        lines += ["", "## Warnings", ""] + [f"- {warning}" for warning in warnings]
    return "\n".join(lines) + "\n"


def failure_markdown(run_id: int, db_path: str, why: str) -> str:
    """The artifact of a run that could not finish (ingest_runs status 'failed'): nothing was published."""
    return f"# blogetl ingest run {run_id}: failed\n\nWarehouse: `{db_path}` (unchanged: nothing was published)\n\n{why}\n"
