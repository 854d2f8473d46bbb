"""Site knowledge as data: one module per family of pages, each with its profile and known sites.

Adding a site means adding a ``Site`` (and, for a new family, a ``Profile``) to one module
here and a fixture page under ``tests/fixtures/pages/``.  The parser asks ``pick_profile``
how to read a page and ``detect_site`` where it is from; outlets come from ``SITES``.

>>> pick_profile("Rubrik\\n\\nAv , , 1 kommentar 4\\n\\nText.\\n").name
'vk_blog'
>>> detect_site("Text.\\n\\nKälla : vk.se\\n", pick_profile("Text.\\n"))
'vk.se'
"""

from __future__ import annotations

import re

from blogetl.parse.sites import (
    aggregator,
    blogspot,
    folkbladet_blog,
    generic,
    news,
    vk_blog,
    wordpress,
)
from blogetl.parse.sites.base import EntryRule, Profile, Site, sign_search

# Most specific first: the first profile with a sign on the page reads it.
PROFILES: tuple[Profile, ...] = (
    folkbladet_blog.PROFILE,
    vk_blog.PROFILE,
    blogspot.PROFILE,
    wordpress.PROFILE,
    aggregator.PROFILE,
    news.LISTING,
    news.ARTICLE,
    generic.PROFILE,
)
BY_NAME = {p.name: p for p in PROFILES}
SITES: tuple[Site, ...] = (*folkbladet_blog.SITES, *vk_blog.SITES, *news.SITES, *wordpress.SITES)

# A copyright line that names a domain: "© 2017 minblogg.se" (a personal blog naming itself).
_COPYRIGHT_DOMAIN = re.compile(r"^(?:©|Copyright|\(c\))[^\n]{0,40}?\b((?:[a-z0-9-]+\.)+(?:se|nu|com|net|org|blogspot\.com))\b", re.I | re.M)

__all__ = ["PROFILES", "SITES", "EntryRule", "Profile", "Site", "detect_site", "pick_profile"]


# Signs are chrome: a page shows them near its top or bottom.  Only these ends of a long dump
# are searched, so a 5 MB listing costs what a page does.
EDGE_CHARS = 20_000


def edges(text: str) -> str:
    """The first and last EDGE_CHARS characters of a text (all of a shorter one)."""
    return text if len(text) <= 2 * EDGE_CHARS else text[:EDGE_CHARS] + "\n" + text[-EDGE_CHARS:]


def pick_profile(text: str, site_hint: str | None = None, *, edged: bool = False) -> Profile:
    """The profile of the site named by the folder, else of the first family whose signs the page shows
    (edged: text is the page's edges() already)."""
    known = next((s for s in SITES if s.site == site_hint and s.profile), None) if site_hint else None
    if known is not None and known.profile in BY_NAME:
        return BY_NAME[known.profile]
    text = text if edged else edges(text)
    for profile in PROFILES:
        if profile.min_signs == 1 and any(sign_search(sign)(text) for sign in profile.signs):
            return profile
        if profile.min_signs > 1 and sum(len(sign.findall(text)) for sign in profile.signs) >= profile.min_signs:
            return profile
    return generic.PROFILE


def detect_site(text: str, profile: Profile, hint: str | None = None, *, edged: bool = False) -> str | None:
    """The site: the folder's hint, else a known site the page names, else the platform's; never a guess
    (edged: text is the page's edges() already)."""
    if hint:
        return hint
    text = text if edged else edges(text)
    for site in SITES:
        if any(sign_search(sign)(text) for sign in site.signs):
            return site.site
    m = _COPYRIGHT_DOMAIN.search(text)
    if m:
        return m.group(1).lower()
    return profile.default_site
