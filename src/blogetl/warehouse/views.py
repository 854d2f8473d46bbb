"""The analysts' views as data: SQL, comment, and a comment per column (the dedup stage's v_articles too)."""

from __future__ import annotations

from dataclasses import dataclass

from blogetl.warehouse.schema import DEDUP, POST_SIGHTINGS, WAREHOUSE


@dataclass(frozen=True)
class View:
    """One view of the public schema; part names the tables it reads (blogetl.warehouse.schema), needs
    the other parts whose tables it reads too: it is made only where all of them are."""

    name: str
    comment: str
    sql: str
    columns: dict[str, str]
    part: str = WAREHOUSE
    needs: tuple[str, ...] = ()
    fallback: View | None = None  # what is made under the same name where only its own part's tables exist

    @property
    def parts(self) -> set[str]:
        """Every part whose tables the view reads."""
        return {self.part, *self.needs}


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
    , own AS (
        SELECT post_id, arg_min(author, position) AS author FROM comments WHERE is_post_author GROUP BY post_id
    )
    SELECT p.post_id, p.site, p.title, p.published_at, p.byline_author, p.byline_date,
           p.comment_count_declared AS comments_declared,
           coalesce(c.n, 0) AS comments_captured,
           p.reactions, p.truncated,
           s.sightings, s.first_seen_at, s.last_seen_at, s.first_seen_in, s.last_seen_in,
           coalesce(p.byline_author, own.author) AS author,
           CASE WHEN p.byline_author IS NOT NULL THEN 'byline' WHEN own.author IS NOT NULL THEN 'comments' END AS author_source,
           am.outlet_id, o.name AS outlet, am.article_id, am.relation,
           date_trunc('month', p.published_at)::DATE AS published_month
    FROM posts p
    LEFT JOIN captured c USING (post_id)
    LEFT JOIN seen s USING (post_id)
    LEFT JOIN own USING (post_id)
    LEFT JOIN article_members am USING (post_id)
    LEFT JOIN outlets o ON o.outlet_id = am.outlet_id
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
        "author": "the post's author: the byline's, else the commenter the thread marks as the post's author (inläggsförfattare); null when neither shows",
        "author_source": "where author comes from: byline or comments; null when unknown",
        "outlet_id": "where this copy was published (article_members.outlet_id: the text, the site, or a news page naming itself); null when nothing says or before the dedup stage ran",
        "outlet": "that outlet's name (outlets.name)",
        "article_id": "the article the post belongs to (article_members.article_id; a text printed in several outlets is one article)",
        "relation": "how the post belongs to it: version, duplicate, quote or excerpt (article_members.relation)",
        "published_month": "first day of the month of published_at; null when the post shows no date",
    },
    needs=(DEDUP,),
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

# Text of a member's body outside the passages it shares with the post it matched best: the gaps
# between the shared ranges of passage_matches (either side of the pair), with at least a letter or digit,
# trimmed of spaces and of the punctuation that closes the passage before it.
_GAPS = """
    WITH ranges AS (
        SELECT post_a AS post_id, post_b AS other_id, a_start AS s, a_end AS e FROM passage_matches
        UNION ALL SELECT post_b, post_a, b_start, b_end FROM passage_matches
    ), ordered AS (
        SELECT post_id, other_id, s, e,
               coalesce(max(e) OVER (PARTITION BY post_id, other_id ORDER BY s, e
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS gap_start
        FROM ranges
    ), bounds AS (
        SELECT post_id, other_id, gap_start, s AS gap_end FROM ordered WHERE s > gap_start
        UNION ALL
        SELECT r.post_id, r.other_id, max(r.e), any_value(length(p.body)) FROM ranges r JOIN posts p USING (post_id)
        GROUP BY r.post_id, r.other_id HAVING max(r.e) < any_value(length(p.body))
    )
    SELECT b.post_id, b.other_id, b.gap_start, b.gap_end,
           regexp_replace(trim(substr(p.body, b.gap_start + 1, b.gap_end - b.gap_start)), '^[\\s.,;:!?)\\]]+', '') AS passage
    FROM bounds b JOIN posts p USING (post_id)
    WHERE regexp_matches(substr(p.body, b.gap_start + 1, b.gap_end - b.gap_start), '[\\p{L}\\p{N}]')
"""

