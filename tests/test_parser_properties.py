"""Invariants of the parser on any input: no crash, every line accounted for once, stable ids."""

from __future__ import annotations

import re

from fixtures.dumps import NBSP, listing_post, sample
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blogetl.models import ParseResult
from blogetl.parse.parser import parse_bytes, parse_text

PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

SAMPLE_LINES = sorted(
    {line for p in ("000", "001", "002", "003", "004") for line in sample(p).split("\n") if line.strip()}
)
LISTING_POSTS = [(p, n) for p, count in (("000", 9), ("001", 10), ("002", 10)) for n in range(1, count + 1)]

labels = st.sampled_from(["Bli först att kommentera", "1 kommentar"]) | st.integers(0, 120).map(
    lambda n: f"{n} kommentarer"
)
names = st.sampled_from(["", "tjalle", "PNW", "Andreas Lundgren", "Anna-Karin Öberg", "x"])
bylines = st.builds(
    lambda author, date, label, reactions: f"Av {author}, {date}, {label}{reactions}",
    names,
    st.sampled_from(["", "12 maj 2017", "2020-11-16 08:00"]),
    labels,
    st.sampled_from(["", " 0", " 7", " 15", " 1234"]),
)
thread_lines = st.builds(
    lambda indent, head, name, own: f"{indent}{head}{name}{own}",
    st.sampled_from(["", " ", "  ", "   ", "    ", "\t"]),
    st.integers(1, 12).map(lambda n: f"{n}. ") | st.sampled_from(["• ", "· "]),
    names.filter(bool),
    st.sampled_from(["", " (inläggsförfattare)"]),
)
chrome = st.sampled_from(
    [
        "Arkiv",
        "RSS Nytt från vk.se",
        "Lämna ett svar",
        "E-postadressen publiceras inte med automatik.",
        "Din e-postadress kommer inte publiceras. Obligatoriska fält är märkta *",
        "Etiketter: , , ,",
        "Kategori: Socialtjänst",
        "Etikett: skola",
        "IMG_0252",
        "———",
        "***",
        "OFFENTLIGA AFFÄRER",
    ]
)
remnants = st.sampled_from(["&nbsp;", "&amp;", "<br>", "<p>", "</p>", "&#246;", "<b>fet</b>", "a < b", "&"])
blankish = st.sampled_from(["", " ", NBSP, " " + NBSP + " ", "\t", "\r"])
pieces = st.one_of(
    st.sampled_from(SAMPLE_LINES),
    bylines,
    labels,
    thread_lines,
    chrome,
    remnants,
    blankish,
    st.text(max_size=40),
)
dump_like = st.lists(pieces, max_size=40).flatmap(
    lambda parts: st.lists(st.sampled_from(["\n", "\n\n", "\r\n", " "]), min_size=len(parts), max_size=len(parts)).map(
        lambda seps: "".join(p + s for p, s in zip(parts, seps, strict=True))
    )
)
any_text = dump_like | st.text(max_size=400)


def assert_sound(result: ParseResult) -> None:
    """The invariants every parse must satisfy, whatever the input."""
    text = result.text
    assert [r.reason for r in result.rejects if r.reason == "parser_error"] == [], result.rejects
    nonblank = [no for no, line in enumerate(text.split("\n")) if line.strip()]
    used = [use.line_no for use in result.lines]
    assert used == nonblank, "every non-blank line exactly once, in order"
    starts = _line_starts(text)
    for use in result.lines:
        assert (use.start_offset, use.end_offset) == (starts[use.line_no], starts[use.line_no + 1] - 1)
    for record in result.records:
        assert 0 <= record.start_offset <= record.end_offset <= len(text), record


def _line_starts(text: str) -> list[int]:
    """Offset where each line starts, plus one past the end (as if text ended in a newline)."""
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    return starts


def ids(result: ParseResult) -> list[str]:
    """Post and comment ids in page order."""
    return [p.post_id for p in result.posts] + [c.comment_id for c in result.comments]


@PROPERTY_SETTINGS
@given(any_text)
def test_any_text_parses_soundly(text: str) -> None:
    """No exception, no parser_error, every non-blank line once, offsets inside the text."""
    assert_sound(parse_text(text))


