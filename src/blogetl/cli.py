"""The `blogetl` command line: a thin shell over the library."""

# The library's commands (parse, shell-init, ingest without Prefect). The installed `blogetl`
# command is flows/cli.py: these commands plus the Prefect ones (ingest as a flow, serve, watch).
# Nothing here imports `flows` or Prefect (tests/test_layout.py checks it).

from __future__ import annotations

import json
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from blogetl.parse.parser import parse_bytes
from blogetl.sources.files import DUMP_SUFFIXES, discover_dumps, printable, read_dump

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
err = Console(stderr=True)


@app.callback()
def main() -> None:
    """blogetl: scraped blog dumps in, a DuckDB warehouse analysts can trust out."""


class OutputFormat(StrEnum):
    """How `blogetl parse` prints records."""

    jsonl = "jsonl"
    table = "table"


def expand_paths(paths: list[Path]) -> list[tuple[Path, Path | None]]:
    """Files as given, folders expanded to the dumps below them (with their root)."""
    out: list[tuple[Path, Path | None]] = []
    for path in paths:
        if path.is_dir():
            out.extend((p, path) for p in discover_dumps(path))
        elif path.is_file():
            out.append((path, None))
        else:
            raise typer.BadParameter(f"no such file or directory: {path}")
    return out


@app.command()
def parse(
    paths: Annotated[list[Path], typer.Argument(help=f"dump files or folders of dumps ({', '.join(DUMP_SUFFIXES)})")],
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="jsonl: one JSON object per record; table: a summary per dump")] = OutputFormat.jsonl,
) -> None:
    """Parse dumps and print their records (posts, comments, rejects); no database involved."""
    started = time.perf_counter()
    totals = {"dumps": 0, "post": 0, "comment": 0, "reject": 0}
    table = Table("dump", "kind", "site", "posts", "comments", "rejects", "encoding")
    for path, root in expand_paths(paths):
        dump = read_dump(path, root)
        result = parse_bytes(dump.data, filename=dump.path, site_hint=dump.site_hint)
        totals["dumps"] += 1
        for record in result.records:
            totals[record.type] += 1
            if fmt is OutputFormat.jsonl:
                row = {"dump": printable(str(path)), **record.model_dump(mode="json")}
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        table.add_row(printable(str(path)), result.page_kind.value, result.site or "-", str(len(result.posts)),
                      str(len(result.comments)), str(len(result.rejects)), result.encoding or "-")
    if fmt is OutputFormat.table:
        Console().print(table)
    elapsed = time.perf_counter() - started
    err.print(
        f"parsed {totals['dumps']} dumps: {totals['post']} posts, {totals['comment']} comments, "
        f"{totals['reject']} rejects in {elapsed:.3f} s",
        highlight=False,
    )



@app.command("shell-init")
def shell_init() -> None:
    """Print the SQL that lets the `duckdb` shell load the bundled full-text-search extension."""
    from blogetl.warehouse import shell_sql

    typer.echo(shell_sql())


def require_raw(raw: Path) -> None:
    """Fail before any work when the raw folder is missing."""
    if not raw.is_dir():
        raise typer.BadParameter(f"raw folder not found: {raw}", param_hint="--raw")


RawOption = Annotated[Path, typer.Option("--raw", help="folder of dumps")]
DbOption = Annotated[Path, typer.Option("--db", help="the published DuckDB warehouse")]
DedupOption = Annotated[bool, typer.Option(help="run the cross-publication deduplication stage")]


@app.command()
def ingest(
    raw: RawOption = Path("raw"),
    db: DbOption = Path("warehouse/blog.duckdb"),
    dedup: DedupOption = True,
) -> None:
    """Parse new or changed dumps under --raw and publish the warehouse at --db (safe to re-run)."""
    require_raw(raw)
    db.parent.mkdir(parents=True, exist_ok=True)
    from blogetl import pipeline
    from blogetl.warehouse.errors import WarehouseError

    stages = []
    if dedup:
        from blogetl.dedup import run as deduplicate

        stages.append(deduplicate)
    try:
        report = pipeline.run(raw, db, after_load=stages)
    except WarehouseError as exc:
        err.print(f"[red]ingest failed:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from exc
    typer.echo(report.summary.format())
    if not report.ok:
        err.print(f"[red]ingest did not complete:[/red] {report.message}", highlight=False)
        for line in report.details():
            err.print(f"  {line}", highlight=False)
    raise typer.Exit(report.exit_code)


if __name__ == "__main__":  # pragma: no cover
    app()
