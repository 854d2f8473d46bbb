"""The `blogetl` command line: a thin shell over the library."""

# The library's commands (parse, shell-init, ingest without Prefect, status, ack). The installed `blogetl`
# command is flows/cli.py: these commands plus the Prefect ones (ingest as a flow, serve, watch).
# Nothing here imports `flows` or Prefect (tests/test_layout.py checks it).

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from blogetl.parse.parser import parse_bytes
from blogetl.sources.files import (
    DUMP_SUFFIXES,
    LinkOutsideRaw,
    discover_dumps,
    printable,
    read_dump,
    relative_name,
)

# rich_markup_mode=None: click's plain errors ('Error: Invalid value for ...', one line however
# long the path in it), not rich's panel, which wraps a message at 80 columns in a log file.
app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__, rich_markup_mode=None)
err = Console(stderr=True)

# The exit codes (README "Exit codes"); blogetl.pipeline holds them with the run's rules, but
# importing it here would load DuckDB and the parser before `blogetl parse --help`.
EXIT_USAGE, EXIT_COULD_NOT_RUN = 2, 3


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
    paths: Annotated[list[Path], typer.Argument(metavar="PATHS", help=f"dump files or folders of dumps ({', '.join(DUMP_SUFFIXES)})")],
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="jsonl: one JSON object per record; table: a summary per dump")] = OutputFormat.jsonl,
) -> None:
    """Parse dumps and print their records (posts, comments, rejects); no database involved."""
    started = time.perf_counter()
    totals = {"dumps": 0, "post": 0, "comment": 0, "reject": 0}
    table = Table("dump", "kind", "site", "posts", "comments", "rejects", "encoding")
    for path, root in expand_paths(paths):
        try:
            dump = read_dump(path, root)
        except LinkOutsideRaw as exc:
            say(f"{printable(str(path))}: skipped, {exc}")
            continue
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


def say(text: str, *, style: str = "") -> None:
    """One line on stderr, never wrapped (a log keeps it whole), never read as markup."""
    err.print(f"[{style}]{escape(text)}[/{style}]" if style else escape(text), soft_wrap=True, highlight=False)


def could_not_run_exit(command: str, text: str) -> NoReturn:
    """'<command> could not run: <why>' and exit code 3: the environment stopped it, nothing was published."""
    err.print(f"[red]{command} could not run:[/red] {escape(text)}", soft_wrap=True, highlight=False)
    raise typer.Exit(EXIT_COULD_NOT_RUN)


def require_raw(raw: Path) -> None:
    """Fail before any work when the raw folder is missing or is a file (a usage error, exit 2)."""
    if raw.is_file():
        raise typer.BadParameter(f"{raw} is a file; give the folder of dumps that holds it", param_hint="--raw")
    if not raw.is_dir():
        raise typer.BadParameter(f"raw folder not found: {raw}", param_hint="--raw")


def check_db(db: Path, command: str, *, must_exist: bool = False) -> bool:
    """Fail clearly (exit 2) when --db cannot name a warehouse: a folder, under a file, a file that is no
    DuckDB database, or (must_exist) nothing at all; returns whether the warehouse exists."""
    if db.is_dir():
        raise typer.BadParameter(f"{db} is a folder; give the warehouse file, for example {db / 'blog.duckdb'}",
                                 param_hint="--db")
    folder = next((p for p in db.absolute().parents if p.exists()), None)
    if folder is not None and not folder.is_dir():
        raise typer.BadParameter(f"{folder} is a file, so {db} cannot be made", param_hint="--db")
    if not db.exists():
        if must_exist:
            raise typer.BadParameter(f"no warehouse at {db} (blogetl ingest makes one)", param_hint="--db")
        return False
    try:
        with db.open("rb") as fh:
            header = fh.read(12)
    except OSError as exc:
        could_not_run_exit(command, f"cannot read {db}: {exc.strerror or exc}")
    if header[8:12] != b"DUCK":  # a DuckDB file's magic bytes
        raise typer.BadParameter(f"{db} is not a DuckDB warehouse; move it away to build a new one, or pass another --db",
                                 param_hint="--db")
    return True


