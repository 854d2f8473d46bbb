"""Data tests on a published warehouse, like dbt's: declared checks, thresholds in one place (LIMITS,
FAMILY_LIMITS), a pass / warn / fail result each.  ``blogetl check`` prints them and exits 1 on a
failure; the ingest flow runs them after each publish and records them in the run (an artifact).

>>> Limit(fail_above=0).status(0), Limit(fail_above=0).status(1)
('pass', 'fail')
>>> Limit(warn_below=0.5, fail_below=0.1).status(0.3)
'warn'
>>> title_is_a_date("Tisdag 3 mars 2020"), title_is_a_date("Publicerad 2019-04-02"), title_is_a_date("72 år sedan")
(True, True, False)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from blogetl.parse.dates import find_dates
from blogetl.parse.sites import SITES
from blogetl.warehouse.schema import TABLES


@dataclass(frozen=True)
class Limit:
    """When a check's value warns or fails: above a ceiling (counts, shares of bad rows) or below a
    floor (shares of rows that should have something).  None: no such bound."""

    warn_above: float | None = None
    fail_above: float | None = None
    warn_below: float | None = None
    fail_below: float | None = None

    def status(self, value: float) -> str:
        """pass, warn or fail."""
        if (self.fail_above is not None and value > self.fail_above) or (self.fail_below is not None and value < self.fail_below):
            return "fail"
        if (self.warn_above is not None and value > self.warn_above) or (self.warn_below is not None and value < self.warn_below):
            return "warn"
        return "pass"

    def describe(self, share: bool) -> str:
        """The bounds as text: 'warn > 0, fail > 5 %'."""
        def shown(v: float) -> str:
            return f"{v:.0%}" if share else f"{v:g}"

        parts = [f"{word} {op} {shown(v)}" for word, op, v in (
            ("warn", ">", self.warn_above), ("warn", "<", self.warn_below),
            ("fail", ">", self.fail_above), ("fail", "<", self.fail_below)) if v is not None]
        return ", ".join(parts) or "none (shown only)"


# ---- every threshold, in one place -------------------------------------------------------------
LIMITS: dict[str, Limit] = {
    # integrity: a key is unique and never null (the writers keep it so; README "The warehouse")
    "duplicate keys": Limit(fail_above=0),
    "null keys": Limit(fail_above=0),
    # titles the parser took from chrome: a date line or the site's own name is never a headline
    "titles that are dates": Limit(fail_above=0),
    "titles that are site names": Limit(fail_above=0),
    # share of posts with no text at all (a headline alone on a listing can be legitimate)
    "posts with no body": Limit(warn_above=0, fail_above=0.05),
    # posts whose text_hash is not hash(title, body): written outside a run (blogetl edit), so the
    # search index and the dedup stage, which find changed posts by it, do not see the change
    "posts with a stale text hash": Limit(warn_above=0),
    # dumps under raw/ that loaded nothing and nobody acknowledged (runs report them as 'need a look')
    "dumps rejected whole": Limit(warn_above=0, fail_above=0.10),
    # share of loaded dumps with any reject: text the parser could not place
    "dumps with rejects": Limit(warn_above=0.20, fail_above=0.50),
}
# Per family of pages (dumps.profile): share of its posts with a publication date, with a site.
# The blog platform's scraper strips bylines (its dates): no floor for dates there; its site is the
# platform's own, so it must be known.  The floors sit well under what the labelled real pages
# showed (README "How well it reads real pages"): a fall below them is a parser regression.
FAMILY_LIMITS: dict[str, dict[str, Limit]] = {
    "dated": {
        "blogspot": Limit(warn_below=0.5, fail_below=0.1),
        "wordpress": Limit(warn_below=0.5, fail_below=0.1),
        "news_article": Limit(warn_below=0.5, fail_below=0.1),
        "news_listing": Limit(warn_below=0.5, fail_below=0.1),
    },
    "with a site": {
        "vk_blog": Limit(warn_below=0.95, fail_below=0.5),
        "folkbladet_blog": Limit(warn_below=0.95, fail_below=0.5),
    },
}
MIN_FAMILY_POSTS = 20  # a family with fewer posts has its shares shown, not judged (one undated page is no trend)
NO_LIMIT = Limit()
EXAMPLES = 3  # rows named per check

# Words a date line may carry besides the date itself ("Publicerad 2019-04-02", "Tisdag den 3 mars").
_DATE_WORDS = re.compile(r"(?i)^(?:publicerad|uppdaterad|published|updated|postat|den|kl|am|at|idag|igår|"
                         r"(?:mån|tis|ons|tors|fre|lör|sön)dag(?:en)?|monday|tuesday|wednesday|thursday|friday|saturday|sunday)$")
_DOMAIN = re.compile(r"(?i)^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:se|nu|com|net|org|eu|info|fi|no|dk)$")


def title_is_a_date(title: str) -> bool:
    """The title is a date line: dates and, besides them, only date words, digits and punctuation."""
    found = find_dates(title)
    if not found:
        return False
    rest = title
    for d in sorted(found, key=lambda d: d.start, reverse=True):
        rest = rest[:d.start] + " " + rest[d.end:]
    return all(_DATE_WORDS.match(w) for w in re.findall(r"[^\W\d_]+", rest))


def site_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Names sites and outlets go by, lowercased: the known sites, the outlets and their aliases, the posts' sites."""
    names = {s.site.lower() for s in SITES} | {s.outlet.lower() for s in SITES if s.outlet}
    names |= {str(r[0]).lower() for r in con.execute("SELECT DISTINCT site FROM posts WHERE site IS NOT NULL").fetchall()}
    if _has(con, "outlets"):
        for name, aliases in con.execute("SELECT name, aliases FROM outlets").fetchall():
            names |= {str(name).lower(), *(str(a).lower() for a in aliases or [])}
    return names


