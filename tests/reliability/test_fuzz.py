"""Structure-aware fuzzing (issue 14): dumps built from the pieces real pages are made of (titles,
bylines with any counter, dates of any shape, comment threads, chrome, HTML, every encoding we read,
stray bytes), through the parser, and through parser -> Arrow -> the warehouse loader (where a
counter of 2^31 once crashed a run). CI runs a fixed budget of examples per test;
BLOGETL_FUZZ_EXAMPLES=N runs more (the issue's long run: README "What happens to bad dumps")."""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.dumps import NBSP, sample
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_parser_properties import assert_sound

from blogetl.models import ParseResult
from blogetl.parse.parser import parse_bytes
from blogetl.sources.files import DumpFile, site_hint_for
from blogetl.warehouse.arrow import to_arrow
from blogetl.warehouse.store import Warehouse

# CI's budget: the parser ~20 ms an example, a load ~0.2 s (about 25 s together here)
PARSER_EXAMPLES = int(os.environ.get("BLOGETL_FUZZ_EXAMPLES", "300"))
LOAD_EXAMPLES = int(os.environ.get("BLOGETL_FUZZ_EXAMPLES", "100"))
HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
INT32 = 2**31 - 1

SAMPLE_LINES = sorted({line for p in ("000", "001", "002", "003", "004") for line in sample(p).split("\n") if line.strip()})
SWEDISH = st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from("åäöÅÄÖéü ”“–—…•·\t" + NBSP)

numbers = st.integers(0, 12) | st.integers(0, 10**25) | st.sampled_from([INT32, INT32 + 1, 2**63, 2**64, 10**20])
words = st.text(SWEDISH, min_size=1, max_size=30)
title = st.sampled_from(SAMPLE_LINES) | st.text(SWEDISH, min_size=1, max_size=90).filter(str.strip)
paragraph = st.sampled_from(SAMPLE_LINES) | st.text(SWEDISH, max_size=300)
month = st.sampled_from(["januari", "mars", "maj", "juni", "augusti", "december", "jan", "feb", "sept", "okt",
                         "March", "may", "Dec.", "mars,"])
weekday = st.sampled_from(["", "Tisdag ", "fredag ", "onsdag, ", "mån ", "Sunday "])


def two(n: int) -> str:
    return f"{n:02d}"


dates = st.one_of(
    st.builds(lambda y, m, d, h, mi: f"{y}-{two(m)}-{two(d)} {two(h)}:{two(mi)}",
              st.integers(1900, 2099), st.integers(0, 19), st.integers(0, 39), st.integers(0, 29), st.integers(0, 59)),
    st.builds(lambda s, y, m, d: f"{s}{y}-{two(m)}-{two(d)} 08:15", st.sampled_from(["", "Politik", "Sport "]),
              st.integers(1900, 2099), st.integers(0, 19), st.integers(0, 39)),
    st.builds(lambda w, d, m, y, t: f"{w}{d} {m} {y}{t}", weekday, st.integers(0, 39), month, st.integers(1900, 2099),
              st.sampled_from(["", " kl 10.15", " kl. 29:59", " 24:00", " at 10:30"])),
    st.builds(lambda d, m, y: f"den {d}:e {m} {y}", st.integers(0, 39), month, st.integers(1900, 2099)),
    st.builds(lambda w, m, d, y, t: f"{w}{m} {d}, {y}{t}", weekday, month, st.integers(0, 39), st.integers(1900, 2099),
              st.sampled_from(["", " at 10:30", " at 29:59"])),
    st.text(SWEDISH, max_size=20),
)
labels = st.sampled_from(["Bli först att kommentera", "1 kommentar"]) | numbers.map(lambda n: f"{n} kommentarer")
bylines = st.builds(lambda a, d, label, r: f"Av {a}, {d}, {label}{r}",
                    st.sampled_from(["", "tjalle", "Andreas Lundgren", "x"]), st.sampled_from(["", "12 maj 2017"]) | dates,
                    labels, st.sampled_from(["", " 0", " 7"]) | numbers.map(lambda n: f" {n}"))
footers = st.builds(lambda who, h, m, ap: f"Upplagd av {who} kl. {h}:{two(m)}{ap}", st.sampled_from(["Per", "Anna K"]),
                    st.integers(0, 29), st.integers(0, 59), st.sampled_from(["", " AM", " PM"]))
