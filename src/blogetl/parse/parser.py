"""Pure parser: decoded dump text in, typed posts, comments and rejects out (no I/O).

>>> r = parse_text("Rubrik\\n\\nAv , , 1 kommentar 4\\n\\nBrödtext.\\n\\nArkiv\\nRSS Nytt från vk.se\\n")
>>> [(p.title, p.comment_count_declared, p.reactions, p.body) for p in r.posts]
[('Rubrik', 1, 4, 'Brödtext.')]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress, count
from operator import attrgetter
from typing import Any

from blogetl.ids import normalise_key, post_id_for, stable_id
from blogetl.models import Comment, LineRole, PageKind, ParseResult, Post, Reject, RejectReason
from blogetl.parse import identity, pages, sites
from blogetl.parse import patterns as pt
from blogetl.parse.dates import find_dates
from blogetl.parse.lines import Ledger, Line, PostDraft, join_paragraphs, split_lines
from blogetl.parse.sites import Profile
from blogetl.parse.sites.base import match_all
from blogetl.sources.decode import Decoded, decode_dump, normalise_text

_WS = re.compile(r"\s+")
_TEXT = attrgetter("text")


@dataclass
class _Thread:
    """Building state of one comment while its thread is read."""

    author_line: Line
    author: str
    is_post_author: bool
    depth: int
    parent: _Thread | None
    lines: list[Line] = field(default_factory=list)
    comment_id: str = ""


# --- lines -----------------------------------------------------------------------------


def chrome_note(text: str, profile: Profile) -> str | None:
    """Which chrome a stripped line is for the page's profile, or None when it is not chrome."""
    return pages.chrome_test(profile)(text)


def is_title_like(line: Line, profile: Profile) -> bool:
    """A line that can be a post title: not chrome, not a counter, not too long."""
    t = line.text
    return (
        len(t) <= pt.MAX_TITLE_CHARS
        and pages.chrome_test(profile)(t) is None
        and not (profile.entry is not None and profile.entry.anchor.match(t))
        and not pt.COMMENT_LABEL_LINE.match(t)
    )


def is_named(line: Line) -> bool:
    """A line with letters in it: a separator such as '———' or '***' is never a title."""
    return any(ch.isalpha() for ch in line.text)


def has_prose_text(lines: Iterable[Line], profile: Profile) -> bool:
    """True when some line that is no chrome is a paragraph of running text (pages.is_prose)."""
    return any(pages.is_prose(line.text) and chrome_note(line.text, profile) is None for line in lines)


def has_prose(lines: Iterable[Line]) -> bool:
    """True when some line reads as prose (three words of letters in a row)."""
    return any(pt.PROSE.search(line.text) for line in lines)


_COUNT = re.compile(r"\d+")


def label_count(label: str) -> int:
    """The number a comment label declares: 'Bli först att kommentera' is 0."""
    m = _COUNT.match(label)
    return int(m.group()) if m else 0


# What an INTEGER column of the warehouse holds: a counter beyond it is NULL and a reject.
MAX_COUNTER = 2**31 - 1


def in_range(value: int | None, line: Line | None, ledger: Ledger) -> int | None:
    """A counter read from the page, or None and a value_out_of_range reject (naming the line and the
    value) when it is too large for the warehouse's column (`Av , , 99999999999 kommentarer 4`)."""
    if value is None or value <= MAX_COUNTER:
        return value
    start, end, text = (line.start, line.end, line.text) if line is not None else (0, 0, "")
    for i, seen in enumerate(ledger.rejects):  # a second counter of the same line: one reject names both
        if seen.reason == RejectReason.VALUE_OUT_OF_RANGE and (seen.start_offset, seen.end_offset) == (start, end):
            ledger.rejects[i] = seen.model_copy(update={"detail": f"{seen.detail}, {value}"})
            return None
    detail = f"{pt.REJECT_REASONS['value_out_of_range']}: {value}"
    ledger.rejects.append(Reject(reason=RejectReason.VALUE_OUT_OF_RANGE, detail=detail, text=text,
                                 start_offset=start, end_offset=end))
    return None


