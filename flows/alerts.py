"""Alerts: a failed or partially loaded ingest run tells the operator, through Prefect's own hooks.

The ingest flow's ``on_failure`` hook calls ``alert_on_failure``; it sends one message through
Prefect's apprise notification block to BLOGETL_ALERT_URL (``--alert-url`` sets it). The URL is
an apprise URL (``json://``, ``mailto://``, ``slack://`` ... several separated by spaces or
commas); a plain ``http(s)://`` webhook is POSTed a JSON body, as apprise's ``json(s)://`` does:
``{"version": "1.0", "title": ..., "message": ..., "type": "failure"}``. A run that Prefect
retries alerts once, when its last attempt fails. Sending is best effort: a webhook that does
not answer is logged as a warning and never changes the run's outcome.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from prefect.blocks.notifications import AppriseNotificationBlock
from prefect.logging import get_logger
from pydantic import SecretStr

from flows.policy import Policy

log = get_logger("blogetl.alerts")

MAX_NAMED = 50  # dumps listed by name in one message; the rest are counted


class AlertChannel(AppriseNotificationBlock):
    """Where blogetl's alerts go: any apprise URL (not saved as a block; built from the environment)."""

    _block_type_name = "blogetl alert channel"
    _block_type_slug = "blogetl-alert-channel"


def apprise_urls(url: str) -> str:
    """Plain web URLs become apprise's JSON webhooks; every other apprise URL is kept as it is.

    >>> apprise_urls("http://127.0.0.1:9000/hook, mailto://u:p@smtp.example.org?to=ops@example.org")
    'json://127.0.0.1:9000/hook mailto://u:p@smtp.example.org?to=ops@example.org'
    """
    parts = [p for p in re.split(r"[\s,]+", url.strip()) if p]
    return " ".join(re.sub(r"^http(s?)://", lambda m: f"json{m[1]}://", p, flags=re.I) for p in parts)


def not_loaded_of(state: Any) -> dict[str, str]:
    """The dumps a finished run could not load, with why (empty when the run raised instead)."""
    try:
        report = state.result(raise_on_failure=False)
    except Exception:  # the result may be gone (not persisted); the state's message still names them
        return {}
    return dict(getattr(report, "not_loaded", None) or {})


def alert_message(flow_name: str, flow_run: Any, state: Any) -> tuple[str, str]:
    """(subject, body) of the alert for a run that ended in `state`."""
    params = dict(getattr(flow_run, "parameters", None) or {})
    not_loaded = not_loaded_of(state)
    what = f"{len(not_loaded)} dump(s) not loaded" if not_loaded else "the run did not complete"
    subject = f"blogetl {flow_name} {state.name}: {what}"
    lines = [
        f"Flow run {flow_run.name!r} of {flow_name!r} ended {state.name}: {state.message}",
        f"raw: {absolute(params.get('raw_dir'))}",
        f"warehouse: {absolute(params.get('db_path'))}",
    ]
    if not_loaded:
        lines += ["", "Not loaded:"]
        lines += [f"- {path}: {why}" for path, why in list(not_loaded.items())[:MAX_NAMED]]
        if len(not_loaded) > MAX_NAMED:
            lines.append(f"... and {len(not_loaded) - MAX_NAMED} more (see the run's artifact)")
    link = run_link(flow_run)
    if link:
        lines += ["", f"Run: {link}"]
    return subject, "\n".join(lines) + "\n"


def absolute(path: object) -> str:
    """A run's path parameter as an absolute path ('?' when the run has none)."""
    return str(Path(str(path)).absolute()) if path else "?"


def run_link(flow_run: Any) -> str | None:
    """The flow run's page in the Prefect UI, when a server with a UI is configured."""
    try:
        from prefect.utilities.urls import url_for

        return url_for(flow_run)
    except Exception:
        return None


def send(url: str, subject: str, body: str) -> bool:
    """Send one message to the apprise URL(s); False (and a warning) when it could not be delivered."""
    channel = AlertChannel(url=SecretStr(apprise_urls(url)), notify_type="failure")
    try:
        with channel.raise_on_failure():
            channel.notify(body, subject)
    except Exception as exc:  # NotificationError, or a URL apprise cannot use
        log.warning("could not send the alert to %s: %s", redact(url), str(exc).strip() or type(exc).__name__)
        return False
    return True


def redact(url: str) -> str:
    """The URL without passwords or tokens, for a log line.

    >>> redact("mailto://ops:secret@smtp.example.org?to=a@example.org")
    'mailto://ops:***@smtp.example.org?to=a@example.org'
    """
    return re.sub(r"(://[^/:@\s]+:)[^@\s]+@", r"\1***@", url)


def alert_on_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """The ingest flow's on_failure hook: tell BLOGETL_ALERT_URL, if set, what the run could not do."""
    url = Policy.from_env().alert_url
    if not url:
        return
    subject, body = alert_message(getattr(flow, "name", "ingest"), flow_run, state)
    if send(url, subject, body):
        log.info("alert sent to %s", redact(url))
