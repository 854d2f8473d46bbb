"""Variations real dumps show (issue 2, "What the dumps look like"), each built by editing a sample."""

from __future__ import annotations

from fixtures.dumps import (
    cut_after,
    insert_after,
    insert_before,
    listing_post,
    replace_once,
    sample,
)

from blogetl.models import LineRole, PageKind, ParseResult, Post
from blogetl.parse.parser import parse_bytes, parse_text

TITLE_003 = sample("003").split("\n")[0]
VK_END = "Arkiv\nRSS Nytt från vk.se"


def summary(posts: list[Post]) -> list[tuple[str, str, int | None, int | None, str]]:
    """What must not change when a variant only adds chrome or headers: id, title, counters, body."""
    return [(p.post_id, p.title, p.comment_count_declared, p.reactions, p.body) for p in posts]


def chrome_notes(result: ParseResult) -> dict[str, str]:
    """Chrome lines of a parse, text → note."""
    return {result.text[u.start_offset : u.end_offset].strip(): u.note for u in result.lines if u.role is LineRole.CHROME}


def roles(result: ParseResult) -> dict[str, LineRole]:
    """Role of every non-blank line, by its stripped text (last one wins for repeats)."""
    return {result.text[u.start_offset : u.end_offset].strip(): u.role for u in result.lines}


# --- headers before the first post ------------------------------------------------------


def test_blog_name_and_tagline_before_the_first_post() -> None:
    """A short blog-name/tagline header is page chrome; the posts are unchanged."""
    base = parse_text(sample("000"))
    result = parse_text("Andreas Lundgren\nSocialdemokrat i Umeå, om socialtjänst och välfärd\n\n" + sample("000"))
    assert summary(result.posts) == summary(base.posts)
    assert result.rejects == []
    notes = chrome_notes(result)
    assert notes["Andreas Lundgren"] == notes["Socialdemokrat i Umeå, om socialtjänst och välfärd"] == "page header"


def test_archive_headers_kategori_and_etikett() -> None:
    """'Kategori: X' and 'Etikett: X' above a listing are archive headers, not titles or rejects."""
    for header in ("Kategori: Socialtjänst", "Etikett: kvinnojourer"):
        result = parse_text(f"Andreas Lundgren\n\n{header}\n\n" + sample("001"))
        assert summary(result.posts) == summary(parse_text(sample("001")).posts)
        assert chrome_notes(result)[header] == "archive header"
        assert result.rejects == []


def test_long_text_before_the_first_post_is_rejected_not_dropped() -> None:
    """More than a header above the first title (a dump that starts mid-post) becomes a reject."""
    head = "\n\n".join(sample("000").split("\n\n")[2:4])  # two paragraphs of 000's first post
    result = parse_text(head + "\n\n" + listing_post("001", 2))
    assert [p.title for p in result.posts] == ["Kvinnojourerna riskerar att slås ut"]
    (reject,) = result.rejects
    assert reject.reason == "text_before_first_post"
    assert reject.text.startswith("Från och med onsdag 18 november")
    assert result.text[reject.start_offset : reject.end_offset].endswith("ta lång tid att återställa.”")


# --- bodies -----------------------------------------------------------------------------


def test_body_paragraphs_beginning_with_av() -> None:
    """'Av allt att döma, …' is prose, not a byline, even with commas and a number in it."""
    lines = [
        "Av allt att döma, kommer smittan att öka.",
        "Av allt att döma, enligt regionen, 2 kommentarer senare har inget hänt.",
        "Av de 20 ledamöterna, fem, kom.",
    ]
    text = insert_after(sample("000"), "enligt ett rullande schema.\n", "\n" + "\n\n".join(lines) + "\n")
    result = parse_text(text)
    assert len(result.posts) == 9
    first = result.posts[0]
    assert (first.comment_count_declared, first.reactions) == (2, 11)
    for line in lines:
        assert line in first.body
        assert roles(result)[line] is LineRole.BODY


def test_numbered_lines_in_a_listing_body_are_not_comments() -> None:
    """Numbered and bulleted lines inside a listing post stay in its body."""
    lines = "1. Sovjetunionen\n2. Polen\n 3. Jugoslavien\n  • Tyskland"
    text = insert_after(sample("002"), "23 miljoner hemlösa.\n", "\n" + lines + "\n")
    result = parse_text(text)
    post = next(p for p in result.posts if p.title == "72 år sedan")
    assert "1. Sovjetunionen\n2. Polen\n3. Jugoslavien\n• Tyskland" in post.body
    assert result.comments == []
    assert summary(result.posts[:5]) == summary(parse_text(sample("002")).posts[:5])


