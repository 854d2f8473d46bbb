"""Post identity (issue 9, item 1): different texts never share a post; edits, cuts and re-scrapes never split one.

Real input: the sample dumps and dumps built from their text (a blog whose name became every
article's title, two posts under one title on a listing page, an edited re-scrape, a dump cut
short, an old warehouse keyed by title alone).  The property tests draw bodies from the
samples' paragraphs and check ``blogetl.parse.identity`` in both directions.
"""

from __future__ import annotations

import random
import re
import tempfile
from pathlib import Path

import duckdb
import pytest
from fixtures.dumps import SAMPLES, blocks, cut_after, listing_post, replace_once, sample
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from blogetl import pipeline
from blogetl.ids import post_id_for, stable_id
from blogetl.models import Comment, PageKind, ParseResult, Post
from blogetl.parse import identity
from blogetl.parse.identity import Sighting, comment_ids, disambiguate, resolve, same_text, sketch
from blogetl.parse.parser import parse_bytes, parse_text
from blogetl.sources.files import DumpFile
from blogetl.warehouse import Warehouse, ensure_schema, to_arrow
from blogetl.warehouse import arrow as arrow_module
from blogetl.warehouse import resolve as resolve_module
from blogetl.warehouse.guard import forget

BLOG = "Andreas Lundgren – socialdemokrat i Umeå"
ARTICLES = [("001", 2), ("001", 6), ("000", 5), ("002", 3), ("002", 9)]  # five different sample articles
_FOOTER = re.compile(r"^(\d+ kommentar(er)?|Bli först att kommentera)$")
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def paragraphs(prefix: str, position: int) -> list[str]:
    """The body paragraphs of a listing sample's post (title, byline and comment footer left out), spaces as the parser
    leaves them (non-breaking and repeated spaces become one space)."""
    tidy = ["\n".join(" ".join(line.split()) for line in b.split("\n")) for b in blocks(listing_post(prefix, position))[2:]]
    return [b for b in tidy if not _FOOTER.match(b)]


def blog_page(paras: list[str]) -> str:
    """A saved page of the author's own blog: the blog's name on the first line, then the article."""
    return f"{BLOG}\n\n" + "\n\n".join(paras) + "\n"


def listing(*posts: tuple[str, str, list[str]]) -> str:
    """A VK listing page of (title, comment label, paragraphs) posts, closed by its end chrome."""
    out = [f"{title}\n\nAv , , {label} {n + 2}\n\n" + "\n\n".join(paras) + "\n\n" for n, (title, label, paras) in enumerate(posts)]
    return "".join(out) + "Arkiv\nRSS Nytt från vk.se\n"


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    """Rows of one query against a published warehouse."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def write(raw: Path, dumps: dict[str, str]) -> Path:
    """Dump files under raw (created), one per name."""
    raw.mkdir(exist_ok=True)
    for name, text in dumps.items():
        (raw / name).write_text(text, encoding="utf-8")
    return raw


def first_post(text: str) -> Post:
    """The parser's first post of a dump."""
    return parse_text(text).posts[0]


def key_of(text: str) -> str:
    """The identity key the parser gives a dump's first post: its site and normalised title."""
    post = first_post(text)
    assert post.title_key == post_id_for(post.site, post.title)
    return post.title_key


def derived_id(key: str, body: str) -> str:
    """The id of a second text under a key: the key and its first sighting's body hash."""
    return stable_id(key, sketch(body).text_hash)


BLOG_DUMPS = {f"blog_{i}.txt": blog_page(paragraphs(*a)) for i, a in enumerate(ARTICLES, start=1)}
TWO_TITLES = listing(("Titel", "2 kommentarer", paragraphs("001", 2)), ("Titel", "1 kommentar", paragraphs("002", 3)))


# --- the sketches on real text ------------------------------------------------------------------


def sample_sightings() -> list[tuple[str, int, Sighting]]:
    """Every post of the samples as (dump prefix, position, sighting), all under one key."""
    out = []
    for path in sorted(SAMPLES.glob("*.txt")):
        for post in parse_bytes(path.read_bytes(), filename=path.name).posts:
            s = identity.page_sighting(post, path.name, path.name)
            out.append((path.name[:3], post.position, Sighting("k", path.name, s.rank, s.body, s.partial)))
    return out


def test_the_samples_hold_thirty_texts_and_only_the_single_page_repeats_one() -> None:
    seen = sample_sightings()
    same = [(a[:2], b[:2]) for i, a in enumerate(seen) for b in seen[i + 1 :] if same_text(a[2], b[2])]
    assert len(seen) == 31 and same == [(("000", 2), ("003", 1))]


