"""The HTTP edge: what a request must pass before Bolt sees it.

In order: the body is at most 1 MB (413); the signature and timestamp are Slack's (401); the
payload has the shape Slack sends (400). Each refusal is one log line without the body: Bolt's own
path for a bad signature logs the whole body at INFO, which let anyone fill the disk.

A replay (the same signed bytes again) passes the edge: nothing here touches the database, so an
ack never waits for a worker's write lock. It is refused where it would do harm, in the
transaction that would act on it (``middleware.py`` hands the signature to the work as its key).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier

log = logging.getLogger("klimanet.edge")

MAX_BODY_BYTES = 1024 * 1024
SLACK_PATH = "/slack/events"
# Unix seconds have 10 digits; a longer "timestamp" is refused before int() sees it.
_MAX_TIMESTAMP_DIGITS = 12

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

INTERACTION_TYPES = frozenset(
    {
        "block_actions",
        "block_suggestion",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
    }
)
EVENT_TYPES = frozenset({"event_callback", "url_verification", "app_rate_limited"})


class TooLarge(Exception):
    pass


class SlackEdge:
    """WSGI middleware in front of Bolt's WSGI adapter (and the health check)."""

    def __init__(
        self,
        inner: WsgiApp,
        *,
        signing_secret: str,
        path: str = SLACK_PATH,
        max_body: int = MAX_BODY_BYTES,
        verifier: SignatureVerifier | None = None,
    ) -> None:
        self._inner = inner
        self._path = path
        self._max_body = max_body
        self._verifier = verifier or SignatureVerifier(signing_secret)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        try:
            body = read_body(environ, self._max_body)
        except TooLarge:
            log.warning("refused a request body over %d bytes", self._max_body)
            return _answer(start_response, "413 Request Entity Too Large")
        except ValueError:
            log.warning("refused a request with a malformed Content-Length")
            return _answer(start_response, "400 Bad Request")
        # Whoever comes next reads the bytes we already took off the wire.
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        if environ.get("PATH_INFO") != self._path or environ.get("REQUEST_METHOD") != "POST":
            return self._inner(environ, start_response)
        return self._slack(environ, start_response, body)

    def _slack(
        self, environ: dict[str, Any], start_response: Callable[..., Any], body: bytes
    ) -> Iterable[bytes]:
        content_type = str(environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        # A small form is read before the signature check (Slack's certificate probe is not
        # signed); anything larger only once it is known to be Slack's. Read once either way.
        form = _small_form(body, content_type)
        if form is not None and _is_ssl_check(form):
            return _answer(start_response, "200 OK")  # Slack's certificate probe: nothing to do
        text = _verified_text(self._verifier, environ, body)
        if text is None:
            log.warning("refused a request with an invalid or expired signature")
            return _answer(start_response, "401 Unauthorized")
        if _is_json(text, content_type):
            form = None
        elif form is None:
            form = _form(text)
        problem = http_payload_problem(text, content_type, form)
        if problem is not None:
            log.warning("refused a malformed Slack request: %s", problem)
            return _answer(start_response, "400 Bad Request")
        normalised = for_bolt(text, form).encode("utf-8")
        environ["wsgi.input"] = io.BytesIO(normalised)
        environ["CONTENT_LENGTH"] = str(len(normalised))
        return self._inner(environ, start_response)


def read_body(environ: Mapping[str, Any], limit: int) -> bytes:
    """The request body, refusing (``TooLarge``) more than ``limit`` bytes before reading them.

    With a Content-Length, nothing is read when it is over the limit. Without one (a chunked
    body whose server says the input is terminated), at most ``limit + 1`` bytes are read.
    """
    stream = environ.get("wsgi.input")
    declared = str(environ.get("CONTENT_LENGTH") or "").strip()
    if declared:
        if not declared.isascii() or not declared.isdigit() or len(declared) > 15:
            raise ValueError("Content-Length is not a number")
        length = int(declared)
        if length > limit:
            raise TooLarge()
        data = stream.read(length) if stream is not None and length else b""
    elif stream is not None and environ.get("wsgi.input_terminated"):
        data = stream.read(limit + 1)
    else:
        data = b""
    if len(data) > limit:
        raise TooLarge()
    return bytes(data)


def _answer(start_response: Callable[..., Any], status: str) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "0")])
    return [b""]


