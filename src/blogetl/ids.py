"""Stable content-derived identifiers (xxh3, fixed across library versions)."""

from __future__ import annotations

import unicodedata

import xxhash


def normalise_key(text: str) -> str:
    """Fold text for identity: NFC, casefold, collapse whitespace; keeps å ä ö."""
    # runs of whitespace as one space, none at the ends: str.split() splits where re's \s+ matches
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def stable_id(*parts: str | int | None) -> str:
    """A 16-hex-digit xxh3_64 id of the parts; None and '' differ from each other."""
    joined = "\x1f".join(["\x00" if p is None else str(p) for p in parts])
    return xxhash.xxh3_64_hexdigest(joined.encode("utf-8"))


def post_id_for(site: str | None, title: str) -> str:
    """The post id: the same post gets the same id on every page it appears on."""
    return stable_id("post", site or "", normalise_key(title))
