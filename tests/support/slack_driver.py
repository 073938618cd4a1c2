"""Send requests to the bot in HTTP mode exactly as Slack does.

Every request is signed with ``slack_sdk.signature.SignatureVerifier`` (HMAC-SHA256 over
``v0:{timestamp}:{body}``) and carries the headers and body encoding Slack uses: slash commands and
interactions are ``application/x-www-form-urlencoded`` (interactions as one ``payload=<json>``
field), events are ``application/json``. Given a ``FakeSlack``, the driver mints real
``trigger_id``s and ``response_url``s there, so the bot's replies land in the fake and its 3-second
and 5-use rules apply.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier

from tests.support.fake_slack import APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, FakeSlack

# Slack still sends the deprecated verification token; Bolt ignores it when signatures are on.
VERIFICATION_TOKEN = "legacy-verification-token"
SLACK_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"

_SELECTED_OPTION_TYPES = frozenset(
    {"static_select", "external_select", "overflow", "radio_buttons"}
)
_SELECTED_OPTIONS_TYPES = frozenset({"multi_static_select", "multi_external_select", "checkboxes"})


class SlackDriver:
    """Plays Slack's side of slash commands, interactions and events against the bot."""

    def __init__(
        self,
        url: str,
        signing_secret: str,
        fake: FakeSlack | None = None,
        team_id: str = TEAM_ID,
        *,
        timeout: float = 10.0,
        session: requests.Session | None = None,
    ) -> None:
        self.url = url
        self.fake = fake
        self.team_id = team_id
        self.timeout = timeout
        self._verifier = SignatureVerifier(signing_secret)
        # ``session``: where requests go (the burst benchmark takes them, to send them itself).
        self._session = session if session is not None else requests.Session()
        self._counter = itertools.count(1)
        # What the last request carried, for assertions such as "the bot used this trigger_id".
        self.last_payload: dict[str, Any] | None = None
        self.last_trigger_id: str | None = None
        self.last_response_url: str | None = None

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> SlackDriver:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- slash commands -----------------------------------------------------------------------------

    def command(
        self,
        user_id: str,
        text: str,
        command: str = "/klimanet",
        user_name: str | None = None,
        channel_id: str = "C0NET",
        trigger_id: str | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
        retry_num: int | None = None,
    ) -> requests.Response:
        """Send a slash command; ``timestamp``/``signature`` override the signed values."""
        trigger = trigger_id or self._mint_trigger_id()
        response_url = self._mint_response_url()
        form = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": _channel_name(channel_id),
            "user_id": user_id,
            "user_name": user_name or self._user_name(user_id),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger,
        }
        self._remember(dict(form), trigger, response_url)
        headers = _retry_headers(retry_num)
        return self._post(
            urlencode(form),
            "application/x-www-form-urlencoded",
            timestamp=timestamp,
            signature=signature,
            headers=headers,
        )

    # -- interactions -------------------------------------------------------------------------------

    def block_action(
        self,
        user_id: str,
        action_id: str,
        value: str | None,
        block_id: str = "b",
        message: Mapping[str, Any] | None = None,
        view: Mapping[str, Any] | None = None,
        container: Mapping[str, Any] | None = None,
        response_url: bool | str = True,
        trigger_id: bool | str = True,
        channel_id: str = "C0NET",
        action_type: str = "button",
        selected_option: Mapping[str, Any] | None = None,
        selected_user: str | None = None,
        *,
        state_values: Mapping[str, Any] | None = None,
    ) -> requests.Response:
        """Click a button / pick an option in a message (``message``) or a view (``view``).

        When the message or view holds the element, the action copies what Slack would (the
        element's real block_id if the default was left, the button text, the option text).
        ``response_url=True`` adds one only where Slack does (actions in messages).
        """
        full_view = self.full_view(view) if view is not None else None
        if full_view is not None and state_values is not None:
            full_view["state"] = {"values": dict(state_values)}
        blocks = (full_view or message or {}).get("blocks") or []
        found_block_id, element = _find_element(blocks, action_id, block_id)
        if element is not None and block_id == "b":
            block_id = found_block_id or block_id

        if container is None:
            if full_view is not None:
                container = {"type": "view", "view_id": full_view["id"]}
            else:
                container = {
                    "type": "message",
                    "message_ts": message["ts"] if message else self._ts(),
                    "channel_id": channel_id,
                    # Slack omits the message of an ephemeral message; that is the only case
                    # without one.
                    "is_ephemeral": message is None,
                }
        trigger = self._choose(trigger_id, self._mint_trigger_id)
        in_message = container.get("type") == "message"
        reply_url = self._choose(
            response_url if (in_message or isinstance(response_url, str)) else False,
            self._mint_response_url,
        )

        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "container": dict(container),
            "trigger_id": trigger,
            "team": {"id": self.team_id, "domain": TEAM_DOMAIN},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if in_message:
            payload["channel"] = {"id": channel_id, "name": _channel_name(channel_id)}
            if message is not None:
                payload["message"] = dict(message)
                payload["state"] = {"values": dict(state_values or {})}
                if self.fake is not None:
                    # The bot may chat.update the clicked message; make sure the fake knows it.
                    self.fake.remember_message(channel_id, message)
        if full_view is not None:
            payload["view"] = full_view
        if reply_url is not None:
            payload["response_url"] = reply_url
        if trigger is None:
            del payload["trigger_id"]
        payload["actions"] = [
            _action(
                action_id,
                block_id,
                value,
                action_type,
                element,
                selected_option,
                selected_user,
                self._ts(),
            )
        ]
        return self._interaction(payload, trigger, reply_url)

    def view_submission(
        self,
        user_id: str,
        view: Mapping[str, Any],
        values: Mapping[str, Any],
        trigger_id: bool | str = True,
    ) -> requests.Response:
        """Submit a modal. ``view`` is what the bot opened (e.g. ``call.args["view"]``)."""
        full_view = self.full_view(view)
        full_view["state"] = {"values": dict(values)}
        trigger = self._choose(trigger_id, self._mint_trigger_id)
        payload: dict[str, Any] = {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": TEAM_DOMAIN},
            "user": self._user(user_id),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "trigger_id": trigger,
            "view": full_view,
            "response_urls": [],
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if trigger is None:
            del payload["trigger_id"]
        return self._interaction(payload, trigger, None)

    def view_closed(self, user_id: str, view: Mapping[str, Any]) -> requests.Response:
        """Close a modal that was opened with ``notify_on_close``."""
        payload = {
            "type": "view_closed",
            "team": {"id": self.team_id, "domain": TEAM_DOMAIN},
            "user": self._user(user_id),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "view": self.full_view(view),
            "is_cleared": False,
            "enterprise": None,
            "is_enterprise_install": False,
        }
        return self._interaction(payload, None, None)

    # -- Events API ---------------------------------------------------------------------------------

    def event(
        self,
        event: Mapping[str, Any],
        event_id: str | None = None,
        retry_num: int | None = None,
        timestamp: int | None = None,
    ) -> requests.Response:
        """Deliver an ``event_callback``; reuse ``event_id`` with ``retry_num`` for a retry.
        ``timestamp``: when it was signed (now, unless given)."""
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": APP_ID,
            "event": dict(event),
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._counter):010d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        self._remember(envelope, None, None)
        return self._post(
            json.dumps(envelope),
            "application/json",
            headers=_retry_headers(retry_num),
            timestamp=timestamp,
        )

    def url_verification(self, challenge: str = "challenge-token") -> requests.Response:
        body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
        self._remember(body, None, None)
        return self._post(json.dumps(body), "application/json")

    # -- views ----------------------------------------------------------------------------------------

    def full_view(self, view: Mapping[str, Any]) -> dict[str, Any]:
        """The view as Slack sends it back in interactions: with id, hash, state and team."""
        if self.fake is not None:
            stored = self.fake.find_view(view)
            if stored is not None:
                return stored
        if "id" in view:
            return dict(view)
        view_id = f"V{next(self._counter):010d}"
        return {
            "id": view_id,
            "team_id": self.team_id,
            "app_id": APP_ID,
            "callback_id": "",
            "private_metadata": "",
            "external_id": "",
            "root_view_id": view_id,
            "previous_view_id": None,
            **view,
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._counter)}",
        }

    # -- plumbing -------------------------------------------------------------------------------------

    def _interaction(
        self, payload: dict[str, Any], trigger: str | None, reply_url: str | None
    ) -> requests.Response:
        self._remember(payload, trigger, reply_url)
        body = urlencode({"payload": json.dumps(payload)})
        return self._post(body, "application/x-www-form-urlencoded")

    def _post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        signed_at = str(timestamp if timestamp is not None else int(time.time()))
        real_signature = self._verifier.generate_signature(timestamp=signed_at, body=body) or ""
        request_headers = {
            "Content-Type": content_type,
            "User-Agent": SLACK_USER_AGENT,
            "X-Slack-Request-Timestamp": signed_at,
            "X-Slack-Signature": signature if signature is not None else real_signature,
            **(headers or {}),
        }
        # Send the exact bytes that were signed.
        return self._session.post(
            self.url, data=body.encode("utf-8"), headers=request_headers, timeout=self.timeout
        )

    def _remember(
        self, payload: dict[str, Any], trigger: str | None, response_url: str | None
    ) -> None:
        self.last_payload = payload
        self.last_trigger_id = trigger
        self.last_response_url = response_url

    def _mint_trigger_id(self) -> str:
        if self.fake is not None:
            return self.fake.mint_trigger_id()
        return f"{next(self._counter)}.000000000.dummy{next(self._counter):06d}"

    def _mint_response_url(self) -> str:
        if self.fake is not None:
            return self.fake.mint_response_url()
        # Unroutable on purpose: without a fake, nothing should be posted there.
        return f"https://hooks.slack.invalid/commands/{self.team_id}/{next(self._counter)}/dummy"

    @staticmethod
    def _choose(value: bool | str, mint: Any) -> str | None:
        if isinstance(value, str):
            return value
        return mint() if value else None

    def _ts(self) -> str:
        return f"{int(time.time())}.{next(self._counter):06d}"

    def _user_name(self, user_id: str) -> str:
        user = self.fake.user(user_id) if self.fake is not None else None
        return str(user.to_api()["name"]) if user is not None else user_id.lower()

    def _user(self, user_id: str) -> dict[str, str]:
        name = self._user_name(user_id)
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}


