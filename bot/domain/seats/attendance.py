"""Who comes to a meeting: regrets, confirmations, substitutes, and the one answer to "who is
expected"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot.domain.errors import DomainError, ErrorKind
from bot.domain.seats.common import coordinator_of, live_meeting, seat_of
from bot.domain.seats.history import record
from bot.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    Membership,
    Municipality,
    Network,
    Person,
    Seat,
    SeatAction,
    SeatKind,
    SeatStatus,
)


def attendance_of(session: Session, meeting: Meeting, seat: Seat) -> Attendance | None:
    return session.scalars(
        select(Attendance).where(Attendance.meeting_id == meeting.id, Attendance.seat_id == seat.id)
    ).one_or_none()


def substitute_row_of(session: Session, meeting: Meeting, person: Person) -> Attendance | None:
    return session.scalars(
        select(Attendance).where(
            Attendance.meeting_id == meeting.id,
            Attendance.person_id == person.id,
            Attendance.role == "substitute",
        )
    ).one_or_none()


def refuse_if_substituted(session: Session, meeting: Meeting, seat: Seat) -> None:
    """A seat has one substitute per meeting: replacing one would leave them untold."""
    row = attendance_of(session, meeting, seat)
    if (
        row is not None
        and row.role == "substitute"
        and row.status != AttendanceStatus.DECLINED.value
    ):
        person = session.get(Person, row.person_id)
        raise DomainError(
            ErrorKind.SEAT_HAS_SUBSTITUTE, name=person.name if person else "", number=meeting.number
        )


# -- attendance ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Regrets:
    seat: Seat
    coordinator: Person | None
    was_substitute: bool


class Unread(Enum):
    """The caller has not read the actor's seat (``seat_of``): the answer reads it."""

    SEAT = "unread"


def send_regrets(
    session: Session,
    network: Network,
    meeting: Meeting,
    actor: Person,
    now: datetime,
    *,
    own: Seat | None | Unread = Unread.SEAT,
) -> Regrets:
    """Afbud: the holder (or a substitute) will not come. The seat stays the holder's.
    ``own``: the seat the actor holds, when the caller read it already (None: none)."""
    status = AttendanceStatus.DECLINED
    seat, was_substitute = _answer(session, network, meeting, actor, status, now, own)
    record(session, seat, SeatAction.REGRETS, now, person=actor, actor=actor, meeting_id=meeting.id)
    coordinator = coordinator_of(session, network, seat.municipality_code)
    return Regrets(seat, coordinator, was_substitute)


def confirm(
    session: Session,
    network: Network,
    meeting: Meeting,
    actor: Person,
    now: datetime,
    *,
    own: Seat | None | Unread = Unread.SEAT,
) -> Seat:
    """Deltager: the holder or the accepted substitute confirms they will come. ``own`` as for
    ``send_regrets``."""
    seat, _ = _answer(session, network, meeting, actor, AttendanceStatus.CONFIRMED, now, own)
    return seat


