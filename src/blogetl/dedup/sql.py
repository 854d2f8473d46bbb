"""Every SQL statement of the dedup stage, in the order the stage runs them.

The stage reads one relation, ``dedup_input`` (``INPUT_COLUMNS``), which the warehouse declares
(``blogetl.warehouse.views.DEDUP_INPUT``), and writes the dedup tables of the schema registry.
Statements that need a working set build a temp table named ``_dedup_*``; the step that creates
one drops it before it returns (``blogetl.dedup.pipeline``), except the post keys and the reach,
which are handed from step to step by name.

DuckDB spills plain GROUP BYs and joins on integer keys to disk, but not those keyed on text
(measured: grouping 3.4 M fingerprints by (fp, post_id) needs > 190 MB; by (fp, integer) it runs
in 60 MB).  So the big aggregations key posts by ``_dedup_keys.k`` (a post's rank by id) and run
in buckets (by hash value modulo the bucket count): what one statement holds does not grow with
the corpus.
"""

from __future__ import annotations

# The input relation and the columns the stage reads from it (name, type).
INPUT = "dedup_input"
INPUT_COLUMNS = (
    ("post_id", "VARCHAR"),
    ("title", "VARCHAR"),
    ("body", "VARCHAR"),
    ("site", "VARCHAR"),
    ("is_excerpt", "BOOLEAN"),
    ("published_at", "TIMESTAMP"),
    ("first_seen_at", "TIMESTAMP"),
    ("text_hash", "UBIGINT"),
    ("rid", "BIGINT"),  # where the post is stored (posts.rowid): a run's new posts, appended, are one short range
)

GROUPING = ("duplicate", "version", "quote", "excerpt")  # pair relations that group or attach posts
_GROUPING = "(" + ", ".join(f"'{r}'" for r in GROUPING) + ")"

INPUT_COLUMNS_NOW = """
    SELECT column_name, data_type FROM duckdb_columns()
    WHERE table_name = 'dedup_input' AND schema_name = current_schema()"""

# --- state ---------------------------------------------------------------------------------

STATE_GET = "SELECT value FROM dedup_state WHERE key = ?"
OUTLETS_ALL = "SELECT outlet_id, name, aliases, kind FROM outlets ORDER BY outlet_id"
COUNT = "SELECT count(*) FROM {table}"
CLEAR = "DELETE FROM {table}"
RUN_RECORD = "INSERT INTO dedup_runs VALUES (?, ?, ?, ?)"

# --- changes -------------------------------------------------------------------------------

# What a post's fingerprints depend on: a change of its text (title, body) or site makes the post
# new again.  text_hash is hash(title, body), which the warehouse keeps in posts: finding the
# changed posts reads no body (hashing every body cost 0.2-0.5 s at 100 MB; md5 before that).
# The column keeps its name and holds the hash as text; a warehouse fingerprinted by md5 is
# fingerprinted again once, as is one after a DuckDB upgrade that changes hash().
_CONTENT_MD5 = "CAST(hash(i.text_hash, coalesce(i.site, '')) AS VARCHAR)"
CURRENT = f"CREATE OR REPLACE TEMP TABLE _dedup_current AS SELECT post_id, {_CONTENT_MD5} AS content_md5 FROM dedup_input i"
CHANGED = """
    SELECT c.post_id FROM _dedup_current c LEFT JOIN dedup_docs d USING (post_id)
    WHERE d.post_id IS NULL OR d.content_md5 <> c.content_md5 OR ? ORDER BY c.post_id"""
REMOVED = "SELECT post_id FROM dedup_docs ANTI JOIN _dedup_current USING (post_id) ORDER BY post_id"

IDS = """CREATE OR REPLACE TEMP TABLE {name} AS
    SELECT post_id, row_number() OVER (ORDER BY post_id) AS rn FROM _dedup_ids"""
DROP = "DROP TABLE IF EXISTS {name}"
FORGET = "DELETE FROM {table} WHERE post_id IN (SELECT post_id FROM _dedup_forget)"
FORGET_PAIRS = """DELETE FROM {table} WHERE post_a IN (SELECT post_id FROM _dedup_forget)
    OR post_b IN (SELECT post_id FROM _dedup_forget)"""
INSERT_ARROW = "INSERT INTO {table} ({names}) SELECT {names} FROM _dedup_rows"

# --- fingerprints ----------------------------------------------------------------------------