V_ARTICLE_COPIES = View(
    "v_article_copies",
    "One row per post of an article (article_members), with where and when it was published, whether it came first, "
    "and the passages that differ from the member it matched best: only_here is the text of this post the other "
    "lacks, only_in_matched the text of the other this post lacks (from the dedup stage's alignment, passage_matches).",
    f"""
    WITH gaps AS ({_GAPS}), firsts AS (
        SELECT am.article_id, min(p.published_at) AS first_at
        FROM article_members am JOIN posts p USING (post_id) GROUP BY am.article_id
    )
    SELECT am.article_id, am.post_id, am.relation, am.is_canonical, p.title, p.site,
           am.outlet_id, o.name AS outlet, am.outlet_source, p.published_at,
           coalesce(p.published_at = f.first_at, false) AS is_first,
           am.matched_post_id, am.coverage_self, am.coverage_other,
           coalesce((SELECT list(g.passage ORDER BY g.gap_start) FROM gaps g
                     WHERE g.post_id = am.post_id AND g.other_id = am.matched_post_id), []) AS only_here,
           coalesce((SELECT list(g.passage ORDER BY g.gap_start) FROM gaps g
                     WHERE g.post_id = am.matched_post_id AND g.other_id = am.post_id), []) AS only_in_matched
    FROM article_members am
    JOIN posts p USING (post_id)
    LEFT JOIN outlets o ON o.outlet_id = am.outlet_id
    LEFT JOIN firsts f USING (article_id)
    """,
    {
        "article_id": "the article (articles.article_id)",
        "post_id": "the member post (posts.post_id)",
        "relation": "version, duplicate, quote or excerpt (article_members.relation)",
        "is_canonical": "the article's fullest version",
        "title": "the post's title",
        "site": "site the post was published on (posts.site)",
        "outlet_id": "where this copy was published (article_members.outlet_id); null when nothing says",
        "outlet": "that outlet's name",
        "outlet_source": "evidence for the outlet: text, site or self (article_members.outlet_source)",
        "published_at": "publication date the page states (posts.published_at); null when none",
        "is_first": "this copy carries the article's earliest publication date (ties: all of them); false when undated",
        "matched_post_id": "the member this post shares most text with (null for a single-member article)",
        "coverage_self": "share of this post's words found in matched_post_id",
        "coverage_other": "share of matched_post_id's words found in this post",
        "only_here": "passages of this post's body that matched_post_id does not share (in body order, trimmed of spaces and leading punctuation); empty when none or unmatched",
        "only_in_matched": "passages of matched_post_id's body this post does not share",
    },
    part=DEDUP,
    needs=(WAREHOUSE,),
)

V_MONTHLY_POSTS = View(
    "v_monthly_posts",
    "Posts and articles per month of publication and outlet (dedup-aware: articles counts each text once). "
    "month is null for posts that show no publication date: their count is the share left undated.",
    """
    SELECT date_trunc('month', p.published_at)::DATE AS month, am.outlet_id, o.name AS outlet,
           count(*) AS posts, count(DISTINCT am.article_id) AS articles
    FROM posts p
    LEFT JOIN article_members am USING (post_id)
    LEFT JOIN outlets o ON o.outlet_id = am.outlet_id
    GROUP BY ALL
    """,
    {
        "month": "first day of the month of publication (posts.published_at); null: posts without a date",
        "outlet_id": "where the posts were published (article_members.outlet_id); null when nothing says",
        "outlet": "the outlet's name",
        "posts": "posts published that month in that outlet",
        "articles": "distinct articles among them (a text printed twice counts once)",
    },
    part=DEDUP,
    needs=(WAREHOUSE,),
)

# v_articles where only the dedup stage's tables and a minimal posts table exist (blogetl.dedup on any
# database); a warehouse gets V_ARTICLES below, with dates, first appearances and differing passages.
_ARTICLES_COMMENT = ("One row per article, dedup-aware: an op-ed printed in two papers and blogged twice counts "
                     "once. outlets: where its versions ran; quoted_in: outlets of reports quoting it; copies: "
                     "every member post with its relation and outlet.")
_OUTLET_NAMES = """names AS (
        SELECT am.article_id, am.relation, o.name
        FROM article_members am, unnest(am.outlet_ids) AS u(outlet_id)
        JOIN outlets o ON o.outlet_id = u.outlet_id
    )"""
_ARTICLE_COLUMNS = """a.article_id,
        a.title,
        a.canonical_post_id,
        a.members,
        a.versions,
        a.duplicates,
        a.quotes,
        coalesce((SELECT list(DISTINCT n.name ORDER BY n.name) FROM names n
                  WHERE n.article_id = a.article_id AND n.relation <> 'quote'), []) AS outlets,
        coalesce((SELECT list(DISTINCT n.name ORDER BY n.name) FROM names n
                  WHERE n.article_id = a.article_id AND n.relation = 'quote'), []) AS quoted_in,"""
_COPIES_ORDER = """ORDER BY m.is_canonical DESC, CASE m.relation WHEN 'version' THEN 0 WHEN 'duplicate' THEN 1 ELSE 2 END,
                              m.post_id"""
_ARTICLE_COLUMN_COMMENTS = {
    "article_id": "the article (articles.article_id)",
    "title": "title of its canonical post",
    "canonical_post_id": "the fullest version (articles.canonical_post_id)",
    "members": "posts in the article",
    "versions": "members that are distinct texts of it",
    "duplicates": "members that are re-scrapes of a version",
    "quotes": "members that are reports quoting it",
    "outlets": "names of the outlets its versions, duplicates and excerpts ran in, sorted",
    "quoted_in": "names of the outlets of the reports quoting it, sorted",
}

