"""A Prefect server whose scheduler runs: `blogetl server`, and the check `blogetl serve` makes first.

Scheduled runs need Prefect's scheduler service, which only a real server runs: the temporary
server that a flow run starts when no PREFECT_API_URL is set has none, so a schedule served
against it never fires. `blogetl server` is `prefect server start` with blogetl's settings:
offline (no analytics, DO_NOT_TRACK), the UI on (it is served from the installed package), the
database under PREFECT_HOME, listening on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

DEFAULT_PORT = 4200
HOST = "127.0.0.1"


class ServerMissing(Exception):
    """No Prefect server with a scheduler is configured or answering."""


def api_url(port: int, host: str = HOST) -> str:
    """The PREFECT_API_URL of a server on host:port."""
    return f"http://{host}:{port}/api"


def port_free(port: int, host: str = HOST) -> bool:
    """Whether nothing listens on host:port yet."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def server_command(port: int, host: str = HOST) -> tuple[list[str], dict[str, str]]:
    """argv and environment of `prefect server start` as `blogetl server` runs it."""
    prefect = str(Path(sys.executable).with_name("prefect"))
    env = {
        **os.environ,
        "PREFECT_UI_ENABLED": "true",
        "PREFECT_SERVER_UI_ENABLED": "true",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_API_HOST": host,
        "PREFECT_SERVER_API_PORT": str(port),
    }
    env.pop("PREFECT_API_URL", None)  # the server itself needs none; a stale one would confuse it
    # --no-prompt: never ask to change the operator's Prefect profile
    return [prefect, "--no-prompt", "server", "start", "--host", host, "--port", str(port)], env


def configured_api_url() -> str | None:
    """The Prefect API a client here would use: PREFECT_API_URL, or the active profile's."""
    from prefect.settings import get_current_settings

    return os.environ.get("PREFECT_API_URL") or get_current_settings().api.url or None


NO_SERVER = (
    "`blogetl serve` needs a Prefect server whose scheduler runs, and PREFECT_API_URL is not set: "
    "the temporary server a plain run starts has no scheduler, so no schedule would ever fire.\n"
    "Start one in another terminal (or as a service) with\n"
    "    blogetl server\n"
    "then, here:\n"
    f"    export PREFECT_API_URL={api_url(DEFAULT_PORT)}"
)


def require_server(timeout: float = 5.0) -> str:
    """The configured API URL, after checking that a server answers there; ServerMissing otherwise."""
    url = configured_api_url()
    if not url:
        raise ServerMissing(NO_SERVER)
    import httpx

    try:
        response = httpx.get(url.rstrip("/") + "/health", timeout=timeout)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise ServerMissing(f"no Prefect server answers at PREFECT_API_URL={url} ({exc}). "
                            "Start it with `blogetl server`, or correct PREFECT_API_URL.") from None
    return url