def _channel_name(channel_id: str) -> str:
    return "directmessage" if channel_id.startswith("D") else channel_id.lower()


def _retry_headers(retry_num: int | None) -> dict[str, str]:
    if retry_num is None:
        return {}
    return {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}


def _iter_elements(blocks: Sequence[Any]) -> Iterator[tuple[str | None, Mapping[str, Any]]]:
    for block in blocks:
        if not isinstance(block, Mapping):
            continue
        block_id = block.get("block_id")
        candidates = list(block.get("elements") or [])
        for key in ("accessory", "element"):
            if block.get(key) is not None:
                candidates.append(block[key])
        for element in candidates:
            if isinstance(element, Mapping) and "action_id" in element:
                yield block_id, element


def _find_element(
    blocks: Sequence[Any], action_id: str, block_id: str
) -> tuple[str | None, Mapping[str, Any] | None]:
    matches = [(bid, el) for bid, el in _iter_elements(blocks) if el["action_id"] == action_id]
    for bid, element in matches:
        if bid == block_id:
            return bid, element
    return matches[0] if matches else (None, None)


def _options_of(element: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    if element is None:
        return []
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return options


def _option(element: Mapping[str, Any] | None, value: str | None) -> dict[str, Any]:
    for option in _options_of(element):
        if option.get("value") == value:
            return dict(option)
    return {"text": {"type": "plain_text", "text": str(value), "emoji": True}, "value": value}


def _action(
    action_id: str,
    block_id: str,
    value: str | None,
    action_type: str,
    element: Mapping[str, Any] | None,
    selected_option: Mapping[str, Any] | None,
    selected_user: str | None,
    action_ts: str,
) -> dict[str, Any]:
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "type": action_type,
        "action_ts": action_ts,
    }
    if action_type == "button":
        action["value"] = value
        text = element.get("text") if element is not None else None
        action["text"] = dict(text) if text else {"type": "plain_text", "text": str(value)}
        if element is not None and element.get("style"):
            action["style"] = element["style"]
    elif selected_option is not None or action_type in _SELECTED_OPTION_TYPES:
        action["selected_option"] = dict(selected_option or _option(element, value))
    elif action_type in _SELECTED_OPTIONS_TYPES:
        action["selected_options"] = [_option(element, value)] if value is not None else []
    elif action_type == "users_select":
        action["selected_user"] = selected_user or value
    elif action_type == "datepicker":
        action["selected_date"] = value
    elif action_type == "timepicker":
        action["selected_time"] = value
    else:
        action["value"] = value
    return action


