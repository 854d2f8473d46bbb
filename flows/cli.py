"""The installed `blogetl` command: the library's commands (blogetl.cli) plus the Prefect ones.

`ingest` runs as a Prefect flow unless --no-flow, which is the library's own `ingest` command
(same messages, same exit codes); `serve` and `watch` need Prefect. Prefect is imported only
when one of them runs, so `blogetl parse` starts as fast as the library's command line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typer.models import CommandInfo

from blogetl import cli as library
from blogetl.cli import DbOption, DedupOption, RawOption, err, require_raw

# Replaced below by their Prefect versions; every other library command is the user's as it is.
OVERRIDDEN = {"ingest"}


def command_name(info: CommandInfo) -> str:
    """The name typer gives a registered command (its own, or its function's with dashes)."""
    assert info.callback is not None
    return info.name or info.callback.__name__.replace("_", "-")


app = typer.Typer(add_completion=False, no_args_is_help=True, help=library.app.info.help)
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


@app.command()
def ingest(
    raw: RawOption = Path("raw"),
    db: DbOption = Path("warehouse/blog.duckdb"),
    task_runner: Annotated[str, typer.Option(help="threads, or dask for a Dask cluster")] = "threads",
    dask_address: Annotated[str | None, typer.Option(help="tcp://host:port of an existing Dask scheduler")] = None,
    dedup: DedupOption = True,
    flow: Annotated[bool, typer.Option(help="run as a Prefect flow run (--no-flow: the plain library, no Prefect)")] = True,
) -> None:
    """Parse new or changed dumps under --raw and publish the warehouse at --db (safe to re-run)."""
    if not flow:
        library.ingest(raw, db, dedup)  # the library's command: it always ends in typer.Exit
        return
    require_raw(raw)
    db.parent.mkdir(parents=True, exist_ok=True)
    from flows.ingest import run_ingest

    state, _report = run_ingest(str(raw), str(db), dedup=dedup, task_runner=task_runner, dask_address=dask_address)
    if not state.is_completed():  # the flow has logged its summary already
        err.print(f"[red]ingest did not complete:[/red] {state.message}", highlight=False)
        raise typer.Exit(1)


@app.command()
def serve(
    cron: Annotated[str, typer.Option(help="cron schedule of the ingest deployment")] = "*/15 * * * *",
    raw: RawOption = Path("raw"),
    db: DbOption = Path("warehouse/blog.duckdb"),
) -> None:
    """Serve the ingest flow as a Prefect deployment on a cron schedule (Ctrl-C stops it)."""
    require_raw(raw)
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