# --- page kind and site ----------------------------------------------------------------


def detect_kind(lines: Sequence[Line], profile: Profile, bylines: int | None = None) -> PageKind:
    """Listing (bylines), single (platform chrome or a comment thread) or article (bylines: how many
    lines the platform's byline matches, when the caller counted them)."""
    byline = profile.entry.anchor if profile.platform and profile.entry else None
    if bylines is None:
        bylines = sum(map(bool, map(byline.match, map(_TEXT, lines)))) if byline else 0

    def has_thread() -> bool:
        # a thread is a comment-count line followed by a numbered comment; numbered lines in a
        # body above a footer label are not one
        # (chrome such as an empty 'Etiketter: , , ,' may sit between the two)
        labels = compress(range(len(lines)), map(pt.COMMENT_LABEL_LINE.match, map(_TEXT, lines)))
        return any(opens_thread(lines, i, profile) for i in labels)

    if bylines > 1:
        return PageKind.LISTING
    if bylines == 1:
        return PageKind.SINGLE if has_thread() or any(line.text in pt.FORM_START for line in lines) else PageKind.LISTING
    has_vk = profile.platform and any(sign.search(line.text) for line in lines for sign in profile.signs)
    return PageKind.SINGLE if has_vk or has_thread() else PageKind.ARTICLE


def opens_thread(lines: Sequence[Line], i: int, profile: Profile) -> bool:
    """True when the first non-chrome line after line i is a numbered comment."""
    for j in range(i + 1, len(lines)):
        if chrome_note(lines[j].text, profile) is None:
            return bool(pt.THREAD_NUMBERED.match(lines[j].raw))
    return False


# --- regions ---------------------------------------------------------------------------


def split_page_end(lines: Sequence[Line], profile: Profile) -> tuple[list[Line], list[Line]]:
    """Split at the first closing chrome line ('Arkiv', RSS footer): content, tail."""
    i = next(compress(count(), map(profile.end_chrome.__contains__, map(_TEXT, lines))), None)
    return (list(lines), []) if i is None else (list(lines[:i]), list(lines[i:]))


def account_tail(tail: Sequence[Line], ledger: Ledger, profile: Profile) -> None:
    """Closing chrome and anything after it: chrome where recognised, else a reject."""
    stray: list[Line] = []
    for line in tail:
        note = chrome_note(line.text, profile)
        if note is None:
            stray.append(line)
        else:
            ledger.mark(line, LineRole.CHROME, note)
    ledger.reject(stray, "text_after_page_end")


def account_form(lines: Sequence[Line], ledger: Ledger, profile: Profile) -> None:
    """The comment form after 'Lämna ett svar': boilerplate is chrome, long text a reject."""
    stray = []
    for line in lines:
        note = chrome_note(line.text, profile)
        if note is None and len(line.text) <= 80:
            note = "comment form"
        if note is None:
            stray.append(line)
        else:
            ledger.mark(line, LineRole.CHROME, note)
    ledger.reject(stray, "text_after_page_end", "text inside the comment form")


def account_header(lines: Sequence[Line], ledger: Ledger, profile: Profile) -> None:
    """Lines before the first post: chrome, a short blog-name/tagline header, or rejects."""
    rest = []
    for line in lines:
        note = chrome_note(line.text, profile)
        if note is not None:
            ledger.mark(line, LineRole.CHROME, note)
        else:
            rest.append(line)
    if 0 < len(rest) <= 3 and all(len(line.text) <= 160 for line in rest):
        for line in rest:
            ledger.mark(line, LineRole.CHROME, "page header")
    else:
        ledger.reject(rest, "text_before_first_post")


def find_thread_start(region: Sequence[Line], profile: Profile) -> int | None:
    """Index of the comment-count line that opens a thread or the comment form, if any.

    Linear in the region: a count line looks ahead only past chrome, and the next count line is
    no chrome, so no line is looked at from two count lines (issue 14.13: a copy of the rest of the
    region per count line made 200,000 count lines take 37 s)."""
    texts = list(map(_TEXT, region))
    return _thread_start(region, texts, pt.label_matches(texts), profile)


