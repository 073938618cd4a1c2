"""A loopback fake of the Slack Web API for tests that drive the real bot.

The bot talks to it through an ordinary ``slack_sdk.WebClient(base_url=slack.base_url)``, so the
whole HTTP path (encoding, auth header, retry handlers, error handling) is exercised. The fake
enforces the platform rules that bite in production: payload limits (via ``payload_limits``),
single-use ``trigger_id`` that expires after 3 s, ``response_url`` good for 5 uses in 30 minutes,
and 429 rate limiting with ``Retry-After``.

Usage::

    with FakeSlack() as slack:
        client = WebClient(token="xoxb-test", base_url=slack.base_url)
        client.chat_postMessage(channel="C1", text="hej")
        assert slack.calls("chat.postMessage")[0].args["text"] == "hej"
        assert slack.invalid_payloads == []

Recorded ``Call.args`` are normalised: JSON-string fields of form-encoded calls (``blocks``,
``attachments``, ``view``, ``files``, ``metadata``) are decoded, so a test reads the same shape
whichever encoding the client chose. ``Call.encoding`` tells which one it was.
"""

from __future__ import annotations

import itertools
import json
import math
import secrets
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.payload_limits import message_problems, view_problems

TEAM_ID = "T0001"
TEAM_DOMAIN = "klimanet-test"
BOT_USER_ID = "UBOT"
BOT_ID = "B0001"
APP_ID = "A0KLIMA"

# Fields that form-encoded requests carry as JSON strings.
_JSON_STRING_FIELDS = ("blocks", "attachments", "view", "files", "metadata")


@dataclass(frozen=True)
class Call:
    """One request the fake received, recorded before it was answered."""

    method: str
    args: dict[str, Any]
    at: float  # time.monotonic(): compare calls with each other, not with the wall clock
    ok: bool = True
    error: str | None = None
    status: int = 200
    encoding: str = "none"  # "json", "form" or "none" (no body)
    token: str = ""  # the bearer token it came with (tells replicas with their own tokens apart)


@dataclass(frozen=True)
class Upload:
    """A file completed with files.completeUploadExternal."""

    file_id: str
    filename: str
    content: bytes
    title: str | None
    channel_id: str | None
    channels: tuple[str, ...]
    initial_comment: str | None
    thread_ts: str | None


@dataclass(frozen=True)
class InvalidPayload:
    """A payload the fake refused because it breaks Slack's rules."""

    method: str
    args: dict[str, Any]
    problems: tuple[str, ...]

    @property
    def detail(self) -> str:
        return "; ".join(self.problems)


@dataclass
class FakeUser:
    id: str
    real_name: str
    title: str = ""
    deleted: bool = False
    team_id: str = TEAM_ID
    display_name: str = ""
    email: str | None = None

    def to_api(self) -> dict[str, Any]:
        profile: dict[str, Any] = {
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.display_name,
            "display_name_normalized": self.display_name,
            "title": self.title,
            "team": self.team_id,
        }
        if self.email is not None:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.real_name.lower().replace(" ", "."),
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": "Europe/Copenhagen",
            "is_bot": False,
            "is_app_user": False,
            "profile": profile,
        }


@dataclass
class _Reply:
    status: int
    body: dict[str, Any] | bytes
    headers: dict[str, str] = field(default_factory=dict)
    # Close the connection without an answer.
    drop: bool = False
    # A fault that lets the call act first and then answers with this reply.
    after_acting: bool = False

    @property
    def ok(self) -> bool:
        return isinstance(self.body, dict) and bool(self.body.get("ok")) and self.status == 200

    @property
    def error(self) -> str | None:
        return self.body.get("error") if isinstance(self.body, dict) else None


@dataclass
class _Fault:
    kind: str
    retry_after: int


@dataclass
class _Minted:
    minted_at: float
    uses: int = 0


@dataclass
class _PendingFile:
    filename: str
    length: int
    content: bytes | None = None


def _ok(**data: Any) -> _Reply:
    return _Reply(200, {"ok": True, **data})