thread_line = st.builds(lambda indent, head, name, own: f"{indent}{head}{name}{own}",
                        st.sampled_from(["", " ", "  ", "    ", "\t"]),
                        numbers.map(lambda n: f"{n}. ") | st.sampled_from(["• ", "· "]),
                        st.sampled_from(["tjalle", "PNW", "Anna-Karin Öberg"]) | words,
                        st.sampled_from(["", " (inläggsförfattare)"]))
chrome = st.sampled_from(["Arkiv", "RSS Nytt från vk.se", "Lämna ett svar", "Etiketter: , , ,", "Kategori: Skola",
                          "IMG_0252", "———", "Läs mer", "Källa : vk.se", "Detta är en ledare.", "Publicerad 2019-04-02 14:05",
                          "Archive for the ‘Skola’ Category", "© 2020 vk.se", "Hoppa till innehåll", "12 mars, 2017 Lämna en kommentar"])
html_bits = st.sampled_from(["<p>", "</p>", "<br>", "<b>", "</b>", "<script>", "</script>", "<style>", "<ol start='99999999999'>",
                             "<ol start='-3'>", "<li>", "</li>", "<ul>", "<pre>", "&#99999999;", "&#x110000;", "&#0;", "&amp;",
                             "&nbsp;", "<![CDATA[x]]>", "<!-- ", " -->", "<a href='x'>", "</a>", "<h2>", "</h2>", "<div>"])
html_heads = st.sampled_from(["", "", "", "<!DOCTYPE html><html><head><title>t</title></head><body>", "<html>", "<body>"])


FAMILIES = ["listing", "single", "dated", "news", "loose"]


@st.composite
def post_block(draw: st.DrawFn, kind: str) -> list[str]:
    """One entry of a page family: a listing post, a single post with its thread, a dated post, a news item."""
    body = draw(st.lists(paragraph, max_size=4))
    if kind == "listing":
        return [draw(title), draw(bylines), *body, draw(labels)]
    if kind == "single":
        thread = draw(st.lists(st.one_of(thread_line, paragraph), max_size=8))
        return [draw(title), draw(bylines), *body, draw(labels), *thread, draw(st.sampled_from(["", "Lämna ett svar"]))]
    if kind == "dated":
        header = draw(st.builds(lambda w, d, m, y: f"{w}{d} {m} {y}", st.sampled_from(["fredag ", "onsdag ", "måndag "]),
                                st.integers(1, 31), st.sampled_from(["juni", "mars", "december"]), st.integers(1990, 2030)) | dates)
        return [header, draw(title), *body, draw(footers)]
    if kind == "news":
        return [draw(title), draw(dates), *body, draw(st.sampled_from(["", "Läs mer", "…", "[…]"]))]
    return draw(st.lists(st.one_of(paragraph, chrome, html_bits, dates, labels, thread_line), max_size=12))


@st.composite
def dump_text(draw: st.DrawFn) -> str:
    """A page: a header, entries, maybe closing chrome, lines joined by any line ending, HTML mixed in or not."""
    family = draw(st.sampled_from([*FAMILIES, "mixed"]))  # most pages are of one family; some mix them
    kinds = st.sampled_from(FAMILIES) if family == "mixed" else st.just(family)
    blocks = [draw(post_block(kind)) for kind in draw(st.lists(kinds, min_size=1, max_size=5))]
    lines = [*draw(st.lists(chrome, max_size=2)), *itertools.chain.from_iterable(blocks)]
    if draw(st.booleans()):
        lines += ["Arkiv", "RSS Nytt från vk.se"]
    if draw(st.integers(0, 3)) == 0:  # HTML remnants inside lines
        lines = [line + draw(html_bits) if draw(st.integers(0, 4)) == 0 else line for line in lines]
    seps = draw(st.lists(st.sampled_from(["\n", "\n\n", "\r\n", "\r\n\r\n", "\n \n", f"\n{NBSP}\n"]),
                         min_size=len(lines), max_size=len(lines)))
    return draw(html_heads) + "".join(line + sep for line, sep in zip(lines, seps, strict=True))


