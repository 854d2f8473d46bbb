"""Measure the parser on a labelled folder of real pages kept outside the repository.

Usage: python bench/realpages_eval.py /work/realpages [--split holdout|tune|all] [--family F]
       [--show-failures]

The folder holds labels.json (one object per page: file, family, split, site, page_type and the
labelled posts with title, published_date, ...) and the page files it names.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from blogetl.models import PageKind, ParseResult, Post
from blogetl.parse.parser import parse_bytes

# Label site -> parser sites that count as recognising it.
SITE_EQUIV: dict[str, set[str]] = {"blogg.vk.se": {"blogg.vk.se", "vk.se"}}
ARTICLE_TYPES = ("article", "single_with_comments")
MIN_MERGE_TITLE = 8  # shorter labelled titles are too generic to prove a merge


def align(labelled: list[dict], posts: list[Post]) -> list[Post | None]:
    """Pair labelled posts with parsed posts in order: exact titles; an untitled label takes the next post."""
    pairs: list[Post | None] = []
    j = 0
    for lab in labelled:
        title = (lab["title"] or "").strip()
        if not title:
            pairs.append(posts[j] if j < len(posts) else None)
            j += 1
            continue
        hit = next((k for k in range(j, len(posts)) if posts[k].title.strip() == title), None)
        pairs.append(None if hit is None else posts[hit])
        if hit is not None:
            j = hit + 1
    return pairs


def merged(labelled: list[dict], posts: list[Post]) -> bool:
    """True when one parsed post holds the headlines of two labelled posts."""
    titles = {t.strip() for lab in labelled if (t := lab["title"]) and len(t.strip()) >= MIN_MERGE_TITLE}
    return len(titles) >= 2 and any(
        sum(t in f"{p.title}\n{p.body}" for t in titles) >= 2 for p in posts
    )


def site_ok(label_site: str, got: str | None) -> bool:
    """Whether the parser's site names the labelled site."""
    return got in SITE_EQUIV.get(label_site, {label_site})


class Tally:
    """Counters for one family (or all)."""

    def __init__(self) -> None:
        self.c: dict[str, int] = defaultdict(int)

    def add(self, key: str, hit: bool) -> None:
        """Count one case of `key` and whether it was right."""
        self.c[key + "_n"] += 1
        self.c[key + "_ok"] += int(hit)

    def pct(self, key: str) -> str:
        """Right cases of `key` as a percentage (and the count)."""
        n = self.c[key + "_n"]
        return f"{100 * self.c[key + '_ok'] / n:5.1f}% ({n:3})" if n else "    -      "


def evaluate(root: Path, lab: dict, tallies: list[Tally], failures: list[str]) -> None:
    """Parse one labelled page and add its outcomes to every tally."""
    data = (root / lab["file"]).read_bytes()
    try:
        result = parse_bytes(data, filename=Path(lab["file"]).name)
    except Exception as exc:  # a crash is a failure of every measure, not of the run
        failures.append(f"{lab['file']}: parser raised {exc!r}")
        result = ParseResult(text="", page_kind=PageKind.UNKNOWN)
    labelled, posts = lab["posts"], result.posts
    pairs = align(labelled, posts)

    def fail(what: str, expected: object, got: object) -> None:
        failures.append(f"{lab['file']}: {what}: expected {expected!r}, got {got!r}")

    for t in tallies:
        t.c["pages"] += 1
        t.c["posts"] += len(labelled)
    for i, (want, got) in enumerate(zip(labelled, pairs, strict=True)):
        if want["title"]:
            for t in tallies:
                t.add("title", got is not None)
            if got is None:
                near = posts[i].title if i < len(posts) else None
                fail(f"title of post {i + 1}", want["title"], near)
        if want["published_date"]:
            date = got.published_at.date().isoformat() if got and got.published_at else None
            for t in tallies:
                t.add("date", date == want["published_date"])
            if date != want["published_date"]:
                fail(f"date of post {i + 1}", want["published_date"], date)
    if lab["page_type"] in ARTICLE_TYPES and not posts:
        for t in tallies:
            t.c["no_post"] += 1
        fail("article page", "a post", "no post")
    if merged(labelled, posts):
        for t in tallies:
            t.c["merges"] += 1
        fail("merge", "separate posts", "one post holding two labelled headlines")
    for t in tallies:
        t.add("count", len(posts) == len(labelled))
    if len(posts) != len(labelled):
        fail("posts on page", len(labelled), len(posts))
    if lab["site"]:
        for t in tallies:
            t.add("site", site_ok(lab["site"], result.site))
        if not site_ok(lab["site"], result.site):
            fail("site", lab["site"], result.site)


def main() -> int:
    """Print the per-family table (and failures when asked)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path, help="folder with labels.json and pages/")
    ap.add_argument("--split", choices=("holdout", "tune", "all"), default="holdout")
    ap.add_argument("--family", help="only this family")
    ap.add_argument("--show-failures", action="store_true", help="list every failure")
    args = ap.parse_args()
    labels = json.loads((args.root / "labels.json").read_text(encoding="utf-8"))
    labels = [
        lab for lab in labels
        if args.split in ("all", lab["split"]) and args.family in (None, lab["family"])
    ]
    if not labels:
        print("no labelled pages match", file=sys.stderr)
        return 1
    families: dict[str, Tally] = defaultdict(Tally)
    overall = Tally()
    failures: list[str] = []
    for lab in labels:
        evaluate(args.root, lab, [families[lab["family"]], overall], failures)
    head = f"{'family':16} {'pages':>5} {'posts':>5}  {'titles exact':12}  {'art. no post':>12}  {'merges':>6}  {'posts/page right':16}  {'site recognised':15}  {'date found':12}"
    print(f"split={args.split}" + (f" family={args.family}" if args.family else ""))
    print(head)
    print("-" * len(head))
    rows = [*sorted(families.items()), ("overall", overall)]
    for name, t in rows:
        print(f"{name:16} {t.c['pages']:5} {t.c['posts']:5}  {t.pct('title'):12}  {t.c['no_post']:12}  "
              f"{t.c['merges']:6}  {t.pct('count'):16}  {t.pct('site'):15}  {t.pct('date'):12}")
    print("(titles: labelled posts with a headline; date: labelled posts with a date; site: pages whose label names one)")
    if args.show_failures:
        print(f"\nfailures ({len(failures)}):")
        for line in failures:
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
