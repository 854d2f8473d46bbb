"""Where a post's text was published: outlet names and aliases, and the phrases that say so.

The default outlets seed the ``outlets`` table once; after that the table is the user's to
edit (add aliases, add outlets) and detection always reads it.  An alias containing a dot
and no space is a domain and is matched against the dump's site; the others are matched
in the text, case-insensitively, as whole words.

Evidence, strongest first:

1. ``text``: the author says where it ran: "I dagens VK 16/11 skriver jag", "I dagens
   Västerbottens Kuriren och Västerbottens Folkblad svarar jag" (both outlets), "Folkbladet
   publicerar på webben min … debattartikel".  First person is required: "I dagens Expressen
   skriver kommunalråden …" reports someone else's article and names no outlet for the post.
2. ``site``: the site of the dump the post came from (``offentligaaffarer.se``).
3. ``self``: a news page naming its own paper as reporters do: "uppger för OFFENTLIGA AFFÄRER".

>>> outlets = [Outlet("vk", "VK", ("VK", "Västerbottens Kuriren", "vk.se")),
...            Outlet("folkbladet", "Folkbladet", ("Folkbladet", "Västerbottens Folkblad"))]
>>> found = detect("I dagens Västerbottens Kuriren och Västerbottens Folkblad svarar jag.", None, outlets)
>>> [(e.outlet_id, e.source, e.start, e.end) for e in found]
[('vk', 'text', 0, 68), ('folkbladet', 'text', 0, 68)]
>>> [e.outlet_id for e in detect("Brödtext.", "blogg.vk.se", outlets)]
['vk']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from blogetl.parse.sites.outlets import OUTLETS, Outlet

__all__ = ["DEFAULT_OUTLETS", "Evidence", "Outlet", "detect", "mention_regex", "site_outlet"]

# The outlets the site profiles know (blogetl.parse.sites.outlets): one place per site.
DEFAULT_OUTLETS: tuple[Outlet, ...] = OUTLETS

# {O} is one outlet alias; {OS} a list of them ("VK och Folkbladet", "VK, Folkbladet").
# Each pattern: (kind of evidence, words one of which must occur, regex template); the
# "outlets" group holds the names.  The trigger words skip the regexes for most posts.
_PIECES = "debattartikel|debattinlägg|artikel|insändare|replik|krönika"
PHRASES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("text", ("dagens",), r"\b(?:i|på) dagens (?P<outlets>{OS})(?:\s+\d{{1,2}}/\d{{1,2}})?\s+(?:skriver|svarar|replikerar|debatterar|medverkar|publiceras|har)\s+(?:jag|vi|min|mitt|vår|vårt)\b"),
    ("text", ("publicerar",), r"\b(?P<outlets>{O})\s+publicerar\s+(?:idag\s+|i dag\s+|på webben\s+|också\s+)*(?:min|mitt|vår|vårt)\b[^.!?\n]{{0,80}}?\b(?:" + _PIECES + ")"),
    ("text", tuple(_PIECES.split("|")), r"\b(?:min|mitt|vår|vårt)\s+(?:" + _PIECES + r")\s+(?:i|på)\s+(?:dagens\s+)?(?P<outlets>{OS})"),
    ("self", ("uppger", "säger", "berättar", "förklarar", "meddelar", "skriver"), r"\b(?:uppger|säger|berättar|förklarar|meddelar|skriver)\s+(?:\w+\s+){{0,2}}?(?:för|till)\s+(?P<outlets>{O})"),
)
RANK = {"text": 0, "site": 1, "self": 2}


@dataclass(frozen=True)
class Evidence:
    """One outlet found for a post, with the phrase (or site) that says so."""

    outlet_id: str
    source: str  # text | site | self
    phrase: str
    start: int | None  # character offsets of the phrase in the body; None for the site
    end: int | None


def is_domain(alias: str) -> bool:
    """Aliases with a dot and no space name a site, not a text mention."""
    return "." in alias and " " not in alias


Phrase = tuple[str, tuple[str, ...], re.Pattern[str]]


@dataclass(frozen=True)
class _Compiled:
    """One outlets table turned into lookups and regexes."""

    phrases: list[Phrase]
    alias_re: re.Pattern[str]
    by_alias: dict[str, str]  # casefolded text alias -> outlet id
    by_domain: dict[str, str]  # casefolded domain -> outlet id


@lru_cache(maxsize=16)
def _compiled(outlets: tuple[Outlet, ...]) -> _Compiled:
    """Phrase regexes, the alias regex and alias/domain -> outlet id for one outlets table."""
    by_alias = {a.casefold(): o.outlet_id for o in outlets for a in o.aliases if not is_domain(a)}
    by_domain: dict[str, str] = {}
    for o in outlets:
        for a in o.aliases:
            if is_domain(a):
                by_domain.setdefault(a.casefold(), o.outlet_id)
    names = sorted(by_alias, key=lambda a: (-len(a), a))
    one = r"(?<!\w)(?:" + "|".join(re.escape(a) for a in names) + r")(?!\w)" if names else r"(?!x)x"
    many = rf"{one}(?:\s*(?:,|och|&)\s*{one})*"
    phrases = [(kind, triggers, re.compile(t.format(O=one, OS=many), re.IGNORECASE))
               for kind, triggers, t in PHRASES]
    return _Compiled(phrases, re.compile(one, re.IGNORECASE), by_alias, by_domain)


def detect(body: str, site: str | None, outlets: Sequence[Outlet]) -> list[Evidence]:
    """All outlets a post names for itself, best evidence first (several for 'text')."""
    c = _compiled(tuple(outlets))
    folded = body.casefold()
    windows = _windows([at for alias in c.by_alias for at in _mentions(folded, alias)], len(body))
    if not windows:  # most posts name no outlet: only the site can say
        return _site(site, c.by_domain)
    live = [(kind, rx) for kind, triggers, rx in c.phrases if any(t in folded for t in triggers)]

    def evidence(wanted: str) -> list[Evidence]:
        """Matches of the live phrases of one kind, looked for only near outlet names."""
        return [e for kind, rx in live if kind == wanted for w in windows
                for e in _matches(body, w, kind, rx, c.alias_re, c.by_alias)]

    found = evidence("text") or _site(site, c.by_domain) or evidence("self")
    return _first_each(found)


WINDOW = 160  # characters around an outlet name that a phrase can span (the longest is ~130)


def site_outlet(site: str | None, outlets: Sequence[Outlet]) -> list[Evidence]:
    """Evidence from the dump's site alone (for posts whose text names no outlet)."""
    return _site(site, _compiled(tuple(outlets)).by_domain)