@st.composite
def dump_bytes(draw: st.DrawFn) -> tuple[str, bytes]:
    """(file name, bytes): the page in any encoding blogetl reads, and with the damage dumps arrive with."""
    text = draw(dump_text())
    how = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-le", "utf-16-be", "mixed"]))
    if how == "mixed":  # UTF-8 with a stretch written by a legacy tool
        cut = draw(st.integers(0, len(text)))
        data = text[:cut].encode("utf-8") + text[cut:].encode("cp1252", "replace")
    else:
        data = text.encode(how, "replace")
    for _ in range(draw(st.integers(0, 2)) if draw(st.booleans()) else 0):  # stray bytes: NUL, controls, a cut sequence
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\x00", b"\x01", b"\x1b", b"\xe5", b"\xc3", b"\xff\xfe"])) + data[at:]
    if draw(st.integers(0, 9)) == 0:
        data = data[: draw(st.integers(0, len(data)))]  # cut off anywhere, mid-character too
    name = draw(st.sampled_from(["dump.txt", "page.html", "vk.se/listing.txt", "blogg.folkbladet.nu/a.htm", "x.text"]))
    return name, data


def check_records(result: ParseResult) -> None:
    """What the warehouse needs of every record: the parse invariants, and integers its columns hold."""
    assert_sound(result)
    for post in result.posts:
        for value in (post.comment_count_declared, post.reactions, post.position):
            assert value is None or 0 <= value <= INT32, post
    for record in result.records:
        assert record.end_offset <= INT32


@settings(max_examples=PARSER_EXAMPLES, deadline=None, suppress_health_check=HEALTH)
@given(dump_bytes())
def test_the_parser_takes_any_dump(dump: tuple[str, bytes]) -> None:
    name, data = dump
    check_records(parse_bytes(data, filename=name, site_hint=site_hint_for(name)))


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    """A warehouse run held open for a whole fuzz test (one working copy; every example loads into it)."""
    with Warehouse.open(tmp_path / "fuzz.duckdb") as wh:
        yield wh


def test_parse_arrow_and_load_take_any_dump(warehouse: Warehouse) -> None:
    """Each example's dumps (1-3, some under one path) parsed, turned into Arrow tables and loaded
    into one warehouse; then the run finishes (index, publish) over everything loaded."""
    counter = itertools.count()

    @settings(max_examples=LOAD_EXAMPLES, deadline=None, suppress_health_check=HEALTH)
    @given(st.lists(dump_bytes(), min_size=1, max_size=3))
    def load(dumps: list[tuple[str, bytes]]) -> None:
        tables = []
        for name, data in dumps:
            path = f"{next(counter) % 50}/{name}"  # paths come back: later examples change earlier dumps
            result = parse_bytes(data, filename=path, site_hint=site_hint_for(path))
            check_records(result)
            dump = DumpFile(path, data, hashlib.sha256(data).hexdigest(), len(data), site_hint_for(path))
            tables.append((path, len(result.posts), to_arrow(dump, result)))
        warehouse.load_arrow([t for _, _, t in tables])
        for path, _posts, _t in tables:
            (row,) = warehouse.con.execute("SELECT count(*) FROM dumps WHERE path = ?", [path]).fetchall()
            assert row == (1,)
        orphans = warehouse.con.execute("SELECT count(*) FROM post_sightings WHERE post_id NOT IN (SELECT post_id FROM posts)").fetchone()
        assert orphans == (0,)

    load()
    summary = warehouse.finish()
    assert summary.totals["dumps"] >= 1


# --- what the fuzzing found, kept as plain tests ---------------------------------------------------------


def dated_posts(*footers: str) -> str:
    """Blogspot-style posts (a date header, a title, a sample paragraph, a footer), one per footer."""
    body = sample("000").split("\n\n")[2]
    return "".join(f"fredag {14 - i} juni 2013\n\nRubrik {i}\n\n{body}\n\n{footer}\n\n" for i, footer in enumerate(footers))


def test_a_footer_time_that_is_no_time_of_day_keeps_the_date() -> None:
    """'Upplagd av Per kl. 24:00' (hours up to 29 match) made the whole dump a parser_error reject."""
    result = parse_bytes(dated_posts("Upplagd av Per kl. 24:00", "Upplagd av Per kl. 10:15").encode())
    check_records(result)
    assert [(p.title, p.published_at and p.published_at.isoformat()) for p in result.posts] == [
        ("Rubrik 0", "2013-06-14T00:00:00"), ("Rubrik 1", "2013-06-13T10:15:00")]


def test_a_line_between_a_headline_and_its_byline_is_accounted_for() -> None:
    """A bullet line the headline search looked past ('Hej!', '• tjalle', '1900-00-00') was in no record."""
    body = sample("000").split("\n\n")[2]
    text = f"{body}\n1900-01-02\n{body}\n  Hej!\n   • tjalle\n1900-01-02\n{body}\n"
    result = parse_bytes(text.encode(), filename="dump.txt")
    check_records(result)
    assert "• tjalle" not in " ".join(p.body for p in result.posts)