def test_numbered_lines_in_a_single_post_body_are_not_comments() -> None:
    """Numbered lines above the comment count stay in the body; the thread is unchanged."""
    lines = "1. Stoppa valfriheten i hemtjänsten\n2. Granska upphandlingarna"
    result = parse_text(insert_after(sample("003"), "Punkt slut.\n", "\n" + lines + "\n"))
    assert lines in result.posts[0].body
    assert [(c.author, c.depth) for c in result.comments] == [
        (c.author, c.depth) for c in parse_text(sample("003")).comments
    ]


def test_empty_tag_list_footer_after_the_comment_label() -> None:
    """'Etiketter: , , ,' after a post's comment label is chrome; bodies and counters unchanged."""
    text = replace_once(sample("000"), "2 kommentarer\n\nSätt", "2 kommentarer\n\nEtiketter: , , ,\n\nSätt")
    result = parse_text(text)
    assert summary(result.posts) == summary(parse_text(sample("000")).posts)
    assert chrome_notes(result)["Etiketter: , , ,"] == "empty tag list"


def test_empty_tag_list_between_comment_count_and_thread() -> None:
    """On a single page the tag footer may sit between '6 kommentarer' and the thread."""
    text = replace_once(sample("003"), "6 kommentarer\n\n", "6 kommentarer\n\nEtiketter: , , ,\n\n")
    result = parse_text(text)
    base = parse_text(sample("003"))
    assert summary(result.posts) == summary(base.posts)
    assert [(c.author, c.depth, c.body) for c in result.comments] == [(c.author, c.depth, c.body) for c in base.comments]
    assert "tjalle" not in result.posts[0].body


def test_stray_image_file_names() -> None:
    """'IMG_0252' lines left by the scraper are chrome, not body text or titles."""
    text = insert_before(sample("001"), "Några av partimedlemmarna som deltog", "IMG_0252\n\n")
    text = insert_after(text, "Ett bra möte, helt enkelt.\n", "\nDSC_0042.JPG\n")
    result = parse_text(text)
    assert summary(result.posts) == summary(parse_text(sample("001")).posts)
    notes = chrome_notes(result)
    assert notes["IMG_0252"] == notes["DSC_0042.JPG"] == "image file name"
    assert all("IMG_0252" not in p.body for p in result.posts)


def test_separators_before_a_reproduced_newspaper_text() -> None:
    """'———' and '***' before a reproduced article stay inside the post, which keeps its own counters."""
    reproduced = "———\n\nVÄLFÄRDEN ÄR INTE TILL SALU\n\nAv Andreas Lundgren, ordförande\n\n***\n\n"
    text = insert_before(sample("000"), "PRIVATISERINGAR KAN UTNYTTJAS AV KRIMINELLA", reproduced)
    result = parse_text(text)
    assert [p.title for p in result.posts] == [p.title for p in parse_text(sample("000")).posts]
    post = result.posts[3]
    assert (post.comment_count_declared, post.reactions) == (1, 15)
    assert "Läs vår debattartikel här nedan:\n\n———\n\nVÄLFÄRDEN ÄR INTE TILL SALU" in post.body
    assert "Av Andreas Lundgren, ordförande\n\n***\n\nPRIVATISERINGAR KAN UTNYTTJAS AV KRIMINELLA" in post.body
    assert result.rejects == []


def test_one_post_page_with_separators_and_a_numbered_list_keeps_its_title() -> None:
    """Found by hypothesis: two '———' lines read as a repeated title and numbered lines above the
    footer label read as a thread, so the real title and byline were taken for a page header."""
    first = sample("000").split("\n\nSätt stopp")[0]  # sample 000's first post, byline to footer
    title, byline, rest = first.split("\n\n", 2)
    text = f"{title}\n\n{byline}\n\n———\n\n———\n\n1. Första punkten\n2. Andra punkten\n\n{rest}\n"
    result = parse_text(text)
    assert result.page_kind is PageKind.LISTING
    [post] = result.posts
    assert (post.title, post.comment_count_declared, post.reactions) == ("Gymnasieelevernas utbildning på spel", 2, 11)
    assert post.post_id == parse_text(sample("000")).posts[0].post_id
    assert post.body.startswith("———\n\n———\n\n1. Första punkten\n2. Andra punkten")
    assert result.comments == [] and result.rejects == []


