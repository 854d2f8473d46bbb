"""Input handling: encodings, line endings, Unicode forms, saved HTML pages, HTML remnants, bad bytes."""

from __future__ import annotations

import random
import unicodedata

import pytest
from fixtures.dumps import (
    NBSP,
    insert_after,
    listing_post,
    replace_once,
    sample,
    to_html,
    to_html_thread,
)

from blogetl.models import PageKind, ParseResult
from blogetl.parse.parser import parse_bytes, parse_text
from blogetl.sources.decode import decode_dump

SAMPLES = ("000", "001", "002", "003", "004")
# Typography that latin-1 lacks, mapped the way a legacy export would have flattened it.
TO_LATIN1 = str.maketrans({"”": '"', "“": '"', "–": "-", "—": "-", "…": "...", "•": "*", "’": "'", "🙁": ":("})


def records(result: ParseResult) -> list[tuple]:
    """Everything a record says except offsets (which move when bytes become fewer characters)."""
    posts = [(p.post_id, p.title, p.body, p.comment_count_declared, p.reactions, p.page_kind, p.site, p.truncated) for p in result.posts]
    comments = [(c.comment_id, c.parent_id, c.depth, c.author, c.is_post_author, c.body) for c in result.comments]
    return posts + comments


@pytest.mark.parametrize("prefix", SAMPLES)
def test_utf8_with_bom(prefix: str) -> None:
    """A BOM is removed before parsing; nothing else changes."""
    result = parse_bytes(b"\xef\xbb\xbf" + sample(prefix).encode("utf-8"))
    assert result.encoding == "utf-8-sig"
    assert not result.text.startswith("\ufeff")
    assert records(result) == records(parse_text(sample(prefix)))


@pytest.mark.parametrize("prefix", SAMPLES)
def test_windows_line_endings(prefix: str) -> None:
    """CRLF dumps give the same records, thread nesting included, and offsets into \\n text."""
    result = parse_bytes(sample(prefix).replace("\n", "\r\n").encode("utf-8"))
    assert "\r" not in result.text
    assert records(result) == records(parse_text(sample(prefix)))


@pytest.mark.parametrize("prefix", SAMPLES)
def test_cp1252_copy(prefix: str) -> None:
    """A cp1252 copy (the emoji it cannot hold removed) decodes to the very same text and records."""
    text = sample(prefix).replace(" 🙁", "")
    result = parse_bytes(text.encode("cp1252"))
    assert result.encoding == "cp1252"
    assert result.text == parse_text(text).text
    assert records(result) == records(parse_text(text))


@pytest.mark.parametrize("prefix", SAMPLES)
def test_latin1_copy(prefix: str) -> None:
    """A latin-1 copy (typography flattened to ASCII) decodes with å ä ö exact."""
    text = sample(prefix).translate(TO_LATIN1)
    result = parse_bytes(text.encode("latin-1"))
    assert result.text == parse_text(text).text
    assert records(result) == records(parse_text(text))


def test_legacy_encoding_keeps_swedish_letters_exact() -> None:
    """Short single posts in cp1252 and latin-1: titles and bodies with å ä ö Å Ä Ö as written."""
    for post, title, word in [
        (listing_post("000", 6), "Håll i nu västerbottningar!", "västerbottningar"),
        (listing_post("000", 3), "Just i detta nu", "Ålidhems hälsocentral"),
        (listing_post("002", 6), "72 år sedan", "Västeuropa"),
    ]:
        for encoding in ("cp1252", "latin-1"):
            data = post.translate(TO_LATIN1).encode(encoding)
            (parsed,) = parse_bytes(data).posts
            assert parsed.title == title
            assert word in parsed.body
            assert "Ã" not in parsed.body  # the mark of UTF-8 read as latin-1


def test_utf16_with_bom_is_text_not_binary() -> None:
    """Windows 'Unicode' exports (UTF-16 with BOM) are full of NUL bytes but are text."""
    result = parse_bytes(sample("003").encode("utf-16"))
    assert (result.source_format, result.encoding) == ("text", "utf-16")
    assert records(result) == records(parse_text(sample("003")))


@pytest.mark.parametrize("prefix", SAMPLES)
def test_nfd_input_is_normalised_to_nfc(prefix: str) -> None:
    """Decomposed å ä ö (as macOS file tools write them) give the NFC records and NFC text."""
    nfd = unicodedata.normalize("NFD", sample(prefix))
    assert nfd != sample(prefix)
    for result in (parse_text(nfd), parse_bytes(nfd.encode("utf-8"))):
        assert unicodedata.is_normalized("NFC", result.text)
        assert records(result) == records(parse_text(sample(prefix)))


