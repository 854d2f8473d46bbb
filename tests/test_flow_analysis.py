"""The ingest flow runs the data checks after each publish and records them in the run; it writes the
HTML report beside the warehouse and publishes its path as an artifact."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.flows


def artifact(flow_run_id: object, key: str) -> str:
    """The markdown of the flow run's artifact with that key."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]),
                                                                     flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    assert len(found) == 1, found
    return str(found[0].data)


def test_the_flow_records_the_data_checks_and_the_report_of_what_it_published(prefect_server, raw_copy, tmp_path):
    from flows.analysis import CHECKS_ARTIFACT, REPORT_ARTIFACT
    from flows.ingest import run_ingest

    state, report = run_ingest(str(raw_copy), str(tmp_path / "blog.duckdb"))
    assert state.is_completed(), state.message
    assert report.checks == "pass"
    md = artifact(state.state_details.flow_run_id, CHECKS_ARTIFACT)
    assert md.startswith("# blogetl data checks: pass")
    assert "| pass | titles that are dates | posts | 0 |" in md
    written = tmp_path / "blog-report.html"  # beside the warehouse, its path an artifact of the run
    assert report.report_path == str(written) and "<svg" in written.read_text(encoding="utf-8")
    assert f"`{written}`" in artifact(state.state_details.flow_run_id, REPORT_ARTIFACT)
