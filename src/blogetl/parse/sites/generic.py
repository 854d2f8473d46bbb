"""Any other page: one headline and its text, read with the rules every family shares."""

from __future__ import annotations

from blogetl.parse.sites.base import Profile
from blogetl.parse.sites.common import NOT_HEADLINE

PROFILE = Profile(
    name="generic",
    description="Any other page: the headline is the last short line above the first paragraph of prose",
    not_headline=NOT_HEADLINE,
)
