"""What a run did: the counts ingest_runs records and the summary a run returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


def _count(text: str) -> Any:
    """A counter field with its description (which is also the ingest_runs column comment)."""
    return Field(default=0, ge=0, description=text)


class RunCounts(BaseModel):
    """Counts of one run, column for column as in ingest_runs."""

    model_config = ConfigDict(extra="forbid")

    dumps_seen: int = _count("dump files found under raw/ (or handed to the run)")
    dumps_new: int = _count("dumps loaded for the first time")
    dumps_changed: int = _count("dumps whose bytes changed since their last load: their old contribution was replaced")
    dumps_unchanged: int = _count("dumps skipped because their sha256 was already loaded")
    dumps_unreadable: int = _count("dump files under raw/ that could not be read (permissions, I/O errors): not loaded, named in the run summary")
    dumps_missing: int = _count("dumps loaded earlier that are gone from raw/ (see dumps.missing_since_run_id); their records stay")
    posts_added: int = _count("posts that did not exist before the run")
    posts_updated: int = _count("posts whose merged values changed")
    posts_removed: int = _count("posts no dump shows any more (their only dumps changed)")
    posts_unchanged: int = _count("posts in the warehouse the run left as they were")
    comments_added: int = _count("comments that did not exist before the run")
    comments_updated: int = _count("comments whose values changed")
    comments_removed: int = _count("comments gone from the thread their post now takes its comments from")
    comments_unchanged: int = _count("comments in the warehouse the run left as they were")
    post_sightings_added: int = _count("post sightings added (a post seen in a new or changed dump)")
    post_sightings_removed: int = _count("post sightings of changed dumps removed")
    comment_sightings_added: int = _count("comment sightings added (comments seen in a new or changed dump)")
    comment_sightings_removed: int = _count("comment sightings of changed dumps removed")
    rejects_added: int = _count("rejects recorded from new or changed dumps")
    rejects_removed: int = _count("rejects of changed dumps removed")
    dumps_not_loaded: int = _count("dumps under raw/ that need a look: unreadable, failed to parse, or rejected whole by the parser "
                                   "(in this run or, unchanged, in an earlier one) and not acknowledged; not_loaded names them")
    dumps_acknowledged: int = _count("dumps under raw/ that are not loaded but acknowledged (dump_acks): reported, not failing the run")


class IngestSummary(RunCounts):
    """The outcome of one run: counts, totals after the run, timings and what the after-load stages returned."""

    run_id: int
    status: Literal["succeeded", "incomplete", "failed"]
    error: str | None = None
    db_path: str
    parser_version: str
    started_at: datetime
    finished_at: datetime
    totals: dict[str, int] = Field(default_factory=dict, description="rows per table after the run")
    unreadable: dict[str, str] = Field(default_factory=dict, description="dump path -> why it could not be read")
    not_loaded: dict[str, str] = Field(default_factory=dict, description="dump path -> why it needs a look (see dumps_not_loaded)")
    acknowledged: dict[str, str] = Field(default_factory=dict, description="dump path -> why it is not loaded, and its acknowledgement")
    timings: dict[str, float] = Field(default_factory=dict, description="seconds per stage")
    after_load: list[dict[str, Any]] = Field(default_factory=list)
    published: bool = Field(default=True, description="False: nothing had changed, so the run published nothing "
                                                      "(ingest_runs gets its row with the next publish)")

    def format(self) -> str:
        """A few lines for a terminal: totals, then added / updated / unchanged."""
        t = self.totals
        seconds = sum(self.timings.values())
        return "\n".join([
            f"run {self.run_id} {self.status}: "
            + (f"published {self.db_path}" if self.published else f"nothing changed, {self.db_path} left as it was")
            + f" in {seconds:.2f} s"
            + (f" ({self.dumps_not_loaded} dump(s) need a look)" if self.dumps_not_loaded else ""),
            f"dumps     {t.get('dumps', 0):>6}   seen {self.dumps_seen}, new {self.dumps_new}, "
            f"changed {self.dumps_changed}, unchanged {self.dumps_unchanged}"
            + (f", missing {self.dumps_missing} (kept)" if self.dumps_missing else "")
            + (f", UNREADABLE {self.dumps_unreadable}: " + "; ".join(f"{p} ({why})" for p, why in self.unreadable.items())
               if self.unreadable else ""),
            f"posts     {t.get('posts', 0):>6}   added {self.posts_added}, updated {self.posts_updated}, "
            f"removed {self.posts_removed}, unchanged {self.posts_unchanged}",
            f"comments  {t.get('comments', 0):>6}   added {self.comments_added}, updated {self.comments_updated}, "
            f"removed {self.comments_removed}, unchanged {self.comments_unchanged}",
            f"rejects   {t.get('rejects', 0):>6}   added {self.rejects_added}, removed {self.rejects_removed}",
            *(f"after     {stage_line(result)}" for result in self.after_load),
            *([f"look at   {self.dumps_not_loaded}: {names(self.not_loaded)}"] if self.not_loaded else []),
            *([f"acknowledged {self.dumps_acknowledged}: {names(self.acknowledged)}"] if self.acknowledged else []),
            "timings   " + ", ".join(f"{k} {v:.3f} s" for k, v in self.timings.items()),
        ])


def stage_line(result: dict[str, Any]) -> str:
    """One after-load stage's result in a line: its scalar counts, not its timings."""
    return ", ".join(f"{k} {v}" for k, v in result.items() if isinstance(v, int | bool) and k != "timings")


def names(paths: dict[str, str], most: int = 10) -> str:
    """The first few paths of a mapping, and how many more."""
    shown = ", ".join(list(paths)[:most])
    return shown + (f" and {len(paths) - most} more" if len(paths) > most else "")