def _answer(
    session: Session,
    network: Network,
    meeting: Meeting,
    actor: Person,
    status: AttendanceStatus,
    now: datetime,
    own: Seat | None | Unread,
) -> tuple[Seat, bool]:
    """Record the actor's answer for the meeting, as its substitute or as the seat's holder.
    Returns the seat and whether they answered as a substitute."""
    live_meeting(meeting, now)
    # Two reads: the seat the actor holds (if any, unless the caller read it with the person),
    # then in one the meeting's rows that are theirs or that seat's (a substitute's row, else
    # the seat's own row).
    if isinstance(own, Unread):
        own = seat_of(session, network, actor)
    mine = Attendance.person_id == actor.id
    rows = list(
        session.scalars(
            select(Attendance).where(
                Attendance.meeting_id == meeting.id,
                or_(mine, Attendance.seat_id == own.id) if own is not None else mine,
            )
        )
    )
    row = next((r for r in rows if r.person_id == actor.id and r.role == "substitute"), None)
    if row is not None:
        seat = session.get(Seat, row.seat_id)
        assert seat is not None
        was_substitute = True
    else:
        if own is None or own.status != SeatStatus.HELD.value:
            raise DomainError(ErrorKind.NOT_HOLDER)
        seat = own
        row = next((r for r in rows if r.seat_id == seat.id), None)
        # A substitute has the seat; a holder may only take it back by saying yes after the
        # substitute sent regrets.
        reclaim = status is AttendanceStatus.CONFIRMED
        if (
            row is not None
            and row.role == "substitute"
            and not (reclaim and row.status == AttendanceStatus.DECLINED.value)
        ):
            raise DomainError(ErrorKind.NOT_ATTENDING)
        if row is None:
            row = Attendance(meeting_id=meeting.id, seat_id=seat.id)
            session.add(row)
        row.person_id, row.role = actor.id, "holder"
        was_substitute = False
    row.status, row.updated_at = status.value, now
    session.flush()
    return seat, was_substitute


@dataclass(frozen=True, slots=True)
class RosterSeat:
    kind: SeatKind
    slot: int
    attendee: Person | None
    role: str  # "holder" | "substitute" | ""
    status: str  # expected | confirmed | declined | "" (empty seat)


@dataclass(frozen=True, slots=True)
class RosterMunicipality:
    name: str
    seats: tuple[RosterSeat, ...]

    @property
    def coming(self) -> int:
        return sum(
            1 for s in self.seats if s.attendee and s.status != AttendanceStatus.DECLINED.value
        )


@dataclass(frozen=True, slots=True)
class Expected:
    """Someone expected at a meeting, and on which seat."""

    person: Person
    seat: Seat
    municipality: str
    role: str  # "holder" | "substitute"
    status: str  # expected | confirmed (declined only for a coordinator: ``coordinators_at``)

    @property
    def is_coordinator(self) -> bool:
        return self.role == "holder" and self.seat.kind == SeatKind.FIXED.value


def _seat_attendance(
    session: Session, network: Network, meeting: Meeting, code: int | None = None
) -> list[tuple[Seat, str, RosterSeat]]:
    """Every member seat with who fills it at the meeting, by municipality name and seat
    (``code``: only that municipality's seats).

    A seat's attendance row (regrets, a confirmation, a substitute) says who fills it; without
    one, an approved holder is expected. A pending applicant fills nothing: they have not been
    let in yet. A holder's row left from an earlier holder is ignored.
    """
    attendance_rows = select(Attendance).where(Attendance.meeting_id == meeting.id)
    seat_rows = (
        select(Seat, Municipality.name)
        .join(Municipality, Municipality.code == Seat.municipality_code)
        .join(
            Membership,
            and_(
                Membership.network_id == Seat.network_id,
                Membership.municipality_code == Seat.municipality_code,
            ),
        )
        .where(Seat.network_id == network.id)
        .order_by(Municipality.name, Seat.kind != SeatKind.FIXED.value, Seat.slot)
    )
    if code is not None:
        # One municipality (a Home, a substitute's seat): not the whole network's seats, which
        # a refresh of every member's Home would otherwise read once per member.
        attendance_rows = attendance_rows.join(Seat, Seat.id == Attendance.seat_id).where(
            Seat.municipality_code == code
        )
        seat_rows = seat_rows.where(Seat.municipality_code == code)
    rows = {a.seat_id: a for a in session.scalars(attendance_rows)}
    seats = session.execute(seat_rows).all()
    wanted = {r.person_id for r in rows.values()} | {s.holder_id for s, _ in seats if s.holder_id}
    people = (
        {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(wanted)))}
        if wanted
        else {}
    )
    approved_holder = {
        seat.id: people.get(seat.holder_id)
        for seat, _ in seats
        if seat.holder_id and seat.status == SeatStatus.HELD.value
    }
    result = []
    for seat, name in seats:
        kind, row = SeatKind(seat.kind), rows.get(seat.id)
        holder = approved_holder.get(seat.id)
        if (
            row is not None
            and row.role == "holder"
            and (holder is None or row.person_id != holder.id)
        ):
            row = None  # a row left by an earlier holder: it says nothing about this one
        if row is not None and row.role == "substitute":
            entry = RosterSeat(kind, seat.slot, people.get(row.person_id), row.role, row.status)
        elif holder is not None:
            status = row.status if row is not None else AttendanceStatus.EXPECTED.value
            entry = RosterSeat(kind, seat.slot, holder, "holder", status)
        else:
            entry = RosterSeat(kind, seat.slot, None, "", "")
        result.append((seat, name, entry))
    return result


