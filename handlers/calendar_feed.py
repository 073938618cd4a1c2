"""The calendar feed over HTTP, for any platform that answers HTTP: ``GET /kalender/<secret>.ics``.

Platform-neutral on purpose: Slack's HTTP mode mounts ``mount_feed`` in front of its edge (a
calendar client signs nothing, so the feed must never reach Slack's signature check), and the
Teams endpoint (aiohttp) calls ``answer`` with the request's path and headers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from bot.service.feeds import FEED_PATH, NOT_FOUND, FeedAnswer, secret_from_path

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found", 405: "Method Not Allowed"}


class FeedSource(Protocol):
    def calendar_feed(
        self, secret: str, *, if_none_match: str | None = None, if_modified_since: str | None = None
    ) -> FeedAnswer: ...


def answer(
    service: FeedSource,
    path: str,
    *,
    if_none_match: str | None = None,
    if_modified_since: str | None = None,
) -> FeedAnswer:
    """The answer to a GET of ``path``: 404 for anything that is not a live feed's path."""
    secret = secret_from_path(path)
    if secret is None:
        return NOT_FOUND
    return service.calendar_feed(
        secret, if_none_match=if_none_match, if_modified_since=if_modified_since
    )


def is_feed_path(path: str) -> bool:
    return path.startswith(FEED_PATH)


def feed_app(service: FeedSource) -> WsgiApp:
    """A WSGI app that answers the feed's path (GET and HEAD)."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Allow", "GET, HEAD")])
            return [b""]
        result = answer(
            service,
            str(environ.get("PATH_INFO", "")),
            if_none_match=environ.get("HTTP_IF_NONE_MATCH"),
            if_modified_since=environ.get("HTTP_IF_MODIFIED_SINCE"),
        )
        headers = [*result.headers, ("Content-Length", str(len(result.body)))]
        start_response(f"{result.status} {_REASONS.get(result.status, '')}", headers)
        return [b"" if method == "HEAD" else result.body]

    return application


def mount_feed(service: FeedSource, inner: WsgiApp) -> WsgiApp:
    """``inner`` with the feed's path answered before it (and never passed on to it)."""
    feeds = feed_app(service)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if is_feed_path(str(environ.get("PATH_INFO", ""))):
            return feeds(environ, start_response)
        return inner(environ, start_response)

    return application
