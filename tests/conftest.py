"""Shared fixtures: the sample dumps, and one Prefect test server for the whole session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
RAW = REPO / "raw"

# Offline and quiet before anything imports Prefect (flows/_env.py does the same for real runs).
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped raw/ samples."""
    dest = tmp_path / "raw"
    shutil.copytree(RAW, dest)
    return dest


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[str]:
    """One temporary Prefect server (sqlite in a temp dir) for every flow test; yields its API URL."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    import flows  # noqa: F401  (applies blogetl's Prefect defaults)

    with prefect_test_harness(server_startup_timeout=180):
        yield str(PREFECT_API_URL.value())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the flow tests last: once the Prefect test server is up, its background threads use
    the global `random` module, which Hypothesis flags (and which would make its runs less
    reproducible) in the property tests that would otherwise follow."""
    items.sort(key=lambda item: item.get_closest_marker("flows") is not None)