def roster(session: Session, network: Network, meeting: Meeting) -> list[RosterMunicipality]:
    result: dict[str, list[RosterSeat]] = {}
    for _seat, name, entry in _seat_attendance(session, network, meeting):
        result.setdefault(name, []).append(entry)
    return [RosterMunicipality(name, tuple(entries)) for name, entries in result.items()]


def expected_at(
    session: Session, network: Network, meeting: Meeting, code: int | None = None
) -> list[Expected]:
    """The one answer to "who is expected at this meeting": approved seat holders who sent no
    regrets, and accepted substitutes who sent none either. Every direct message about a meeting
    is addressed from this, at the moment it is sent. ``code``: only that municipality's seats
    (a person's calendar feed reads only the municipalities they can sit for)."""
    return [
        Expected(entry.attendee, seat, name, entry.role, entry.status)
        for seat, name, entry in _seat_attendance(session, network, meeting, code)
        if entry.attendee is not None and entry.status != AttendanceStatus.DECLINED.value
    ]


def regrets_at(session: Session, network: Network, meeting: Meeting) -> list[Expected]:
    """Those who would fill a seat at the meeting and sent regrets: with ``expected_at``, the
    whole list a facilitator marks attendance from."""
    return [
        Expected(entry.attendee, seat, name, entry.role, entry.status)
        for seat, name, entry in _seat_attendance(session, network, meeting)
        if entry.attendee is not None and entry.status == AttendanceStatus.DECLINED.value
    ]


def invited_at(session: Session, network: Network, meeting: Meeting) -> list[Expected]:
    """The meeting's seat holders (approved) and its accepted substitutes, also those who sent
    regrets: who gets the meeting's material. Pending applicants and erased people never."""
    found: dict[int, Expected] = {}
    for seat, name, entry in _seat_attendance(session, network, meeting):
        if entry.attendee is not None and entry.role == "substitute":
            found.setdefault(
                entry.attendee.id, Expected(entry.attendee, seat, name, "substitute", entry.status)
            )
        if seat.holder_id and seat.status == SeatStatus.HELD.value:
            holder = (
                entry.attendee
                if entry.role == "holder" and entry.attendee is not None
                else session.get(Person, seat.holder_id)
            )
            if holder is not None:
                status = entry.status if entry.role == "holder" else AttendanceStatus.DECLINED.value
                found.setdefault(holder.id, Expected(holder, seat, name, "holder", status))
    return [e for e in found.values() if e.person.erased_at is None]


def seats_at(
    session: Session, network: Network, meeting: Meeting, code: int
) -> list[tuple[Seat, RosterSeat]]:
    """The municipality's seats with who fills each at the meeting (fixed first)."""
    return [
        (seat, entry) for seat, _name, entry in _seat_attendance(session, network, meeting, code)
    ]


def sent_regrets(entry: RosterSeat) -> bool:
    """The one who would fill the seat (its holder, or a substitute) said they will not come."""
    return entry.attendee is not None and entry.status == AttendanceStatus.DECLINED.value


