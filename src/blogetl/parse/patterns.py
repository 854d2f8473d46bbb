"""Markers every page kind shares: comment labels and threads, prose, reject reasons (site knowledge is in blogetl.parse.sites)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import compress, count, repeat

from blogetl.models import RejectReason
from blogetl.parse.sites.vk_blog import BYLINE, COMMENT_LABEL  # noqa: F401  (the platform's byline, for tests and tools)

COMMENT_LABEL_LINE = re.compile(rf"^(?P<label>{COMMENT_LABEL})$")
# How every line COMMENT_LABEL_LINE matches ends (each alternative of COMMENT_LABEL does; '$' also
# matches before a final newline): lines are matched only when they end so (label_matches).
COMMENT_LABEL_ENDS = ("kommentera", "kommentarer", "kommentar", "\n")


def label_matches(texts: Sequence[str]) -> list[re.Match[str] | None]:
    """COMMENT_LABEL_LINE.match of each text, the regex run only on texts that end as a label does."""
    out: list[re.Match[str] | None] = [None] * len(texts)
    for i in compress(count(), map(str.endswith, texts, repeat(COMMENT_LABEL_ENDS))):
        out[i] = COMMENT_LABEL_LINE.match(texts[i])
    return out

# Comment thread on a single-post page: " 1. tjalle" (top level) and "  • Name" (reply).
THREAD_NUMBERED = re.compile(r"^(?P<indent>[ \t]*)(?P<num>\d{1,4})\.\s+(?P<author>\S.{0,79})$")
THREAD_BULLET = re.compile(r"^(?P<indent>[ \t]*)[•·]\s+(?P<author>\S.{0,79})$")
POST_AUTHOR_MARK = re.compile(r"\s*\(inläggsförfattare\)\s*$")

# Chrome that closes a post's content and opens the comment form.
FORM_START = {"Lämna ett svar"}

# A title is one line of reasonable length.
MAX_TITLE_CHARS = 300
# A page of another site is an article only when its body holds a line of prose: three
# words of letters in a row.  Line noise, number tables and lone words are no article.
PROSE = re.compile(r"[^\W\d_]{2,}(?:[\s,;:'\"”’–-]+[^\W\d_]{2,}){2}")

# Reject reasons and what they mean (the vocabulary itself is models.RejectReason).
REJECT_REASONS: dict[str, str] = {reason.value: reason.description for reason in RejectReason}