@PROPERTY_SETTINGS
@given(st.binary(max_size=600) | dump_like.map(lambda t: t.encode("utf-8")) | dump_like.map(lambda t: t.encode("cp1252", "replace")))
def test_any_bytes_parse_soundly(data: bytes) -> None:
    """Bytes of any kind (binary, legacy encodings, HTML bits) go through the same guarantees."""
    result = parse_bytes(data, filename="dump.txt")
    assert_sound(result)
    if result.source_format in ("empty", "binary"):
        assert result.rejects and result.rejects[0].reason in ("empty_dump", "binary_dump")


@PROPERTY_SETTINGS
@given(dump_like)
def test_same_input_same_ids(text: str) -> None:
    """Ids are a function of the input: parsing twice, or under another file name, changes nothing."""
    first = parse_text(text)
    assert ids(parse_text(text)) == ids(first)
    data = text.encode("utf-8")
    assert ids(parse_bytes(data, filename="a.txt")) == ids(parse_bytes(data, filename="other/b.txt"))


listing_dumps = st.lists(st.sampled_from(LISTING_POSTS), min_size=1, max_size=4, unique=True)


@PROPERTY_SETTINGS
@given(listing_dumps, st.sampled_from(LISTING_POSTS), st.sampled_from(["", "Arkiv\nRSS Nytt från vk.se\n"]))
def test_post_ids_do_not_depend_on_position(posts: list[tuple[str, int]], extra: tuple[str, int], end: str) -> None:
    """Prepending another post to a listing leaves every post's id and counters unchanged."""
    text = "\n".join(listing_post(*p) for p in posts) + end
    before = parse_text(text)
    after = parse_text(listing_post(*extra) + "\n" + text)
    assert len(before.posts) == len(posts)
    assert after.posts[0].title == parse_text(listing_post(*extra)).posts[0].title
    key = [(p.post_id, p.title, p.comment_count_declared, p.reactions, p.body) for p in before.posts]
    assert [(p.post_id, p.title, p.comment_count_declared, p.reactions, p.body) for p in after.posts[1:]] == key
    assert [p.position for p in after.posts[1:]] == [p.position + 1 for p in before.posts]
    assert_sound(after)


NOISE = st.sampled_from(
    [
        "IMG_0252",
        "Etiketter: , , ,",
        NBSP,
        "———",
        "***",
        "Av allt att döma, kommer det att dröja.",
        "1. Första punkten\n2. Andra punkten",
        "  • en punkt i brödtexten",
        "Lämna en kommentar gärna.",
    ]
)


FOOTER = re.compile(r"Bli först att kommentera|\d+ kommentar(?:er)?")


@st.composite
def noisy_listings(draw: st.DrawFn) -> tuple[list[tuple[str, int]], str]:
    """Sample posts with noise blocks dropped between their body paragraphs (never before the byline)."""
    posts = draw(listing_dumps)
    out = []
    for prefix, n in posts:
        blocks = listing_post(prefix, n).rstrip("\n").split("\n\n")
        head, body = blocks[:2], blocks[2:]
        footer = [body.pop()] if body and FOOTER.fullmatch(body[-1]) else []
        for _ in range(draw(st.integers(0, 3))):
            body.insert(draw(st.integers(0, len(body))), draw(NOISE))
        out.append("\n\n".join(head + body + footer) + "\n")
    return posts, "\n".join(out)


@PROPERTY_SETTINGS
@given(noisy_listings())
def test_noise_inside_bodies_never_moves_posts_or_counters(case: tuple[list[tuple[str, int]], str]) -> None:
    """Image names, tag footers, separators, 'Av …' prose and numbered lines leave titles, ids and counters alone."""
    posts, text = case
    clean = parse_text("\n".join(listing_post(*p) for p in posts))
    noisy = parse_text(text)
    assert [(p.post_id, p.title, p.comment_count_declared, p.reactions) for p in noisy.posts] == [
        (p.post_id, p.title, p.comment_count_declared, p.reactions) for p in clean.posts
    ]
    assert noisy.comments == [] and noisy.rejects == []
    assert_sound(noisy)
