"""Prefect settings for blogetl, applied before Prefect is imported: offline, local, quiet."""

from __future__ import annotations

import os
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
    "PREFECT_LOGGING_LEVEL": "INFO",
}


def apply() -> None:
    """Set blogetl's Prefect defaults in the environment where they are not set."""
    for key, value in _DEFAULTS.items():
        os.environ.setdefault(key, value)


apply()
