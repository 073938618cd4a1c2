"""Republishing the App Home: which people a committed change touches, and one coalesced outbox
row per person, rendered when it is sent.

**Republishing.** A change to seats, requests, offers, attendance or a meeting's time and place
changes someone's Home. Rather than name the people at each of the many places that make such a
change, ``watch`` asks the session what changed (seat history events, attendance rows, meetings)
and, in the same transaction, plans one ``home`` outbox row per person affected and refresh
window: a moved meeting touches some 300 people, and a burst of changes to one person within the
window is one publish, rendered at send time from the data as it is then.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    bindparam,
    event,
    inspect,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.elements import BindParameter

from bot.db import SessionFactory
from bot.domain.seats.history import RECORDED
from bot.models import (
    AddressedTo,
    Attendance,
    Meeting,
    Network,
    NetworkFacilitator,
    Person,
    Seat,
    SeatEvent,
)
from bot.ports import Clock
from bot.posts import kinds
from bot.posts.home import HomeContext, build_home
from bot.posts.kinds import PostKind
from bot.posts.outbox import Claimed, Planned, enqueue
from bot.replies import (
    Home,
)

# -- republishing ---------------------------------------------------------------------------------

REFRESH_WINDOW = timedelta(seconds=10)


def home_for_row(session: Session, row: Claimed, tz: ZoneInfo, now: datetime) -> Home | None:
    """A planned refresh, rendered at send time (None: the network is gone)."""
    network = session.get(Network, int(row.payload.get("network_id", 0)))
    if network is None:
        return None
    return build_home(session, network, row.recipient, HomeContext(tz, now))


def window_end(now: datetime) -> datetime:
    """The end of the refresh window ``now`` falls in: the due time every change in it shares."""
    step = REFRESH_WINDOW.total_seconds()
    return datetime.fromtimestamp((math.floor(now.timestamp() / step) + 1) * step, UTC)


def plan_refresh(
    session: Session, network_id: int, recipients: Iterable[tuple[str, int | None]], now: datetime
) -> int:
    """A Home refresh for each (user id, person id) in the current window; returns how many were
    new. Keys are inserted in order, so two transactions planning for the same people never
    wait for each other in a circle."""
    due = window_end(now)
    rows = sorted(
        (
            Planned(
                kinds.home_key(f"person={person_id}" if person_id else f"user={user_id}", due),
                PostKind.HOME,
                user_id,
                due,
                None,
                {"network_id": network_id},
                person_id=person_id,
                addressed_to=AddressedTo.PERSON,
            )
            for user_id, person_id in set(recipients)
        ),
        key=lambda planned: planned.key,
    )
    return enqueue(session, rows, now)


_CHANGES = "klimanet.home_changes"
_CLOCK = "klimanet.home_clock"
# The meeting's attributes a Home shows; an agenda edit changes none of them.
_MEETING_FIELDS = ("title", "themes", "starts_at", "ends_at", "format", "location", "status")


@dataclass
class _Changed:
    everyone: set[int] = field(default_factory=set)  # networks whose meetings changed
    municipalities: set[tuple[int, int]] = field(default_factory=set)  # (network, code)
    seats: set[int] = field(default_factory=set)
    people: set[int] = field(default_factory=set)


def watch(sessions: SessionFactory, clock: Clock) -> None:
    """Plan Home refreshes in every transaction of ``sessions`` that changes someone's Home."""
    info = dict(sessions.kw.get("info") or {})
    already = _CLOCK in info
    info[_CLOCK] = clock
    sessions.configure(info=info)
    if not already:
        event.listen(sessions, "after_flush", _collect)
        event.listen(sessions, "before_commit", _plan)
        event.listen(sessions, "after_soft_rollback", _forget)


def _collect(session: Session, _context: Any) -> None:
    changed: _Changed = session.info.setdefault(_CHANGES, _Changed())
    for item in chain(session.new, session.dirty, session.deleted):
        if isinstance(item, SeatEvent):
            _seat_event_changed(changed, item)
        elif isinstance(item, Attendance):
            # The seat is usually loaded (the answer read it) and alive now; by the commit the
            # caller may have let go of it, and the identity map with it (a second read).
            seat = session.identity_map.get(identity_key(Seat, item.seat_id))
            if isinstance(seat, Seat):
                changed.municipalities.add((seat.network_id, seat.municipality_code))
            else:
                changed.seats.add(item.seat_id)
            changed.people.add(item.person_id)
        elif isinstance(item, Meeting) and (
            item in session.new
            or any(inspect(item).attrs[name].history.has_changes() for name in _MEETING_FIELDS)
        ):
            changed.everyone.add(item.network_id)


def _forget(session: Session, _previous: Any) -> None:
    session.info.pop(_CHANGES, None)
    session.info.pop(RECORDED, None)


