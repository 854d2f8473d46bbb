"""Shapes every family shares: dates as pages write them, menus, skip links, captions."""

from __future__ import annotations

from blogetl.parse.sites.base import rx

MONTHS: dict[str, int] = {
    # Swedish, full and abbreviated; English as WordPress and Blogspot themes print them
    "januari": 1, "februari": 2, "mars": 3, "april": 4, "maj": 5, "juni": 6, "juli": 7,
    "augusti": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "okt": 10, "nov": 11, "dec": 12,
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "august": 8,
    "october": 10, "oct": 10,
}
_MONTH = "(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = (
    r"(?:(?:mån|tis|ons|tors|fre|lör|sön)dag(?:en)?|monday|tuesday|wednesday|thursday|friday"
    r"|saturday|sunday|mån|tis|ons|tor|fre|lör|sön|mon|tue|wed|thu|fri|sat|sun)\.?,?"
)
_TIME = r"(?:,?\s*(?:kl\.?|klockan|at|@|-)?\s*(?P<hour>[012]?\d)[:.](?P<minute>[0-5]\d))?"
_DAY = r"(?P<day>[0-3]?\d)(?::[ae]|\.)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"

# Each pattern finds a date anywhere in a line; named groups year, month, day, hour, minute.
DATE_PATTERNS = (
    # 2019-04-02 14:05, Politik2016-02-03 08:15, 2019-04-02T14:05, 2010/04/19, 2009 04 27
    rx(r"(?<!\d)(?P<year>(?:19|20)\d\d)(?P<sep>[-/ ])(?P<month>[01]\d)(?P=sep)(?P<day>[0-3]\d)(?:[ T]+(?:kl\.?\s*)?(?P<hour>[012]\d)[:.](?P<minute>[0-5]\d))?(?!\d)"),
    # Tisdag 3 mars 2020, den 3:e maj 2016, 12 mars, 2017, 3 mars 2020 kl 10.15
    rx(rf"(?<![\w-])(?:{_WEEKDAY}\s+)?(?:den\s+)?{_DAY}\s+{_MONTH},?\s+{_YEAR}{_TIME}(?!\d)", 2),
    # onsdag, mars 30, 2011 (Blogspot); Published mar 4, 2019 at 10:30; March 4, 2019
    rx(rf"(?<![\w-])(?:{_WEEKDAY}\s+)?{_MONTH}\s+{_DAY},?\s+{_YEAR}{_TIME}(?!\d)", 2),
)

# A line that is a date and nothing else (a weekday header, a Blogspot date header,
# a theme's "today" line): never a headline.
_LOOK_BEHIND, _LOOK_AHEAD = r"(?<![\w-])", r"(?!\d)"
DATE_LINES = tuple(
    rx("^" + p.pattern.removeprefix(_LOOK_BEHIND).removesuffix(_LOOK_AHEAD) + "$", p.flags) for p in DATE_PATTERNS
)

