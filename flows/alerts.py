"""Alerts as code: the webhook block and Prefect automations that tell the team when a run goes wrong.

With DARIEN_ALERT_WEBHOOK (an http(s) URL, e.g. a Slack incoming webhook) `darien serve` and
`darien deploy` create or update, by name, a webhook block holding the URL in a secret field
and three automations that POST to it; without it they remove both. Each message is JSON with
a `text` field (what a Slack incoming webhook takes as it is): the flow, the run, what
happened, and a link to the run in the UI (PREFECT_UI_URL on the server).

Automations are server-wide: they match runs of the flows `nightly` and `backfill` tagged
`darien` (the deployments' tag; `darien run` tags its runs the same).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from darien.config import ConfigError

VARIABLE = "DARIEN_ALERT_WEBHOOK"
BLOCK = "darien-alerts"
TAG = "darien"
DOCUMENT_EVENT = "darien.document.not-loaded"  # a document quarantined or failed, one event each
WARNING_EVENT = "darien.run.warning"

_OURS = [{"prefect.resource.role": "flow", "prefect.resource.name": ["nightly", "backfill"]},
         {"prefect.resource.id": f"prefect.tag.{TAG}"}]


def _message(what: str) -> str:
    """A JSON payload template whose `text` is `what` (a Jinja expression) after the run's name, then its link."""
    return ('{"text": {{ ("Darién ETL: " ~ flow.name ~ " run " ~ flow_run.name ~ ": " ~ ' + what
            + ' ~ "\\n" ~ (flow_run|ui_url)) | tojson }}}')


AUTOMATIONS = {
    "darien: run failed": (
        ["prefect.flow-run.Failed", "prefect.flow-run.Crashed"],
        _message('flow_run.state.name ~ " (" ~ (flow_run.state.message or "no message") ~ ")"')),
    "darien: run warning": (
        [WARNING_EVENT],
        _message('"completed with " ~ (event.payload.warnings | length) ~ " warning(s):\\n- " ~ '
                 '(event.payload.warnings | join("\\n- "))')),
    "darien: document not loaded": (
        [DOCUMENT_EVENT],
        _message('event.payload.status ~ " " ~ event.payload.document ~ " (year " ~ (event.payload.year or "unknown")'
                 ' ~ "): " ~ event.payload.reason')),
}


def webhook_url() -> str | None:
    """DARIEN_ALERT_WEBHOOK, None when unset; ConfigError (exit 2) if it is not an http(s) URL."""
    url = os.environ.get(VARIABLE, "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{VARIABLE} must be an http(s) URL, not {shown(url)!r}")
    return url


def shown(url: str) -> str:
    """The webhook URL as logs may show it: its scheme and host only (the rest is a credential)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}/…" if parts.scheme and parts.hostname else "<not a URL>"


def configure() -> str:
    """Create or update the block and automations from DARIEN_ALERT_WEBHOOK, or remove them if unset; one line saying which."""
    from prefect.automations import AutomationCore, CallWebhook, EventTrigger
    from prefect.blocks.webhook import Webhook
    from prefect.client.orchestration import get_client

    url = webhook_url()
    with get_client(sync_client=True) as client:
        existing = {name: client.read_automations_by_name(name) for name in AUTOMATIONS}
        if url is None:
            for found in existing.values():
                for automation in found:
                    client.delete_automation(automation.id)
            try:
                client.delete_block_document(client.read_block_document_by_name(BLOCK, "webhook").id)
            except Exception:  # ObjectNotFound: never configured
                pass
            return f"alerts: none ({VARIABLE} is unset)"
        # The URL is the operator's own setting, often on their own network: private hosts are allowed.
        block_id = Webhook(url=url, headers={"Content-Type": "application/json"},
                           allow_private_urls=True).save(BLOCK, overwrite=True)
        for name, (events, payload) in AUTOMATIONS.items():
            automation = AutomationCore(
                name=name, description=f"POST to the {BLOCK} webhook block ({VARIABLE})",
                trigger=EventTrigger(expect=set(events), match_related=_OURS, posture="Reactive", threshold=1),
                actions=[CallWebhook(block_document_id=block_id, payload=payload)])
            if existing[name]:
                client.update_automation(existing[name][0].id, automation)
                for extra in existing[name][1:]:
                    client.delete_automation(extra.id)
            else:
                client.create_automation(automation)
    return f"alerts: POST to {shown(url)} when a run fails, warns, or leaves a document quarantined or failed"


def announce_document(outcome) -> None:
    """Emit the event the "document not loaded" automation alerts on: one per document quarantined or failed."""
    from prefect.events import emit_event

    from darien.contract import published_name

    emit_event(event=DOCUMENT_EVENT,
               resource={"prefect.resource.id": f"darien.document.{outcome.sha256 or outcome.url}",
                         "prefect.resource.name": published_name(outcome.url) or outcome.url},
               payload={"document": published_name(outcome.url) or outcome.url, "year": outcome.year,
                        "status": outcome.status, "reason": outcome.reason})
