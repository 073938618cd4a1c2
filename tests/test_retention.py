"""Retention: Klimanet forgets on its own (KLIMANET_RETENTION), on the injectable clock, on
SQLite and PostgreSQL; and the settings that say how long and who is responsible."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.config import ConfigError, Settings
from bot.db import SessionFactory
from bot.domain.municipalities import default_directory
from bot.domain.registration import Actor
from bot.domain.schedule import parse_schedule
from bot.models import Erasure, MeetingTold, OutboxMessage, Person, SeatEvent
from bot.ports import Profile
from bot.replies import Action, Reply
from bot.service.klimanet import Klimanet, ServiceSettings
from jobs.delivery import Delivery, DeliveryConfig
from tests.support.privacy import Recorder
from tests.support.service import network_id

# No pause between posts to one channel: these tests are not about Slack's rate limit.
FAST = DeliveryConfig(per_channel_interval=0)
START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
TEAM = "T0001"
FACILITATOR = Actor(TEAM, "UFACIL01", "Sara Røpke")
BO, DORTE, CARL = (
    Actor(TEAM, f"U0{n.upper()}", f"{n} Retentionsen") for n in ("Bo", "Dorte", "Carl")
)
PROFILES = {a.user_id: Profile(a.name) for a in (BO, DORTE, CARL)}
TWO_YEARS = timedelta(days=730)


def new_service(sessions: SessionFactory, clock: FixedClock, **settings: Any) -> Klimanet:
    service = Klimanet(
        sessions,
        default_directory(),
        clock,
        profiles=PROFILES.get,
        settings=ServiceSettings(channel="C0NET", registration="open", **settings),
    )
    service.make_facilitator(FACILITATOR.user_id)
    return service


def say(service: Klimanet, actor: Actor, line: str) -> Reply:
    outcome = service.command(actor, line)
    assert isinstance(outcome, Reply), outcome
    return outcome


def people(sessions: SessionFactory) -> dict[str, Person]:
    with sessions() as session:
        return {p.name: p for p in session.scalars(select(Person))}


def history_of(sessions: SessionFactory) -> list[tuple[str, int | None, int | None, str]]:
    with sessions() as session:
        return [
            (e.action, e.person_id, e.previous_person_id, e.reason)
            for e in session.scalars(select(SeatEvent).order_by(SeatEvent.id))
        ]


def a_little_history(service: Klimanet, clock: FixedClock) -> None:
    """Bo holds a seat all along; Dorte leaves after a day; Carl only declined an offer."""
    say(service, BO, "tilmeld Aarhus")
    say(service, DORTE, "tilmeld Aarhus")
    say(service, FACILITATOR, 'admin plads Aarhus fleksibel 2 "Rettet af Sara"')
    say(service, BO, f"overdrag <@{CARL.user_id}|carl>")
    clock.advance(timedelta(days=1))
    service.click(CARL, Action.OFFER_DECLINE, "1")
    say(service, DORTE, "afmeld")
    service.click(DORTE, Action.RELEASE_CONFIRM, "release")


def test_retention_forgets_the_idle_and_lets_old_history_name_nobody(
    sessions: SessionFactory, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    service = new_service(sessions, clock)
    a_little_history(service, clock)
    clock.set(START + timedelta(days=1) + TWO_YEARS - timedelta(hours=1))
    early = service.retention()
    assert early.people == 0  # Dorte and Carl acted a day after the rest: still known
    assert early.history == 4  # the four events of the first day are older than two years
    clock.set(START + timedelta(days=2) + TWO_YEARS)
    with caplog.at_level(logging.INFO):
        report = service.retention()
    assert report.people == 2  # Dorte and Carl; Bo holds a seat
    with sessions() as session:
        pseudonyms = set(session.scalars(select(Person.id).where(Person.erased_at.is_not(None))))
    for action, *refs, _ in history_of(sessions):
        assert {r for r in refs if r is not None} <= pseudonyms, action
    known = people(sessions)
    assert BO.name in known and DORTE.name not in known and CARL.name not in known
    with sessions() as session:
        causes = session.scalars(select(Erasure.cause)).all()
        assert causes == ["retention", "retention"]
        bo = session.scalars(select(Person).where(Person.account == BO.user_id)).one()
        alias = session.get(Person, bo.history_alias_id)
        assert alias is not None and alias.erased_at is not None
        assert alias.name == f"Slettet bruger {alias.id}"
    # The old history names nobody: Bo's rows point at his history pseudonym, reasons are gone.
    history = history_of(sessions)
    assert all(reason == "" for *_, reason in history)
    assert bo.id not in {ref for _, person, previous, _ in history for ref in (person, previous)}
    shown = say(service, BO, "historik").text
    assert BO.name not in shown and "Rettet af Sara" not in shown
    assert f"tilmeldt – Slettet bruger {alias.id}" in shown
    # Bo himself is untouched, and still holds his seat.
    assert BO.name in say(service, BO, "pladser").text
    # Counts in the log, never names.
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "retention: 2 people pseudonymised" in logged
    assert not any(p.name.split()[0] in logged for p in (BO, DORTE, CARL))
    # A second run finds nothing left to do.
    again = service.retention()
    assert (again.people, again.history, again.authors) == (0, 0, 0)


def test_recent_activity_keeps_a_person(sessions: SessionFactory, clock: FixedClock) -> None:
    service = new_service(sessions, clock)
    a_little_history(service, clock)
    clock.set(START + timedelta(days=400))
    say(service, BO, f"overdrag <@{DORTE.user_id}|dorte>")  # Dorte is offered a seat: activity
    clock.set(START + timedelta(days=2) + TWO_YEARS)
    assert service.retention().people == 1  # Carl only
    assert DORTE.name in people(sessions)


def test_old_posts_keep_only_a_tombstone_and_are_never_planned_again(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    schedule = parse_schedule("announce=60d@09:00,reminder=1d@09:00")
    service = new_service(sessions, clock, schedule=schedule)
    recorder = Recorder()
    delivery = Delivery(
        sessions, recorder, clock, service.settings.tz, network_id=network_id(sessions), config=FAST
    )
    try:
        say(service, BO, "tilmeld Aarhus")
        say(
            service,
            FACILITATOR,
            'møde opret 05.03.2027 10:00-12:00 online "Forårsmøde" link=https://teams.microsoft.com/l/klimanet',
        )
        clock.set(datetime(2027, 1, 4, 8, 0, tzinfo=UTC))  # 60 days before, 09:00 local
        delivery.drain()
        assert [r for r, _, _ in recorder.posts] == ["C0NET", BO.user_id]
        with sessions() as session:
            rows_before = session.scalar(select(func.count()).select_from(OutboxMessage))
            told_before = session.scalar(select(func.count()).select_from(MeetingTold))
        clock.set(datetime(2027, 2, 4, 9, 0, tzinfo=UTC))  # 31 days later; the meeting is ahead
        assert service.retention().posts >= 2
        with sessions() as session:
            sent = {
                row.kind: row
                for row in session.scalars(
                    select(OutboxMessage).where(OutboxMessage.status == "sent")
                )
            }
            dm, channel = sent["announce_dm"], sent["announce"]
            assert (dm.recipient, dm.message_channel, dm.message_ts, dm.payload) == (
                "-",
                None,
                None,
                {},
            )
            assert channel.recipient == "C0NET" and channel.message_ts is not None
            assert channel.payload == {}
            assert dm.key and dm.status == "sent" and dm.sent_at is not None
        assert service.retention().posts == 0  # a tombstone is not made twice
        assert service.replan() == 0  # the keys are kept: nothing is planned twice
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(OutboxMessage)) == rows_before
            assert session.scalar(select(func.count()).select_from(MeetingTold)) == told_before
    finally:
        delivery.close()


def test_old_meetings_and_news_stop_naming_their_author(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    service = new_service(sessions, clock)
    say(
        service,
        FACILITATOR,
        'møde opret 05.03.2027 10:00-12:00 online "Forårsmøde" link=https://teams.microsoft.com/l/klimanet',
    )
    say(service, FACILITATOR, "nyt Klimaudspillet er ude")
    clock.advance(TWO_YEARS + timedelta(days=1))
    assert service.retention().authors == 2


def env(**values: str) -> dict[str, str]:
    return values


@pytest.mark.parametrize(
    ("raw", "days"), [("", 730), ("2y", 730), ("1Y", 365), ("400d", 400), ("30d", 30)]
)
def test_retention_setting_reads_days_and_years(raw: str, days: int) -> None:
    settings = Settings.from_env(env(KLIMANET_RETENTION=raw))
    assert settings.retention == timedelta(days=days)


@pytest.mark.parametrize("raw", ["6m", "0d", "2 years", "y", "-1d", "99999999d"])
def test_a_wrong_retention_setting_stops_the_bot_with_one_line(raw: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(env(KLIMANET_RETENTION=raw))
    message = str(raised.value)
    assert message.startswith("KLIMANET_RETENTION") and "\n" not in message


def test_privacy_settings() -> None:
    settings = Settings.from_env(
        env(
            KLIMANET_CONTROLLER="KL, Weidekampsgade 10, 2300 København S",
            KLIMANET_PRIVACY_CONTACT="dpo@kl.dk",
            KLIMANET_LEGAL_BASIS="Artikel 6, stk. 1, litra e.",
        )
    )
    assert settings.controller == "KL, Weidekampsgade 10, 2300 København S"
    assert settings.privacy_contact == "dpo@kl.dk"
    assert settings.legal_basis == "Artikel 6, stk. 1, litra e."
    with pytest.raises(ConfigError, match="^KLIMANET_PRIVACY_CONTACT"):
        Settings.from_env(env(KLIMANET_PRIVACY_CONTACT="ikke en adresse"))
