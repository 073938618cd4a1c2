"""Calendar subscriptions: ``kalender abonner [netværk]``, ``kalender nulstil``, and the feed a
calendar client polls (``GET /kalender/<secret>.ics``, served by whichever platform answers HTTP).

The personal feed holds every meeting the person is expected at, by the one definition
(``expected_at``); the network's feed every meeting. Events carry the meeting's stable UID and
SEQUENCE, and a cancelled meeting stays in the feed as STATUS:CANCELLED, so clients move and
cancel the entries themselves. An unchanged feed is the same bytes: its ETag answers a poll with
304, and its Last-Modified moves only when a meeting or an answer about it changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import texts
from bot.domain import subscriptions
from bot.domain.registration import Actor
from bot.domain.seats.attendance import expected_at
from bot.models import (
    Attendance,
    CalendarSubscription,
    FeedScope,
    Meeting,
    Network,
    NewsPost,
    Seat,
    SeatEvent,
)
from bot.posts.calendar import feed_ics, meeting_event
from bot.replies import Reply, Result, ResultKind
from bot.service.context import Context
from bot.service.parsing import fold

# A feed shows the meetings of the last while too, so a calendar keeps what just happened.
FEED_PAST = timedelta(days=90)
FEED_MAX_MEETINGS = 100
FEED_PATH = "/kalender/"
FEED_SUFFIX = ".ics"
# Before any meeting or answer existed: a fixed, old Last-Modified.
_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class FeedAnswer:
    """What the HTTP endpoint answers: 200 with the calendar, 304, or 404 (unknown, revoked or
    malformed secret; the same answer for each)."""

    status: int
    body: bytes = b""
    etag: str | None = None
    last_modified: datetime | None = None

    @property
    def headers(self) -> list[tuple[str, str]]:
        found = []
        if self.status in (200, 304) and self.etag is not None:
            found.append(("ETag", self.etag))
        if self.status in (200, 304) and self.last_modified is not None:
            found.append(("Last-Modified", format_datetime(self.last_modified, usegmt=True)))
        if self.status in (200, 304):
            # Private to the person; a shared cache must not keep it.
            found.append(("Cache-Control", "private, max-age=300"))
        if self.status == 200:
            found.append(("Content-Type", "text/calendar; charset=utf-8"))
        return found


NOT_FOUND = FeedAnswer(404)


def secret_from_path(path: str) -> str | None:
    """'/kalender/<secret>.ics' -> the secret; anything else -> None."""
    if not path.startswith(FEED_PATH) or not path.endswith(FEED_SUFFIX):
        return None
    secret = path[len(FEED_PATH) : -len(FEED_SUFFIX)]
    return secret or None


class Feeds:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    # -- commands -------------------------------------------------------------------------

    def _unavailable(self) -> Reply | None:
        settings = self._ctx.settings
        if settings.public_url is None:
            sentence = texts.subscriptions.FEED_NO_PUBLIC_URL
        elif not settings.serves_http:
            sentence = texts.subscriptions.FEED_NO_HTTP
        else:
            return None
        return Reply((sentence,), result=Result(ResultKind.FEED_UNAVAILABLE))

    def _links(self, secret: str) -> tuple[str, str]:
        base = self._ctx.settings.public_url
        assert base is not None
        https_url = f"{base}{FEED_PATH}{secret}{FEED_SUFFIX}"
        return https_url, "webcal://" + https_url.split("://", 1)[1]

    def subscribe(self, actor: Actor, args: str) -> Reply:
        """``kalender abonner`` (the person's meetings) or ``kalender abonner netværk``."""
        unavailable = self._unavailable()
        if unavailable is not None:
            return unavailable
        scope = FeedScope.NETWORK if fold(args).strip() in NETWORK_WORDS else FeedScope.PERSONAL
        network_feed = scope is FeedScope.NETWORK

        def work(session: Session, network: Network) -> Reply:
            me = self._ctx.people.me(session, actor)
            secret = subscriptions.subscribe(session, network, me, scope, self._ctx.now())
            if secret is None:
                return Reply(
                    (texts.subscriptions.feed_exists(network=network_feed),),
                    result=Result(ResultKind.FEED_EXISTS),
                )
            https_url, webcal_url = self._links(secret)
            return Reply(
                tuple(
                    texts.subscriptions.feed_subscribed(https_url, webcal_url, network=network_feed)
                ),
                result=Result(ResultKind.FEED_SUBSCRIBED),
            )

        return self._ctx.run(work)

    def reset(self, actor: Actor, args: str) -> Reply:
        """``kalender nulstil``: every old link stops working; a new one for each feed."""
        unavailable = self._unavailable()
        if unavailable is not None:
            return unavailable

        def work(session: Session, network: Network) -> Reply:
            me = self._ctx.people.me(session, actor)
            issued = subscriptions.reissue(session, network, me, self._ctx.now())
            links = [
                (*self._links(secret), scope is FeedScope.NETWORK)
                for scope, secret in issued.items()
            ]
            return Reply(
                tuple(texts.subscriptions.feed_reset(links)),
                result=Result(ResultKind.FEED_RESET, ids={"links": len(links)}),
            )

        return self._ctx.run(work)

    # -- the feed -------------------------------------------------------------------------

    def feed(
        self, secret: str, *, if_none_match: str | None = None, if_modified_since: str | None = None
    ) -> FeedAnswer:
        """The calendar a secret opens, as it is now; 304 when the client has it already. The
        validators come from a few small reads (the meetings' versions and the latest answer,
        seat change and news), so a poll of an unchanged feed builds nothing."""

        def work(session: Session, network: Network) -> FeedAnswer:
            subscription = subscriptions.find(session, secret)
            if subscription is None or subscription.network_id != network.id:
                return NOT_FOUND
            meetings = _window(session, network, self._ctx.now())
            etag, stamp = _validators(session, network, subscription, meetings)
            if _not_modified(etag, stamp, if_none_match, if_modified_since):
                return FeedAnswer(304, etag=etag, last_modified=stamp)
            body = self._calendar(session, network, subscription, meetings, stamp)
            return FeedAnswer(200, body, etag, stamp)

        return self._ctx.run(work)

    def _calendar(
        self,
        session: Session,
        network: Network,
        subscription: CalendarSubscription,
        meetings: list[Meeting],
        stamp: datetime,
    ) -> bytes:
        personal = subscription.scope == FeedScope.PERSONAL.value
        if personal:
            meetings = _expected_at(session, network, subscription.person_id, meetings)
        news = _news_by_meeting(session, [m.id for m in meetings])
        return feed_ics(
            [meeting_event(m, news.get(m.id, [])) for m in meetings],
            self._ctx.tz,
            name=texts.subscriptions.FEED_NAME_PERSONAL
            if personal
            else texts.subscriptions.FEED_NAME_NETWORK,
            stamp=stamp,
        )


def _window(session: Session, network: Network, now: datetime) -> list[Meeting]:
    """The meetings a feed shows: those not over, and those of the last ``FEED_PAST``."""
    return list(
        session.scalars(
            select(Meeting)
            .where(Meeting.network_id == network.id, Meeting.ends_at > now - FEED_PAST)
            .order_by(Meeting.starts_at)
            .limit(FEED_MAX_MEETINGS)
        )
    )


def _expected_at(
    session: Session, network: Network, person_id: int, meetings: list[Meeting]
) -> list[Meeting]:
    """The meetings the person is expected at (``expected_at``, the one definition), read only
    for the municipalities they can sit for: their own seat's and those they substitute in."""
    ids = [m.id for m in meetings]
    codes = set(session.scalars(select(Seat.municipality_code).where(Seat.holder_id == person_id)))
    if ids:
        codes |= set(
            session.scalars(
                select(Seat.municipality_code)
                .join(Attendance, Attendance.seat_id == Seat.id)
                .where(Attendance.person_id == person_id, Attendance.meeting_id.in_(ids))
            )
        )
    return [
        m
        for m in meetings
        if any(
            e.person.id == person_id
            for code in sorted(codes)
            for e in expected_at(session, network, m, code)
        )
    ]


# What ``kalender abonner`` takes as "the network's meetings" (folded: æ/ø/å as ASCII).
NETWORK_WORDS = frozenset({"netvaerk", "netvaerket", "alle"})


def _news_by_meeting(session: Session, meeting_ids: list[int]) -> dict[int, list[NewsPost]]:
    if not meeting_ids:
        return {}
    found: dict[int, list[NewsPost]] = {}
    for post in session.scalars(
        select(NewsPost).where(NewsPost.meeting_id.in_(meeting_ids)).order_by(NewsPost.id)
    ):
        assert post.meeting_id is not None
        found.setdefault(post.meeting_id, []).append(post)
    return found


# Raised when what a feed shows changes shape (so every client fetches it anew once).
FEED_FORMAT = 1


def _validators(
    session: Session,
    network: Network,
    subscription: CalendarSubscription,
    meetings: list[Meeting],
) -> tuple[str, datetime]:
    """(ETag, Last-Modified) of the feed as it is now, without building it. What the feed shows
    depends on the meetings (a change raises ``sequence`` and ``updated_at``), on who is
    expected (answers: ``attendance.updated_at``; seats: the seat history), and on the news."""
    ids = [m.id for m in meetings]
    answered = (
        session.scalar(
            select(func.max(Attendance.updated_at)).where(Attendance.meeting_id.in_(ids))
        )
        if ids
        else None
    )
    seated = session.scalar(
        select(func.max(SeatEvent.created_at)).where(SeatEvent.network_id == network.id)
    )
    news = session.scalar(select(func.max(NewsPost.id)).where(NewsPost.network_id == network.id))
    state = (
        FEED_FORMAT,
        subscription.id,
        subscription.scope,
        [
            (m.id, m.sequence, m.agenda_revision, m.status, m.updated_at.isoformat())
            for m in meetings
        ],
        answered.isoformat() if answered else None,
        seated.isoformat() if seated else None,
        news,
    )
    etag = '"' + hashlib.sha256(repr(state).encode()).hexdigest()[:32] + '"'
    stamps = [subscription.created_at, _EPOCH, *(m.updated_at for m in meetings)]
    stamps += [s for s in (answered, seated) if s is not None]
    latest = max(s if s.tzinfo is not None else s.replace(tzinfo=UTC) for s in stamps)
    return etag, latest.astimezone(UTC).replace(microsecond=0)


def _not_modified(
    etag: str, stamp: datetime, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """RFC 9110: If-None-Match decides when present; If-Modified-Since only without it."""
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or etag in tags
    if if_modified_since is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            return False
        return stamp <= since
    return False
