"""Hand-written expectations for the five real samples (tests/fixtures/samples, copies of raw/'s dumps).

tests/fixtures/expected/<dump>.json was written from reading the dumps (titles, bylines,
comment labels, the thread's numbering and indentation), not from the parser's output; it
checks chosen fields and snippets. The whole-record snapshots of the same parses are
tests/fixtures/golden/<dump>.json, compared by test_golden_records.py.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from fixtures.dumps import EXPECTED, SAMPLES, SHIPPED_RAW

from blogetl.models import Comment, LineRole, ParseResult, Post
from blogetl.parse.parser import parse_bytes

DUMPS = sorted(p for p in SAMPLES.iterdir() if p.is_file())

# Lines that must never end up in a post body, spelled out here rather than taken from patterns.py.
BYLINE = re.compile(r"^Av [^,]*, [^,]*, (?:Bli först att kommentera|\d+ kommentarer?|\d+ kommentar) \d+$")
LABEL = re.compile(r"^(?:Bli först att kommentera|1 kommentar|\d+ kommentarer)$")
CHROME = {
    "Arkiv",
    "RSS Nytt från vk.se",
    "Lämna ett svar",
    "E-postadressen publiceras inte med automatik.",
    "Ägaren av bloggen kan dock se ditt IP-nummer samt den epost-adress du anger.",
    "Din e-postadress kommer inte publiceras. Obligatoriska fält är märkta *",
}


@cache
def parsed(path: Path) -> ParseResult:
    """A sample parsed the way the CLI does it (bytes in, file name given)."""
    return parse_bytes(path.read_bytes(), filename=path.name)


def expected(path: Path) -> dict:
    """The hand-written expectations for one sample."""
    return json.loads((EXPECTED / f"{path.stem}.json").read_text(encoding="utf-8"))


def by_prefix(prefix: str) -> ParseResult:
    """The parse of the sample whose name starts with prefix."""
    (path,) = [p for p in DUMPS if p.name.startswith(prefix)]
    return parsed(path)


def test_every_sample_has_hand_written_expectations() -> None:
    """A sample added to tests/fixtures/samples without hand-written expectations fails here, not silently."""
    assert len(DUMPS) == 5
    assert sorted(p.stem for p in EXPECTED.glob("*.json")) == [p.stem for p in DUMPS]


def test_raw_still_ships_the_samples_byte_for_byte() -> None:
    """raw/ (what `make ingest` and the README read) holds the same five samples; other dumps may join them."""
    for path in DUMPS:
        assert (SHIPPED_RAW / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize("path", DUMPS, ids=lambda p: p.name[:3])
def test_sample_matches_its_expectations(path: Path) -> None:
    """Page kind, site, record counts, every post's fields and snippets, every comment's place."""
    want, got = expected(path), parsed(path)
    assert want["dump"] == path.name
    assert (got.page_kind.value, got.site) == (want["page_kind"], want["site"])
    counts = {"posts": len(got.posts), "comments": len(got.comments), "rejects": len(got.rejects)}
    assert counts == want["counts"], got.rejects
    for post, exp in zip(got.posts, want["posts"], strict=True):
        fields = {k: getattr(post, k) for k in exp if k not in ("paragraphs", "must_contain", "must_not_contain")}
        fields = {k: v.value if hasattr(v, "value") else v for k, v in fields.items()}
        assert fields == {k: v for k, v in exp.items() if k in fields}, post.title
        assert len(post.body.split("\n\n")) == exp["paragraphs"], post.title
        for snippet in exp["must_contain"]:
            assert snippet in post.body, (post.title, snippet)
        for snippet in exp["must_not_contain"]:
            assert snippet in got.text, f"expected snippet {snippet!r} must occur in the dump"
            assert snippet not in post.body, (post.title, snippet)
    authors = {c.comment_id: c.author for c in got.comments}
    for comment, exp in zip(got.comments, want["comments"], strict=True):
        assert comment.post_id == got.posts[0].post_id
        assert comment.parent_id is None or comment.parent_id in authors
        fields = {
            "position": comment.position,
            "author": comment.author,
            "is_post_author": comment.is_post_author,
            "depth": comment.depth,
            "parent_author": authors.get(comment.parent_id or ""),
            "truncated": comment.truncated,
        }
        assert fields == {k: exp[k] for k in fields}
        assert len(comment.body.split("\n\n")) == exp["paragraphs"]
        for snippet in exp["must_contain"]:
            assert snippet in comment.body, (comment.author, snippet)


def test_listing_pages_hold_29_posts() -> None:
    """The three listing pages: 9, 10 and 10 posts; the first post of 000 as the issue states it."""
    assert [len(by_prefix(p).posts) for p in ("000", "001", "002")] == [9, 10, 10]
    first = by_prefix("000").posts[0]
    assert (first.title, first.comment_count_declared, first.reactions) == (
        "Gymnasieelevernas utbildning på spel",
        2,
        11,
    )


def test_single_page_keeps_declared_and_shown_counts() -> None:
    """003 declares 6 comments and shows 5: tjalle → Andreas Lundgren → tjalle, PNW → Andreas Lundgren."""
    result = by_prefix("003")
    (post,) = result.posts
    assert post.comment_count_declared == 6
    assert len(result.comments) == 5
    by_id = {c.comment_id: c for c in result.comments}
    chains = [
        [c.author for c in _ancestry(c, by_id)] for c in result.comments if not any(x.parent_id == c.comment_id for x in result.comments)
    ]
    assert chains == [["tjalle", "Andreas Lundgren", "tjalle"], ["PNW", "Andreas Lundgren"]]
    assert [c.is_post_author for c in result.comments] == [False, True, False, False, True]
    assert len(set(by_id)) == 5


def _ancestry(comment: Comment, by_id: dict[str, Comment]) -> list[Comment]:
    """The comment's chain from its top-level ancestor down to itself."""
    chain = [comment]
    while chain[0].parent_id is not None:
        chain.insert(0, by_id[chain[0].parent_id])
    return chain


