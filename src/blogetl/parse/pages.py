"""Reading pages of sites other than the blog platform: headlines, entries of listing pages, teasers.

Pure functions over lines; the parser turns the drafts they return into records.  How a
family lays out its pages is data in ``blogetl.parse.sites``; what is here holds for all of them:

- the headline of an article is the last short line above its first paragraph of prose,
  skipping lines that never are headlines (dates, menus, captions, source lines, names);
- a listing page has an entry anchor per post (a byline, a stamp, a date header) or teasers
  (a headline and a paragraph cut off with '…' or followed by 'Läs mer');
- a page with no headline still is a post: its title is derived from the body and flagged.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from functools import lru_cache

from blogetl.models import LineRole
from blogetl.parse import patterns as pt
from blogetl.parse.dates import find_dates
from blogetl.parse.lines import Ledger, Line, PostDraft
from blogetl.parse.sites import BY_NAME, Profile
from blogetl.parse.sites.common import (
    COMMON_CHROME,
    COMMON_NOTICES,
    POST_FOOTER,
    READ_MORE_LINE,
    TEASER_END,
)
from blogetl.parse.sites.generic import PROFILE as _PLAIN

_INNER_SENTENCE = re.compile(r"[a-zåäö)”][.!?] [A-ZÅÄÖ][a-zåäö]+ \w")
# a closing quote ends a sentence after its full stop ('… sa han.”'); a line ending in a quote alone is
# a headline quoting someone ('Hon tar över krogen – ”Älskar mitt jobb”', '“Liss och Pooley i all ära”')
_SENTENCE_END = re.compile(r"(?<!\.\.)[.:;)»]$|[.!?…][”\"’]$|…$")
_NAME_WORD = re.compile(r"^(?:[A-ZÅÄÖÉÜ][\w'’.-]*|af|von|van|de|der|la|le)$")
# a quoted headline run into the body: ”Ett citat som rubrik”Brödtexten börjar här
_RUN_IN_QUOTE = re.compile(r"^[”“\"](?P<title>[^”“\"]{3,150})[”“\"](?=[A-ZÅÄÖ])")
# a byline naming the author under a headline: "Av Anna Berg", "Text: Anna Berg", "Anna Berg"
AUTHOR = re.compile(r"^(?:(?:[Aa]v|Text|Text och foto|By|by)\s*:?\s+)?(?P<author>(?:[A-ZÅÄÖÉÜ][\w'’.-]*\s+){1,3}[A-ZÅÄÖÉÜ][\w'’-]*)$")
_NAME = r"[A-ZÅÄÖÉÜ][\w'’.-]*(?:\s+[A-ZÅÄÖÉÜ][\w'’-]*){1,3}"
_BYLINE_AUTHOR = re.compile(rf"^(?:[Aa]v|Text|By|by)\s*:?\s+(?P<author>{_NAME}(?:\s+(?:och|and|&)\s+{_NAME})?)$")
# a news site's masthead "today" (capitalised weekday): not a post's date
_MASTHEAD_DATE = re.compile(r"^(?:Mån|Tis|Ons|Tors|Fre|Lör|Sön)dag\s")
_FIRST_SENTENCE = re.compile(r"^.{20,}?[.!?](?=\s|$)")
DERIVED_TITLE_CHARS = 100
MAX_HEADLINE_WORDS = 25
# a notice box above an article (a heading and a few short lines) is chrome; more is a reject
NOTICE_MAX_CHARS = 800
# a listing's teaser: one or two lines, at most this long; an article's lead above its first
# crossheading is longer than TEASER_MAX_LEAD (measured on the real pages of each family)
TEASER_MAX_CHARS = 600
TEASER_MAX_LEAD = 300
_BULLET = re.compile(r"^[•·▪►]\s+")
_CREDIT = re.compile(r"(?:^|[\s.–-])(?:Foto|Bild|Photo)\s*:", re.I)
DATED_HEADLINE_WITHIN = 15
STAMPED_HEADLINE_WITHIN = 40
_PUBLISHED = re.compile(r"^(?:publicerad|publicerat|published|uppdaterad)\b", re.I)
# a category or tag page's header at the top of the page: "Kategori: Jimmie Åkesson"
_ARCHIVE_TOP = re.compile(r"^(?:Kategori|Etikett|Tagg|Ämne|Category|Tag|Arkiv|Archive)\s*:\s*\S.{0,80}$", re.I)
_WORDS = re.compile(r"[^\W\d_]{2,}")
_INTRODUCERS = {"Pressmeddelande", "Debattartikel", "Insändare", "Replik"}  # lines from the top where a dated headline is looked for


def chrome_of(text: str, profile: Profile) -> str | None:
    """Which chrome a stripped line is for this profile, or None: its chrome lines, then the first
    of its chrome patterns that matches (the platform's pages hold only its own chrome; other
    pages also the chrome every site prints, and read-more links)."""
    return chrome_test(profile)(text)


def chrome_test(profile: Profile) -> Callable[[str], str | None]:
    """chrome_of for one profile as a function of the line alone (made once per profile: a loop
    over a page's lines fetches it once and calls it per line)."""
    cached = _CHROME_TESTS.get(id(profile))
    if cached is not None and cached[0] is profile:
        return cached[1]
    regex, notes = _chrome_regex(profile)
    chrome_lines, match = profile.chrome_lines, regex.match

    def test(text: str) -> str | None:
        if text in chrome_lines:
            return chrome_lines[text]
        m = match(text)
        return notes[m.lastgroup] if m is not None and m.lastgroup is not None else None

    _CHROME_TESTS[id(profile)] = (profile, test)
    return test


def chrome_regex(profile: Profile) -> re.Pattern[str]:
    """The profile's chrome patterns as one (what chrome_of matches a line that is no chrome line with)."""
    cached = _CHROME_REGEXES.get(id(profile))
    return cached[1] if cached is not None and cached[0] is profile else _chrome_regex(profile)[0]


_CHROME_TESTS: dict[int, tuple[Profile, Callable[[str], str | None]]] = {}
_CHROME_REGEXES: dict[int, tuple[Profile, re.Pattern[str], dict[str, str]]] = {}
_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")


def _chrome_regex(profile: Profile) -> tuple[re.Pattern[str], dict[str, str]]:
    """The profile's chrome patterns, in order, as one pattern of alternatives (one match per line,
    not one per pattern; each keeps its flags): the first alternative that matches is the first
    pattern that does, and names its note by its group (the outermost, so m.lastgroup)."""
    rules = [*profile.chrome_regexes]
    if not profile.platform:
        rules += [*COMMON_CHROME, (READ_MORE_LINE, "read more link")]
    notes = {f"c{i}": note for i, (_, note) in enumerate(rules)}
    # a backreference by number would point at another group once the patterns are one
    if any(_BACKREFERENCE.search(regex.pattern) for regex, _ in rules):
        raise ValueError(f"profile {profile.name}: a chrome pattern uses a backreference")
    combined = re.compile("|".join(f"(?P<c{i}>(?{_flags(regex)}:{regex.pattern}))" for i, (regex, _) in enumerate(rules))
                          or "(?!)")
    _CHROME_REGEXES[id(profile)] = (profile, combined, notes)
    return combined, notes


def _flags(regex: re.Pattern[str]) -> str:
    """A pattern's flags as scoped inline flags ('-i' for none: a scoped group needs one)."""
    letters = "".join(c for flag, c in ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"), (re.VERBOSE, "x"))
                      if regex.flags & flag)
    return letters or "-i"


def is_meta(text: str, profile: Profile) -> bool:
    """A line that is never a headline: a date, a byline, a menu item, a caption, a source line."""
    known = BY_NAME.get(profile.name)
    if known is profile:  # the registered profiles: each line is looked at once per profile
        return _meta(text, profile.name)
    return _meta_of(text, profile)


@lru_cache(maxsize=1 << 16)
def _meta(text: str, profile_name: str) -> bool:
    """is_meta for a registered profile, cached (the detectors ask about the same lines often)."""
    return _meta_of(text, BY_NAME[profile_name])


def _meta_of(text: str, profile: Profile) -> bool:
    """The patterns of is_meta."""
    anchor = profile.entry.anchor if profile.entry else None
    return any(p.search(text) for p in profile.not_headline) or bool(anchor and anchor.match(text))


def is_prose(text: str) -> bool:
    """A paragraph of running text: many words ending a sentence, or simply long."""
    words = len(text.split())
    exclaims = words >= 16 and text.endswith(("!", "?"))  # a headline may end so, rarely at this length
    return len(text) >= 160 or (words >= 9 and bool(_SENTENCE_END.search(text))) or exclaims or words > MAX_HEADLINE_WORDS


def goes_on(text: str) -> bool:
    """A sentence ends inside the line and text goes on: a teaser cut mid-sentence (or a
    two-sentence headline, as VK's blogs write them: only a listing's shape tells them apart)."""
    return len(text.split()) >= 10 and bool(_INNER_SENTENCE.search(text))


def is_sentence(text: str) -> bool:
    """Ends like running text (headlines may end with '!' or '?', rarely with a full stop)."""
    return bool(_SENTENCE_END.search(text))


def is_name(text: str) -> bool:
    """A person's or blog's name: two to four capitalised words (a byline, a blog header); a
    headline in capitals ('FYSISKT KOMMUNFULLMÄKTIGE IDAG') is none."""
    words = text.split()
    return (2 <= len(words) <= 4 and len(text) <= 40 and all(_NAME_WORD.match(w) for w in words)
            and not text.isupper())


def is_candidate(text: str, profile: Profile) -> bool:
    """A line that can be a headline."""
    return (
        len(text) <= pt.MAX_TITLE_CHARS
        and any(ch.isalpha() for ch in text)
        and chrome_of(text, profile) is None
        and not is_meta(text, profile)
        and not is_prose(text)
        and not is_stamp(text)
        and not _BYLINE_AUTHOR.match(text)
        and not pt.COMMENT_LABEL_LINE.match(text)
    )


def derive_title(text: str) -> str:
    """A title from the first sentence of the body, cut at a word near 100 characters."""
    m = _RUN_IN_QUOTE.match(text)
    if m:
        return m.group("title").strip()
    m = _FIRST_SENTENCE.match(text)
    sentence = m.group() if m else text
    if len(sentence) <= DERIVED_TITLE_CHARS:
        return sentence.rstrip(".")
    cut = sentence[:DERIVED_TITLE_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:– ") + "…"


def account_header(lines: Sequence[Line], ledger: Ledger, profile: Profile) -> None:
    """Lines above the first headline: chrome, page headers, a short notice box, else a reject."""
    prose = [ln for ln in lines if is_prose(ln.text) and chrome_of(ln.text, profile) is None]
    if sum(len(ln.text) for ln in prose) > NOTICE_MAX_CHARS:
        keep = [ln for ln in lines if ln not in prose]
        ledger.reject(prose, "text_before_first_post")
        lines = keep
    for line in lines:
        note = chrome_of(line.text, profile)
        if note is None:
            note = "notice box" if line in prose else "page header"
        ledger.mark(line, LineRole.CHROME, note)


def is_body(content: Sequence[Line], i: int, profile: Profile) -> bool:
    """Line i is the article's text: prose, or a sentence of four words or more.

    A short sentence standing alone between blank lines ('Ingen respekt för väljarna.') is a
    headline in some blogs' style, and a line repeated under the article as a photo caption
    ('… - Foto: Lena Strand') is a caption: neither is text.
    """
    text = content[i].text
    if chrome_of(text, profile) is not None or is_caption(content, i) or full_stop_headline(content, i):
        return False
    if is_prose(text):
        return True
    sentence = _full_stop(text)
    return sentence and len(text.split()) >= 4 and not full_stop_headline(content, i)


def full_stop_headline(content: Sequence[Line], i: int) -> bool:
    """Line i is a short sentence standing alone above prose: a headline in a full-stop style."""
    text = content[i].text
    return (text.endswith(".") and not text.endswith("..") and len(text) <= 60 and _alone(content, i)
            and i + 1 < len(content) and is_prose(content[i + 1].text))


def _alone(content: Sequence[Line], i: int) -> bool:
    """Line i is a paragraph of its own: blank lines (or the page's edge) above and below."""
    before = i == 0 or content[i - 1].no < content[i].no - 1
    after = i + 1 == len(content) or content[i + 1].no > content[i].no + 1
    return before and after


def is_caption(content: Sequence[Line], i: int) -> bool:
    """Line i is a photo caption that the page prints again, credited, further down."""
    text = content[i].text.rstrip(". ")
    return len(text) > 10 and any(
        ln.text.startswith(text) and _CREDIT.search(ln.text) for ln in content[i + 1 : i + 12])


def headline_index(content: Sequence[Line], profile: Profile) -> int | None:
    """The headline: the best candidate above the first line of text (names and one-word lines last).

    When text comes first (a blog's description, a notice), a candidate right under a date line
    and followed by text is the headline (a Blogspot post under its date header).
    """
    first_prose = next((i for i in range(len(content)) if is_body(content, i, profile)), len(content))
    candidates: list[int] = []
    for i in range(first_prose):
        # a headline repeated under itself ('Pressmeddelande', then the headline with a full stop) is one
        if _can_head(content, i, profile) and not any(_same_words(content[c].text, content[i].text) for c in candidates):
            candidates.append(i)
    stamped = _stamped_headline(content, profile)
    if stamped is not None:
        return stamped
    # a short sentence standing alone is a headline only in a blog that writes all of them so:
    # under a plain headline it is the lead ('Regeringens budget är inte fri från partipolitik.')
    plain = [c for c in candidates if not _full_stop(content[c].text)]
    if plain:
        candidates = [c for c in candidates if c <= plain[0] or c in plain]
    if not candidates:  # a name alone (a blog's, an author's) is never the headline
        return _dated_headline(content, profile)

    def rank(i: int) -> tuple[bool, int]:
        return (len(content[i].text.split()) >= 2, i)
    return max(candidates, key=rank)


def _stamped_headline(content: Sequence[Line], profile: Profile) -> int | None:
    """A headline printed right above its publication stamp ('Publicerad 2017-05-12'), near the top:
    what stands above it (a sidebar, a menu) is the page's chrome."""
    for i in range(min(len(content) - 2, STAMPED_HEADLINE_WITHIN)):
        text = content[i].text
        if (is_candidate(text, profile) and not text.endswith(".") and _can_head(content, i, profile)
                and is_stamp(content[i + 1].text) and _PUBLISHED.match(content[i + 1].text)
                and any(is_body(content, j, profile) for j in range(i + 2, min(len(content), i + 5)))):
            return i
    return None


def _full_stop(text: str) -> bool:
    """The line ends a sentence with a full stop (not an ellipsis '...', '….')."""
    return text.endswith(".") and not text.endswith("..") and not text.rstrip(".").endswith("…")


def _same_words(a: str, b: str) -> bool:
    """Two lines say the same words (a headline and its repetition with a full stop)."""
    return a.rstrip(".!… ").casefold() == b.rstrip(".!… ").casefold()


def _can_head(content: Sequence[Line], i: int, profile: Profile) -> bool:
    """Line i may be the headline."""
    text = content[i].text
    headline = is_candidate(text, profile) or full_stop_headline(content, i)
    return headline and not is_name(text) and not is_caption(content, i)


def _dated_headline(content: Sequence[Line], profile: Profile) -> int | None:
    """A candidate under a date line and above text, near the top of the page."""
    for i in range(1, min(len(content) - 1, DATED_HEADLINE_WITHIN)):
        if is_stamp(content[i - 1].text) and _can_head(content, i, profile) and is_body(content, i + 1, profile):
            return i
    return None


def skip_notices(content: Sequence[Line], ledger: Ledger, profile: Profile) -> Sequence[Line]:
    """Account for the notice boxes a profile knows at the top of the page; the rest of the page."""
    i = 0
    while i < len(content):
        if chrome_of(content[i].text, profile) is not None:
            i += 1
            continue
        end = _notice_end(content, i, profile)
        if end is None:
            break
        for line in content[: end + 1]:
            if line.no not in ledger.uses:
                ledger.mark(line, LineRole.CHROME, chrome_of(line.text, profile) or "notice box")
        content, i = content[end + 1 :], 0
    return content


def _notice_end(content: Sequence[Line], i: int, profile: Profile) -> int | None:
    """The index of a notice box's last line, when one starts at i."""
    for first, last in (*profile.notices, *COMMON_NOTICES):
        if not first.match(content[i].text):
            continue
        for j in range(i + 1, min(len(content), i + 30)):
            if last is not None and last.match(content[j].text):
                return j
            if last is None and j + 1 < len(content) and content[j + 1].no > content[j].no + 1:
                return j
    return None


def article_draft(content: Sequence[Line], ledger: Ledger, profile: Profile, closed: bool) -> PostDraft | None:
    """One post: headline, the stamps and captions under it, the body; or a derived title."""
    content = skip_notices(content, ledger, profile)
    if not content:
        return None
    t = headline_index(content, profile)
    if t is not None and not any(pt.PROSE.search(ln.text) for ln in content[t + 1 :]):
        t = None  # nothing follows the "headline": it is the page's only text, cut short
    if t is None:
        start = next((i for i in range(len(content)) if is_body(content, i, profile)), None)
        if start is None:  # no sentence ends anywhere (a page cut short): the first run of words
            start = next((i for i, ln in enumerate(content) if len(ln.text.split()) >= 8 and pt.PROSE.search(ln.text)), None)
        if start is None:
            return None
        account_header(content[:start], ledger, profile)
        draft = PostDraft(None, list(content[start:]), 1, closed=closed)
        draft.derived_title = derive_title(content[start].text)
        draft.above_lines = list(content[max(0, start - 2) : start])
        return draft
    account_header(content[:t], ledger, profile)
    below = post_header(content, t + 1, profile)
    author = None
    for line in below:
        m = AUTHOR.match(line.text)
        author = author or (m.group("author") if m else None)
        ledger.mark(line, LineRole.CHROME, chrome_of(line.text, profile) or ("byline" if m else "post header"))
    above = [ln for ln in content[max(0, t - 2) : t] if not _MASTHEAD_DATE.match(ln.text)]
    region = list(content[t + 1 + len(below) :])
    if author is None:  # "Av Karin Ström" under the lead, above the text
        at = next((k for k, ln in enumerate(region[:6]) if _BYLINE_AUTHOR.match(ln.text)), None)
        if at is not None:
            byline = region.pop(at)
            ledger.mark(byline, LineRole.CHROME, "byline")
            author = _BYLINE_AUTHOR.match(byline.text).group("author")  # type: ignore[union-attr]
    return PostDraft(content[t], region, 1, closed=closed, date_lines=below, above_lines=above, author=author)


def post_header(content: Sequence[Line], i: int, profile: Profile) -> list[Line]:
    """The stamps, bylines and captions right under a headline (never prose)."""
    out: list[Line] = []
    while i < len(content) and len(out) < 4:
        text = content[i].text
        if is_prose(text) or not (is_meta(text, profile) or chrome_of(text, profile) or AUTHOR.match(text)):
            break
        out.append(content[i])
        i += 1
    return out


STAMP_CHARS = 80


def is_stamp(text: str) -> bool:
    """A short line that carries a date: a stamp, a byline date, 'Publicerad: …'."""
    # find_dates finds nothing without a year's first digits: tested first, the cheapest
    return len(text) <= STAMP_CHARS and ("19" in text or "20" in text) and not is_prose(text) and bool(find_dates(text))


def entry_drafts(content: Sequence[Line], ledger: Ledger, profile: Profile, closed: bool) -> list[PostDraft] | None:
    """A page cut at its entry anchors (bylines, stamps, date headers); None when it has none."""
    rule = profile.entry
    if rule is None:
        return None
    anchors = [i for i, ln in enumerate(content) if rule.anchor.match(ln.text)]
    if not anchors:
        return None
    # (anchor index, title index or None), titles never shared between two entries
    entries: list[tuple[int, int | None]] = []
    for k, a in enumerate(anchors):
        lo = anchors[k - 1] + 1 if k else 0
        hi = anchors[k + 1] if k + 1 < len(anchors) else len(content)
        entries.append((a, _title_near(content, a, lo, hi, rule.title, profile)))
    # a lone date above everything (a theme's "today" widget) heads the page, it is no entry
    while len(entries) > 1 and entries[0][1] is None and not any(
            is_prose(ln.text) for ln in content[entries[0][0] : entries[1][0]]):
        entries.pop(0)
    if len(entries) < 2:
        return None
    first = min(x for x in (entries[0][1], entries[0][0]) if x is not None)
    account_header(content[:first], ledger, profile)
    drafts = []
    for k, (a, t) in enumerate(entries):
        if k + 1 < len(entries):
            na, nt = entries[k + 1]
            end = min(x for x in (na, nt) if x is not None)
        else:
            end = len(content)
        region = [ln for j, ln in enumerate(content[a + 1 : end], start=a + 1) if j != t]
        draft = PostDraft(content[t] if t is not None else None, region, k + 1,
                          byline=rule.anchor.match(content[a].text), byline_line=content[a],
                          closed=closed or k + 1 < len(entries), date_lines=[content[a]])
        ledger.mark(content[a], LineRole.BYLINE)
        for between in content[t + 1 : a] if t is not None else ():  # what _title_near looked past: meta or chrome
            ledger.mark(between, LineRole.CHROME, chrome_of(between.text, profile) or "between headline and byline")
        drafts.append(_finish_entry(draft, profile))
    return drafts


def _title_near(content: Sequence[Line], a: int, lo: int, hi: int, where: str, profile: Profile) -> int | None:
    """The headline of the entry anchored at a: the nearest candidate above or below it."""
    steps = range(a - 1, max(lo, a - 3) - 1, -1) if where == "above" else range(a + 1, min(hi, a + 3))
    for j in steps:
        text = content[j].text
        if is_candidate(text, profile) and not is_name(text):
            return j
        if not is_meta(text, profile) and chrome_of(text, profile) is None:
            return None
    return None


def _finish_entry(draft: PostDraft, profile: Profile) -> PostDraft:
    """Mark an entry whose text is cut off ('…', 'Läs mer') as an excerpt."""
    body = [ln for ln in draft.region if chrome_of(ln.text, profile) is None or READ_MORE_LINE.match(ln.text)]
    draft.is_excerpt = is_cut_off(draft.region)
    if draft.title_line is None and body:
        draft.derived_title = derive_title(body[0].text)
    return draft


def teaser_drafts(content: Sequence[Line], ledger: Ledger, profile: Profile, closed: bool) -> list[PostDraft] | None:
    """A page of headlines with teasers cut off ('…', 'Läs mer'); None when it is not one."""
    heads = [i for i in range(len(content) - 1) if _opens_teaser(content, i, profile)]
    if heads and (last := _last_entry(content, heads[-1], profile)) is not None:
        heads.append(last)
    cut = [i for i in heads if _teaser_is_cut(content, i, heads, profile)]
    short = [i for i in heads if _teaser_is_short(content, i, heads, profile)]
    lead = sum(len(ln.text) for ln in content[: heads[0]] if is_prose(ln.text)) if heads else 0
    # an article's crossheadings also stand above prose: its lead comes first, and its sections are long
    # the first entry decides: an article's headline is followed by its lead and text, not a
    # teaser (the teasers of related articles under it are part of its page)
    pairs = len(heads) >= 3 and len(short) >= 0.75 * len(heads) and lead <= TEASER_MAX_LEAD and heads[0] in short
    if not (len(cut) >= 2 and heads[0] in cut) and not pairs:
        return bare_teasers(content, ledger, profile, closed)
    account_header(content[: heads[0]], ledger, profile)
    drafts = []
    for k, h in enumerate(heads):
        end = heads[k + 1] if k + 1 < len(heads) else len(content)
        draft = PostDraft(content[h], list(content[h + 1 : end]), k + 1, closed=closed or k + 1 < len(heads))
        drafts.append(_finish_entry(draft, profile))
        draft.is_excerpt = True  # a headline and its teaser: the article itself is elsewhere
    return drafts


def _next_head(heads: Sequence[int], i: int, end: int) -> int:
    """The first of the ascending heads after i, else end (a search, not a scan: issue 14.13)."""
    k = bisect_right(heads, i)
    return heads[k] if k < len(heads) else end


def _teaser_is_short(content: Sequence[Line], i: int, heads: Sequence[int], profile: Profile) -> bool:
    """The entry at i holds one short paragraph (a teaser), past its stamps."""
    lines = [ln for ln in content[i + 1 : _next_head(heads, i, len(content))]
             if _is_teaser_text(ln.text) and chrome_of(ln.text, profile) is None and not is_meta(ln.text, profile)]
    one_block = all(b.no == a.no + 1 for a, b in zip(lines, lines[1:], strict=False))
    return 0 < len(lines) <= 2 and one_block and sum(len(ln.text) for ln in lines) <= TEASER_MAX_CHARS


def headline_text(text: str) -> str:
    """A headline without the list bullet a section page prints before it."""
    return _BULLET.sub("", text) if text[:1] in _BULLETS else text  # nearly every headline has none


_BULLETS = "•·▪►"  # the first characters _BULLET matches


def _opens_teaser(content: Sequence[Line], i: int, profile: Profile) -> bool:
    """A headline line (or list item) followed (past stamps) by a paragraph of text."""
    text = headline_text(content[i].text)
    if not is_candidate(text, profile) or is_name(text) or len(text.split()) == 1 or goes_on(text):
        return False
    if i > 0 and content[i - 1].text == content[i].text:  # the second of a headline printed twice
        return False
    j = i + 1
    while j < len(content) and (is_meta(content[j].text, profile) or chrome_of(content[j].text, profile)
                                or len(content[j].text.split()) == 1 or is_stamp(content[j].text)
                                or content[j].text == content[i].text):
        j += 1
    return j < len(content) and content[j].no > content[i].no and _is_teaser_text(content[j].text)


def _is_teaser_text(text: str) -> bool:
    """A paragraph of text, or the start of one cut off ('… förra året...')."""
    return is_prose(text) or goes_on(text) or (bool(TEASER_END.search(text)) and len(text.split()) >= 6)


def _teaser_is_cut(content: Sequence[Line], i: int, heads: Sequence[int], profile: Profile) -> bool:
    """The entry at i ends cut off or with a link to the whole post."""
    lines = content[i + 1 : _next_head(heads, i, len(content))]
    return bool(lines) and sum(len(ln.text) for ln in lines) <= 1200 and is_cut_off(lines)


def is_cut_off(lines: Sequence[Line]) -> bool:
    """A teaser's text: a paragraph cut off ('…', 'Läs mer') or a line linking to the whole post."""
    return any(READ_MORE_LINE.match(ln.text) or (TEASER_END.search(ln.text) and is_prose(ln.text)) for ln in lines)


def bare_teasers(content: Sequence[Line], ledger: Ledger, profile: Profile, closed: bool) -> list[PostDraft] | None:
    """A page of teasers whose headlines were links the scraper dropped: one excerpt per paragraph."""
    cut = [i for i, ln in enumerate(content) if TEASER_END.search(ln.text) and is_prose(ln.text)]
    if len(cut) < 3 or sum(len(content[i].text) for i in cut) < 0.6 * sum(len(ln.text) for ln in content):
        return None
    account_header(content[: cut[0]], ledger, profile)
    drafts = []
    for k, i in enumerate(cut):
        end = cut[k + 1] if k + 1 < len(cut) else len(content)
        draft = PostDraft(None, list(content[i:end]), k + 1, closed=closed or k + 1 < len(cut), is_excerpt=True)
        draft.derived_title = derive_title(content[i].text)
        drafts.append(draft)
    return drafts


def full_stop_drafts(content: Sequence[Line], ledger: Ledger, profile: Profile, closed: bool) -> list[PostDraft] | None:
    """Whole posts under headlines that all end with a full stop ('Rädda bybutikerna.'), no bylines.

    A blog that writes its headlines so is read by that style: crossheadings of an article
    hardly ever end with a full stop, so two or more such lines above prose are posts.
    """
    heads = [i for i in range(len(content)) if full_stop_headline(content, i)]
    first = headline_index(content, profile)
    if len(heads) < 2 or first is None or first not in heads:
        return None
    account_header(content[:first], ledger, profile)
    return _posts_at(content, [h for h in heads if h >= first], closed)


def whole_post_drafts(content: Sequence[Line], ledger: Ledger, profile: Profile, closed: bool) -> list[PostDraft] | None:
    """An archive or blog page of whole posts under bare headlines ('Kategoriarkiv: X', Folkbladet's blogs).

    A headline stands alone above text; one introduced by the line above ('Hela artikeln finns
    nedan:') is a reproduced article's own headline, inside the post.
    """
    archive = any(chrome_of(ln.text, profile) == "archive header" or _ARCHIVE_TOP.match(ln.text) for ln in content[:4])
    if not (profile.whole_posts or archive):
        return None
    heads = [i for i in range(len(content)) if _heads_whole_post(content, i, profile)]
    if len(heads) < 2:
        return None
    account_header(content[: heads[0]], ledger, profile)
    return _posts_at(content, heads, closed)


def _posts_at(content: Sequence[Line], heads: Sequence[int], closed: bool) -> list[PostDraft]:
    """Whole posts from each headline to the next; the lines just above a headline may date it."""
    return [PostDraft(content[h], list(content[h + 1 : heads[k + 1] if k + 1 < len(heads) else len(content)]), k + 1,
                      closed=closed or k + 1 < len(heads),
                      above_lines=[ln for ln in content[max(0, h - 2) : h] if not _MASTHEAD_DATE.match(ln.text)])
            for k, h in enumerate(heads)]


def _heads_whole_post(content: Sequence[Line], i: int, profile: Profile) -> bool:
    """Line i is a bare headline: alone, above text, not introduced by a colon or another headline."""
    text = content[i].text
    if not _can_head(content, i, profile) or len(text.split()) < 2 or i + 1 == len(content) or text.endswith(":"):
        return False
    if i > 0 and (content[i - 1].no == content[i].no - 1 or _introduces(content, i)):
        return False
    j = i + 1
    while j < len(content) and (is_meta(content[j].text, profile) or len(content[j].text.split()) == 1
                                or _same_words(content[j].text, text)):
        j += 1
    return j < len(content) and content[j].no > content[i].no + 1 and is_prose(content[j].text)


def _introduces(content: Sequence[Line], i: int) -> bool:
    """The text above line i announces it ('Hela artikeln finns nedan:', 'Pressmeddelande')."""
    above = [ln.text for ln in content[max(0, i - 2) : i] if ln.text.strip()]
    if not above:
        return False
    stacked = not is_prose(above[-1]) and is_candidate(above[-1], _PLAIN) and len(_WORDS.findall(above[-1])) >= 2
    return above[-1].endswith(":") or above[-1] in _INTRODUCERS or stacked


def split_at_footers(drafts: list[PostDraft], profile: Profile) -> list[PostDraft]:
    """Posts that share a date header or a page, each closed by its footer ('Upplagd av … kl. 20:12',
    'Publicerat i Politik | 5 kommentarer')."""
    out: list[PostDraft] = []
    for draft in drafts:
        while (cut := _after_footer(draft.region, profile)) is not None:
            nxt = PostDraft(draft.region[cut], list(draft.region[cut + 1 :]), 0, closed=draft.closed,
                            date_lines=list(draft.date_lines), above_lines=list(draft.above_lines))
            draft.region, draft.closed = draft.region[:cut], True
            out.append(draft)
            draft = nxt
        out.append(draft)
    for k, draft in enumerate(out, start=1):
        draft.position = k
    return out


def _after_footer(region: Sequence[Line], profile: Profile) -> int | None:
    """Index of a headline that follows a post footer (past chrome such as comment counters)."""
    for k, line in enumerate(region):
        if not (profile.post_footer and profile.post_footer.match(line.text)) and not POST_FOOTER.match(line.text):
            continue
        j = k + 1
        while j < len(region) and chrome_of(region[j].text, profile) is not None:
            j += 1
        if j + 1 < len(region) and _can_head(region, j, profile) and is_body(region, j + 1, profile):
            return j
    return None


def _last_entry(content: Sequence[Line], after: int, profile: Profile) -> int | None:
    """The page's last entry when the end of the stored page cut its teaser short: the headline
    on the second-to-last line, a few words under it."""
    i = len(content) - 2
    if i <= after + 1:
        return None
    text = headline_text(content[i].text)
    ok = is_candidate(text, profile) and not is_name(text) and len(text.split()) >= 2
    return i if ok and len(content[i + 1].text.split()) >= 4 else None
