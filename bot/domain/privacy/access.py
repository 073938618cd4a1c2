"""What Klimanet holds about someone (``mine-data``), gathered from every table by internal id."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.domain.seats.history import NEVER_HELD
from bot.models import (
    Attendance,
    CalendarSubscription,
    Meeting,
    MeetingFeedback,
    MeetingPresence,
    MeetingTold,
    Municipality,
    Network,
    NewsPost,
    OutboxMessage,
    OutboxStatus,
    Person,
    Poll,
    PollBallot,
    PollChoice,
    PollOption,
    Seat,
    SeatAction,
    SeatEvent,
    SeatOffer,
    SeatRequest,
)

# What a pseudonym is called (the history and every message show it in place of a name).


# History events that give the subject a seat; any event naming someone as the previous
# holder takes one away.
_GAINS = {
    SeatAction.REGISTERED.value,
    SeatAction.REQUESTED.value,
    SeatAction.HANDED_OVER.value,
    SeatAction.SWAPPED.value,
    SeatAction.ADMIN_SET.value,
    SeatAction.TOOK_OVER.value,
}


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
    # Between meetings (issue 19): votes cast for the municipality, feedback, calendar links
    # (that one exists and since when, never its secret), and the facilitators' attendance marks.
    poll_votes: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    calendar_subscriptions: list[dict[str, Any]] = field(default_factory=list)
    presence: list[dict[str, Any]] = field(default_factory=list)

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
            "poll_votes": self.poll_votes,
            "feedback": self.feedback,
            "calendar_subscriptions": self.calendar_subscriptions,
            "attendance_marks": self.presence,
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
        poll_votes=_poll_votes(session, ids, names),
        feedback=_feedback(session, ids),
        calendar_subscriptions=_subscriptions(session, network, ids),
        presence=_presence(session, ids),
    )


def _meeting_ref(meeting: Meeting) -> dict[str, Any]:
    return {"number": meeting.number, "title": meeting.title, "starts_at": _at(meeting.starts_at)}


def _poll_votes(session: Session, ids: list[int], names: dict[int, str]) -> list[dict[str, Any]]:
    """The municipality's votes this person cast (a later vote by a colleague makes it theirs;
    an erased voter's vote stays without them, so it is no longer here)."""
    rows = session.execute(
        select(PollBallot, Poll)
        .join(Poll, Poll.id == PollBallot.poll_id)
        .where(PollBallot.voter_person_id.in_(ids))
        .order_by(Poll.number)
    ).all()
    chosen: dict[int, list[str]] = {}
    if rows:
        labels = session.execute(
            select(PollChoice.ballot_id, PollOption.label)
            .join(PollOption, PollOption.id == PollChoice.option_id)
            .where(PollChoice.ballot_id.in_([ballot.id for ballot, _ in rows]))
            .order_by(PollOption.position)
        ).all()
        for ballot_id, label in labels:
            chosen.setdefault(ballot_id, []).append(label)
    return [
        {
            "poll": poll.number,
            "question": poll.question,
            "on_behalf_of": names.get(ballot.municipality_code, str(ballot.municipality_code)),
            "choices": chosen.get(ballot.id, []),
            "cast_at": _at(ballot.cast_at),
        }
        for ballot, poll in rows
    ]


def _feedback(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    rows = session.execute(
        select(MeetingFeedback, Meeting)
        .join(Meeting, Meeting.id == MeetingFeedback.meeting_id)
        .where(MeetingFeedback.person_id.in_(ids))
        .order_by(Meeting.starts_at)
    ).all()
    return [
        {
            "meeting": _meeting_ref(m),
            "rating": f.rating,
            "comment": f.comment,
            "signed": f.signed,
            "answered_at": _at(f.answered_at),
        }
        for f, m in rows
    ]


def _subscriptions(session: Session, network: Network, ids: list[int]) -> list[dict[str, Any]]:
    """That a link exists, its kind and since when: never the secret (only its hash is kept,
    and that stays out too)."""
    rows = session.scalars(
        select(CalendarSubscription)
        .where(
            CalendarSubscription.network_id == network.id,
            CalendarSubscription.person_id.in_(ids),
        )
        .order_by(CalendarSubscription.id)
    )
    return [{"scope": row.scope, "created_at": _at(row.created_at)} for row in rows]


def _presence(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    """Whether a facilitator marked them as present at a meeting (fremmøde)."""
    rows = session.execute(
        select(MeetingPresence, Meeting)
        .join(Meeting, Meeting.id == MeetingPresence.meeting_id)
        .where(MeetingPresence.person_id.in_(ids))
        .order_by(Meeting.starts_at)
    ).all()
    return [
        {"meeting": _meeting_ref(m), "present": p.present, "marked_at": _at(p.marked_at)}
        for p, m in rows
    ]


def _person(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {
        # Where the chat account lives, named the same on every platform.
        "platform": person.platform,
        "workspace": person.workspace,
        "account": person.account,
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
        if event.action in NEVER_HELD and event.previous_person_id in ids:
            open_since.pop(event.seat_id, None)  # turned down: the seat was never theirs
            continue
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
        # A turned-down applicant is stored as the event's previous person: the event is about
        # them, and they never held the seat.
        previous_role = "subject" if event.action in NEVER_HELD else "previous_holder"
        roles = list(
            dict.fromkeys(
                role
                for role, ref in (
                    ("subject", event.person_id),
                    (previous_role, event.previous_person_id),
                    ("actor", event.actor_id),
                )
                if ref in ids
            )
        )
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
            # "kind" is the offer's (handover, swap, substitute); the seat's is kept beside it.
            "seat_kind": seat.kind,
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
