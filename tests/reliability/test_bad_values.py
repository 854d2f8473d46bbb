"""Values on a page that no warehouse column can hold (issue 14, item 1): a reject with a reason,
never a failed run or a dump lost between `dumps` and `rejects`."""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability.support import LISTING, MODES, copy_samples, edited, ingest, rows

from blogetl.parse.parser import parse_text

BYLINE = "Av , , 2 kommentarer 11"  # the first post's byline in sample 000
HUGE = "Av , , 99999999999 kommentarer 4"  # 99,999,999,999 > 2^31 - 1


def test_a_counter_beyond_an_integer_is_null_and_a_reject_naming_it() -> None:
    text = edited(LISTING, BYLINE, HUGE.replace(" 4", " 12345678901234567890123"))
    result = parse_text(text)
    first = result.posts[0]
    assert (first.title, first.comment_count_declared, first.reactions) == ("Gymnasieelevernas utbildning på spel", None, None)
    (reject,) = result.rejects
    assert reject.reason == "value_out_of_range"
    assert result.text[reject.start_offset:reject.end_offset] == reject.text == "Av , , 99999999999 kommentarer 12345678901234567890123"
    assert reject.detail.endswith(": 99999999999, 12345678901234567890123")
    assert len(result.posts) == 9 and result.posts[1].comment_count_declared == 6  # the others as before


@pytest.mark.parametrize("mode", MODES, indirect=True)
def test_an_out_of_range_counter_loads_the_dump_with_a_reject(mode: list[str], raw: Path, tmp_path: Path) -> None:
    (raw / "huge.txt").write_text(edited(LISTING, BYLINE, HUGE), encoding="utf-8")
    copy_samples(raw, "001")
    db = tmp_path / "blog.duckdb"
    out = ingest(mode, raw, db)
    assert out.exit_code == 0, out.output  # partly rejected is loaded: nothing needs a look
    assert rows(db, "SELECT status, posts_found, rejects_found FROM dumps WHERE path = 'huge.txt'") == [("partially_rejected", 9, 1)]
    assert rows(db, "SELECT reason, text FROM rejects JOIN dumps USING (dump_id) WHERE path = 'huge.txt'") == [
        ("value_out_of_range", HUGE)]
    assert rows(db, "SELECT comment_count_declared, reactions FROM posts WHERE title = 'Gymnasieelevernas utbildning på spel'") == [
        (None, 4)]
    assert rows(db, "SELECT count(*) FROM posts") == [(19,)]
