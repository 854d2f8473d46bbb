"""Shared fixtures: the sample dumps, the --update-golden switch, and one Prefect test server for the whole session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent / "fixtures" / "samples"  # the tests' copy of the samples shipped in raw/


# Offline and quiet before anything imports Prefect (flows/_env.py does the same for real runs).
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A private raw/ folder holding copies of the samples (from tests/fixtures/samples, never raw/)."""
    dest = tmp_path / "raw"
    shutil.copytree(SAMPLES, dest)
    return dest


def pytest_addoption(parser: pytest.Parser) -> None:
    """`pytest --update-golden` rewrites the whole-record golden files instead of comparing them."""
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/fixtures/golden/*.json from the parser's output (review the diff before committing)",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run was started with --update-golden."""
    return bool(request.config.getoption("--update-golden"))


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
