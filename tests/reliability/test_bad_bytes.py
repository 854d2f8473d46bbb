"""Bytes that are text though not clean UTF-8 (issue 14, items 4 and 5): mixed encodings, a stray
NUL byte, UTF-16 without a BOM. Each is read as text; only what really is binary is rejected whole."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from reliability.support import LISTING, MODES, ingest, rows, sample_bytes

from blogetl.parse.parser import parse_bytes

CLEAN = parse_bytes(sample_bytes(LISTING))  # the listing as shipped: 9 posts, valid UTF-8
PARAGRAPH = "säger Peter Vigren (S), ordförande för gymnasie- och vuxenutbildningsnämnden och fortsätter:"


def one_latin1_byte() -> bytes:
    """The listing with its first 'Umeå' written by a latin-1 tool: b'Ume\\xe5' in valid UTF-8."""
    data = sample_bytes(LISTING)
    assert data.count("Umeå".encode()) > 1
    return data.replace("Umeå".encode(), b"Ume\xe5", 1)


def cp1252_paragraph() -> bytes:
    """The listing with one paragraph (with ö, ä and a dash) pasted from a cp1252 editor."""
    data = sample_bytes(LISTING)
    assert data.count(PARAGRAPH.encode()) == 1
    return data.replace(PARAGRAPH.encode(), PARAGRAPH.replace("-", "–").encode("cp1252"))


def nul_in_first_8k() -> bytes:
    """The 17 KB listing with one NUL byte 3,000 bytes in (between two paragraphs)."""
    data = sample_bytes(LISTING)
    at = data.index(b"\n\n", 3000)
    return data[:at] + b"\x00" + data[at:]


@pytest.mark.parametrize("make", [one_latin1_byte, cp1252_paragraph], ids=["latin-1 byte", "cp1252 paragraph"])
def test_utf8_with_stray_legacy_bytes_is_decoded_run_by_run(make) -> None:  # type: ignore[no-untyped-def]
    result = parse_bytes(make())
    assert (result.source_format, result.encoding) == ("text", "utf-8+cp1252")
    assert result.rejects == []
    assert [(p.title, p.body) for p in result.posts] == [
        (p.title, p.body.replace(PARAGRAPH, PARAGRAPH.replace("-", "–")) if make is cp1252_paragraph else p.body)
        for p in CLEAN.posts]
    assert "Ume\ufffd" not in result.text and "Umeå" in result.text


def test_one_nul_byte_in_a_text_dump_does_not_make_it_binary() -> None:
    data = nul_in_first_8k()
    assert len(data) > 17_000 and data.index(b"\x00") < 8192
    result = parse_bytes(data)
    assert result.source_format == "text" and result.rejects == []
    assert [(p.title, p.body) for p in result.posts] == [(p.title, p.body) for p in CLEAN.posts]
    assert len(result.posts) == 9


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_text(encoding: str) -> None:
    data = sample_bytes(LISTING).decode("utf-8").encode(encoding)
    assert not data.startswith((b"\xff\xfe", b"\xfe\xff"))
    result = parse_bytes(data)
    assert (result.source_format, result.encoding) == ("text", encoding)
    assert [(p.title, p.body) for p in result.posts] == [(p.title, p.body) for p in CLEAN.posts]


def test_what_is_binary_is_still_rejected_whole() -> None:
    """Random bytes, a byte table, and a text with a control byte every 16th byte stay binary_dump."""
    text = sample_bytes(LISTING)
    dotted = b"".join(text[i : i + 15] + b"\x01" for i in range(0, len(text), 15))
    for data in (os.urandom(20_000), bytes(range(256)) * 40, dotted):
        result = parse_bytes(data)
        assert result.source_format == "binary" and [r.reason for r in result.rejects] == ["binary_dump"]


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_mixed_and_nul_dumps_load_their_posts(mode: list[str], raw: Path, tmp_path: Path) -> None:
    (raw / "latin1_byte.txt").write_bytes(one_latin1_byte())
    (raw / "cp1252_paragraph.txt").write_bytes(cp1252_paragraph())
    (raw / "nul.txt").write_bytes(nul_in_first_8k())
    (raw / "utf16.txt").write_bytes(sample_bytes(LISTING).decode("utf-8").encode("utf-16-le"))
    db = tmp_path / "blog.duckdb"
    out = ingest(mode, raw, db)
    assert out.exit_code == 0, out.output
    assert rows(db, "SELECT path, status, encoding, posts_found, rejects_found, decoded_text LIKE '%Umeå%' FROM dumps ORDER BY path") == [
        ("cp1252_paragraph.txt", "loaded", "utf-8+cp1252", 9, 0, True),
        ("latin1_byte.txt", "loaded", "utf-8+cp1252", 9, 0, True),
        ("nul.txt", "loaded", "utf-8", 9, 0, True),
        ("utf16.txt", "loaded", "utf-16-le", 9, 0, True),
    ]
    assert rows(db, "SELECT count(*) FROM rejects") == [(0,)]
