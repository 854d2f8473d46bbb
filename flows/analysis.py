"""What the ingest flow does for analysts after each publish: the data checks (blogetl.checks), recorded
in the flow run as a markdown artifact and a log line, and the HTML report, its path an artifact."""

from __future__ import annotations

import logging
from pathlib import Path

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact

from blogetl.checks import check_warehouse, markdown, worst
from blogetl.report import default_out, write_report

CHECKS_ARTIFACT = "blogetl-data-checks"
REPORT_ARTIFACT = "blogetl-report"


def record_checks(db_path: str) -> str | None:
    """Run the data checks on the published warehouse; record them in the flow run (artifact, log line).
    Returns the worst status (pass / warn / fail), or None when they could not run (logged, never raised:
    the run itself published fine)."""
    logger = get_run_logger()
    try:
        results = check_warehouse(Path(db_path))
    except Exception as exc:
        logger.warning("data checks could not run on %s: %s: %s", db_path, type(exc).__name__, exc)
        return None
    overall = worst(results)
    create_markdown_artifact(markdown(results, db_path), key=CHECKS_ARTIFACT, description="blogetl data checks on the published warehouse")
    bad = [f"{r.check} ({r.subject}): {r.shown}" for r in results if r.status != "pass"]
    level = {"pass": logging.INFO, "warn": logging.WARNING, "fail": logging.ERROR}[overall]
    logger.log(level, "data checks: %s%s (blogetl check --db %s shows them)", overall, f": {'; '.join(bad)}" if bad else "",
               db_path)
    return overall


def publish_report(db_path: str) -> Path | None:
    """Write the HTML report beside the published warehouse and publish its path as an artifact of the
    flow run. Returns the path, or None when it could not be written (logged, never raised)."""
    logger = get_run_logger()
    try:
        path = write_report(db_path, default_out(Path(db_path).resolve())).absolute()  # beside the file a --db link names
    except Exception as exc:
        logger.warning("the report could not be written for %s: %s: %s", db_path, type(exc).__name__, exc)
        return None
    create_markdown_artifact(f"# blogetl report\n\n`{path}` ([open]({path.as_uri()}); one self-contained page, no network "
                             f"needed)\n", key=REPORT_ARTIFACT, description="blogetl HTML report of the published warehouse")
    logger.info("report: %s", path)
    return path
