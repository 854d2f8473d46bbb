"""Two posts under one title on one listing page (issue 14, item 2): an edited version beside the
original is a post of its own; only a true copy (the same words, or cut short) is one post shown twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.dumps import sample
from reliability.support import LISTING, MODES, ingest, rows

from blogetl.parse.parser import parse_text

TITLE = "Gymnasieelevernas utbildning på spel"
OLD = "Eleverna ska vara hemma var tredje vecka enligt ett rullande schema."
NEW = "Eleverna ska vara hemma varannan vecka."


def first_post_twice(edit: bool) -> str:
    """The listing with its first post (title, byline, body, footer) shown again right after it."""
    text = sample(LISTING)
    first = text[: text.index("Sätt stopp för organiserad brottslighet")]
    assert first.startswith(TITLE) and first.count(OLD) == 1
    return first + (first.replace(OLD, NEW) if edit else first) + text[len(first):]


def test_an_edited_version_beside_the_original_is_a_post_of_its_own() -> None:
    result = parse_text(first_post_twice(edit=True))
    same = [p for p in result.posts if p.title == TITLE]
    assert len(result.posts) == 10 and len(same) == 2
    assert OLD in same[0].body and NEW in same[1].body
    assert same[0].post_id != same[1].post_id and same[0].title_key == same[1].title_key
    assert same[0].post_id == same[0].title_key  # the first text keeps the plain key


def test_a_true_copy_is_one_post_shown_twice() -> None:
    result = parse_text(first_post_twice(edit=False))
    same = [p for p in result.posts if p.title == TITLE]
    assert len(same) == 2 and same[0].post_id == same[1].post_id == same[0].title_key


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_both_texts_reach_the_warehouse(mode: list[str], raw: Path, tmp_path: Path) -> None:
    (raw / "edited.txt").write_text(first_post_twice(edit=True), encoding="utf-8")
    (raw / "copy.txt").write_text(first_post_twice(edit=False), encoding="utf-8")
    db = tmp_path / "blog.duckdb"
    assert ingest(mode, raw, db).exit_code == 0
    bodies = [body for (body,) in rows(db, "SELECT body FROM posts WHERE title = ? ORDER BY length(body) DESC", [TITLE])]
    assert len(bodies) == 2 and OLD in bodies[0] and NEW in bodies[1]
    assert rows(db, "SELECT path, count(*), sum(copies) FROM post_sightings JOIN dumps USING (dump_id) JOIN posts p USING (post_id) "
                    "WHERE p.title = ? GROUP BY path ORDER BY path", [TITLE]) == [("copy.txt", 1, 2), ("edited.txt", 2, 2)]
    assert rows(db, "SELECT count(*) FROM posts") == [(10,)]
