"""The analysts' commands of `blogetl` (search, describe, export, check, report): read-only, on the
published warehouse, registered on the library's command line (blogetl.cli) at its import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.markup import escape

from blogetl.cli import DbOption, app, check_db, plain_table, run_failure, wide_console


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


def _published(db: Path, command: str) -> duckdb.DuckDBPyConnection:
    """The published warehouse, read-only (a usage error when there is none)."""
    check_db(db, command, must_exist=True)
    from blogetl.warehouse.access import connect

    try:
        return connect(db)
    except Exception as exc:
        run_failure(command, exc)


@app.command()
def describe(
    table: Annotated[str | None, typer.Argument(metavar="TABLE", help="a table or view (fts_main_posts.terms for the index's)")] = None,
    db: DbOption = Path("warehouse/blog.duckdb"),
) -> None:
    """The data dictionary: every table and view with its comment, or one's columns with type and comment."""
    from blogetl.warehouse import dictionary

    out = wide_console()
    with _published(db, "describe") as con:
        if table is None:
            listing = plain_table("table / view", "kind", "comment")
            for each in dictionary.objects(con):
                listing.add_row(escape(each.qualified), each.kind, escape(each.comment))
            out.print(listing)
            return
        obj = dictionary.find(con, table)
        if obj is None:
            names = ", ".join(o.qualified for o in dictionary.objects(con) if o.schema == "main")
            raise typer.BadParameter(f"no table or view {table!r} in {db} (there are: {names})", param_hint="TABLE")
        out.print(f"{escape(obj.qualified)} ({obj.kind}): {escape(obj.comment)}", soft_wrap=True)
        cols = dictionary.columns(con, obj)
        width = max((len(name) for name, _, _ in cols), default=0)
        kinds = max((len(kind) for _, kind, _ in cols if len(kind) <= 24), default=0)
        for name, kind, comment in cols:  # one line each, never wrapped: long struct types stay readable in a log
            out.print(f"{escape(name):<{width}}  {escape(kind):<{kinds}}  {escape(comment)}", soft_wrap=True)


@app.command()
def export(
    out: Annotated[Path, typer.Argument(metavar="DIR", help="folder to write one file per table or view into")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="parquet or csv (nested columns as JSON text)")] = "parquet",
    tables: Annotated[list[str] | None, typer.Option("--table", "-t", help="only this table or view (repeat for more); "
                                                     "default: every table and view but the dedup stage's internal state")] = None,
    db: DbOption = Path("warehouse/blog.duckdb"),
) -> None:
    """Write the warehouse's tables and views as Parquet or CSV files, one per table or view, for other tools."""
    from blogetl.warehouse import dictionary

    try:
        kind = dictionary.ExportFormat(fmt)
    except ValueError:
        raise typer.BadParameter(f"{fmt!r} is not one of parquet, csv", param_hint="--format") from None
    if out.exists() and not out.is_dir():
        raise typer.BadParameter(f"{out} is a file; give a folder", param_hint="DIR")
    with _published(db, "export") as con:
        objs = dictionary.analyst_objects(con)
        if tables:
            objs = []
            for name in tables:
                obj = dictionary.find(con, name)
                if obj is None:
                    raise typer.BadParameter(f"no table or view {name!r} in {db} (blogetl describe lists them)", param_hint="--table")
                objs.append(obj)
        try:
            written = dictionary.export(con, out, kind, objs)
        except Exception as exc:
            run_failure("export", exc)
    for obj, path, rows in written:
        typer.echo(f"{rows:>9,} rows  {obj.qualified} -> {path}")


@app.command()
def check(db: DbOption = Path("warehouse/blog.duckdb")) -> None:
    """Data tests on the published warehouse (keys, titles, bodies, dates and sites per family of pages,
    rejects): a pass/warn/fail table; exit 1 when a check fails. Thresholds: blogetl.checks.LIMITS."""
    check_db(db, "check", must_exist=True)
    from blogetl.checks import check_warehouse, worst

    try:
        results = check_warehouse(db)
    except Exception as exc:
        run_failure("check", exc)
    colour = {"pass": "green", "warn": "yellow", "fail": "red"}
    table = plain_table("status", "check", "subject", "value", "limits", "examples", right=(3,))
    for r in results:
        table.add_row(f"[{colour[r.status]}]{r.status}[/{colour[r.status]}]", r.check, escape(r.subject), r.shown,
                      r.limit.describe(r.share), escape("; ".join(r.examples)))
    out = wide_console()
    out.print(table)
    overall = worst(results)
    counts = {s: sum(r.status == s for r in results) for s in ("pass", "warn", "fail")}
    out.print(f"[{colour[overall]}]{overall}[/{colour[overall]}]: {counts['pass']} passed, {counts['warn']} warned, "
              f"{counts['fail']} failed ({escape(str(db))})", soft_wrap=True)
    if overall == "fail":
        raise typer.Exit(1)


@app.command()
def report(
    db: DbOption = Path("warehouse/blog.duckdb"),
    out: Annotated[Path | None, typer.Option("--out", "-o", help="the HTML file to write (default: beside the warehouse, "
                                             "blog.duckdb -> blog-report.html)")] = None,
) -> None:
    """Write one self-contained HTML page (opens offline) with charts: posts per month of publication per
    outlet, the largest cross-published articles on a timeline, rejects per dump and reason, the last runs."""
    check_db(db, "report", must_exist=True)
    from blogetl.report import default_out, write_report

    target = out or default_out(db)
    if target.is_dir():
        raise typer.BadParameter(f"{target} is a folder; give the HTML file to write", param_hint="--out")
    try:
        written = write_report(db, target)
    except Exception as exc:
        run_failure("report", exc)
    typer.echo(f"wrote {written} ({written.stat().st_size / 1024:.0f} kB); open it in any browser, no network needed")