def test_the_sketch_of_a_sample_post() -> None:
    post = first_post(sample("003"))
    s = sketch(post.body)
    assert (s.shingles, len(s.mins), s.mins == tuple(sorted(s.mins))) == (788, identity.SKETCH_SIZE, True)
    assert s.head == "i dagens vk 16 11 skriver jag tillsammans med kommunalråden hans lundberg s och janet ågren s om det uppdrag socialdemok"
    assert sketch(post.body.replace("\n\n", "\n").upper()) == s  # case and line breaks are not text
    cut = sketch(post.body[:200], partial=True)  # the last word, maybe cut, is left out
    assert (cut.head, cut.shingles) == (" ".join(identity.words(post.body[:200])[:-1])[: identity.HEAD_CHARS], 28)


def test_only_sightings_that_are_compared_are_sketched(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parse stage sketches no post whose title is alone on its page; equal bodies are one text without a sketch."""
    made: list[str] = []
    real = identity.sketch

    def counted(body: str, *, partial: bool = False) -> identity.Sketch:
        made.append(body)
        return real(body, partial=partial)

    monkeypatch.setattr(identity, "sketch", counted)
    for path in sorted(SAMPLES.glob("*.txt")):
        data = path.read_bytes()
        tables = to_arrow(DumpFile(path.name, data, "0" * 64, len(data), None), parse_bytes(data, filename=path.name))
        assert tables.post_sightings.num_rows > 0
    assert made == []
    posts = parse_text(TWO_TITLES).posts  # two texts under one title: compared, so both sketched
    assert len({p.post_id for p in posts}) == 2 and sorted(made) == sorted(p.body for p in posts)
    made.clear()
    listed, cut = _sighting(posts[0].body, 1), _sighting(posts[0].body, 2, partial=True)
    assert same_text(listed, cut) and same_text(cut, listed) and made == []
    assert not same_text(listed, _sighting(posts[1].body, 3)) and sorted(made) == sorted(p.body for p in posts)


# --- one page -----------------------------------------------------------------------------------


def test_two_posts_with_one_title_on_a_listing_page_are_two_posts() -> None:
    result = parse_text(TWO_TITLES)
    key = key_of(TWO_TITLES)
    a, b = "\n\n".join(paragraphs("001", 2)), "\n\n".join(paragraphs("002", 3))
    assert [(p.post_id, p.title_key, p.title, p.body, p.position, p.comment_count_declared) for p in result.posts] == [
        (key, key, "Titel", a, 1, 2),
        (derived_id(key, b), key, "Titel", b, 2, 1),
    ]


def test_a_page_showing_one_post_twice_keeps_one_sighting_and_counts_the_copy() -> None:
    paras = paragraphs("001", 2)
    text = listing(("Titel", "2 kommentarer", paras), ("Titel", "2 kommentarer", paras))
    result = parse_text(text)
    assert len({p.post_id for p in result.posts}) == 1 and len(result.posts) == 2
    tables = to_arrow(DumpFile(path="twice.txt", data=text.encode(), sha256="x", size=len(text), site_hint=None), result)
    assert tables.post_sightings.select(["post_id", "position", "copies"]).to_pylist() == [
        {"post_id": key_of(text), "position": 1, "copies": 2}]
    assert tables.dumps.column("posts_found").to_pylist() == [2]


def _post(position: int, body: str, start: int, end: int) -> Post:
    """A hand-made listing post under the shared key 'k'."""
    return Post(post_id="k", title_key="k", title="Titel", body=body, page_kind=PageKind.LISTING, position=position,
                start_offset=start, end_offset=end)


def _comment(n: int, start: int, parent: str | None = None, comment_id: str | None = None) -> Comment:
    """A comment of post 'k' at an offset."""
    return Comment(comment_id=comment_id or f"c{n}", post_id="k", parent_id=parent, depth=int(parent is not None),
                   position=n, author="Anna", body="Bra skrivet!", start_offset=start, end_offset=start + 5)


def test_comments_follow_their_post_to_its_new_id() -> None:
    a, b = "\n\n".join(paragraphs("001", 2)), "\n\n".join(paragraphs("002", 3))
    first = [_comment(1, 10), _comment(2, 20, parent="c1")]
    second = [_comment(1, 110), _comment(2, 120, parent="c1")]  # same ids: the parser keyed both by 'k'
    posts, comments = disambiguate([_post(1, a, 0, 100), _post(2, b, 100, 200)], first + second)
    new = derived_id("k", b)
    ids = comment_ids(new, [("c1", None, "Anna", "Bra skrivet!"), ("c2", "c1", "Anna", "Bra skrivet!")])
    assert [p.post_id for p in posts] == ["k", new]
    assert [(c.comment_id, c.post_id, c.parent_id) for c in comments] == [
        ("c1", "k", None), ("c2", "k", "c1"), (ids["c1"], new, None), (ids["c2"], new, ids["c1"])]


def test_a_second_text_brings_its_thread_under_its_own_ids(tmp_path: Path) -> None:
    """Two blog pages titled alike, each with a thread holding the same comment: four comments, not two."""
    def page(path: str, body: str) -> tuple[DumpFile, ParseResult]:
        post = Post(post_id="k", title_key="k", title=BLOG, body=body, page_kind=PageKind.SINGLE, position=1,
                    start_offset=0, end_offset=1000)
        thread = [_comment(1, 10), _comment(2, 20, parent="c1")]
        return DumpFile(path=path, data=path.encode(), sha256=path, size=1, site_hint=None), ParseResult(
            text=body, page_kind=PageKind.SINGLE, posts=[post], comments=thread)

    a, b = "\n\n".join(paragraphs("001", 2)), "\n\n".join(paragraphs("002", 3))
    db = tmp_path / "blog.duckdb"
    with Warehouse.open(db) as wh:
        wh.load([page("a.txt", a)])
    with Warehouse.open(db) as wh:
        wh.load([page("b.txt", b)])
    new = derived_id("k", b)
    ids = comment_ids(new, [("c1", None, "Anna", "Bra skrivet!"), ("c2", "c1", "Anna", "Bra skrivet!")])
    assert rows(db, "SELECT comment_id, post_id, parent_id, position FROM comments ORDER BY post_id = 'k' DESC, position") == [
        ("c1", "k", None, 1), ("c2", "k", "c1", 2), (ids["c1"], new, None, 1), (ids["c2"], new, ids["c1"], 2)]
    assert rows(db, "SELECT post_id, body = ? FROM posts ORDER BY post_id = 'k' DESC", a) == [("k", True), (new, False)]


def test_comment_ids_are_derived_as_the_parser_derives_them() -> None:
    result = parse_text(sample("003"))
    post_id = result.posts[0].post_id
    thread = [(c.comment_id, c.parent_id, c.author, c.body) for c in result.comments]
    assert comment_ids(post_id, thread) == {c.comment_id: c.comment_id for c in result.comments}


# --- across dumps: the warehouse ------------------------------------------------------------------


def test_five_articles_under_a_blog_name_stay_five_posts(tmp_path: Path) -> None:
    parsed = {name: first_post(text) for name, text in BLOG_DUMPS.items()}
    assert {p.title for p in parsed.values()} == {BLOG}, "the parser titles every page with the blog's name"
    db = tmp_path / "blog.duckdb"
    pipeline.run(write(tmp_path / "raw", BLOG_DUMPS), db)
    key = key_of(BLOG_DUMPS["blog_1.txt"])
    bodies = [parsed[name].body for name in sorted(parsed)]
    want = [(key, key, BLOG, bodies[0])] + [(derived_id(key, b), key, BLOG, b) for b in bodies[1:]]
    assert rows(db, "SELECT post_id, title_key, title, body FROM posts ORDER BY body = ? DESC, post_id", bodies[0]) == sorted(
        want, key=lambda r: (r[3] != bodies[0], r[0]))
    assert all(b.startswith(paragraphs(*a)[0][:40]) for b, a in zip(bodies, ARTICLES, strict=True))
    assert rows(db, "SELECT count(*) FROM post_redirects") == [(0,)]


def test_two_posts_with_one_title_on_a_listing_page_both_reach_the_warehouse(tmp_path: Path) -> None:
    db = tmp_path / "blog.duckdb"
    pipeline.run(write(tmp_path / "raw", {"vk_listing.txt": TWO_TITLES}), db)
    key = key_of(TWO_TITLES)
    a, b = "\n\n".join(paragraphs("001", 2)), "\n\n".join(paragraphs("002", 3))
    assert rows(db, "SELECT post_id, title_key, title, body, comment_count_declared, reactions FROM posts ORDER BY reactions") == [
        (key, key, "Titel", a, 2, 2), (derived_id(key, b), key, "Titel", b, 1, 3)]


def test_an_edited_rescrape_under_another_name_keeps_the_posts(tmp_path: Path) -> None:
    raw = write(tmp_path / "raw", {"000.txt": sample("000"), "003.txt": sample("003")})
    db = tmp_path / "blog.duckdb"
    pipeline.run(raw, db)
    before = rows(db, "SELECT post_id, title FROM posts ORDER BY post_id")
    edited = replace_once(sample("003"), "organisera dbrottslighet", "organiserad brottslighet")  # a typo fixed
    edited = replace_once(edited, "Punkt slut.\n", "Punkt slut.\n\nUppdatering: artikeln finns nu även i Folkbladet.\n")
    write(raw, {"zz_edited_copy.txt": edited})
    summary = pipeline.run(raw, db).summary
    assert (summary.posts_added, summary.posts_updated, summary.post_sightings_added) == (0, 1, 1)
    assert rows(db, "SELECT post_id, title FROM posts ORDER BY post_id") == before
    (post_id,) = {pid for pid, title in before if title.startswith("Sätt stopp")}
    assert rows(db, """SELECT path, post_id, body LIKE '%Uppdatering:%' FROM v_post_sightings
                       WHERE title LIKE 'Sätt stopp%' ORDER BY path""") == [
        ("000.txt", post_id, False), ("003.txt", post_id, False), ("zz_edited_copy.txt", post_id, True)]
    assert rows(db, "SELECT body LIKE '%Uppdatering:%' FROM posts WHERE post_id = ?", post_id) == [(True,)]


def test_a_dump_cut_short_joins_the_post_it_cuts(tmp_path: Path) -> None:
    raw = write(tmp_path / "raw", {"003.txt": sample("003")})
    db = tmp_path / "blog.duckdb"
    pipeline.run(raw, db)
    (post_id, body), = rows(db, "SELECT post_id, body FROM posts")
    cut = cut_after(sample("000"), "kassako för egen vin")  # the listing, cut inside its second post
    assert [p.truncated for p in parse_text(cut).posts] == [False, True]
    write(raw, {"000_cut.txt": cut})
    summary = pipeline.run(raw, db).summary
    assert (summary.posts_added, summary.posts_updated) == (1, 1)  # the listing's first post; the listing's counters
    assert rows(db, "SELECT post_id, body, truncated, reactions FROM posts WHERE title LIKE 'Sätt stopp%'") == [
        (post_id, body, False, 10)]
    assert rows(db, """SELECT d.path, s.post_id, s.truncated FROM post_sightings s JOIN dumps d USING (dump_id)
                       WHERE s.title LIKE 'Sätt stopp%' ORDER BY d.path""") == [("000_cut.txt", post_id, True), ("003.txt", post_id, False)]


def test_a_reused_headline_over_another_text_is_another_post(tmp_path: Path) -> None:
    raw = write(tmp_path / "raw", {"002.txt": sample("002")})
    db = tmp_path / "blog.duckdb"
    pipeline.run(raw, db)
    title = "Vi närmar oss…"
    (old_id, old_body), = rows(db, "SELECT post_id, body FROM posts WHERE title = ?", title)
    later = listing((title, "Bli först att kommentera", paragraphs("001", 6)))
    write(raw, {"later.txt": later})
    pipeline.run(raw, db)
    new_body = first_post(later).body
    assert rows(db, "SELECT post_id, title_key, body FROM posts WHERE title = ? ORDER BY post_id = ? DESC", title, old_id) == [
        (old_id, old_id, old_body), (derived_id(old_id, new_body), old_id, new_body)]


def test_an_edit_seen_in_the_same_dump_keeps_its_id_when_another_text_holds_the_key(tmp_path: Path) -> None:
    raw = write(tmp_path / "raw", {"a.txt": listing(("Titel", "1 kommentar", paragraphs("001", 2))),
                                   "b.txt": listing(("Titel", "1 kommentar", paragraphs("002", 3)))})
    db = tmp_path / "blog.duckdb"
    pipeline.run(raw, db)
    ids = dict(rows(db, "SELECT d.path, s.post_id FROM post_sightings s JOIN dumps d USING (dump_id)"))
    first, *rest = paragraphs("002", 3)
    edited = [replace_once(first, "vårt budgetförslag", "vårt förslag till budget"), *rest]
    write(raw, {"b.txt": listing(("Titel", "1 kommentar", edited))})
    summary = pipeline.run(raw, db).summary
    assert (summary.dumps_changed, summary.posts_added, summary.posts_removed) == (1, 0, 0)
    assert dict(rows(db, "SELECT d.path, s.post_id FROM post_sightings s JOIN dumps d USING (dump_id)")) == ids
    assert ids["a.txt"] == key_of(TWO_TITLES) != ids["b.txt"]


def test_posts_take_text_flags_from_the_best_sighting_and_the_date_from_one_showing_it(tmp_path: Path) -> None:
    from datetime import datetime

    body = "\n\n".join(paragraphs("001", 2))
    teaser = " ".join(body.split()[:30]) + " …"
    dated = {"published_at": datetime(2023, 11, 20, 14, 5), "published_text": "20 november 2023 14:05",
             "published_start_offset": 3, "published_end_offset": 25}

    def page(path: str, text: str, **fields: object) -> tuple[DumpFile, ParseResult]:
        post = Post(post_id="k", title_key="k", title="Titel", body=text, page_kind=PageKind.LISTING, site="vk.se",
                    position=1, start_offset=0, end_offset=len(text), **fields)
        return DumpFile(path=path, data=path.encode(), sha256=path, size=1, site_hint=None), ParseResult(
            text=text, page_kind=PageKind.LISTING, site="vk.se", posts=[post])

    db = tmp_path / "blog.duckdb"
    with Warehouse.open(db) as wh:
        wh.load([page("b_teasers.txt", teaser, is_excerpt=True, **dated)])
    cols = "post_id, is_excerpt, title_derived, body = ?, published_at, published_text, published_start_offset, published_dump_id"
    (only,) = rows(db, f"SELECT {cols} FROM posts", teaser)
    teaser_dump = rows(db, "SELECT dump_id FROM dumps")[0][0]
    assert only == ("k", True, False, True, dated["published_at"], "20 november 2023 14:05", 3, teaser_dump)
    with Warehouse.open(db) as wh:  # its own page: the whole text, no date shown
        wh.load([page("a_single.txt", body, title_derived=True)])
    assert rows(db, f"SELECT {cols} FROM posts", body) == [
        ("k", False, True, True, dated["published_at"], "20 november 2023 14:05", 3, teaser_dump)]
    assert rows(db, "SELECT published_at FROM v_posts") == [(dated["published_at"],)]


# --- the upgrade: a warehouse whose ids were the title key alone ------------------------------


_MODEL_FIELDS = ["title_key", "title_derived", "is_excerpt", "published_at", "published_text", "published_start_offset",
                 "published_end_offset"]
NEW_COLUMNS = {
    "dumps": ["profile", "mojibake_repaired"],
    "posts": [*_MODEL_FIELDS, "published_dump_id"],
    "post_sightings": [*_MODEL_FIELDS, "copies"],
}


def _load_with_the_old_rule(raw: Path, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Build db as blogetl did before identity: every post of a title key one post, a page's second copy dropped."""
    with monkeypatch.context() as m:
        m.setattr(identity, "disambiguate", lambda posts, comments: (list(posts), list(comments)))
        m.setattr(arrow_module, "disambiguate", lambda posts, comments: (list(posts), list(comments)))
        m.setattr(resolve_module, "resolve", lambda new, kept=(), prev=(): [s.post_id for s in new])
        pipeline.run(raw, db)
    with duckdb.connect(str(db)) as con:  # the older schema had none of these, nor the redirects
        con.execute("DROP VIEW v_posts")
        for table, columns in NEW_COLUMNS.items():
            for column in columns:
                con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        con.execute("DROP TABLE post_redirects")
        con.execute("UPDATE dumps SET parser_version = '1.0.0'")
    forget(db)  # as that blogetl left it: no record of the publish, no base copy


@pytest.mark.parametrize("chunk_dumps", [200, 2])
def test_an_old_warehouse_is_repaired_on_upgrade(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_dumps: int) -> None:
    raw = write(tmp_path / "raw", {**BLOG_DUMPS, "vk_listing.txt": TWO_TITLES})
    db = tmp_path / "blog.duckdb"
    _load_with_the_old_rule(raw, db, monkeypatch)
    blog, titel = key_of(BLOG_DUMPS["blog_1.txt"]), key_of(TWO_TITLES)
    assert rows(db, "SELECT post_id, count(*) FROM post_sightings GROUP BY ALL ORDER BY ALL") == sorted([(blog, 5), (titel, 1)])
    assert rows(db, "SELECT count(*) FROM posts") == [(2,)]  # four articles and a listing post lost

    summary = pipeline.run(raw, db, chunk_dumps=chunk_dumps).summary  # in chunks, old sightings wait in the warehouse for theirs
    assert (summary.dumps_changed, summary.posts_added, summary.posts_updated) == (6, 5, 2)  # new columns filled
    bodies = {name: first_post(text).body for name, text in BLOG_DUMPS.items()}
    second = "\n\n".join(paragraphs("002", 3))
    want_posts = sorted([(blog, blog, bodies["blog_1.txt"])]
                        + [(derived_id(blog, bodies[f"blog_{i}.txt"]), blog, bodies[f"blog_{i}.txt"]) for i in range(2, 6)]
                        + [(titel, titel, "\n\n".join(paragraphs("001", 2))), (derived_id(titel, second), titel, second)])
    assert rows(db, "SELECT post_id, title_key, body FROM posts ORDER BY ALL") == want_posts
    assert rows(db, "SELECT old_post_id, new_post_id, run_id, reason FROM post_redirects ORDER BY ALL") == sorted(
        (blog, derived_id(blog, bodies[f"blog_{i}.txt"]), 2, "split") for i in range(2, 6))
    assert rows(db, "SELECT count(*) FROM post_sightings WHERE title_key IS NULL") == [(0,)]
    assert rows(db, "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'post_sightings' "
                    "AND column_name LIKE 'body_%'") == [(0,)]  # the identity sketch is never stored
    again = pipeline.run(raw, db).summary
    assert (again.dumps_unchanged, again.posts_added, again.posts_updated, again.posts_removed) == (6, 0, 0, 0)


def test_the_column_migration_gives_an_old_warehouse_the_new_columns_with_comments(tmp_path: Path,
                                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    raw = write(tmp_path / "raw", {"003.txt": sample("003")})
    db = tmp_path / "blog.duckdb"
    _load_with_the_old_rule(raw, db, monkeypatch)
    pipeline.run(raw, db)
    wanted = [(t, c) for t, cs in NEW_COLUMNS.items() for c in cs] + [("post_redirects", c) for c in
                                                                    ("old_post_id", "new_post_id", "run_id", "reason")]
    got = rows(db, "SELECT table_name, column_name FROM duckdb_columns() WHERE comment IS NOT NULL")
    assert set(wanted) <= set(got) and ("v_posts", "published_at") in got
    assert rows(db, """SELECT d.profile IS NOT NULL, d.mojibake_repaired, s.title_key = s.post_id, s.copies, s.body IS NULL,
                              p.title_key = p.post_id
                       FROM post_sightings s JOIN dumps d USING (dump_id) JOIN posts p USING (post_id)""") == [
        (True, False, True, 1, True, True)]


def test_redirects_stay_one_hop() -> None:
    with duckdb.connect() as con:
        ensure_schema(con)
        con.execute("INSERT INTO posts (post_id, title) VALUES ('c', 'C'), ('d', 'D')")
        resolve_module.record_redirects(con, [resolve_module.Redirect("a", "b", "split")], 1)
        resolve_module.record_redirects(con, [resolve_module.Redirect("b", "c", "rekeyed"), resolve_module.Redirect("b", "d", "rekeyed")], 2)
        want = [("a", "c", 1, "split"), ("a", "d", 1, "split"), ("b", "c", 2, "rekeyed"), ("b", "d", 2, "rekeyed")]
        assert con.execute("SELECT * FROM post_redirects ORDER BY ALL").fetchall() == want
        resolve_module.record_redirects(con, [resolve_module.Redirect("a", "b", "split"), resolve_module.Redirect("b", "c", "rekeyed")], 3)
        assert con.execute("SELECT * FROM post_redirects ORDER BY ALL").fetchall() == want  # seen again: nothing new


# --- properties ---------------------------------------------------------------------------------


def _pool() -> list[str]:
    """Distinct body paragraphs of the listing samples with at least twelve words; a paragraph that
    shares a run of eight words with one kept already (the samples hold one op-ed in two edited
    versions) is left out, so that paragraphs drawn apart really are different texts."""
    seen: dict[str, None] = {}
    runs: set[tuple[str, ...]] = set()
    for prefix, count in (("000", 9), ("001", 10), ("002", 10)):
        for n in range(1, count + 1):
            for p in paragraphs(prefix, n):
                ws = p.split()
                mine = {tuple(ws[i : i + 8]) for i in range(len(ws) - 7)}
                if len(ws) >= 12 and not mine & runs:
                    seen.setdefault(" ".join(ws), None)
                    runs |= mine
    return list(seen)


POOL = _pool()
SIGNATURE = "Andreas Lundgren(s)\nOrdf, Individ- och familjenämnden"


def _words(paras: list[str]) -> int:
    """Words in some paragraphs."""
    return sum(len(p.split()) for p in paras)


@st.composite
def different_articles(draw: st.DrawFn) -> tuple[str, str]:
    """Two articles from disjoint sample paragraphs; maybe one shared signature and one reused paragraph (never first,
    at most a quarter of either)."""
    idx = draw(st.lists(st.integers(0, len(POOL) - 1), min_size=4, max_size=10, unique=True))
    split = draw(st.integers(2, len(idx) - 2))
    a, b = [POOL[i] for i in idx[:split]], [POOL[i] for i in idx[split:]]
    reused = draw(st.sampled_from(POOL))
    if reused not in a + b and len(reused.split()) * 4 <= min(_words(a), _words(b)) and draw(st.booleans()):
        a.insert(draw(st.integers(1, len(a))), reused)
        b.insert(draw(st.integers(1, len(b))), reused)
    if draw(st.booleans()):
        a, b = a + [SIGNATURE], b + [SIGNATURE]
    return "\n\n".join(a), "\n\n".join(b)


def _cut(draw: st.DrawFn, text: str, min_words: int = 0) -> str:
    """The text cut at any character after its first min_words words."""
    start = len(" ".join(text.split(" ")[:min_words]))
    return text[: draw(st.integers(min(start, len(text) - 1), len(text) - 1))]


def _sighting(body: str, page: int, partial: bool = False, post_id: str = "") -> Sighting:
    """A sighting of key 'k' on page n."""
    return Sighting("k", f"p{page}", (f"{page:03d}.txt", 1), body, partial, post_id)


@PROPERTY
@given(different_articles(), st.sampled_from(["complete", "a cut", "b cut", "a excerpt"]), st.data())
def test_different_bodies_never_merge(articles: tuple[str, str], kind: str, data: st.DataObject) -> None:
    a, b = articles
    a_partial, b_partial = kind.startswith("a "), kind.startswith("b ")
    if kind == "a cut":
        a = _cut(data.draw, a, min_words=20)
    elif kind == "b cut":
        b = _cut(data.draw, b, min_words=20)
    elif kind == "a excerpt":
        a = " ".join(a.split()[: data.draw(st.integers(20, 80))]) + " …"
    x, y = _sighting(a, 1, a_partial), _sighting(b, 2, b_partial)
    assert not same_text(x, y)
    assert len(set(resolve([x, y]))) == 2
    assert resolve([y], kept=[_sighting(a, 1, a_partial, "k")]) == [stable_id("k", y.sketch.text_hash)]
    if not (a_partial or b_partial):  # the two on one listing page
        page = listing(("Titel", "1 kommentar", a.split("\n\n")), ("Titel", "1 kommentar", b.split("\n\n")))
        assert len({p.post_id for p in parse_text(page).posts}) == 2


def _typos(rnd: random.Random, text: str) -> str:
    """Typo fixes in at most one word of forty (one in each run of forty words): a letter changed, dropped or doubled."""
    ws = text.split(" ")
    blocks = range(0, len(ws), 40)
    for i in [rnd.randrange(b, min(b + 40, len(ws))) for b in rnd.sample(blocks, rnd.randint(1, len(blocks)))]:
        w = ws[i]
        if len(w) > 1:
            j = rnd.randrange(len(w))
            ws[i] = rnd.choice([w[:j] + "x" + w[j + 1 :], w[:j] + w[j + 1 :], w[:j] + w[j] + w[j:]])
    return " ".join(ws)


@st.composite
def one_post_seen_many_ways(draw: st.DrawFn, min_cut_words: int = 0) -> list[tuple[str, bool]]:
    """One post's sightings: unchanged, typo fixes, updates appended (never more than the text itself), the same text
    on a listing and its own page, cut short (after min_cut_words words), excerpts; as (body, partial)."""
    base_paras = [POOL[i] for i in draw(st.lists(st.integers(0, len(POOL) - 1), min_size=3, max_size=7, unique=True))]
    base = "\n\n".join(base_paras)
    rnd = draw(st.randoms(use_true_random=False))
    complete = [base]
    appended = base
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["same", "typos", "append"]))
        if kind == "typos":
            complete.append(_typos(rnd, base))
        elif kind == "append":
            extra = draw(st.sampled_from(POOL))
            if extra not in appended and _words([appended, extra]) <= 2 * _words([base]):
                appended = appended + "\n\n" + extra
                complete.append(appended)
        else:
            complete.append(base.replace("\n\n", "\n"))  # the same text on a page that breaks lines otherwise
    partial = []
    for _ in range(draw(st.integers(0, 3))):
        source = draw(st.sampled_from(complete))
        if draw(st.booleans()):
            partial.append(_cut(draw, source, min_cut_words))
        else:
            partial.append(" ".join(source.split()[: draw(st.integers(max(5, min_cut_words), 80))]) + " …")
    seen = [(t, False) for t in complete] + [(t, True) for t in partial]
    return draw(st.permutations(seen))


