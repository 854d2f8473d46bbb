"""Issue 14.13: parsing does work linear in the input (200,000 count lines '3 kommentarer' took 37 s,
four times as long for twice the lines: every count line copied the rest of its post).

Work is counted, not timed: the lines of blogetl's code the interpreter runs (sys.settrace), plus
every element the parser's lists of lines copy, scan or shift in C (slices, iteration, `in`,
`pop(0)`: the lists split_lines returns and every list the parser's modules build with list()
count them).  A page made of blocks cut from the samples, repeated r and 4r times, must cost at
most WORK_BUDGET times as much at 4r: linear work grows 4x (less, with fixed costs), quadratic
work 16x.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any, SupportsIndex

import pytest
from fixtures.dumps import blocks, listing_post, sample
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import blogetl
from blogetl.parse import identity, lines, pages, parser
from blogetl.parse.parser import parse_text

WORK_BUDGET = 5.0
SOURCE = str(Path(blogetl.__file__).resolve().parent)


class CountingList(list[Any]):
    """A list that counts the elements its C-level operations visit."""

    visited = 0

    def __getitem__(self, key: Any) -> Any:
        got = list.__getitem__(self, key)
        if isinstance(key, slice):
            CountingList.visited += len(got)
            return CountingList(got)
        return got

    def __iter__(self) -> Iterator[Any]:
        for item in list.__iter__(self):
            CountingList.visited += 1
            yield item

    def __contains__(self, item: object) -> bool:
        CountingList.visited += len(self)
        return list.__contains__(self, item)

    def pop(self, index: SupportsIndex = -1) -> Any:
        CountingList.visited += len(self) - (int(index) % max(len(self), 1))
        return list.pop(self, index)

    def index(self, *args: Any) -> int:
        CountingList.visited += len(self)
        return list.index(self, *args)


def work(text: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """Lines of blogetl run plus list elements visited, parsing text."""
    steps = 0

    def local(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal steps
        steps += event == "line"
        return local

    def trace(frame: FrameType, event: str, arg: object) -> Any:
        return local if frame.f_code.co_filename.startswith(SOURCE) else None

    with monkeypatch.context() as m:
        split = parser.split_lines
        m.setattr(parser, "split_lines", lambda t: CountingList(split(t)))
        for module in (parser, pages, lines, identity):
            m.setattr(module, "list", CountingList, raising=False)
        CountingList.visited = 0
        sys.settrace(trace)
        try:
            parse_text(text)
        finally:
            sys.settrace(None)
    return steps + CountingList.visited


def ratio(page: Callable[[int], str], times: int, monkeypatch: pytest.MonkeyPatch) -> float:
    """Work for page(4 * times) over work for page(times)."""
    return work(page(4 * times), monkeypatch) / work(page(times), monkeypatch)


def repeated(unit: str) -> Callable[[int], str]:
    """A page of unit, times times."""
    return lambda times: unit * times


def in_single_post(unit: str) -> Callable[[int], str]:
    """The single-post sample with unit, times times, in its body."""
    head, tail = sample("003").split("Pengarna ska gå till dem", 1)
    return lambda times: head + unit * times + "Pengarna ska gå till dem" + tail


THREAD = sample("003")[sample("003").index("6 kommentarer") :].split("Lämna ett svar")[0]


@pytest.mark.parametrize(("page", "times"), [
    pytest.param(in_single_post("3 kommentarer\n"), 300, id="count lines in a post (37 s for 200,000)"),
    pytest.param(in_single_post("3 kommentarer\nEtiketter: , , ,\n"), 300, id="count lines and chrome in a post"),
    pytest.param(repeated("3 kommentarer\n"), 300, id="count lines alone"),
    pytest.param(repeated(listing_post("000", 2) + "\n"), 20, id="a listing's posts"),
    pytest.param(repeated(THREAD), 30, id="a thread's comments, as teasers"),
    pytest.param(repeated("\n\n".join(blocks(sample("004"))[1:6]) + "\n\n"), 10, id="an article's paragraphs"),
])
def test_parse_work_is_linear(page: Callable[[int], str], times: int, monkeypatch: pytest.MonkeyPatch) -> None:
    got = ratio(page, times, monkeypatch)
    assert got <= WORK_BUDGET, f"4x the input cost {got:.1f}x the work"


_BLOCKS = [*blocks(sample("000"))[:12], *blocks(sample("003"))[:40], "3 kommentarer", "Bli först att kommentera",
           "Lämna ett svar", "Etiketter: , , ,", "Av , , 2 kommentarer 11", " 1. Anna\n Bra skrivet!", "  • Per\n  Tack."]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.sampled_from(_BLOCKS), min_size=3, max_size=12), sep=st.sampled_from(["\n", "\n\n"]))
def test_any_page_of_sample_blocks_parses_in_linear_work(parts: list[str], sep: str, monkeypatch: pytest.MonkeyPatch) -> None:
    unit = sep.join(parts) + "\n\n"
    got = ratio(repeated(unit), 8, monkeypatch)
    assert got <= WORK_BUDGET, f"4x the input cost {got:.1f}x the work: {unit[:300]!r}"
