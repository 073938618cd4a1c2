"""Data protection in the domain: leaving at once (erasure, a deactivated account), becoming a
pseudonym (erasure, retention), what Klimanet holds about someone, and whom retention forgets.

A pseudonym is the person's own row with everything that names them removed: the name becomes
"Slettet bruger <id>", the title, fagområder, team and user ids go. Every other table refers to
people by internal id, so the seat history, past offers and attendance stay true under the
pseudonym without naming anyone, and nothing else needs to change.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select, union, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.db import rows_affected
from bot.domain.seats.common import seat_changed_hands, seat_of
from bot.domain.seats.history import record
from bot.models import (
    Attendance,
    AttendanceStatus,
    Erasure,
    ErasureCause,
    Meeting,
    MeetingTold,
    Municipality,
    Network,
    NetworkFacilitator,
    NewsPost,
    OfferStatus,
    OutboxMessage,
    OutboxStatus,
    Person,
    RequestStatus,
    Seat,
    SeatAction,
    SeatEvent,
    SeatKind,
    SeatOffer,
    SeatRequest,
    SeatStatus,
)

# What a pseudonym is called (the history and every message show it in place of a name).
PSEUDONYM_NAME = "Slettet bruger {number}"
# History events that give the subject a seat; any event naming someone as the previous
# holder takes one away.
_GAINS = {
    SeatAction.REGISTERED.value,
    SeatAction.REQUESTED.value,
    SeatAction.HANDED_OVER.value,
    SeatAction.SWAPPED.value,
    SeatAction.ADMIN_SET.value,
}


def pseudonym_name(person_id: int) -> str:
    return PSEUDONYM_NAME.format(number=person_id)


def find_person(session: Session, team_id: str, user_id: str) -> Person | None:
    """The person a chat account is, without creating one (looking must not store anything)."""
    return session.scalars(
        select(Person).where(
            Person.team_id == team_id, Person.user_id == user_id, Person.erased_at.is_(None)
        )
    ).one_or_none()


# -- leaving at once --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Vacated:
    """What leaving changed, for the notices that follow."""

    seat_id: int | None = None
    municipality_code: int | None = None
    kind: SeatKind | None = None
    slot: int = 0
    was_held: bool = False  # an approved seat, not a registration that still waited
    was_coordinator: bool = False
    event_id: int | None = None  # the history event of the release
    offers: tuple[int, ...] = ()  # open offers (from, to or about them) made void
    cancelled_requests: tuple[int, ...] = ()  # their own registration that waited
    to_facilitators: tuple[int, ...] = ()  # registrations that waited for them as coordinator
    # Coming meetings where they were a substitute: (meeting id, seat id); the seat is free there.
    substitute_places: tuple[tuple[int, int], ...] = field(default_factory=tuple)


def vacate(
    session: Session,
    network: Network,
    person: Person,
    now: datetime,
    action: SeatAction,
    *,
    actor: Person | None = None,
    reason: str = "",
) -> Vacated:
    """The person leaves the network now: their seat is released (one history event,
    ``action``), their open offers and their waiting registration end, their places as a
    substitute at coming meetings are given up, and registrations that waited for them as
    coordinator go to the facilitators."""
    seat = seat_of(session, network, person)
    offers = _void_offers(session, network, person, seat, now)
    places = _give_up_substitute_places(session, person, now)
    if seat is None:
        return Vacated(offers=offers, substitute_places=places)
    was_held = seat.status == SeatStatus.HELD.value
    was_coordinator = was_held and seat.kind == SeatKind.FIXED.value
    session.execute(
        update(Seat)
        .where(Seat.id == seat.id, Seat.holder_id == person.id)
        .values(holder_id=None, held_since=None, status=SeatStatus.HELD.value)
        .execution_options(synchronize_session=False)
    )
    cancelled = _cancel_requests(
        session, SeatRequest.seat_id == seat.id, SeatRequest.person_id == person.id, now=now
    )
    seat_changed_hands(session, seat, now, person.id)
    event = record(session, seat, action, now, previous=person, actor=actor, reason=reason)
    session.flush()
    session.refresh(seat)
    handed = (
        _hand_to_facilitators(session, network, seat.municipality_code) if was_coordinator else ()
    )
    return Vacated(
        seat_id=seat.id,
        municipality_code=seat.municipality_code,
        kind=SeatKind(seat.kind),
        slot=seat.slot,
        was_held=was_held,
        was_coordinator=was_coordinator,
        event_id=event.id,
        offers=offers,
        cancelled_requests=cancelled,
        to_facilitators=handed,
        substitute_places=places,
    )


def _void_offers(
    session: Session, network: Network, person: Person, seat: Seat | None, now: datetime
) -> tuple[int, ...]:
    about: ColumnElement[bool] = or_(
        SeatOffer.from_person_id == person.id, SeatOffer.to_person_id == person.id
    )
    if seat is not None:
        about = or_(about, SeatOffer.seat_id == seat.id, SeatOffer.counter_seat_id == seat.id)
    ids = tuple(
        session.scalars(
            select(SeatOffer.id)
            .where(
                SeatOffer.network_id == network.id,
                SeatOffer.status == OfferStatus.PENDING.value,
                about,
            )
            .order_by(SeatOffer.id)
        )
    )
    if ids:
        session.execute(
            update(SeatOffer)
            .where(SeatOffer.id.in_(ids), SeatOffer.status == OfferStatus.PENDING.value)
            .values(status=OfferStatus.VOID.value, decided_at=now)
            .execution_options(synchronize_session=False)
        )
    return ids


def _give_up_substitute_places(
    session: Session, person: Person, now: datetime
) -> tuple[tuple[int, int], ...]:
    """Their places as a substitute at coming meetings become regrets: the seat is free for
    that meeting (the holder had handed it on, so they are not expected either)."""
    coming = select(Meeting.id).where(Meeting.ends_at > now)
    rows = session.scalars(
        select(Attendance).where(
            Attendance.person_id == person.id,
            Attendance.role == "substitute",
            Attendance.status != AttendanceStatus.DECLINED.value,
            Attendance.meeting_id.in_(coming),
        )
    ).all()
    for row in rows:
        row.status, row.updated_at = AttendanceStatus.DECLINED.value, now
    session.flush()
    return tuple((row.meeting_id, row.seat_id) for row in rows)


def _cancel_requests(
    session: Session, *conditions: ColumnElement[bool], now: datetime
) -> tuple[int, ...]:
    ids = tuple(
        session.scalars(
            select(SeatRequest.id).where(
                SeatRequest.status == RequestStatus.PENDING.value, *conditions
            )
        )
    )
    if ids:
        session.execute(
            update(SeatRequest)
            .where(SeatRequest.id.in_(ids))
            .values(status=RequestStatus.CANCELLED.value, decided_at=now)
            .execution_options(synchronize_session=False)
        )
    return ids


def _hand_to_facilitators(session: Session, network: Network, code: int) -> tuple[int, ...]:
    """Registrations that waited for the municipality's coordinator, who is gone: a
    facilitator decides them now."""
    ids = tuple(
        session.scalars(
            select(SeatRequest.id)
            .join(Seat, Seat.id == SeatRequest.seat_id)
            .where(
                SeatRequest.network_id == network.id,
                SeatRequest.status == RequestStatus.PENDING.value,
                SeatRequest.approver == "coordinator",
                Seat.municipality_code == code,
            )
        )
    )
    if ids:
        session.execute(
            update(SeatRequest)
            .where(SeatRequest.id.in_(ids))
            .values(approver="facilitator")
            .execution_options(synchronize_session=False)
        )
    return ids


# -- becoming a pseudonym -----------------------------------------------------------------------


def pseudonymise(
    session: Session,
    network: Network,
    person: Person,
    now: datetime,
    cause: ErasureCause,
    *,
    actor: Person | None = None,
    reason: str = "",
) -> str:
    """Replace the person by a pseudonym, in one place: the person row. History reasons about
    their seats, and any that name them (their name, title or chat id), are blanked: a
    facilitator may have written them; the erasure's own reason stays (it is given with the
    instruction not to name anyone). Returns the chat user id they had, for the caller to
    remove from the rest (posts, caches)."""
    user_id = person.user_id
    _blank_reasons(session, person)
    person.name = pseudonym_name(person.id)
    person.title = ""
    person.themes = []
    person.team_id = ""
    person.user_id = f"~{person.id}"  # no chat id starts with "~": it can never match one
    person.erased_at = now
    forget_author(session, user_id)
    session.add(
        Erasure(
            network_id=network.id,
            person_id=person.id,
            cause=cause.value,
            actor_id=actor.id if actor else None,
            reason=reason[:500],
            erased_at=now,
        )
    )
    session.flush()
    return user_id


def _naming(words: Iterable[str]) -> re.Pattern[str] | None:
    """Whole-word matches of what names a person (a short word would match too much)."""
    kept = sorted({w.strip() for w in words if len(w.strip()) >= 3}, key=len, reverse=True)
    if not kept:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in kept) + r")(?!\w)")


def _blank_reasons(session: Session, person: Person) -> None:
    about = or_(SeatEvent.person_id == person.id, SeatEvent.previous_person_id == person.id)
    words = (person.name, person.title, person.user_id)
    naming = _naming(words)
    mentions = [SeatEvent.reason.contains(w.strip()) for w in words if len(w.strip()) >= 3]
    rows = session.execute(
        select(SeatEvent.id, SeatEvent.reason, SeatEvent.action).where(
            SeatEvent.reason != "", or_(about, *mentions)
        )
    ).all()
    about_them = set(session.scalars(select(SeatEvent.id).where(about, SeatEvent.reason != "")))
    blank = [
        event_id
        for event_id, reason, action in rows
        if (event_id in about_them and action != SeatAction.ERASED.value)
        or (naming is not None and naming.search(reason))
    ]
    if blank:
        session.execute(
            update(SeatEvent)
            .where(SeatEvent.id.in_(blank))
            .values(reason="")
            .execution_options(synchronize_session=False)
        )


def forget_author(session: Session, user_id: str) -> None:
    """Meetings and news a facilitator wrote keep their content (it speaks for KL), not the
    chat id of who wrote them."""
    if not user_id:
        return
    session.execute(
        update(Meeting)
        .where(Meeting.created_by == user_id)
        .values(created_by="")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(NewsPost)
        .where(NewsPost.author_user_id == user_id)
        .values(author_user_id="")
        .execution_options(synchronize_session=False)
    )


def authored_by(session: Session, user_id: str) -> bool:
    """Whether meetings or news carry this chat id as their author."""
    if not user_id:
        return False
    return (
        session.scalar(select(Meeting.id).where(Meeting.created_by == user_id).limit(1)) is not None
        or session.scalar(select(NewsPost.id).where(NewsPost.author_user_id == user_id).limit(1))
        is not None
    )


def record_erasure(
    session: Session,
    network: Network,
    now: datetime,
    cause: ErasureCause,
    *,
    actor: Person | None = None,
    reason: str = "",
) -> None:
    """An erasure of someone Klimanet held no person row for (only posts or authorship)."""
    session.add(
        Erasure(
            network_id=network.id,
            person_id=None,
            cause=cause.value,
            actor_id=actor.id if actor else None,
            reason=reason[:500],
            erased_at=now,
        )
    )


# -- retention ------------------------------------------------------------------------------


def _ids(column: InstrumentedAttribute[Any], *conditions: ColumnElement[bool]) -> Any:
    return select(column).where(column.is_not(None), *conditions)


def idle_people(session: Session, cutoff: datetime) -> list[Person]:
    """People (not pseudonyms yet) who hold no seat and had no registration, offer, attendance
    or history since ``cutoff``: what retention forgets. Configured facilitators are exempt
    while they are configured (their chat id is the configuration)."""
    recent = union(
        _ids(Seat.holder_id),
        _ids(SeatEvent.person_id, SeatEvent.created_at >= cutoff),
        _ids(SeatEvent.previous_person_id, SeatEvent.created_at >= cutoff),
        _ids(SeatEvent.actor_id, SeatEvent.created_at >= cutoff),
        _ids(SeatRequest.person_id, _recent_or_open(SeatRequest, cutoff)),
        _ids(SeatRequest.decided_by_id, SeatRequest.decided_at >= cutoff),
        _ids(SeatOffer.from_person_id, _recent_or_open(SeatOffer, cutoff)),
        _ids(SeatOffer.to_person_id, _recent_or_open(SeatOffer, cutoff)),
        _ids(Attendance.person_id, Attendance.updated_at >= cutoff),
    )
    return list(
        session.scalars(
            select(Person)
            .where(
                Person.erased_at.is_(None),
                Person.created_at < cutoff,
                Person.id.not_in(select(recent.subquery().c[0])),
                Person.user_id.not_in(select(NetworkFacilitator.user_id)),
            )
            .order_by(Person.id)
        )
    )


def _recent_or_open(model: type[SeatRequest] | type[SeatOffer], cutoff: datetime) -> Any:
    return or_(
        model.created_at >= cutoff,
        model.decided_at >= cutoff,
        model.status == "pending",
    )


def age_history(session: Session, cutoff: datetime, now: datetime) -> int:
    """History older than ``cutoff`` names nobody: its reasons are blanked, and people who are
    still known are replaced in it by their history pseudonym (one per person, so the old
    history still shows one holder from start to end). Returns how many rows changed."""
    live = set(session.scalars(select(Person.id).where(Person.erased_at.is_(None))))
    rows = session.execute(
        select(
            SeatEvent.id, SeatEvent.person_id, SeatEvent.previous_person_id, SeatEvent.actor_id
        ).where(
            SeatEvent.created_at < cutoff,
            or_(
                SeatEvent.reason != "",
                SeatEvent.person_id.in_(live),
                SeatEvent.previous_person_id.in_(live),
                SeatEvent.actor_id.in_(live),
            ),
        )
    ).all()
    aliases: dict[int, int] = {}
    for event_id, *refs in rows:
        values: dict[str, Any] = {"reason": ""}
        for column, person_id in zip(
            ("person_id", "previous_person_id", "actor_id"), refs, strict=True
        ):
            if person_id in live:
                values[column] = aliases.get(person_id) or _alias(session, person_id, now, aliases)
        session.execute(
            update(SeatEvent)
            .where(SeatEvent.id == event_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return len(rows)


def _alias(session: Session, person_id: int, now: datetime, aliases: dict[int, int]) -> int:
    person = session.get(Person, person_id)
    assert person is not None
    if person.history_alias_id is None:
        alias = Person(
            team_id="",
            user_id="~" + secrets.token_hex(8),
            name="",
            title="",
            themes=[],
            created_at=now,
            erased_at=now,
        )
        session.add(alias)
        session.flush()
        alias.name = pseudonym_name(alias.id)
        person.history_alias_id = alias.id
        session.flush()
    aliases[person_id] = person.history_alias_id
    return person.history_alias_id


def forget_old_authors(session: Session, cutoff: datetime) -> int:
    """Meetings and news older than ``cutoff`` no longer say which chat account wrote them."""
    meetings = rows_affected(
        session,
        update(Meeting)
        .where(Meeting.created_at < cutoff, Meeting.created_by != "")
        .values(created_by="")
        .execution_options(synchronize_session=False),
    )
    news = rows_affected(
        session,
        update(NewsPost)
        .where(NewsPost.created_at < cutoff, NewsPost.author_user_id != "")
        .values(author_user_id="")
        .execution_options(synchronize_session=False),
    )
    return meetings + news


# -- what Klimanet holds about someone ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Held:
    """Everything Klimanet holds about one person, as plain data (JSON-ready)."""

    person: dict[str, Any] | None
    seats: list[dict[str, Any]]
    past_seats: list[dict[str, Any]]
    history: list[dict[str, Any]]
    requests: list[dict[str, Any]]
    offers: list[dict[str, Any]]
    attendance: list[dict[str, Any]]
    waiting_posts: list[dict[str, Any]]
    sent_posts: list[dict[str, Any]]
    told_about: list[dict[str, Any]]
    meetings_created: list[dict[str, Any]]
    news_written: list[dict[str, Any]]

    @property
    def empty(self) -> bool:
        return self.person is None and not any(
            (self.waiting_posts, self.sent_posts, self.meetings_created, self.news_written)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "seats": self.seats,
            "past_seats": self.past_seats,
            "history": self.history,
            "requests": self.requests,
            "offers": self.offers,
            "attendance": self.attendance,
            "waiting_posts": self.waiting_posts,
            "sent_posts": self.sent_posts,
            "told_about_meetings": self.told_about,
            "meetings_created": self.meetings_created,
            "news_written": self.news_written,
        }


def _at(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def held_about(session: Session, network: Network, person: Person | None, user_id: str) -> Held:
    """What Klimanet holds about a chat account: their person row (if any) and everything that
    refers to it, plus what refers to the chat id itself (posts waiting, authorship)."""
    names = dict(session.execute(select(Municipality.code, Municipality.name)).tuples().all())
    ids = [] if person is None else [person.id]
    if person is not None and person.history_alias_id is not None:
        ids.append(person.history_alias_id)
    return Held(
        person=_person(person),
        seats=_current_seats(session, network, ids, names),
        past_seats=_past_seats(session, network, person, names),
        history=_history(session, network, ids, names),
        requests=_requests(session, ids, names),
        offers=_offers(session, ids, names),
        attendance=_attendance(session, ids, names),
        waiting_posts=_posts(session, person, user_id, OutboxStatus.PENDING),
        sent_posts=_posts(session, person, user_id, OutboxStatus.SENT),
        told_about=_told(session, ids),
        meetings_created=[
            {"number": m.number, "title": m.title, "created_at": _at(m.created_at)}
            for m in session.scalars(
                select(Meeting).where(Meeting.created_by == user_id).order_by(Meeting.id)
            )
        ]
        if user_id
        else [],
        news_written=[
            {"text": n.text, "created_at": _at(n.created_at)}
            for n in session.scalars(
                select(NewsPost).where(NewsPost.author_user_id == user_id).order_by(NewsPost.id)
            )
        ]
        if user_id
        else [],
    )


def _person(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {
        "slack_team_id": person.team_id,
        "slack_user_id": person.user_id,
        "name": person.name,
        "title": person.title,
        "themes": list(person.themes),
        "known_since": _at(person.created_at),
    }


def _seat(kind: str, slot: int, code: int, names: dict[int, str]) -> dict[str, Any]:
    return {"municipality": names.get(code, str(code)), "kind": kind, "slot": slot}


def _current_seats(
    session: Session, network: Network, ids: list[int], names: dict[int, str]
) -> list[dict[str, Any]]:
    seats = session.scalars(
        select(Seat).where(Seat.network_id == network.id, Seat.holder_id.in_(ids))
    ).all()
    return [
        {
            **_seat(s.kind, s.slot, s.municipality_code, names),
            "status": s.status,
            "held_since": _at(s.held_since),
        }
        for s in seats
    ]


def _events(session: Session, network: Network, ids: Iterable[int]) -> list[SeatEvent]:
    ids = list(ids)
    return list(
        session.scalars(
            select(SeatEvent)
            .where(
                SeatEvent.network_id == network.id,
                or_(
                    SeatEvent.person_id.in_(ids),
                    SeatEvent.previous_person_id.in_(ids),
                    SeatEvent.actor_id.in_(ids),
                ),
            )
            .order_by(SeatEvent.id)
        )
    )


def _past_seats(
    session: Session, network: Network, person: Person | None, names: dict[int, str]
) -> list[dict[str, Any]]:
    """Periods on a seat that ended, read from the history: a seat is gained when one is the
    subject of a registration, handover, swap or correction, and lost when one is its previous
    holder."""
    if person is None:
        return []
    ids = {person.id} | ({person.history_alias_id} if person.history_alias_id else set())
    periods: list[dict[str, Any]] = []
    open_since: dict[int, SeatEvent] = {}
    for event in _events(session, network, ids):
        if event.previous_person_id in ids and event.seat_id in open_since:
            start = open_since.pop(event.seat_id)
            periods.append(
                {
                    **_seat(event.kind, event.slot, event.municipality_code, names),
                    "from": _at(start.created_at),
                    "to": _at(event.created_at),
                }
            )
        if event.person_id in ids and event.action in _GAINS:
            open_since.setdefault(event.seat_id, event)
    return periods


def _history(
    session: Session, network: Network, ids: list[int], names: dict[int, str]
) -> list[dict[str, Any]]:
    """Their history rows, with their part in each; other people in them are left out."""
    out = []
    for event in _events(session, network, ids):
        roles = [
            role
            for role, ref in (
                ("subject", event.person_id),
                ("previous_holder", event.previous_person_id),
                ("actor", event.actor_id),
            )
            if ref in ids
        ]
        out.append(
            {
                "at": _at(event.created_at),
                **_seat(event.kind, event.slot, event.municipality_code, names),
                "action": event.action,
                "your_part": roles,
                "reason": event.reason,
            }
        )
    return out


def _requests(session: Session, ids: list[int], names: dict[int, str]) -> list[dict[str, Any]]:
    rows = session.execute(
        select(SeatRequest, Seat)
        .join(Seat, Seat.id == SeatRequest.seat_id)
        .where(or_(SeatRequest.person_id.in_(ids), SeatRequest.decided_by_id.in_(ids)))
        .order_by(SeatRequest.id)
    ).all()
    return [
        {
            **_seat(seat.kind, seat.slot, seat.municipality_code, names),
            "your_part": "applicant" if request.person_id in ids else "decided",
            "approver": request.approver,
            "status": request.status,
            "created_at": _at(request.created_at),
            "decided_at": _at(request.decided_at),
        }
        for request, seat in rows
    ]


def _offers(session: Session, ids: list[int], names: dict[int, str]) -> list[dict[str, Any]]:
    rows = session.execute(
        select(SeatOffer, Seat)
        .join(Seat, Seat.id == SeatOffer.seat_id)
        .where(or_(SeatOffer.from_person_id.in_(ids), SeatOffer.to_person_id.in_(ids)))
        .order_by(SeatOffer.id)
    ).all()
    return [
        {
            **_seat(seat.kind, seat.slot, seat.municipality_code, names),
            "kind": offer.kind,
            "your_part": "offered" if offer.from_person_id in ids else "offered_to_you",
            "status": offer.status,
            "meeting_id": offer.meeting_id,
            "created_at": _at(offer.created_at),
            "expires_at": _at(offer.expires_at),
            "decided_at": _at(offer.decided_at),
        }
        for offer, seat in rows
    ]


def _attendance(session: Session, ids: list[int], names: dict[int, str]) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Attendance, Meeting, Seat)
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .join(Seat, Seat.id == Attendance.seat_id)
        .where(Attendance.person_id.in_(ids))
        .order_by(Meeting.starts_at)
    ).all()
    return [
        {
            "meeting": {"number": m.number, "title": m.title, "starts_at": _at(m.starts_at)},
            **_seat(seat.kind, seat.slot, seat.municipality_code, names),
            "role": a.role,
            "status": a.status,
            "updated_at": _at(a.updated_at),
        }
        for a, m, seat in rows
    ]


def _posts(
    session: Session, person: Person | None, user_id: str, status: OutboxStatus
) -> list[dict[str, Any]]:
    """Direct messages to them: waiting to be sent, or sent (the text is not kept; it is
    rendered when sent)."""
    mine = [OutboxMessage.recipient == user_id] if user_id else []
    if person is not None:
        mine.append(OutboxMessage.person_id == person.id)
    if not mine:
        return []
    rows = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == status.value, or_(*mine))
        .order_by(OutboxMessage.due_at)
    ).all()
    if status is OutboxStatus.PENDING:
        return [{"kind": r.kind, "due_at": _at(r.due_at), "meeting_id": r.meeting_id} for r in rows]
    return [{"kind": r.kind, "sent_at": _at(r.sent_at), "meeting_id": r.meeting_id} for r in rows]


def _told(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    rows = session.execute(
        select(MeetingTold, Meeting)
        .join(Meeting, Meeting.id == MeetingTold.meeting_id)
        .where(MeetingTold.person_id.in_(ids))
        .order_by(MeetingTold.told_at)
    ).all()
    return [
        {"meeting": m.number, "title": m.title, "first_told_by": t.kind, "at": _at(t.told_at)}
        for t, m in rows
    ]