# A join on post_id reads (decompresses) every post's body; a filter on the range of rid the posts
# span is pushed into the scan, which then reads only the row groups and vectors inside it (+1 % new
# posts at 100 MB: 0.09 -> 0.02 s). SPAN reads post_id and rid only.
SPAN = "SELECT min(i.rid), max(i.rid) FROM {ids} t JOIN dedup_input i USING (post_id)"

# One scan of the input, no sort of the bodies (a window over them does not spill); read back in
# slices by rowid.
TODO_BODIES = f"""
    CREATE OR REPLACE TEMP TABLE _dedup_todo_body AS
    SELECT t.rn, t.post_id, coalesce(i.body, '') AS body, {_CONTENT_MD5} AS content_md5
    FROM _dedup_todo t JOIN (SELECT * FROM dedup_input WHERE {{span}}) i USING (post_id)"""
MAX_ROWID = "SELECT max(rowid) FROM {table}"
SLICE = "SELECT {columns} FROM {table} WHERE rowid >= ? AND rowid < ?"

# --- boilerplate ---------------------------------------------------------------------------

KEYS = ("CREATE OR REPLACE TEMP TABLE _dedup_keys AS "
        "SELECT post_id, row_number() OVER (ORDER BY post_id)::INTEGER AS k FROM dedup_docs")
# A line's status depends only on the posts holding it, so a run recounts only the lines its
# added and removed posts hold (``_dedup_touched``), or every line ({scope} empty).
TOUCHED_NEW = "CREATE OR REPLACE TEMP TABLE _dedup_touched (line_key UBIGINT)"
TOUCHED_ADD = "INSERT INTO _dedup_touched SELECT DISTINCT line_key FROM dedup_lines SEMI JOIN {ids} USING (post_id)"
TOUCHED_DISTINCT = "CREATE OR REPLACE TEMP TABLE _dedup_touched AS SELECT DISTINCT line_key FROM _dedup_touched"
IN_TOUCHED = "SEMI JOIN _dedup_touched USING (line_key)"


def bucket(column: str, buckets: int, index: int) -> str:
    """The filter of one bucket of a hash column (UBIGINT).  Integers in the text, not parameters: a
    parameter made DuckDB compute the modulo in HUGEINT, which took 3 s of CPU for 700k fingerprints."""
    return "true" if buckets == 1 else f"{column} % {int(buckets)}::UBIGINT = {int(index)}::UBIGINT"


BOILER_NEW = ("CREATE OR REPLACE TEMP TABLE _dedup_bp (line_key UBIGINT, posts INTEGER, words INTEGER, "
              "example_k INTEGER, example_line INTEGER)")
BOILER_BUCKET = """
    INSERT INTO _dedup_bp
    WITH per_post AS (
        SELECT line_key, k, max(words) AS words, min(line_no) AS line_no
        FROM dedup_lines {scope} JOIN _dedup_keys USING (post_id) WHERE {bucket} GROUP BY line_key, k)
    SELECT line_key, count(*), max(words), min(k), arg_min(line_no, k)
    FROM per_post GROUP BY line_key
    HAVING (count(*) >= ? AND max(words) <= ?) OR count(*) >= ?"""
BOILER_FLIPPED = """
    WITH stored AS (SELECT line_key FROM dedup_boilerplate {scope}), changed AS (
        SELECT line_key FROM _dedup_bp ANTI JOIN stored USING (line_key)
        UNION ALL
        SELECT line_key FROM stored ANTI JOIN _dedup_bp USING (line_key))
    SELECT post_id FROM _dedup_keys WHERE k IN (
        SELECT k FROM dedup_lines JOIN _dedup_keys USING (post_id) SEMI JOIN changed USING (line_key))
    ORDER BY post_id"""
BOILER_CLEAR = "DELETE FROM dedup_boilerplate WHERE line_key IN (SELECT line_key FROM _dedup_touched)"
BOILER_WRITE = """
    INSERT INTO dedup_boilerplate
    SELECT b.line_key, b.posts, b.words, trim(string_split(i.body, chr(10))[b.example_line + 1])
    FROM _dedup_bp b JOIN _dedup_keys k ON k.k = b.example_k LEFT JOIN dedup_input i ON i.post_id = k.post_id"""
BOILER_KEYS = "SELECT line_key FROM dedup_boilerplate"

# --- candidates ----------------------------------------------------------------------------

