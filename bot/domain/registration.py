"""Registration and seats: the network's seat rule (one fixed and two flexible seats per
municipality for KL's network; the rule itself lives in `bot.domain.seats.rule`).

The rule is held by the database (see ``bot.models.Seat``): seats exist only on the slots of the
network's rule, and a person holds at most one seat per network. Claiming a seat is a conditional
UPDATE (``holder_id IS NULL``), so two people racing for one seat cannot both win, on SQLite or on
PostgreSQL, and nothing here checks first and writes later.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from weakref import WeakKeyDictionary

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    bindparam,
    event,
    exists,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bot.db import insert_ignore, insert_ignore_objects, rows_affected
from bot.domain import membership
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.facilitators import is_facilitator, refuse_a_seat
from bot.domain.seats.common import coordinator_of, ensure_not_substitute, seat_of
from bot.domain.seats.history import record
from bot.domain.seats.rule import seat_slots
from bot.domain.themes import MAX_THEME_LENGTH, known_themes
from bot.models import (
    Membership,
    Municipality,
    Network,
    NetworkFacilitator,
    Person,
    RequestStatus,
    Seat,
    SeatAction,
    SeatKind,
    SeatRequest,
    SeatStatus,
)

MAX_TITLE = 150
# What the people table holds of a name or title a chat profile gives us (profiles are not ours
# to validate, so a longer one is cut rather than refused).
MAX_PROFILE_TEXT = 200
MAX_THEMES = 10


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, as the chat platform identifies them: the person ``(platform, workspace,
    account)`` is ``(platform, team_id, user_id)``. Every adapter names its platform (its
    ``PlatformKind`` name); the core never reads the shape of the ids."""

    team_id: str
    user_id: str
    name: str
    title: str = ""
    # The default is the platform every person had before platforms were named (migration
    # 0010), for callers written then (tests, benchmarks); adapters always say theirs.
    platform: str = "slack"


@dataclass(frozen=True, slots=True)
class Holder:
    user_id: str
    name: str
    title: str


@dataclass(frozen=True, slots=True)
class SeatView:
    kind: SeatKind
    slot: int
    holder: Holder | None
    pending: bool = False  # the holder's registration awaits approval


@dataclass(frozen=True, slots=True)
class SeatOverview:
    municipality_code: int
    municipality_name: str
    official_name: str
    is_member: bool
    seats: tuple[SeatView, ...]

    @property
    def holders(self) -> list[Holder]:
        return [s.holder for s in self.seats if s.holder is not None]

    @property
    def free(self) -> list[SeatView]:
        return [s for s in self.seats if s.holder is None]


@dataclass(frozen=True, slots=True)
class Registration:
    seat: SeatView
    overview: SeatOverview
    became_member: bool
    request_id: int | None = None  # set when the registration awaits approval
    approver: str | None = None  # "facilitator" | "coordinator"
    themes: tuple[str, ...] = ()  # the person's fagområder as saved (no second read for them)


@dataclass(frozen=True, slots=True)
class MemberCount:
    code: int
    name: str
    filled: int
    seats: int


@dataclass(frozen=True, slots=True)
class RegionSummary:
    name: str
    members: tuple[MemberCount, ...]


@dataclass(frozen=True, slots=True)
class NetworkSummary:
    network_name: str
    member_count: int  # member municipalities (see bot.domain.membership)
    filled: int  # their seats with an approved holder
    seats: int
    regions: tuple[RegionSummary, ...]
    without_anyone: int = 0  # municipalities of the country with nobody on a seat
    waiting: int = 0  # of those, the ones whose registration waits for approval


def get_network(session: Session, slug: str) -> Network:
    network = session.scalar(select(Network).where(Network.slug == slug))
    if network is None:
        raise DomainError(ErrorKind.NETWORK_UNKNOWN, slug=slug)
    return network


@dataclass
class _Fixed:
    """What never changes while the bot runs, read once per database (engine): the
    municipalities (seeded by a migration) and the (network, municipality) pairs whose seats exist
    (seats are created with the membership and never deleted). A registration in a burst then
    reads none of it again."""

    municipalities: dict[int, tuple[str, str]] | None = None
    seated: set[tuple[int, int]] = field(default_factory=set)


