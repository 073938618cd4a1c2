"""A stateful property test of the seat rules: random sequences of what members and facilitators
do, driven through the public service exactly as the chat adapters drive it.

The machine registers people in a few municipalities (with approval), approves and rejects (as a
facilitator, the coordinator or someone not allowed), hands seats over, swaps, sends substitutes,
sends regrets, accepts, declines and withdraws offers (stale ids, double clicks and the wrong
person included), releases seats, lets offers expire and lets a facilitator correct seats. After
every step it checks, with SQL on the real database:

1. a municipality has at most one fixed and two flexible seats with a holder (pending counts);
2. nobody holds two seats;
3. no substitute chains: no open substitute offer comes from someone who is only a substitute at
   that meeting (holds no seat), an accepted one came from a holder when it was accepted, and a
   substitute at an upcoming meeting holds no seat of their own; one seat per person per meeting;
4. every holder change is in the history: replaying the seat events gives every seat's holder;
5. the database agrees with what people were told: a model fed only by the replies' results
   (what happened, and the offer, request or seat it happened to) and by the offer messages the
   outbox sends predicts every seat's holder and every substitute, an offer is accepted only
   while its seats are as they were when offered, nobody loses a substitute's place without a
   message, and a refusal leaves the seats, offers, requests and attendance untouched;
6. every reply carries a result and is a non-empty Danish sentence; where it names a seat, it
   names the seat its result is about.

The machine reads outcomes from ``Reply.result``, never from the wording.
"""

from __future__ import annotations

import atexit
import itertools
import re
import shutil
import sqlite3
import tempfile
from collections import namedtuple
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)
from sqlalchemy import Engine

from bot import texts
from bot.clock import FixedClock
from bot.db import make_engine, make_session_factory, upgrade
from bot.domain.errors import ErrorKind
from bot.domain.municipalities import default_directory
from bot.domain.registration import Actor
from bot.markup import BOLD_START
from bot.models import SeatKind
from bot.replies import (
    Action,
    Reply,
    Result,
    ResultKind,
)
from bot.service.klimanet import Klimanet, ServiceSettings
from tests.support.actors import FACILITATOR, TEAM, mention

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
MEETING = 'møde opret 15.10.2027 10:00-12:00 online "Møde" link=https://m.example/1'  # #1, within a year of START
MEETING_ID = 1
OFFER_LIFETIME = timedelta(hours=72)

# Names without spaces: a mention's label is the first word of the name.
PEOPLE = [Actor(TEAM, f"U0P{n}", f"Person{n}") for n in range(6)]
MUNICIPALITIES = ("Aarhus", "Odense", "Vejle")

FIXED, FLEXIBLE = SeatKind.FIXED.value, SeatKind.FLEXIBLE.value
SeatKey = tuple[str, str, int]  # (municipality name, kind, slot)
SEAT_ORDER: list[tuple[str, int]] = [(FIXED, 1), (FLEXIBLE, 1), (FLEXIBLE, 2)]
SPEC_OF = {(FIXED, 1): "fast", (FLEXIBLE, 1): "fleksibel 1", (FLEXIBLE, 2): "fleksibel 2"}
DANISH = re.compile(
    r"[æøåÆØÅ]|\b(du|der|er|og|ikke|den|det|til|har|på|jeg|kan|af|med|plads|tilbuddet)\b",
    re.IGNORECASE,
)

person = st.integers(min_value=0, max_value=len(PEOPLE) - 1)
municipality = st.sampled_from(MUNICIPALITIES)
fitting = st.sampled_from([True, True, True, False])  # see SeatMachine.actor

# -- one migrated template per test module; every run works on a copy -------------------------

_workdir: Path | None = None
_row_types: dict[tuple[str, ...], Any] = {}
_runs = itertools.count()


def _service(engine: Engine, clock: FixedClock) -> Klimanet:
    return Klimanet(
        make_session_factory(engine),
        default_directory(),
        clock,
        settings=ServiceSettings(
            registration="approval", channel="C0NET", offer_lifetime=OFFER_LIFETIME
        ),
    )


def _template() -> Path:
    """Migrated, with the facilitator and meeting #1: made once, copied for every run."""
    global _workdir
    if _workdir is None:
        workdir = Path(tempfile.mkdtemp(prefix="klimanet-seat-machine-"))
        atexit.register(shutil.rmtree, workdir, True)
        engine = make_engine(f"sqlite:///{workdir / 'template.db'}")
        upgrade(engine)
        service = _service(engine, FixedClock(START))
        service.make_facilitator(FACILITATOR.user_id)
        created = service.command(FACILITATOR, MEETING)
        assert isinstance(created, Reply), created
        assert created.result == Result(ResultKind.MEETING_CREATED, ids={"meeting": MEETING_ID})
        engine.dispose()
        _workdir = workdir
    return _workdir / "template.db"


def stored(at: datetime) -> str:
    """A time as SQLite holds it (naive UTC text), to compare with in SQL."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def refused(reply: Reply) -> bool:
    """Whether a rule said no. A reply that is neither a refusal nor the expected success fails
    where the caller checks the result."""
    assert reply.result is not None, reply
    return reply.result.kind is ResultKind.REFUSED


def assert_names_seat(section: str, key: SeatKey, *, municipality: bool = True) -> None:
    """The reply speaks of the seat its result is about: the first seat it names is ``key``'s
    (as ``bot.texts`` words it), and the only municipality it names is ``key``'s."""
    labels = {
        (kind, slot): texts.common.seat_label(SeatKind(kind), slot, definite=True)
        for kind, slot in SEAT_ORDER
    }
    found = sorted(
        (section.find(label), seat) for seat, label in labels.items() if label in section
    )
    assert found, f"no seat named in {section!r}"
    assert found[0][1] == key[1:], f"{section!r} names {found[0][1]} first, not {key}"
    if municipality:
        named = [m for m in MUNICIPALITIES if f"{BOLD_START}{m}" in section]  # in bold
        assert named == [key[0]], f"{section!r} names {named}, not {key[0]}"


