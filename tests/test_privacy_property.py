"""A property of erasure: for random histories of registration, approval, offers, attendance,
releases and erasures (of anyone, at any point), the person erased last is nowhere in the
database, and every seat invariant still holds for the rest:

- nobody holds two seats, and no seat, open offer, registration, upcoming place or waiting post
  belongs to a pseudonym;
- replaying the history gives every seat's holder (erasure and deactivation free a seat);
- every erased person is a pseudonym with nothing left that names them.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from bot.clock import FixedClock
from bot.db import make_engine, make_session_factory, upgrade
from bot.domain.municipalities import default_directory
from bot.domain.registration import Actor
from bot.ports import Profile
from bot.replies import Action, Reply
from bot.service.klimanet import Klimanet, ServiceSettings
from jobs.delivery import Delivery, DeliveryConfig
from tests.support.privacy import Recorder, leftovers, sentinel_forms
from tests.support.service import network_id

# No pause between posts to one channel: these tests are not about Slack's rate limit.
FAST = DeliveryConfig(per_channel_interval=0)
START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
TEAM = "T0001"
FACILITATOR = Actor(TEAM, "UFACIL", "Facilitator")
# Person 0 carries the sentinels; the others have names of their own.
PEOPLE = [Actor(TEAM, "USNTL7QX", "Zørbløk Sentinelsen", "Titelsentinelqx")] + [
    Actor(TEAM, f"U0P{n}", f"Person {n}") for n in range(1, 4)
]
PROFILES = {p.user_id: Profile(p.name, p.title) for p in PEOPLE}
# Mostly one municipality: four people on its three seats meet each other often.
MUNICIPALITIES = ("Aarhus", "Aarhus", "Aarhus", "Odense")
MEETING = (
    'møde opret 15.01.2027 10:00-12:00 online "Møde" link=https://teams.microsoft.com/l/klimanet'
)

_template: Path | None = None


def template() -> Path:
    global _template
    if _template is None:
        workdir = Path(tempfile.mkdtemp(prefix="klimanet-erasure-property-"))
        atexit.register(shutil.rmtree, workdir, True)
        engine = make_engine(f"sqlite:///{workdir / 'template.db'}")
        upgrade(engine)
        engine.dispose()
        _template = workdir / "template.db"
    return _template


person = st.sampled_from(range(len(PEOPLE)))
# The sentinel (0) is offered seats and erased more often: the property is about them.
sentinel_often = st.sampled_from([0, 0, 1, 2, 3])
steps = st.lists(
    st.one_of(
        st.tuples(st.just("register"), person, st.sampled_from(MUNICIPALITIES)),
        st.tuples(st.just("register"), person, st.sampled_from(MUNICIPALITIES)),
        st.tuples(st.just("apply"), person, st.sampled_from(MUNICIPALITIES)),
        st.tuples(st.just("approve"), st.just(0), st.just("")),
        st.tuples(st.just("release"), person, st.just("")),
        # (kind, the person offered the seat, "")
        st.tuples(st.just("handover"), sentinel_often, st.just("")),
        st.tuples(st.just("substitute"), sentinel_often, st.just("")),
        st.tuples(st.just("accept"), person, st.just("")),
        st.tuples(st.just("decline"), person, st.just("")),
        st.tuples(st.just("regrets"), person, st.just("")),
        st.tuples(st.just("attend"), person, st.just("")),
        st.tuples(st.just("erase"), sentinel_often, st.just("")),
        st.tuples(st.just("deliver"), st.just(0), st.just("")),
    ),
    min_size=12,
    max_size=40,
)


class Run:
    def __init__(self, directory: Path) -> None:
        path = directory / "run.db"
        shutil.copy(template(), path)
        self.engine = make_engine(f"sqlite:///{path}")
        self.clock = FixedClock(START)
        sessions = make_session_factory(self.engine)
        self.service = Klimanet(
            sessions,
            default_directory(),
            self.clock,
            profiles=PROFILES.get,
            settings=ServiceSettings(channel="C0NET", registration="approval"),
        )
        self.service.make_facilitator(FACILITATOR.user_id)
        # The same database without approval: "register" gets a seat at once, "apply" waits.
        self.open = Klimanet(
            sessions,
            default_directory(),
            self.clock,
            profiles=PROFILES.get,
            settings=ServiceSettings(channel="C0NET", registration="open"),
        )
        self.recorder = Recorder()
        self.delivery = Delivery(
            sessions,
            self.recorder,
            self.clock,
            self.service.settings.tz,
            network_id=network_id(sessions),
            config=FAST,
        )
        self.say(FACILITATOR, MEETING)

    def close(self) -> None:
        self.delivery.close()
        self.engine.dispose()

    def say(self, actor: Actor, line: str) -> None:
        outcome = self.service.command(actor, line)
        assert isinstance(outcome, Reply) and outcome.text, outcome

    def click(self, actor: Actor, action: str, value: object) -> None:
        reply = self.service.click(actor, action, str(value))
        assert reply.text

    def latest(self, query: str, **params: Any) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(text(query), params).scalar() or 0)

    def user(self, query: str, **params: Any) -> str | None:
        with self.engine.connect() as connection:
            found = connection.execute(text(query), params).scalar()
            return str(found) if found is not None else None

    def step(self, kind: str, who: int, arg: str) -> None:
        actor = PEOPLE[who]
        self.clock.advance(timedelta(minutes=7))
        if kind == "register":
            answer = self.open.command(actor, f"tilmeld {arg}")
            assert isinstance(answer, Reply) and answer.text
        elif kind == "apply":
            self.say(actor, f"tilmeld {arg}")
        elif kind == "approve":  # every waiting registration, the oldest first
            while request := self.latest(_PENDING_REQUEST):
                self.click(FACILITATOR, Action.REQUEST_APPROVE, request)
        elif kind == "release":
            self.say(actor, "afmeld")
            self.click(actor, Action.RELEASE_CONFIRM, "release")
        elif kind in ("handover", "substitute"):
            # Made by someone who can: a holder (handover) or a coordinator (substitute).
            query = _HOLDER if kind == "handover" else _COORDINATOR
            by = {p.user_id: p for p in PEOPLE}.get(self.user(query, user_id=actor.user_id))
            if by is not None:
                mention = f"<@{actor.user_id}|p>"
                line = f"overdrag {mention}" if kind == "handover" else f"vikar 1 {mention}"
                self.say(by, line)
        elif kind in ("accept", "decline"):
            offer = self.latest(_OFFER_TO, user_id=actor.user_id)
            action = Action.OFFER_ACCEPT if kind == "accept" else Action.OFFER_DECLINE
            self.click(actor, action, offer)
        elif kind == "regrets":
            self.say(actor, "afbud 1")
        elif kind == "attend":
            self.say(actor, "deltager 1")
        elif kind == "erase":
            self.say(actor, "slet-mig")
            self.click(actor, Action.ERASE_CONFIRM, "erase")
        elif kind == "deliver":
            self.delivery.drain()


_PENDING_REQUEST = "SELECT min(id) FROM seat_requests WHERE status = 'pending'"
_HOLDER = (
    "SELECT p.account AS user_id FROM seats s JOIN people p ON p.id = s.holder_id "
    "WHERE s.status = 'held' AND p.account != :user_id ORDER BY s.id LIMIT 1"
)
_COORDINATOR = (
    "SELECT p.account AS user_id FROM seats s JOIN people p ON p.id = s.holder_id "
    "WHERE s.status = 'held' AND s.kind = 'fixed' AND p.account != :user_id "
    "ORDER BY s.id LIMIT 1"
)
_OFFER_TO = (
    "SELECT max(o.id) FROM seat_offers o JOIN people p ON p.id = o.to_person_id "
    "WHERE p.account = :user_id"
)


def rows(engine: Engine, query: str, **params: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(text(query), params))


def check_invariants(engine: Engine, now: datetime) -> None:
    erased = "(SELECT id FROM people WHERE erased_at IS NOT NULL)"
    for what, query in {
        "a pseudonym holds a seat": f"SELECT id FROM seats WHERE holder_id IN {erased}",
        "an open offer involves a pseudonym": (
            "SELECT id FROM seat_offers WHERE status = 'pending' AND "
            f"(from_person_id IN {erased} OR to_person_id IN {erased})"
        ),
        "a pseudonym's registration waits": (
            f"SELECT id FROM seat_requests WHERE status = 'pending' AND person_id IN {erased}"
        ),
        "a pseudonym is expected at a coming meeting": (
            "SELECT a.id FROM attendance a JOIN meetings m ON m.id = a.meeting_id "
            f"WHERE a.status != 'declined' AND m.ends_at > :now AND a.person_id IN {erased}"
        ),
        "a post waits for a pseudonym": (
            f"SELECT id FROM outbox WHERE status = 'pending' AND person_id IN {erased}"
        ),
        "someone holds two seats": (
            "SELECT holder_id FROM seats WHERE holder_id IS NOT NULL "
            "GROUP BY holder_id HAVING count(*) > 1"
        ),
        "a pseudonym still names someone": (
            "SELECT id FROM people WHERE erased_at IS NOT NULL AND "
            "(team_id != '' OR title != '' OR user_id NOT LIKE '~%' OR name NOT LIKE 'Slettet bruger %')"
        ),
    }.items():
        found = rows(engine, query, now=now.replace(tzinfo=None).isoformat(" "))
        assert not found, f"{what}: {found}"
    holder: dict[int, int | None] = {}
    for event_id, seat_id, action, person_id, previous_id in rows(
        engine,
        "SELECT id, seat_id, action, person_id, previous_person_id FROM seat_events ORDER BY id",
    ):
        before = holder.get(seat_id)
        where = f"event #{event_id} ({action}) on seat {seat_id}"
        if action in ("registered", "requested"):
            assert before is None, f"{where}: the seat was not free"
            holder[seat_id] = person_id
        elif action in ("rejected", "released", "admin_freed", "erased", "deactivated"):
            assert before == previous_id, f"{where}: frees {previous_id}, holder {before}"
            holder[seat_id] = None
        elif action in ("handed_over", "swapped", "admin_set"):
            assert before == previous_id, f"{where}: replaces {previous_id}, holder {before}"
            holder[seat_id] = person_id
    for seat_id, holder_id in rows(engine, "SELECT id, holder_id FROM seats"):
        assert holder.get(seat_id) == holder_id, f"seat {seat_id}: history disagrees"


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=steps)
def test_the_erased_person_is_nowhere_and_the_seat_rules_hold(
    history: list[tuple[str, int, str]], tmp_path: Path
) -> None:
    run = Run(Path(tempfile.mkdtemp(dir=tmp_path)))
    try:
        for kind, who, arg in history:
            run.step(kind, who, arg)
            if kind == "erase":  # whoever it was: the rules hold right after
                check_invariants(run.engine, run.clock.now())
        run.step("erase", 0, "")  # the sentinel, whatever happened before
        run.step("deliver", 0, "")
        assert (
            leftovers(
                run.engine, sentinel_forms((PEOPLE[0].user_id, PEOPLE[0].name, PEOPLE[0].title))
            )
            == []
        )
        check_invariants(run.engine, run.clock.now())
    finally:
        run.close()