def test_single_page_is_the_same_post_as_the_listing_entry() -> None:
    """003 and 000's second post are one post: same id, title and body; only 000 has counters."""
    listed, single = by_prefix("000").posts[1], by_prefix("003").posts[0]
    assert single.post_id == listed.post_id
    assert (single.title, single.body) == (listed.title, listed.body)
    assert (listed.reactions, single.reactions) == (10, None)
    assert len({p.post_id for p in parsed_all_posts()}) == 30  # 31 posts, one of them seen twice


def parsed_all_posts() -> list[Post]:
    """Every post of every sample."""
    return [post for path in DUMPS for post in parsed(path).posts]


def test_article_page() -> None:
    """004 is one article of offentligaaffarer.se, named by the page's own 'OFFENTLIGA AFFÄRER'."""
    result = by_prefix("004")
    (post,) = result.posts
    assert (post.title, post.site, post.page_kind.value) == ("Vill stoppa bedrägerier i hemtjänst", "offentligaaffarer.se", "article")
    assert result.comments == []


@pytest.mark.parametrize("path", DUMPS, ids=lambda p: p.name[:3])
def test_bodies_hold_no_byline_label_or_chrome(path: Path) -> None:
    """No body line is a byline, a comment label or a chrome line; nor is any comment line."""
    result = parsed(path)
    for text in [p.body for p in result.posts] + [c.body for c in result.comments]:
        for line in text.split("\n"):
            assert not BYLINE.match(line), line
            assert not LABEL.match(line), line
            assert line not in CHROME, line


@pytest.mark.parametrize("path", DUMPS, ids=lambda p: p.name[:3])
def test_offsets_point_at_the_records(path: Path) -> None:
    """text[start:end] of a post holds its title and byline; of a comment, its author and body."""
    result = parsed(path)
    for post in result.posts:
        span = result.text[post.start_offset : post.end_offset]
        assert span.startswith(post.title)
        assert post.body.split("\n")[-1] in span
    bylines = [u for u in result.lines if u.role is LineRole.BYLINE]
    for post, use in zip(result.posts, bylines, strict=False):
        assert post.start_offset < use.start_offset < post.end_offset
    for comment in result.comments:
        span = result.text[comment.start_offset : comment.end_offset]
        assert comment.author in span.split("\n")[0]
        assert span.rstrip().endswith(comment.body.split("\n")[-1])


@pytest.mark.parametrize("path", DUMPS, ids=lambda p: p.name[:3])
def test_ledger_accounts_for_every_line_without_rejects(path: Path) -> None:
    """Each non-blank line of the decoded sample is used once; none is rejected."""
    result = parsed(path)
    nonblank = [no for no, line in enumerate(result.text.split("\n")) if line.strip()]
    assert [u.line_no for u in result.lines] == nonblank
    assert result.rejects == []
    assert not [u for u in result.lines if u.role is LineRole.REJECT]
    roles = {u.role for u in result.lines}
    assert {LineRole.TITLE, LineRole.BODY} <= roles


def test_chrome_lines_are_named() -> None:
    """Closing chrome and the comment form are recognised as chrome, with what they are."""
    result = by_prefix("003")
    chrome = {result.text[u.start_offset : u.end_offset]: u.note for u in result.lines if u.role is LineRole.CHROME}
    assert chrome == {
        "Lämna ett svar": "comment form",
        "E-postadressen publiceras inte med automatik.": "comment form",
        "Ägaren av bloggen kan dock se ditt IP-nummer samt den epost-adress du anger.": "comment form",
        "Arkiv": "archive link",
        "RSS Nytt från vk.se": "rss footer",
    }
