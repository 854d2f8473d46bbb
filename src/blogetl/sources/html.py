"""A saved page (or text with HTML remnants) as the text a browser's copy of it shows.

Kept apart from sources/decode.py so that bs4 and soupsieve (0.1 s to import) load only in a run
that meets HTML.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from bs4.element import CData, NavigableString, PageElement, Tag

from blogetl.sources.decode import _LEVEL, _LEVEL_END, BLOCK_TAGS, DROP_TAGS

_MANY_BLANKS = re.compile(r"\n{3,}")
_TEXT_TYPES = (NavigableString, CData)  # what get_text() shows: not comments, doctypes or declarations
_LEVEL_RUN = re.compile("\x02+\x03")
_SOURCE_SPACE = re.compile(r"[ \t\n\r\f]+")  # what a browser collapses (not the nbsp)


def html_to_text(markup: str, *, document: bool) -> str:
    """Turn HTML (a page, or text with remnants) into lines and blank-line paragraphs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(markup, "lxml")
    text = render(soup, document=document)
    if document:
        lines = [indent_line(line) for line in text.split("\n")]
        text = _MANY_BLANKS.sub("\n\n", "\n".join(lines)).strip("\n") + "\n"
    return text


@dataclass
class _List:
    """A list being rendered: its element and the number of its last item so far."""

    tag: Tag
    number: int


@dataclass
class _Item:
    """A list item being rendered: its nesting level, its marker, and whether the marker is out."""

    level: int
    marker: str
    shown: bool = False


def render(soup: BeautifulSoup, *, document: bool) -> str:
    """The text of a parsed page, walked once (bs4's own insert/replace would be quadratic).

    Always: <br> is a line break, and code, metadata and navigation (DROP_TAGS) are left out.
    For a page (document=True), as a browser's text copy shows it, which is how the text
    dumps look: block elements are paragraphs, line breaks in the source are spaces (not in
    <pre>), and a list item opens with its marker ('1.' in an <ol>, '•' in a <ul>) indented
    one space per list level, its own text one more, so nested comment replies keep their
    depth. Indentation travels as sentinel runs that indent_line() turns into spaces.
    """
    out: list[str] = []
    lists: list[_List] = []  # open lists, innermost last
    items: list[_Item] = []
    stack: list[tuple[Tag, Iterator[PageElement]]] = [(soup, iter(soup.children))]
    pre = 0
    while stack:
        tag, children = stack[-1]
        child = next(children, None)
        if child is None:  # leaving tag
            stack.pop()
            close(tag, out, lists, items, document)
            pre -= tag.name == "pre"
            continue
        if type(child) in _TEXT_TYPES:
            out.append(text_of(str(child), items, collapse=document and not pre))
        elif isinstance(child, Tag) and child.name not in DROP_TAGS:
            if child.name == "br":
                out.append("\n")
                continue
            if document:
                open_(child, out, lists, items)
            pre += child.name == "pre"
            stack.append((child, iter(child.children)))
    return "".join(out)


def open_(tag: Tag, out: list[str], lists: list[_List], items: list[_Item]) -> None:
    """What a page's element starts with: a paragraph break, a list's counter, an item's marker."""
    if tag.name in BLOCK_TAGS:
        out.append("\n\n")
    if tag.name in ("ol", "ul"):
        start = str(tag.get("start", "1"))
        lists.append(_List(tag, (int(start) if start.isdigit() else 1) - 1))
    elif tag.name == "li":
        marker = "•"
        if lists and tag.parent is lists[-1].tag and lists[-1].tag.name == "ol":
            lists[-1].number += 1
            marker = f"{lists[-1].number}."
        items.append(_Item(max(1, len(lists)), marker))


def close(tag: Tag, out: list[str], lists: list[_List], items: list[_Item], document: bool) -> None:
    """What a page's element ends with."""
    if not document:
        return
    if tag.name == "li" and items:
        items.pop()  # an item without text of its own shows nothing: a lone marker is not content
    elif tag.name in ("ol", "ul") and lists:
        lists.pop()
    if tag.name in BLOCK_TAGS:
        out.append("\n\n")


def text_of(text: str, items: list[_Item], *, collapse: bool) -> str:
    """A text node as rendered: source space collapsed, inside an item marked with its level."""
    if collapse:
        text = _SOURCE_SPACE.sub(" ", text)
    if not items or not text.strip():
        return text
    item = items[-1]
    if item.shown:
        return _level_mark(item.level + 1) + text
    item.shown = True
    return f"{_level_mark(item.level)}{item.marker} {text.lstrip()}"


def _level_mark(level: int) -> str:
    return _LEVEL * level + _LEVEL_END


def indent_line(line: str) -> str:
    """A rendered line, stripped; a list line gets the indentation its first sentinel names."""
    m = _LEVEL_RUN.search(line)
    body = _LEVEL_RUN.sub("", line).strip()
    if m is None or not body or line[: m.start()].strip():
        return body
    return " " * (m.end() - m.start() - 1) + body
