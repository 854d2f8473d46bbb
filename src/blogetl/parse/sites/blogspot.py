"""Blogspot (Blogger) blogs: a weekday date header above each day's posts, 'Upplagd av' footers."""

from __future__ import annotations

from blogetl.parse.sites.base import EntryRule, Profile, rx
from blogetl.parse.sites.common import NOT_HEADLINE

# "fredag 14 juni 2013", "onsdag, mars 30, 2011"
DATE_HEADER = rx(
    # weekday in lower case: a news site's "Onsdag 23 juni 2021" is its masthead's today
    r"^(?P<date>(?:(?:mån|tis|ons|tors|fre|lör|sön)dag|[Mm]onday|[Tt]uesday|[Ww]ednesday|[Tt]hursday|[Ff]riday|[Ss]aturday|[Ss]unday),?\s+"
    # (older Blogger themes print no year: "tisdag, mars 31")
    r"(?:[0-3]?\d\s+[a-zåäö]{3,9}\s+(?:19|20)\d\d|[^\W\d_]{3,9}\s+[0-3]?\d(?:,\s+(?:19|20)\d\d)?))$",
)
FOOTER = rx(r"^(?:Upplagd av|Postat av|Publicerat av|Posted by)\s+(?P<author>.{1,60}?)\s+(?:kl\.?|at)\s+(?P<hour>[012]?\d)[:.](?P<minute>[0-5]\d)(?:\s*(?P<ampm>[AP]M))?.*$", 2)

PROFILE = Profile(
    name="blogspot",
    description="Blogspot blogs: weekday date headers ('fredag 14 juni 2013') above the headlines, 'Upplagd av X kl. 10:15' footers",
    signs=(rx(DATE_HEADER.pattern, 8), rx(FOOTER.pattern, 2 | 8), rx(r"blogspot\.(?:com|se)|Blogger", 0)),
    entry=EntryRule(DATE_HEADER, "below"),
    chrome_regexes=(
        (FOOTER, "post footer"),
        (rx(r"^(?:\d+ kommentarer|\d+ kommentar|Inga kommentarer|Skicka en kommentar|Post a Comment|\d+ comments?|No comments)\s*:?$", 2), "comment counter"),
        (rx(r"^(?:Etiketter|Labels)\s*:.{0,200}$", 2), "post footer"),
        (rx(r"^(?:Äldre inlägg|Nyare inlägg|Startsida|Older Posts|Newer Posts|Home|Prenumerera på:.*|Subscribe to:.*)$", 2), "pagination"),
    ),
    not_headline=NOT_HEADLINE,
    post_footer=FOOTER,
)