def title_is_a_site_name(title: str, names: set[str]) -> bool:
    """The title is a site's or outlet's name, or a bare domain."""
    t = title.strip().strip(".:|-–—").strip().lower()
    return t in names or bool(_DOMAIN.match(t))


@dataclass(frozen=True)
class Result:
    """One check on one subject (a table, a family of pages, the posts)."""

    check: str
    subject: str
    value: float
    share: bool  # value is a share (0..1), else a count
    limit: Limit
    examples: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        """pass, warn or fail."""
        return self.limit.status(self.value)

    @property
    def shown(self) -> str:
        """The value as text."""
        return f"{self.value:.1%}" if self.share else f"{self.value:g}"


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether the main schema has the table."""
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ? "
                            "AND database_name = current_database()", [table]).fetchone()[0])  # type: ignore[index]


def key_checks(con: duckdb.DuckDBPyConnection) -> Iterable[Result]:
    """Duplicate and null keys over every table of the registry the file holds (one result each)."""
    dups: list[str] = []
    nulls: list[str] = []
    duplicate_rows = null_rows = tables = 0
    for t in TABLES:
        if not _has(con, t.name) or t.comment.startswith("Internal:"):  # the dedup stage's state: tested, and large
            continue
        tables += 1
        key = ", ".join(t.key)
        is_null = " OR ".join(f"{k} IS NULL" for k in t.key)
        extra, null = con.execute(f"""SELECT count(*) FILTER (NOT ({is_null})) - count(DISTINCT ({key})) FILTER (NOT ({is_null})),
                                             count(*) FILTER ({is_null}) FROM {t.name}""").fetchone()  # type: ignore[misc]
        if extra:
            duplicate_rows += extra
            dups += [f"{t.name} ({key}) = {r[0]}" for r in con.execute(
                f"SELECT ({key})::VARCHAR FROM {t.name} WHERE NOT ({is_null}) GROUP BY ALL HAVING count(*) > 1 LIMIT {EXAMPLES}").fetchall()]
        if null:
            null_rows += null
            nulls.append(f"{t.name}: {null} rows with a null {key}")
    yield Result("duplicate keys", f"{tables} tables", duplicate_rows, False, LIMITS["duplicate keys"], tuple(dups[:EXAMPLES]))
    yield Result("null keys", f"{tables} tables", null_rows, False, LIMITS["null keys"], tuple(nulls[:EXAMPLES]))


def title_checks(con: duckdb.DuckDBPyConnection) -> Iterable[Result]:
    """Titles that are dates or site names."""
    posts = con.execute("SELECT post_id, title, regexp_matches(title, '[0-9]') FROM posts WHERE title IS NOT NULL "
                        "ORDER BY post_id").fetchall()
    names = site_names(con)
    dates = [f"{p}: {t}" for p, t, digit in posts if digit and title_is_a_date(t)]  # every date shape has a digit
    sites = [f"{p}: {t}" for p, t, _ in posts if title_is_a_site_name(t, names)]
    yield Result("titles that are dates", "posts", len(dates), False, LIMITS["titles that are dates"], tuple(dates[:EXAMPLES]))
    yield Result("titles that are site names", "posts", len(sites), False, LIMITS["titles that are site names"],
                 tuple(sites[:EXAMPLES]))


def body_checks(con: duckdb.DuckDBPyConnection) -> Iterable[Result]:
    """Posts without any text, and posts whose stored text hash is not their text's."""
    empty_body = "body IS NULL OR (strlen(body) < 64 AND trim(body) = '')"  # strlen: bytes, stored, no scan of the text
    total, empty = con.execute(f"SELECT count(*), count(*) FILTER ({empty_body}) FROM posts").fetchone()  # type: ignore[misc]
    examples = tuple(f"{p}: {t}" for p, t in con.execute(
        f"SELECT post_id, title FROM posts WHERE {empty_body} ORDER BY post_id LIMIT {EXAMPLES}").fetchall())
    yield Result("posts with no body", "posts", empty / total if total else 0.0, True, LIMITS["posts with no body"], examples)
    stale = "text_hash IS DISTINCT FROM hash(title, body)"
    count = con.execute(f"SELECT count(*) FROM posts WHERE {stale}").fetchone()[0]  # type: ignore[index]
    examples = tuple(f"{p}: {t}" for p, t in con.execute(
        f"SELECT post_id, title FROM posts WHERE {stale} ORDER BY post_id LIMIT {EXAMPLES}").fetchall())
    yield Result("posts with a stale text hash", "posts", count, False, LIMITS["posts with a stale text hash"], examples)


