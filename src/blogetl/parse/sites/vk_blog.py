"""The VK blog platform (blogg.vk.se): listing pages with bylines, single posts with threads."""

from __future__ import annotations

import re

from blogetl.parse.sites.base import EntryRule, Profile, Site, rx

# "Av <author>, <date>, <comment label> <reactions>": the scraper usually stripped author
# and date, leaving "Av , , 2 kommentarer 11".  The strict shape (two commas, a comment
# label, a trailing counter) keeps body paragraphs such as "Av allt att döma …" out.
COMMENT_LABEL = r"(?:Bli först att kommentera|\d+ kommentarer|\d+ kommentar)"
BYLINE = rx(
    rf"^Av (?P<author>[^,\n]*),\s*(?P<date>[^,\n]*),\s*(?P<label>{COMMENT_LABEL})(?:\s+(?P<reactions>\d+))?\s*$"
)

CHROME_LINES = {
    "Arkiv": "archive link",
    "RSS Nytt från vk.se": "rss footer",
    "Lämna ett svar": "comment form",
    "E-postadressen publiceras inte med automatik.": "comment form",
    "Ägaren av bloggen kan dock se ditt IP-nummer samt den epost-adress du anger.": "comment form",
    "Din e-postadress kommer inte publiceras. Obligatoriska fält är märkta *": "comment form",
    "Avbryt svar": "comment form",
    "Svara": "comment form",
}
CHROME_REGEXES = (
    (rx(r"^(?:Etiketter|Kategorier|Taggar):[\s,]*$"), "empty tag list"),
    (rx(r"^(?:Kategori|Etikett|Tagg|Månad|Arkiv för):\s+\S.{0,100}$"), "archive header"),
    (rx(r"^(?:IMG|DSC|DSCN|DSCF|P|Bild|image)[_-]?\d{2,}(?:\.(?:jpe?g|png|gif|heic))?$", 2), "image file name"),
    (rx(r"^\S+\.(?:jpe?g|png|gif|webp|heic)$", 2), "image file name"),
)
# Lines only the platform prints (bylines aside).
PLATFORM_LINES = (
    "RSS Nytt från vk.se",
    "E-postadressen publiceras inte med automatik.",
    "Ägaren av bloggen kan dock se ditt IP-nummer samt den epost-adress du anger.",
)

PROFILE = Profile(
    name="vk_blog",
    description="VK's blog platform: 'Av , , N kommentarer R' bylines, numbered comment threads",
    signs=(rx(BYLINE.pattern, 8), *(rx("^" + re.escape(line) + "$", 8) for line in PLATFORM_LINES)),
    platform=True,
    entry=EntryRule(BYLINE, "above"),
    chrome_lines=CHROME_LINES,
    chrome_regexes=CHROME_REGEXES,
    end_chrome=frozenset({"Arkiv", "RSS Nytt från vk.se"}),
    default_site="blogg.vk.se",
)

SITES = (
    Site("blogg.vk.se", "vk", (rx(r"^RSS Nytt från vk\.se$", 8), rx(r"\bblogg\.vk\.se\b")), "vk_blog"),
)
