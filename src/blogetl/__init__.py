"""blogetl: scraped blog dumps in, a DuckDB warehouse analysts can trust out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from blogetl.models import PARSER_VERSION, Comment, PageKind, ParseResult, Post, Reject

if TYPE_CHECKING:
    import duckdb

__all__ = ["PARSER_VERSION", "Comment", "PageKind", "ParseResult", "Post", "Reject", "connect"]
__version__ = "0.1.0"


def connect(path: Path | str = "warehouse/blog.duckdb", *, fresh: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only DuckDB connection to a published warehouse, with full-text search ready.

        >>> import blogetl
        >>> con = blogetl.connect("warehouse/blog.duckdb")          # doctest: +SKIP
        >>> con.sql("SELECT title, score, snippet FROM search('bostad')").df()   # doctest: +SKIP

    Nothing is loaded or downloaded: ``search('words')`` and ``fts_main_posts.match_bm25`` are
    macros in plain SQL over the index's tables, stored in the warehouse, so any DuckDB connection
    runs them; this one also never installs an extension from the network.

    One database per process: DuckDB keeps a file open once per process and hands every later
    ``duckdb.connect`` of the same path that same database while any connection to it is open.
    A run publishes a new file under the same name (an atomic rename), so in a long-lived process
    (a notebook) a new connection still shows the data of the first one opened, until all are
    closed.  ``fresh=True`` opens the file as it is now in a database of its own (the warehouse
    attached read-only to a private in-memory DuckDB, under the same name), whatever else the
    process holds open; a new process also sees the latest publish.
    """
    from blogetl.warehouse.access import connect as open_published

    return open_published(path, fresh=fresh)
