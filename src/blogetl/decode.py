"""Bytes to the decoded text the parser reads: encoding, HTML, line endings, NFC."""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Literal

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, NavigableString, Tag
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
_MANY_BLANKS = re.compile(r"\n{3,}")
_LEVEL, _LEVEL_END = "\x02", "\x03"  # list-depth sentinels, control characters no text keeps
_LEVEL_RUN = re.compile("\x02+\x03")
_SOURCE_SPACE = re.compile(r"[ \t\n\r\f]+")  # what a browser collapses (not the nbsp)


@dataclass(frozen=True)
class Decoded:
    """A dump's decoded text and how it was obtained."""

    text: str
    encoding: str | None
    source_format: SourceFormat


def detect_encoding(data: bytes) -> tuple[str, str] | None:
    """Decode bytes: UTF-8 (with or without BOM) first, else charset-normalizer's best guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith(_UTF16_BOMS):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["cp1252", "latin_1", "iso8859_15", "utf_16", "mac_roman"]).best()
    if best is None:
        return None
    return str(best), best.encoding


def looks_binary(data: bytes) -> bool:
    """True for bytes that are not text: NUL bytes or many control characters."""
    sample = data[:8192]
    if sample.startswith(_UTF16_BOMS):  # UTF-16 text is full of NUL bytes
        return False
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > max(8, len(sample) // 20)


def html_to_text(markup: str, *, document: bool) -> str:
    """Turn HTML (a page, or text with remnants) into lines and blank-line paragraphs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(markup, "lxml")
    for tag in soup.find_all(DROP_TAGS):
        tag.decompose()
    if document:
        collapse_source_space(soup)
        mark_list_items(soup)
    for br in soup.find_all("br"):
        br.replace_with("\n")
    if document:
        for tag in soup.find_all(BLOCK_TAGS):
            tag.insert_before("\n\n")
            tag.insert_after("\n\n")
    text = soup.get_text()
    if document:
        lines = [indent_line(line) for line in text.split("\n")]
        text = _MANY_BLANKS.sub("\n\n", "\n".join(lines)).strip("\n") + "\n"
    return text


def mark_list_items(soup: BeautifulSoup) -> None:
    """Render lists as a browser's text copy does, which is how text dumps show comment threads.

    An item of the n-th nested list opens with its marker ('1.' in an <ol>, '•' in a <ul>)
    indented n spaces, and its own text is indented n + 1; nested replies thus keep their depth.
    Indentation travels through get_text() as a sentinel run that indent_line() turns into spaces.
    """
    first_text: dict[int, NavigableString] = {}
    for node in soup.find_all(string=True):
        li = node.find_parent("li")
        if li is not None and type(node) is NavigableString and node.strip():
            first_text.setdefault(id(li), node)
    for li in soup.find_all("li"):
        owner = li.find_parent(("ol", "ul"))
        marker = "•"
        if owner is not None and owner.name == "ol":
            start = str(owner.get("start", "1"))
            first = int(start) if start.isdigit() else 1
            marker = f"{first + owner.find_all('li', recursive=False).index(li)}."
        level = list_level(li)
        head = first_text.get(id(li))
        for node in li.find_all(string=True):
            if node.find_parent("li") is li and type(node) is NavigableString and node.strip():
                if node is head:
                    node.replace_with(f"{_level_mark(level)}{marker} {node.lstrip()}")
                else:
                    node.replace_with(_level_mark(level + 1) + node)
        if head is None:  # an empty item still shows its marker
            li.insert(0, f"{_level_mark(level)}{marker}")


def list_level(li: Tag) -> int:
    """How many lists an item sits in (1 for a top-level list)."""
    return max(1, len(li.find_parents(("ol", "ul"))))


def _level_mark(level: int) -> str:
    return _LEVEL * level + _LEVEL_END


def indent_line(line: str) -> str:
    """A rendered line, stripped; a list line gets the indentation its first sentinel names."""
    m = _LEVEL_RUN.search(line)
    body = _LEVEL_RUN.sub("", line).strip()
    if m is None or not body or line[: m.start()].strip():
        return body
    return " " * (m.end() - m.start() - 1) + body


def escape_unknown_brackets(text: str) -> str:
    """Escape '<' and '>' outside the known remnant tags, so '<Andreas>' or '<3' in prose stays text."""
    out, pos = [], 0
    for m in _REMNANT_TAG.finditer(text):
        out += [text[pos : m.start()].replace("<", "&lt;").replace(">", "&gt;"), m.group()]
        pos = m.end()
    out.append(text[pos:].replace("<", "&lt;").replace(">", "&gt;"))
    return "".join(out)


def collapse_source_space(soup: BeautifulSoup) -> None:
    """Line breaks in a page's source are spaces, as a browser shows them; <pre> keeps its own."""
    for node in soup.find_all(string=True):
        if type(node) is NavigableString and node.find_parent("pre") is None:
            node.replace_with(_SOURCE_SPACE.sub(" ", node))


def normalise_text(text: str) -> str:
    """Line endings to \\n, NFC, non-breaking spaces to spaces, control characters out."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\ufeff", "")
    return _CONTROL.sub("", text)


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
    is_page = filename.lower().endswith((".html", ".htm")) or bool(_HTML_DOC.match(text[:2000]))
    if is_page:
        text = text.replace(_LEVEL, "").replace(_LEVEL_END, "")
        return Decoded(normalise_text(html_to_text(text, document=True)), encoding, "html")
    if _HTML_REMNANT.search(text):
        text = html_to_text(escape_unknown_brackets(text), document=False)
    return Decoded(normalise_text(text), encoding, "text")