DIRTY_KEYS = """CREATE OR REPLACE TEMP TABLE _dedup_dirty_keys AS
    SELECT k.*, d.post_id IS NOT NULL AS dirty FROM _dedup_keys k LEFT JOIN _dedup_dirty d USING (post_id)"""
# An incremental run: only the fingerprints its posts hold can make a pair.
DIRTY_FPS = """
    CREATE OR REPLACE TEMP TABLE _dedup_dirty_fps AS
    SELECT DISTINCT fp FROM dedup_fingerprints SEMI JOIN _dedup_dirty USING (post_id)
    ANTI JOIN dedup_boilerplate USING (line_key)"""
SHARED_NEW = "CREATE OR REPLACE TEMP TABLE _dedup_shared (ka INTEGER, kb INTEGER, n BIGINT)"
SHARED_BUCKET = """
    INSERT INTO _dedup_shared
    WITH held AS (
        SELECT f.fp, k.k, k.dirty FROM dedup_fingerprints f {only_dirty}
        ANTI JOIN dedup_boilerplate b ON b.line_key = f.line_key
        JOIN _dedup_dirty_keys k ON k.post_id = f.post_id
        WHERE {bucket} GROUP BY f.fp, k.k, k.dirty
    ), rare AS (
        SELECT fp FROM held GROUP BY fp HAVING count(*) BETWEEN 2 AND ? AND bool_or(dirty)
    ), h AS (SELECT * FROM held SEMI JOIN rare USING (fp))
    SELECT least(a.k, b.k), greatest(a.k, b.k), count(*)
    FROM h a JOIN h b ON a.fp = b.fp AND a.k <> b.k
    WHERE a.dirty AND (NOT b.dirty OR a.k < b.k)
    GROUP BY ALL"""
ONLY_DIRTY = "SEMI JOIN _dedup_dirty_fps USING (fp)"
CANDIDATES = """
    SELECT x.post_id, y.post_id, s.n FROM (
        SELECT ka, kb, sum(n) AS n FROM _dedup_shared GROUP BY ka, kb HAVING sum(n) >= ?) s
    JOIN _dedup_keys x ON x.k = s.ka JOIN _dedup_keys y ON y.k = s.kb
    ORDER BY 1, 2"""

# --- verification --------------------------------------------------------------------------

VERIFY_DOCS = """
    SELECT post_id, coalesce(body, ''), coalesce(is_excerpt, false)
    FROM dedup_input SEMI JOIN _dedup_need USING (post_id) ORDER BY post_id"""

# --- outlets -------------------------------------------------------------------------------

OUTLETS_ALL_POSTS = ("CREATE OR REPLACE TEMP TABLE _dedup_outlets AS "
                     "SELECT post_id, row_number() OVER (ORDER BY post_id) AS rn FROM dedup_input")
# DuckDB flags the bodies that name an outlet at all (RE2, both cores); only those are read by
# the phrase regexes, the rest get the site's outlet.
OUTLET_POSTS = """
    CREATE OR REPLACE TEMP TABLE _dedup_outlet_posts AS
    SELECT o.rn, post_id, CASE WHEN regexp_matches(lower(i.body), ?) THEN i.body END AS body, i.site
    FROM _dedup_outlets o JOIN (SELECT * FROM dedup_input WHERE {span}) i USING (post_id)"""

# --- grouping ------------------------------------------------------------------------------

REDIRECTED_POSTS = """CREATE OR REPLACE TEMP TABLE _dedup_moves AS
    SELECT old_post_id, any_value(new_post_id) AS new_post_id FROM post_redirects
    GROUP BY old_post_id HAVING count(DISTINCT new_post_id) = 1"""
NO_REDIRECTED_POSTS = """CREATE OR REPLACE TEMP TABLE _dedup_moves AS
    SELECT NULL::VARCHAR AS old_post_id, NULL::VARCHAR AS new_post_id WHERE false"""
HAS_POST_REDIRECTS = """SELECT count(*) FROM duckdb_tables()
    WHERE table_name = 'post_redirects' AND schema_name = current_schema()"""
PREVIOUS = """
    CREATE OR REPLACE TEMP TABLE _dedup_prev AS
    SELECT coalesce(r.new_post_id, m.post_id) AS post_id, m.post_id AS raw_post_id, m.article_id
    FROM article_members m LEFT JOIN _dedup_moves r ON r.old_post_id = m.post_id"""
