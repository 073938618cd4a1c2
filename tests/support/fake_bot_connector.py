"""A loopback fake of the Bot Connector service Teams sends through (``/v3/conversations…``).

The Teams notifier talks to it through the Agents SDK's own ``ConnectorClient`` with the fake's
URL as the conversation reference's service URL, so the SDK's requests and error handling are
part of what is tested. It serves:

- ``POST /v3/conversations``: create (or find) the 1:1 conversation with a member;
- ``POST /v3/conversations/{id}/activities``: send an activity;
- ``POST /v3/conversations/{id}/activities/{activityId}``: reply to one;
- ``PUT``/``DELETE /v3/conversations/{id}/activities/{activityId}``: update, delete;
- ``GET /v3/conversations/{id}/members/{memberId}``: one member of the roster.

It records every request, keeps the conversations as they stand, refuses what Teams refuses
(an activity over Teams' size limit: 413 ``MessageSizeTooBig``; a conversation it does not know:
404; a member who has not installed the app: 403), and answers what a test asks for next: 403,
404, 413, 429 with ``Retry-After``, 500 (also after acting: the answer is lost, the activity is
there). It also counts requests above Teams' rate limits (7 sends per second per conversation,
50 requests per second per tenant, each in any sliding second, every attempt counted, answered
or not) and keeps the peaks; ``assert_within_limits`` fails a test that exceeded one.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

# Teams refuses a message over about 100 KB; the bot promises to stay under 80 KB.
TEAMS_MAX_BYTES = 100_000
BOT_MAX_BYTES = 80_000
PER_CONVERSATION_PER_SECOND = 7
PER_TENANT_PER_SECOND = 50
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"

_PATH = re.compile(
    r"^/v3/conversations(?:/(?P<conv>[^/]+)(?:/(?P<what>activities|members)(?:/(?P<item>[^/]+))?)?)?$"
)


@dataclass(frozen=True)
class ConnectorCall:
    """One request the fake received, as answered."""

    op: str  # create | send | reply | update | delete | member
    conversation: str
    activity: str
    body: dict[str, Any]
    status: int
    at: float  # time.monotonic()
    authorization: str = ""


@dataclass
class Sent:
    """An activity as it stands in its conversation."""

    conversation: str
    id: str
    activity: dict[str, Any]
    updated: int = 0
    deleted: bool = False

    @property
    def text(self) -> str:
        return str(self.activity.get("text") or "")

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.activity.get("attachments") or []
            if a.get("contentType") == ADAPTIVE_CARD
        ]


@dataclass
class _Fault:
    status: int
    code: str
    retry_after: int | None
    kept: bool  # the request takes effect, then the answer says it failed


@dataclass
class Member:
    id: str  # 29:…
    object_id: str  # the Entra object id
    name: str
    email: str = ""
    tenant: str = ""


@dataclass
class FakeBotConnector:
    tenant: str = "tenant-kl"
    app_password: str = "secret"
    token_requests: list[dict[str, str]] = field(default_factory=list)
    calls: list[ConnectorCall] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    over_limit: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _conversations: dict[str, list[Sent]] = field(default_factory=dict)
    _one_on_one: dict[str, str] = field(default_factory=dict)  # member id -> conversation id
    _members: dict[str, Member] = field(default_factory=dict)
    _blocked: set[str] = field(default_factory=set)
    _faults: dict[str, list[_Fault]] = field(default_factory=lambda: defaultdict(list))
    # The most requests seen in one sliding second: per conversation (sends), per tenant (all).
    peak: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _sends: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    _tenant_calls: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    _tenant_of: dict[str, str] = field(default_factory=dict)  # conversation id -> tenant
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _server: ThreadingHTTPServer | None = None
    # Random faults on sends (``chaos``): the share answered 429, and answered 500 after posting.
    _chaos: tuple[float, float, random.Random] | None = None

    # -- setting the scene -------------------------------------------------------------------

    def add_channel(self, conversation_id: str, tenant: str | None = None) -> None:
        """A channel the bot was added to (its team installed the app), in ``tenant`` (the
        fake's own unless said)."""
        with self._lock:
            self._conversations.setdefault(conversation_id, [])
            if tenant is not None:
                self._tenant_of[conversation_id] = tenant

    def add_member(self, member: Member, *, installed: bool = True) -> None:
        """A person in the roster; ``installed``: whether the bot may open a chat with them."""
        with self._lock:
            self._members[member.id] = member
            if installed:
                self._blocked.discard(member.id)
            else:
                self._blocked.add(member.id)

    def fail_next(
        self,
        op: str,
        status: int,
        code: str = "",
        *,
        retry_after: int | None = None,
        kept: bool = False,
        times: int = 1,
    ) -> None:
        """The next ``times`` requests of ``op`` are answered ``status`` (``kept``: after the
        request took effect, as a 500 whose answer came after the activity was posted)."""
        with self._lock:
            self._faults[op] += [
                _Fault(status, code or f"http_{status}", retry_after, kept)
            ] * times

    def chaos(self, *, ratelimited: float, lost_answer: float, seed: int = 1) -> None:
        """From now on, a share of sends is answered 429 (Retry-After 1) and a share is posted
        but answered 500 (its fate unknown to the bot)."""
        with self._lock:
            self._chaos = (ratelimited, lost_answer, random.Random(seed))

    # -- reading what happened ---------------------------------------------------------------

    def activities(self, conversation: str | None = None, *, deleted: bool = False) -> list[Sent]:
        """Activities as they stand now, oldest first (deleted ones only if asked)."""
        with self._lock:
            found = [
                s
                for conv, sent in self._conversations.items()
                if conversation is None or conv == conversation
                for s in sent
                if deleted or not s.deleted
            ]
        return found

    def find(self, conversation: str, activity_id: str) -> Sent | None:
        with self._lock:
            for sent in self._conversations.get(conversation, []):
                if sent.id == activity_id and not sent.deleted:
                    return sent
        return None

    def conversation_of(self, member_id: str) -> str | None:
        """The 1:1 conversation opened with a member, if any."""
        with self._lock:
            return self._one_on_one.get(member_id)

    def count(self, op: str, *, status: int | None = None) -> int:
        with self._lock:
            return sum(c.op == op and (status is None or c.status == status) for c in self.calls)

    def assert_no_invalid_activities(self) -> None:
        assert self.invalid == [], self.invalid

    def assert_within_limits(self) -> None:
        """No conversation got more than 7 sends and no tenant more than 50 requests in any
        second."""
        assert dict(self.over_limit) == {}, (dict(self.over_limit), dict(self.peak))

    # -- serving -----------------------------------------------------------------------------

    @property
    def service_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeBotConnector is not running; use a with block")
        return f"http://127.0.0.1:{self._server.server_port}/"

    def __enter__(self) -> FakeBotConnector:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def do_PUT(self) -> None:
                fake._handle(self, "PUT")

            def do_DELETE(self) -> None:
                fake._handle(self, "DELETE")

            def do_GET(self) -> None:
                fake._handle(self, "GET")

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(
            target=server.serve_forever, args=(0.05,), name="fake-bot-connector", daemon=True
        ).start()
        self._server = server
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- the service -------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        path = urlsplit(request.path).path
        if method == "POST" and path.endswith("/oauth2/v2.0/token"):
            self._token(request, raw)
            return
        body = json.loads(raw) if raw else {}
        match = _PATH.match(path)
        if match is None:
            self._answer(request, 404, {"error": {"code": "NotFound", "message": request.path}})
            return
        conv = unquote(match["conv"] or "")
        item = unquote(match["item"] or "")
        op = _operation(method, conv, match["what"], item)
        if op is None:
            self._answer(request, 405, {"error": {"code": "MethodNotAllowed", "message": ""}})
            return
        with self._lock:
            status, answer, headers = self._act(op, conv, item, body, raw)
            self.calls.append(
                ConnectorCall(
                    op,
                    conv,
                    item,
                    body,
                    status,
                    time.monotonic(),
                    request.headers.get("Authorization") or "",
                )
            )
        self._answer(request, status, answer, headers)

    def _act(
        self, op: str, conv: str, item: str, body: dict[str, Any], raw: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        self._count_request(op, conv, body)
        queue = self._faults.get(op)
        fault = queue.pop(0) if queue else None
        if fault is None and op == "send" and self._chaos is not None:
            limited, lost, draw = self._chaos
            roll = draw.random()
            if roll < limited:
                fault = _Fault(429, "ratelimited", 1, kept=False)
            elif roll < limited + lost:
                fault = _Fault(500, "http_500", None, kept=True)
        if fault is not None and not fault.kept:
            return _error(fault)
        if op in ("send", "reply", "update"):
            refused = self._check_activity(body, raw)
            if refused is not None:
                return refused
        status, answer = getattr(self, f"_{op}")(conv, item, body)
        if fault is not None and status < 300:
            return _error(fault)
        return status, answer, {}

    def _check_activity(
        self, body: dict[str, Any], raw: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        size = _teams_size(body)
        if size > TEAMS_MAX_BYTES:
            return 413, {"error": {"code": "MessageSizeTooBig", "message": f"{size}"}}, {}
        if size > BOT_MAX_BYTES:
            self.invalid.append(f"activity of {size} bytes (over the bot's 80 KB)")
        cards = [a for a in body.get("attachments") or [] if a.get("contentType") == ADAPTIVE_CARD]
        if cards and body.get("text"):
            self.invalid.append("text and a card in one activity")
        for attachment in cards:
            version = str(attachment.get("content", {}).get("version", ""))
            if version not in ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5"):
                self.invalid.append(f"Adaptive Card version {version!r}")
        return None

    def _count_request(self, op: str, conv: str, body: dict[str, Any]) -> None:
        """Every request counts against its tenant; every send against its conversation."""
        now = time.monotonic()
        if op == "create":
            tenant = str(body.get("tenantId") or self.tenant)
        else:
            tenant = self._tenant_of.get(conv, self.tenant)
        self._count(
            f"tenant {tenant}", "tenant", self._tenant_calls[tenant], now, PER_TENANT_PER_SECOND
        )
        if op in ("send", "reply"):
            sends = self._sends[conv]
            self._count(
                f"conversation {conv}", "conversation", sends, now, PER_CONVERSATION_PER_SECOND
            )

    def _count(self, key: str, kind: str, calls: list[float], now: float, limit: int) -> None:
        calls.append(now)
        while calls and now - calls[0] >= 1.0:
            calls.pop(0)
        self.peak[kind] = max(self.peak[kind], len(calls))
        if len(calls) > limit:
            self.over_limit[kind] += 1
            self.over_limit[key] += 1

    def _create(self, conv: str, item: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        members = body.get("members") or []
        if len(members) != 1 or not members[0].get("id"):
            return 400, {"error": {"code": "BadArgument", "message": "one member"}}
        member = str(members[0]["id"])
        if member in self._blocked:
            return 403, {"error": {"code": "Forbidden", "message": "BotNotInConversationRoster"}}
        conversation = self._one_on_one.setdefault(member, f"a:1on1-{member}")
        self._tenant_of[conversation] = str(body.get("tenantId") or self.tenant)
        self._conversations.setdefault(conversation, [])
        return 201, {"id": conversation}

    def _send(self, conv: str, item: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if conv not in self._conversations:
            return 404, {"error": {"code": "ConversationNotFound", "message": conv}}
        sent = Sent(conv, f"1:{next(self._ids)}", body)
        self._conversations[conv].append(sent)
        return 201, {"id": sent.id}

    def _reply(self, conv: str, item: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return self._send(conv, item, body)

    def _update(self, conv: str, item: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        for sent in self._conversations.get(conv, []):
            if sent.id == item and not sent.deleted:
                sent.activity = body
                sent.updated += 1
                return 200, {"id": item}
        return 404, {"error": {"code": "ActivityNotFoundInConversation", "message": item}}

    def _delete(self, conv: str, item: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        for sent in self._conversations.get(conv, []):
            if sent.id == item and not sent.deleted:
                sent.deleted = True
                return 200, {}
        return 404, {"error": {"code": "ActivityNotFoundInConversation", "message": item}}

    def _member(self, conv: str, item: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        member = self._members.get(item)
        if member is None:
            return 404, {"error": {"code": "MemberNotFoundInConversation", "message": item}}
        return 200, {
            "id": member.id,
            "name": member.name,
            "objectId": member.object_id,  # Teams' name (SDK 1.9's model has no field for it)
            "email": member.email,
            "userPrincipalName": member.email,
            "tenantId": member.tenant or self.tenant,
        }

    def _token(self, request: BaseHTTPRequestHandler, raw: bytes) -> None:
        """Entra's token endpoint (client credentials): a token for the right secret only."""
        form = dict(parse_qsl(raw.decode()))
        with self._lock:
            self.token_requests.append(form)
        if form.get("client_secret") != self.app_password:
            self._answer(request, 401, {"error": "invalid_client"})
            return
        token = f"token-{len(self.token_requests)}"
        self._answer(request, 200, {"access_token": token, "expires_in": 3600})

    @staticmethod
    def _answer(
        request: BaseHTTPRequestHandler,
        status: int,
        answer: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(answer).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)


def _operation(method: str, conv: str, what: str | None, item: str) -> str | None:
    if not conv:
        return "create" if method == "POST" else None
    if what == "members" and item and method == "GET":
        return "member"
    if what != "activities":
        return None
    if not item:
        return "send" if method == "POST" else None
    return {"POST": "reply", "PUT": "update", "DELETE": "delete"}.get(method)


def _error(fault: _Fault) -> tuple[int, dict[str, Any], dict[str, str]]:
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    return fault.status, {"error": {"code": fault.code, "message": fault.code}}, headers


def _teams_size(activity: dict[str, Any]) -> int:
    """Teams counts the message in UTF-16 (two bytes a character)."""
    return len(json.dumps(activity, ensure_ascii=False)) * 2