V_ARTICLES_DEDUP_ONLY = View(
    "v_articles",
    _ARTICLES_COMMENT,
    f"""
    WITH m AS (
        SELECT am.*, o.name AS outlet_name, p.title AS post_title
        FROM article_members am
        LEFT JOIN outlets o USING (outlet_id)
        LEFT JOIN posts p USING (post_id)
    ), {_OUTLET_NAMES}
    SELECT
        {_ARTICLE_COLUMNS}
        (SELECT list({{'post_id': m.post_id, 'relation': m.relation, 'title': m.post_title,
                      'outlet': m.outlet_name, 'outlet_source': m.outlet_source}}
                     {_COPIES_ORDER})
         FROM m WHERE m.article_id = a.article_id) AS copies
    FROM articles a
    """,
    {
        **_ARTICLE_COLUMN_COMMENTS,
        "copies": "every member: post_id, relation, title, outlet name and outlet_source; the canonical post first",
    },
    part=DEDUP,
)

V_ARTICLES = View(
    "v_articles",
    _ARTICLES_COMMENT,
    f"""
    WITH m AS (
        SELECT c.*, c.outlet AS outlet_name, c.title AS post_title FROM v_article_copies c
    ), firsts AS (
        SELECT article_id, min(published_at) AS first_published_at,
               arg_min(outlet, (published_at, post_id)) FILTER (published_at IS NOT NULL) AS first_outlet,
               arg_min(post_id, (published_at, post_id)) FILTER (published_at IS NOT NULL) AS first_post_id
        FROM v_article_copies GROUP BY article_id
    ), {_OUTLET_NAMES}
    SELECT
        {_ARTICLE_COLUMNS}
        (SELECT list({{'post_id': m.post_id, 'relation': m.relation, 'title': m.post_title,
                      'outlet': m.outlet_name, 'outlet_source': m.outlet_source,
                      'published_at': m.published_at, 'only_here': m.only_here}}
                     {_COPIES_ORDER})
         FROM m WHERE m.article_id = a.article_id) AS copies,
        f.first_published_at,
        f.first_outlet,
        f.first_post_id
    FROM articles a
    LEFT JOIN firsts f USING (article_id)
    """,
    {
        **_ARTICLE_COLUMN_COMMENTS,
        "copies": "every member: post_id, relation, title, outlet name, outlet_source, published_at and only_here (its "
                  "passages the member it matched best lacks, see v_article_copies); the canonical post first",
        "first_published_at": "earliest publication date of any copy; null when no copy shows one",
        "first_outlet": "outlet of the copy published first (ties: the smallest post_id); null when unknown",
        "first_post_id": "the copy published first",
    },
    part=DEDUP,
    needs=(WAREHOUSE,),
    fallback=V_ARTICLES_DEDUP_ONLY,
)


DEDUP_INPUT = View(
    "dedup_input",
    "What the dedup stage reads (blogetl.dedup.sql.INPUT_COLUMNS): one row per post with its text, "
    "site, teaser flag, dates, text hash and where it is stored. Rename a column of posts and this view, not the stage, changes.",
    """
    SELECT p.post_id, p.title, p.body, p.site, coalesce(p.is_excerpt, false) AS is_excerpt, p.published_at,
           p.first_seen_at, p.text_hash, p.rowid AS rid
    FROM posts p
    """,
    {
        "post_id": "the post (posts.post_id)",
        "title": "the post's title",
        "body": "the post's text, paragraphs separated by blank lines",
        "site": "site the post was published on",
        "is_excerpt": "the post is a listing page's teaser of an article (posts.is_excerpt; false when unknown)",
        "published_at": "publication date the page states (posts.published_at)",
        "first_seen_at": "earliest modification time of a dump holding the post: breaks ties between equally full versions",
        "text_hash": "hash of title and body (posts.text_hash): a post whose hash (or site) changed is fingerprinted again",
        "rid": "where the post is stored (posts.rowid, valid within one transaction): the stage reads the bodies of a "
               "set of posts by the range of rid they span, not by a scan of every body",
    },
)

# A view after those it reads.
VIEWS = (V_POSTS, V_POST_SIGHTINGS, V_COMMENT_THREADS, DEDUP_INPUT, V_ARTICLE_COPIES, V_ARTICLES, V_MONTHLY_POSTS)


def views_for(parts: tuple[str, ...]) -> tuple[View, ...]:
    """The views that can be made where the tables of these parts exist (a view's fallback where only its own part's do)."""
    out = []
    for view in VIEWS:
        if view.parts <= set(parts):
            out.append(view)
        elif view.fallback is not None and view.fallback.parts <= set(parts):
            out.append(view.fallback)
    return tuple(out)
