"""The installed `blogetl` command: the library's commands (blogetl.cli) plus the Prefect ones.

`ingest` runs as a Prefect flow unless --no-flow, which is the library's own `ingest` command
(same messages, same exit codes); `serve` and `watch` need Prefect. Prefect is imported only
when one of them runs, so `blogetl parse` starts as fast as the library's command line.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from typer.models import CommandInfo

from blogetl import cli as library
from blogetl.cli import (
    EXIT_COULD_NOT_RUN,
    DbOption,
    DedupOption,
    RawOption,
    check_db,
    err,
    prepare_ingest,
    report_warnings,
    require_raw,
)

# Replaced below by their Prefect versions; every other library command is the user's as it is.
OVERRIDDEN = {"ingest"}


def command_name(info: CommandInfo) -> str:
    """The name typer gives a registered command (its own, or its function's with dashes)."""
    assert info.callback is not None
    return info.name or info.callback.__name__.replace("_", "-")


app = typer.Typer(add_completion=False, no_args_is_help=True, help=library.app.info.help, rich_markup_mode=None)
app.callback()(library.main)
app.registered_commands.extend(info for info in library.app.registered_commands if command_name(info) not in OVERRIDDEN)


def require_cron(cron: str) -> None:
    """Fail before starting Prefect when the schedule is not a cron expression Prefect accepts."""
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    try:
        CronSchedule(cron=cron)
    except ValidationError as exc:
        raise typer.BadParameter(f"not a cron expression: {cron!r} (for example '*/15 * * * *')", param_hint="--cron") from exc


class TaskRunnerKind(StrEnum):
    """Where the parse tasks run (flows/runners.py); a typo is a usage error, not a traceback."""

    threads = "threads"
    dask = "dask"


def flow_failure(state: Any) -> str:
    """One line for a flow run that raised (nothing published): the exception the flow ended with."""
    from blogetl.pipeline import could_not_run

    try:
        exc = state.result(raise_on_failure=False)
    except Exception as read_error:  # the result could not be read back: the state's message says enough
        exc = read_error
    return could_not_run(exc) if isinstance(exc, BaseException) else str(state.message)


@app.command()
def ingest(
    raw: RawOption = Path("raw"),
    db: DbOption = Path("warehouse/blog.duckdb"),
    task_runner: Annotated[TaskRunnerKind, typer.Option(help="threads, or dask for a Dask cluster")] = TaskRunnerKind.threads,
    dask_address: Annotated[str | None, typer.Option(help="tcp://host:port of an existing Dask scheduler")] = None,
    dedup: DedupOption = True,
    flow: Annotated[bool, typer.Option(help="run as a Prefect flow run (--no-flow: the plain library, no Prefect)")] = True,
) -> None:
    """Parse new or changed dumps under --raw and publish the warehouse at --db (safe to re-run)."""
    if not flow:
        library.ingest(raw, db, dedup)  # the library's command: it always ends in typer.Exit
        return
    prepare_ingest(raw, db)  # the library's checks: the same usage errors and exit codes
    from flows.ingest import run_ingest

    try:
        state, report = run_ingest(str(raw), str(db), dedup=dedup, task_runner=task_runner.value, dask_address=dask_address)
    except Exception as exc:  # Prefect or the task runner could not start
        library.run_failure("ingest", exc)
    if report is None:  # the flow raised (lock, disk, database, memory): nothing was published
        err.print(f"[red]ingest could not run:[/red] {escape(flow_failure(state))}", soft_wrap=True, highlight=False)
        raise typer.Exit(EXIT_COULD_NOT_RUN)
    report_warnings(report.warnings)
    if not state.is_completed():  # the flow has logged its summary already
        err.print(f"[red]ingest did not complete:[/red] {escape(str(state.message))}", soft_wrap=True, highlight=False)
        raise typer.Exit(1)


@app.command()
def serve(
    cron: Annotated[str, typer.Option(help="cron schedule of the ingest deployment")] = "*/15 * * * *",
    raw: RawOption = Path("raw"),
    db: DbOption = Path("warehouse/blog.duckdb"),
) -> None:
    """Serve the ingest flow as a Prefect deployment on a cron schedule (Ctrl-C stops it)."""
    require_raw(raw)
    check_db(db, "serve")
    require_cron(cron)
    from flows.serve import serve as serve_flow

    serve_flow(cron, str(raw), str(db))


@app.command()
def watch(
    raw: RawOption = Path("raw"),
    db: DbOption = Path("warehouse/blog.duckdb"),
    settle: Annotated[float, typer.Option(help="seconds a new file must stay unchanged before it is read")] = 1.0,
) -> None:
    """Ingest once, then again whenever dumps arrive in --raw (a burst of files gives one run)."""
    require_raw(raw)
    check_db(db, "watch")
    from flows.ingest import run_ingest
    from flows.watch import watch_raw

    def run_once() -> None:
        state, _report = run_ingest(str(raw), str(db))
        if not state.is_completed():
            err.print(f"[red]ingest did not complete:[/red] {state.message}", highlight=False)

    err.print(f"watching {raw} (Ctrl-C to stop)")
    watch_raw(raw, run_once, settle=settle)


if __name__ == "__main__":  # pragma: no cover
    app()
