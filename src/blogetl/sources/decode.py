"""Bytes to the decoded text the parser reads: encoding, HTML, line endings, NFC."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

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
_LEVEL, _LEVEL_END = "\x02", "\x03"  # list-depth sentinels, control characters no text keeps


@dataclass(frozen=True)
class Decoded:
    """A dump's decoded text and how it was obtained."""

    text: str
    encoding: str | None
    source_format: SourceFormat
    mojibake_repaired: bool = False
    # the text's UTF-8 when that is the dump's bytes as they are (nothing decoded or normalised changed
    # a character): what the Arrow tables store need not be encoded again
    utf8: bytes | None = field(default=None, repr=False, compare=False)


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
    return _binary_share(len(data) - len(data.translate(None, _CONTROL_BYTES)), data)


def _binary_share(controls: int, data: bytes) -> bool:
    """looks_binary's test of the control bytes counted."""
    return controls > len(data) // 20  # more than 1 byte in 20


def html_to_text(markup: str, *, document: bool) -> str:
    """Turn HTML (a page, or text with remnants) into lines and blank-line paragraphs (sources/html.py:
    imported here, on the first dump that has HTML, so a run of text dumps never loads bs4)."""
    from blogetl.sources import html

    return html.html_to_text(markup, document=document)


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
    # a substring test first: fast ('€' before 'â€': a one-character search is a fast scan, a longer one is not)
    if not ("Ã" in text or "Â" in text or ("€" in text and "â€" in text)) or not _MOJIBAKE_HINT.search(text):
        return text, False
    # line by line: one line that cannot be repaired (bytes lost on the way) keeps the others fixable
    import ftfy  # here, not at the top: few dumps need it, and it costs a run 0.06 s to import

    fixed = "\n".join(ftfy.fix_encoding(line) if _MOJIBAKE_HINT.search(line) else line for line in text.split("\n"))
    return fixed, fixed != text


def normalise_text(text: str, *, controls: bool = True) -> str:
    """Line endings to \\n, NFC, non-breaking spaces to spaces, control characters out (controls=False:
    the caller knows the text holds none)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\ufeff", "")
    if controls:
        text = _CONTROL.sub("", text)
    return _GLUED_HEADLINE.sub("…\n\n", text) if "…" in text else text  # a substring test first: fast


def decode_dump(data: bytes, *, filename: str = "") -> Decoded:
    """Decode a dump's bytes into the parser's text; never raises on bad input."""
    if not data or data.isspace():  # not data.strip(), without its copy of the bytes
        return Decoded("", None, "empty")
    # looks_binary, with the count of control bytes kept
    utf16 = data.startswith(_UTF16_BOMS) or utf16_without_bom(data) is not None
    controls = 0 if utf16 else len(data) - len(data.translate(None, _CONTROL_BYTES))
    if not utf16 and _binary_share(controls, data):
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
    # UTF-8 read as it is holds a control character where the bytes hold its byte: with none of
    # _CONTROL's bytes (those of _CONTROL_BYTES, vertical tab and form feed) there is none to remove
    clean = (not utf16 and controls == 0 and encoding in ("utf-8", "utf-8-sig") and not repaired
             and b"\x0b" not in data and b"\x0c" not in data)
    normalised = normalise_text(text, controls=not clean)
    # each step of normalise_text gives back the very string when it changes nothing
    same = normalised is text and encoding == "utf-8" and not repaired
    return Decoded(normalised, encoding, "text", repaired, data if same else None)
