"""The analysts' views as data: SQL, comment, and a comment per column (the dedup stage's v_articles too)."""

from __future__ import annotations

from dataclasses import dataclass

from blogetl.warehouse.schema import DEDUP, POST_SIGHTINGS, WAREHOUSE


@dataclass(frozen=True)
class View:
    """One view of the public schema; part names the tables it reads (blogetl.warehouse.schema)."""

    name: str
    comment: str
    sql: str
    columns: dict[str, str]
    part: str = WAREHOUSE


V_POSTS = View(
    "v_posts",
    "One row per post with its comment counts declared and captured, where and when it was seen.",
    """
    WITH seen AS (
        SELECT ps.post_id,
               count(*) AS sightings,
               min(d.file_modified_at) AS first_seen_at,
               max(d.file_modified_at) AS last_seen_at,
               arg_min(d.path, (d.file_modified_at, d.path)) AS first_seen_in,
               arg_max(d.path, (d.file_modified_at, d.path)) AS last_seen_in
        FROM post_sightings ps JOIN dumps d USING (dump_id)
        GROUP BY ps.post_id
    ), captured AS (
        SELECT post_id, count(*) AS n FROM comments GROUP BY post_id
    )
    SELECT p.post_id, p.site, p.title, p.published_at, p.byline_author, p.byline_date,
           p.comment_count_declared AS comments_declared,
           coalesce(c.n, 0) AS comments_captured,
           p.reactions, p.truncated,
           s.sightings, s.first_seen_at, s.last_seen_at, s.first_seen_in, s.last_seen_in
    FROM posts p
    LEFT JOIN captured c USING (post_id)
    LEFT JOIN seen s USING (post_id)
    """,
    {
        "post_id": "the post (posts.post_id)",
        "site": "site the post was published on",
        "title": "the post's title",
        "published_at": "publication date (and time when shown) the page states; null when no page of the post shows one. Count by this, not by first_seen_at",
        "byline_author": "author named in the byline, when the scraper kept it",
        "byline_date": "date in the byline as written, when kept",
        "comments_declared": "comment count the listing page declares; null when no page shows one",
        "comments_captured": "comments actually captured from the post's own page (rows in comments)",
        "reactions": "reaction counter from the listing page",
        "truncated": "the post's text is incomplete (its dump ended inside it)",
        "sightings": "number of dumps the post was seen in",
        "first_seen_at": "earliest modification time of a dump holding the post (about when it was scraped)",
        "last_seen_at": "latest modification time of a dump holding the post",
        "first_seen_in": "path of the earliest dump holding the post",
        "last_seen_in": "path of the latest dump holding the post",
    },
)

V_POST_SIGHTINGS = View(
    "v_post_sightings",
    "One row per post and dump it was seen in (post_sightings) with the text that dump showed in every row, the "
    "dump's path and the span of its decoded text the post takes: each post's lineage back to its dumps and offsets.",
    """
    SELECT s.* REPLACE (coalesce(s.body, p.body) AS body),
           s.body IS NULL AS is_current_text, d.path,
           substr(d.decoded_text, s.start_offset + 1, s.end_offset - s.start_offset) AS page_text
    FROM post_sightings s JOIN dumps d USING (dump_id) JOIN posts p USING (post_id)
    """,
    {
        **{c.name: c.comment for c in POST_SIGHTINGS.columns},
        "body": "the post's text as this dump showed it",
        "is_current_text": "the dump shows the post's current text (posts.body); false: an earlier version, an excerpt or a cut-short copy",
        "path": "the dump's path under raw/ (dumps.path)",
        "page_text": "the dump's decoded text from start_offset to end_offset: the post as the page holds it (title, byline, text)",
    },
)

