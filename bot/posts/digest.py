"""KL's weekly digest: one direct message per facilitator at the configured weekday and time.

Planned like every other post. One fan-out row per ISO week (``digest:week=2026-W50:fanout``) is
inserted ahead of time (insert-or-ignore, by the re-plan and at start); when it is due, delivery
expands it into one row per facilitator at that moment (``digest:week=…:person=7``), and plans
the next week's fan-out row in the same transaction. The keys make it exactly once per week and
facilitator across replicas and restarts; each digest is rendered from the data as it is then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot import texts
from bot.domain import meetings as meeting_domain
from bot.domain import polls
from bot.domain.digest import DigestTime, next_occurrence, week_of
from bot.domain.facilitators import facilitator_ids
from bot.domain.membership import standings
from bot.domain.seats.attendance import roster
from bot.models import (
    AddressedTo,
    AttendanceStatus,
    Meeting,
    Municipality,
    Network,
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
)
from bot.posts import kinds
from bot.posts.kinds import PostKind
from bot.posts.outbox import Claimed, Planned, enqueue
from bot.posts.rendering import RenderContext, Rendered
from bot.replies import Reply

# What the digest looks back on, and when something waiting counts as waiting too long.
WEEK = timedelta(days=7)
WAITING_TOO_LONG = timedelta(days=3)
# A meeting this close makes a week worth a full digest even when nothing else happened.
SOON = timedelta(days=14)
# Lines per section: a direct message stays readable (and under a message's limits).
SECTION_LIMIT = 15

JOINED = (SeatAction.REGISTERED.value, SeatAction.APPROVED.value)
LEFT = (
    SeatAction.RELEASED.value,
    SeatAction.ERASED.value,
    SeatAction.DEACTIVATED.value,
    SeatAction.ADMIN_FREED.value,
)


# -- planning --------------------------------------------------------------------------------


def _fanout(network: Network, digest: DigestTime, due: datetime, tz: ZoneInfo) -> Planned:
    week = week_of(due, tz)
    payload = {
        "kind": PostKind.DIGEST.value,
        "week": week,
        "network": network.id,
        "weekday": digest.weekday,
        "at": digest.at.strftime("%H:%M"),
    }
    return Planned(
        kinds.digest_fanout_key(week),
        PostKind.FANOUT,
        "-",
        due,
        None,
        payload,
        addressed_to=AddressedTo.PERSON,
    )


def _pending_fanouts(network: Network) -> list[object]:
    return [
        OutboxMessage.kind == PostKind.FANOUT.value,
        OutboxMessage.status == OutboxStatus.PENDING.value,
        OutboxMessage.key.like(f"{PostKind.DIGEST.value}:week=%:fanout"),
    ]


def plan(
    session: Session, network: Network, digest: DigestTime | None, tz: ZoneInfo, now: datetime
) -> int:
    """Plan the next digest (idempotent). A changed setting moves the pending one to the new
    time; ``off`` cancels it. Returns how many rows were new."""
    pending = _pending_fanouts(network)
    if digest is None:
        session.execute(
            update(OutboxMessage)
            .where(*pending)  # type: ignore[arg-type]
            .values(status=OutboxStatus.CANCELLED.value, last_error="the digest is off")
            .execution_options(synchronize_session=False)
        )
        return 0
    row = _fanout(network, digest, next_occurrence(digest, now, tz), tz)
    # The week's row may be planned already for another time (the setting changed): move it.
    session.execute(
        update(OutboxMessage)
        .where(*pending, OutboxMessage.key == row.key, OutboxMessage.due_at != row.due_at)  # type: ignore[arg-type]
        .values(due_at=row.due_at, payload=row.payload)
        .execution_options(synchronize_session=False)
    )
    return enqueue(session, [row], now)


def is_digest_fanout(row: Claimed) -> bool:
    return row.payload.get("kind") == PostKind.DIGEST.value


def expand(session: Session, row: Claimed, now: datetime, tz: ZoneInfo) -> int:
    """The week's fan-out row is due: one digest per facilitator now, and next week's row."""
    network = session.get(Network, int(row.payload.get("network", 0)))
    if network is None:
        return 0
    week = str(row.payload["week"])
    rows = []
    for position, user_id in enumerate(facilitator_ids(session, network.id), 1):
        person_id = session.scalar(
            select(Person.id).where(Person.account == user_id, Person.erased_at.is_(None)).limit(1)
        )
        rows.append(
            Planned(
                kinds.digest_key(week, kinds.approver_tag(person_id, position)),
                PostKind.DIGEST,
                user_id,
                row.due_at,
                None,
                {"week": week, "network": network.id, "since": (row.due_at - WEEK).isoformat()},
                person_id=person_id,
                addressed_to=AddressedTo.PERSON,
            )
        )
    hour, minute = str(row.payload.get("at", "08:00")).split(":")
    digest = DigestTime(int(row.payload.get("weekday", 0)), time(int(hour), int(minute)))
    following = _fanout(
        network, digest, next_occurrence(digest, row.due_at + timedelta(hours=1), tz), tz
    )
    return enqueue(session, [*rows, following], now)


# -- what it says -----------------------------------------------------------------------------


@dataclass
class Digest:
    week: str
    joined: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    meeting: list[str] = field(default_factory=list)
    meeting_soon: bool = False
    polls: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def quiet(self) -> bool:
        news = (self.joined, self.left, self.waiting, self.polls, self.failed)
        return not any(news) and not self.meeting_soon


def gather(
    session: Session, network: Network, week: str, since: datetime, ctx: RenderContext
) -> Digest:
    digest = Digest(week)
    digest.joined, digest.left = _comings_and_goings(session, network, since, ctx.now)
    digest.waiting = _waiting(session, network, ctx)
    digest.meeting, digest.meeting_soon = _next_meeting(session, network, ctx)
    digest.polls = poll_lines(session, network, ctx)
    digest.failed = _failed(session, since, ctx)
    return digest


def _comings_and_goings(
    session: Session, network: Network, since: datetime, now: datetime
) -> tuple[list[str], list[str]]:
    rows = session.execute(
        select(SeatEvent, Municipality.name, Person)
        .join(Municipality, Municipality.code == SeatEvent.municipality_code)
        .outerjoin(
            Person,
            Person.id == func.coalesce(SeatEvent.person_id, SeatEvent.previous_person_id),
        )
        .where(
            SeatEvent.network_id == network.id,
            SeatEvent.created_at >= since,
            SeatEvent.created_at < now,
            SeatEvent.action.in_(JOINED + LEFT),
        )
        .order_by(SeatEvent.created_at, SeatEvent.id)
    ).all()
    joined, left = [], []
    for event, municipality, person in rows:
        who = person.name if person is not None else ""
        kind = SeatKind(event.kind)
        if event.action in JOINED:
            joined.append(
                texts.digest.digest_joined(
                    who, municipality, texts.common.seat_label(kind, event.slot)
                )
            )
        else:
            seat = texts.common.seat_label(kind, event.slot, definite=True)
            left.append(texts.digest.digest_left(who, municipality, seat))
    return joined, left


def _waiting(session: Session, network: Network, ctx: RenderContext) -> list[str]:
    """Registrations and seat offers that have waited longer than three days."""
    before = ctx.now - WAITING_TOO_LONG
    lines = []
    requests = session.execute(
        select(SeatRequest, Person, Seat, Municipality.name)
        .join(Person, Person.id == SeatRequest.person_id)
        .join(Seat, Seat.id == SeatRequest.seat_id)
        .join(Municipality, Municipality.code == Seat.municipality_code)
        .where(
            SeatRequest.network_id == network.id,
            SeatRequest.status == RequestStatus.PENDING.value,
            SeatRequest.created_at < before,
        )
        .order_by(SeatRequest.created_at)
    ).all()
    for request, person, seat, municipality in requests:
        lines.append(
            texts.digest.digest_request_waiting(
                person.name,
                municipality,
                texts.common.seat_label(SeatKind(seat.kind), seat.slot),
                (ctx.now - request.created_at).days,
                by_facilitator=request.approver == "facilitator",
            )
        )
    offers = session.execute(
        select(SeatOffer, Municipality.name)
        .join(Municipality, Municipality.code == SeatOffer.municipality_code)
        .where(
            SeatOffer.network_id == network.id,
            SeatOffer.status == OfferStatus.PENDING.value,
            SeatOffer.created_at < before,
        )
        .order_by(SeatOffer.created_at)
    ).all()
    for offer, municipality in offers:
        giver, taker = (
            session.get(Person, offer.from_person_id),
            session.get(Person, offer.to_person_id),
        )
        lines.append(
            texts.digest.digest_offer_waiting(
                offer.kind,
                giver.name if giver else "",
                taker.name if taker else "",
                municipality,
                (ctx.now - offer.created_at).days,
            )
        )
    return lines


def _next_meeting(session: Session, network: Network, ctx: RenderContext) -> tuple[list[str], bool]:
    meeting = meeting_domain.next_meeting(session, network, ctx.now)
    if meeting is None:
        return [], False
    members = {s.name for s in standings(session, network) if s.is_member}
    confirmed = expected = declined = 0
    nobody = []
    for municipality in roster(session, network, meeting):
        for seat in municipality.seats:
            if seat.attendee is None:
                continue
            if seat.status == AttendanceStatus.CONFIRMED.value:
                confirmed += 1
            elif seat.status == AttendanceStatus.DECLINED.value:
                declined += 1
            else:
                expected += 1
        if municipality.coming == 0 and municipality.name in members:
            nobody.append(municipality.name)
    lines = texts.digest.digest_meeting(meeting, ctx.tz, confirmed, expected, declined, nobody)
    return lines, meeting.starts_at - ctx.now <= SOON


def poll_lines(session: Session, network: Network, ctx: RenderContext) -> list[str]:
    """Open polls and their turnout (municipalities that voted of the members), one line each
    with the command that acts on it."""
    lines = []
    for poll in reversed(polls.polls_of(session, network)):
        if not polls.is_open(poll, ctx.now):
            continue
        tally = polls.tally(session, network, poll)
        lines.append(
            texts.digest.digest_poll(
                poll.number,
                poll.question,
                tally.voted,
                tally.members,
                texts.common.format_short_datetime(poll.closes_at, ctx.tz),
            )
        )
    return lines


def _failed(session: Session, since: datetime, ctx: RenderContext) -> list[str]:
    """Deliveries that failed for good (dead outbox rows) in the week."""
    rows = session.execute(
        select(OutboxMessage, Meeting)
        .outerjoin(Meeting, Meeting.id == OutboxMessage.meeting_id)
        .where(
            OutboxMessage.status == OutboxStatus.DEAD.value,
            OutboxMessage.due_at >= since,
            OutboxMessage.kind.not_in([k.value for k in kinds.FACILITATOR_NOTICES]),
        )
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
    ).all()
    return [
        texts.digest.digest_failed(
            texts.common.format_short_datetime(row.due_at, ctx.tz),
            texts.posts.post_description(
                row.kind, row.recipient, row.addressed_to == AddressedTo.PLACE.value, meeting
            ),
            row.last_error,
        )
        for row, meeting in rows
    ]


def render(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    """A facilitator's digest, from the data as it is now; nobody's once they are no longer a
    facilitator."""
    network = session.get(Network, int(row.payload.get("network", 0)))
    if network is None or row.recipient not in facilitator_ids(session, network.id):
        return None
    since = datetime.fromisoformat(str(row.payload.get("since")))
    digest = gather(session, network, str(row.payload.get("week", "")), since, ctx)
    if digest.quiet:
        return Rendered(Reply((texts.digest.digest_quiet(digest.week),)))
    sections = [texts.digest.digest_head(digest.week)]
    for title, lines in (
        (texts.digest.DIGEST_JOINED, digest.joined),
        (texts.digest.DIGEST_LEFT, digest.left),
        (texts.digest.DIGEST_WAITING, digest.waiting),
        (texts.digest.DIGEST_NEXT_MEETING, digest.meeting),
        (texts.digest.DIGEST_POLLS, digest.polls),
        (texts.digest.DIGEST_FAILED, digest.failed),
    ):
        if lines:
            counted = (
                title != texts.digest.DIGEST_NEXT_MEETING
            )  # one meeting: its lines are no count
            total = len(lines) if counted else None
            sections.append(texts.digest.digest_section(title, lines[:SECTION_LIMIT], total))
    return Rendered(Reply(tuple(sections)))
