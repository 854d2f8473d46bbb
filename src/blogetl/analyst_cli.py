"""The analysts' commands of `blogetl` (search, describe, export, check, report): read-only, on the
published warehouse, registered on the library's command line (blogetl.cli) at its import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from blogetl.cli import DbOption, app, check_db, run_failure, wide_console


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="words in any inflection: 'bostad' also finds bostäder and bostaden")],
    db: DbOption = Path("warehouse/blog.duckdb"),
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="how many posts")] = 10,
    all_words: Annotated[bool, typer.Option("--all", help="only posts that have every word")] = False,
) -> None:
    """Full-text search in Swedish: the best posts for the words with a snippet, the matched words **marked**
    (the rows of the SQL macro search('words'), ranked by BM25)."""
    check_db(db, "search", must_exist=True)
    from blogetl.warehouse.access import connect
    from blogetl.warehouse.access import search as find
    from blogetl.warehouse.errors import WarehouseError

    try:
        with connect(db) as con:
            rows = find(con, query, limit=limit, conjunctive=all_words)
    except WarehouseError as exc:
        raise typer.BadParameter(str(exc), param_hint="--db") from exc
    except Exception as exc:
        run_failure("search", exc)
    out = wide_console()
    if not rows:
        out.print(f"no post matches {escape(query)!r}", soft_wrap=True)
        return
    for post_id, title, score, snippet in rows:
        out.print(f"{score:6.3f}  {escape(title)}  [dim]({escape(post_id)})[/dim]", soft_wrap=True)
        out.print(f"        {escape(snippet)}", soft_wrap=True)