def _error(error: str, status: int = 200, **extra: Any) -> _Reply:
    return _Reply(status, {"ok": False, "error": error, **extra})


def _dm_channel(channel: str) -> str:
    # Posting to a user ID posts in the app's DM with that user; Slack answers with the D channel.
    return f"D{channel}" if channel[:1] in ("U", "W") else channel


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a stuck client must not block stop()
    request_queue_size = 128  # bursts of 30+ concurrent clients overflow the default backlog of 5
    fake: FakeSlack

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        self.fake._connected()
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End every kept-alive connection: its thread sees the end and stops, and a client that
        calls again finds the connection closed, as after Slack closed an idle one."""
        with self._open_lock:
            open_ = list(self._open)
        for sock in open_:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # Slack keeps connections alive (HTTP/1.1), and the bot's clients reuse them. stop() ends the
    # open ones; a connection idle this long is closed, as servers do.
    protocol_version = "HTTP/1.1"
    timeout = 60
    # The headers and the body are two writes; with Nagle's algorithm the body of a kept-alive
    # answer waits for the client's delayed ACK (40 ms), which no real server makes a client do.
    disable_nagle_algorithm = True

    # Slack accepts every Web API method as POST and most as GET.
    def do_POST(self) -> None:
        self.server.fake._serve(self)

    def do_GET(self) -> None:
        self.server.fake._serve(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean; the calls are recorded instead


class FakeSlack:
    """Loopback fake of the Slack Web API; see the module docstring."""

    def __init__(self) -> None:
        self.trigger_ttl = 3.0
        self.response_url_ttl = 30 * 60.0
        self.response_url_max_uses = 5
        # chat.postMessage posts per second per channel; None disables the limit.
        self.rate_limit_per_channel: float | None = None
        # Seconds every Web API call takes before it is answered (in-flight work for crash tests).
        self.latency: float = 0.0
        # Answer views that show an uploaded file in an image block (``slack_file``) with
        # invalid_blocks, as Slack does when it cannot show the file (e.g. still processing).
        self.refuse_slack_file_images = False

        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._calls: list[Call] = []
        self._invalid: list[InvalidPayload] = []
        self._uploads: list[Upload] = []
        self._file_ids: set[str] = set()  # every file completed, kept through reset()
        self._stats: Counter[str] = Counter()
        self._faults: dict[str, list[_Fault]] = {}
        self._last_post_at: dict[str, float] = {}
        self._users: dict[str, FakeUser] = {}
        self._triggers: dict[str, _Minted] = {}
        self._response_urls: dict[str, _Minted] = {}
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._submitted_views: dict[str, dict[str, Any]] = {}
        self._home_views: dict[str, str] = {}
        self._files: dict[str, _PendingFile] = {}
        self._ts_micros = 0
        # Message ts follow this clock (seconds since the epoch), as Slack's follow its own: a
        # test on a controlled clock points it there, so "since the attempt" means the same.
        self.clock: Callable[[], float] = time.time
        self._ids = itertools.count(1)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        # A FakeSocketMode attaches itself here; apps.connections.open answers with its URL.
        self.socket_mode: Any = None
        # Scopes the bot token lacks: reads that need one answer missing_scope (with "needed").
        self.missing_scopes: set[str] = set()
        self._shared_files: dict[str, dict[str, Any]] = {}
        self._methods: dict[str, Callable[[dict[str, Any]], _Reply]] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "conversations.open": self._conversations_open,
            "users.info": self._users_info,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "files.info": self._files_info,
            "conversations.history": self._conversations_history,
        }

    # -- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        if self._server is not None:
            raise RuntimeError("FakeSlack is already running")
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        # A short poll interval makes shutdown() return quickly.
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="FakeSlack",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not running; use start() or a with block")
        return f"http://127.0.0.1:{self._server.server_port}/"

    @property
    def base_url(self) -> str:
        """What the bot passes as ``WebClient(base_url=...)``; methods are appended to it."""
        return self.root_url + "api/"

    # -- test-facing state --------------------------------------------------------------------------

    def calls(self, method: str | None = None, *, ok: bool | None = None) -> list[Call]:
        """Recorded calls in arrival order, optionally only one method and/or only ok/failed."""
        with self._lock:
            return [
                call
                for call in self._calls
                if (method is None or call.method == method) and (ok is None or call.ok == ok)
            ]

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 5.0, *, ok: bool | None = None
    ) -> list[Call]:
        """Block until at least ``count`` calls of ``method`` arrived; return all of them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = self.calls(method, ok=ok)
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = Counter(call.method for call in self._calls)
                    raise AssertionError(
                        f"waited {timeout}s for {count} {method} call(s), got {len(found)}; "
                        f"calls so far: {dict(seen)}"
                    )
                self._changed.wait(remaining)

    def reset(self) -> None:
        """Forget recordings (calls, invalid payloads, uploads, stats) and pending faults.

        The workspace state stays: users, posted messages, open views and minted trigger IDs and
        response URLs, so a test can keep interacting after clearing what it has asserted.
        """
        with self._lock:
            self._calls.clear()
            self._invalid.clear()
            self._uploads.clear()
            self._stats.clear()
            self._faults.clear()
            self._last_post_at.clear()

    @property
    def invalid_payloads(self) -> list[InvalidPayload]:
        with self._lock:
            return list(self._invalid)

    def assert_no_invalid_payloads(self) -> None:
        problems = self.invalid_payloads
        if problems:
            lines = [f"{p.method}: {p.detail}" for p in problems]
            raise AssertionError("the bot sent invalid payloads:\n  " + "\n  ".join(lines))

    @property
    def uploads(self) -> list[Upload]:
        with self._lock:
            return list(self._uploads)

    @property
    def stats(self) -> Counter[str]:
        """Counters: "ratelimited" (429s), "server_error" (injected 500s), "injected_errors"
        (injected Slack error codes), "fake_errors" (requests the fake itself failed on) and
        "connections" (accepted; a client that keeps them alive opens few)."""
        with self._lock:
            return Counter(self._stats)

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages as they stand now (after updates and deletes), oldest first."""
        with self._lock:
            found = [
                dict(message)
                for (message_channel, _), message in self._messages.items()
                if channel is None or message_channel == _dm_channel(channel)
            ]
        return sorted(found, key=lambda message: message["ts"])

    def remember_message(self, channel: str, message: Mapping[str, Any]) -> None:
        """Make a message exist (e.g. one a test fabricates) so chat.update can find it."""
        with self._lock:
            self._messages.setdefault((_dm_channel(channel), message["ts"]), dict(message))

    def views(self) -> list[dict[str, Any]]:
        """Every view opened, pushed or published, as Slack holds it now (with id and hash)."""
        with self._lock:
            return [dict(view) for view in self._views.values()]

    def find_view(self, view: Mapping[str, Any]) -> dict[str, Any] | None:
        """The stored view for a view dict the bot sent (e.g. ``call.args["view"]``) or an id."""
        with self._lock:
            if view.get("id") in self._views:
                return dict(self._views[view["id"]])
            for view_id in reversed(list(self._submitted_views)):
                if self._submitted_views[view_id] == view:
                    return dict(self._views[view_id])
        return None

    def add_user(
        self,
        user_id: str,
        real_name: str,
        title: str = "",
        deleted: bool = False,
        team_id: str = TEAM_ID,
        *,
        display_name: str = "",
        email: str | None = None,
    ) -> FakeUser:
        user = FakeUser(user_id, real_name, title, deleted, team_id, display_name, email)
        with self._lock:
            self._users[user_id] = user
        return user

    def user(self, user_id: str) -> FakeUser | None:
        with self._lock:
            return self._users.get(user_id)

    def close_connections(self) -> None:
        """Close every kept-alive connection, as Slack closes idle ones."""
        if self._server is not None:
            self._server.close_connections()

    def _connected(self) -> None:
        with self._lock:
            self._stats["connections"] += 1

    def fail_next(self, method: str, kind: str, times: int = 1, retry_after: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` fail.

        ``kind``: "ratelimited" (HTTP 429 with Retry-After), "server_error" (HTTP 500), or any
        Slack error code such as "channel_not_found" (HTTP 200 with ok=false). ``method`` may also
        be "response_url". Two kinds act on the call first, as Slack sometimes does:
        "kept_server_error" (the message is posted, the file shared, and the answer is HTTP 500)
        and "kept_disconnect" (acted on, then the connection closes without an answer).
        """
        with self._lock:
            self._faults.setdefault(method, []).extend(
                _Fault(kind, retry_after) for _ in range(times)
            )

    def mint_trigger_id(self) -> str:
        """A trigger_id as Slack puts in an interaction: single use, valid ``trigger_ttl`` s."""
        trigger_id = f"{next(self._ids)}.{secrets.randbelow(10**9)}.{secrets.token_hex(10)}"
        with self._lock:
            self._triggers[trigger_id] = _Minted(time.monotonic())
        return trigger_id

    def mint_response_url(self) -> str:
        """A response_url on this server: up to 5 POSTs within 30 minutes."""
        url_id = secrets.token_hex(8)
        with self._lock:
            self._response_urls[url_id] = _Minted(time.monotonic())
        return f"{self.root_url}response/{url_id}"

    # -- HTTP plumbing ------------------------------------------------------------------------------

    def _serve(self, handler: _Handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        url = urlsplit(handler.path)
        if url.path.startswith("/api/"):
            reply = self._api(handler, url.path.removeprefix("/api/"), url.query, body)
        elif url.path.startswith("/response/"):
            reply = self._response_url(url.path.removeprefix("/response/"), body)
        elif url.path.startswith("/upload/"):
            reply = self._upload(url.path.removeprefix("/upload/"), body)
        else:
            reply = _error("not_found", status=404)
        self._send(handler, reply)

    @staticmethod
    def _send(handler: _Handler, reply: _Reply) -> None:
        if reply.drop:
            handler.close_connection = True  # the client reads no status line: RemoteDisconnected
            return
        if isinstance(reply.body, bytes):
            payload, content_type = reply.body, "text/plain; charset=utf-8"
        else:
            payload = json.dumps(reply.body).encode("utf-8")
            content_type = "application/json; charset=utf-8"
        handler.send_response(reply.status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)

    def _api(self, handler: _Handler, method: str, query: str, body: bytes) -> _Reply:
        content_type = (handler.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            args, encoding = _parse_args(content_type, body, query)
        except ValueError as error:
            reply = _error("invalid_json", detail=str(error))
            args, encoding = {"_raw": body.decode("utf-8", "replace")}, "invalid"
        else:
            authorization = handler.headers.get("Authorization") or ""
            # The bot must send its bot token in the header (never in the body or a query string);
            # Socket Mode's connection is opened with the app-level token instead.
            token_kind = "xapp-" if method == "apps.connections.open" else "xoxb-"
            if not authorization.startswith("Bearer " + token_kind):
                reply = _error("not_authed")
            else:
                if self.latency:
                    time.sleep(self.latency)  # outside the lock: slow calls overlap as in Slack
                # Handle and record under one lock so the recorded order is the order the calls
                # were answered in (it matters for rate-limit and retry assertions).
                token = authorization.removeprefix("Bearer ")
                with self._lock:
                    reply = self._dispatch(method, args)
                    self._record(method, args, reply, encoding, token)
                return reply
        self._record(method, args, reply, encoding)
        return reply

    def _dispatch(self, method: str, args: dict[str, Any]) -> _Reply:
        fault = self._take_fault(method)
        if fault is not None:
            if fault.after_acting:
                self._handle(method, args)
            return fault
        return self._handle(method, args)

    def _handle(self, method: str, args: dict[str, Any]) -> _Reply:
        handle = self._methods.get(method)
        if handle is None:
            return _error("unknown_method")
        try:
            return handle(args)
        except Exception as error:  # noqa: BLE001 - a bug in the fake, or a shape it does not expect
            # Answer instead of dropping the connection, and make the failure obvious.
            self._stats["fake_errors"] += 1
            return _error("fake_slack_error", status=500, detail=repr(error))

    def _take_fault(self, method: str) -> _Reply | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue.pop(0)
        if fault.kind == "ratelimited":
            return self._ratelimited(fault.retry_after)
        if fault.kind == "kept_server_error":
            self._stats["kept_server_error"] += 1
            return _Reply(500, {"ok": False, "error": "internal_error"}, after_acting=True)
        if fault.kind == "kept_disconnect":
            self._stats["kept_disconnect"] += 1
            return _Reply(0, b"", drop=True, after_acting=True)
        if fault.kind == "server_error":
            self._stats["server_error"] += 1
            return _error("internal_error", status=500)
        self._stats["injected_errors"] += 1
        return _error(fault.kind)

    def _ratelimited(self, retry_after: int) -> _Reply:
        self._stats["ratelimited"] += 1
        return _Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})

    def _record(
        self, method: str, args: dict[str, Any], reply: _Reply, encoding: str, token: str = ""
    ) -> None:
        # Recorded before the reply is written, so a test sees the call as soon as the client
        # returns.
        call = Call(
            method=method,
            args=args,
            at=time.monotonic(),
            ok=reply.ok,
            error=None if reply.ok else reply.error,
            status=reply.status,
            encoding=encoding,
            token=token,
        )
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def _invalid_payload(self, method: str, args: dict[str, Any], problems: list[str]) -> _Reply:
        with self._lock:
            self._invalid.append(InvalidPayload(method, args, tuple(problems)))
        return _error("invalid_blocks", detail="; ".join(problems))

    def _next_ts(self) -> str:
        # Unique and increasing, from the clock, like Slack's "seconds.micros" message IDs.
        self._ts_micros = max(self._ts_micros + 100, int(self.clock() * 1_000_000))
        return f"{self._ts_micros // 1_000_000}.{self._ts_micros % 1_000_000:06d}"

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):010d}"

    # -- Web API methods (called with the lock held) --------------------------------------------

    def _auth_test(self, args: dict[str, Any]) -> _Reply:
        return _ok(
            url=f"https://{TEAM_DOMAIN}.slack.com/",
            team="Klimanet Test",
            user="klimanet",
            team_id=TEAM_ID,
            user_id=BOT_USER_ID,
            bot_id=BOT_ID,
            is_enterprise_install=False,
        )

    def _apps_connections_open(self, args: dict[str, Any]) -> _Reply:
        url = self.socket_mode.new_url() if self.socket_mode is not None else None
        if url is None:
            return _error("not_allowed_token_type")
        return _ok(url=url)

    def _chat_post_message(self, args: dict[str, Any]) -> _Reply:
        channel = args.get("channel")
        if not channel:
            return _error("channel_not_found")
        channel_id = _dm_channel(str(channel))
        now = time.monotonic()
        if self.rate_limit_per_channel:
            interval = 1.0 / self.rate_limit_per_channel
            last = self._last_post_at.get(channel_id)
            if last is not None and now - last < interval:
                return self._ratelimited(max(1, math.ceil(interval - (now - last))))
        problems = message_problems(args)
        if problems:
            return self._invalid_payload("chat.postMessage", args, problems)
        self._last_post_at[channel_id] = now
        ts = self._next_ts()
        message = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "ts": ts,
            "text": args.get("text", ""),
            "blocks": args.get("blocks") or [],
        }
        if args.get("attachments"):
            message["attachments"] = args["attachments"]
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        if isinstance(args.get("metadata"), dict):
            message["metadata"] = args["metadata"]
        self._messages[(channel_id, ts)] = message
        return _ok(channel=channel_id, ts=ts, message=dict(message))

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> _Reply:
        if not args.get("channel"):
            return _error("channel_not_found")
        if not args.get("user"):
            return _error("user_not_found")
        problems = message_problems(args)
        if problems:
            return self._invalid_payload("chat.postEphemeral", args, problems)
        return _ok(message_ts=self._next_ts())

    def _chat_update(self, args: dict[str, Any]) -> _Reply:
        key = (_dm_channel(str(args.get("channel", ""))), str(args.get("ts", "")))
        if key not in self._messages:
            return _error("message_not_found")
        problems = message_problems(args)
        if problems:
            return self._invalid_payload("chat.update", args, problems)
        message = self._messages[key]
        for name in ("text", "blocks", "attachments"):
            if name in args:
                message[name] = args[name]
        message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return _ok(channel=key[0], ts=key[1], text=message.get("text", ""), message=dict(message))

    def _chat_delete(self, args: dict[str, Any]) -> _Reply:
        key = (_dm_channel(str(args.get("channel", ""))), str(args.get("ts", "")))
        if self._messages.pop(key, None) is None:
            return _error("message_not_found")
        return _ok(channel=key[0], ts=key[1])

    def _check_trigger(self, trigger_id: Any) -> _Reply | None:
        minted = self._triggers.get(str(trigger_id)) if trigger_id else None
        if minted is None:
            return _error("invalid_trigger_id")
        if minted.uses:
            return _error("exchanged_trigger_id")
        if time.monotonic() - minted.minted_at > self.trigger_ttl:
            return _error("expired_trigger_id")
        return None

    def _store_view(
        self, view: dict[str, Any], *, view_id: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        view_id = view_id or self._new_id("V")
        stored = {
            "id": view_id,
            "team_id": TEAM_ID,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
            "app_installed_team_id": TEAM_ID,
            "callback_id": "",
            "private_metadata": "",
            "external_id": "",
            "clear_on_close": False,
            "notify_on_close": False,
            "previous_view_id": None,
            "root_view_id": view_id,
            **view,
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            **extra,
        }
        self._views[view_id] = stored
        self._submitted_views[view_id] = view
        return dict(stored)

    def _open_or_push(self, method: str, args: dict[str, Any]) -> _Reply:
        refused = self._check_trigger(args.get("trigger_id"))
        if refused is not None:
            return refused
        view = args.get("view")
        problems = view_problems(view) if isinstance(view, dict) else ["view: is required"]
        if problems:
            return self._invalid_payload(method, args, problems)
        self._triggers[str(args["trigger_id"])].uses += 1
        assert isinstance(view, dict)
        return _ok(view=self._store_view(view))

    def _views_open(self, args: dict[str, Any]) -> _Reply:
        return self._open_or_push("views.open", args)

    def _views_push(self, args: dict[str, Any]) -> _Reply:
        return self._open_or_push("views.push", args)

    def _views_update(self, args: dict[str, Any]) -> _Reply:
        view_id = args.get("view_id")
        if not view_id and args.get("external_id"):
            view_id = next(
                (v["id"] for v in self._views.values() if v["external_id"] == args["external_id"]),
                None,
            )
        if not view_id or view_id not in self._views:
            return _error("not_found")
        if args.get("hash") and args["hash"] != self._views[view_id]["hash"]:
            return _error("hash_conflict")
        view = args.get("view")
        problems = view_problems(view) if isinstance(view, dict) else ["view: is required"]
        if problems:
            return self._invalid_payload("views.update", args, problems)
        assert isinstance(view, dict)
        previous = self._views[view_id]
        return _ok(
            view=self._store_view(
                view,
                view_id=view_id,
                root_view_id=previous["root_view_id"],
                previous_view_id=previous["previous_view_id"],
            )
        )

    def _views_publish(self, args: dict[str, Any]) -> _Reply:
        user_id = args.get("user_id")
        if not user_id:
            return _error("invalid_arguments", detail="user_id is required")
        view = args.get("view")
        problems = view_problems(view) if isinstance(view, dict) else ["view: is required"]
        if isinstance(view, dict) and view.get("type") != "home":
            problems.append("view.type: views.publish takes a home view")
        if isinstance(view, dict):
            problems.extend(self._unknown_files(view))
        if problems:
            return self._invalid_payload("views.publish", args, problems)
        assert isinstance(view, dict)
        if self.refuse_slack_file_images and _slack_files(view):
            return _error("invalid_blocks", detail="downloading image failed")
        stored = self._store_view(view, view_id=self._home_views.get(user_id))
        self._home_views[str(user_id)] = stored["id"]
        return _ok(view=stored)

    def _unknown_files(self, view: dict[str, Any]) -> list[str]:
        """An image block may show only a file that was uploaded (and is shared with the user)."""
        return [
            f"view.blocks: slack_file {file_id!r} was never uploaded"
            for file_id in _slack_files(view)
            if file_id not in self._file_ids
        ]

    def _conversations_open(self, args: dict[str, Any]) -> _Reply:
        users = args.get("users") or ""
        user_ids = users if isinstance(users, list) else [u for u in str(users).split(",") if u]
        if not user_ids:
            return _error("users_list_not_supplied")
        # One user: the app's DM with them; several: a group DM.
        channel_id = f"D{user_ids[0]}" if len(user_ids) == 1 else "G" + "".join(sorted(user_ids))
        return _ok(channel={"id": channel_id}, no_op=False, already_open=False)

    def _users_info(self, args: dict[str, Any]) -> _Reply:
        user = self._users.get(str(args.get("user", "")))
        if user is None:
            return _error("user_not_found")
        return _ok(user=user.to_api())

    def _files_get_upload_url(self, args: dict[str, Any]) -> _Reply:
        filename, length = args.get("filename"), args.get("length")
        if not filename or length is None:
            return _error("invalid_arguments", detail="filename and length are required")
        file_id = self._new_id("F")
        self._files[file_id] = _PendingFile(str(filename), int(length))
        return _ok(upload_url=f"{self.root_url}upload/{file_id}", file_id=file_id)

    def _files_complete_upload(self, args: dict[str, Any]) -> _Reply:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            return _error("invalid_arguments", detail="files is required")
        channels_arg = args.get("channels") or ""
        channels = tuple(c for c in str(channels_arg).split(",") if c)
        channel_id = args.get("channel_id")
        completed: list[dict[str, Any]] = []
        for entry in files:
            pending = self._files.get(str(entry.get("id")))
            if pending is None:
                return _error("file_not_found")
            if pending.content is None:
                return _error("file_not_uploaded")
        for entry in files:
            file_id = str(entry["id"])
            pending = self._files.pop(file_id)
            assert pending.content is not None
            upload = Upload(
                file_id=file_id,
                filename=pending.filename,
                content=pending.content,
                title=entry.get("title"),
                channel_id=channel_id,
                channels=channels,
                initial_comment=args.get("initial_comment"),
                thread_ts=args.get("thread_ts"),
            )
            self._uploads.append(upload)
            self._file_ids.add(file_id)
            shared_in = [channel_id] if channel_id else list(channels)
            self._shared_files[file_id] = {
                "id": file_id,
                "name": pending.filename,
                "title": entry.get("title") or pending.filename,
                "size": len(pending.content),
                "shared_in": shared_in,
            }
            completed.append(
                {
                    "id": file_id,
                    "name": pending.filename,
                    "title": entry.get("title") or pending.filename,
                    "size": len(pending.content),
                    "channels": shared_in,
                    "permalink": (
                        f"https://{TEAM_DOMAIN}.slack.com/files/{BOT_USER_ID}/{file_id}/"
                        f"{pending.filename}"
                    ),
                }
            )
        return _ok(files=completed)

    def _missing(self, scope: str) -> _Reply | None:
        if scope in self.missing_scopes:
            return _error("missing_scope", needed=scope, provided="chat:write,files:write")
        return None

    def _conversations_history(self, args: dict[str, Any]) -> _Reply:
        channel = str(args.get("channel") or "")
        scope = {"D": "im:history", "G": "groups:history"}.get(channel[:1], "channels:history")
        refused = self._missing(scope)
        if refused is not None:
            return refused
        if not channel:
            return _error("channel_not_found")
        oldest = float(args.get("oldest") or 0)
        latest = float(args["latest"]) if args.get("latest") else math.inf
        limit = min(int(args.get("limit") or 100), 999)
        with_metadata = str(args.get("include_all_metadata")).lower() in ("true", "1")
        found = sorted(
            (
                message
                for (message_channel, ts), message in self._messages.items()
                if message_channel == channel and oldest < float(ts) < latest
            ),
            key=lambda message: message["ts"],
            reverse=True,  # newest first, as Slack answers
        )
        start = int(args.get("cursor") or 0)
        page = found[start : start + limit]
        messages = []
        for message in page:
            shown = {k: v for k, v in message.items() if k != "metadata" or with_metadata}
            messages.append(shown)
        more = start + limit < len(found)
        return _ok(
            messages=messages,
            has_more=more,
            response_metadata={"next_cursor": str(start + limit) if more else ""},
        )

    def _files_info(self, args: dict[str, Any]) -> _Reply:
        refused = self._missing("files:read")
        if refused is not None:
            return refused
        shared = self._shared_files.get(str(args.get("file") or ""))
        if shared is None:
            return _error("file_not_found")
        places = shared["shared_in"]
        ims = [c for c in places if c.startswith("D")]
        public = {c: [{"ts": self._next_ts()}] for c in places if c.startswith("C")}
        private = {c: [{"ts": self._next_ts()}] for c in places if not c.startswith("C")}
        file = {k: v for k, v in shared.items() if k != "shared_in"}
        file.update(
            channels=[c for c in places if c.startswith("C")],
            groups=[c for c in places if c.startswith("G")],
            ims=ims,
            shares={"public": public, "private": private},
        )
        return _ok(file=file)

    # -- non-API endpoints ----------------------------------------------------------------------------

    def _upload(self, file_id: str, body: bytes) -> _Reply:
        with self._lock:
            pending = self._files.get(file_id)
            if pending is None:
                return _Reply(404, b"file not found")
            pending.content = body
        return _Reply(200, f"OK - {len(body)}".encode())

    def _response_url(self, url_id: str, body: bytes) -> _Reply:
        try:
            payload = json.loads(body.decode("utf-8")) if body else {}
            if not isinstance(payload, dict):
                raise ValueError("the body must be a JSON object")
        except ValueError as error:
            reply = _error("invalid_json", status=400, detail=str(error))
            self._record("response_url", {"url_id": url_id}, reply, "invalid")
            return reply
        args = {**payload, "url_id": url_id}
        with self._lock:
            reply = self._use_response_url(url_id, args)
            self._record("response_url", args, reply, "json")
        return reply

    def _use_response_url(self, url_id: str, args: dict[str, Any]) -> _Reply:
        fault = self._take_fault("response_url")
        if fault is not None:
            return fault
        minted = self._response_urls.get(url_id)
        if minted is None:
            return _error("invalid_url", status=404)
        if time.monotonic() - minted.minted_at > self.response_url_ttl:
            return _error("expired_url", status=404)
        if minted.uses >= self.response_url_max_uses:
            return _error("used_url", status=404)
        payload = {k: v for k, v in args.items() if k != "url_id"}
        problems = message_problems(payload)
        if problems:
            self._invalid.append(InvalidPayload("response_url", args, tuple(problems)))
            return _error("invalid_blocks", status=400, detail="; ".join(problems))
        minted.uses += 1
        return _ok()


def _slack_files(view: Mapping[str, Any]) -> list[str]:
    """The file ids that a view's image blocks show."""
    return [
        str(block["slack_file"].get("id"))
        for block in view.get("blocks") or []
        if isinstance(block, Mapping)
        and block.get("type") == "image"
        and isinstance(block.get("slack_file"), Mapping)
    ]


def _parse_args(content_type: str, body: bytes, query: str) -> tuple[dict[str, Any], str]:
    """Decode a Web API request the way Slack does: query string, then a JSON or form body."""
    args: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    encoding = "none"
    if body:
        text = body.decode("utf-8")
        if content_type == "application/json":
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("a JSON body must be an object")
            args.update(data)
            encoding = "json"
        elif content_type in ("application/x-www-form-urlencoded", ""):
            form = parse_qs(text, keep_blank_values=True, strict_parsing=False)
            args.update({k: v[-1] for k, v in form.items()})
            encoding = "form"
        else:
            raise ValueError(f"unsupported Content-Type {content_type!r}")
    for name in _JSON_STRING_FIELDS:
        value = args.get(name)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            args[name] = json.loads(value)
    return args, encoding
