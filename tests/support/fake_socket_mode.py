"""A loopback fake of Slack's Socket Mode WebSocket, on the standard library.

Slack's side of Socket Mode: the app calls ``apps.connections.open`` (on ``FakeSlack``, which
answers with this server's ``ws://`` URL), opens a WebSocket, gets ``hello``, then receives
envelopes (``slash_commands``, ``interactive``, ``events_api``) and acks each with its
``envelope_id`` and an optional payload. The fake records every ack, answers pings, and can send
the same envelope again, as Slack does when an ack is late.

Usage::

    with FakeSlack() as slack, FakeSocketMode(slack) as socket_mode:
        ... start the bot in Socket Mode against slack.base_url ...
        socket_mode.wait_connected()
        envelope_id = socket_mode.deliver("slash_commands", {...})
        ack = socket_mode.wait_for_ack(envelope_id)[0]

Two ways a connection ends that tests need: ``request_refresh`` (Slack's ``disconnect`` with
``refresh_requested``, the client opens a new connection) and ``drop`` (the connection dies
without a close frame, as on a network failure: the server goes silent and answers nothing, not
even pings, so only the client's own liveness check can notice).

Only what the builtin ``slack_sdk`` client uses is implemented: unfragmented or fragmented text
frames from the client (masked), ping/pong and close; frames to the client are unmasked.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
import uuid
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from tests.support.fake_slack import APP_ID, FakeSlack

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


class _Connection:
    def __init__(self, sock: socket.socket, server: FakeSocketMode) -> None:
        self.sock = sock
        self.server = server
        self.send_lock = threading.Lock()
        self.open = True
        # Dropped: read and ignore everything, answer nothing (a dead network path).
        self.silent = False

    # -- frames -------------------------------------------------------------------------------

    def send_frame(self, opcode: int, payload: bytes) -> None:
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, length)
        elif length < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, length)
        with self.send_lock:
            self.sock.sendall(header + payload)

    def send_json(self, message: Mapping[str, Any]) -> None:
        self.send_frame(OP_TEXT, json.dumps(message).encode("utf-8"))

    def _read_exactly(self, count: int) -> bytes:
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ConnectionError("the client closed the connection")
            data += chunk
        return data

    def read_frame(self) -> tuple[bool, int, bytes]:
        first, second = self._read_exactly(2)
        fin, opcode = bool(first & 0x80), first & 0x0F
        masked, length = bool(second & 0x80), second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._read_exactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._read_exactly(8))
        mask = self._read_exactly(4) if masked else b""
        payload = self._read_exactly(length)
        if masked:
            payload = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        return fin, opcode, payload

    # -- the session ----------------------------------------------------------------------------

    def handshake(self) -> bool:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = self.sock.recv(4096)
            if not chunk:
                return False
            request += chunk
        headers = {}
        for line in request.decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        key = headers.get("sec-websocket-key", "")
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        response = (
            "HTTP/1.1 101 Switching Protocols\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
        )
        self.sock.sendall(response.encode("latin-1"))
        return True

    def serve(self) -> None:
        try:
            if not self.handshake():
                return
            self.send_json(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "fake-socket-mode", "approximate_connection_time": 3600},
                    "connection_info": {"app_id": APP_ID},
                }
            )
            self.server._connected(self)
            message = b""
            while self.open:
                fin, opcode, payload = self.read_frame()
                if self.silent:
                    continue
                if opcode == OP_PING:
                    self.send_frame(OP_PONG, payload)
                elif opcode == OP_CLOSE:
                    self.send_frame(OP_CLOSE, payload[:2])
                    break
                elif opcode in (OP_TEXT, OP_CONTINUATION):
                    message += payload
                    if fin:
                        self.server._received(json.loads(message.decode("utf-8")))
                        message = b""
        except (ConnectionError, OSError, ValueError):
            pass
        finally:
            self.close()

    def close(self) -> None:
        self.open = False
        # shutdown() wakes a recv() parked on this socket in any thread; close() alone doesn't.
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.server._disconnected(self)


class FakeSocketMode:
    """The WebSocket end of Socket Mode; see the module docstring."""

    def __init__(self, fake: FakeSlack | None = None) -> None:
        self._changed = threading.Condition()
        self._connections: list[_Connection] = []
        self._acks: list[dict[str, Any]] = []
        self._sent: dict[str, dict[str, Any]] = {}
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._tickets = itertools.count(1)
        self.connections_opened = 0
        self.accepting = True
        if fake is not None:
            fake.socket_mode = self

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeSocketMode:
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(0.05)
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, name="FakeSocketMode", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for connection in self.connections():
            connection.close()

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def hang_up(self) -> None:
        """Close every connection and refuse new ones (``apps.connections.open`` fails).

        Lets a client shut down at once: its receiving thread is no longer parked in recv().
        """
        self.accepting = False
        for connection in self.connections():
            connection.close()

    def drop(self) -> None:
        """The newest connection dies without a close frame: nothing more reaches the client and
        nothing from it is answered. It no longer counts as connected."""
        connections = self.connections()
        if not connections:
            raise AssertionError("no Socket Mode connection to drop")
        dropped = connections[-1]
        dropped.silent = True
        with self._changed:
            if dropped in self._connections:
                self._connections.remove(dropped)
            self._changed.notify_all()

    def request_refresh(self) -> None:
        """Slack's notice that it will close the newest connection soon: the client reconnects."""
        self.connections()[-1].send_json(
            {
                "type": "disconnect",
                "reason": "refresh_requested",
                "debug_info": {"host": "fake-socket-mode"},
            }
        )

    def wait_opened(self, count: int, timeout: float) -> float:
        """Block until ``count`` connections were opened in all; returns the seconds waited."""
        started = time.monotonic()
        deadline = started + timeout
        with self._changed:
            while self.connections_opened < count or not self._connections:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"waited {timeout}s for connection #{count}, "
                        f"{self.connections_opened} opened so far"
                    )
                self._changed.wait(remaining)
        return time.monotonic() - started

    def new_url(self) -> str | None:
        """What ``apps.connections.open`` answers: a fresh ws:// URL on this server."""
        if self._listener is None:
            raise RuntimeError("FakeSocketMode is not running")
        if not self.accepting:
            return None
        port = self._listener.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket={next(self._tickets)}&app_id={APP_ID}"

    # -- test-facing --------------------------------------------------------------------------

    def connections(self) -> list[_Connection]:
        with self._changed:
            return list(self._connections)

    def wait_connected(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self._connections:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no Socket Mode connection within {timeout}s")
                self._changed.wait(remaining)

    def deliver(
        self,
        kind: str,
        payload: Mapping[str, Any],
        *,
        envelope_id: str | None = None,
        accepts_response_payload: bool | None = None,
        retry_attempt: int | None = None,
    ) -> str:
        """Send one envelope to the newest connection; returns its envelope_id."""
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id or str(uuid.uuid4()),
            "type": kind,
            "payload": dict(payload),
            "accepts_response_payload": (
                kind != "events_api"
                if accepts_response_payload is None
                else accepts_response_payload
            ),
        }
        if kind == "events_api":
            envelope["retry_attempt"] = retry_attempt or 0
            envelope["retry_reason"] = "timeout" if retry_attempt else ""
        return self.send_envelope(envelope)

    def redeliver(self, envelope_id: str) -> str:
        """Send an envelope again, unchanged: what Slack does when it missed our ack."""
        return self.send_envelope(self._sent[envelope_id])

    def send_envelope(self, envelope: Mapping[str, Any]) -> str:
        connections = self.connections()
        if not connections:
            raise AssertionError("no Socket Mode connection to deliver to")
        envelope_id = str(envelope["envelope_id"])
        self._sent[envelope_id] = dict(envelope)
        connections[-1].send_json(envelope)
        return envelope_id

    def acks(self, envelope_id: str | None = None) -> list[dict[str, Any]]:
        with self._changed:
            return [
                ack
                for ack in self._acks
                if envelope_id is None or ack.get("envelope_id") == envelope_id
            ]

    def wait_for_ack(
        self, envelope_id: str, count: int = 1, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = self.acks(envelope_id)
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"waited {timeout}s for {count} ack(s) of {envelope_id}, got {len(found)}"
                    )
                self._changed.wait(remaining)

    # -- server side --------------------------------------------------------------------------

    def _accept(self) -> None:
        while self._listener is not None:
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(None)
            connection = _Connection(sock, self)
            threading.Thread(
                target=connection.serve, name="FakeSocketModeConn", daemon=True
            ).start()

    def _connected(self, connection: _Connection) -> None:
        with self._changed:
            self._connections.append(connection)
            self.connections_opened += 1
            self._changed.notify_all()

    def _disconnected(self, connection: _Connection) -> None:
        with self._changed:
            if connection in self._connections:
                self._connections.remove(connection)
            self._changed.notify_all()

    def _received(self, message: Any) -> None:
        if isinstance(message, dict) and "envelope_id" in message:
            with self._changed:
                self._acks.append(message)
                self._changed.notify_all()
