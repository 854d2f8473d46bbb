"""Reading other sites' pages: mojibake, dates, headline rules (structures from real pages, text from the samples)."""

from __future__ import annotations

from datetime import datetime

import pytest
from fixtures.dumps import sample

from blogetl.parse.dates import find_dates
from blogetl.parse.parser import parse_bytes, parse_text


def paragraphs(prefix: str, n: int, skip: int = 2) -> str:
    """n body paragraphs of a sample, past its title and byline."""
    return "\n\n".join(p.strip() for p in sample(prefix).split("\n\n")[skip : skip + n] if p.strip())


def test_mojibake_is_repaired_and_recorded() -> None:
    """UTF-8 read as cp1252 ('Ã¥' for 'å') comes out as the original text, flagged on the dump."""
    text = sample("004")
    broken = text.encode("utf-8").decode("cp1252", errors="ignore").encode("utf-8")
    assert "Ã" in broken.decode("utf-8")
    result = parse_bytes(broken)
    assert result.mojibake_repaired
    assert result.posts[0].title == "Vill stoppa bedrägerier i hemtjänst"
    assert "Umeå ska ta till sig" in result.posts[0].body
    assert not parse_bytes(text.encode("utf-8")).mojibake_repaired


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Tisdag 3 mars 2020", datetime(2020, 3, 3)),
        ("fredag 14 juni 2013", datetime(2013, 6, 14)),
        ("12 mars, 2017 Lämna en kommentar", datetime(2017, 3, 12)),
        ("2019-04-02 14:05", datetime(2019, 4, 2, 14, 5)),
        ("Politik2016-02-03 08:15", datetime(2016, 2, 3, 8, 15)),
        ("Published mar 4, 2019 at 10:30", datetime(2019, 3, 4, 10, 30)),
        ("Folkbladet - den 3:e maj 2016", datetime(2016, 5, 3)),
        ("30 augusti, 2017 at 21:42 0", datetime(2017, 8, 30, 21, 42)),
        ("onsdag, mars 30, 2011", datetime(2011, 3, 30)),
        ("Posted in politik by Anna on 2010/04/19", datetime(2010, 4, 19)),
        ("2009 04 27", datetime(2009, 4, 27)),
    ],
)
def test_dates_as_pages_print_them(written: str, expected: datetime) -> None:
    """Each date shape seen on real pages reads to its datetime; impossible dates are none."""
    (found,) = find_dates(written)
    assert found.value == expected
    assert written[found.start : found.end] == found.text


def test_impossible_dates_are_not_dates() -> None:
    """31 februari and a time of 25:70 name no date."""
    assert find_dates("31 februari 2020") == []
    assert [d.value for d in find_dates("2020-13-01")] == []


def test_five_articles_under_one_blog_name_stay_five_posts() -> None:
    """A personal blog prints its name above every post: it is a header, never the title."""
    bodies = [paragraphs(p, 2) for p in ("000", "001", "002", "003", "004")]
    titles = ["Gymnasiet hemma var tredje vecka", "Ett bra möte", "Ett skyddat boende", "Stoppa brottsligheten", "Bedrägerier i hemtjänsten"]
    posts = [parse_text(f"Anders Ågren\n\n{t}\n\n{b}\n").posts for t, b in zip(titles, bodies, strict=True)]
    assert [(len(p), p[0].title, p[0].site) for p in posts] == [(1, t, "andersagren.com") for t in titles]
    assert len({p[0].post_id for p in posts}) == 5


def test_header_lines_are_not_headlines() -> None:
    """A theme's date, the blog name, its tagline, skip links and a menu sit above the headline."""
    page = (
        "Skip to content\n\n30 september, 2023\n\nGranskning i Umeå\n\nMedborgare som granskar den politiska makten\n\n"
        "• Om oss\n• Kontakt\n\nHistorisk satsning\n\n12 mars, 2017 Lämna en kommentar\n\n" + paragraphs("002", 3) + "\n"
    )
    (post,) = parse_text(page).posts
    assert post.title == "Historisk satsning"
    assert (post.published_at, post.published_text) == (datetime(2017, 3, 12), "12 mars, 2017")
    assert page[post.published_start_offset : post.published_end_offset] == "12 mars, 2017"


