"""What a site profile and a known site declare: the shapes of one family of pages, as data."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal


def rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A compiled pattern (short name: profiles are mostly patterns)."""
    return re.compile(pattern, flags)


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