_FIXED: WeakKeyDictionary[Engine, _Fixed] = WeakKeyDictionary()
_FIXED_LOCK = threading.Lock()


def _fixed(session: Session) -> _Fixed:
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    with _FIXED_LOCK:
        return _FIXED.setdefault(engine, _Fixed())


def _municipality(session: Session, code: int) -> tuple[str, str] | None:
    """(name, official name) of the municipality ``code``, or None when there is none."""
    fixed = _fixed(session)
    if fixed.municipalities is None:
        rows = session.execute(
            select(Municipality.code, Municipality.name, Municipality.official_name)
        )
        fixed.municipalities = {c: (name, official) for c, name, official in rows}
    return fixed.municipalities.get(code)


def _clean_themes(themes: Sequence[str]) -> list[str]:
    cleaned: list[str] = []
    for theme in themes:
        theme = " ".join(theme.split())
        if not theme:
            continue
        if len(theme) > MAX_THEME_LENGTH:
            raise DomainError(ErrorKind.TEXT_TOO_LONG, field="fagområde", limit=MAX_THEME_LENGTH)
        if theme.casefold() not in (t.casefold() for t in cleaned):
            cleaned.append(theme)
    return cleaned[:MAX_THEMES]


def upsert_person(
    session: Session,
    actor: Actor,
    now: datetime,
    *,
    title: str | None = None,
    themes: Sequence[str] | None = None,
    update_name: bool = True,
) -> Person:
    """The person for ``actor``, created if new. ``update_name=False`` keeps a known name (a
    slash command's ``user_name`` is a handle, not the name the profile gave us)."""
    # Someone known (every click, most commands) costs one read; the insert only when not found.
    person = _find_person(session, actor)
    if person is None:
        insert_ignore(
            session,
            Person.__table__,  # type: ignore[arg-type]
            [
                {
                    "platform": actor.platform,
                    "workspace": actor.team_id,
                    "account": actor.user_id,
                    "name": (actor.name or actor.user_id)[:MAX_PROFILE_TEXT],
                    "title": actor.title[:MAX_PROFILE_TEXT],
                    "themes": [],
                    "created_at": now,
                }
            ],
        )
        # Ours, or a concurrent transaction's that won the unique key.
        person = session.scalars(select(Person).where(*_key(actor))).one()
    refresh_name(person, actor, update_name=update_name)
    if title is not None:
        title = " ".join(title.split())
        if len(title) > MAX_TITLE:
            raise DomainError(ErrorKind.TEXT_TOO_LONG, field="titel", limit=MAX_TITLE)
        person.title = title
    if themes is not None:
        person.themes = _clean_themes(themes)
    return person


def refresh_name(person: Person, actor: Actor, *, update_name: bool = True) -> None:
    """The name the actor's profile gives, kept on a known person (``update_name=False``: only
    over a placeholder, as a slash command's ``user_name`` is a handle, not a name)."""
    placeholder = person.name == person.account  # created before we knew their name
    name = actor.name[:MAX_PROFILE_TEXT]
    if (update_name or placeholder) and name and person.name != name:
        person.name = name


def person_and_seat(
    session: Session, network: Network, actor: Actor
) -> tuple[Person | None, Seat | None]:
    """The person behind ``actor`` and the seat they hold (or wait for) in the network, in one
    read: a click on a meeting's buttons needs both."""
    params = {
        "network": network.id,
        "platform": actor.platform,
        "team": actor.team_id,
        "user": actor.user_id,
    }
    row = session.execute(_PERSON_AND_SEAT, params).first()
    return (row[0], row[1]) if row is not None else (None, None)


_PERSON_AND_SEAT = (
    select(Person, Seat)
    .outerjoin(Seat, and_(Seat.holder_id == Person.id, Seat.network_id == bindparam("network")))
    .where(
        Person.platform == bindparam("platform"),
        Person.workspace == bindparam("team"),
        Person.account == bindparam("user"),
    )
)


def themes_of(session: Session, actor: Actor) -> list[str]:
    """The person's fagområder as saved (none for someone Klimanet does not know)."""
    person = _find_person(session, actor)
    return list(person.themes) if person is not None else []