# -- view state builders ------------------------------------------------------------------------------
# Each returns one action's state, for values={"block_id": {"action_id": state_value_...(...)}}.


def _plain_option(value: str, text: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text, "emoji": True}, "value": value}


def state_value_static(option_value: str, option_text: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": _plain_option(option_value, option_text)}


def state_value_plain(text: str | None) -> dict[str, Any]:
    # Slack sends "value": null for an optional input left empty.
    return {"type": "plain_text_input", "value": text}


def state_value_radio(option_value: str, option_text: str) -> dict[str, Any]:
    return {"type": "radio_buttons", "selected_option": _plain_option(option_value, option_text)}


def state_value_multi_static(options: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """``options`` as (value, text) pairs."""
    return {
        "type": "multi_static_select",
        "selected_options": [_plain_option(value, text) for value, text in options],
    }


def state_value_checkboxes(options: Sequence[tuple[str, str]]) -> dict[str, Any]:
    return {
        "type": "checkboxes",
        "selected_options": [_plain_option(value, text) for value, text in options],
    }


def state_value_users_select(user_id: str | None) -> dict[str, Any]:
    return {"type": "users_select", "selected_user": user_id}


def state_value_datepicker(date: str | None) -> dict[str, Any]:
    """``date`` as "YYYY-MM-DD"."""
    return {"type": "datepicker", "selected_date": date}


def state_value_timepicker(time_of_day: str | None) -> dict[str, Any]:
    """``time_of_day`` as "HH:mm"."""
    return {"type": "timepicker", "selected_time": time_of_day}


def state_value_from_view(
    view: Mapping[str, Any], block_id: str, *option_values: str
) -> dict[str, Any]:
    """Pick options by value from the select/radio/checkboxes the view really offers.

    Fails when the view has no such block or option, which is what a user could not do either.
    """
    for found_block_id, element in _iter_elements(view.get("blocks") or []):
        if found_block_id != block_id:
            continue
        offered = {option.get("value"): dict(option) for option in _options_of(element)}
        missing = [value for value in option_values if value not in offered]
        if missing:
            raise AssertionError(f"block {block_id!r} offers no option with value {missing}")
        chosen = [offered[value] for value in option_values]
        kind = str(element.get("type"))
        if kind in _SELECTED_OPTIONS_TYPES:
            return {"type": kind, "selected_options": chosen}
        if len(chosen) != 1:
            raise AssertionError(f"{kind} in block {block_id!r} takes exactly one option")
        return {"type": kind, "selected_option": chosen[0]}
    raise AssertionError(f"the view has no block {block_id!r} with a selectable element")
