"""Folkbladet's blog platform (blogg.folkbladet.nu): the same software as VK's, its own footer."""

from __future__ import annotations

from dataclasses import replace

from blogetl.parse.sites import vk_blog
from blogetl.parse.sites.base import Site, rx

PROFILE = replace(
    vk_blog.PROFILE,
    name="folkbladet_blog",
    description="Folkbladet's blog platform: VK's layout with Folkbladet's footer",
    signs=(rx(r"^RSS Nytt från folkbladet\.nu$", 8), rx(r"\bblogg\.folkbladet\.nu\b")),
    chrome_lines={**vk_blog.CHROME_LINES, "RSS Nytt från folkbladet.nu": "rss footer"},
    end_chrome=frozenset({"Arkiv", "RSS Nytt från folkbladet.nu"}),
    default_site="blogg.folkbladet.nu",
    whole_posts=True,  # its saved pages show no bylines: headline, blank line, text, next headline
)

SITES = (
    Site("blogg.folkbladet.nu", "folkbladet", PROFILE.signs, "folkbladet_blog"),
)