def person_id_of(session: Session, actor: Actor) -> int | None:
    person = _find_person(session, actor)
    return person.id if person is not None else None


def set_themes(
    session: Session, network: Network, actor: Actor, submitted: Sequence[str], now: datetime
) -> list[str]:
    """The person sets their fagområder (an empty list clears them). Only the network's themes
    are accepted; a value that is not one raises ``DomainError``, and nothing is saved."""
    themes = known_themes(session, network, submitted)
    person = upsert_person(session, actor, now, themes=themes, update_name=False)
    return list(person.themes)


def known_names(session: Session, platform: str, workspace: str) -> dict[str, str]:
    """The names stored for a workspace's people, by account (placeholders left out)."""
    return {
        user_id: name
        for user_id, name in session.execute(
            select(Person.account, Person.name).where(
                Person.platform == platform, Person.workspace == workspace
            )
        )
        if name and name != user_id
    }


def find_person(session: Session, actor: Actor) -> Person | None:
    """The person behind ``actor``, if Klimanet knows them."""
    return _find_person(session, actor)


def _find_person(session: Session, actor: Actor) -> Person | None:
    return session.scalars(
        _FIND_PERSON,
        {"platform": actor.platform, "team": actor.team_id, "user": actor.user_id},
    ).one_or_none()


def _key(actor: Actor) -> tuple[ColumnElement[bool], ...]:
    """The person's key: ``(platform, workspace, account)``."""
    return (
        Person.platform == actor.platform,
        Person.workspace == actor.team_id,
        Person.account == actor.user_id,
    )


_FIND_PERSON = select(Person).where(
    Person.platform == bindparam("platform"),
    Person.workspace == bindparam("team"),
    Person.account == bindparam("user"),
)


def overview(session: Session, network: Network, municipality_code: int) -> SeatOverview:
    seats = session.scalars(
        select(Seat).where(
            Seat.network_id == network.id, Seat.municipality_code == municipality_code
        )
    )
    return _overview_of(session, network, municipality_code, seats)


def _overview_of(
    session: Session, network: Network, municipality_code: int, loaded: Iterable[Seat]
) -> SeatOverview:
    """The overview from the municipality's seats as loaded (with their holders)."""
    municipality = _municipality(session, municipality_code)
    if municipality is None:
        raise DomainError(
            ErrorKind.MUNICIPALITY_UNKNOWN, query=str(municipality_code), suggestions=[]
        )
    seats = {(SeatKind(s.kind), s.slot): s for s in loaded}
    views = []
    for kind, slot in seat_slots(session, network):
        seat = seats.get((kind, slot))
        holder = seat.holder if seat is not None else None
        views.append(
            SeatView(
                kind=kind,
                slot=slot,
                holder=Holder(holder.account, holder.name, holder.title) if holder else None,
                pending=seat is not None and seat.status == SeatStatus.PENDING.value,
            )
        )
    return SeatOverview(
        municipality_code=municipality_code,
        municipality_name=municipality[0],
        official_name=municipality[1],
        # In the network: someone holds one of its seats, approved (bot.domain.membership).
        is_member=any(v.holder is not None and not v.pending for v in views),
        seats=tuple(views),
    )


def refuse_a_second_seat(session: Session, network: Network, person: Person | None) -> None:
    """One seat per person. Someone who has one is told which; someone whose registration still
    waits is told that it waits, and for whom."""
    existing = seat_of(session, network, person) if person is not None else None
    if person is None or existing is None:
        return
    where = overview(session, network, existing.municipality_code)
    seat = SeatView(SeatKind(existing.kind), existing.slot, None)
    if existing.status != SeatStatus.PENDING.value:
        raise DomainError(ErrorKind.ALREADY_REGISTERED, municipality=where, seat=seat)
    approver = session.scalar(
        select(SeatRequest.approver).where(
            SeatRequest.seat_id == existing.id,
            SeatRequest.person_id == person.id,
            SeatRequest.status == RequestStatus.PENDING.value,
        )
    )
    coordinator = coordinator_of(session, network, existing.municipality_code)
    raise DomainError(
        ErrorKind.REGISTRATION_WAITING,
        municipality=where,
        seat=seat,
        approver=approver or "facilitator",
        coordinator=coordinator.name
        if coordinator is not None and approver == "coordinator"
        else None,
    )


