"""Lines of a dump with their offsets, and the ledger that accounts for each one exactly once."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress
from operator import attrgetter
from typing import NamedTuple

from pydantic import TypeAdapter

from blogetl.models import LineRole, LineUse, Reject, RejectReason
from blogetl.parse import patterns as pt

_LINE_USES = TypeAdapter(list[LineUse])
_START, _END = attrgetter("start"), attrgetter("end")


class Line(NamedTuple):
    """One line of the decoded text with its position, and its text (the line stripped)."""

    no: int
    start: int
    end: int
    raw: str
    text: str  # raw without surrounding whitespace (never empty: blank lines are no Line)

    @property
    def indent(self) -> int:
        """Number of leading whitespace characters."""
        return len(self.raw) - len(self.raw.lstrip())


@dataclass
class Ledger:
    """Records what every non-blank line was used for; each line exactly once.

    ``uses`` maps a line number to the line, its role and note; ``line_uses()`` makes the
    records at the end, validated in one call (one model per line as it is marked cost more
    than the rest of the line's parse).
    """

    uses: dict[int, tuple[Line, LineRole, str]] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)

    def mark(self, line: Line, role: LineRole, note: str = "") -> None:
        """Account for a line; a line is never accounted for twice."""
        if line.no in self.uses:
            raise AssertionError(f"line {line.no} accounted for twice")
        self.uses[line.no] = (line, role, note)

    def line_uses(self) -> list[LineUse]:
        """The uses as records, in line order."""
        return _LINE_USES.validate_python([
            {"line_no": line.no, "start_offset": line.start, "end_offset": line.end, "role": role, "note": note}
            for line, role, note in (self.uses[no] for no in sorted(self.uses))])

    def reject(self, lines: Sequence[Line], reason: RejectReason | str, detail: str = "") -> None:
        """Reject a run of lines as one reject record."""
        if not lines:
            return
        for line in lines:
            self.mark(line, LineRole.REJECT, reason)
        self.rejects.append(
            Reject(
                reason=RejectReason(reason),
                detail=detail or pt.REJECT_REASONS.get(reason, ""),
                text="\n".join(line.text for line in lines),
                start_offset=lines[0].start,
                end_offset=lines[-1].end,
            )
        )


@dataclass
class PostDraft:
    """What is known of a post before it becomes a record."""

    title_line: Line | None
    region: list[Line]
    position: int
    byline: re.Match[str] | None = None
    byline_line: Line | None = None
    closed: bool = True  # the page went on past this post
    derived_title: str | None = None  # the page shows no headline: a title made from the body
    author: str | None = None  # a name printed under the headline
    is_excerpt: bool = False
    # lines near the headline where the page prints the post's date: byline and stamps first,
    # then the lines above the headline (a Blogspot date header; else a masthead's today)
    date_lines: list[Line] = field(default_factory=list)
    above_lines: list[Line] = field(default_factory=list)

    def span(self) -> tuple[int, int]:
        """Start and end offsets of every line the draft covers: title, byline, region."""
        lines = [ln for ln in (self.title_line, self.byline_line, *self.region) if ln is not None]
        return (min(map(_START, lines)), max(map(_END, lines))) if lines else (0, 0)


def split_lines(text: str) -> list[Line]:
    """Split text into its non-blank lines with their character offsets (newline excluded)."""
    raws = text.split("\n")
    texts = list(map(str.strip, raws))
    ends = list(accumulate(map(len, raws)))  # characters of lines 0..i, newlines left out
    return [Line(no, ends[no] + no - len(raws[no]), ends[no] + no, raws[no], texts[no])
            for no in compress(range(len(raws)), texts)]


def collapse_spaces(text: str) -> str:
    """Runs of whitespace as one space (str.split() splits where re's \\s+ matches); a line whose
    only whitespace is single spaces (printable, no double space: the usual line) is kept as it is."""
    return text if text.isprintable() and "  " not in text else " ".join(text.split())


def join_paragraphs(lines: Iterable[Line]) -> str:
    """Join lines: adjacent lines with a newline, paragraphs with a blank line; runs of
    whitespace inside a stripped line become one space."""
    out: list[str] = []
    prev = -2
    for line in lines:
        if prev >= 0:
            out.append("\n" if line.no == prev + 1 else "\n\n")
        out.append(collapse_spaces(line.text))
        prev = line.no
    return "".join(out)
