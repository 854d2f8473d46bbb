"""The installed `blogetl` command: the library's commands (blogetl.cli) plus the Prefect ones.

`ingest` runs as a Prefect flow unless --no-flow, which is the library's own `ingest` command
(same messages, same exit codes); `serve`, `watch`, `server` and `clean-cache` need Prefect.
Prefect is imported only when one of them runs, so `blogetl parse` starts as fast as the
library's command line (and the options below can still set Prefect's logging first).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.markup import escape
from typer.models import CommandInfo

from blogetl import cli as library
from blogetl.cli import (
    EXIT_COULD_NOT_RUN,
    EXIT_USAGE,
    DbOption,
    DedupOption,
    RawOption,
    WorkersOption,
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


QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="only warnings, errors and the outcome")]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="also every task run's line and Dask's own log")]
AlertOption = Annotated[str | None, typer.Option(
    "--alert-url", envvar="BLOGETL_ALERT_URL", show_envvar=True,
    help="where a failed or partly loaded run is reported: a webhook (http://...) or any apprise URL (mailto://...)")]


def setup_run(quiet: bool, verbose: bool, alert_url: str | None = None) -> None:
    """Apply --quiet/--verbose and --alert-url before Prefect is imported (and for the runs it starts)."""
    if quiet and verbose:
        raise typer.BadParameter("choose one of --quiet and --verbose", param_hint="--quiet/--verbose")
    from flows._env import set_verbosity

    set_verbosity("quiet" if quiet else "verbose" if verbose else os.environ.get("BLOGETL_VERBOSITY", "normal"),
                  force=quiet or verbose)
    if alert_url is not None:
        os.environ["BLOGETL_ALERT_URL"] = alert_url
    from flows.policy import Policy

    try:
        Policy.from_env()  # the BLOGETL_* retry and cache settings: a bad one is named here, not in a traceback
    except ValueError as exc:
        err.print(f"[red]bad setting:[/red] {exc}", highlight=False)
        raise typer.Exit(EXIT_USAGE) from None


_stops: list[str] = []  # the signals that asked this command to stop


def _terminate(signum: int, _frame: object) -> None:
    _stops.append(signal.Signals(signum).name)
    raise KeyboardInterrupt(_stops[-1])


def stopped() -> bool:
    """Whether SIGTERM or SIGINT asked the command to stop (its KeyboardInterrupt can surface as another
    error: raised inside pydantic while Prefect builds a model, it became a SchemaError)."""
    return bool(_stops)


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the command as Ctrl-C does: its run is aborted and the temporary Prefect
    server it started is stopped on the way out (killed outright, it was left running)."""
    # SIGINT too, explicitly: a fresh-clone test run saw a SIGINT to `watch` mid-run ignored (the run
    # completed and watch kept watching) while SIGTERM, through this handler, always stopped it.
    previous = {sig: signal.signal(sig, _terminate) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def ingest_stopped() -> NoReturn:
    """Exit 130 with one line: a signal stopped the run, which published nothing."""
    err.print("[red]ingest stopped:[/red] nothing was published (the next run does this run's work)", highlight=False)
    raise typer.Exit(130) from None


@app.command()
def ingest(
    raw: RawOption = Path("raw"),
    db: DbOption = Path("warehouse/blog.duckdb"),
    task_runner: Annotated[TaskRunnerKind, typer.Option(help="threads, or dask for a Dask cluster")] = TaskRunnerKind.threads,
    dask_address: Annotated[str | None, typer.Option(help="tcp://host:port of an existing Dask scheduler")] = None,
    dedup: DedupOption = True,
    flow: Annotated[bool, typer.Option(help="run as a Prefect flow run (--no-flow: the plain library, no Prefect)")] = True,
    workers: WorkersOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
    alert_url: AlertOption = None,
) -> None:
    """Parse new or changed dumps under --raw and publish the warehouse at --db (safe to re-run)."""
    if not flow:
        library.ingest(raw, db, dedup, workers)  # the library's command: it always ends in typer.Exit
        return
    if workers is not None and workers > 1:
        raise typer.BadParameter("applies to --no-flow; a flow parses on its --task-runner", param_hint="--workers")
    prepare_ingest(raw, db)  # the library's checks: the same usage errors and exit codes
    setup_run(quiet, verbose, alert_url)
    from prefect.exceptions import TerminationSignal

    from flows.ingest import run_ingest
    from flows.tempserver import temporary_server

    try:
        with sigterm_as_interrupt(), temporary_server():
            state, report = run_ingest(str(raw), str(db), dedup=dedup, task_runner=task_runner.value, dask_address=dask_address)
    except (KeyboardInterrupt, TerminationSignal):
        ingest_stopped()
    except Exception as exc:  # Prefect or the task runner could not start
        if stopped():
            ingest_stopped()
        library.run_failure("ingest", exc)
    if report is None and stopped():
        ingest_stopped()
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
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
    alert_url: AlertOption = None,
) -> None:
    """Serve the ingest flow as a Prefect deployment on a cron schedule (needs `blogetl server`; Ctrl-C or SIGTERM stops it)."""
    require_raw(raw)
    check_db(db, "serve")
    setup_run(quiet, verbose, alert_url)
    require_cron(cron)
    from flows.server import ServerMissing, require_server

    try:
        url = require_server()
    except ServerMissing as exc:
        err.print(f"[red]cannot serve:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from None
    from flows.serve import serve as serve_flow

    err.print(f"serving the ingest deployment on {cron!r} against {url} (Ctrl-C or SIGTERM stops it)", highlight=False,
              soft_wrap=True)
    serve_flow(cron, str(raw), str(db))


@app.command()
def watch(
    raw: RawOption = Path("raw"),
    db: DbOption = Path("warehouse/blog.duckdb"),
    settle: Annotated[float, typer.Option(help="seconds a new file must stay unchanged before it is read")] = 1.0,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
    alert_url: AlertOption = None,
) -> None:
    """Ingest once, then again whenever dumps arrive in --raw (a burst of files gives one run; Ctrl-C or SIGTERM stops it)."""
    require_raw(raw)
    check_db(db, "watch")
    setup_run(quiet, verbose, alert_url)
    from flows.ingest import run_ingest
    from flows.watch import watch_raw

    def run_once() -> None:
        state, _report = run_ingest(str(raw), str(db))
        if not state.is_completed():
            err.print(f"[red]ingest did not complete:[/red] {state.message}", highlight=False)

    from prefect.exceptions import TerminationSignal

    from flows.tempserver import temporary_server

    err.print(f"watching {raw} (Ctrl-C or SIGTERM stops it)", highlight=False)
    try:
        with sigterm_as_interrupt(), temporary_server():
            watch_raw(raw, run_once, settle=settle)
    except (KeyboardInterrupt, TerminationSignal):
        err.print("stopped watching (a run cut short publishes nothing; the next run does its work)", highlight=False)


@app.command()
def server(
    port: Annotated[int, typer.Option(min=1, max=65535, help="port on 127.0.0.1")] = 4200,
) -> None:
    """Run a Prefect server with its scheduler and UI on 127.0.0.1, offline (what `serve` needs; Ctrl-C stops it)."""
    from flows.server import api_url, port_free, server_command

    if not port_free(port):
        raise typer.BadParameter(f"port {port} is in use (a server already running there?); choose another", param_hint="--port")
    argv, env = server_command(port)
    err.print(f"Prefect server with its scheduler and UI: http://127.0.0.1:{port} (Ctrl-C or SIGTERM stops it).\n"
              f"In the shells that run blogetl serve, watch or ingest:", highlight=False, soft_wrap=True)
    typer.echo(f"export PREFECT_API_URL={api_url(port)}")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], argv, env)  # the server is this process from here on: signals reach it directly


@app.command("clean-cache")
def clean_cache(
    older_than: Annotated[float | None, typer.Option(min=0, help="only results cached more than this many days ago")] = None,
) -> None:
    """Remove cached parse results from Prefect's result storage (a later run parses those dumps again)."""
    from flows import cache

    removed = cache.clean(older_than_days=older_than)
    typer.echo(f"removed {removed.describe()} from {cache.storage_dir()}")


if __name__ == "__main__":  # pragma: no cover
    app()
