"""WordPress blogs: a blog-name header, menus, a date byline under each headline."""

from __future__ import annotations

from blogetl.parse.sites.base import EntryRule, Profile, Site, rx
from blogetl.parse.sites.common import NOT_HEADLINE

_DATE = r"(?P<date>[0-3]?\d\s+[^\W\d_]{3,9}\.?,?\s+(?:19|20)\d\d|[^\W\d_]{3,9}\.?\s+[0-3]?\d,?\s+(?:19|20)\d\d|(?:19|20)\d\d-[01]\d-[0-3]\d)"
_COUNTER = r"(?P<label>Lämna en kommentar|Leave a comment|Kommentera|\d+ (?:kommentarer|kommentar|svar|comments?|Comments?))"
# "12 mars, 2017 Lämna en kommentar", "9 mars, 2017 2 kommentarer", "Posted on March 4, 2019 by Anna"
BYLINE = rx(
    rf"^(?:(?:Publicerat|Postat|Posted|Skrivet|Publicerad)(?: den| on)?\s+)?{_DATE}"
    rf"(?:\s+(?:at|kl\.?|@)\s+[012]?\d[:.][0-5]\d)?"
    rf"(?:\s*(?:av|by)\s+(?P<author>[^|·•\d][^|·•]{{0,60}}?))?(?:\s*[|·•,-]?\s*(?:{_COUNTER}|(?P<count>\d{{1,4}})))?\s*$",
    2,
)

CHROME_REGEXES = (
    (rx(r"^(?:Archive for the|Arkiv för)\s.{1,80}$", 2), "archive header"),
    (rx(r"^(?:Kategori|Category|Tagg|Tag|Etikett|Månad|Month|Arkiv|Archives?)\s*:\s*\S.{0,100}$", 2), "archive header"),
    (rx(r"^(?:Postat i|Posted in|Publicerat i|Kategorier|Categories|Taggar|Tags|Etiketter)\s*:?\s.{0,200}$", 2), "post footer"),
    (rx(r"^(?:Lämna ett svar|Lämna en kommentar|Leave a Reply|Leave a comment|Avbryt svar|Cancel reply|Svara|Reply)$", 2), "comment form"),
    (rx(r"^(?:Din e-postadress kommer inte publiceras|Your email address will not be published|Obligatoriska fält är märkta|Required fields are marked).*$", 2), "comment form"),
    (rx(r"^(?:Blogga med WordPress\.com|Skapa en gratis webbplats eller blogg på WordPress\.com|Proudly powered by WordPress|Drivs med WordPress|Tema:.{0,80}|Theme:.{0,80}|Blog at WordPress\.com\.?)$", 2), "theme footer"),
    (rx(r"^(?:Äldre inlägg|Nyare inlägg|Older posts|Newer posts|« Föregående|Nästa »|Föregående inlägg|Nästa inlägg|Previous post|Next post)\b.{0,120}$", 2), "pagination"),
)

PROFILE = Profile(
    name="wordpress",
    description="WordPress blogs: blog-name header and menu, a date byline ('12 mars, 2017 Lämna en kommentar') under each headline",
    signs=(
        rx(BYLINE.pattern, 2 | 8),
        rx(r"^(?:Archive for the|Arkiv för)\s", 8),
        rx(r"WordPress"),
        # WordPress's own strings: its comment form, archive headers, the excerpt's "[…]"
        rx(r"^(?:Din e-postadress kommer inte publiceras|Your email address will not be published)", 8),
        rx(r"^(?:Kategoriarkiv|Etikettarkiv|Etikett|Månad|Month|Category|Tag):\s", 8),
        rx(r"\s\[…\]$|^Senaste inlägg$", 8),
    ),
    entry=EntryRule(BYLINE, "above"),
    chrome_regexes=CHROME_REGEXES,
    not_headline=NOT_HEADLINE,
)

# Personal blogs whose pages name them (a blog-name header, the domain in a footer).
SITES = (
    Site("andersagren.com", None, (rx(r"^Anders Ågren$", 8), rx(r"\bandersagren\.com\b", 2)), "wordpress"),
)