def check_writable(db: Path, command: str) -> None:
    """Make the warehouse's folder and prove a file can be written in it (exit 3 when the OS refuses:
    permissions, a read-only file system, /proc)."""
    folder = Path(os.path.realpath(db.absolute())).parent  # where the file is written: a link's target's folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".blogetl-probe-"):
            pass
    except OSError as exc:
        could_not_run_exit(command, f"cannot write in {folder} (--db {db}): {exc.strerror or exc}")


def run_failure(command: str, exc: BaseException) -> NoReturn:
    """Exit 3 for an error that stopped a run: one line for the expected ones (lock, disk, permissions,
    database, memory), the traceback too for anything else (a bug)."""
    import duckdb

    from blogetl.pipeline import could_not_run
    from blogetl.warehouse.errors import WarehouseError

    if not isinstance(exc, WarehouseError | duckdb.Error | OSError | MemoryError):
        err.print_exception()
    could_not_run_exit(command, could_not_run(exc))


RawOption = Annotated[Path, typer.Option("--raw", help="folder of dumps")]
DbOption = Annotated[Path, typer.Option("--db", help="the published DuckDB warehouse")]
DedupOption = Annotated[bool, typer.Option(help="run the cross-publication deduplication stage")]
WorkersOption = Annotated[int | None, typer.Option(
    min=1, max=64, show_default="one per core for a run big enough to gain from it, else 1",
    help="processes that parse and deduplicate (the library, --no-flow); 1: this process only")]


def prepare_ingest(raw: Path, db: Path) -> None:
    """What `blogetl ingest` checks before any work, with or without Prefect: --raw, --db, and a line
    when the run will create a new warehouse (a typo in --db shows at once)."""
    require_raw(raw)
    exists = check_db(db, "ingest")
    check_writable(db, "ingest")
    if not exists:
        say(f"creating a new warehouse at {db.absolute()}", style="yellow")


def report_warnings(warnings: list[str]) -> None:
    """Each warning about raw/ as one line on stderr."""
    for warning in warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}", soft_wrap=True, highlight=False)


@app.command()
def ingest(
    raw: RawOption = Path("raw"),
    db: DbOption = Path("warehouse/blog.duckdb"),
    dedup: DedupOption = True,
    workers: WorkersOption = None,
) -> None:
    """Parse new or changed dumps under --raw and publish the warehouse at --db (safe to re-run)."""
    prepare_ingest(raw, db)

    from blogetl import pipeline

    stages = []
    if dedup:
        from functools import partial

        from blogetl.dedup import run as deduplicate

        # 0: every core for a big run; the warehouse made the dedup tables when it opened its working copy
        stages.append(partial(deduplicate, workers=0 if workers is None else workers, schema_ready=True))
    try:
        with pipeline.parse_on_cores(workers) as parse_map:
            report = pipeline.run(raw, db, after_load=stages, parse_map=parse_map)
    except Exception as exc:
        run_failure("ingest", exc)
    typer.echo(report.summary.format())
    report_warnings(report.warnings)
    if not report.ok:
        err.print(f"[red]ingest did not complete:[/red] {escape(report.message)}", soft_wrap=True, highlight=False)
        for line in report.details():
            say(f"  {line}")
    raise typer.Exit(report.exit_code)