def refuse_if_registered(session: Session, network: Network, actor: Actor) -> None:
    """``refuse_a_second_seat`` for someone who may not be known yet (the form's first step);
    a facilitator is told that KL takes no seat."""
    refuse_a_seat(session, network, actor.user_id)
    refuse_a_second_seat(session, network, _find_person(session, actor))


def my_overview(session: Session, network: Network, actor: Actor) -> SeatOverview | None:
    """The overview of the municipality where the actor holds a seat, if any."""
    person = _find_person(session, actor)
    seat = seat_of(session, network, person) if person else None
    return overview(session, network, seat.municipality_code) if seat else None


def _ensure_membership(session: Session, network: Network, code: int, now: datetime) -> bool:
    """Make the municipality a member with all its (vacant) seats. True if it just joined."""
    joined, _ = _join(session, network, code, now)
    return joined


def _join(
    session: Session, network: Network, code: int, now: datetime
) -> tuple[bool, list[Seat] | None]:
    """``_ensure_membership``, and the seats it created when it created them all (else None:
    they existed, or some did). True if the municipality just joined."""
    joined = insert_ignore(
        session,
        Membership.__table__,  # type: ignore[arg-type]
        [{"network_id": network.id, "municipality_code": code, "joined_at": now}],
    )
    slots = seat_slots(session, network)
    rows = [
        {"network_id": network.id, "municipality_code": code, "kind": kind.value, "slot": slot}
        for kind, slot in slots
    ]
    # ORM objects straight from RETURNING: a new member's seats need no second read. One
    # statement for many parameter sets, compiled once (a multi-row VALUES was compiled anew
    # for every new member).
    created = insert_ignore_objects(session, Seat, rows)
    # Known to exist for later registrations once this transaction has committed (until then
    # another transaction would not see them).
    session.info.setdefault(_SEATED, set()).add((network.id, code))
    return joined > 0, created if len(created) == len(slots) else None


_SEATED = "klimanet.seated"


@event.listens_for(Session, "after_commit")
def _seats_committed(session: Session) -> None:
    seated = session.info.pop(_SEATED, None)
    if seated:
        _fixed(session).seated.update(seated)


@event.listens_for(Session, "after_soft_rollback")
def _seats_rolled_back(session: Session, _previous: object) -> None:
    session.info.pop(_SEATED, None)


def _person_for_registration(
    session: Session,
    actor: Actor,
    now: datetime,
    title: str | None,
    themes: Sequence[str] | None,
) -> tuple[Person, bool]:
    """``upsert_person`` in one statement for someone new (the common case in a burst), and
    whether they are new: someone new holds no seat and substitutes at no meeting."""
    if title is not None:
        title = " ".join(title.split())
        if len(title) > MAX_TITLE:
            raise DomainError(ErrorKind.TEXT_TOO_LONG, field="titel", limit=MAX_TITLE)
    values = {
        "platform": actor.platform,
        "workspace": actor.team_id,
        "account": actor.user_id,
        "name": (actor.name or actor.user_id)[:MAX_PROFILE_TEXT],
        "title": title if title is not None else actor.title[:MAX_PROFILE_TEXT],
        "themes": _clean_themes(themes) if themes is not None else [],
        "created_at": now,
    }
    created = insert_ignore_objects(session, Person, [values])
    if created:
        return created[0], True
    return upsert_person(session, actor, now, title=title, themes=themes), False


def _free_seats(seats: Sequence[Seat], kind: SeatKind | None) -> list[Seat]:
    """The seats a registration may take, in the order they are offered: fixed first, by slot."""
    free = [s for s in seats if s.holder_id is None and (kind is None or s.kind == kind.value)]
    return sorted(free, key=lambda s: (s.kind != SeatKind.FIXED.value, s.slot))