def family_checks(con: duckdb.DuckDBPyConnection) -> Iterable[Result]:
    """Per family of pages: share of its posts with a publication date and with a site (a post counts
    in the family of every dump it was seen in)."""
    rows = con.execute("""
        WITH fam AS (SELECT DISTINCT d.profile, ps.post_id FROM post_sightings ps JOIN dumps d USING (dump_id)
                     WHERE d.profile IS NOT NULL)
        SELECT f.profile, count(*), count(p.published_at), count(p.site)
        FROM fam f JOIN posts p USING (post_id) GROUP BY f.profile ORDER BY f.profile""").fetchall()
    for profile, posts, dated, with_site in rows:
        judged = posts >= MIN_FAMILY_POSTS
        yield Result("posts dated", f"family {profile} ({posts} posts)", dated / posts, True,
                     FAMILY_LIMITS["dated"].get(profile, NO_LIMIT) if judged else NO_LIMIT)
        yield Result("posts with a site", f"family {profile} ({posts} posts)", with_site / posts, True,
                     FAMILY_LIMITS["with a site"].get(profile, NO_LIMIT) if judged else NO_LIMIT)


def reject_checks(con: duckdb.DuckDBPyConnection) -> Iterable[Result]:
    """Dumps rejected whole (not acknowledged), and the share of dumps with any reject."""
    acked = "path IN (SELECT path FROM dump_acks WHERE sha256 IS NULL OR sha256 = d.sha256)" if _has(con, "dump_acks") else "false"
    dumps, whole, some = con.execute(f"""
        SELECT count(*), count(*) FILTER (status = 'rejected' AND NOT ({acked})), count(*) FILTER (rejects_found > 0)
        FROM dumps d WHERE missing_since_run_id IS NULL""").fetchone()  # type: ignore[misc]
    examples = tuple(f"{p}: {n} rejects" for p, n in con.execute(f"""
        SELECT path, rejects_found FROM dumps d WHERE missing_since_run_id IS NULL AND rejects_found > 0
        ORDER BY status = 'rejected' DESC, rejects_found DESC, path LIMIT {EXAMPLES}""").fetchall())
    yield Result("dumps rejected whole", "dumps under raw/", whole / dumps if dumps else 0.0, True,
                 LIMITS["dumps rejected whole"], examples if whole else ())
    yield Result("dumps with rejects", "dumps under raw/", some / dumps if dumps else 0.0, True,
                 LIMITS["dumps with rejects"], examples)


CHECKS = (key_checks, title_checks, body_checks, family_checks, reject_checks)


def run_checks(con: duckdb.DuckDBPyConnection) -> list[Result]:
    """Every declared check on the warehouse the connection holds."""
    return [result for check in CHECKS for result in check(con)]


def check_warehouse(db_path: Path | str) -> list[Result]:
    """Every check on the published warehouse, read-only (a fresh snapshot of the file)."""
    from blogetl.warehouse.access import connect

    with connect(db_path, fresh=True) as con:
        return run_checks(con)


def worst(results: Iterable[Result]) -> str:
    """fail if any failed, else warn if any warned, else pass."""
    states = {r.status for r in results}
    return "fail" if "fail" in states else "warn" if "warn" in states else "pass"


def markdown(results: list[Result], db_path: str) -> str:
    """The results as a markdown table (the flow's artifact)."""
    lines = [f"# blogetl data checks: {worst(results)}", "", f"Warehouse: `{db_path}`", "",
             "| status | check | subject | value | limits | examples |", "|---|---|---|---:|---|---|"]
    for r in results:
        lines.append(f"| {r.status} | {r.check} | {r.subject} | {r.shown} | {r.limit.describe(r.share)} | "
                     + "; ".join(e.replace("|", "\\|") for e in r.examples) + " |")
    return "\n".join(lines) + "\n"