def plain_table(*columns: str, right: tuple[int, ...] = ()) -> Table:
    """A table without a frame: a header line, a rule, one line per row."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for index, name in enumerate(columns):
        table.add_column(name, justify="right" if index in right else "left")
    return table


def wide_console() -> Console:
    """stdout; a log or a pipe gets each table row on one line, not wrapped at 80 columns."""
    return Console(width=None if sys.stdout.isatty() else 250, highlight=False)


def _took(row: dict[str, Any]) -> str:
    """How long a run took, from its row."""
    started, finished = row.get("started_at"), row.get("finished_at")
    if isinstance(started, datetime) and isinstance(finished, datetime):
        return f"{(finished - started).total_seconds():.1f} s"
    return "-"


@app.command()
def status(
    db: DbOption = Path("warehouse/blog.duckdb"),
    last: Annotated[int, typer.Option("--last", "-n", min=1, help="how many runs to show")] = 10,
) -> None:
    """Show the last runs (time, status, counts, dumps that need a look) from the warehouse's ingest_runs.

    Reads the published file read-only, without Prefect: works while a run is writing.
    """
    check_db(db, "status", must_exist=True)
    from blogetl.warehouse.history import NotAWarehouse, recent_runs

    try:
        runs = recent_runs(db, last)
    except NotAWarehouse as exc:
        raise typer.BadParameter(str(exc), param_hint="--db") from exc
    except Exception as exc:
        run_failure("status", exc)
    if not runs:
        typer.echo(f"no runs recorded in {db}")
        return
    table = plain_table("run", "finished (UTC)", "took", "status", "dumps", "new", "changed", "missing", "posts added",
                        "updated", "need a look", "acked", right=(0, 2, 4, 5, 6, 7, 8, 9, 10, 11))
    for row in runs:
        finished = row.get("finished_at")
        colour = {"succeeded": "green", "incomplete": "yellow", "failed": "red"}.get(str(row.get("status")), "")
        table.add_row(
            str(row["run_id"]), f"{finished:%Y-%m-%d %H:%M:%S}" if isinstance(finished, datetime) else "-", _took(row),
            f"[{colour}]{row.get('status')}[/{colour}]" if colour else escape(str(row.get("status"))),
            *(str(row.get(name, "-")) for name in ("dumps_seen", "dumps_new", "dumps_changed", "dumps_missing", "posts_added",
                                                   "posts_updated", "dumps_not_loaded", "dumps_acknowledged")),
        )
    out = wide_console()
    out.print(f"last {len(runs)} run(s) of {escape(str(db))}", soft_wrap=True)
    out.print(table)
    latest = runs[0]
    if latest.get("status") == "failed":
        out.print(f"run {latest['run_id']} failed: {escape(str(latest.get('error')))}", soft_wrap=True, highlight=False)
    items = latest.get("not_loaded") or []
    if items:
        out.print(f"run {latest['run_id']}: {latest.get('dumps_not_loaded')} dump(s) need a look"
                  + (f" (the first {len(items)})" if len(items) < (latest.get("dumps_not_loaded") or 0) else ""),
                  highlight=False)
        for item in items:
            out.print(f"  {escape(item['path'])}: {escape(item['why'])}", soft_wrap=True, highlight=False)
        out.print("fix a dump (new bytes that load), move it out of raw/, or accept it: blogetl ack PATH --reason TEXT",
                  soft_wrap=True, highlight=False)


def resolve_dump(name: str, raw: Path) -> tuple[str, Path] | None:
    """A dump named as runs name it (its path under raw/) or by its file: (path under raw/, file)."""
    root = raw.absolute()
    dumps = {relative_name(f, root): f for f in discover_dumps(root)}
    if name in dumps:
        return name, dumps[name]
    try:
        rel = relative_name(Path(os.path.normpath(Path(name).absolute())), root)
    except ValueError:  # not under raw/
        return None
    return (rel, dumps[rel]) if rel in dumps else None


@app.command()
def ack(
    path: Annotated[str | None, typer.Argument(metavar="PATH", help="the dump: its path under --raw as runs name it, or its file")] = None,
    reason: Annotated[str | None, typer.Option(help="why the dump is accepted as it is")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="withdraw the dump's acknowledgement")] = False,
    list_: Annotated[bool, typer.Option("--list", help="list the acknowledged dumps")] = False,
    raw: RawOption = Path("raw"),
    db: DbOption = Path("warehouse/blog.duckdb"),
) -> None:
    """Acknowledge a dump that does not load (rejected, unreadable, failed to parse): runs report it
    but no longer fail on it, until its bytes change. `--list` shows them, `--remove` withdraws one."""
    if list_:
        if path is not None or reason is not None or remove:
            raise typer.BadParameter("--list takes no PATH, --reason or --remove", param_hint="--list")
        check_db(db, "ack", must_exist=True)
        list_acks(db)
        return
    if path is None:
        raise typer.BadParameter("name the dump (PATH), or use --list", param_hint="PATH")
    if remove and reason is not None:
        raise typer.BadParameter("--remove takes no --reason", param_hint="--reason")
    if not remove and not (reason or "").strip():
        raise typer.BadParameter("say why the dump is accepted as it is: --reason TEXT", param_hint="--reason")
    check_db(db, "ack", must_exist=True)
    check_writable(db, "ack")
    from blogetl.warehouse.acks import acknowledge, withdraw
    from blogetl.warehouse.history import NotAWarehouse, published_acks
    from blogetl.warehouse.store import edit_published

    try:
        known = published_acks(db)
    except NotAWarehouse as exc:
        raise typer.BadParameter(str(exc), param_hint="--db") from exc
    except Exception as exc:
        run_failure("ack", exc)
    if remove:
        found = resolve_dump(path, raw) if raw.is_dir() else None
        name = path if path in known else (found[0] if found else path)
        if name not in known:
            raise typer.BadParameter(f"{path} is not acknowledged (blogetl ack --list shows what is)", param_hint="PATH")
        try:
            with edit_published(db) as con:
                withdraw(con, name)
        except Exception as exc:
            run_failure("ack", exc)
        typer.echo(f"{name}: acknowledgement withdrawn; runs fail on it again while it does not load")
        return
    require_raw(raw)
    found = resolve_dump(path, raw)
    if found is None:
        raise typer.BadParameter(f"{path} is no dump under {raw} (name it as runs do, e.g. {next(iter(known), 'site/page.txt')}, "
                                 "or give its file)", param_hint="PATH")
    name, file = found
    unreadable = None
    from blogetl.sources.scan import meta_of

    try:  # the dump's identity as runs see it (a link out of raw/ is not read: its target is)
        sha256: str | None = meta_of(raw.absolute(), file).sha256
    except OSError as exc:
        sha256, unreadable = None, exc.strerror or str(exc)
    try:
        with edit_published(db) as con:
            acknowledge(con, name, sha256, (reason or "").strip())
    except Exception as exc:
        run_failure("ack", exc)
    if sha256 is None:
        typer.echo(f"{name}: acknowledged while it cannot be read ({unreadable}); runs report it and no longer fail on it "
                   "while it stays unreadable")
    else:
        typer.echo(f"{name}: acknowledged at sha256 {sha256[:12]}; runs report it and no longer fail on it "
                   f"until its bytes change (blogetl ack {name} --remove withdraws it)")


@app.command()
def edit(
    sql: Annotated[str, typer.Argument(metavar="SQL", help="statements run in one transaction, e.g. "
                                       "\"UPDATE outlets SET aliases = list_append(aliases, 'Kuriren') WHERE outlet_id = 'vk'\"")],
    db: DbOption = Path("warehouse/blog.duckdb"),
) -> None:
    """Change the warehouse on purpose (the outlets table is yours to edit): SQL under the writer lock, published.

    The published file is read-only, and writes made to it directly are undone by the next run
    (README "Analysts: read-only"); an edit made here is kept, and the next run redoes what depends on it.
    """
    check_db(db, "edit", must_exist=True)
    check_writable(db, "edit")
    import duckdb

    from blogetl.warehouse.store import edit_published

    try:
        with edit_published(db) as con:
            con.execute(sql)
    except (duckdb.ParserException, duckdb.CatalogException, duckdb.BinderException, duckdb.ConstraintException,
            duckdb.ConversionException) as exc:
        raise typer.BadParameter(str(exc).splitlines()[0], param_hint="SQL") from None
    except Exception as exc:
        run_failure("edit", exc)
    typer.echo(f"published {db} with the edit; the next run redoes what depends on it")


def list_acks(db: Path) -> None:
    """The acknowledged dumps, with what the warehouse holds of each now."""
    from blogetl.warehouse.history import NotAWarehouse, dump_states, published_acks

    try:
        known = published_acks(db)
        states = dump_states(db, list(known))
    except NotAWarehouse as exc:
        raise typer.BadParameter(str(exc), param_hint="--db") from exc
    except Exception as exc:
        run_failure("ack", exc)
    if not known:
        typer.echo(f"no acknowledged dumps in {db}")
        return
    table = plain_table("dump", "sha256", "acknowledged (UTC)", "by", "in the warehouse now", "reason")
    for name, a in known.items():
        sha, status, missing = states.get(name, (None, None, False))
        if a.sha256 is None:
            now = "acknowledged while unreadable"
        elif status is None:
            now = "not loaded yet"
        elif sha != a.sha256:
            now = "its bytes changed: not covered"
        else:
            now = f"{status}{', missing from raw/' if missing else ''}"
        table.add_row(escape(name), (a.sha256 or "-")[:12], f"{a.acknowledged_at:%Y-%m-%d %H:%M}", escape(a.acknowledged_by),
                      now, escape(a.reason))
    wide_console().print(table)




from blogetl import analyst_cli  # noqa: E402,F401  (registers search, describe, export, check, report on app)

if __name__ == "__main__":  # pragma: no cover
    app()
