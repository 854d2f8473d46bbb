"""Prefect settings for blogetl, applied before Prefect is imported: offline, local, quiet."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# setdefault: an operator's own settings always win.
_DEFAULTS = {
    # Keep Prefect's database, results and logs inside the project unless told otherwise.
    "PREFECT_HOME": str(PROJECT_ROOT / ".prefect"),
    # Nothing may try to reach the internet: no telemetry, no analytics, no UI asset checks.
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_UI_ENABLED": "false",
    # The temporary server takes 10-15 s to start here, far longer on a cold CI machine.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
}

VERBOSITY_ENV = "BLOGETL_VERBOSITY"
VERBOSITIES = ("quiet", "normal", "verbose")

# What each verbosity sets, as environment variables (a served run's new process reads them when
# it imports Prefect and Dask) and as logger levels (for this process, if Prefect is imported already).
# normal: the flow run's lines and one progress line per parse batch; no line per task run (2,000
# of them buried the progress), no distributed.* chatter and no dead Dask dashboard link.
_LEVELS: dict[str, dict[str, str]] = {
    "quiet": {"prefect": "WARNING", "prefect.task_runs": "WARNING", "prefect.task_runner.dask": "WARNING",
              "distributed": "ERROR"},
    "normal": {"prefect": "INFO", "prefect.task_runs": "WARNING", "prefect.task_runner.dask": "WARNING",
               "distributed": "ERROR"},
    "verbose": {"prefect": "INFO", "prefect.task_runs": "INFO", "prefect.task_runner.dask": "INFO",
                "distributed": "INFO"},
}


def verbosity_env(level: str) -> dict[str, str]:
    """The environment variables that give `level` in a process that has not imported Prefect yet."""
    levels = _LEVELS[level]
    return {
        VERBOSITY_ENV: level,
        "PREFECT_LOGGING_LEVEL": levels["prefect"],
        "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL": levels["prefect.task_runs"],
        "DASK_LOGGING__DISTRIBUTED": levels["distributed"].lower(),
    }


def set_verbosity(level: str, *, force: bool = True) -> None:
    """quiet (warnings and errors), normal, or verbose (every task run, Dask's own log).

    force=False keeps what the environment sets already (the operator's PREFECT_LOGGING_LEVEL).
    """
    if level not in _LEVELS:
        raise ValueError(f"unknown verbosity {level!r}: choose one of {', '.join(VERBOSITIES)}")
    for key, value in verbosity_env(level).items():
        if force:
            os.environ[key] = value
        else:
            os.environ.setdefault(key, value)
    if force and "prefect" in sys.modules:  # logging is configured already: set the levels directly
        for name, value in _LEVELS[level].items():
            logging.getLogger(name).setLevel(value)


def apply() -> None:
    """Set blogetl's Prefect defaults in the environment where they are not set."""
    for key, value in _DEFAULTS.items():
        os.environ.setdefault(key, value)
    level = os.environ.get(VERBOSITY_ENV, "normal")
    set_verbosity(level if level in _LEVELS else "normal", force=False)


apply()