def _thread_start(region: Sequence[Line], texts: Sequence[str], labels: Sequence[re.Match[str] | None],
                  profile: Profile) -> int | None:
    """find_thread_start given the region's texts and their comment-label matches."""
    n = len(region)
    chrome = pages.chrome_test(profile)
    for i in compress(range(n), labels):
        # look past chrome between the count and the thread, such as an empty "Etiketter: , , ,"
        j = i + 1
        while j < n and texts[j] not in pt.FORM_START and chrome(texts[j]) is not None:
            j += 1
        if j == n or texts[j] in pt.FORM_START or pt.THREAD_NUMBERED.match(region[j].raw):
            return i
    return next(compress(count(), map(pt.FORM_START.__contains__, texts)), None)


# --- posts -----------------------------------------------------------------------------


def take_body(region: Sequence[Line], ledger: Ledger, profile: Profile) -> tuple[list[Line], tuple[str, Line] | None]:
    """Body lines of a post region, and its footer's comment label with its line; chrome, labels and
    repeated titles accounted for."""
    texts = list(map(_TEXT, region))
    return _take_body(region, texts, pt.label_matches(texts), ledger, profile)


def _take_body(region: Sequence[Line], texts: Sequence[str], labels: Sequence[re.Match[str] | None], ledger: Ledger,
               profile: Profile) -> tuple[list[Line], tuple[str, Line] | None]:
    """take_body given the region's texts and their comment-label matches.

    The tests of each line run as C loops over the region (a chrome line or a chrome pattern's
    match, the comment label); only the few lines some test holds are looked at one by one."""
    chrome = pages.chrome_test(profile)
    flagged = set(compress(count(), labels))
    flagged.update(compress(count(), map(profile.chrome_lines.__contains__, texts)))
    flagged.update(compress(count(), map(pages.chrome_regex(profile).match, texts)))
    if not flagged:  # nearly every post: body lines only
        ledger.mark_all(region, LineRole.BODY)
        return list(region), None
    body: list[Line] = []
    label: tuple[str, Line] | None = None
    for i, line in enumerate(region):
        m = labels[i] if i in flagged else None
        note = chrome(texts[i]) if i in flagged and m is None else None
        if m:
            ledger.mark(line, LineRole.COMMENT_LABEL, "footer")
            label = m.group("label"), line
        elif note is not None:
            ledger.mark(line, LineRole.CHROME, note)
        else:
            ledger.mark(line, LineRole.BODY)
            body.append(line)
    return body, label


