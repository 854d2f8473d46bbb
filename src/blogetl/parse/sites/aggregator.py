"""Aggregators: pages that reprint or list other outlets' articles with a source line."""

from __future__ import annotations

from blogetl.parse.sites.base import Profile, rx
from blogetl.parse.sites.common import _DAY, _MONTH, _YEAR, NOT_HEADLINE

# "Folkbladet - den 3:e maj 2016", "Västerbottens-Kuriren - den 16:e november 2020"
SOURCE_LINE = rx(rf"^(?P<source>[^\W\d_][^\n]{{0,40}}?)\s+[-–]\s+den\s+{_DAY}\s+{_MONTH}\s+{_YEAR}$", 2)

CHROME_REGEXES = (
    (rx(r"^(?:Källa|Source)\s*:\s*\S.{0,120}$", 2), "source line"),
    (rx(r"^Läs (?:artikeln|hela artikeln|mer) (?:på|hos)\s+\S.{0,200}$", 2), "source line"),
    (rx(r"^Artikel\s*›\s*Publicerad av\s.{1,80}$", 2), "source line"),
    (rx(r"^Resultat \d+\s*-\s*\d+ av \d+$", 2), "search results header"),
    (rx(r"^(?:Feed aggregator|Omnämnda (?:platser|personer):.{0,200})$", 2), "aggregator chrome"),
    (rx(r"^Tycker du att nyheten\b.{0,200}$|^\d+ besökare tycker\b.{0,80}$", 2), "reader poll"),
)

PROFILE = Profile(
    name="aggregator",
    description="Aggregators: other outlets' articles under a source line ('Folkbladet - den 3:e maj 2016', 'Källa : vk.se')",
    signs=tuple(rx(regex.pattern, regex.flags | 8) for regex in (SOURCE_LINE, *(r for r, _ in CHROME_REGEXES[:5]))),
    chrome_regexes=CHROME_REGEXES,
    not_headline=(*NOT_HEADLINE, SOURCE_LINE),
)
