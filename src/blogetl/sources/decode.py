"""Bytes to the decoded text the parser reads: encoding, HTML, line endings, NFC."""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import ftfy
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from bs4.element import CData, NavigableString, PageElement, Tag
from charset_normalizer import from_bytes

SourceFormat = Literal["text", "html", "binary", "empty"]

# Elements whose boundaries are line breaks when a page is turned into text.
BLOCK_TAGS = (
    "p", "div", "section", "article", "header", "footer", "aside", "main", "nav",
    "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "pre",
    "table", "tr", "form", "figure", "figcaption", "dl", "dt", "dd", "hr",
)
# Elements that never hold a dump's text: code, metadata and the site's navigation menus.
DROP_TAGS = ("script", "style", "noscript", "template", "head", "iframe", "svg", "nav")

_HTML_DOC = re.compile(r"^\s*(?:<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])", re.I)
_REMNANT_TAG = re.compile(r"<(?:br|p|/p|div|/div|span|/span|b|/b|i|/i|em|/em|strong|/strong|a\s[^>]*|/a)\s*/?>", re.I)
_HTML_REMNANT = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{2,6}|#x[0-9a-fA-F]{2,6});|" + _REMNANT_TAG.pattern, re.I)
_CONTROL_BYTES = bytes([*range(9), *range(14, 32), 127])  # control bytes no text dump holds
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MOJIBAKE_HINT = re.compile("[ÃÂ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]|â€")
# A teaser cut off with '…' and the next entry's headline glued to it, the line break lost by the
# scraper ('… och borde…Mediernas eviga valvaka'): the headline gets its own paragraph back.
# The glued tail is a short capitalised line with no sentence end (a sentence going on after an
# ellipsis ends with one).
_GLUED_HEADLINE = re.compile(r"(?<=\w)…(?=[A-ZÅÄÖ][^\s.!?…:;]*(?:[ \t]+[^\s.!?…:;]+){1,12}$)", re.M)
_MANY_BLANKS = re.compile(r"\n{3,}")
_TEXT_TYPES = (NavigableString, CData)  # what get_text() shows: not comments, doctypes or declarations
_LEVEL, _LEVEL_END = "\x02", "\x03"  # list-depth sentinels, control characters no text keeps
_LEVEL_RUN = re.compile("\x02+\x03")
_SOURCE_SPACE = re.compile(r"[ \t\n\r\f]+")  # what a browser collapses (not the nbsp)


@dataclass(frozen=True)
class Decoded:
    """A dump's decoded text and how it was obtained."""

    text: str
    encoding: str | None
    source_format: SourceFormat
    mojibake_repaired: bool = False