def mention_regex(outlets: Sequence[Outlet]) -> str:
    """An RE2 pattern (DuckDB) that matches every lower-cased body naming an outlet, and more.

    A cheap prefilter run in SQL: RE2's \\b is ASCII-only, so it can only match more often
    than the exact whole-word test in ``detect``, never less.
    """
    texts = [a for o in outlets for a in o.aliases if not is_domain(a)]
    names = sorted({a.lower() for a in texts} | {a.casefold() for a in texts}, key=lambda a: (-len(a), a))
    escaped = ["".join("\\" + ch if ch in ".^$*+?()[]{}|\\-" else ch for ch in n) for n in names]
    return r"\b(?:" + "|".join(escaped) + r")\b" if names else r"$^"


def _windows(mentions: list[int], size: int) -> list[tuple[int, int]]:
    """Merged character windows around outlet mentions."""
    out: list[tuple[int, int]] = []
    for at in sorted(mentions):
        lo, hi = max(0, at - WINDOW), min(size, at + WINDOW)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _mentions(folded: str, alias: str) -> list[int]:
    """Where the casefolded alias occurs as a whole word (str.find: far cheaper than a regex)."""
    found = []
    at = folded.find(alias)
    while at != -1:
        end = at + len(alias)
        if (at == 0 or not folded[at - 1].isalnum()) and (end == len(folded) or not folded[end].isalnum()):
            found.append(at)
        at = folded.find(alias, at + 1)
    return found


def _matches(
    body: str, window: tuple[int, int], kind: str, rx: re.Pattern[str], alias_re: re.Pattern[str],
    by_alias: dict[str, str],
) -> list[Evidence]:
    """Evidence for every outlet named inside each match of one phrase regex in a window."""
    out = []
    for m in rx.finditer(body, *window):
        for alias in alias_re.findall(m.group("outlets")):
            out.append(Evidence(by_alias[alias.casefold()], kind, m.group(), m.start(), m.end()))
    return out


def _site(site: str | None, by_domain: dict[str, str]) -> list[Evidence]:
    """The outlet whose domain alias is the site or a parent domain of it."""
    if not site:
        return []
    host = site.casefold().removeprefix("www.")
    parts = host.split(".")
    for i in range(len(parts) - 1):  # blogg.vk.se, then vk.se
        outlet = by_domain.get(".".join(parts[i:]))
        if outlet:
            return [Evidence(outlet, "site", site, None, None)]
    return []


def _first_each(found: list[Evidence]) -> list[Evidence]:
    """One evidence per outlet (the earliest), in order of first mention."""
    seen: dict[str, Evidence] = {}
    for e in sorted(found, key=lambda e: (RANK[e.source], e.start if e.start is not None else -1)):
        seen.setdefault(e.outlet_id, e)
    return list(seen.values())