def test_nbsp_only_lines_are_blank() -> None:
    """Lines holding only non-breaking spaces separate paragraphs and are not in the ledger."""
    base = parse_text(sample("000"))
    text = replace_once(sample("000"), "\n\nsäger Peter Vigren", f"\n{NBSP}\n {NBSP} \nsäger Peter Vigren")
    text = replace_once(text, "Just i detta nu\n\n", f"Just i detta nu\n{NBSP}\n")
    result = parse_text(text)
    assert records(result) == records(base)
    assert all(result.text[u.start_offset : u.end_offset].strip() for u in result.lines)


def test_nbsp_inside_a_line_is_a_space() -> None:
    """'S-politikerna\\u00a0menar' in 004 reads as an ordinary space."""
    assert f"S-politikerna{NBSP}menar" in sample("004")
    assert "S-politikerna menar att mer behöver göras" in parse_text(sample("004")).posts[0].body


# --- saved HTML pages -------------------------------------------------------------------


@pytest.mark.parametrize("prefix", SAMPLES)
def test_saved_html_page_gives_the_same_posts(prefix: str) -> None:
    """<h2>/<p>/<br>, entities, a script, a style and a nav menu: the same posts as the text dump."""
    base = parse_text(sample(prefix))
    page = to_html(sample(prefix), {p.title for p in base.posts})
    assert "&aring;" in page and "<br>" in page and "<script>" in page and "<nav>" in page
    result = parse_bytes(page.encode("utf-8"), filename=f"{prefix}.html")
    assert result.source_format == "html"
    assert records(result)[: len(base.posts)] == records(base)[: len(base.posts)]
    assert result.rejects == []
    for junk in ("var menu", "margin", "Om bloggen", "<p>", "&aring;"):
        assert junk not in result.text


def test_saved_html_page_in_a_legacy_encoding() -> None:
    """An old page saved as windows-1252 decodes like its UTF-8 twin."""
    base = parse_text(sample("001"))
    page = to_html(sample("001"), {p.title for p in base.posts}).replace("charset='utf-8'", "charset='windows-1252'")
    result = parse_bytes(page.encode("cp1252"), filename="001.htm")
    assert result.encoding == "cp1252"
    assert records(result) == records(base)


def test_html_is_recognised_by_content_without_the_suffix() -> None:
    """A page saved under .txt is still read as HTML when it starts like one."""
    base = parse_text(sample("002"))
    page = to_html(sample("002"), {p.title for p in base.posts})
    result = parse_bytes(page.encode("utf-8"), filename="002.txt")
    assert result.source_format == "html"
    assert records(result) == records(base)


def test_html_source_line_breaks_are_not_paragraphs() -> None:
    """Newlines inside a <p> of the page source are spaces; only <br> and blocks break lines."""
    page = "<html><body><h2>Rubrik</h2>\n<p>Första meningen\nfortsätter här.<br>\nNy rad.</p>\n<p>Andra\n\n\nstycket.</p></body></html>"
    result = parse_bytes(page.encode("utf-8"), filename="x.html")
    assert result.posts[0].body == "Första meningen fortsätter här.\nNy rad.\n\nAndra stycket."


def test_single_page_thread_from_flattened_html_keeps_its_top_level_comments() -> None:
    """HTML loses the thread's indentation: numbered comments and their replies are still told apart."""
    base = parse_text(sample("003"))
    result = parse_bytes(to_html(sample("003"), {base.posts[0].title}).encode("utf-8"), filename="003.html")
    assert records(result)[:1] == records(base)[:1]
    shown = [(c.author, c.is_post_author, c.depth > 0) for c in result.comments]
    assert shown == [(c.author, c.is_post_author, c.depth > 0) for c in base.comments]
    assert [c.parent_id is None for c in result.comments] == [True, False, False, True, False]


def test_saved_page_with_a_nested_comment_list_keeps_every_depth_and_parent() -> None:
    """WordPress-style <ol>/<ul class="children"> threads render as the text dumps show them."""
    base = parse_text(sample("003"))
    page = to_html_thread(sample("003"), base.posts[0].title, "6 kommentarer")
    assert "<ul class='children'><li class='comment'>" in page and " 1. tjalle" not in page
    result = parse_bytes(page.encode("utf-8"), filename="003.html")
    assert records(result)[:1] == records(base)[:1]
    assert len(result.comments) == 5

    def thread(r: ParseResult) -> list[tuple[str, bool, int, int | None, str]]:
        index = {c.comment_id: c.position for c in r.comments}
        return [(c.author, c.is_post_author, c.depth, index.get(c.parent_id or ""), c.body) for c in r.comments]

    assert thread(result) == thread(base)
    assert result.rejects == []


def test_lists_in_a_saved_page_render_with_markers_and_indentation() -> None:
    """<ol start>, nested <ul> and inline markup inside items, as a browser's text copy shows them."""
    page = (
        "<html><body><ol start='3'><li><p>Tredje <b>punkten</b> här</p>"
        "<ul><li>Under</li></ul></li><li>Fjärde</li></ol></body></html>"
    )
    assert decode_dump(page.encode("utf-8"), filename="x.html").text == (
        " 3. Tredje punkten här\n\n  • Under\n\n 4. Fjärde\n"
    )


