"""``SlackDriver``'s requests, delivered as Socket Mode envelopes instead of signed HTTP.

Every driver method (``command``, ``block_action``, ``view_submission``, ``event`` …) builds the
same payload as in HTTP mode; here it travels through ``FakeSocketMode`` and the call returns the
bot's ack (``status_code`` 200, ``json()`` the ack's payload), so a test reads both modes alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from tests.support.fake_slack import TEAM_ID, FakeSlack
from tests.support.fake_socket_mode import FakeSocketMode
from tests.support.slack_driver import SlackDriver


class EnvelopeAck:
    """The bot's ack of one envelope, shaped like the ``requests.Response`` tests read."""

    status_code = 200

    def __init__(self, envelope_id: str, ack: Mapping[str, Any]) -> None:
        self.envelope_id = envelope_id
        self.ack = dict(ack)

    def json(self) -> dict[str, Any]:
        payload = self.ack.get("payload")
        return dict(payload) if isinstance(payload, Mapping) else {}

    @property
    def text(self) -> str:
        return json.dumps(self.ack["payload"]) if self.ack.get("payload") else ""


class SocketModeDriver(SlackDriver):
    def __init__(
        self,
        socket_mode: FakeSocketMode,
        fake: FakeSlack | None = None,
        team_id: str = TEAM_ID,
        *,
        timeout: float = 10.0,
    ) -> None:
        super().__init__("socket-mode", "no-signing-in-socket-mode", fake, team_id, timeout=timeout)
        self.socket_mode = socket_mode
        self.last_envelope_id: str | None = None

    def redeliver(self, envelope_id: str | None = None) -> EnvelopeAck:
        """Send the last (or the given) envelope again, as Slack does when our ack was late."""
        envelope_id = envelope_id or self.last_envelope_id
        assert envelope_id is not None, "nothing was delivered yet"
        before = len(self.socket_mode.acks(envelope_id))
        self.socket_mode.redeliver(envelope_id)
        acks = self.socket_mode.wait_for_ack(envelope_id, count=before + 1, timeout=self.timeout)
        return EnvelopeAck(envelope_id, acks[-1])

    def _post(  # type: ignore[override]
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> EnvelopeAck:
        if content_type == "application/json":
            kind, payload = "events_api", json.loads(body)
        else:
            form = dict(parse_qsl(body, keep_blank_values=True))
            if "payload" in form:
                kind, payload = "interactive", json.loads(form["payload"])
            else:
                kind, payload = "slash_commands", form
        retry = (headers or {}).get("X-Slack-Retry-Num")
        envelope_id = self.socket_mode.deliver(
            kind, payload, retry_attempt=int(retry) if retry else None
        )
        self.last_envelope_id = envelope_id
        ack = self.socket_mode.wait_for_ack(envelope_id, timeout=self.timeout)[-1]
        return EnvelopeAck(envelope_id, ack)