REACH_ALL = ("CREATE OR REPLACE TEMP TABLE _dedup_reach AS "
             "SELECT post_id FROM dedup_docs UNION SELECT post_id FROM _dedup_prev")
REACH_SEED = "CREATE OR REPLACE TEMP TABLE _dedup_reach AS SELECT post_id FROM _dedup_seed"
REACH_GROW = f"""
    INSERT INTO _dedup_reach
    SELECT post_id FROM _dedup_prev WHERE article_id IN (
        SELECT article_id FROM _dedup_prev SEMI JOIN _dedup_reach USING (post_id))
    UNION SELECT post_b FROM post_pairs WHERE relation IN {_GROUPING}
        AND post_a IN (SELECT post_id FROM _dedup_reach)
    UNION SELECT post_a FROM post_pairs WHERE relation IN {_GROUPING}
        AND post_b IN (SELECT post_id FROM _dedup_reach)
    EXCEPT SELECT post_id FROM _dedup_reach"""
PREV_REACH = """
    CREATE OR REPLACE TEMP TABLE _dedup_prev_reach AS
    SELECT p.post_id, p.raw_post_id, p.article_id, a.canonical_post_id AS raw_canonical,
           coalesce(mv.new_post_id, a.canonical_post_id) AS canonical, a.created_run, a.changed_run
    FROM _dedup_prev p LEFT JOIN articles a USING (article_id)
    LEFT JOIN _dedup_moves mv ON mv.old_post_id = a.canonical_post_id
    WHERE p.article_id IN (SELECT article_id FROM _dedup_prev SEMI JOIN _dedup_reach USING (post_id))"""
# The posts of the reach grouped in Python: those with a pair, a previous article of several
# posts, or several previous articles.
WORLD = f"""
    CREATE OR REPLACE TEMP TABLE _dedup_world AS
    WITH company AS (
        SELECT post_id FROM _dedup_prev_reach WHERE article_id IN (
            SELECT article_id FROM _dedup_prev_reach GROUP BY article_id HAVING count(*) > 1)
        UNION ALL SELECT post_id FROM _dedup_prev_reach GROUP BY post_id HAVING count(*) > 1
        UNION ALL SELECT post_a FROM post_pairs WHERE relation IN {_GROUPING}
        UNION ALL SELECT post_b FROM post_pairs WHERE relation IN {_GROUPING})
    SELECT post_id FROM _dedup_reach SEMI JOIN dedup_docs USING (post_id) SEMI JOIN company USING (post_id)"""
# Words and first-seen stamp of the posts grouped in Python (the stamp breaks ties only).
POST_INFOS = """
    SELECT d.post_id, d.words, coalesce(CAST(i.first_seen_at AS VARCHAR), '')
    FROM dedup_docs d SEMI JOIN _dedup_world USING (post_id) LEFT JOIN dedup_input i USING (post_id)"""
PAIRS = f"""
    SELECT post_a, post_b, relation, quoter_post_id, coverage_a, coverage_b, matched_words, passages
    FROM post_pairs WHERE relation IN {_GROUPING} AND post_a IN (SELECT post_id FROM _dedup_world)"""
PREVIOUS_ARTICLES = "SELECT post_id, article_id, canonical, created_run FROM _dedup_prev_reach"
# Which of these article ids exist or ever existed (redirected, or this run's previous ones).
IDS_USED = """
    SELECT article_id FROM _dedup_cand WHERE article_id IN (
        SELECT article_id FROM articles UNION ALL SELECT old_article_id FROM article_redirects
        UNION ALL SELECT article_id FROM _dedup_prev_reach)"""
OLD_ARTICLES = """
    SELECT a.article_id, a.canonical_post_id, a.changed_run, list((m.post_id, m.relation))
    FROM articles a JOIN article_members m USING (article_id)
    WHERE a.article_id IN (SELECT article_id FROM _dedup_prev_reach) GROUP BY ALL"""
DELETE_REACH_MEMBERS = ("DELETE FROM article_members WHERE article_id IN (SELECT article_id FROM _dedup_prev_reach) "
                        "OR post_id IN (SELECT post_id FROM _dedup_reach)")
DELETE_REACH_ARTICLES = "DELETE FROM articles WHERE article_id IN (SELECT article_id FROM _dedup_prev_reach)"
INSERT_ARTICLES = """
    INSERT INTO articles BY NAME
    SELECT r.*, i.title FROM _dedup_rows r LEFT JOIN dedup_input i ON i.post_id = r.canonical_post_id"""