# Read before the signature check only up to this size: Slack's certificate probe is tiny.
_SMALL_FORM_BYTES = 1000


def _small_form(body: bytes, content_type: str) -> dict[str, str] | None:
    """A small ASCII form body, read; None for anything else (read later, if at all)."""
    if content_type != "application/x-www-form-urlencoded" or len(body) > _SMALL_FORM_BYTES:
        return None
    try:
        return _form(body.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None


def _form(text: str) -> dict[str, str]:
    """A form body as Bolt reads it (``parse_body``): blank values kept, the last one wins."""
    return dict(parse_qsl(text, keep_blank_values=True))


def _is_json(text: str, content_type: str) -> bool:
    """Whether Bolt reads this body as JSON (``parse_body``)."""
    return content_type == "application/json" or text.startswith("{")


def _is_ssl_check(form: Mapping[str, str]) -> bool:
    return form.get("ssl_check") == "1" and set(form) <= {"ssl_check", "token"}


def _verified_text(
    verifier: SignatureVerifier, environ: Mapping[str, Any], body: bytes
) -> str | None:
    """The body as text when Slack signed it within the last 5 minutes, else None."""
    timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")
    signature = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "")
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > _MAX_TIMESTAMP_DIGITS:
        return None
    if not signature.startswith("v0=") or len(signature) > 100:
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None  # Slack signs UTF-8 text; these bytes cannot be a request of Slack's
    return text if verifier.is_valid(text, timestamp, signature) else None


# -- the payload shapes Slack sends ---------------------------------------------------------------


def http_payload_problem(
    text: str, content_type: str, form: Mapping[str, str] | None = None
) -> str | None:
    """Why this signed body is not a request Slack sends, or None when it is.

    Bolt parses the body itself (``parse_body``); we parse it the same way, so what is checked
    here is exactly what Bolt's listeners will see. ``form``: the body, already read as a form.
    """
    json_body = _is_json(text, content_type)
    if json_body:
        form = {}
    elif form is None:
        form = _form(text)
    try:
        body: Any
        if json_body:
            body = json.loads(text)
        elif "payload" in form:  # as parse_body reads an interaction: its payload's JSON
            body = json.loads(form["payload"])
        else:
            body = form
    except ValueError:
        return "the JSON does not parse"
    if not isinstance(body, dict):
        return "the JSON is not an object"
    if "command" in body:
        if json_body:
            return "a slash command with a JSON body"
        return command_problem(body)
    if json_body:
        return event_problem(body)
    if "payload" in form:
        return interaction_problem(body)
    return "neither a slash command, an interaction nor an event"


def for_bolt(text: str, form: Mapping[str, str] | None) -> str:
    """The body as Bolt must see it. Bolt reads any form body that merely contains the word
    "payload" (say, in a slash command's text) as an interaction and loses the command; writing
    that word's "a" percent-encoded leaves every decoded value as it was. (Bolt's own signature
    check is off for this reason: the edge has checked the bytes Slack signed.) ``form``: the
    body read as a form, None for a JSON body."""
    if form is None or "payload" not in text or "payload" in form:
        return text
    return text.replace("payload", "p%61yload")


def command_problem(body: Mapping[str, Any]) -> str | None:
    for name in ("command", "user_id", "team_id", "response_url", "trigger_id"):
        if not isinstance(body.get(name), str) or not body[name]:
            return f"the slash command has no {name}"
    for name in ("text", "channel_id", "user_name"):
        if name in body and not isinstance(body[name], str):
            return f"the slash command's {name} is not text"
    return None


