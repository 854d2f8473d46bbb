"""Typed records the parser emits: the contract for every later stage.

Offsets are character offsets (Python ``str`` indices, end exclusive) into the
*decoded text* of a dump: the bytes decoded with the detected encoding, BOM
removed, line endings turned into ``\\n``, HTML turned into text, Unicode
normalised to NFC and non-breaking spaces turned into plain spaces.  The
decoded text is returned with every parse (``ParseResult.text``) so that
``text[start:end]`` always shows what a record came from.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

# Bump on any change to what the parser makes of some input: warehouses re-parse every dump
# loaded by another version, and the flow's parse cache is keyed on it.
# 1.1.0: thread detection needs a count line followed by a numbered comment; a byline anchors a
#        single page's title; saved pages render lists with markers and indentation; known
#        remnant tags only.
# 2.0.0: pages read through site profiles (headlines, listings, teasers, dates, sites, authors),
#        mojibake repaired, VK blog pages are site blogg.vk.se, same-title posts with different
#        texts get different ids (issue 9).
# 2.1.0: UTF-8 with stray legacy bytes decoded run by run, one NUL byte no longer makes a dump
#        binary, UTF-16 without a BOM read; counters of 2^31 or more are a reject; an edited
#        version beside a post on one page is a post of its own (issue 14).
PARSER_VERSION = "2.1.0"


class PageKind(StrEnum):
    """What kind of page a dump holds."""

    LISTING = "listing"  # VK blog platform: many posts with bylines
    SINGLE = "single"  # VK blog platform: one post, maybe with its comment thread
    ARTICLE = "article"  # any other site: one title and body
    UNKNOWN = "unknown"  # nothing recognisable (empty, binary, no structure)


class RejectReason(StrEnum):
    """Why the parser could not place a piece of input."""

    EMPTY_DUMP = "empty_dump"
    BINARY_DUMP = "binary_dump"
    UNDECODABLE = "undecodable"
    NO_STRUCTURE = "no_structure"
    TEXT_BEFORE_FIRST_POST = "text_before_first_post"
    ORPHAN_COMMENT_TEXT = "orphan_comment_text"
    TEXT_AFTER_PAGE_END = "text_after_page_end"
    PARSER_ERROR = "parser_error"
    VALUE_OUT_OF_RANGE = "value_out_of_range"
    LINK_OUTSIDE_RAW = "link_outside_raw"

    @property
    def description(self) -> str:
        """What the reason means, for the data dictionary and reject details."""
        return _REJECT_DESCRIPTIONS[self]


_REJECT_DESCRIPTIONS = {
    RejectReason.EMPTY_DUMP: "the dump holds no text at all",
    RejectReason.BINARY_DUMP: "the dump is binary data, not text",
    RejectReason.UNDECODABLE: "the dump's bytes could not be decoded as text",
    RejectReason.NO_STRUCTURE: "no title and body could be recognised",
    RejectReason.TEXT_BEFORE_FIRST_POST: "text before the first post's title that is not a page header",
    RejectReason.ORPHAN_COMMENT_TEXT: "comment-thread text with no comment author line above it",
    RejectReason.TEXT_AFTER_PAGE_END: "text after the page's closing chrome",
    RejectReason.PARSER_ERROR: "the parser failed on this dump (a bug: please report it with the dump)",
    RejectReason.LINK_OUTSIDE_RAW: "the dump file is a symbolic link that leads out of raw/; it is not read",
    RejectReason.VALUE_OUT_OF_RANGE: "a counter on the page is too large for its column (2^31 or more); the record keeps NULL",
}


class DumpStatus(StrEnum):
    """What became of a dump as a whole (dumps.status)."""

    LOADED = "loaded"  # every line placed in a record or known chrome
    PARTIALLY_REJECTED = "partially_rejected"  # records, and some text the parser could not place
    REJECTED = "rejected"  # nothing but rejects (empty, binary, no structure)


class LineRole(StrEnum):
    """What a non-blank line of the decoded text was used for."""

    TITLE = "title"
    BYLINE = "byline"
    BODY = "body"
    COMMENT_LABEL = "comment_label"  # "6 kommentarer", "Bli först att kommentera"
    COMMENT_AUTHOR = "comment_author"
    COMMENT_BODY = "comment_body"
    CHROME = "chrome"  # recognised site chrome, headers, boilerplate
    REJECT = "reject"


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    start_offset: int = Field(ge=0, description="first character in the decoded text")
    end_offset: int = Field(ge=0, description="one past the last character")


class Post(_Record):
    """A blog post or a news article."""

    type: Literal["post"] = "post"
    post_id: str = Field(description="stable id: site + normalised title, never the file or position")
    title_key: str = Field(default="", description="identity key before resolution: site + normalised title")
    title: str
    title_derived: bool = Field(default=False, description="the page shows no headline; the title was derived from the body")
    body: str = Field(description="paragraphs separated by blank lines, chrome removed")
    byline_author: str | None = None
    byline_date: str | None = None
    comment_count_declared: int | None = Field(
        default=None, description="what the page's comment label says; null when it has none"
    )
    reactions: int | None = None
    page_kind: PageKind
    site: str | None = None
    position: int = Field(ge=1, description="1-based position of the post on its page")
    truncated: bool = Field(default=False, description="the dump ends inside this post")
    is_excerpt: bool = Field(default=False, description="a teaser on a listing page, cut off before the article's end")
    published_at: datetime | None = Field(default=None, description="publication date (and time when shown), naive local time")
    published_text: str | None = Field(default=None, description="the date as written on the page")
    published_start_offset: int | None = Field(default=None, ge=0, description="where published_text starts in the decoded text")
    published_end_offset: int | None = Field(default=None, ge=0, description="one past its end")


class Comment(_Record):
    """One comment of a thread on a single-post page."""

    type: Literal["comment"] = "comment"
    comment_id: str
    post_id: str
    parent_id: str | None = None
    depth: int = Field(ge=0, description="0 for top-level comments")
    position: int = Field(ge=1, description="1-based order in the thread as shown")
    author: str
    is_post_author: bool = False
    body: str
    truncated: bool = False


class Reject(_Record):
    """Input the parser could not place, kept with its reason."""

    type: Literal["reject"] = "reject"
    reason: RejectReason = Field(description="machine-readable reason code (RejectReason)")
    detail: str = ""
    text: str


Record = Annotated[Post | Comment | Reject, Field(discriminator="type")]


class LineUse(BaseModel):
    """How one non-blank line of the decoded text was accounted for."""

    model_config = ConfigDict(frozen=True)

    line_no: int  # 0-based
    start_offset: int
    end_offset: int
    role: LineRole
    note: str = ""  # for chrome: which chrome; for rejects: the reason


class ParseResult(BaseModel):
    """Everything the parser learned from one dump."""

    text: str = Field(description="the decoded text all offsets refer to")
    encoding: str | None = None
    source_format: Literal["text", "html", "binary", "empty", "link"] = "text"
    page_kind: PageKind
    site: str | None = None
    profile: str | None = Field(default=None, description="the site profile the parser read the page with")
    mojibake_repaired: bool = Field(default=False, description="UTF-8 read as cp1252 was repaired (ftfy)")
    posts: list[Post] = Field(default_factory=list)
    comments: list[Comment] = Field(default_factory=list)
    rejects: list[Reject] = Field(default_factory=list)
    lines: list[LineUse] = Field(default_factory=list)
    parser_version: str = PARSER_VERSION

    @property
    def records(self) -> list[Post | Comment | Reject]:
        """All records in page order: posts, then comments, then rejects."""
        return [*self.posts, *self.comments, *self.rejects]