def build_post(draft: PostDraft, kind: PageKind, site: str | None, ledger: Ledger, profile: Profile) -> tuple[Post, list[Comment]]:
    """Turn a post draft into a Post and its comments."""
    title = pages.headline_text(draft.title_line.text) if draft.title_line else (draft.derived_title or "")
    if draft.title_line:
        ledger.mark(draft.title_line, LineRole.TITLE)
    region = list(draft.region)
    while region and draft.title_line and region[0].text == title:
        ledger.mark(region.pop(0), LineRole.CHROME, "repeated title")
    declared: int | None = None
    declared_line = draft.byline_line
    found = draft.byline.groupdict() if draft.byline is not None else {}
    if found.get("label"):
        declared = label_count(found["label"])
    texts = list(map(_TEXT, region))
    labels = pt.label_matches(texts)
    cut = _thread_start(region, texts, labels, profile)
    thread_lines: list[Line] = []
    form: list[Line] = []
    if cut is not None:
        region, rest = region[:cut], region[cut:]
        texts, labels = texts[:cut], labels[:cut]
        head = rest.pop(0)
        if head.text in pt.FORM_START:
            ledger.mark(head, LineRole.CHROME, "comment form")
            form = rest
        else:
            ledger.mark(head, LineRole.COMMENT_LABEL, "thread")
            if declared is None or kind == PageKind.SINGLE:
                declared, declared_line = label_count(head.text), head
            form_at = next((i for i, ln in enumerate(rest) if ln.text in pt.FORM_START), None)
            thread_lines = rest if form_at is None else rest[:form_at]
            form = [] if form_at is None else rest[form_at:]
    body_lines, footer = _take_body(region, texts, labels, ledger, profile)
    if declared is None and footer is not None and kind != PageKind.ARTICLE:
        declared, declared_line = label_count(footer[0]), footer[1]
    closed = draft.closed or bool(form)
    if form:
        ledger.mark(form[0], LineRole.CHROME, "comment form")
        account_form(form[1:], ledger, profile)
    # A post whose title is missing (cut off above its byline) is keyed by its body instead,
    # so that untitled posts do not all share the id of the empty title.
    post_id = post_id_for(site, title or join_paragraphs(body_lines))
    comments = parse_thread(thread_lines, post_id, ledger, profile, closed=closed) if thread_lines else []
    start, end = draft.span()
    post = Post(
        post_id=post_id,
        title_key=post_id,
        title=title,
        title_derived=draft.title_line is None and bool(title),
        body=join_paragraphs(body_lines),
        byline_author=(found.get("author") or "").strip() or draft.author or (_footer(draft, profile) or {}).get("author"),
        byline_date=(found.get("date") or "").strip() or None,
        comment_count_declared=in_range(declared, declared_line, ledger),
        reactions=in_range(int(found["reactions"]) if found.get("reactions") else None, draft.byline_line, ledger),
        page_kind=kind,
        site=site,
        position=draft.position,
        start_offset=start,
        end_offset=end,
        truncated=not closed,
        is_excerpt=draft.is_excerpt,
        **published(draft, profile),
    )
    return post, comments


def published(draft: PostDraft, profile: Profile) -> dict[str, Any]:
    """The post's publication date, from its byline or the stamps around its headline (never its
    text); a post footer ('Upplagd av Per kl. 10:15') adds the time to a date header's day."""
    # looked at only when the byline has no date; is_stamp's length test first, without its call (most are body text)
    stamps = (ln for ln in draft.region[:8] if len(ln.text) <= pages.STAMP_CHARS and pages.is_stamp(ln.text))
    for line in chain(draft.date_lines, stamps, draft.above_lines):
        for found in find_dates(line.raw):
            when = found.value
            footer = _footer(draft, profile)
            if footer is not None and when.hour == when.minute == 0:
                hour = int(footer["hour"]) % 12 + (12 if footer.get("ampm") == "PM" else 0) if footer.get("ampm") else int(footer["hour"])
                if hour < 24:  # 'kl. 24:00' or '29:59' is no time of day: the date stands alone
                    when = when.replace(hour=hour, minute=int(footer["minute"]))
            return {"published_at": when, "published_text": found.text,
                    "published_start_offset": line.start + found.start, "published_end_offset": line.start + found.end}
    return {}


def _footer(draft: PostDraft, profile: Profile) -> dict[str, str] | None:
    """The groups of the profile's post footer in the post's lines, if it has one."""
    if profile.post_footer is None:
        return None
    for line in draft.region:
        m = profile.post_footer.match(line.text)
        if m:
            return {k: v for k, v in m.groupdict().items() if v}
    return None


def _byline(profile: Profile) -> re.Pattern[str]:
    """The platform's byline pattern."""
    assert profile.entry is not None, f"profile {profile.name} has no entry rule"
    return profile.entry.anchor