def test_single_page_with_a_byline_takes_the_title_above_it() -> None:
    """A page header above a single post with a byline and a thread stays out of the title."""
    text = f"Andreas Lundgrens blogg\n\n{TITLE_003}\n\nAv , , 6 kommentarer 4\n" + sample("003")[len(TITLE_003) :]
    text = replace_once(text, "\n6 kommentarer\n\n", "\n6 kommentarer\n\nEtiketter: , , ,\n\n")  # chrome before the thread
    result = parse_text(text)
    assert result.page_kind is PageKind.SINGLE
    [post] = result.posts
    assert post.title == TITLE_003 and post.reactions == 4
    assert chrome_notes(result)["Andreas Lundgrens blogg"] == "page header"
    assert len(result.comments) == 5


# --- single pages -----------------------------------------------------------------------


def test_single_page_repeating_the_title_line() -> None:
    """A title printed twice is one post; the repeat is chrome, not body."""
    base = parse_text(sample("003"))
    for sep in ("\n", "\n\n"):
        result = parse_text(TITLE_003 + sep + sample("003"))
        assert summary(result.posts) == summary(base.posts)
        assert len(result.comments) == 5
        assert [u.note for u in result.lines if u.role is LineRole.CHROME][0] == "repeated title"


def test_repeated_title_after_a_page_header() -> None:
    """With a blog-name header above a repeated title, the repeat tells where the post starts."""
    result = parse_text("Andreas Lundgren\nEn blogg om Umeå\n\n" + TITLE_003 + "\n" + sample("003"))
    assert summary(result.posts) == summary(parse_text(sample("003")).posts)
    assert chrome_notes(result)["En blogg om Umeå"] == "page header"


def test_single_page_with_comment_form_but_no_count_line() -> None:
    """'Lämna ett svar' without a count: one single post, no declared count, no comments, no rejects."""
    s = sample("003")
    text = s[: s.index("6 kommentarer")] + s[s.index("Lämna ett svar") :]
    result = parse_text(text)
    (post,) = result.posts
    assert (result.page_kind, post.comment_count_declared, post.truncated) == (PageKind.SINGLE, None, False)
    assert post.body == parse_text(s).posts[0].body
    assert post.post_id == parse_text(s).posts[0].post_id
    assert (result.comments, result.rejects) == ([], [])


# --- the same post elsewhere ------------------------------------------------------------


def test_same_post_on_two_archive_pages_with_different_counters() -> None:
    """A post on a category page and a tag page later: one post_id, each page's own counters."""
    post = listing_post("000", 1)
    later = replace_once(replace_once(post, "Av , , 2 kommentarer 11", "Av , , 4 kommentarer 23"), "\n2 kommentarer\n", "\n4 kommentarer\n")
    month = parse_text("Kategori: Skola\n\n" + post + VK_END)
    tag = parse_text("Etikett: gymnasiet\n\n" + listing_post("000", 3) + later + VK_END)
    (a,), b = month.posts, tag.posts[1]
    assert a.post_id == b.post_id
    assert (a.comment_count_declared, a.reactions, b.comment_count_declared, b.reactions) == (2, 11, 4, 23)
    assert (a.position, b.position) == (1, 2)
    assert a.body == b.body


def test_post_id_ignores_file_name_and_case_but_not_site() -> None:
    """The id follows site and normalised title; the dump's file name never enters it."""
    data = sample("003").encode("utf-8")
    a = parse_bytes(data, filename="raw/003.txt").posts[0]
    b = parse_bytes(data, filename="elsewhere/x.txt").posts[0]
    c = parse_text(sample("003").replace(TITLE_003, TITLE_003.upper())).posts[0]
    d = parse_bytes(data, site_hint="example.org").posts[0]
    assert a.post_id == b.post_id == c.post_id
    assert d.post_id != a.post_id


def test_untitled_posts_do_not_share_an_id() -> None:
    """Bylines with no title above (dump cut just above them) still give distinct post ids."""
    one = replace_once(listing_post("001", 1), "Bakfickan besöktes av Lena Hallengren\n\n", "")
    two = replace_once(listing_post("001", 2), "Kvinnojourerna riskerar att slås ut\n\n", "")
    posts = parse_text(one).posts + parse_text(two).posts + parse_text("Kategori: Socialtjänst\n\n" + two).posts
    assert [p.title for p in posts] == ["", "", ""]
    assert posts[0].post_id != posts[1].post_id == posts[2].post_id
    assert [p.reactions for p in posts] == [5, 4, 4]


