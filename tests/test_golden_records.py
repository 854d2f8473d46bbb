"""Whole-record golden files: what the parser makes of every fixture dump, record by record, field by field.

tests/fixtures/golden/<name>.json holds the parse of tests/fixtures/samples/<name>.txt or
tests/fixtures/pages/<family>/<name>.txt: the dump's page kind, site, profile, encoding and
mojibake flag, and every post, comment and reject with every field (offsets, ids, bodies).

These files are snapshots of the parser's output, not expectations written by hand (those are
tests/fixtures/expected/*.json for the samples, checked by test_parser_golden.py, and
tests/fixtures/pages/labels.json for the modelled pages, checked by test_site_pages.py). Any
change to what the parser makes of a fixture fails here, naming the fields that changed, until

    .venv/bin/python -m pytest tests/test_golden_records.py --update-golden

rewrites the files; review `git diff tests/fixtures/golden` before committing them. Without the
switch a missing golden file fails the test: nothing is ever written behind your back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fixtures.dumps import FIXTURES, GOLDEN, SAMPLES, fixture_dumps, golden_path, site_hint

from blogetl.models import ParseResult
from blogetl.parse.parser import parse_bytes

DUMPS = fixture_dumps()
MAX_DIFFERENCES = 25


def name(dump: Path) -> str:
    """A fixture dump's path under tests/fixtures (the test id)."""
    return dump.relative_to(FIXTURES).as_posix()


def snapshot(dump: Path) -> dict[str, Any]:
    """Everything the parse of one fixture dump says, as JSON-ready data (the decoded text and line ledger aside).

    A page whose label gives a site_hint (a raw/<site>/ folder) is parsed with it, and the golden file says so.
    """
    hint = site_hint(dump)
    result: ParseResult = parse_bytes(dump.read_bytes(), filename=dump.name, site_hint=hint)
    return {
        "dump": name(dump),
        **({"site_hint": hint} if hint else {}),
        "page_kind": result.page_kind.value,
        "site": result.site,
        "profile": result.profile,
        "encoding": result.encoding,
        "source_format": result.source_format,
        "mojibake_repaired": result.mojibake_repaired,
        "counts": {"posts": len(result.posts), "comments": len(result.comments), "rejects": len(result.rejects)},
        "posts": [post.model_dump(mode="json") for post in result.posts],
        "comments": [comment.model_dump(mode="json") for comment in result.comments],
        "rejects": [reject.model_dump(mode="json") for reject in result.rejects],
    }


def serialise(data: dict[str, Any]) -> str:
    """A golden file's text: indented, UTF-8 as is, one trailing newline."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def differences(want: Any, got: Any, path: str = "") -> list[str]:
    """Where two JSON values differ, as 'path: golden … / parser …' lines."""
    if isinstance(want, dict) and isinstance(got, dict):
        found = []
        for key in [*want, *(k for k in got if k not in want)]:
            where = f"{path}.{key}" if path else key
            if key not in got:
                found.append(f"{where}: in the golden file, not in the parse")
            elif key not in want:
                found.append(f"{where}: new in the parse ({got[key]!r:.120})")
            else:
                found += differences(want[key], got[key], where)
        return found
    if isinstance(want, list) and isinstance(got, list):
        found = [d for i, (w, g) in enumerate(zip(want, got, strict=False)) for d in differences(w, g, f"{path}[{i}]")]
        if len(want) != len(got):
            found.append(f"{path}: {len(want)} items in the golden file, {len(got)} in the parse")
        return found
    if want == got and type(want) is type(got):
        return []
    return [f"{path}: golden {want!r:.200} / parser {got!r:.200}"]


def test_there_are_fixture_dumps_and_their_names_are_unique() -> None:
    """Golden files are named by the dump's file name alone, so no two fixture dumps may share one."""
    assert len([d for d in DUMPS if d.parent == SAMPLES]) == 5
    stems = [d.stem for d in DUMPS]
    assert len(stems) == len(set(stems)), sorted(s for s in stems if stems.count(s) > 1)


def test_every_golden_file_belongs_to_a_fixture_dump() -> None:
    """A golden file whose dump was renamed or removed is stale: delete it (or rename it with the dump)."""
    wanted = {golden_path(d).name for d in DUMPS}
    assert sorted(p.name for p in GOLDEN.glob("*.json") if p.name not in wanted) == []


@pytest.mark.parametrize("dump", DUMPS, ids=name)
def test_parse_matches_its_golden_file(dump: Path, update_golden: bool) -> None:
    """The parse equals the golden file, every record and field; --update-golden rewrites the file instead."""
    golden, got = golden_path(dump), snapshot(dump)
    if update_golden:
        text = serialise(got)
        if not golden.exists() or golden.read_text(encoding="utf-8") != text:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(text, encoding="utf-8")
        return
    assert golden.exists(), f"no golden file {golden.relative_to(FIXTURES.parents[1])}: run pytest --update-golden, then review it"
    want = json.loads(golden.read_text(encoding="utf-8"))
    found = differences(want, got)
    shown = "\n".join(found[:MAX_DIFFERENCES]) + (f"\n… and {len(found) - MAX_DIFFERENCES} more" if len(found) > MAX_DIFFERENCES else "")
    assert not found, (
        f"{name(dump)} parses differently from {golden.name}:\n{shown}\n"
        "If the change is intended: pytest --update-golden, then review git diff tests/fixtures/golden"
    )