def listing_drafts(content: Sequence[Line], ledger: Ledger, closed: bool, profile: Profile,
                   idx: list[int] | None = None) -> list[PostDraft]:
    """Cut a listing page into post drafts at each byline; the title is the line above (idx: the
    indexes of the byline lines, when the caller found them)."""
    byline = _byline(profile)
    if idx is None:
        idx = list(compress(range(len(content)), map(byline.match, map(_TEXT, content))))
    starts: list[tuple[int, int | None]] = []  # (byline index, title index)
    for b in idx:
        above = b - 1
        ok = above >= 0 and is_title_like(content[above], profile) and (not starts or above > starts[-1][0])
        starts.append((b, above if ok else None))
    first_title = starts[0][1]
    first = first_title if first_title is not None else starts[0][0]
    account_header(content[:first], ledger, profile)
    drafts = []
    for k, (b, t) in enumerate(starts):
        end = len(content)
        if k + 1 < len(starts):
            nb, nt = starts[k + 1]
            end = nt if nt is not None else nb
        ledger.mark(content[b], LineRole.BYLINE)
        drafts.append(
            PostDraft(
                title_line=content[t] if t is not None else None,
                region=list(content[b + 1 : end]),
                position=k + 1,
                byline=byline.match(content[b].text),
                byline_line=content[b],
                closed=closed or k + 1 < len(starts),
            )
        )
    return drafts


def single_draft(content: Sequence[Line], ledger: Ledger, closed: bool, profile: Profile) -> PostDraft | None:
    """One post: the title is the first non-chrome line (a repeated title marks it too)."""
    i = 0
    while i < len(content) and chrome_note(content[i].text, profile) is not None:
        ledger.mark(content[i], LineRole.CHROME, chrome_note(content[i].text, profile) or "")
        i += 1
    if i >= len(content):
        return None
    byline_rx = _byline(profile)
    b = next((k for k, line in enumerate(content) if k > i and byline_rx.match(line.text)), None)
    if (b is not None and is_title_like(content[b - 1], profile) and is_named(content[b - 1])
            and not has_prose_text(content[i : b - 1], profile)):
        # a byline anchors the title to the line above it; what precedes is a header (a byline
        # under prose is quoted in the post's text: issue 14.7)
        account_header(content[i : b - 1], ledger, profile)
        i = b - 1
    else:
        for j in range(i, min(i + 4, len(content) - 1)):
            if content[j].text == content[j + 1].text and is_title_like(content[j], profile) and is_named(content[j]):
                account_header(content[i:j], ledger, profile)
                i = j
                break
    if not is_title_like(content[i], profile):
        return None
    byline, byline_line = None, None
    region = list(content[i + 1 :])
    if region and byline_rx.match(region[0].text):
        byline_line = region.pop(0)
        ledger.mark(byline_line, LineRole.BYLINE)
        byline = byline_rx.match(byline_line.text)
    return PostDraft(content[i], region, 1, byline=byline, byline_line=byline_line, closed=closed)


# --- comment thread --------------------------------------------------------------------


def author_of(text: str) -> tuple[str, bool] | None:
    """A comment author's name and whether it is the post's author, if the text is a name."""
    name = pt.POST_AUTHOR_MARK.sub("", text).strip()
    if not name or len(name) > 60 or len(name.split()) > 6 or name[-1] in ".?!:,;":
        return None
    return name, name != text.strip()


def thread_author(line: Line, next_top: int, top_indent: int | None) -> tuple[str, bool, bool] | None:
    """(author, is_post_author, is_top_level) when the line opens a comment."""
    m = pt.THREAD_NUMBERED.match(line.raw)
    if m and int(m.group("num")) == next_top and (top_indent is None or line.indent <= top_indent):
        who = author_of(m.group("author"))
        return (who[0], who[1], True) if who else None
    m = pt.THREAD_BULLET.match(line.raw)
    if m:
        who = author_of(m.group("author"))
        return (who[0], who[1], False) if who else None
    return None


