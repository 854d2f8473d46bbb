"""The parse stage's shortcuts give exactly what the plain code gives (they exist for speed only,
bench/bench_parse.py): a sign searched only when its literal occurs, chrome patterns as one
alternation, dates only in text with a year, whitespace collapsed without a regex, lines split
with C loops, identity shingles hashed with C loops.  Each is held to a plain reference here, on
the samples, the fixture pages and generated text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import pytest
import xxhash
from fixtures.dumps import PAGES, SAMPLES
from hypothesis import given, settings
from hypothesis import strategies as st

from blogetl.ids import normalise_key
from blogetl.parse import identity, pages, sites
from blogetl.parse import patterns as pt
from blogetl.parse.dates import find_dates
from blogetl.parse.lines import Line, collapse_spaces, join_paragraphs, split_lines
from blogetl.parse.sites.base import _needles, _parser, match_all, match_prefix, sign_search
from blogetl.parse.sites.common import COMMON_CHROME, DATE_PATTERNS, READ_MORE_LINE

TEXTS = [p.read_text(encoding="utf-8") for p in sorted([*SAMPLES.glob("*.txt"), *PAGES.rglob("*.txt")])]
SIGNS = sorted({s for p in sites.PROFILES for s in p.signs} | {s for site in sites.SITES for s in site.signs},
               key=lambda s: (s.pattern, s.flags))
WHITESPACE = [c for c in map(chr, range(0x3001)) if c.isspace()]


def needle_texts(sign: re.Pattern[str]) -> list[str]:
    """Texts that hold the sign's literals at a line start, inside a line and at the text's ends."""
    needles = () if sign.flags & re.IGNORECASE else _needles(list(_parser.parse(sign.pattern, sign.flags))) or ()
    out = []
    for n in needles:
        out += [n, f"{n}\n", f"\n{n}", f"a\n{n}\nb", f"x {n} y", f"{n}x", f"x{n}", f"Text.\n\n{n}\n\nMer text."]
    return out


@pytest.mark.parametrize("sign", SIGNS, ids=lambda s: s.pattern[:40])
def test_a_sign_is_found_where_its_search_finds_it(sign: re.Pattern[str]) -> None:
    for text in [*TEXTS, *(sites.edges(t) for t in TEXTS), *needle_texts(sign), "", "\n"]:
        assert sign_search(sign)(text) == (sign.search(text) is not None), (sign.pattern, text[:200])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SIGNS), st.lists(st.sampled_from(["\n", " ", "x", "Av ", ", ", "2 kommentarer", "©", "å"]), max_size=6),
       st.lists(st.sampled_from(["\n", " ", ".", "Kalle", "ö", "se", "nu"]), max_size=6))
def test_a_sign_is_found_where_its_search_finds_it_in_any_surroundings(
        sign: re.Pattern[str], before: list[str], after: list[str]) -> None:
    for core in needle_texts(sign) or [""]:
        text = "".join(before) + core + "".join(after)
        assert sign_search(sign)(text) == (sign.search(text) is not None), (sign.pattern, text)


def chrome_by_loop(text: str, profile: sites.Profile) -> str | None:
    """chrome_of as the patterns say it, one after the other."""
    if text in profile.chrome_lines:
        return profile.chrome_lines[text]
    rules = [*profile.chrome_regexes, *(() if profile.platform else (*COMMON_CHROME, (READ_MORE_LINE, "read more link")))]
    return next((note for regex, note in rules if regex.match(text)), None)


def test_chrome_patterns_as_one_alternation_name_the_first_that_matches() -> None:
    lines = {line.text for text in TEXTS for line in split_lines(text)}
    lines |= {"Etiketter: , , ,", "IMG_0252", "bild.JPG", "Läs mer", "Dela", "Kategori: Politik", "Posted in Okategoriserade",
              "© 2020 Norran", "Källa : vk.se", "Publicerad 2017-05-12", "Arkiv för mars 2019", "Read more »"}
    for profile in sites.PROFILES:
        for text in lines:
            assert pages.chrome_of(text, profile) == chrome_by_loop(text, profile), (profile.name, text)


def found(matches: Iterable[re.Match[str] | None]) -> list[tuple[tuple[int, int], dict[str, str | Any]] | None]:
    """What matches found: comparable, as match objects are not."""
    return [None if m is None else (m.span(), m.groupdict()) for m in matches]


LABELS = ["Bli först att kommentera", "1 kommentar", "12 kommentarer", "0 kommentarer", "kommentar", "2 kommentar\n",
          "Av , , 3 kommentarer 11", " 3 kommentarer", "3 kommentarer ", "Bli först att kommentera!", "x kommentarer"]


@settings(max_examples=300)
@given(st.lists(st.sampled_from([*LABELS, "", "Av ", "\n", "Av , , Bli först att kommentera", "Av Anna, 3 mars 2020, 1 kommentar 4"]),
                max_size=4), st.sampled_from(["", " ", "x", "\n", "Av "]))
def test_labels_and_anchors_match_where_the_regex_does(parts: list[str], edge: str) -> None:
    texts = [*parts, "".join(parts), edge + "".join(parts), "".join(parts) + edge]
    assert found(pt.label_matches(texts)) == found(map(pt.COMMENT_LABEL_LINE.match, texts))
    for profile in sites.PROFILES:
        if profile.entry is not None:
            assert found(match_all(profile.entry.anchor, texts)) == found(map(profile.entry.anchor.match, texts))


def test_labels_and_anchors_match_on_the_pages_where_the_regex_does() -> None:
    texts = [line.text for text in TEXTS for line in split_lines(text)] + [line.raw for text in TEXTS for line in split_lines(text)]
    assert found(pt.label_matches(texts)) == found(map(pt.COMMENT_LABEL_LINE.match, texts))
    for profile in sites.PROFILES:
        if profile.entry is not None:
            assert found(match_all(profile.entry.anchor, texts)) == found(map(profile.entry.anchor.match, texts))
    assert match_prefix(sites.BY_NAME["vk_blog"].entry.anchor) == "Av "  # type: ignore[union-attr]


def test_dates_need_a_year() -> None:
    lines = [line.raw for text in TEXTS for line in split_lines(text)]
    for line in [*lines, "Tisdag 3 mars 2020", "den 3:e maj 1999", "12 mars, 2017", "onsdag, mars 30, 2011", "3 mars"]:
        plain = [m.group() for p in DATE_PATTERNS for m in p.finditer(line)]
        if "19" not in line and "20" not in line:
            assert plain == [] and find_dates(line) == []


@given(st.text(alphabet=st.sampled_from(["a", "ö", " ", "x", *WHITESPACE, "\u200b", "\x00"]), max_size=40))
def test_whitespace_collapses_as_the_regex_does(text: str) -> None:
    stripped = text.strip()
    assert collapse_spaces(stripped) == re.sub(r"\s+", " ", stripped)


@given(st.text(alphabet=st.sampled_from(["a", "Ö", " ", "x", *WHITESPACE, "\u200b", "ß", "e", "\u0301"]), max_size=40))
def test_identity_keys_fold_whitespace_as_the_regex_does(text: str) -> None:
    assert normalise_key(text) == re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).casefold()).strip()


def split_by_loop(text: str) -> list[Line]:
    out, pos = [], 0
    for no, raw in enumerate(text.split("\n")):
        if raw.strip():
            out.append(Line(no, pos, pos + len(raw), raw, raw.strip()))
        pos += len(raw) + 1
    return out


@given(st.text(alphabet=st.sampled_from(["a", "\n", " ", "\t", "\u00a0", "å", "\u2028"]), max_size=60))
def test_lines_split_as_the_loop_does(text: str) -> None:
    assert split_lines(text) == split_by_loop(text)
    for text in TEXTS:
        assert split_lines(text) == split_by_loop(text)


def join_by_loop(lines: list[Line]) -> str:
    out, prev = [], -2
    for line in lines:
        if prev >= 0:
            out.append("\n" if line.no == prev + 1 else "\n\n")
        out.append(re.sub(r"\s+", " ", line.text))
        prev = line.no
    return "".join(out)


@given(st.text(alphabet=st.sampled_from(["a", "\n", " ", "\t", "\u00a0", "å", "\u2028", "\u3000"]), max_size=60),
       st.integers(0, 6), st.integers(0, 6))
def test_lines_join_as_the_loop_does(text: str, skip: int, take: int) -> None:
    lines = split_lines(text)
    for part in (lines, lines[skip : skip + take], lines[::2]):
        assert join_paragraphs(part) == join_by_loop(part)
        assert join_paragraphs(iter(part)) == join_by_loop(part)


def sketch_by_loop(body: str, partial: bool) -> identity.Sketch:
    """identity.sketch as its docstring says it, one shingle at a time."""
    ws = identity._WORD.findall(unicodedata.normalize("NFC", unicodedata.normalize("NFC", body).casefold()))
    kept = ws[:-1] if partial else ws
    n = min(identity.SHINGLE_WORDS, len(kept))
    hashes = {xxhash.xxh3_64_intdigest(" ".join(kept[i : i + n]).encode()) for i in range(len(kept) - n + 1)} if kept else set()
    return identity.Sketch(xxhash.xxh3_64_hexdigest(" ".join(ws).encode()), len(hashes),
                           tuple(sorted(hashes)[: identity.SKETCH_SIZE]), " ".join(kept)[: identity.HEAD_CHARS])


@settings(max_examples=300)
@given(st.lists(st.sampled_from(["å", "Ärlig", "straße", "İstanbul", "x_y", "naïve", "e\u0301", "12", "och", "ﬁ", "ΣΑΣ", "—", ",", "日本"]),
                max_size=14), st.sampled_from([" ", "\n", "\n\n", ", "]), st.booleans())
def test_sketches_are_the_plain_ones(words: list[str], sep: str, partial: bool) -> None:
    body = sep.join(words)
    assert identity.sketch(body, partial=partial) == sketch_by_loop(body, partial)
    ws = identity.words(body)
    n = min(identity.SHINGLE_WORDS, len(ws))
    assert identity.shingle_hashes(ws) == ({xxhash.xxh3_64_intdigest(" ".join(ws[i : i + n]).encode()) for i in range(len(ws) - n + 1)}
                                           if ws else set())


def test_sample_sketches_are_the_plain_ones() -> None:
    for text in TEXTS:
        for partial in (False, True):
            assert identity.sketch(text, partial=partial) == sketch_by_loop(text, partial)
