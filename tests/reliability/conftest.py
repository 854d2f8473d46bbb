"""Fixtures of the reliability tests (issue 14); helpers are in support.py."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def mode(request: pytest.FixtureRequest) -> list[str]:
    """The ingest mode; the flow mode starts (or reuses) the session's Prefect test server."""
    if not request.param:
        request.getfixturevalue("prefect_server")
    return list(request.param)


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    """An empty raw/ folder of the test's own."""
    folder = tmp_path / "raw"
    folder.mkdir()
    return folder
