"""What a site profile and a known site declare: the shapes of one family of pages, as data."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import compress, count, repeat
from typing import Any, Literal

# The standard library's own regular-expression parser (what re.compile reads a pattern with); it
# has no public name, and no stub: used only to find the literal text a sign cannot match without.
_parser: Any = importlib.import_module("re._parser")
_LITERAL, _AT, _BRANCH = _parser.LITERAL, _parser.AT, _parser.BRANCH
_AT_BEGINNING, _AT_END = _parser.AT_BEGINNING, _parser.AT_END
MIN_NEEDLE = 3  # a shorter literal is found almost anywhere: the pattern is searched at once


def rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A compiled pattern (short name: profiles are mostly patterns)."""
    return re.compile(pattern, flags)


def _needles(items: Sequence[tuple[Any, Any]]) -> tuple[str, ...] | None:
    """Literal strings one of which every match of the parsed sequence contains, or None.

    The sequence's longest run of literal characters; else an alternation it cannot match
    without, when each alternative has such a literal (one of them is then in every match)."""
    best, run = "", ""
    for op, arg in items:
        if op is _LITERAL:
            run += chr(arg)
            continue
        best, run = max(best, run, key=len), ""
    best = max(best, run, key=len)
    if len(best) >= MIN_NEEDLE:
        return (best,)
    for op, arg in items:
        if op is _BRANCH:
            alternatives = [_needles(list(branch)) for branch in arg[1]]
            if all(alternatives):
                return tuple(n for alt in alternatives if alt for n in alt)
    return None


@cache
def sign_search(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    """A test whether pattern.search(text) finds something, that skips the search when it cannot.

    A regular expression searched through a whole page tries a match at each of its characters
    (a VK dump's 40,000: 0.3-1 ms, up to 3x reading the page); a substring test is a fast scan.
    So: a pattern that is a whole line of literal text (``^RSS Nytt från vk\\.se$`` under re.M)
    is that line framed by line ends; any other is searched only when the text holds a literal
    that every match contains (``blogg.folkbladet.nu`` of ``\\bblogg\\.folkbladet\\.nu\\b``).
    Patterns ignoring case, or without such a literal, are searched as they are.  The answer is
    always pattern.search's (tests/test_parse_speed.py holds them to it).
    """
    if pattern.flags & re.IGNORECASE:
        return lambda text: pattern.search(text) is not None
    try:
        items = list(_parser.parse(pattern.pattern, pattern.flags))
    except Exception:  # a parser of another Python version: search as before
        return lambda text: pattern.search(text) is not None
    inner = items[1:-1]
    if (pattern.flags & re.MULTILINE and len(items) > 2 and items[0] == (_AT, _AT_BEGINNING)
            and items[-1] == (_AT, _AT_END) and all(op is _LITERAL for op, _ in inner)):
        line = "".join(chr(arg) for _, arg in inner)
        head, tail, framed = line + "\n", "\n" + line, "\n" + line + "\n"
        return lambda text: text == line or text.startswith(head) or text.endswith(tail) or framed in text
    needles = _needles(items)
    if needles is None:
        return lambda text: pattern.search(text) is not None
    return lambda text: any(n in text for n in needles) and pattern.search(text) is not None


@cache
def match_prefix(pattern: re.Pattern[str]) -> str:
    """The literal text every match of pattern.match starts with ('' when none is known: a pattern
    ignoring case, or one that opens with anything but literal characters)."""
    if pattern.flags & re.IGNORECASE:
        return ""
    try:
        items = list(_parser.parse(pattern.pattern, pattern.flags))
    except Exception:  # a parser of another Python version: no prefix
        return ""
    prefix = ""
    for k, (op, arg) in enumerate(items):
        if k == 0 and (op, arg) == (_AT, _AT_BEGINNING):  # '^': where match starts anyway
            continue
        if op is not _LITERAL:
            break
        prefix += chr(arg)
    return prefix


def match_all(pattern: re.Pattern[str], texts: Sequence[str]) -> list[re.Match[str] | None]:
    """pattern.match of each text, the regex run only on texts that start with its match_prefix
    (a C loop of str.startswith: a regex call costs ~0.25 us even when it fails at once)."""
    prefix = match_prefix(pattern)
    if not prefix:
        return list(map(pattern.match, texts))
    out: list[re.Match[str] | None] = [None] * len(texts)
    for i in compress(count(), map(str.startswith, texts, repeat(prefix))):
        out[i] = pattern.match(texts[i])
    return out


@dataclass(frozen=True)
class EntryRule:
    """How a listing page marks its entries: an anchor line and where the headline stands."""

    anchor: re.Pattern[str]  # full-line match on the stripped line
    title: Literal["above", "below"] = "above"
    # groups the anchor may carry: author, date, label (comment counter), reactions


@dataclass(frozen=True)
class Profile:
    """One family of pages: how to recognise it and how its pages are laid out."""

    name: str
    description: str
    # the profile applies when one of these matches the page (re.M over the whole text)
    signs: tuple[re.Pattern[str], ...] = ()
    min_signs: int = 1  # how many sign matches the page needs (a section page shows several stamps)
    # the VK blog platform's reading (bylines, comment threads) instead of the article reading
    platform: bool = False
    entry: EntryRule | None = None
    chrome_lines: Mapping[str, str] = field(default_factory=dict)
    chrome_regexes: tuple[tuple[re.Pattern[str], str], ...] = ()
    # chrome that closes a page: once seen, the page's content has ended
    end_chrome: frozenset[str] = frozenset()
    # lines that never are a headline, however short (date lines, menus, source lines)
    not_headline: tuple[re.Pattern[str], ...] = ()
    # lines that end the article's text (share buttons, "Läs också", related links)
    body_end: tuple[re.Pattern[str], ...] = ()
    # the site when the page names none: the platform's own site
    default_site: str | None = None
    # the family's listing pages show whole posts under bare headlines (no bylines, no teasers)
    whole_posts: bool = False
    # a line closing each post that names its author and time ("Upplagd av Per kl. 10:15")
    post_footer: re.Pattern[str] | None = None
    # notice boxes printed above the article: (first line, last line); None ends at the paragraph's end
    notices: tuple[tuple[re.Pattern[str], re.Pattern[str] | None], ...] = ()


@dataclass(frozen=True)
class Site:
    """A known site: its name in the warehouse, the outlet it is, and the text that names it."""

    site: str
    outlet: str | None
    signs: tuple[re.Pattern[str], ...]
    profile: str | None = None  # the family its pages belong to, when the text alone is unclear
