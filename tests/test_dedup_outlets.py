"""Where a post ran: outlet phrases, site fallback, user-edited outlets."""

from __future__ import annotations

import duckdb
import pytest

from blogetl.dedup import create_input, run
from blogetl.dedup.outlets import DEFAULT_OUTLETS, Outlet, detect


def found(body: str, site: str | None = None) -> list[tuple[str, str]]:
    """(outlet_id, source) of every outlet detected."""
    return [(e.outlet_id, e.source) for e in detect(body, site, DEFAULT_OUTLETS)]


@pytest.mark.parametrize(("body", "expected"), [
    ("I dagens VK 16/11 skriver jag tillsammans med kommunalråden om uppdraget.", [("vk", "text")]),
    ("I dagens Folkbladet skriver jag tillsammans med Hans Lindberg.", [("folkbladet", "text")]),
    ("Folkbladet publicerar på webben min och Lena Sandlins debattartikel om varför.", [("folkbladet", "text")]),
    ("I dagens Västerbottens Kuriren och Västerbottens Folkblad svarar jag på insändaren.",
     [("vk", "text"), ("folkbladet", "text")]),
    ("I dagens Västerbottens kuriren replikerar jag på Vänsterpartiets insändare.", [("vk", "text")]),
    ("Läs min debattartikel i dagens Expressen om välfärden.", [("expressen", "text")]),
    ("Janet Ågren uppger för OFFENTLIGA AFFÄRER att uppdraget är brett.", [("offentliga-affarer", "self")]),
    ("I dagens Expressen 12/9 skriver kommunalråden för Göteborg om krisen.", []),
    ("Jag läste VK i morse och tänkte på annat.", []),
])
def test_phrases(body: str, expected: list[tuple[str, str]]) -> None:
    assert found(body) == expected


def test_evidence_has_the_phrase_and_its_offsets() -> None:
    body = "Inledning.\n\nI dagens VK 16/11 skriver jag om budgeten."
    (e,) = detect(body, None, DEFAULT_OUTLETS)
    assert e.phrase == "I dagens VK 16/11 skriver jag"
    assert body[e.start:e.end] == e.phrase


def test_text_beats_site_and_site_beats_self_reference() -> None:
    assert found("I dagens Folkbladet skriver jag om saken.", "vk.se") == [("folkbladet", "text")]
    assert found("Hon säger till VK att det är bra.", "offentligaaffarer.se") == [("offentliga-affarer", "site")]
    assert found("Hon säger till VK att det är bra.", "example.org") == [("vk", "self")]
    assert found("Ingenting här.", "www.folkbladet.nu") == [("folkbladet", "site")]
    assert found("Ingenting här.", None) == []


def test_custom_outlet_list() -> None:
    mine = [Outlet("nt", "Norran", ("Norran", "norran.se"))]
    assert [(e.outlet_id, e.source) for e in detect("I dagens Norran skriver jag.", None, mine)] == [("nt", "text")]
    assert detect("I dagens VK skriver jag.", None, mine) == []


def posts_con(rows: list[tuple[str, str, str, str | None]]) -> duckdb.DuckDBPyConnection:
    """A connection with a minimal posts table."""
    con = duckdb.connect()
    con.execute("CREATE TABLE posts (post_id VARCHAR PRIMARY KEY, title VARCHAR, body VARCHAR, site VARCHAR, page_kind VARCHAR)")
    create_input(con, "posts")
    con.executemany("INSERT INTO posts VALUES (?, ?, ?, ?, 'listing')", rows)
    return con


def test_users_edit_outlets_and_the_next_run_uses_them() -> None:
    con = posts_con([("p1", "T", "I dagens NSD skriver jag om budgeten i Luleå.", "blogg.example.se")])
    run(con)
    assert con.execute("SELECT outlet_id FROM article_members").fetchone() == (None,)
    con.execute("INSERT INTO outlets VALUES ('nsd', 'Norrländska Socialdemokraten', ['NSD', 'nsd.se'], 'newspaper')")
    summary = run(con)
    assert summary["changed"] is True and summary["new_or_changed"] == 0
    assert con.execute("SELECT outlet_id, outlet_source FROM article_members").fetchone() == ("nsd", "text")


def test_seeding_happens_once_so_deletions_stick() -> None:
    con = posts_con([("p1", "T", "Text.", "vk.se")])
    run(con)
    con.execute("DELETE FROM outlets WHERE outlet_id = 'expressen'")
    con.execute("UPDATE posts SET body = 'Annan text.'")
    run(con)
    assert con.execute("SELECT count(*) FROM outlets WHERE outlet_id = 'expressen'").fetchone() == (0,)
    assert con.execute("SELECT outlet_id FROM article_members").fetchone() == ("vk",)


def test_an_outlet_a_new_profile_names_reaches_an_old_warehouse() -> None:
    """A warehouse seeded before Norran was known gets it at its next run; deleted outlets stay deleted."""
    con = posts_con([("p1", "T", "I dagens Norran skriver jag om budgeten i Skellefteå.", "blogg.example.se")])
    run(con)
    con.execute("DELETE FROM outlets WHERE outlet_id IN ('norran', 'expressen')")
    con.execute("UPDATE dedup_state SET value = '1' WHERE key = 'outlets_seeded'")  # as older versions left it
    con.execute("UPDATE posts SET body = body || ' Mer text.'")
    run(con)
    ids = {r[0] for r in con.execute("SELECT outlet_id FROM outlets").fetchall()}
    assert "norran" in ids and "expressen" not in ids
    assert con.execute("SELECT outlet_id, outlet_source FROM article_members").fetchone() == ("norran", "text")
