"""Issue 14.7: a byline-shaped line quoted inside a single post ('Av , , 2 kommentarer 11' under a
quoted headline) is text of the post; it neither retitles the post nor turns its real title and
intro into a text_before_first_post reject."""

from __future__ import annotations

from fixtures.dumps import insert_after, sample

from blogetl.models import PageKind
from blogetl.parse.parser import parse_bytes

QUOTE = "”Pengarna ska gå till dem vi är till för.”\n\nAv , , 2 kommentarer 11\n\n"


def test_a_quoted_byline_stays_in_the_post() -> None:
    base = parse_bytes(sample("003").encode(), filename="003.txt")
    text = insert_after(sample("003"), "Läs hela debattartikeln här nedan:\n\n", QUOTE)
    result = parse_bytes(text.encode(), filename="003_quoted.txt")
    assert result.page_kind == base.page_kind == PageKind.SINGLE
    (post,) = result.posts
    assert post.title == base.posts[0].title == "Sätt stopp för organiserad brottslighet. Varenda skattekrona ska gå till de människor som har behov av välfärden"
    assert not result.rejects
    # the intro above the quote, the quote and its byline-shaped line are the post's text
    assert post.body.startswith(base.posts[0].body.split("\n\n")[0])
    assert "”Pengarna ska gå till dem vi är till för.”\n\nAv , , 2 kommentarer 11\n\n" in post.body
    assert post.byline_author is None and post.reactions is None  # the quoted line is no byline of this post
    assert [(c.author, c.body) for c in result.comments] == [(c.author, c.body) for c in base.comments]