@PROPERTY
@given(one_post_seen_many_ways(), st.integers(1, 4))
def test_edits_and_rescrapes_never_split(seen: list[tuple[str, bool]], batches: int) -> None:
    sightings = [_sighting(body, n, partial) for n, (body, partial) in enumerate(seen)]
    assert len(set(resolve(sightings))) == 1
    kept: list[Sighting] = []  # the same sightings loaded over several runs, in the drawn order
    size = -(-len(sightings) // batches)
    for start in range(0, len(sightings), size):
        batch = sightings[start : start + size]
        kept += [Sighting(s.key, s.page, s.rank, s.body, s.partial, pid) for s, pid in zip(batch, resolve(batch, kept), strict=True)]
    assert len({s.post_id for s in kept}) == 1


def _parsed(path: str, title: str, body: str, truncated: bool) -> tuple[DumpFile, ParseResult]:
    """A one-post dump as a parse task hands it over."""
    post = Post(post_id=post_id_for("vk.se", title), title_key=post_id_for("vk.se", title), title=title, body=body,
                page_kind=PageKind.SINGLE, site="vk.se", position=1, start_offset=0, end_offset=len(body), truncated=truncated)
    data = f"{path}\n{body}".encode()
    return DumpFile(path=path, data=data, sha256=str(hash(data)), size=len(data), site_hint=None), ParseResult(
        text=body, page_kind=PageKind.SINGLE, site="vk.se", posts=[post])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_post_seen_many_ways(min_cut_words=20), different_articles(), st.randoms(use_true_random=False), st.integers(1, 3))
