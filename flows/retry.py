"""Retry decisions Prefect leaves to the flow: is another attempt coming, and ending a run for good.

Prefect retries a task or flow that raises, up to its ``retries``. Two things it does not do:

- tell a task whether this is its last attempt: a parse task that still cannot read a dump
  raises while attempts are left (Prefect retries the batch) and, on the last one, returns the
  dump's error so the batch's other dumps are loaded all the same;
- end a flow run whose failure no retry can fix. A flow with ``retries`` that *returns* a
  Failed state is put in AwaitingRetry by the server and the run stops there, never retried
  and never failed; so before the ingest flow returns Failed (dumps not loaded) or raises a
  warehouse error (the lock was already retried), it spends the run's remaining retries.
"""

from __future__ import annotations

import errno

from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext, TaskRunContext
from prefect.exceptions import TerminationSignal

from blogetl.warehouse import WarehouseError, WarehouseLocked

# errno values of I/O that may work a moment later (a network file system, a busy device).
TRANSIENT_ERRNOS = frozenset({errno.EIO, errno.EAGAIN, errno.EBUSY, errno.ETIMEDOUT, errno.ESTALE,
                              errno.EINTR, errno.ENOLCK, errno.ECONNRESET, errno.EHOSTUNREACH})


def attempts_left() -> bool:
    """True inside a task run that Prefect will retry if it raises now."""
    ctx = TaskRunContext.get()
    if ctx is None:
        return False
    retries = ctx.task_run.empirical_policy.retries
    if retries is None:
        retries = ctx.task.retries
    return ctx.task_run.run_count <= (retries or 0)


def is_transient(exc: BaseException) -> bool:
    """An error that opening the warehouse again may not meet: the lock, or transient I/O."""
    if isinstance(exc, WarehouseLocked):
        return True
    return isinstance(exc, OSError) and exc.errno in TRANSIENT_ERRNOS


def termination_in(exc: BaseException) -> BaseException | None:
    """The Ctrl-C or SIGTERM behind an exception, if any: DuckDB, interrupted by the signal, raises
    RuntimeError('Query interrupted') with Prefect's TerminationSignal as its context."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt | TerminationSignal):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


# What a lost connection looks like: to the Prefect API (httpx), to a Dask worker (distributed).
TRANSIENT_NAMES = frozenset({"ConnectError", "ReadError", "WriteError", "RemoteProtocolError", "ReadTimeout",
                             "ConnectTimeout", "PoolTimeout", "KilledWorker", "CommClosedError", "StreamClosedError"})
# DuckDB reports the OS's I/O errors as text.
TRANSIENT_TEXT = ("Input/output error", "Resource temporarily unavailable", "Stale file handle", "Connection reset")


def worth_a_flow_retry(exc: BaseException) -> bool:
    """Whether running the whole flow again may succeed: only after a transient error (I/O that may
    work a moment later, a lost connection to the Prefect API or a Dask worker). Not after a
    stop, a warehouse error (its lock was waited for already), a full disk, DuckDB out of
    memory, a wrong path or a bug: those exit 3 at once (README "Operating")."""
    if termination_in(exc) is not None or isinstance(exc, WarehouseError):
        return False
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, OSError) and current.errno in TRANSIENT_ERRNOS:
            return True
        if isinstance(current, ConnectionError | TimeoutError) or type(current).__name__ in TRANSIENT_NAMES:
            return True
        if type(current).__name__ == "IOException" and any(text in str(current) for text in TRANSIENT_TEXT):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def no_more_retries() -> None:
    """Let the current flow run end with its next state: spend the retries it has left."""
    ctx = FlowRunContext.get()
    if ctx is None or ctx.flow_run is None:
        return
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(ctx.flow_run.id)
        policy = run.empirical_policy
        if policy.retries is None or run.run_count > policy.retries:
            return
        client.update_flow_run(run.id, empirical_policy=policy.model_copy(update={"retries": run.run_count - 1}))