def parse_thread(lines: Sequence[Line], post_id: str, ledger: Ledger, profile: Profile, *, closed: bool) -> list[Comment]:
    """Read a comment thread: numbered top-level comments, bullet replies nested by indent."""
    nodes: list[_Thread] = []
    stack: list[_Thread] = []
    orphans: list[Line] = []
    top_indent: int | None = None
    tops = 0
    for line in lines:
        note = chrome_note(line.text, profile)
        opened = thread_author(line, tops + 1, top_indent)
        if opened is not None:
            author, own, top = opened
            if top:
                stack.clear()
                tops += 1
                top_indent = line.indent if top_indent is None else top_indent
            # a bullet is a reply: however it is indented, it stays under its numbered comment
            floor = 1 if tops and not top else 0
            while len(stack) > floor and stack[-1].author_line.indent >= line.indent:
                stack.pop()
            node = _Thread(line, author, own, len(stack), stack[-1] if stack else None)
            nodes.append(node)
            stack.append(node)
            ledger.mark(line, LineRole.COMMENT_AUTHOR)
        elif note is not None:
            ledger.mark(line, LineRole.CHROME, note)
        elif nodes:
            nodes[-1].lines.append(line)
            ledger.mark(line, LineRole.COMMENT_BODY)
        else:
            orphans.append(line)
    ledger.reject(orphans, "orphan_comment_text")
    return to_comments(nodes, post_id, closed=closed)


def to_comments(nodes: Sequence[_Thread], post_id: str, *, closed: bool) -> list[Comment]:
    """Give thread nodes stable ids and turn them into Comment records."""
    seen: dict[str, int] = {}
    out = []
    for pos, node in enumerate(nodes, start=1):
        body = join_paragraphs(node.lines)
        parent_id = node.parent.comment_id if node.parent else None
        key = stable_id("comment", post_id, parent_id, normalise_key(node.author), normalise_key(body))
        seen[key] = seen.get(key, 0) + 1
        node.comment_id = stable_id(key, seen[key]) if seen[key] > 1 else key
        last = node.lines[-1] if node.lines else node.author_line
        out.append(
            Comment(
                comment_id=node.comment_id,
                post_id=post_id,
                parent_id=parent_id,
                depth=node.depth,
                position=pos,
                author=node.author,
                is_post_author=node.is_post_author,
                body=body,
                start_offset=node.author_line.start,
                end_offset=last.end,
                truncated=not closed and pos == len(nodes),
            )
        )
    return out


# --- entry points ----------------------------------------------------------------------


def parse_lines(text: str, site_hint: str | None, line_uses: bool = True) -> ParseResult:
    """Parse normalised text into records; the ledger accounts for every line (``ParseResult.lines``
    holds its records unless line_uses is false: the pipeline stores none)."""
    lines = split_lines(text)
    ledger = Ledger()
    if not lines:
        ledger.rejects.append(Reject(reason=RejectReason.EMPTY_DUMP, detail=pt.REJECT_REASONS["empty_dump"], text="", start_offset=0, end_offset=len(text)))
        return ParseResult(text=text, page_kind=PageKind.UNKNOWN, rejects=ledger.rejects)
    edge = sites.edges(text)  # what both look at
    profile = sites.pick_profile(edge, site_hint, edged=True)
    site = sites.detect_site(edge, profile, site_hint, edged=True)
    content, tail = split_page_end(lines, profile)
    closed = bool(tail)
    kind, drafts = (platform_drafts if profile.platform else page_drafts)(lines, content, ledger, closed, profile)
    if not drafts:
        ledger.reject([ln for ln in content if ln.no not in ledger.uses], "no_structure")
        kind = PageKind.UNKNOWN
    posts, comments = [], []
    for draft in drafts:
        post, post_comments = build_post(draft, kind, site, ledger, profile)
        posts.append(post)
        comments.extend(post_comments)
    account_tail(tail, ledger, profile)
    posts, comments = identity.disambiguate(posts, comments)
    return ParseResult(
        text=text, page_kind=kind, site=site, profile=profile.name, posts=posts, comments=comments,
        rejects=sorted(ledger.rejects, key=lambda r: r.start_offset),
        lines=ledger.line_uses() if line_uses else [],
    )


Drafts = tuple[PageKind, list[PostDraft]]