def register(
    session: Session,
    network: Network,
    actor: Actor,
    municipality_code: int,
    kind: SeatKind | None,
    now: datetime,
    *,
    title: str | None = None,
    themes: Sequence[str] | None = None,
    needs_approval: bool = False,
) -> Registration:
    """Give the actor a seat in the municipality: the requested kind, or fixed first, then flexible.

    With ``needs_approval`` the seat is taken but pending: a municipality's first registration
    waits for a facilitator, later ones for its coordinator (the fixed seat's holder).

    Raises ``DomainError`` when the person already holds a seat in the network or no fitting seat
    is free. Runs inside the caller's transaction; on a lost race for the last seat the conditional
    UPDATE simply matches no row and the next candidate is tried.

    A burst registers hundreds at once, so this reads little: what never changes is cached
    (``_Fixed``), someone new needs no check for a seat they hold, a new member's seats come
    back from their INSERT, and the answer is built from the seats already loaded.
    """
    if _municipality(session, municipality_code) is None:
        raise DomainError(
            ErrorKind.MUNICIPALITY_UNKNOWN, query=str(municipality_code), suggestions=[]
        )
    if themes is not None:
        themes = known_themes(session, network, themes)
    person, new = _person_for_registration(session, actor, now, title, themes)
    saved_themes = tuple(person.themes)
    # A facilitator is never given a seat. For someone new the claim below checks it in the
    # same statement (and a failed claim says why), so a burst's registration reads nothing
    # for it; someone known is told before anything else about their seat.
    if not new:
        refuse_a_seat(session, network, actor.user_id)
        refuse_a_second_seat(session, network, person)
        ensure_not_substitute(session, person, now)
    seats: list[Seat] | None = None
    became_member = False
    if (network.id, municipality_code) not in _fixed(session).seated:
        became_member, seats = _join(session, network, municipality_code, now)
    if seats is None:
        seats = list(
            session.scalars(
                select(Seat).where(
                    Seat.network_id == network.id, Seat.municipality_code == municipality_code
                ),
                execution_options={"populate_existing": True},
            )
        )
    status = SeatStatus.PENDING if needs_approval else SeatStatus.HELD
    lost = False
    for seat in _free_seats(seats, kind):
        claim = {
            "claim_seat": seat.id,
            "claim_holder": person.id,
            "claim_since": now,
            "claim_status": status.value,
            "claim_network": network.id,
            "claim_user": actor.user_id,
        }
        # Core: through the session the ORM re-annotated (and re-keyed) the statement each time.
        claimed = int(getattr(session.connection().execute(_CLAIM, claim), "rowcount", 0) or 0)
        if not claimed:
            lost = True  # someone else's transaction took it: what we loaded is stale
            continue
        request_id, approver = None, None
        if needs_approval:
            coordinator = coordinator_of(session, network, municipality_code)
            # A facilitator who still holds a fixed seat from before is asked as one of the
            # facilitators, never as the municipality's coordinator.
            if coordinator is not None and is_facilitator(session, network, coordinator.account):
                coordinator = None
            approver = "coordinator" if coordinator and not became_member else "facilitator"
            request = SeatRequest(
                network_id=network.id,
                seat_id=seat.id,
                person_id=person.id,
                approver=approver,
                status=RequestStatus.PENDING.value,
                created_at=now,
            )
            session.add(request)
            session.flush()
            request_id = request.id
        record(
            session,
            seat,
            SeatAction.REQUESTED if needs_approval else SeatAction.REGISTERED,
            now,
            person=person,
            actor=person,
            became_member=became_member,
            request_id=request_id,
        )
        if lost or needs_approval:
            session.expire_all()
            result = overview(session, network, municipality_code)
        else:
            # What the conditional UPDATE wrote, without reading it back.
            set_committed_value(seat, "holder_id", person.id)
            set_committed_value(seat, "holder", person)
            set_committed_value(seat, "held_since", now)
            set_committed_value(seat, "status", status.value)
            result = _overview_of(session, network, municipality_code, seats)
        return Registration(
            seat=next(
                s for s in result.seats if (s.kind, s.slot) == (SeatKind(seat.kind), seat.slot)
            ),
            overview=result,
            became_member=became_member,
            request_id=request_id,
            approver=approver,
            themes=saved_themes,
        )

    session.expire_all()
    if new:
        refuse_a_seat(session, network, actor.user_id)  # the claims' refusal, explained
    current = overview(session, network, municipality_code)
    _raise_no_seat(current, kind)
    raise AssertionError("unreachable")