def _recorded(session: Session) -> None:
    """The seat history ``record`` wrote without the unit of work: a change as a flushed one."""
    events: list[SeatEvent] = session.info.pop(RECORDED, [])
    if events:
        changed: _Changed = session.info.setdefault(_CHANGES, _Changed())
        for item in events:
            _seat_event_changed(changed, item)


def _seat_event_changed(changed: _Changed, item: SeatEvent) -> None:
    changed.municipalities.add((item.network_id, item.municipality_code))
    changed.people.update(p for p in (item.person_id, item.previous_person_id, item.actor_id) if p)


def _plan(session: Session) -> None:
    clock: Clock | None = session.info.get(_CLOCK)
    if clock is None:
        session.info.pop(RECORDED, None)
        return
    session.flush()  # what is still pending is a change too
    _recorded(session)
    changed: _Changed | None = session.info.pop(_CHANGES, None)
    if changed is None:
        return
    for network_id, recipients in _recipients(session, changed).items():
        plan_refresh(session, network_id, recipients, clock.now())


def _recipients(session: Session, changed: _Changed) -> dict[int, set[tuple[str, int | None]]]:
    """Who sees the changes, by network: the people named, the holders of the municipalities'
    seats (everyone's for a meeting), and the facilitators."""
    codes = set(changed.municipalities)
    for seat_id in changed.seats:
        seat = session.get(Seat, seat_id)
        if seat is not None:
            codes.add((seat.network_id, seat.municipality_code))
    networks = {network for network, _ in codes} | changed.everyone
    if not networks:
        return {}
    if len(codes) == 1 and not changed.everyone:
        # The burst's case (one municipality's change): a statement built once.
        ((network_id, code),) = codes
        params = {"network": network_id, "code": code, "people": sorted(changed.people)}
        return _who_sees(networks, changed, session.execute(_ONE_MUNICIPALITY, params))
    # One read for everyone to tell: the holders of the changed municipalities' seats (all
    # seats of a network whose meetings changed), the people named, and the facilitators
    # (without a person id: see below). A registration in a burst pays for one statement here.
    held = Seat.holder_id.is_not(None)
    where: list[ColumnElement[bool]] = (
        [Seat.network_id.in_(sorted(changed.everyone))] if changed.everyone else []
    )
    where += [
        and_(Seat.network_id == network_id, Seat.municipality_code == code)
        for network_id, code in sorted(codes)
    ]
    holders = (
        select(Seat.network_id, Person.id, Person.account)
        .join(Person, Person.id == Seat.holder_id)
        .where(held, or_(*where))
    )
    facilitators = select(
        NetworkFacilitator.network_id, literal(None, Integer), NetworkFacilitator.user_id
    ).where(NetworkFacilitator.network_id.in_(sorted(networks)))
    parts = [holders, facilitators]
    if changed.people:
        parts.append(
            select(literal(None, Integer), Person.id, Person.account).where(
                Person.id.in_(sorted(changed.people))
            )
        )
    return _who_sees(networks, changed, session.execute(union_all(*parts)))


def _one_municipality() -> Any:
    """``_recipients``'s read for a change to one municipality, with bound parameters."""
    network: BindParameter[int] = bindparam("network")
    holders = (
        select(Seat.network_id, Person.id, Person.account)
        .join(Person, Person.id == Seat.holder_id)
        .where(
            Seat.holder_id.is_not(None),
            Seat.network_id == network,
            Seat.municipality_code == bindparam("code"),
        )
    )
    facilitators = select(
        NetworkFacilitator.network_id, literal(None, Integer), NetworkFacilitator.user_id
    ).where(NetworkFacilitator.network_id == network)
    named = select(literal(None, Integer), Person.id, Person.account).where(
        Person.id.in_(bindparam("people", expanding=True))
    )
    return union_all(holders, facilitators, named)


_ONE_MUNICIPALITY = _one_municipality()


def _who_sees(
    networks: set[int], changed: _Changed, rows: Iterable[Any]
) -> dict[int, set[tuple[str, int | None]]]:
    found: dict[int, set[int]] = {network: set() for network in networks}
    user_of: dict[int, str] = {}
    facilitator_users: dict[int, list[str]] = {network: [] for network in networks}
    for network_id, person_id, user_id in rows:
        if person_id is None:
            facilitator_users[network_id].append(user_id)
            continue
        user_of[person_id] = user_id
        if network_id is not None:
            found[network_id].add(person_id)
    person_of = {user: person for person, user in user_of.items()}
    result: dict[int, set[tuple[str, int | None]]] = {}
    for network_id in sorted(networks):
        # People named by a change are the network's own (there is one network in practice).
        result[network_id] = {
            (user_of[p], p) for p in found[network_id] | changed.people if p in user_of
        } | {(user, person_of.get(user)) for user in facilitator_users[network_id]}
    return result