def is_open(entry: RosterSeat) -> bool:
    """Nobody fills the seat at the meeting: nobody holds it, or whoever would sent regrets.
    Only an open seat may take a substitute (besides one its own holder names)."""
    return entry.attendee is None or sent_regrets(entry)


def refuse_if_holder_comes(
    session: Session, network: Network, meeting: Meeting, seat: Seat
) -> None:
    """A substitute never takes the seat of someone who comes: they would be replaced unasked."""
    entry = next(
        (
            e
            for s, e in seats_at(session, network, meeting, seat.municipality_code)
            if s.id == seat.id
        ),
        None,
    )
    if entry is not None and entry.role == "holder" and not sent_regrets(entry):
        assert entry.attendee is not None
        raise DomainError(
            ErrorKind.HOLDER_COMING,
            name=entry.attendee.name,
            seat_kind=seat.kind,
            slot=seat.slot,
            number=meeting.number,
        )


def coordinators_at(session: Session, network: Network, meeting: Meeting) -> list[Expected]:
    """The municipalities' coordinators (approved holders of a fixed seat) at a meeting, with
    their answer: one who sent regrets (or whose seat a substitute fills) is still the one to
    send someone else, so their municipality is not left without anybody to ask."""
    result = []
    for seat, name, entry in _seat_attendance(session, network, meeting):
        if seat.kind != SeatKind.FIXED.value or seat.status != SeatStatus.HELD.value:
            continue
        holder = session.get(Person, seat.holder_id) if seat.holder_id else None
        if holder is None:
            continue
        own_answer = entry.role == "holder" and entry.attendee is not None
        status = entry.status if own_answer else AttendanceStatus.DECLINED.value
        result.append(Expected(holder, seat, name, "holder", status))
    return result


@dataclass(frozen=True, slots=True)
class Substitution:
    """A substitute on someone's seat at a meeting, as seen by one of the two."""

    seat: Seat
    municipality: str
    substitute: Person
    holder: Person | None  # None: the seat has no holder (a vacant flexible seat)


def substitution_of(
    session: Session, meeting: Meeting, person: Person
) -> tuple[Substitution, bool] | None:
    """The substitution the person is part of at the meeting, and whether they are the
    substitute (else the holder whose seat the substitute fills); None when there is none."""
    rows = session.scalars(
        select(Attendance).where(
            Attendance.meeting_id == meeting.id,
            Attendance.role == "substitute",
            Attendance.status != AttendanceStatus.DECLINED.value,
        )
    )
    for row in rows:
        seat = session.get(Seat, row.seat_id)
        substitute = session.get(Person, row.person_id)
        if seat is None or substitute is None:
            continue
        if row.person_id != person.id and seat.holder_id != person.id:
            continue
        holder = session.get(Person, seat.holder_id) if seat.holder_id else None
        municipality = session.get(Municipality, seat.municipality_code)
        name = municipality.name if municipality is not None else ""
        return Substitution(seat, name, substitute, holder), row.person_id == person.id
    return None


def answer_of(
    session: Session, meeting: Meeting, person: Person, seat: Seat | None
) -> tuple[str, bool]:
    """The person's answer for the meeting (expected | confirmed | declined) and whether they
    come as a substitute; a holder whose seat a substitute fills counts as declined."""
    mine = session.scalars(
        select(Attendance).where(
            Attendance.meeting_id == meeting.id, Attendance.person_id == person.id
        )
    ).first()
    if mine is not None:
        return mine.status, mine.role == "substitute"
    if seat is None:
        return AttendanceStatus.EXPECTED.value, False
    on_my_seat = session.scalars(
        select(Attendance).where(Attendance.meeting_id == meeting.id, Attendance.seat_id == seat.id)
    ).first()
    if on_my_seat is not None and on_my_seat.role == "substitute":
        return AttendanceStatus.DECLINED.value, False  # a substitute comes in my place
    return AttendanceStatus.EXPECTED.value, False