V_COMMENT_THREADS = View(
    "v_comment_threads",
    "Comments with their place in the thread (thread_path 1.1.2 = second reply to the first reply "
    "to the first comment) and the post title; ORDER BY post_id, thread_key reads a thread top to bottom.",
    """
    WITH RECURSIVE ranked AS (
        SELECT c.*, row_number() OVER (PARTITION BY post_id, parent_id ORDER BY position) AS sibling
        FROM comments c
    ), tree AS (
        SELECT comment_id, [sibling] AS thread_key FROM ranked WHERE parent_id IS NULL
        UNION ALL
        SELECT r.comment_id, list_append(t.thread_key, r.sibling)
        FROM ranked r JOIN tree t ON r.parent_id = t.comment_id
    )
    SELECT r.post_id, p.title AS post_title, r.comment_id, r.parent_id, r.depth, r.position,
           array_to_string(t.thread_key, '.') AS thread_path, t.thread_key,
           r.author, r.is_post_author, r.body, r.truncated
    FROM ranked r
    LEFT JOIN tree t USING (comment_id)
    LEFT JOIN posts p USING (post_id)
    """,
    {
        "post_id": "the post commented on (posts.post_id)",
        "post_title": "title of the post commented on",
        "comment_id": "the comment (comments.comment_id)",
        "parent_id": "the comment replied to; null for top-level comments",
        "depth": "0 for top-level comments",
        "position": "1-based order in the thread as shown",
        "thread_path": "place in the thread: sibling numbers from the top, joined by dots (1, 1.1, 1.1.2, 2)",
        "thread_key": "thread_path as a list of integers, for sorting",
        "author": "comment author's name",
        "is_post_author": "the author is the post's author",
        "body": "the comment's text",
        "truncated": "the dump ended inside this comment",
    },
)

V_ARTICLES = View(
    "v_articles",
    "One row per article, dedup-aware: an op-ed printed in two papers and blogged twice counts "
    "once. outlets: where its versions ran; quoted_in: outlets of reports quoting it; copies: "
    "every member post with its relation and outlet.",
    """
    WITH m AS (
        SELECT am.*, o.name AS outlet_name, p.title AS post_title
        FROM article_members am
        LEFT JOIN outlets o USING (outlet_id)
        LEFT JOIN posts p USING (post_id)
    ), names AS (
        SELECT am.article_id, am.relation, o.name
        FROM article_members am, unnest(am.outlet_ids) AS u(outlet_id)
        JOIN outlets o ON o.outlet_id = u.outlet_id
    )
    SELECT
        a.article_id,
        a.title,
        a.canonical_post_id,
        a.members,
        a.versions,
        a.duplicates,
        a.quotes,
        coalesce((SELECT list(DISTINCT n.name ORDER BY n.name) FROM names n
                  WHERE n.article_id = a.article_id AND n.relation <> 'quote'), []) AS outlets,
        coalesce((SELECT list(DISTINCT n.name ORDER BY n.name) FROM names n
                  WHERE n.article_id = a.article_id AND n.relation = 'quote'), []) AS quoted_in,
        (SELECT list({'post_id': m.post_id, 'relation': m.relation, 'title': m.post_title,
                      'outlet': m.outlet_name, 'outlet_source': m.outlet_source}
                     ORDER BY m.is_canonical DESC, CASE m.relation WHEN 'version' THEN 0 WHEN 'duplicate' THEN 1 ELSE 2 END,
                              m.post_id)
         FROM m WHERE m.article_id = a.article_id) AS copies
    FROM articles a
    """,
    {
        "article_id": "the article (articles.article_id)",
        "title": "title of its canonical post",
        "canonical_post_id": "the fullest version (articles.canonical_post_id)",
        "members": "posts in the article",
        "versions": "members that are distinct texts of it",
        "duplicates": "members that are re-scrapes of a version",
        "quotes": "members that are reports quoting it",
        "outlets": "names of the outlets its versions, duplicates and excerpts ran in, sorted",
        "quoted_in": "names of the outlets of the reports quoting it, sorted",
        "copies": "every member: post_id, relation, title, outlet name and outlet_source; the canonical post first",
    },
    part=DEDUP,
)

VIEWS = (V_POSTS, V_POST_SIGHTINGS, V_COMMENT_THREADS, V_ARTICLES)
