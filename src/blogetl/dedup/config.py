"""Every threshold of the dedup stage, with the measurement behind it.

Coverage figures are shares of a post's unmasked words that lie in aligned, identical runs
(``align.Alignment.cov_a``).  For a pair, ``lo`` is the smaller coverage and ``hi`` the
larger; the post with the larger coverage is the one made of the other's text.

Calibration (``bench/calibrate`` numbers in the report; word 5-gram seeds):

=========================  ==========  ==========  ===================================
pair                       lo          hi          passages
=========================  ==========  ==========  ===================================
samples: VK vs Folkbladet  0.32        0.61        4 (longest 145 words)
samples: 004 vs VK         0.235       0.376       6 (longest 43)
samples: 004 vs Folkbl.    0.14        0.17        2
gen. re-scrapes            1.00        1.00        1
gen. versions   p05..p50   0.43..0.63  0.52..0.74  2..5
gen. quote/src  p50..p95   0.27..0.35  0.34..0.45  2..5 (p05 = 2)
gen. reuse      p50..max   0.10..0.20  0.14..0.39  1 (always one passage)
=========================  ==========  ==========  ===================================

- ``duplicate``: ``lo >= 0.95``; a re-scrape shares all its words (1.00), while the closest
  edited versions stay below (an edit touches at least a sentence).
- ``version``: mean coverage ``(lo + hi) / 2 >= 0.425`` and ``lo >= 0.25``.  Versions are
  mostly the same text on both sides; quotes are a minority of the source and about a
  third of the report.  The mean is the best single cut on the generated corpus (2.3 % of
  version pairs missed, 0.4 % of quote pairs promoted; transitivity through a third copy
  recovers most missed pairs) and keeps the samples clear (0.46 vs 0.31).  ``lo >= 0.25``
  stops a short post that is mostly one quoted block from becoming a version.
- ``quote``: the source side (``lo``) has ``>= 0.15`` of its words in the other, across at
  least two separate passages; or ``lo >= 0.25`` in one passage.  Reused paragraphs share
  one passage and at most 0.20 of the older text, so they stay ``shared`` (verified, audited,
  never grouped).  004 vs the VK version qualifies (0.235, 6 passages).
- anything verified below that is ``shared``: kept in ``post_pairs``/``passage_matches``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from blogetl.dedup.align import AlignParams


@dataclass(frozen=True)
class DedupConfig:
    """Tunable knobs; changing any of them makes the next run recompute everything."""

    ngram: int = 5  # words per fingerprint: 5 is passim's default and specific in Swedish prose
    sample_mod: int = 3  # keep n-grams whose hash % 3 == 0 (a third; see fingerprint.py)
    # Boilerplate: a line (signature, sign-off, chrome) recurring in many posts is masked.
    # Short lines need 5 posts (signatures are 1-12 words); a long line needs 50, so a
    # paragraph shared by every copy of one op-ed (rarely more than 8 posts) is never masked.
    boiler_short_words: int = 12
    boiler_short_min_posts: int = 5
    boiler_any_min_posts: int = 50
    # An n-gram in more than 30 posts is a phrase ("för att förebygga och förhindra"), not
    # evidence of reuse: article families are far smaller.  It is dropped from candidates.
    max_df: int = 30
    min_shared_fps: int = 3  # below three shared n-grams no pair has ever verified above "shared"
    align: AlignParams = field(default_factory=AlignParams)
    duplicate_min_cov: float = 0.95
    version_min_mean_cov: float = 0.44
    version_min_cov: float = 0.25
    quote_min_cov: float = 0.13
    quote_min_quoter_cov: float = 0.22
    quote_min_passages: int = 2
    quote_single_passage_min_cov: float = 0.3
    batch_size: int = 4000  # posts fingerprinted per batch (memory bound)

    def digest(self) -> str:
        """A short hash of all settings; stored so a change triggers a full recompute."""
        blob = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


DEFAULT = DedupConfig()
