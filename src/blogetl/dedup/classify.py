"""Name the relation of a verified pair: duplicate, version, quote, excerpt or shared.

The thresholds and the measurements behind them are in ``blogetl.dedup.config``.

>>> from blogetl.dedup.config import DEFAULT
>>> str(classify(0.32, 0.61, 4, DEFAULT)), str(classify(0.235, 0.376, 6, DEFAULT))
('version', 'quote')
>>> str(classify(0.12, 0.30, 1, DEFAULT)), str(classify(1.0, 1.0, 1, DEFAULT))
('shared', 'duplicate')
>>> str(classify(0.235, 0.376, 6, DEFAULT, report=False))  # two op-eds sharing six passages
'shared'
"""

from __future__ import annotations

import re
from collections.abc import Collection
from enum import StrEnum

from blogetl.dedup.config import DedupConfig


class Relation(StrEnum):
    """How two verified posts relate (post_pairs.relation, article_members.relation)."""

    DUPLICATE = "duplicate"  # the same text: a re-scrape
    VERSION = "version"  # an edited version of the same text: other intro, reworded sentences
    QUOTE = "quote"  # a report, in reported speech, reproducing parts of the other
    EXCERPT = "excerpt"  # a listing's teaser of the other
    SHARED = "shared"  # passages in common, no relation: kept for audit, never grouped
GROUPING: tuple[str, ...] = ("duplicate", "version")  # relations that join posts into one article

# Reported speech as news and trade press print it: a quotation closed by an inverted reporting
# verb and its speaker ("– …, säger Anders Ågren.", "”…” menar hon.", "…, konstaterar debattörerna.").
# An author's own op-eds and blog posts speak in the first person and carry none; a report quotes.
REPORTED_SPEECH = re.compile(
    r"[,”\"»–]\s*(?:säger|sa|sade|menar|skriver|konstaterar|tillägger|fortsätter|uppger|avslutar|betonar"
    r"|understryker|påpekar|framhåller|berättar|förklarar|svarar)\s+(?:han|hon|hen|de|debattörerna|[A-ZÅÄÖ][\w-]*)"
)


def is_report(body: str) -> bool:
    """True when a body quotes someone in reported speech (a news item, a trade-press report).

    >>> is_report("– Bostadsbristen är ett hot, säger Anders Ågren i en kommentar.")
    True
    >>> is_report("I dagens VK skriver jag om bostadsbristen. Den är ett hot mot Umeås tillväxt.")
    False
    """
    return REPORTED_SPEECH.search(body) is not None


def classify(cov_a: float, cov_b: float, passages: int, cfg: DedupConfig, report: bool = True) -> Relation:
    """The relation implied by both coverages and the number of separate passages.

    ``report``: either post is a report (``is_report``); only a report can quote.  Two op-eds
    that share sentences, however many, are ``shared`` (unknown: True, the figures decide).
    """
    lo, hi = sorted((cov_a, cov_b))
    if lo >= cfg.duplicate_min_cov:
        return Relation.DUPLICATE
    if lo >= cfg.version_min_cov and (lo + hi) / 2 >= cfg.version_min_mean_cov:
        return Relation.VERSION
    if hi < cfg.quote_min_quoter_cov or (cfg.quote_needs_report and not report):
        return Relation.SHARED
    if lo >= cfg.quote_min_cov and passages >= cfg.quote_min_passages:
        return Relation.QUOTE
    if lo >= cfg.quote_single_passage_min_cov:
        return Relation.QUOTE
    return Relation.SHARED


def quoter(post_a: str, post_b: str, cov_a: float, cov_b: float,
           reports: tuple[bool, bool] = (False, False)) -> str:
    """The post that reproduces the other: the report when only one is, else the one with more of its words shared."""
    if reports[0] != reports[1]:
        return post_a if reports[0] else post_b
    if cov_a != cov_b:
        return post_a if cov_a > cov_b else post_b
    return min(post_a, post_b)


def excerpt_of(rel: Relation, post_a: str, post_b: str, cov_a: float, cov_b: float,
               excerpts: Collection[str], cfg: DedupConfig) -> str | None:
    """The teaser of the pair when one post is a listing's excerpt made of the other's words."""
    if rel == Relation.DUPLICATE:
        return None
    for teaser, full, cov in ((post_a, post_b, cov_a), (post_b, post_a, cov_b)):
        if teaser in excerpts and full not in excerpts and cov >= cfg.excerpt_min_cov:
            return teaser
    return None
