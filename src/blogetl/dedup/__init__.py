"""Passage-level text-reuse detection: posts that are one article, its versions and quotes.

``run(con)`` reads the ``dedup_input`` relation of a DuckDB connection (the warehouse declares it;
``create_input`` makes one over a plain table of posts) and maintains ``outlets``,
``articles``, ``article_members``, ``article_redirects``, ``post_pairs``,
``passage_matches``, ``post_outlets`` and the ``v_articles`` view (plus ``dedup_*`` state).
It is incremental: only new or changed posts are fingerprinted and compared, against the
stored fingerprints.  It fits the warehouse's ``after_load`` hook as it is.

>>> import duckdb
>>> con = duckdb.connect()
>>> _ = con.execute("CREATE TABLE posts (post_id VARCHAR PRIMARY KEY, title VARCHAR, body VARCHAR, site VARCHAR, page_kind VARCHAR)")
>>> text = "I dagens VK 16/11 skriver jag om det uppdrag vi lagt i budgeten om att förebygga etablering av organiserad brottslighet i Umeå kommun och säkra välfärden för alla."
>>> _ = con.execute("INSERT INTO posts VALUES ('p1', 'Stoppa brottsligheten', ?, 'vk.se', 'listing'), ('p2', 'Kopia', ?, 'vk.se', 'single')", [text, text])
>>> create_input(con, "posts")
>>> summary = run(con)
>>> con.execute("SELECT members, versions, duplicates, outlets FROM v_articles").fetchall()
[(2, 1, 1, ['VK'])]
>>> run(con)["changed"]
False
"""

from blogetl.dedup.config import DEFAULT, DedupConfig
from blogetl.dedup.pipeline import DedupError, create_input, run

__all__ = ["DEFAULT", "DedupConfig", "DedupError", "create_input", "run"]
