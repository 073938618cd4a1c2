"""Web API and response_url calls on kept-alive connections.

slack_sdk's sync clients open every call with ``urllib.request.urlopen``: a new connection (and
against Slack a new TLS handshake) per call, closed after it. In a burst that was a good part of
an answer's CPU: a registration makes a ``users.info`` call and a response_url answer, each
0.57 ms of CPU against the loopback fake, of which 0.2 ms on a kept-alive ``http.client``
connection (urllib3 took 0.8 ms: its pool costs more than it saves here). The clients below keep
slack_sdk's request building, retry handlers and response parsing, and replace only the step that
opens the URL: each thread keeps one connection per host and timeout, and reuses it while the
server keeps it open.

Towards slack_sdk and the retry handlers of ``handlers.slack.client`` the step behaves as
``urlopen`` does: an answer outside 2xx raises ``HTTPError``; an error while connecting or
sending the request (refused, unreachable, DNS, TLS, a connect timeout) raises ``URLError``; an
error while reading the answer (a reset, a closed connection, a read timeout) is raised as it is,
because Slack may have acted on the request. A kept connection the server has closed meanwhile
is noticed before it is used and replaced.
"""

from __future__ import annotations

import http.client
import io
import select
import socket
import ssl
import threading
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError
from slack_sdk.webhook import WebhookClient, WebhookResponse

_Key = tuple[str, str, int, float | None]


class KeptAlive:
    """Each thread's kept connections; one instance serves every client of a process."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._tls = ssl.create_default_context()

    def _connections(self) -> dict[_Key, http.client.HTTPConnection]:
        connections: dict[_Key, http.client.HTTPConnection] | None = getattr(
            self._local, "connections", None
        )
        if connections is None:
            connections = self._local.connections = {}
        return connections

    def _connection(self, key: _Key) -> http.client.HTTPConnection:
        connections = self._connections()
        connection = connections.get(key)
        if connection is not None and connection.sock is not None and _closed(connection.sock):
            connection.close()  # the server closed it while it was idle: it connects anew
        if connection is None:
            _let_go_of_closed(connections)
            scheme, host, port, timeout = key
            if scheme == "https":
                connection = http.client.HTTPSConnection(
                    host, port, timeout=timeout, context=self._tls
                )
            else:
                connection = http.client.HTTPConnection(host, port, timeout=timeout)
            connections[key] = connection
        return connection

    def held(self) -> list[tuple[str, str, int]]:
        """Scheme, host and port of each connection this thread holds open."""
        return [key[:3] for key, c in self._connections().items() if c.sock is not None]

    def open(self, req: Request, timeout: float | None) -> _Answered:
        """``urlopen(req, timeout=timeout)``, its exceptions included; the answer is read."""
        url = urlsplit(req.full_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            # As slack_sdk refuses it: not a URLError, which the retry handlers would repeat.
            raise SlackRequestError(f"Invalid URL detected: {req.full_url}")
        port = url.port or (443 if url.scheme == "https" else 80)
        key = (url.scheme, url.hostname, port, timeout)
        connection = self._connection(key)
        headers = dict(req.header_items())
        try:
            connection.request(req.get_method(), req.selector, req.data, headers)
        except OSError as error:  # connecting or sending: it never reached Slack
            connection.close()
            raise URLError(error) from error
        try:
            response = connection.getresponse()
            body = response.read()
        except BaseException:
            connection.close()
            raise
        answer = _Answered(response, body)
        if not 200 <= response.status < 300:
            raise HTTPError(
                req.full_url, response.status, response.reason, response.headers, answer
            )
        return answer


class _Answered(io.BytesIO):
    """A read answer, offering what slack_sdk reads of urlopen's: status, headers, read()."""

    def __init__(self, response: http.client.HTTPResponse, body: bytes) -> None:
        super().__init__(body)
        self.status = self.code = response.status
        self.headers = response.headers

    def read_text(self) -> str:
        return self.getvalue().decode(self.headers.get_content_charset() or "utf-8")


def _let_go_of_closed(connections: dict[_Key, http.client.HTTPConnection]) -> None:
    """Before a thread connects to a new host: forget the connections it holds that their
    servers closed, or that failed. Otherwise a host it never calls again (a server that
    moved, a test's fake that stopped) would keep its socket open until the thread ends."""
    for key, connection in list(connections.items()):
        if connection.sock is None or _closed(connection.sock):
            connection.close()
            del connections[key]


def _closed(sock: socket.socket) -> bool:
    """An idle kept connection that is readable has been closed by the server (or sent what
    nobody asked for): either way it is not to be used again."""
    # poll, not select: select() refuses descriptors above 1023, which a busy process reaches.
    poller = select.poll()
    try:
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True


# The process's connections. Nothing is opened before the first call.
SHARED = KeptAlive()


def _plain(client: WebClient | WebhookClient) -> bool:
    # A proxy or an SSL context of the caller's is urlopen's to honour: those calls keep its path.
    return client.proxy is None and client.ssl is None


class KeptAliveWebClient(WebClient):
    """``slack_sdk.WebClient`` whose calls reuse connections (see the module docstring)."""

    def __init__(self, *args: Any, connections: KeptAlive = SHARED, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connections = connections

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if not _plain(self):
            return super()._perform_urllib_http_request_internal(url, req)
        answer = self._connections.open(req, self.timeout)
        body: str | bytes = answer.read()
        if answer.headers.get_content_type() != "application/gzip":  # as slack_sdk reads it
            body = answer.read_text()
        return {"status": answer.status, "headers": answer.headers, "body": body}


class KeptAliveWebhookClient(WebhookClient):
    """``slack_sdk.WebhookClient`` (response_url answers) on kept-alive connections."""

    def __init__(self, *args: Any, connections: KeptAlive = SHARED, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connections = connections

    def _perform_http_request_internal(self, url: str, req: Request) -> WebhookResponse:
        if not _plain(self):
            response: WebhookResponse = super()._perform_http_request_internal(url, req)
            return response
        answer = self._connections.open(req, self.timeout)
        return WebhookResponse(
            url=url,
            status_code=answer.status,
            body=answer.read_text(),
            headers=answer.headers,  # type: ignore[arg-type]  # as slack_sdk passes urlopen's
        )