def detect_encoding(data: bytes) -> tuple[str, str] | None:
    """Decode bytes: UTF-8 (with or without BOM) first; UTF-8 with stray legacy bytes decoded run by
    run; else charset-normalizer's best guess (a legacy file), and run by run when it has none."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith(_UTF16_BOMS):
        return data.decode("utf-16", errors="replace"), "utf-16"
    utf16 = utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    mixed, stray = decode_mixed(data)
    utf8_chars = len(_NON_ASCII.findall(mixed)) - stray
    if utf8_chars >= stray:  # a UTF-8 dump with a few legacy bytes (a pasted latin-1 word, a cp1252 paragraph)
        return mixed, "utf-8+cp1252"
    best = from_bytes(data, cp_isolation=["cp1252", "latin_1", "iso8859_15", "utf_16", "mac_roman"]).best()
    if best is None:  # no single legacy encoding fits: every byte is still read, none thrown away
        return mixed, "utf-8+cp1252" if utf8_chars else "cp1252"
    return str(best), best.encoding


# A byte UTF-8 cannot read (escaped as a lone surrogate) read as cp1252, latin-1 where cp1252 has no character.
_LEGACY_BYTES = {0xDC00 + b: bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(128, 256)}
_ESCAPED = re.compile("[\udc80-\udcff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def decode_mixed(data: bytes) -> tuple[str, int]:
    """Bytes decoded run by run: UTF-8 where they are UTF-8, cp1252 where they are not; and how many
    bytes were read as cp1252."""
    escaped = data.decode("utf-8", errors="surrogateescape")
    return escaped.translate(_LEGACY_BYTES), len(_ESCAPED.findall(escaped))


def utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text saved without a BOM: most code units of Swedish text have a zero high byte, so
    every other byte is NUL; read as UTF-16 when that is so and the text decodes cleanly."""
    if len(data) < 4 or len(data) % 2 or b"\x00" not in data:
        return None
    half = len(data) // 2
    for encoding, high, low in (("utf-16-le", data[1::2], data[0::2]), ("utf-16-be", data[0::2], data[1::2])):
        if high.count(0) >= 0.6 * half and low.count(0) <= 0.05 * half:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                return None
            controls = len(_CONTROL.findall(text))  # binary words with a zero high byte are mostly small numbers
            return (text, encoding) if controls <= max(8, len(text) // 20) else None
    return None


def looks_binary(data: bytes) -> bool:
    """True for bytes that are not text: a share of control bytes (NUL among them) over the whole
    content that no text dump has; one NUL byte in a text is no reason to throw the text away."""
    if data.startswith(_UTF16_BOMS) or utf16_without_bom(data) is not None:  # UTF-16 text is full of NUL bytes
        return False
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    return controls > len(data) // 20  # more than 1 byte in 20


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


# Elements whose content the HTML parser reads as raw text up to their end tag: one never closed
# takes the rest of the page with it (issue 14.6).  It is closed where its code ends: before the
# first line that starts with a tag, else before the first tag that opens or closes a block.
_RAW_TEXT_OPEN = re.compile(r"<(script|style)\b[^>]*>", re.I)
_LINE_OF_MARKUP = re.compile(r"\n[ \t]*<[a-zA-Z!/]")
_BLOCK_MARKUP = re.compile(rf"</?(?:{'|'.join(BLOCK_TAGS)}|br|body|head|html)\b", re.I)


def close_raw_text(markup: str) -> str:
    """The markup with every <script> and <style> that is never closed closed where its code ends."""
    out, pos = [], 0
    while (m := _RAW_TEXT_OPEN.search(markup, pos)) is not None:
        close = re.compile(rf"</{m[1]}\s*>", re.I).search(markup, m.end())
        # the end tag of a later element of the same name does not close this one
        nested = re.compile(rf"<{m[1]}\b", re.I).search(markup, m.end(), close.start()) if close is not None else None
        if close is not None and nested is None:
            out.append(markup[pos : close.end()])
            pos = close.end()
            continue
        limit = nested.start() if nested is not None else len(markup)
        line = _LINE_OF_MARKUP.search(markup, m.end(), limit)
        block = _BLOCK_MARKUP.search(markup, m.end(), limit) if line is None else None
        end = line.start() + 1 if line is not None else block.start() if block is not None else limit
        out.append(f"{markup[pos:end]}</{m[1]}>")
        pos = end
    out.append(markup[pos:])
    return "".join(out)


def escape_unknown_brackets(text: str) -> str:
    """Escape '<' and '>' outside the known remnant tags, so '<Andreas>' or '<3' in prose stays text."""
    out, pos = [], 0
    for m in _REMNANT_TAG.finditer(text):
        out += [text[pos : m.start()].replace("<", "&lt;").replace(">", "&gt;"), m.group()]
        pos = m.end()
    out.append(text[pos:].replace("<", "&lt;").replace(">", "&gt;"))
    return "".join(out)


def repair_mojibake(text: str) -> tuple[str, bool]:
    """UTF-8 that went through cp1252 or latin-1 ('Ã¥' for 'å') repaired with ftfy; and whether it was.

    ftfy reads ~3 MB/s, so only text holding the lead byte of such a pair ('Ã', 'â€') is given to it.
    """
    if not ("Ã" in text or "Â" in text or "â€" in text) or not _MOJIBAKE_HINT.search(text):  # a substring test first: fast
        return text, False
    # line by line: one line that cannot be repaired (bytes lost on the way) keeps the others fixable
    fixed = "\n".join(ftfy.fix_encoding(line) if _MOJIBAKE_HINT.search(line) else line for line in text.split("\n"))
    return fixed, fixed != text


def normalise_text(text: str) -> str:
    """Line endings to \\n, NFC, non-breaking spaces to spaces, control characters out."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\ufeff", "")
    text = _CONTROL.sub("", text)
    return _GLUED_HEADLINE.sub("…\n\n", text) if "…" in text else text  # a substring test first: fast


def decode_dump(data: bytes, *, filename: str = "") -> Decoded:
    """Decode a dump's bytes into the parser's text; never raises on bad input."""
    if not data.strip():
        return Decoded("", None, "empty")
    if looks_binary(data):
        return Decoded("", None, "binary")
    decoded = detect_encoding(data)
    if decoded is None:
        return Decoded("", None, "binary")
    text, encoding = decoded
    text, repaired = repair_mojibake(text)
    is_page = filename.lower().endswith((".html", ".htm")) or bool(_HTML_DOC.match(text[:2000]))
    if is_page:
        text = text.replace(_LEVEL, "").replace(_LEVEL_END, "")
        return Decoded(normalise_text(html_to_text(close_raw_text(text), document=True)), encoding, "html", repaired)
    if ("&" in text or "<" in text) and _HTML_REMNANT.search(text):  # a substring test first: fast
        text = html_to_text(escape_unknown_brackets(text), document=False)
    return Decoded(normalise_text(text), encoding, "text", repaired)
