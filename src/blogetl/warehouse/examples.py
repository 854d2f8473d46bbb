"""Queries an analyst actually runs, kept runnable by the tests (the README shows them)."""

from __future__ import annotations

EXAMPLES: dict[str, str] = {
    "posts and articles per month of publication and outlet": """
        SELECT month, outlet, posts, articles FROM v_monthly_posts ORDER BY month NULLS LAST, outlet""",
    "posts per month of scraping": """
        SELECT date_trunc('month', first_seen_at) AS month, count(*) AS posts
        FROM v_posts GROUP BY month ORDER BY month""",
    "most-commented posts": """
        SELECT title, comments_declared, reactions
        FROM v_posts ORDER BY comments_declared DESC NULLS LAST, reactions DESC LIMIT 10""",
    "declared vs captured comments (posts whose own page was scraped)": """
        SELECT title, comments_declared, comments_captured, comments_declared - comments_captured AS missing
        FROM v_posts
        WHERE post_id IN (SELECT post_id FROM post_sightings WHERE page_kind = 'single')
        ORDER BY missing DESC""",
    "full-text search in Swedish, with snippets ('bostad' also finds 'bostäder')": """
        SELECT title, round(score, 2) AS score, snippet FROM search('bostad')""",
    "full-text search as a score per post ('brottslighet' also finds 'brottsligheten')": """
        SELECT title, round(score, 2) AS score
        FROM (SELECT *, fts_main_posts.match_bm25(post_id, 'brottslighet') AS score FROM posts)
        WHERE score IS NOT NULL ORDER BY score DESC LIMIT 10""",
    "a post's lineage: the dumps showing it, with offsets and the text there": """
        SELECT path, start_offset, end_offset, is_current_text, left(page_text, 60) AS on_the_page
        FROM v_post_sightings WHERE title LIKE 'Sätt stopp%' ORDER BY path""",
    "rejects to look at": """
        SELECT d.path, r.reason, r.start_offset, left(r.text, 80) AS text
        FROM rejects r JOIN dumps d USING (dump_id) ORDER BY d.path, r.start_offset""",
}