def test_a_long_html_thread_keeps_numbering_depth_and_every_comment() -> None:
    """250 numbered comments, each with a reply and an empty item: all placed, none merged or lost."""
    items = "".join(
        f"<li><div>user{i}</div><p>Kommentar {i}.</p><ul class='children'><li><div>Andreas Lundgren "
        f"(inläggsförfattare)</div><p>Svar {i}.</p></li><li></li></ul></li>" for i in range(1, 251)
    )
    page = f"<html><body><h1>Rubrik</h1><p>En text om något viktigt.</p><h3>500 kommentarer</h3><ol>{items}</ol></body></html>"
    result = parse_bytes(page.encode("utf-8"), filename="thread.html")
    assert " 250. user250" in result.text and "•\n" not in result.text  # an empty item leaves no lone marker
    tops = [c for c in result.comments if c.depth == 0]
    assert [c.author for c in tops] == [f"user{i}" for i in range(1, 251)]
    assert [c.body for c in result.comments if c.depth == 1] == [f"Svar {i}." for i in range(1, 251)]
    assert all(c.is_post_author for c in result.comments if c.depth == 1)
    assert result.posts[0].comment_count_declared == 500


# --- HTML remnants in text --------------------------------------------------------------


def test_text_with_html_remnants_is_decoded() -> None:
    """'&nbsp;', '&amp;', '<br>' and a stray <b> inside a text dump are decoded, the thread kept."""
    text = replace_once(sample("003"), "Punkt slut.", "Punkt&nbsp;slut &amp; <b>klart</b>.<br>Mer text.")
    result = parse_bytes(text.encode("utf-8"))
    assert result.source_format == "text"
    assert "Punkt slut & klart.\nMer text." in result.posts[0].body
    for remnant in ("&nbsp;", "&amp;", "<br>", "<b>"):
        assert remnant not in result.text
    assert [(c.author, c.depth) for c in result.comments] == [(c.author, c.depth) for c in parse_text(sample("003")).comments]


def test_angle_brackets_in_prose_survive_remnant_decoding() -> None:
    """Only known remnant tags are markup: '<Andreas>', '<3' and '<tänk>' next to a '<br>' stay text."""
    text = replace_once(sample("003"), "Punkt slut.", "Punkt slut <Andreas> &amp; <3 <tänk>.<br>Mer text.")
    result = parse_bytes(text.encode("utf-8"))
    assert "Punkt slut <Andreas> & <3 <tänk>.\nMer text." in result.posts[0].body


def test_text_without_remnants_is_left_alone() -> None:
    """'<' and '&' in ordinary prose are not taken for markup."""
    text = insert_after(sample("001"), "Ett bra möte, helt enkelt.\n", "\nKostnaden blev < 5 % & ingen klagade.\n")
    assert "Kostnaden blev < 5 % & ingen klagade." in decode_dump(text.encode("utf-8")).text


# --- bad input --------------------------------------------------------------------------


BAD_INPUTS = {
    "empty": (b"", "empty_dump"),
    "whitespace": (b" \r\n\t\n\n", "empty_dump"),
    "nbsp only": (f"{NBSP}\n {NBSP}\n".encode(), "empty_dump"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary_dump"),
    "nul bytes": (b"Rubrik\x00\x00\x00\x00\nText\x00", "binary_dump"),
    "random bytes": (random.Random(2).randbytes(3000), "binary_dump"),
    "line noise": (b"#%&/()=?\n\n12 34 56\n\n@@ -- ++\n**** 0x7f\n", "no_structure"),
    "one word": (b"hej", "no_structure"),
    "lone counter": (b"6 kommentarer\n", "no_structure"),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_becomes_a_reject_with_a_reason(name: str) -> None:
    """Empty files, binary data and structureless text give rejects with a clear reason, never an exception."""
    data, reason = BAD_INPUTS[name]
    result = parse_bytes(data, filename=f"{name}.txt")
    assert result.posts == [] and result.comments == []
    assert result.page_kind is PageKind.UNKNOWN
    assert [r.reason for r in result.rejects] == [reason]
    assert result.rejects[0].detail  # a sentence, not just a code


def test_structureless_text_is_kept_in_the_reject() -> None:
    """The rejected text is kept whole, with offsets that show it."""
    result = parse_bytes(BAD_INPUTS["line noise"][0])
    (reject,) = result.rejects
    assert reject.text == "#%&/()=?\n12 34 56\n@@ -- ++\n**** 0x7f"
    assert result.text[reject.start_offset : reject.end_offset] == "#%&/()=?\n\n12 34 56\n\n@@ -- ++\n**** 0x7f"
