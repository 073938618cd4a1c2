"""A recording in-memory notifier: ``bot.ports.Notifier`` for delivery tests that do not test a
chat platform.

Each recipient is its own conversation (a place or a person, as ``post`` was told). Messages
stand as they are now (after updates and deletes); every call is also kept in order in
``calls``. Faults are injected per method with ``fail_next``: the error is raised instead of the
call, or, with ``kept=True``, after the call took effect (a post whose answer was lost, so its
fate is unknown and ``find_post`` finds it). It passes the adapter contract
(``tests/test_adapter_contract.py``) like every platform's notifier.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.ports import Clock, DeliveryError, LookupUnavailable
from bot.replies import Attachment, Posted, Reply, as_written

METHODS = ("post", "find_post", "upload", "share", "find_share", "update", "delete")


@dataclass
class Message:
    """A message as it stands in its conversation."""

    recipient: str
    ts: str
    reply: Reply
    post_id: int | None
    at: datetime | None  # the notifier's clock when it was posted (for ``find_post``)
    updated: int = 0

    @property
    def text(self) -> str:
        """The message as a person reads it (markers removed)."""
        return as_written(self.reply.marked_text)


@dataclass
class Shared:
    """A file shared in a conversation, below the message it came with."""

    channel: str
    file_id: str
    title: str
    attachment: Attachment


@dataclass
class MemoryCall:
    method: str
    recipient: str  # the recipient or conversation the call was about ("" for an upload)
    ok: bool
    error: str | None = None


@dataclass
class _Fault:
    error: DeliveryError
    kept: bool


@dataclass
class MemoryNotifier:
    """``clock``: when posts happen, for ``find_post``'s ``since`` (None: every post matches)."""

    clock: Clock | None = None
    calls: list[MemoryCall] = field(default_factory=list)
    posts: list[Message] = field(default_factory=list)  # every message posted, in order
    _messages: dict[tuple[str, str], Message] = field(default_factory=dict)
    _files: dict[str, Attachment] = field(default_factory=dict)
    _shared: list[Shared] = field(default_factory=list)
    _faults: dict[str, list[_Fault]] = field(default_factory=lambda: defaultdict(list))
    _unavailable: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next: int = 0

    # -- faults ----------------------------------------------------------------------------

    def fail_next(
        self, method: str, error: DeliveryError, *, times: int = 1, kept: bool = False
    ) -> None:
        """The next ``times`` calls of ``method`` raise ``error`` (``kept``: after acting)."""
        assert method in METHODS, method
        with self._lock:
            self._faults[method] += [_Fault(error, kept) for _ in range(times)]

    def lookups_unavailable(self, needed: str = "history") -> None:
        """``find_post`` and ``find_share`` cannot answer from now on (a missing permission)."""
        self._unavailable.add(needed)

    def _fault(self, method: str, recipient: str) -> _Fault | None:
        with self._lock:
            queue = self._faults.get(method)
            fault = queue.pop(0) if queue else None
            self.calls.append(
                MemoryCall(method, recipient, fault is None or fault.kept, _reason(fault))
            )
        if fault is not None and not fault.kept:
            raise fault.error
        return fault

    # -- the port --------------------------------------------------------------------------

    def post(self, recipient: str, reply: Reply, *, post_id: int | None = None) -> Posted:
        fault = self._fault("post", recipient)
        with self._lock:
            self._next += 1
            ts = f"{self._next}.000000"
            at = self.clock.now() if self.clock is not None else None
            message = Message(recipient, ts, reply, post_id, at)
            self._messages[(recipient, ts)] = message
            self.posts.append(message)
        if fault is not None:
            raise fault.error
        return Posted(recipient, ts)

    def find_post(self, recipient: str, post_id: int, since: datetime) -> Posted | None:
        self._lookup("find_post", recipient)
        with self._lock:
            for message in self._messages.values():
                if (
                    message.recipient == recipient
                    and message.post_id == post_id
                    and (message.at is None or message.at >= since)
                ):
                    return Posted(recipient, message.ts)
        return None

    def upload(self, attachment: Attachment) -> str:
        fault = self._fault("upload", "")
        with self._lock:
            file_id = f"F{len(self._files) + 1}"
            self._files[file_id] = attachment
        if fault is not None:
            raise fault.error
        return file_id

    def share(self, posted: Posted, file_id: str, title: str) -> None:
        fault = self._fault("share", posted.channel)
        with self._lock:
            attachment = self._files[file_id]
            self._shared.append(Shared(posted.channel, file_id, title, attachment))
        if fault is not None:
            raise fault.error

    def find_share(self, posted: Posted, file_id: str) -> bool:
        self._lookup("find_share", posted.channel)
        with self._lock:
            return any(s.file_id == file_id and s.channel == posted.channel for s in self._shared)

    def update(self, posted: Posted, reply: Reply) -> None:
        fault = self._fault("update", posted.channel)
        with self._lock:
            message = self._messages.get((posted.channel, posted.ts))
            if message is None:
                raise DeliveryError("message_not_found", permanent=True)
            # A new object: ``sent`` keeps the message as it was posted.
            self._messages[(posted.channel, posted.ts)] = replace(
                message, reply=reply, updated=message.updated + 1
            )
        if fault is not None:
            raise fault.error

    def delete(self, posted: Posted) -> None:
        fault = self._fault("delete", posted.channel)
        with self._lock:
            self._messages.pop((posted.channel, posted.ts), None)  # gone already counts
        if fault is not None:
            raise fault.error

    def _lookup(self, method: str, recipient: str) -> None:
        if self._unavailable:
            with self._lock:
                self.calls.append(MemoryCall(method, recipient, False, "unavailable"))
            needed = sorted(self._unavailable)[0]
            raise LookupUnavailable("missing_scope", needed)
        self._fault(method, recipient)

    # -- reading what happened -------------------------------------------------------------

    def messages(self, recipient: str | None = None) -> list[Message]:
        """Messages as they stand now (after updates and deletes), oldest first."""
        with self._lock:
            found = [
                m for m in self._messages.values() if recipient is None or m.recipient == recipient
            ]
        return sorted(found, key=lambda m: float(m.ts))

    def sent(self, recipient: str | None = None) -> list[Message]:
        """Every message posted (deleted ones too), in order, as it was posted."""
        with self._lock:
            return [m for m in self.posts if recipient is None or m.recipient == recipient]

    def texts(self, recipient: str | None = None) -> list[str]:
        """The texts of ``sent``."""
        return [m.text for m in self.sent(recipient)]

    def shared(self, recipient: str | None = None) -> list[Shared]:
        with self._lock:
            return [s for s in self._shared if recipient is None or s.channel == recipient]

    def count(self, method: str, *, ok: bool | None = None) -> int:
        with self._lock:
            return sum(c.method == method and (ok is None or c.ok == ok) for c in self.calls)


def _reason(fault: _Fault | None) -> str | None:
    return None if fault is None else fault.error.reason