def platform_drafts(lines: Sequence[Line], content: Sequence[Line], ledger: Ledger, closed: bool, profile: Profile) -> Drafts:
    """The blog platform's pages: a listing cut at its bylines, or one post with its thread."""
    # the byline lines of the page, matched once (content: its lines up to the closing chrome, split_page_end)
    prefix = len(content) <= len(lines) and (not content or (content[0] is lines[0] and content[-1] is lines[len(content) - 1]))
    matched = match_all(_byline(profile), list(map(_TEXT, lines))) if profile.entry is not None and prefix else []
    in_content = list(compress(range(len(content)), matched[: len(content)])) if matched else \
        [i for i, ln in enumerate(content) if profile.entry is not None and _byline(profile).match(ln.text)]
    kind = detect_kind(lines, profile, len(in_content) + sum(map(bool, matched[len(content):])) if matched else None)
    if kind == PageKind.LISTING and in_content:
        return kind, listing_drafts(content, ledger, closed, profile, in_content)
    if kind == PageKind.ARTICLE:  # the platform named by the folder, but a page with neither bylines nor thread
        return page_drafts(lines, content, ledger, closed, profile)
    draft = single_draft(content, ledger, closed, profile)
    return kind, [draft] if draft is not None else []


def page_drafts(lines: Sequence[Line], content: Sequence[Line], ledger: Ledger, closed: bool, profile: Profile) -> Drafts:
    """Other sites' pages: entries at anchors, teasers, or one article."""
    entries = pages.entry_drafts(content, ledger, profile, closed)
    if entries:
        return PageKind.LISTING, pages.split_at_footers(entries, profile)
    listing = (pages.teaser_drafts(content, ledger, profile, closed) or pages.full_stop_drafts(content, ledger, profile, closed)
               or pages.whole_post_drafts(content, ledger, profile, closed))
    if listing:
        return PageKind.LISTING, listing
    draft = pages.article_draft(content, ledger, profile, closed)
    drafts = pages.split_at_footers([draft], profile) if draft is not None and has_prose(draft.region) else []
    return (PageKind.LISTING if len(drafts) > 1 else PageKind.ARTICLE), drafts


def parse_text(text: str, *, site_hint: str | None = None) -> ParseResult:
    """Parse a dump's text; never raises: a parser failure becomes one reject of the dump."""
    return _parse_normalised(normalise_text(text), site_hint)


def _parse_normalised(text: str, site_hint: str | None, line_uses: bool = True) -> ParseResult:
    """parse_text for text that decode_dump has normalised already."""
    try:
        return parse_lines(text, site_hint, line_uses)
    except Exception as exc:  # a bug must not take the batch down; the reject names it
        reject = Reject(reason=RejectReason.PARSER_ERROR, detail=f"{type(exc).__name__}: {exc}", text=text, start_offset=0, end_offset=len(text))
        return ParseResult(text=text, page_kind=PageKind.UNKNOWN, site=site_hint, rejects=[reject])


def parse_bytes(data: bytes, *, filename: str = "", site_hint: str | None = None, line_uses: bool = True) -> ParseResult:
    """Decode a dump's bytes (encoding, HTML) and parse it; line_uses=False leaves ``lines`` empty
    (every line is still accounted for exactly once; its record costs as much as the line's parse)."""
    return parse_decoded(decode_dump(data, filename=filename), data, site_hint=site_hint, line_uses=line_uses)


def parse_decoded(decoded: Decoded, data: bytes, *, site_hint: str | None = None, line_uses: bool = True) -> ParseResult:
    """parse_bytes of data after its decode_dump (the result's text is decoded.text)."""
    if decoded.source_format in ("empty", "binary"):
        reason = "empty_dump" if decoded.source_format == "empty" else "binary_dump"
        preview = "" if reason == "binary_dump" else data.decode("latin-1")[:200]
        reject = Reject(reason=RejectReason(reason), detail=f"{pt.REJECT_REASONS[reason]} ({len(data)} bytes)", text=preview, start_offset=0, end_offset=0)
        return ParseResult(text="", page_kind=PageKind.UNKNOWN, source_format=decoded.source_format, site=site_hint, rejects=[reject])
    result = _parse_normalised(decoded.text, site_hint, line_uses)
    return result.model_copy(update={"encoding": decoded.encoding, "source_format": decoded.source_format,
                                     "mojibake_repaired": decoded.mojibake_repaired})
