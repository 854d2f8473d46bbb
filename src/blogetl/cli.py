"""The `blogetl` command line: a thin shell over the library."""

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

from blogetl.io import DUMP_SUFFIXES, discover_dumps, read_dump
from blogetl.parser import parse_bytes

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
                row = {"dump": str(path), **record.model_dump(mode="json")}
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        table.add_row(str(path), result.page_kind.value, result.site or "-", str(len(result.posts)),
                      str(len(result.comments)), str(len(result.rejects)), result.encoding or "-")
    if fmt is OutputFormat.table:
        Console().print(table)
    elapsed = time.perf_counter() - started
    err.print(
        f"parsed {totals['dumps']} dumps: {totals['post']} posts, {totals['comment']} comments, "
        f"{totals['reject']} rejects in {elapsed:.3f} s",
        highlight=False,
    )


if __name__ == "__main__":  # pragma: no cover
    app()
