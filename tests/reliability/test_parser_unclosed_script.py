"""Issue 14.6: a saved page whose <script> (or <style>) is never closed loses no text: the element is
closed where its code ends (the first line that starts with a tag), so the rest of the page is read
as the page it is (before: everything after it was script, 0 posts of it and 0 rejects)."""

from __future__ import annotations

import pytest
from fixtures.dumps import sample, to_html

from blogetl.parse.parser import parse_bytes


def records(data: bytes, name: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[str]]:
    result = parse_bytes(data, filename=name)
    return ([(p.title, p.body) for p in result.posts], [(c.author, c.body) for c in result.comments],
            [r.reason.value for r in result.rejects])


@pytest.mark.parametrize("tag", ["script", "style"])
def test_an_unclosed_element_in_the_body_keeps_the_rest_of_the_page(tag: str) -> None:
    base = parse_bytes(sample("003").encode(), filename="003.txt")
    page = to_html(sample("003"), {base.posts[0].title})
    intro = "<p>I dagens VK 16/11 skriver jag"
    assert page.count(intro) == 1
    code = f"<{tag}>\nvar ad = {{slot: 'top'}}; if (a < b) {{ show(ad); }}\n" if tag == "script" else f"<{tag}>\np {{ margin: 0 }}\n"
    broken = page.replace(intro, code + intro)  # never closed
    # a later element of the same name, closed, does not close it either
    broken = broken.replace("</body>", f"<{tag}>x()</{tag}>\n</body>") if tag == "script" else broken
    assert records(broken.encode(), "003.html") == records(page.encode(), "003.html")
    (post,) = parse_bytes(broken.encode(), filename="003.html").posts
    assert "Vi vill agera proaktivt." in post.body and "show(ad)" not in post.body


def test_an_unclosed_script_in_the_head_keeps_the_whole_page() -> None:
    base = parse_bytes(sample("000").encode(), filename="000.txt")
    page = to_html(sample("000"), {p.title for p in base.posts})
    closing = "if (a < b && c) {}</script>"
    assert page.count(closing) == 1
    broken = page.replace(closing, "if (a < b && c) {}")  # the head's script never closed
    got, want = records(broken.encode(), "000.html"), records(page.encode(), "000.html")
    assert len(got[0]) == len(base.posts) == 9
    assert got == want
