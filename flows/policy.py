"""Operator knobs of the flows, read from the environment.

Read from the environment (not only from options) because a served deployment's runs start in
a new process that imports flows/ingest.py afresh: the environment is what reaches them. The
command line's options (--alert-url, --quiet, ...) set these variables for that reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


def env_number(name: str, default: float) -> float:
    """A number from the environment; a value that is no number is a clear error, not a traceback."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number") from None
    if value < 0:
        raise ValueError(f"{name}={raw!r} must not be negative")
    return value


@dataclass(frozen=True)
class Policy:
    """Retries, cache bounds and where alerts go (README "Operating" lists the variables)."""

    read_retries: int = 2  # BLOGETL_READ_RETRIES: extra attempts at a dump that cannot be read
    read_retry_delay: float = 2.0  # BLOGETL_READ_RETRY_DELAY, seconds
    open_retries: int = 4  # BLOGETL_OPEN_RETRIES: extra attempts at opening the warehouse (locked, I/O error)
    open_retry_delay: float = 5.0  # BLOGETL_OPEN_RETRY_DELAY: first wait, doubled each time
    flow_retries: int = 1  # BLOGETL_FLOW_RETRIES: the whole run again after an unexpected error
    flow_retry_delay: float = 30.0  # BLOGETL_FLOW_RETRY_DELAY, seconds
    cache_days: float = 7.0  # BLOGETL_CACHE_DAYS: a cached parse is used for this long, then removed
    cache_max_mb: float = 500.0  # BLOGETL_CACHE_MAX_MB: oldest cached parses removed beyond this
    alert_url: str = ""  # BLOGETL_ALERT_URL: webhook or apprise URL told about failed runs

    @classmethod
    def from_env(cls) -> Policy:
        """The policy the environment sets, defaults for what it does not."""
        d = cls()
        return cls(
            read_retries=int(env_number("BLOGETL_READ_RETRIES", d.read_retries)),
            read_retry_delay=env_number("BLOGETL_READ_RETRY_DELAY", d.read_retry_delay),
            open_retries=int(env_number("BLOGETL_OPEN_RETRIES", d.open_retries)),
            open_retry_delay=env_number("BLOGETL_OPEN_RETRY_DELAY", d.open_retry_delay),
            flow_retries=int(env_number("BLOGETL_FLOW_RETRIES", d.flow_retries)),
            flow_retry_delay=env_number("BLOGETL_FLOW_RETRY_DELAY", d.flow_retry_delay),
            cache_days=env_number("BLOGETL_CACHE_DAYS", d.cache_days),
            cache_max_mb=env_number("BLOGETL_CACHE_MAX_MB", d.cache_max_mb),
            alert_url=os.environ.get("BLOGETL_ALERT_URL", "").strip(),
        )