@dataclass
class OfferModel:
    id: int
    kind: str  # handover | swap | substitute
    offerer: str  # user ids
    target: str
    seat: SeatKey
    counter: SeatKey | None
    holders_when_offered: tuple[str | None, str | None]
    expires_at: datetime


@dataclass
class Holding:
    user_id: str
    status: str  # held | pending


@dataclass
class Substitute:
    user_id: str
    status: str  # confirmed (accepting the offer says they come) | declined


@dataclass
class Model:
    """What people were told: who holds which seat, who substitutes, which offers ended."""

    holders: dict[SeatKey, Holding] = field(default_factory=dict)
    substitutes: dict[SeatKey, Substitute] = field(default_factory=dict)
    members: set[str] = field(default_factory=set)
    offers: dict[int, OfferModel] = field(default_factory=dict)
    closed: set[int] = field(default_factory=set)

    def seat_of(self, user_id: str) -> SeatKey | None:
        return next((k for k, h in self.holders.items() if h.user_id == user_id), None)

    def coordinator(self, name: str) -> str | None:
        fixed = self.holders.get((name, FIXED, 1))
        return fixed.user_id if fixed and fixed.status == "held" else None

    def substitute_seat(self, user_id: str) -> SeatKey | None:
        return next((k for k, s in self.substitutes.items() if s.user_id == user_id), None)

    def holder(self, key: SeatKey | None) -> str | None:
        held = self.holders.get(key) if key else None
        return held.user_id if held else None


