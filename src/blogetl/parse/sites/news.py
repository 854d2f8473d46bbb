"""News sites: article pages (headline, stamps, body) and section pages (headline, stamp, teaser)."""

from __future__ import annotations

import re

from blogetl.parse.sites.base import EntryRule, Profile, Site, rx
from blogetl.parse.sites.common import NOT_HEADLINE

# A section page's stamp under each headline: "2020-11-05 09:12", "Politik2016-02-03 08:15"
STAMP = rx(r"^(?P<section>[^\W\d_][\w &-]{0,30}?)?\s*(?P<date>(?:19|20)\d\d-[01]\d-[0-3]\d(?:\s+[012]\d[:.][0-5]\d)?)$")

CHROME_REGEXES = (
    (rx(r"^(?:Publicerad|Uppdaterad|Published|Updated|Senast uppdaterad)\b.{0,60}$", 2), "publication stamp"),
    (rx(r"^(?:Dela|Dela artikeln|Share|Skriv ut|Tipsa redaktionen|Facebook|Twitter|LinkedIn|E-post|Mejla)$", 2), "share buttons"),
    (rx(r"^(?:©|Copyright|\(c\)).{0,160}$", 2), "copyright"),
    (rx(r"^(?:Källa|Source)\s*:\s*\S.{0,120}$", 2), "source line"),
    (rx(r"^Läs (?:artikeln|hela artikeln|mer) (?:på|hos)\s+\S.{0,160}$", 2), "source line"),
    (rx(r"^(?:Opinion|Ledare|Debatt|Insändare|Krönika|Kultur|Nyheter|Sport|Politik|Lokalt|Inrikes|Utrikes|Ekonomi|Näringsliv|Replik)$", 2), "section name"),
    (rx(r"^Detta är en (?:ledare|krönika|debattartikel|insändare)\b.{0,300}$", 2), "opinion notice"),
)

ARTICLE = Profile(
    name="news_article",
    description="A news site's article page: masthead and menus, headline, stamps and captions, body",
    signs=(rx(r"^(?:Publicerad|Uppdaterad|Published)\b", 2 | 8), rx(r"^Detta är en ledare\b", 8)),
    chrome_regexes=CHROME_REGEXES,
    not_headline=NOT_HEADLINE,
)

LISTING = Profile(
    name="news_listing",
    description="A news site's section page: headline, stamp ('2020-11-05 09:12'), section, teaser ending '…'",
    signs=(rx(STAMP.pattern, 8),),
    min_signs=2,
    entry=EntryRule(STAMP, "above"),
    chrome_regexes=CHROME_REGEXES,
    not_headline=NOT_HEADLINE,
)


def _named(*names: str) -> tuple[re.Pattern[str], ...]:
    """Signs that name a site: its domain in a source line, link or copyright, or its masthead line."""
    return tuple(rx(n, 2 | 8) for n in names)


# Each known news site: the domain, the outlet and the text that names it on its own pages.
SITES = (
    Site("vk.se", "vk", _named(r"^(?:Källa|Source)\s*:\s*(?:www\.)?vk\.se\b", r"https?://(?:www\.)?vk\.se/", r"^©.{0,40}(?:Västerbottens[- ]Kuriren|\bVK\b)", r"^Västerbottens-Kuriren(?:$|\s+[-–]\s+den\s)", r"Publicerad av VK\b")),
    # Västerbottens Folkblad (Umeå) and Folkbladet (Norrköping, closed 2024) are two papers
    Site("folkbladet.nu", "folkbladet", _named(r"https?://(?:www\.)?folkbladet\.nu/", r"^(?:Källa|Source)\s*:\s*(?:www\.)?folkbladet\.nu\b", r"^©.{0,40}(?:Folkbladet Västerbotten|Västerbottens Folkblad)", r"^Västerbottens Folkblad$")),
    Site("folkbladet.se", "folkbladet-norrkoping", _named(r"^Detta är en ledare\. Folkbladets ledarsida", r"https?://(?:www\.)?folkbladet\.se/", r"^(?:Källa|Source)\s*:\s*(?:www\.)?folkbladet\.se\b", r"^Tack för att ni varit en del av Folkbladets historia\.$", r"^Den 31 december 2024 är sista dagen som Folkbladet ges ut\b")),
    Site("offentligaaffarer.se", "offentliga-affarer", (rx(r"\bOFFENTLIGA AFFÄRER\b"), rx(r"offentligaaffarer\.se", 2))),
    Site("nyheterivasterbotten.se", "nyheter-i-vasterbotten", _named(r"nyheterivasterbotten\.se", r"^Nyheter i Västerbotten$")),
    Site("vasterbottningen.se", "vasterbottningen", _named(r"vasterbottningen\.se", r"^Västerbottningen$")),
    Site("norran.se", "norran", _named(r"norran\.se", r"^Norran$", r"^©.{0,40}Norran", r"^Detta är en (?:ledare|ledarkrönika|krönika)\. Norran\b")),
    Site("pt.se", "pt", _named(r"\bpt\.se\b", r"^Piteå-Tidningen$", r"^©.{0,40}Piteå-Tidningen")),
    Site("veckansnyheter.se", "veckans-nyheter", _named(r"veckansnyheter\.se", r"^Veckans Nyheter$")),
    Site("umesosse.se", "umesosse", _named(r"umesosse\.se", r"^Umesossen$", r"^©.{0,20}Socialdemokraterna i Umeå\b")),
    Site("upphandling24.se", "upphandling24", _named(r"upphandling24\.se", r"^Upphandling24(?:$|\s+[–-]\s)")),
    Site("svt.se", "svt", _named(r"^SVT:s nyheter ska stå för saklighet", r"\bsvt\.se/")),
    Site("inkopsradet.se", "inkopsradet", _named(r"^Inköpsrådet$", r"inkopsradet\.se")),
)
