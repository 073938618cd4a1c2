"""Calendar subscriptions (issue 19, part 5): ``kalender abonner [netværk]``, ``kalender
nulstil``, and the feed a calendar client polls at ``GET /kalender/<secret>.ics``."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests
from icalendar import Calendar
from sqlalchemy import Engine, event, select

from bot.clock import FixedClock
from bot.config import ConfigError, Settings
from bot.db import SessionFactory, transaction
from bot.domain.municipalities import default_directory
from bot.domain.subscriptions import hash_secret
from bot.models import CalendarSubscription, Person
from bot.replies import Action, ResultKind
from bot.runtime import CoreAssembly
from bot.service.klimanet import Klimanet, ServiceSettings
from handlers.calendar_feed import feed_app
from handlers.slack.app import build_slack, wsgi_app
from tests.support.actors import FACILITATOR, named
from tests.support.http_server import serve_wsgi
from tests.support.service import done, say
from tests.support.slack_driver import SlackDriver
from tests.support.slackbot import SIGNING_SECRET, SlackBot, bot_settings, slack_settings

BASE = "https://klimanet.example.dk"
ANNA = named("Anna Jensen")
BO = named("Bo Holm")
CREATE = 'møde opret 15.03.2027 10:00-12:00 online "Opstartsmøde" link=https://m.example/1'
CREATE_2 = 'møde opret 10.05.2027 10:00-12:00 online "Forårsmøde" link=https://m.example/2'
LINK = re.compile(r"(https://klimanet\.example\.dk/kalender/([A-Za-z0-9_-]+)\.ics)")


def new(sessions: SessionFactory, clock: FixedClock, **settings: Any) -> Klimanet:
    values: dict[str, Any] = {
        "registration": "open",
        "channel": "C0NET",
        "public_url": BASE,
        "serves_http": True,
    }
    values.update(settings)
    service = Klimanet(sessions, default_directory(), clock, settings=ServiceSettings(**values))
    service.make_facilitator(FACILITATOR.user_id)
    return service


@pytest.fixture
def bot(sessions: SessionFactory, clock: FixedClock) -> Klimanet:
    service = new(sessions, clock)
    done(say(service, FACILITATOR, CREATE), ResultKind.MEETING_CREATED, meeting=1)
    done(say(service, FACILITATOR, CREATE_2), ResultKind.MEETING_CREATED, meeting=2)
    say(service, ANNA, "tilmeld Aarhus")
    return service


def subscribe(service: Klimanet, actor: Any, args: str = "") -> str:
    """The secret of a new link (and the webcal link says the same)."""
    reply = say(service, actor, f"kalender abonner {args}".strip())
    done(reply, ResultKind.FEED_SUBSCRIBED)
    match = LINK.search(reply.text)
    assert match is not None, reply.text
    assert f"webcal://klimanet.example.dk/kalender/{match.group(2)}.ics" in reply.text
    return match.group(2)


def events(body: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(body)
    return {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


def test_a_person_gets_the_meetings_they_are_expected_at(bot: Klimanet) -> None:
    secret = subscribe(bot, ANNA)
    answer = bot.calendar_feed(secret)
    assert answer.status == 200
    found = events(answer.body)
    assert sorted(found) == [
        "Kommunernes klimapolitiske netværk: Forårsmøde",
        "Kommunernes klimapolitiske netværk: Opstartsmøde",
    ]
    first = found["Kommunernes klimapolitiske netværk: Opstartsmøde"]
    assert str(first["UID"]).startswith("klimanet-meeting-") and str(first["STATUS"]) == "CONFIRMED"
    # Regrets for meeting 1: she is not expected there, so it leaves her calendar.
    done(say(bot, ANNA, "afbud 1"), ResultKind.REGRETS_SAVED, meeting=1)
    assert sorted(events(bot.calendar_feed(secret).body)) == [
        "Kommunernes klimapolitiske netværk: Forårsmøde"
    ]


def test_someone_without_a_seat_has_an_empty_feed_and_the_network_feed_has_all(
    bot: Klimanet,
) -> None:
    personal = subscribe(bot, BO)
    assert events(bot.calendar_feed(personal).body) == {}
    everything = subscribe(bot, BO, "netværk")
    assert len(events(bot.calendar_feed(everything).body)) == 2


def test_the_link_names_nobody_and_the_database_keeps_only_its_hash(
    bot: Klimanet, sessions: SessionFactory
) -> None:
    secret = subscribe(bot, ANNA)
    assert len(secret) >= 43  # token_urlsafe(32)
    assert ANNA.user_id not in secret and "anna" not in secret.lower()
    with transaction(sessions) as session:
        rows = session.scalars(select(CalendarSubscription)).all()
        stored = [str(getattr(r, c.key)) for r in rows for c in CalendarSubscription.__table__.c]
    assert rows and rows[0].secret_hash == hash_secret(secret)
    assert not any(secret in value for value in stored)


def test_moves_and_cancellations_reach_the_feed_with_the_same_uid(
    bot: Klimanet, clock: FixedClock
) -> None:
    secret = subscribe(bot, ANNA, "netværk")
    before = bot.calendar_feed(secret)
    title = "Kommunernes klimapolitiske netværk: Opstartsmøde"
    first = events(before.body)[title]
    clock.advance(timedelta(minutes=5))
    say(bot, FACILITATOR, "møde flyt 1 22.03.2027 13:00-15:00")
    moved = events(bot.calendar_feed(secret).body)[title]
    assert moved["UID"] == first["UID"] and moved["SEQUENCE"] > first["SEQUENCE"]
    assert moved.decoded("DTSTART").astimezone(UTC) == datetime(2027, 3, 22, 12, 0, tzinfo=UTC)
    clock.advance(timedelta(minutes=5))
    say(bot, FACILITATOR, "møde aflys 1 bekræft For få tilmeldte")
    cancelled = bot.calendar_feed(secret)
    gone = events(cancelled.body)["AFLYST: " + title]
    assert gone["UID"] == first["UID"] and str(gone["STATUS"]) == "CANCELLED"
    assert cancelled.etag != before.etag
    assert cancelled.last_modified is not None and before.last_modified is not None
    assert cancelled.last_modified > before.last_modified


def test_an_unchanged_feed_answers_304(bot: Klimanet, clock: FixedClock) -> None:
    secret = subscribe(bot, ANNA)
    first = bot.calendar_feed(secret)
    assert first.etag and first.last_modified
    clock.advance(timedelta(hours=1))
    again = bot.calendar_feed(secret)
    assert again.body == first.body  # the same bytes an hour later: nothing changed
    assert bot.calendar_feed(secret, if_none_match=first.etag).status == 304
    since = format_datetime(first.last_modified, usegmt=True)
    assert bot.calendar_feed(secret, if_modified_since=since).status == 304
    # If-None-Match decides when both are sent (RFC 9110).
    assert bot.calendar_feed(secret, if_none_match='"x"', if_modified_since=since).status == 200
    clock.advance(timedelta(minutes=1))
    say(bot, ANNA, "afbud 2")
    changed = bot.calendar_feed(secret, if_none_match=first.etag)
    assert changed.status == 200 and changed.etag != first.etag
    assert bot.calendar_feed(secret, if_modified_since=since).status == 200


def test_reset_revokes_the_old_link_and_a_second_subscribe_cannot_show_it(
    bot: Klimanet,
) -> None:
    old = subscribe(bot, ANNA)
    done(say(bot, ANNA, "kalender abonner"), ResultKind.FEED_EXISTS)
    assert bot.calendar_feed(old).status == 200
    reply = say(bot, ANNA, "kalender nulstil")
    done(reply, ResultKind.FEED_RESET, links=1)
    match = LINK.search(reply.text)
    assert match is not None
    assert bot.calendar_feed(old).status == 404
    assert bot.calendar_feed(match.group(2)).status == 200


def test_erasure_revokes_the_link(bot: Klimanet, sessions: SessionFactory) -> None:
    secret = subscribe(bot, ANNA)
    say(bot, ANNA, "slet-mig")
    bot.click(ANNA, Action.ERASE_CONFIRM, "erase")
    assert bot.calendar_feed(secret).status == 404
    with transaction(sessions) as session:
        assert session.scalars(select(CalendarSubscription)).all() == []


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def test_unknown_revoked_and_malformed_secrets_take_the_same_path(
    bot: Klimanet, engine: Engine
) -> None:
    revoked = subscribe(bot, ANNA)
    say(bot, ANNA, "kalender nulstil")
    unknown = "A" * len(revoked)
    bot.calendar_feed(unknown)  # warm caches alike
    with counted(engine) as for_unknown:
        assert bot.calendar_feed(unknown).status == 404
    with counted(engine) as for_revoked:
        assert bot.calendar_feed(revoked).status == 404
    assert for_unknown == for_revoked  # one indexed look-up by hash; nothing tells them apart
    for malformed in ("", "../etc", "x" * 500, revoked + "'"):
        assert bot.calendar_feed(malformed).status == 404


def test_a_thousand_subscribers_cost_a_poll_no_more(
    bot: Klimanet, engine: Engine, sessions: SessionFactory
) -> None:
    secret = subscribe(bot, ANNA)
    bot.calendar_feed(secret)
    with counted(engine) as few:
        bot.calendar_feed(secret)
    with transaction(sessions) as session:
        now = datetime.now(UTC)
        people = [
            Person(
                platform="slack",
                workspace="T0001",
                account=f"U9{n:05d}",
                name=f"P {n}",
                created_at=now,
            )
            for n in range(1000)
        ]
        session.add_all(people)
        session.flush()
        network_id = session.scalars(select(CalendarSubscription.network_id)).first()
        session.add_all(
            CalendarSubscription(
                network_id=network_id,
                person_id=p.id,
                scope="personal",
                secret_hash=hash_secret(f"{p.id:043d}"),
                created_at=now,
            )
            for p in people
        )
    with counted(engine) as many:
        answer = bot.calendar_feed(secret)
    assert answer.status == 200
    assert len(many) == len(few)
    # A poll reads the subscription, the meetings and three stamps; building the calendar adds
    # her seats, who is expected at each meeting (her municipality only) and the news.
    assert len(many) <= 1 + 6 + 2 + 3 * 2 + 1, len(many)  # 1: BEGIN (SQLite)
    with counted(engine) as cached:
        assert bot.calendar_feed(secret, if_none_match=answer.etag).status == 304
    assert len(cached) <= 1 + 6 and len(cached) < len(many)


def test_without_a_public_url_or_http_the_command_tells_the_operator(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    no_url = new(sessions, clock, public_url=None)
    reply = done_unavailable(no_url)
    assert "KLIMANET_PUBLIC_URL" in reply
    socket_mode = new(sessions, clock, serves_http=False)
    reply = done_unavailable(socket_mode)
    assert "HTTP" in reply and "KLIMANET_PUBLIC_URL" in reply
    assert reply.count(".") == 1  # one sentence


def done_unavailable(service: Klimanet) -> str:
    for line in ("kalender abonner", "kalender abonner netværk", "kalender nulstil"):
        reply = say(service, ANNA, line)
        done(reply, ResultKind.FEED_UNAVAILABLE)
    return reply.text


def test_kalender_with_a_meeting_still_sends_its_file(bot: Klimanet) -> None:
    reply = say(bot, ANNA, "kalender 1")
    done(reply, ResultKind.CALENDAR, meeting=1)
    assert reply.attachment is not None


def call(
    app: Any, path: str, method: str = "GET", **headers: str
) -> tuple[str, dict[str, str], bytes]:
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "wsgi.input": io.BytesIO(b"")}
    environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


def test_the_wsgi_app_serves_the_feed_with_validators(bot: Klimanet) -> None:
    secret = subscribe(bot, ANNA)
    app = feed_app(bot)
    status, headers, body = call(app, f"/kalender/{secret}.ics")
    assert status == "200 OK" and headers["Content-Type"].startswith("text/calendar")
    assert body.startswith(b"BEGIN:VCALENDAR") and headers["Content-Length"] == str(len(body))
    assert "private" in headers["Cache-Control"]
    status, again, body = call(app, f"/kalender/{secret}.ics", if_none_match=headers["ETag"])
    assert status == "304 Not Modified" and body == b"" and again["ETag"] == headers["ETag"]
    assert call(app, f"/kalender/{secret}.ics", "POST")[0].startswith("405")
    assert call(app, "/kalender/nothing.ics")[0] == "404 Not Found"
    assert call(app, f"/kalender/{secret}")[0] == "404 Not Found"


def test_public_url_setting() -> None:
    assert Settings.from_env({}).public_url is None
    url = Settings.from_env({"KLIMANET_PUBLIC_URL": "https://klimanet.kl.dk/"}).public_url
    assert url == "https://klimanet.kl.dk"
    assert Settings.from_env({"KLIMANET_PUBLIC_URL": "http://localhost:3000"}).public_url
    for wrong in ("http://klimanet.kl.dk", "klimanet.kl.dk", "https://kl.dk/?a=1", "ftp://kl.dk"):
        with pytest.raises(ConfigError, match="KLIMANET_PUBLIC_URL"):
            Settings.from_env({"KLIMANET_PUBLIC_URL": wrong})


# --- in Slack: the command in HTTP mode, and the feed on the same server -----------------------


@contextmanager
def slack_http_bot(database_url: str, fake: Any, clock: FixedClock) -> Iterator[SlackBot]:
    fake.clock = lambda: clock.now().timestamp()
    settings = replace(bot_settings(database_url), public_url=BASE)
    runtime = build_slack(slack_settings(fake), CoreAssembly(settings, clock))
    try:
        with serve_wsgi(wsgi_app(runtime), threads=4) as base:
            driver = SlackDriver(base + "/slack/events", SIGNING_SECRET, fake)
            with driver:
                yield SlackBot(base, driver, fake, runtime)
    finally:
        runtime.close()


def test_slack_http_mode_hands_out_the_link_and_serves_the_feed(
    database_url: str, fake: Any, clock: FixedClock
) -> None:
    with slack_http_bot(database_url, fake, clock) as bot:
        bot.say("U0ANNA", "tilmeld Aarhus")
        answer = bot.say("U0ANNA", "kalender abonner")
        match = LINK.search(answer)
        assert match is not None, answer
        # No signature: a calendar client signs nothing, and the edge lets the feed's path by.
        got = requests.get(f"{bot.url}/kalender/{match.group(2)}.ics", timeout=5)
        assert got.status_code == 200 and got.content.startswith(b"BEGIN:VCALENDAR")
        assert got.headers["Content-Type"].startswith("text/calendar")
        again = requests.get(
            f"{bot.url}/kalender/{match.group(2)}.ics",
            headers={"If-None-Match": got.headers["ETag"]},
            timeout=5,
        )
        assert again.status_code == 304
        assert requests.get(f"{bot.url}/kalender/{'B' * 43}.ics", timeout=5).status_code == 404


def test_slack_socket_mode_says_what_to_set(
    database_url: str, fake: Any, clock: FixedClock
) -> None:
    settings = replace(bot_settings(database_url), public_url=BASE)
    runtime = build_slack(
        slack_settings(fake, app_token="xapp-1-test"),
        CoreAssembly(settings, clock),
        serves_http=False,
    )
    try:
        reply = runtime.core.service.command(ANNA, "kalender abonner")
        assert reply.result is not None and reply.result.kind is ResultKind.FEED_UNAVAILABLE
        assert "Socket Mode" in reply.text and "KLIMANET_PUBLIC_URL" in reply.text
    finally:
        runtime.close()