def test_the_warehouse_groups_sightings_the_same_way_whatever_the_load_order(
        seen: list[tuple[str, bool]], other: tuple[str, str], rnd: random.Random, runs: int) -> None:
    own = {" ".join(p.split()) for body, _ in seen for p in body.split("\n\n")}
    assume(not own & {" ".join(p.split()) for text in other for p in text.split("\n\n") if p != SIGNATURE})
    dumps = [(f"same_{n}.txt", body, partial) for n, (body, partial) in enumerate(seen)]
    dumps += [("other_a.txt", other[0], False), ("other_b.txt", other[1], False)]
    rnd.shuffle(dumps)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "blog.duckdb"
        size = -(-len(dumps) // runs)
        for start in range(0, len(dumps), size):
            with Warehouse.open(db) as wh:
                wh.load([_parsed(p, "Titel", b, t) for p, b, t in dumps[start : start + size]], batch_size=rnd.randint(1, 3))
        groups = rows(db, "SELECT list(d.path ORDER BY d.path) FROM post_sightings s JOIN dumps d USING (dump_id) GROUP BY s.post_id")
    assert sorted(g for (g,) in groups) == sorted([[p for p, _, _ in sorted(dumps) if p.startswith("same_")], ["other_a.txt"], ["other_b.txt"]])


def test_one_text_under_two_titles_on_a_page_scraped_again_gets_no_redirect(tmp_path: Path) -> None:
    """A page showing one text under two titles (a re-post under another headline) holds two posts;
    scraping the page again with a third post edited moves no id: no redirect, as in a clean build."""
    same, other = paragraphs("001", 2), paragraphs("002", 3)
    page = listing(("Första rubriken", "2 kommentarer", same), ("Andra rubriken", "1 kommentar", same),
                   ("Tredje rubriken", "3 kommentarer", other))
    raw, db = write(tmp_path / "raw", {"vk_listing.txt": page}), tmp_path / "blog.duckdb"
    pipeline.run(raw, db)
    before = rows(db, "SELECT post_id, title FROM posts ORDER BY post_id")
    assert len(before) == 3
    edited = other[:-1] + [other[-1] + " Uppdaterad med en mening till."]
    write(raw, {"vk_listing.txt": listing(("Första rubriken", "2 kommentarer", same), ("Andra rubriken", "1 kommentar", same),
                                          ("Tredje rubriken", "3 kommentarer", edited))})
    summary = pipeline.run(raw, db).summary
    assert (summary.dumps_changed, summary.posts_updated) == (1, 1)
    assert rows(db, "SELECT post_id, title FROM posts ORDER BY post_id") == before
    assert rows(db, "SELECT * FROM post_redirects") == []