def interaction_problem(body: Mapping[str, Any]) -> str | None:
    kind = body.get("type")
    if kind not in INTERACTION_TYPES:
        return "unknown interaction type"
    problem = _fields(
        body,
        ("user", dict, True),
        ("user.id", str, True),
        ("user.team_id", str, False),
        ("user.name", str, False),
        ("user.username", str, False),
        ("team", dict, False),
        ("team.id", str, False),
        ("response_url", str, False),
        ("trigger_id", str, False),
        ("container", dict, False),
        ("channel", dict, False),
        ("message", dict, False),
        ("view", dict, kind in ("view_submission", "view_closed")),
    )
    if problem:
        return problem
    view = body.get("view")
    if isinstance(view, dict):
        problem = _view_problem(view)
        if problem:
            return problem
    if kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions:
            return "the interaction has no actions"
        for action in actions:
            if not isinstance(action, dict):
                return "an action is not an object"
            problem = _fields(
                action,
                ("action_id", str, True),
                ("block_id", str, False),
                ("value", str, False),
                ("selected_user", str, False),
            )
            if problem:
                return "action " + problem
    return None


def _view_problem(view: Mapping[str, Any]) -> str | None:
    problem = _fields(
        view,
        ("id", str, False),
        ("callback_id", str, False),
        ("private_metadata", str, False),
        ("blocks", list, False),
        ("state", dict, False),
        ("state.values", dict, False),
    )
    if problem:
        return "view " + problem
    values = (view.get("state") or {}).get("values") or {}
    for block in values.values():
        if not isinstance(block, dict) or not all(isinstance(v, dict) for v in block.values()):
            return "the view's state values are not objects"
    return None


def event_problem(body: Mapping[str, Any]) -> str | None:
    kind = body.get("type")
    if kind not in EVENT_TYPES:
        return "a JSON body that is not an Events API request"
    if kind == "url_verification":
        return _fields(body, ("challenge", str, True))
    if kind == "event_callback":
        return _fields(
            body,
            ("event_id", str, True),
            ("team_id", str, True),
            ("event", dict, True),
            ("event.type", str, True),
            # A user id, or (``user_change``) the user object.
            ("event.user", (str, dict), False),
            ("event.tab", str, False),
        )
    return None


def _fields(
    body: Mapping[str, Any], *specs: tuple[str, type | tuple[type, ...], bool]
) -> str | None:
    """Check (dotted path, type, required) triples; a present None counts as absent."""
    for path, kind, required in specs:
        value: Any = body
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            if required:
                return f"has no {path}"
            continue
        if not isinstance(value, kind):
            names = kind if isinstance(kind, tuple) else (kind,)
            return f"{path} is not {' or '.join(k.__name__ for k in names)}"
    return None


# -- keep request bodies out of Bolt's log lines ------------------------------------------------


class NoRequestBodies(logging.Filter):
    """Rewrites Bolt's log lines that carry a request body (or part of one) into fixed text."""

    _REWRITES = {
        "Unhandled request": "Unhandled request (body withheld)",
        "Invalid request signature detected": "Invalid request signature detected (body withheld)",
        "request body:": "request body withheld",
    }

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg if isinstance(record.msg, str) else ""
        for prefix, replacement in self._REWRITES.items():
            if message.startswith(prefix):
                record.msg, record.args = replacement, ()
                break
        return True


# Bolt's loggers are named after its classes; these are the ones whose messages include bodies.
BOLT_LOGGERS = ("slack_bolt.App", "slack_bolt.RequestVerification")


def withhold_bodies_from_bolt_logs() -> None:
    """Install ``NoRequestBodies`` on Bolt's loggers (idempotent)."""
    for name in BOLT_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, NoRequestBodies) for f in logger.filters):
            logger.addFilter(NoRequestBodies())