# The claim of a free seat: conditional, so of two racing registrations one wins, and never for
# one of the network's facilitators. Built once (its parameters bound per call).
_CLAIM = (
    update(Seat)
    .where(
        Seat.id == bindparam("claim_seat"),
        Seat.holder_id.is_(None),
        ~exists().where(
            NetworkFacilitator.network_id == bindparam("claim_network"),
            NetworkFacilitator.user_id == bindparam("claim_user"),
        ),
    )
    .values(
        holder_id=bindparam("claim_holder"),
        held_since=bindparam("claim_since"),
        status=bindparam("claim_status"),
    )
    .execution_options(synchronize_session=False)
)


def _raise_no_seat(current: SeatOverview, kind: SeatKind | None) -> None:
    free_kinds = {s.kind for s in current.free}
    if not free_kinds:
        raise DomainError(ErrorKind.MUNICIPALITY_FULL, municipality=current)
    if kind is SeatKind.FIXED:
        raise DomainError(ErrorKind.FIXED_SEAT_TAKEN, municipality=current)
    raise DomainError(ErrorKind.FLEXIBLE_SEATS_TAKEN, municipality=current)


@dataclass(frozen=True, slots=True)
class Release:
    seat: SeatView
    overview: SeatOverview
    seat_id: int
    person_id: int  # who gave the seat up
    event_id: int = 0  # the history event of giving it up
    was_held: bool = True  # an approved seat, not a registration that still waited


def release(session: Session, network: Network, actor: Actor, now: datetime) -> Release:
    """Free the actor's seat. The history keeps who held it."""
    person = _find_person(session, actor)
    seat = seat_of(session, network, person) if person else None
    if person is None or seat is None:
        raise DomainError(ErrorKind.NOT_REGISTERED)
    was_held = seat.status == SeatStatus.HELD.value
    freed = rows_affected(
        session,
        update(Seat)
        .where(Seat.id == seat.id, Seat.holder_id == person.id)
        .values(holder_id=None, held_since=None, status=SeatStatus.HELD.value)
        .execution_options(synchronize_session=False),
    )
    if not freed:  # released concurrently (a double click): same outcome as "not registered"
        raise DomainError(ErrorKind.NOT_REGISTERED)
    # An applicant who gives up before approval: the request is moot.
    session.execute(
        update(SeatRequest)
        .where(SeatRequest.seat_id == seat.id, SeatRequest.status == RequestStatus.PENDING.value)
        .values(status=RequestStatus.CANCELLED.value, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    event = record(session, seat, SeatAction.RELEASED, now, previous=person, actor=person)
    session.flush()
    session.expire_all()
    return Release(
        seat_id=seat.id,
        person_id=person.id,
        event_id=event.id,
        was_held=was_held,
        seat=SeatView(
            SeatKind(seat.kind),
            seat.slot,
            Holder(person.account, person.name, person.title),
            pending=not was_held,
        ),
        overview=overview(session, network, seat.municipality_code),
    )


def summary(session: Session, network: Network) -> NetworkSummary:
    """The member municipalities by region with their seats filled: the network at a glance,
    and how many of the country's municipalities have nobody on a seat. Members are counted as
    every view counts them (``bot.domain.membership``)."""
    found = membership.standings(session, network)
    members = [s for s in found if s.is_member]
    regions: dict[str, list[MemberCount]] = {}
    for standing in members:
        regions.setdefault(standing.region, []).append(
            MemberCount(standing.code, standing.name, standing.filled, standing.seats)
        )
    return NetworkSummary(
        network_name=network.name,
        member_count=len(members),
        filled=sum(s.filled for s in members),
        seats=sum(s.seats for s in members),
        regions=tuple(RegionSummary(name, tuple(ms)) for name, ms in regions.items()),
        without_anyone=len(found) - len(members),
        waiting=sum(1 for s in found if s.only_pending),
    )
