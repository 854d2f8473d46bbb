"""Lines of a dump with their offsets, and the ledger that accounts for each one exactly once."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, chain, compress, count, repeat
from operator import add, attrgetter, sub
from typing import NamedTuple

from pydantic import TypeAdapter

from blogetl.models import LineRole, LineUse, Reject, RejectReason
from blogetl.parse import patterns as pt

_LINE_USES = TypeAdapter(list[LineUse])
_START, _END, _NO, _TEXT = attrgetter("start"), attrgetter("end"), attrgetter("no"), attrgetter("text")


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

    def mark_all(self, lines: Sequence[Line], role: LineRole, note: str = "") -> None:
        """ledger.mark of each line, in one update."""
        uses = self.uses
        before = len(uses)
        nos = list(map(_NO, lines))
        if not uses.keys().isdisjoint(nos):
            for line in lines:
                self.mark(line, role, note)  # raises at the line accounted for before
        uses.update(zip(nos, zip(lines, repeat(role), repeat(note), strict=False), strict=True))
        if len(uses) != before + len(nos):  # a line given twice
            seen: set[int] = set()
            no = next(no for no in nos if no in seen or seen.add(no))  # type: ignore[func-returns-value]
            raise AssertionError(f"line {no} accounted for twice")

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
        heads = [ln for ln in (self.title_line, self.byline_line) if ln is not None]
        if not heads and not self.region:
            return 0, 0
        return (min(chain(map(_START, heads), map(_START, self.region))),
                max(chain(map(_END, heads), map(_END, self.region))))


def split_lines(text: str) -> list[Line]:
    """Split text into its non-blank lines with their character offsets (newline excluded)."""
    raws = text.split("\n")
    texts = list(map(str.strip, raws))
    # end offset of line no: characters of lines 0..no plus the no newlines before it
    ends = list(compress(map(add, accumulate(map(len, raws)), count()), texts))
    kept = list(compress(raws, texts))
    starts = map(sub, ends, map(len, kept))
    # tuple.__new__ over the columns: a Line per line without a Python-level constructor call
    return list(map(tuple.__new__, repeat(Line), zip(compress(count(), texts), starts, ends, kept, filter(None, texts), strict=True)))


def collapse_spaces(text: str) -> str:
    """Runs of whitespace as one space (str.split() splits where re's \\s+ matches); a line whose
    only whitespace is single spaces (printable, no double space: the usual line) is kept as it is."""
    return text if text.isprintable() and "  " not in text else " ".join(text.split())


def join_paragraphs(lines: Iterable[Line]) -> str:
    """Join lines: adjacent lines with a newline, paragraphs with a blank line; runs of
    whitespace inside a stripped line become one space."""
    lines = lines if isinstance(lines, list) else list(lines)
    texts = list(map(collapse_spaces, map(_TEXT, lines)))
    if len(texts) < 2:
        return texts[0] if texts else ""
    nos = list(map(_NO, lines))
    gaps = list(map(sub, nos[1:], nos[:-1]))
    if 1 not in gaps:  # paragraphs only
        return "\n\n".join(texts)
    out = [texts[0]]
    for gap, text in zip(gaps, texts[1:], strict=True):
        out.append("\n" if gap == 1 else "\n\n")
        out.append(text)
    return "".join(out)