class SeatMachine(RuleBasedStateMachine):
    requests = Bundle("requests")
    offers = Bundle("offers")

    def __init__(self) -> None:
        super().__init__()
        template = _template()
        self.path = template.with_name(f"run-{next(_runs)}.db")
        shutil.copy(template, self.path)
        self.engine: Engine = make_engine(f"sqlite:///{self.path}", pool_size=1)
        self.clock = FixedClock(START)
        self.service = _service(self.engine, self.clock)
        self.reader = sqlite3.connect(self.path, isolation_level=None)
        self.model = Model()
        self.seen_offer_messages: set[str] = set(self.offer_messages())

    def teardown(self) -> None:
        self.reader.close()
        self.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    # -- talking to the bot ---------------------------------------------------------------

    def check_reply(self, reply: object) -> Reply:
        assert isinstance(reply, Reply), reply
        assert reply.result is not None, f"a reply without a result: {reply.text!r}"
        assert (reply.result.kind is ResultKind.REFUSED) == (reply.result.error is not None)
        body = reply.text
        assert body.strip(), "empty reply"
        assert DANISH.search(body), f"not Danish: {body!r}"
        return reply

    def say(self, actor: Actor, command: str) -> Reply:
        return self.check_reply(self.service.command(actor, command))

    def click(self, actor: Actor, action_id: str, value: str) -> Reply:
        return self.check_reply(self.service.click(actor, action_id, value))

    # -- reading the database -------------------------------------------------------------

    def rows(self, sql: str, **params: Any) -> list[Any]:
        """Read with a plain sqlite3 connection: the checks run thousands of queries per run."""
        cursor = self.reader.execute(sql, params)
        names = tuple(d[0] for d in cursor.description)
        row_type = _row_types.get(names) or _row_types.setdefault(
            names, namedtuple("Row", names, rename=True)
        )
        return [row_type(*row) for row in cursor.fetchall()]

    def snapshot(self) -> dict[str, list[Any]]:
        return {
            "seats": self.rows("SELECT id, holder_id, status, held_since FROM seats ORDER BY id"),
            "offers": self.rows("SELECT id, status FROM seat_offers ORDER BY id"),
            "requests": self.rows("SELECT id, status FROM seat_requests ORDER BY id"),
            "attendance": self.rows(
                "SELECT meeting_id, seat_id, person_id, role, status FROM attendance ORDER BY id"
            ),
            "events": self.rows("SELECT id, action FROM seat_events ORDER BY id"),
            "members": self.rows("SELECT municipality_code FROM memberships ORDER BY 1"),
        }

    def assert_unchanged(
        self, before: dict[str, list[Any]], reply: Reply, settled_offer: int | None = None
    ) -> None:
        """An error changes nothing; a click on an expired or overtaken offer may settle it."""
        after = self.snapshot()
        if settled_offer is not None:
            was = dict(before["offers"])
            now = dict(after["offers"])
            if was.get(settled_offer) == "pending" and now.get(settled_offer) in (
                "expired",
                "void",
            ):
                self.model.closed.add(settled_offer)
                now[settled_offer] = "pending"
            after["offers"] = sorted(now.items())
            before = {**before, "offers": sorted(was.items())}
        for table in before:
            assert before[table] == after[table], (
                f"the reply was an error ({reply.text!r}) but {table} changed:\n"
                f"before {before[table]}\nafter  {after[table]}"
            )

    def db_holders(self) -> dict[SeatKey, Holding]:
        return {
            (name, kind, slot): Holding(user_id, status)
            for name, kind, slot, user_id, status in self.rows(
                "SELECT m.name, s.kind, s.slot, p.account AS user_id, s.status FROM seats s "
                "JOIN municipalities m ON m.code = s.municipality_code "
                "JOIN people p ON p.id = s.holder_id"
            )
        }

    def offer_messages(self) -> list[str]:
        """The consent messages the outbox sends to an offer's target: ``offer:<id>:to``."""
        return [
            key
            for (key,) in self.rows(
                "SELECT key FROM outbox WHERE key LIKE :pattern", pattern="offer:%:to"
            )
        ]

    def new_offer(self, offerer: str, kind: str, reply: Reply) -> OfferModel:
        """The offer the reply announced: exactly one new consent message went out."""
        new = [k for k in self.offer_messages() if k not in self.seen_offer_messages]
        assert len(new) == 1, f"expected one new offer message, got {new}"
        self.seen_offer_messages.update(new)
        offer_id = int(new[0].split(":")[1])
        # The reply's result names the offer whose consent message went out.
        assert reply.result is not None, reply
        if reply.result.kind is ResultKind.OFFER_SENT:
            assert dict(reply.result.ids) == {"offer": offer_id}, (reply.result, offer_id)
        if reply.buttons:
            assert reply.buttons[0].action_id == Action.OFFER_WITHDRAW
            assert reply.buttons[0].value == str(offer_id), (reply.buttons, offer_id)
        (row,) = self.rows(
            "SELECT o.kind, p.account AS user_id, o.expires_at, o.status, r.recipient FROM seat_offers o "
            "JOIN people p ON p.id = o.to_person_id "
            "JOIN outbox r ON r.key = :key WHERE o.id = :id",
            id=offer_id,
            key=new[0],
        )
        assert row.kind == kind and row.status == "pending", row
        assert row.recipient == row.user_id, row
        return OfferModel(
            id=offer_id,
            kind=kind,
            offerer=offerer,
            target=row.user_id,
            seat=("", "", 0),
            counter=None,
            holders_when_offered=(None, None),
            expires_at=self.clock.now() + OFFER_LIFETIME,
        )

    def code(self, name: str) -> int:
        (code,) = self.rows("SELECT code FROM municipalities WHERE name = :name", name=name)[0]
        return int(code)

    def seat_key(self, seat_id: int) -> SeatKey:
        (row,) = self.rows(
            "SELECT m.name, s.kind, s.slot FROM seats s "
            "JOIN municipalities m ON m.code = s.municipality_code WHERE s.id = :id",
            id=seat_id,
        )
        return (row.name, row.kind, row.slot)

    def offered_seat(self, offer_id: int, which: str = "") -> SeatKey:
        """The seat an offer is about (``which="counter_"``: the one a swap gives back)."""
        (row,) = self.rows(
            f"SELECT {which}seat_id AS seat FROM seat_offers WHERE id = :id", id=offer_id
        )
        return self.seat_key(row.seat)

    def offer_db_status(self, offer_id: int) -> str | None:
        found = self.rows("SELECT status FROM seat_offers WHERE id = :id", id=offer_id)
        return found[0][0] if found else None

    # -- choosing who acts ------------------------------------------------------------------
    # Uniformly random people mostly hit "you have no seat". So three times in four a rule's
    # actor (or target) is taken from those it fits: holders, the seatless, a colleague.

    def holders(self, status: str = "held") -> list[int]:
        return [
            n
            for n, p in enumerate(PEOPLE)
            if (key := self.model.seat_of(p.user_id)) is not None
            and self.model.holders[key].status == status
        ]

    def seatless(self) -> list[int]:
        return [n for n, p in enumerate(PEOPLE) if self.model.seat_of(p.user_id) is None]

    def substitute_now(self, user_id: str) -> bool:
        """A substitute at a coming meeting may not take a seat as well (two seats, one meeting)."""
        return bool(
            self.rows(
                "SELECT 1 FROM attendance a JOIN people p ON p.id = a.person_id "
                "WHERE p.account = :user AND a.role = 'substitute' AND a.status <> 'declined'",
                user=user_id,
            )
        )

    def free_to_substitute(self, who: int) -> list[int]:
        return [
            n for n in self.seatless() if n != who and not self.substitute_now(PEOPLE[n].user_id)
        ]

    def actor(self, n: int, fitting: bool, pool: list[int]) -> int:
        return pool[n % len(pool)] if fitting and pool else n

    # -- registration and approval --------------------------------------------------------

    @initialize(
        start=st.lists(st.tuples(person, municipality), max_size=5, unique_by=lambda t: t[0]),
    )
    def seed(self, start: list[tuple[int, str]]) -> None:
        """Some people registered and approved by a facilitator before anything else happens."""
        for who, name in start:
            request = self._register(who, name, None)
            if request is not None:
                self._decide(request, True, FACILITATOR)

    @rule(
        target=requests,
        who=person,
        fitting=fitting,
        name=municipality,
        kind=st.sampled_from([None, "fast", "fleksibel"]),
    )
    def register(self, who: int, fitting: bool, name: str, kind: str | None) -> object:
        request = self._register(self.actor(who, fitting, self.seatless()), name, kind)
        return multiple() if request is None else request

    def _register(self, who: int, name: str, kind: str | None) -> int | None:
        actor = PEOPLE[who]
        wanted = {None: None, "fast": FIXED, "fleksibel": FLEXIBLE}[kind]
        free = [
            (name, k, slot)
            for k, slot in SEAT_ORDER
            if (wanted is None or k == wanted) and (name, k, slot) not in self.model.holders
        ]
        expected = (
            free[0]
            if free
            and self.model.seat_of(actor.user_id) is None
            and not self.substitute_now(actor.user_id)
            else None
        )
        coordinator = self.model.coordinator(name)
        command = f"tilmeld {name}" + (f" {kind}" if kind else "")
        note(f"{actor.user_id}: /klimanet {command}")
        before = self.snapshot()
        reply = self.say(actor, command)
        if expected is None:
            assert refused(reply), (reply.result, reply.text, self.model.holders)
            self.assert_unchanged(before, reply)
            return None
        # Registration needs approval here: the seat is held for them while it waits.
        result = reply.result
        assert result is not None and result.kind is ResultKind.REGISTRATION_PENDING, (
            result,
            reply.text,
        )
        (request,) = self.rows(
            "SELECT r.id, r.approver, r.seat_id FROM seat_requests r "
            "JOIN people p ON p.id = r.person_id "
            "WHERE p.account = :user AND r.status = 'pending'",
            user=actor.user_id,
        )
        assert dict(result.ids) == {"municipality": self.code(name), "request": request.id}
        assert self.seat_key(request.seat_id) == expected, (request, expected)
        assert_names_seat(reply.sections[0], expected, municipality=False)
        self.model.holders[expected] = Holding(actor.user_id, "pending")
        self.model.members.add(name)
        assert request.approver == ("coordinator" if coordinator else "facilitator"), request
        return int(request.id)

    def pending_requests(self) -> list[int]:
        return [r for (r,) in self.rows("SELECT id FROM seat_requests WHERE status = 'pending'")]

    @precondition(lambda self: self.pending_requests())
    @rule(
        pick=st.integers(min_value=0, max_value=5),
        approve=st.sampled_from([True, True, False]),
        who=st.sampled_from(["facilitator", "coordinator", "someone"]),
        someone=person,
    )
    def decide_pending_request(self, pick: int, approve: bool, who: str, someone: int) -> None:
        pending = self.pending_requests()
        request = pending[pick % len(pending)]
        self._decide(request, approve, self._approver(request, who, someone))

    @rule(
        request=requests,
        approve=st.booleans(),
        who=st.sampled_from(["facilitator", "coordinator", "someone"]),
        someone=person,
    )
    def decide_request_again(self, request: int, approve: bool, who: str, someone: int) -> None:
        """A click on an approval message that may long be decided (or cancelled)."""
        self._decide(request, approve, self._approver(request, who, someone))

    def _approver(self, request: int, who: str, someone: int) -> Actor:
        (name,) = self.rows(
            "SELECT m.name FROM seat_requests r JOIN seats s ON s.id = r.seat_id "
            "JOIN municipalities m ON m.code = s.municipality_code WHERE r.id = :id",
            id=request,
        )[0]
        coordinator = self.model.coordinator(name)
        if who == "facilitator":
            return FACILITATOR
        if who == "coordinator" and coordinator is not None:
            return next(p for p in PEOPLE if p.user_id == coordinator)
        return PEOPLE[someone]

    def _decide(self, request: int, approve: bool, actor: Actor) -> None:
        (row,) = self.rows(
            "SELECT r.status, r.approver, p.account AS user_id, m.name, s.kind, s.slot "
            "FROM seat_requests r JOIN people p ON p.id = r.person_id "
            "JOIN seats s ON s.id = r.seat_id "
            "JOIN municipalities m ON m.code = s.municipality_code WHERE r.id = :id",
            id=request,
        )
        key: SeatKey = (row.name, row.kind, row.slot)
        allowed = actor is FACILITATOR or (
            row.approver == "coordinator" and actor.user_id == self.model.coordinator(row.name)
        )
        note(f"{actor.user_id} {'approves' if approve else 'rejects'} request #{request}")
        before = self.snapshot()
        reply = self.click(
            actor, Action.REQUEST_APPROVE if approve else Action.REQUEST_REJECT, str(request)
        )
        if not (allowed and row.status == "pending"):
            assert refused(reply), (reply.result, reply.text, allowed, row.status)
            self.assert_unchanged(before, reply)
            return
        decided = ResultKind.REQUEST_APPROVED if approve else ResultKind.REQUEST_REJECTED
        assert reply.result == Result(decided, ids={"request": request}), reply.result
        held = self.model.holders.get(key)
        assert held is not None and held.user_id == row.user_id and held.status == "pending", (
            f"a pending request for {key} by {row.user_id}, but people were told {held}"
        )
        if approve:
            held.status = "held"
        else:
            del self.model.holders[key]

    # -- offers ---------------------------------------------------------------------------

    def _offer(
        self, actor: Actor, command: str, kind: str, target: int
    ) -> tuple[Reply, OfferModel | None]:
        note(f"{actor.user_id}: /klimanet {command}")
        before = self.snapshot()
        reply = self.say(actor, command)
        if refused(reply):
            self.assert_unchanged(before, reply)
            return reply, None
        if reply.result is not None and reply.result.kind is ResultKind.SUBSTITUTE_SEAT_ASKED:
            # ``vikar`` without a seat, when not exactly one seat sent regrets: only the
            # coordinator is asked which seat, and nothing changes until they choose.
            own = self.model.seat_of(actor.user_id)
            assert kind == "substitute" and own is not None, reply
            assert self.model.coordinator(own[0]) == actor.user_id, reply
            self.assert_unchanged(before, reply)
            return reply, None
        assert reply.result is not None and reply.result.kind is ResultKind.OFFER_SENT, reply
        offer = self.new_offer(actor.user_id, kind, reply)
        assert offer.target == PEOPLE[target].user_id
        # Only a holder (approved) offers, and never to someone who holds a seat.
        own = self.model.seat_of(actor.user_id)
        assert own is not None and self.model.holders[own].status == "held", (
            f"{actor.user_id} made an offer without holding a seat"
        )
        if kind != "swap":
            assert self.model.seat_of(offer.target) is None, "offered to someone with a seat"
        return reply, offer

    @rule(
        target=offers,
        who=person,
        to=person,
        fitting=fitting,
        spec=st.sampled_from([None, None, "fast", "fleksibel 1", "fleksibel 2"]),
    )
    def hand_over(self, who: int, to: int, fitting: bool, spec: str | None) -> object:
        who = self.actor(who, fitting, self.holders())
        to = self.actor(to, fitting, [n for n in self.seatless() if n != who])
        actor = PEOPLE[who]
        command = f"overdrag {mention(PEOPLE[to])}" + (f" {spec}" if spec else "")
        reply, offer = self._offer(actor, command, "handover", to)
        if offer is None:
            return multiple()
        offer.seat = self.offered_seat(offer.id)
        assert_names_seat(reply.sections[0], offer.seat)
        own = self.model.seat_of(actor.user_id)
        if offer.seat != own:  # only the coordinator offers another seat, and only a free one
            assert own is not None and self.model.coordinator(own[0]) == actor.user_id
            assert offer.seat not in self.model.holders, offer
        offer.holders_when_offered = (self.model.holder(offer.seat), None)
        self.model.offers[offer.id] = offer
        return offer.id

    @rule(target=offers, who=person, to=person, fitting=fitting)
    def swap(self, who: int, to: int, fitting: bool) -> object:
        who = self.actor(who, fitting, self.holders())
        own = self.model.seat_of(PEOPLE[who].user_id)
        colleagues = [
            n
            for n in self.holders()
            if n != who and own and (self.model.seat_of(PEOPLE[n].user_id) or ("",))[0] == own[0]
        ]
        to = self.actor(to, fitting, colleagues)
        actor = PEOPLE[who]
        reply, offer = self._offer(actor, f"byt {mention(PEOPLE[to])}", "swap", to)
        if offer is None:
            return multiple()
        theirs = self.model.seat_of(offer.target)
        assert own is not None and theirs is not None and own[0] == theirs[0], (own, theirs)
        assert self.model.holders[theirs].status == "held", theirs
        offer.seat, offer.counter = own, theirs
        assert (self.offered_seat(offer.id), self.offered_seat(offer.id, "counter_")) == (
            own,
            theirs,
        )
        assert_names_seat(reply.sections[0], own, municipality=False)
        offer.holders_when_offered = (actor.user_id, offer.target)
        self.model.offers[offer.id] = offer
        return offer.id

    @rule(
        target=offers,
        who=person,
        to=person,
        fitting=fitting,
        spec=st.sampled_from([None, None, "fleksibel 1", "fleksibel 2", "fast"]),
    )
    def substitute(self, who: int, to: int, fitting: bool, spec: str | None) -> object:
        who = self.actor(who, fitting, self.holders())
        to = self.actor(to, fitting, self.free_to_substitute(who))
        actor = PEOPLE[who]
        was_substitute = self.model.substitute_seat(actor.user_id) is not None
        command = f"vikar {MEETING_ID} {mention(PEOPLE[to])}" + (f" {spec}" if spec else "")
        reply, offer = self._offer(actor, command, "substitute", to)
        if offer is None:
            return multiple()
        assert not was_substitute, "a substitute sent a substitute (a chain)"
        offer.seat = self.offered_seat(offer.id)
        assert_names_seat(reply.sections[0], offer.seat)
        own = self.model.seat_of(actor.user_id)
        if offer.seat != own:  # only the coordinator sends someone on another (flexible) seat
            assert own is not None and self.model.coordinator(own[0]) == actor.user_id
            assert offer.seat[1] == FLEXIBLE and offer.seat[0] == own[0], offer
            # …and only where nobody comes: no holder, or the one who would come sent regrets.
            comes = self.rows(
                "SELECT s.id FROM seats s WHERE s.id = :seat AND s.holder_id IS NOT NULL "
                "AND s.status = 'held' AND NOT EXISTS (SELECT 1 FROM attendance a "
                "WHERE a.seat_id = s.id AND a.meeting_id = :meeting AND a.status = 'declined')",
                seat=self.rows("SELECT seat_id FROM seat_offers WHERE id = :id", id=offer.id)[0][0],
                meeting=MEETING_ID,
            )
            assert not comes, f"a substitute was offered the seat of someone who comes: {offer}"
        offer.holders_when_offered = (self.model.holder(offer.seat), None)
        self.model.offers[offer.id] = offer
        return offer.id

    @rule(target=offers, who=person, to=st.none() | person, fitting=fitting)
    def regrets(self, who: int, to: int | None, fitting: bool) -> object:
        substitutes = [
            n for n, p in enumerate(PEOPLE) if self.model.substitute_seat(p.user_id) is not None
        ]
        who = self.actor(who, fitting, self.holders() + substitutes)
        if to is not None:
            to = self.actor(to, fitting, self.free_to_substitute(who))
        actor = PEOPLE[who]
        substitute_seat = self.model.substitute_seat(actor.user_id)
        command = f"afbud {MEETING_ID}" + (f" {mention(PEOPLE[to])}" if to is not None else "")
        note(f"{actor.user_id}: /klimanet {command}")
        before = self.snapshot()
        reply = self.say(actor, command)
        if refused(reply):
            self.assert_unchanged(before, reply)
            return multiple()
        assert reply.result == Result(ResultKind.REGRETS_SAVED, ids={"meeting": MEETING_ID})
        if substitute_seat is not None:
            assert to is None, "a substitute passed the seat on (a chain)"
            self.model.substitutes[substitute_seat].status = "declined"
        else:
            own = self.model.seat_of(actor.user_id)
            assert own is not None and self.model.holders[own].status == "held", (
                f"{actor.user_id} sent regrets without a seat or a substitute's place"
            )
        if to is None:
            assert not set(self.offer_messages()) - self.seen_offer_messages
            return multiple()
        offer = self.new_offer(actor.user_id, "substitute", reply)
        own = self.model.seat_of(actor.user_id)
        assert own is not None and self.model.seat_of(offer.target) is None
        assert self.offered_seat(offer.id) == own, (offer, own)
        offer.seat = own
        offer.holders_when_offered = (actor.user_id, None)
        self.model.offers[offer.id] = offer
        return offer.id

    @rule(
        offer_id=offers,
        action=st.sampled_from(
            [Action.OFFER_ACCEPT, Action.OFFER_ACCEPT, Action.OFFER_DECLINE, Action.OFFER_WITHDRAW]
        ),
        clicker=st.sampled_from(["entitled", "entitled", "target", "offerer", "someone"]),
        someone=person,
    )
    def decide_offer(self, offer_id: int, action: str, clicker: str, someone: int) -> None:
        """A click on an offer message: maybe stale, maybe twice, maybe by the wrong person."""
        self._decide_offer(offer_id, action, clicker, someone)

    def open_offers(self) -> list[int]:
        return [
            offer_id
            for (offer_id,) in self.rows("SELECT id FROM seat_offers WHERE status = 'pending'")
            if offer_id in self.model.offers
        ]

    @precondition(lambda self: self.open_offers())
    @rule(
        pick=st.integers(min_value=0, max_value=5),
        action=st.sampled_from(
            [Action.OFFER_ACCEPT] * 3 + [Action.OFFER_DECLINE, Action.OFFER_WITHDRAW]
        ),
    )
    def answer_open_offer(self, pick: int, action: str) -> None:
        """The one the offer is for (or, to withdraw, the one who made it) answers it."""
        open_offers = self.open_offers()
        self._decide_offer(open_offers[pick % len(open_offers)], action, "entitled", 0)

    def _decide_offer(self, offer_id: int, action: str, clicker: str, someone: int) -> None:
        offer = self.model.offers[offer_id]
        if clicker == "entitled":
            clicker = "offerer" if action == Action.OFFER_WITHDRAW else "target"
        user_id = {"target": offer.target, "offerer": offer.offerer}.get(
            clicker, PEOPLE[someone].user_id
        )
        actor = next(p for p in PEOPLE if p.user_id == user_id)
        entitled = user_id == (offer.offerer if action == Action.OFFER_WITHDRAW else offer.target)
        was_pending = self.offer_db_status(offer_id) == "pending"
        known_closed = offer_id in self.model.closed
        note(f"{user_id} clicks {action} on {offer.kind} offer #{offer_id}")
        before = self.snapshot()
        (last_post,) = self.rows("SELECT coalesce(max(id), 0) FROM outbox")[0]
        reply = self.click(actor, action, str(offer_id))
        body = reply.sections[0]
        if refused(reply):
            self.assert_unchanged(before, reply, settled_offer=offer_id)
            return
        decided = {
            Action.OFFER_ACCEPT: ResultKind.OFFER_ACCEPTED,
            Action.OFFER_DECLINE: ResultKind.OFFER_DECLINED,
            Action.OFFER_WITHDRAW: ResultKind.OFFER_WITHDRAWN,
        }[action]
        assert reply.result == Result(decided, ids={"offer": offer_id}), reply.result
        assert entitled, f"{user_id} decided an offer that was not theirs: {body!r}"
        assert was_pending and not known_closed, f"a closed offer was decided again: {body!r}"
        self.model.closed.add(offer_id)
        if action != Action.OFFER_ACCEPT:
            return
        m = self.model
        assert_names_seat(body, offer.seat)
        if offer.kind == "substitute":
            # The one who sent the substitute holds a seat there, with the authority they had.
            own = m.seat_of(offer.offerer)
            assert own is not None and m.holders[own].status == "held", (
                f"a substitute offer from {offer.offerer}, who holds no seat now, was accepted"
            )
            assert own == offer.seat or (
                own[0] == offer.seat[0] and m.coordinator(own[0]) == offer.offerer
            ), f"{offer.offerer} no longer speaks for {offer.seat}, yet the substitute came in"
            replaced = m.substitutes.get(offer.seat)
            if replaced is not None and replaced.status != "declined":
                # They were told "Du er vikar på …"; losing that must reach them too.
                told = self.rows(
                    "SELECT kind FROM outbox WHERE id > :last AND recipient = :user",
                    last=last_post,
                    user=replaced.user_id,
                )
                assert told, (
                    f"{replaced.user_id} was told they are the substitute on {offer.seat} at "
                    f"meeting #{MEETING_ID}; accepting offer #{offer_id} put {offer.target} there "
                    "instead, and nobody told them"
                )
            # Saying yes to the offer is saying "I come".
            m.substitutes[offer.seat] = Substitute(offer.target, "confirmed")
            return
        # A handover or swap applies only to the seats as they were when offered.
        now = (m.holder(offer.seat), m.holder(offer.counter))
        assert now == offer.holders_when_offered, (
            f"{offer.kind} #{offer_id} was accepted although the seats moved on since the "
            f"offer: then {offer.holders_when_offered}, now {now}"
        )
        m.holders[offer.seat] = Holding(offer.target, "held")
        if offer.kind == "swap":
            assert offer.counter is not None
            m.holders[offer.counter] = Holding(offer.offerer, "held")

    @rule(
        action=st.sampled_from(
            [
                Action.OFFER_ACCEPT,
                Action.OFFER_DECLINE,
                Action.OFFER_WITHDRAW,
                Action.REQUEST_APPROVE,
                Action.REQUEST_REJECT,
            ]
        ),
        value=st.sampled_from(["0", "9999", "abc", ""]),
        who=st.none() | person,
    )
    def click_unknown_id(self, action: str, value: str, who: int | None) -> None:
        actor = FACILITATOR if who is None else PEOPLE[who]
        before = self.snapshot()
        reply = self.click(actor, action, value)
        self.assert_unchanged(before, reply)

    @rule(hours=st.sampled_from([1, 1, 73]))  # 73 hours: every open offer runs out
    def time_passes(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))
        now = self.clock.now()
        expired = self.service.expire_offers()
        due = {o.id for o in self.model.offers.values() if o.expires_at <= now}
        due -= self.model.closed
        assert expired <= len(due), (expired, due)
        self.model.closed |= due
        late = self.rows(
            "SELECT id FROM seat_offers WHERE status = 'pending' AND expires_at <= :now",
            now=stored(now),
        )
        assert not late, f"offers past their time still open: {late}"

    # -- release and corrections ------------------------------------------------------------

    @rule(who=person, fitting=fitting, double_click=st.booleans())
    def release(self, who: int, fitting: bool, double_click: bool) -> None:
        who = self.actor(who, fitting, self.holders() + self.holders("pending"))
        actor = PEOPLE[who]
        own = self.model.seat_of(actor.user_id)
        note(f"{actor.user_id}: /klimanet afmeld")
        before = self.snapshot()
        ask = self.say(actor, "afmeld")
        self.assert_unchanged(before, ask)  # asking changes nothing
        if own is None:
            assert ask.result == Result.refused(ErrorKind.NOT_REGISTERED), ask.result
            assert not ask.buttons, ask
            return
        assert ask.result == Result(ResultKind.RELEASE_ASKED), ask.result
        (confirm,) = [b for b in ask.buttons if b.action_id == Action.RELEASE_CONFIRM]
        reply = self.click(actor, confirm.action_id, confirm.value)
        released = Result(ResultKind.RELEASED, ids={"municipality": self.code(own[0])})
        assert reply.result == released, (reply.result, reply.text)
        assert_names_seat(reply.sections[0], own, municipality=False)
        del self.model.holders[own]
        if double_click:
            before = self.snapshot()
            again = self.click(actor, confirm.action_id, confirm.value)
            assert again.result == Result.refused(ErrorKind.NOT_REGISTERED), again.result
            self.assert_unchanged(before, again)

    @rule(
        name=municipality,
        seat=st.sampled_from(SEAT_ORDER),
        to=st.none() | person,
        as_facilitator=st.sampled_from([True, True, False]),
        someone=person,
    )
    def admin_seat(
        self, name: str, seat: tuple[str, int], to: int | None, as_facilitator: bool, someone: int
    ) -> None:
        actor = FACILITATOR if as_facilitator else PEOPLE[someone]
        key: SeatKey = (name, seat[0], seat[1])
        command = f"admin plads {name} {SPEC_OF[seat]}"
        command += (f" {mention(PEOPLE[to])}" if to is not None else "") + " rettelse efter aftale"
        target = PEOPLE[to].user_id if to is not None else None
        previous = self.model.holder(key)
        own = self.model.seat_of(target) if target is not None else None
        # One of the municipality's own holders (approved) is moved to its fixed seat, when
        # that seat is free (a coordinator still there is never pushed off this way).
        moved = (
            own is not None
            and own != key
            and previous is None
            and seat[0] == FIXED
            and own[0] == name
            and self.model.holders[own].status == "held"
        )
        target_elsewhere = target is not None and (
            (own not in (None, key) and not moved) or self.substitute_now(target)
        )
        note(f"{actor.user_id}: /klimanet {command}")
        before = self.snapshot()
        reply = self.say(actor, command)
        if not as_facilitator or name not in self.model.members or target_elsewhere:
            assert refused(reply), (reply.result, reply.text)
            self.assert_unchanged(before, reply)
            return
        kind = ResultKind.ADMIN_SEAT_FREED if target is None else ResultKind.ADMIN_SEAT_SET
        result = reply.result
        assert result is not None and result.kind is kind, (result, reply.text)
        assert result.ids["municipality"] == self.code(name), result
        assert self.seat_key(result.ids["seat"]) == key, (result, key)
        if target is None:
            self.model.holders.pop(key, None)
        elif target != previous:
            if moved:
                assert own is not None
                self.model.holders.pop(own)
            self.model.holders[key] = Holding(target, "held")
        elif self.model.holders[key].status == "pending":
            # Naming the one whose registration waits for the seat approves it.
            self.model.holders[key] = Holding(target, "held")
        # Naming the one who already holds the seat changes nothing else (see admin_set_seat).

    # -- invariants -------------------------------------------------------------------------

    @invariant()
    def seat_rule_per_municipality(self) -> None:
        too_many = self.rows(
            "SELECT municipality_code, kind, count(*) FROM seats "
            "WHERE holder_id IS NOT NULL GROUP BY municipality_code, kind "
            "HAVING count(*) > CASE kind WHEN 'fixed' THEN 1 ELSE 2 END"
        )
        assert not too_many, too_many
        bad_slots = self.rows(
            "SELECT id, kind, slot FROM seats WHERE NOT ((kind = 'fixed' AND slot = 1) "
            "OR (kind = 'flexible' AND slot IN (1, 2)))"
        )
        assert not bad_slots, bad_slots

    @invariant()
    def one_seat_per_person(self) -> None:
        twice = self.rows(
            "SELECT holder_id, count(*) FROM seats WHERE holder_id IS NOT NULL "
            "GROUP BY network_id, holder_id HAVING count(*) > 1"
        )
        assert not twice, twice

    @invariant()
    def no_substitute_chains(self) -> None:
        now = stored(self.clock.now())
        # An open substitute offer from someone who is only a substitute at that meeting.
        chains = self.rows(
            "SELECT o.id, o.from_person_id FROM seat_offers o "
            "JOIN attendance a ON a.meeting_id = o.meeting_id "
            "AND a.person_id = o.from_person_id AND a.role = 'substitute' "
            "WHERE o.kind = 'substitute' AND o.status = 'pending' "
            "AND NOT EXISTS (SELECT 1 FROM seats s WHERE s.holder_id = o.from_person_id)"
        )
        assert not chains, f"substitute offers from substitutes: {chains}"
        # A substitute at an upcoming meeting who holds a seat of their own is there twice.
        doubled = self.rows(
            "SELECT a.meeting_id AS meeting, a.seat_id AS substitute_on_seat, "
            "p.account AS person, s.id AS own_seat, s.status AS own_status FROM attendance a "
            "JOIN meetings m ON m.id = a.meeting_id "
            "JOIN seats s ON s.holder_id = a.person_id "
            "JOIN people p ON p.id = a.person_id "
            "WHERE a.role = 'substitute' AND a.status != 'declined' AND m.ends_at > :now",
            now=now,
        )
        assert not doubled, f"substitutes at an upcoming meeting who hold a seat too: {doubled}"
        twice = self.rows(
            "SELECT meeting_id, person_id, count(*) FROM attendance "
            "GROUP BY meeting_id, person_id HAVING count(*) > 1"
        )
        assert not twice, twice

    @invariant()
    def history_explains_every_holder(self) -> None:
        holder: dict[int, int | None] = {}
        status: dict[int, str] = {}
        for event_id, seat_id, action, person_id, previous_id in self.rows(
            "SELECT id, seat_id, action, person_id, previous_person_id FROM seat_events ORDER BY id"
        ):
            before = holder.get(seat_id)
            where = f"event #{event_id} ({action}) on seat {seat_id}"
            if action in ("registered", "requested"):
                assert before is None, f"{where}: the seat was not free"
                holder[seat_id] = person_id
                status[seat_id] = "pending" if action == "requested" else "held"
            elif action == "approved":
                assert before == person_id, f"{where}: approves {person_id}, holder {before}"
                status[seat_id] = "held"
            elif action in ("rejected", "released", "admin_freed", "left_for_fixed"):
                assert before == previous_id, f"{where}: frees {previous_id}, holder {before}"
                holder[seat_id], status[seat_id] = None, "held"
            elif action in ("handed_over", "swapped", "admin_set"):
                assert before == previous_id, f"{where}: replaces {previous_id}, holder {before}"
                holder[seat_id], status[seat_id] = person_id, "held"
            elif action == "took_over":  # a free fixed seat, taken by one of its holders
                assert before is None, f"{where}: the seat was not free"
                holder[seat_id], status[seat_id] = person_id, "held"
        for seat_id, holder_id, seat_status in self.rows("SELECT id, holder_id, status FROM seats"):
            replayed = (holder.get(seat_id), status.get(seat_id, "held"))
            assert replayed == (holder_id, seat_status), (
                f"seat {seat_id}: the history says {replayed}, the seat says "
                f"{(holder_id, seat_status)}"
            )

    @invariant()
    def database_agrees_with_what_people_were_told(self) -> None:
        assert self.db_holders() == self.model.holders, (
            f"told {self.model.holders}\nstored {self.db_holders()}"
        )
        stored_substitutes = {
            (name, kind, slot): Substitute(user_id, status)
            for name, kind, slot, user_id, status in self.rows(
                "SELECT m.name, s.kind, s.slot, p.account AS user_id, a.status FROM attendance a "
                "JOIN seats s ON s.id = a.seat_id "
                "JOIN municipalities m ON m.code = s.municipality_code "
                "JOIN people p ON p.id = a.person_id "
                "WHERE a.role = 'substitute' AND a.meeting_id = :meeting",
                meeting=MEETING_ID,
            )
        }
        assert stored_substitutes == self.model.substitutes, (
            f"told {self.model.substitutes}\nstored {stored_substitutes}"
        )
        members = {
            name
            for (name,) in self.rows(
                "SELECT m.name FROM memberships s JOIN municipalities m ON m.code = s.municipality_code"
            )
        }
        assert members == self.model.members, (members, self.model.members)
        for offer_id in self.model.closed:
            assert self.offer_db_status(offer_id) != "pending", f"offer {offer_id} reopened"


SeatMachine.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    # No "explain" phase: on Python 3.11 it traces every line of a failing run, which turns a
    # shrink of seconds into minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)
TestSeats = SeatMachine.TestCase