# The outlets of the posts being written only (not an aggregate over every post's outlets).
_MEMBER_OUTLETS = """
    LEFT JOIN (
        SELECT post_id, list(outlet_id ORDER BY rank) AS outlet_ids,
               arg_min(source, rank) AS source, arg_min(phrase, rank) AS phrase,
               arg_min(start_offset, rank) AS start_offset, arg_min(end_offset, rank) AS end_offset
        FROM post_outlets WHERE post_id IN (SELECT post_id FROM {members}) GROUP BY post_id) o USING (post_id)"""
MEMBERS_NEW = """CREATE OR REPLACE TEMP TABLE _dedup_members (article_id VARCHAR, post_id VARCHAR,
    relation VARCHAR, is_canonical BOOLEAN, matched_post_id VARCHAR, matched_relation VARCHAR,
    coverage_self DOUBLE, coverage_other DOUBLE, matched_words INTEGER, passages INTEGER)"""
INSERT_MEMBERS = f"""
    INSERT INTO article_members
    SELECT m.article_id, m.post_id, m.relation, m.is_canonical,
           o.outlet_ids[1], coalesce(o.outlet_ids, []), o.source, o.phrase, o.start_offset, o.end_offset,
           m.matched_post_id, m.matched_relation, m.coverage_self, m.coverage_other,
           m.matched_words, m.passages
    FROM _dedup_members m {_MEMBER_OUTLETS.format(members='_dedup_members')}
    ORDER BY m.article_id, m.post_id"""

# Single-post articles of the reach (no pair, no previous company): a post keeps its previous
# article id (and its created/changed runs); a new one gets ``group.fresh_id``'s id.
SINGLES = """
    CREATE OR REPLACE TEMP TABLE _dedup_single AS
    SELECT r.post_id, p.article_id
    FROM _dedup_reach r SEMI JOIN dedup_docs USING (post_id) ANTI JOIN _dedup_world USING (post_id)
    LEFT JOIN _dedup_prev_reach p USING (post_id)"""
SINGLES_NEW = "CREATE OR REPLACE TEMP TABLE _dedup_single_new (post_id VARCHAR, article_id VARCHAR)"
SINGLES_TODO = """CREATE OR REPLACE TEMP TABLE _dedup_single_todo AS
    SELECT post_id, row_number() OVER (ORDER BY post_id) AS rn FROM _dedup_single WHERE article_id IS NULL"""
# A kept article is unchanged when it held just this post under this id (not re-keyed).
SINGLES_RUNS = """
    CREATE OR REPLACE TEMP TABLE _dedup_single AS
    SELECT s.post_id, coalesce(s.article_id, n.article_id) AS article_id,
           coalesce(p.created_run, $run_no) AS created_run,
           CASE WHEN p.raw_canonical = s.post_id AND p.raw_post_id = s.post_id THEN p.changed_run
                ELSE $run_no END AS changed_run
    FROM _dedup_single s LEFT JOIN _dedup_single_new n USING (post_id)
    LEFT JOIN _dedup_prev_reach p ON p.article_id = s.article_id"""
INSERT_SINGLE_ARTICLES = """
    INSERT INTO articles BY NAME
    SELECT s.article_id, s.post_id AS canonical_post_id, i.title, 1 AS members, 1 AS versions,
           0 AS duplicates, 0 AS quotes, s.created_run, s.changed_run
    FROM _dedup_single s LEFT JOIN dedup_input i USING (post_id)"""
INSERT_SINGLE_MEMBERS = f"""
    INSERT INTO article_members
    SELECT s.article_id, s.post_id, 'version', true,
           o.outlet_ids[1], coalesce(o.outlet_ids, []), o.source, o.phrase, o.start_offset, o.end_offset,
           NULL, NULL, NULL, NULL, NULL, NULL
    FROM _dedup_single s {_MEMBER_OUTLETS.format(members='_dedup_single')}
    ORDER BY s.article_id"""
REPOINT_REDIRECTS = "UPDATE article_redirects SET article_id = ? WHERE article_id = ?"
REFRESH_TITLES = """UPDATE articles SET title = i.title FROM dedup_input i
    WHERE i.post_id = articles.canonical_post_id AND articles.title IS DISTINCT FROM i.title"""
MULTI_MEMBER_ARTICLES = "SELECT count(*) FROM articles WHERE members > 1"