def test_news_page_weekday_line_and_glued_section_stamp() -> None:
    """'Tisdag 3 mars 2020' on top is the masthead's today; the stamp under the lead dates the article."""
    page = (
        "Tisdag 3 mars 2020\n\nVill stoppa bedrägerier i hemtjänst\n\n"
        "Socialdemokraterna vill att Umeå ska ta till sig de lärdomar som finns runt om i landet.\n\n"
        "Politik2016-02-03 08:15\n" + paragraphs("004", 3) + "\n"
    )
    (post,) = parse_text(page).posts
    assert post.title == "Vill stoppa bedrägerier i hemtjänst"
    assert post.published_at == datetime(2016, 2, 3, 8, 15)


def test_leader_without_headline_is_a_post_with_a_derived_title() -> None:
    """A page that is body only is still an article: its title comes from the first sentence, flagged."""
    body = paragraphs("004", 4, skip=1)
    result = parse_text(body + "\n")
    (post,) = result.posts
    assert post.title_derived and post.title.startswith("Socialdemokraterna vill att Umeå")
    assert result.rejects == []


def test_quoted_headline_run_into_the_body() -> None:
    """An aggregator's '”Citat som rubrik”Brödtext…' gives the quote as the (derived) title."""
    page = "”Vi måste agera nu”" + paragraphs("004", 2, skip=1) + "\n"
    (post,) = parse_text(page).posts
    assert (post.title, post.title_derived) == ("Vi måste agera nu", True)


def test_teaser_listing_gives_one_excerpt_per_entry() -> None:
    """A month archive: headline and a teaser cut off with '…' per post, each its own excerpt."""
    teasers = [p[:180].rsplit(" ", 1)[0] + "…" for p in (paragraphs("000", 1), paragraphs("001", 1), paragraphs("002", 1))]
    page = "Anders Ågren\n\n" + "".join(f"Rubrik nummer {i}\n\n{t}\n\n" for i, t in enumerate(teasers, 1))
    result = parse_text(page)
    assert [(p.title, p.is_excerpt) for p in result.posts] == [(f"Rubrik nummer {i}", True) for i in (1, 2, 3)]
    assert result.rejects == []


def test_a_page_cut_before_any_sentence_ends_is_still_a_post() -> None:
    """One run of words and no full stop anywhere (the store cut the page): a post with a derived title."""
    words = paragraphs("004", 1, skip=1).split()[:22]
    result = parse_text(" ".join(words) + "\n")
    (post,) = result.posts
    assert post.title_derived and post.body.startswith(" ".join(words[:5]))
    assert result.rejects == []


def test_a_headline_above_its_stamp_wins_over_a_sidebar_above_it() -> None:
    """A municipality page: a sidebar block (heading, text, 'Läs mer') above the article's headline and stamp."""
    page = ("Meny Kontakt\n\nInflytande i kommunen\n\n" + paragraphs("000", 1) + "\n\nLäs mer om hur du kan påverka här\n\n"
            "Budget med både utmaningar och framtidsbyggen\n\nPublicerad 2017-05-12\n\n" + paragraphs("004", 2, skip=1) + "\n")
    (post,) = parse_text(page).posts
    assert (post.title, post.published_text) == ("Budget med både utmaningar och framtidsbyggen", "2017-05-12")


def test_a_short_sentence_under_a_plain_headline_is_its_lead() -> None:
    """'Headline / One short sentence. / text': the sentence is the lead, not a full-stop headline."""
    page = "Moderaterna lägger fram eget budgetförslag\n\nRegeringens budget är inte fri.\n\n" + paragraphs("004", 2, skip=1) + "\n"
    (post,) = parse_text(page).posts
    assert post.title == "Moderaterna lägger fram eget budgetförslag"