# --- truncated dumps --------------------------------------------------------------------


def test_listing_cut_mid_post_keeps_the_partial_post() -> None:
    """A listing cut inside its second post: both posts kept, only the second flagged truncated."""
    result = parse_text(cut_after(sample("000"), "granskning av välfärdssystemen i Södertälje."))
    assert [p.truncated for p in result.posts] == [False, True]
    assert result.posts[1].body.endswith("Då genomfördes en granskning av välfärdssystemen i Södertälje.")
    assert result.posts[1].comment_count_declared == 6
    assert result.rejects == []


def test_complete_listing_without_end_chrome_is_not_truncated_before_the_last_post() -> None:
    """Only the last post of a dump with no closing chrome can be cut; earlier ones are whole."""
    result = parse_text(cut_after(sample("001"), "Inkompetens är bara förnamnet."))
    assert [p.truncated for p in result.posts] == [False] * 9 + [True]


def test_single_page_cut_mid_thread() -> None:
    """Cut inside the third comment: the post and three comments kept, the post and last comment truncated."""
    result = parse_text(cut_after(sample("003"), "Vi som privat företagare gör ju"))
    (post,) = result.posts
    assert post.truncated and post.comment_count_declared == 6
    assert [(c.author, c.truncated) for c in result.comments] == [("tjalle", False), ("Andreas Lundgren", False), ("tjalle", True)]
    assert result.comments[-1].body == "Vi som privat företagare gör ju"
    assert result.rejects == []


def test_single_page_cut_right_after_a_comment_author() -> None:
    """Cut after ' 2. PNW': the comment is kept with an empty body, flagged truncated."""
    result = parse_text(cut_after(sample("003"), " 2. PNW\n"))
    last = result.comments[-1]
    assert (last.author, last.depth, last.body, last.truncated) == ("PNW", 0, "", True)
    assert len(result.comments) == 4


def test_single_page_cut_mid_body() -> None:
    """Cut in the body before any comment count: the partial post is kept, not dropped."""
    result = parse_text(cut_after(sample("003"), "Mer behöver dock göras."))
    (post,) = result.posts
    assert post.title == TITLE_003
    assert post.body.endswith("Mer behöver dock göras.")
    assert post.truncated
    assert result.rejects == []


# --- other sites ------------------------------------------------------------------------


OTHER_SITE = """Nya regler för försörjningsstöd från årsskiftet

Av Anna Berg

Individ- och familjenämnden i Umeå ändrar riktlinjerna för försörjningsstöd.

Förändringen innebär att det tillfälliga bostadsbidraget räknas in vid beräkningen.

1. Höjd riksnorm
2. Nya regler för resor

Dela artikeln
"""


def test_page_of_another_site_becomes_one_article() -> None:
    """No platform markers: one 'article' with the first line as title, the byline's author, the rest as body."""
    result = parse_text(OTHER_SITE)
    (post,) = result.posts
    assert (result.page_kind, post.page_kind, post.site) == (PageKind.ARTICLE, PageKind.ARTICLE, None)
    assert post.title == "Nya regler för försörjningsstöd från årsskiftet"
    assert post.body.startswith("Individ- och familjenämnden")
    assert post.byline_author == "Anna Berg"
    assert "1. Höjd riksnorm\n2. Nya regler för resor" in post.body
    assert (post.comment_count_declared, post.reactions, result.comments, result.rejects) == (None, None, [], [])


def test_site_from_the_folder_hint() -> None:
    """The folder's site wins: it names pages that do not name themselves, and keys their ids."""
    hinted = parse_bytes(OTHER_SITE.encode("utf-8"), filename="folkbladet.nu/a.txt", site_hint="folkbladet.nu")
    assert hinted.site == hinted.posts[0].site == "folkbladet.nu"
    listing = parse_bytes(sample("001").encode("utf-8"), site_hint="blogg.vk.se")
    assert summary(listing.posts) == summary(parse_text(sample("001")).posts)


def test_site_from_the_page_itself() -> None:
    """Without a hint: the VK RSS footer names blogg.vk.se, 'OFFENTLIGA AFFÄRER' names its site."""
    assert parse_text(sample("002")).site == "blogg.vk.se"
    assert parse_text(sample("004")).posts[0].site == "offentligaaffarer.se"
    without = sample("004").replace("OFFENTLIGA AFFÄRER", "tidningen")
    assert parse_text(without).posts[0].site is None