NOT_HEADLINE = (
    *DATE_LINES,
    # skip links and accessibility chrome
    rx(r"^(?:skip to (?:main )?content|hoppa till (?:huvud)?innehåll(?:et)?|gå till innehåll|till innehållet|meny|menu|sök|search|logga in|prenumerera|toggle navigation)\.?$", 2),
    # bullet menus: "• Om oss", "* Hem", "- Kontakt" (short items)
    rx(r"^[•·*▪►–-]\s*\S.{0,40}$"),
    # photo captions: "… - Foto: Name", "Foto: Name", "Bild: …"
    # (a kicker such as "GRAFIK: Färre …" starting a headline is no caption)
    rx(r"[\s(][^\W\d_]*(?:foto|bild|photo|illustration|grafik)\s*:\s*\S|^[^\W\d_]*(?:foto|bild|photo)\s*:\s*\S.{0,60}$", 2),
    # an aggregator's source line: "Folkbladet - den 3:e maj 2016", "VK, 12 mars 2017"
    rx(rf"^\S.{{0,40}}?\s*[-–,|]\s*(?:den\s+)?{_DAY}\s+{_MONTH},?\s+{_YEAR}{_TIME}$", 2),
    # a section name glued to a timestamp: "Politik2016-02-03 08:15"
    rx(r"^[^\W\d_][\w &-]{0,30}\s*(?:19|20)\d\d-[01]\d-[0-3]\d(?:\s+[012]\d[:.][0-5]\d)?$"),
    # a kicker in capitals: "REPRESENTANTSKAPET 6 SEP | NY VICE KSO"
    rx(r"^[^a-zåäö]{3,60}\|[^a-zåäö]{2,60}$"),
    # a theme's byline or footer: "Posted in internkritik, piratpartiet by Skäggklustret on 2010/04/19"
    rx(r"^(?:Posted|Postat|Publicerat|Skrivet|Written)\s+(?:in|i|by|av|on|den)\s.{1,160}$", 2),
    # publication and update stamps
    rx(r"^(?:publicerad|uppdaterad|published|updated|senast uppdaterad)\b.{0,60}$", 2),
    # reading time: "Lästid 3 min", "2 MIN READ"
    rx(r"^(?:lästid:?\s*\d+\s*min(?:uter)?|\d+\s*min(?:ute)?s?\s+read|\d+\s*min läsning)$", 2),
    # share and print buttons
    rx(r"^(?:dela|dela artikeln|share|skriv ut|print|tipsa|facebook|twitter|linkedin|e-post|mejla)$", 2),
)

# A teaser on a listing page ends its text cut off, or with a link to the whole post.
TEASER_END = rx(r"(?:…|\.\.\.|\[…\]|\[\.\.\.\])\s*(?:»|→)?$|(?:^|\s)(?:läs mer|läs hela (?:inlägget|artikeln|texten)|fortsätt läsa|continue reading|read more)\b.{0,120}$", 2)
# A line that is only a link to the whole post: part of the teaser's entry, not of its text.
READ_MORE_LINE = rx(r"^(?:»\s*)?(?:läs mer|läs hela (?:inlägget|artikeln|texten)|fortsätt läsa|continue reading|read more)\b.{0,120}$", 2)

# Chrome every site outside the blog platform prints: post footers, archive headers, share buttons.
COMMON_CHROME = (
    (rx(r"^(?:Postat i|Posted in|Publicerat i|Kategori|Kategorier|Categories|Category|Taggar|Tags|Etiketter|Labels|Ämnen)\s*:\s*.{0,200}$", 2), "post footer"),
    (rx(r"^(?:Arkiv för|Archive for the|Kategoriarkiv|Etikettarkiv|Alla inlägg den|Month|Månad)\s*:?\s.{1,80}$", 2), "archive header"),
    (rx(r"^(?:\d+ kommentarer:|\d+ kommentar:|Inga kommentarer:?|Skicka en kommentar|Post a Comment|\d+ comments?:?|No comments:?|Lämna en kommentar|Leave a comment)$", 2), "comment counter"),
    (rx(r"^(?:Dela|Dela artikeln|Share|Share this|Skriv ut|Print|Tipsa|Facebook|Twitter|LinkedIn|E-post|Mejla|Gilla|Like this)\s*:?$", 2), "share buttons"),
)

# Notice boxes a site prints above its articles: (first line, last line or None for the end of
# the paragraph).  Folkbladet's closing notice is five paragraphs; SVT's alerts one.
COMMON_NOTICES = (
    (rx(r"^Information till våra läsare$"), rx(r"^Tack för att ni varit en del av Folkbladets historia\.$")),
    (rx(r"^•?\s*Viktigt meddelande:?$"), None),
)

# A line that closes a post on any blog: its categories and comment count, its author and time.
POST_FOOTER = rx(
    r"^(?:(?:Publicerat|Postat|Posted|Arkiverat) i\s.{1,120}\|\s*(?:\d+ kommentar(?:er)?|Lämna en kommentar|Kommentera|\d+ comments?|Leave a comment)"
    r"|(?:Upplagd av|Postat av|Posted by)\s.{1,60}\s(?:kl\.?|at)\s+[012]?\d[:.][0-5]\d.*)$",
    2,
)
