"""What a run shows people: a progress bar on a terminal, a markdown summary artifact."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from blogetl.warehouse import IngestSummary
from blogetl.warehouse.summary import stage_line

PROGRESS_MIN_DUMPS = 20


@contextmanager
def progress_for(total: int) -> Iterator[Callable[[], None]]:
    """A rich progress bar for many dumps on an interactive terminal; otherwise a no-op."""
    if total < PROGRESS_MIN_DUMPS or not sys.stderr.isatty():
        yield lambda: None
        return
    columns = (TextColumn("parsing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as progress:
        bar = progress.add_task("parse", total=total)
        yield lambda: progress.advance(bar)


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
