"""The markers of each page kind, kept as data: regexes, chrome lines, site self-references."""

from __future__ import annotations

import re

# "Av <author>, <date>, <comment label> <reactions>" — the scraper usually stripped author
# and date, leaving "Av , , 2 kommentarer 11".  The strict shape (two commas, a comment
# label, a trailing counter) keeps body paragraphs such as "Av allt att döma …" out.
COMMENT_LABEL = r"(?:Bli först att kommentera|\d+ kommentarer|\d+ kommentar)"
BYLINE = re.compile(
    rf"^Av (?P<author>[^,\n]*),\s*(?P<date>[^,\n]*),\s*(?P<label>{COMMENT_LABEL})(?:\s+(?P<reactions>\d+))?\s*$"
)
COMMENT_LABEL_LINE = re.compile(rf"^(?P<label>{COMMENT_LABEL})$")

# Comment thread on a single-post page: " 1. tjalle" (top level) and "  • Name" (reply).
THREAD_NUMBERED = re.compile(r"^(?P<indent>[ \t]*)(?P<num>\d{1,4})\.\s+(?P<author>\S.{0,79})$")
THREAD_BULLET = re.compile(r"^(?P<indent>[ \t]*)[•·]\s+(?P<author>\S.{0,79})$")
POST_AUTHOR_MARK = re.compile(r"\s*\(inläggsförfattare\)\s*$")

# Lines that are site chrome wherever they stand (full-line match, after stripping).
CHROME_LINES: dict[str, str] = {
    "Arkiv": "archive link",
    "RSS Nytt från vk.se": "rss footer",
    "Lämna ett svar": "comment form",
    "E-postadressen publiceras inte med automatik.": "comment form",
    "Ägaren av bloggen kan dock se ditt IP-nummer samt den epost-adress du anger.": "comment form",
    "Din e-postadress kommer inte publiceras. Obligatoriska fält är märkta *": "comment form",
    "Avbryt svar": "comment form",
    "Svara": "comment form",
}
CHROME_REGEXES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(?:Etiketter|Kategorier|Taggar):[\s,]*$"), "empty tag list"),
    (re.compile(r"^(?:Kategori|Etikett|Tagg|Månad|Arkiv för):\s+\S.{0,100}$"), "archive header"),
    (re.compile(r"^(?:IMG|DSC|DSCN|DSCF|P|Bild|image)[_-]?\d{2,}(?:\.(?:jpe?g|png|gif|heic))?$", re.I), "image file name"),
    (re.compile(r"^\S+\.(?:jpe?g|png|gif|webp|heic)$", re.I), "image file name"),
]

# Chrome that closes a page: once seen, the page's content has ended.
END_CHROME = {"Arkiv", "RSS Nytt från vk.se"}
# Chrome that closes a post's content and opens the comment form.
FORM_START = {"Lämna ett svar"}

# Markers that a page belongs to the VK blog platform (bylines aside).
VK_PLATFORM_LINES = {
    "RSS Nytt från vk.se",
    "E-postadressen publiceras inte med automatik.",
    "Ägaren av bloggen kan dock se ditt IP-nummer samt den epost-adress du anger.",
}

# Self-references that name the site a page was saved from: (pattern, site).
SITE_MARKERS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^RSS Nytt från vk\.se$", re.M), "vk.se"),
    (re.compile(r"\bOFFENTLIGA AFFÄRER\b"), "offentligaaffarer.se"),
    (re.compile(r"^RSS Nytt från folkbladet\.nu$", re.M), "folkbladet.nu"),
]
VK_PLATFORM_SITE = "vk.se"

# A title is one line of reasonable length.
MAX_TITLE_CHARS = 300
# A page of another site is an article only when its body holds a line of prose: three
# words of letters in a row.  Line noise, number tables and lone words are no article.
PROSE = re.compile(r"[^\W\d_]{2,}(?:[\s,;:'\"”’–-]+[^\W\d_]{2,}){2}")

REJECT_REASONS: dict[str, str] = {
    "empty_dump": "the dump holds no text at all",
    "binary_dump": "the dump is binary data, not text",
    "undecodable": "the dump's bytes could not be decoded as text",
    "no_structure": "no title and body could be recognised",
    "text_before_first_post": "text before the first post's title that is not a page header",
    "orphan_comment_text": "comment-thread text with no comment author line above it",
    "text_after_page_end": "text after the page's closing chrome",
    "parser_error": "the parser failed on this dump (a bug: please report it with the dump)",
}
