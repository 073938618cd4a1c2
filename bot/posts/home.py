"""The App Home: what each person sees when they open Klimanet, built from current data, and its
republishing through the outbox when their state changes.

What a Home shows depends on who opens it:

- someone without a seat: what Klimanet and the network are, and a button to register;
- a member: their seat and their municipality's seats, the next three meetings with their own
  answer and Ja/Nej, what waits for them (offers; approvals for the coordinator), and for the
  coordinator the flexible-seat pickers for the next meeting;
- a facilitator: the network at a glance with its map, registrations waiting for approval, the
  next meeting's expected attendance, and posts that failed or were missed.

Long lists are cut with a "Se alle" button (``HomeList``), so a Home stays well inside Slack's
100 blocks. Every button is one the messages use too (same action ids, same handlers).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import texts
from bot.domain import loop as loop_domain
from bot.domain import meetings as meeting_domain
from bot.domain import registration as reg
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.facilitators import is_facilitator
from bot.domain.membership import Standing, glance, standings
from bot.domain.reachability import unreachable
from bot.domain.seats.attendance import answer_of, expected_at, roster, substitution_of
from bot.domain.seats.common import seat_of
from bot.markup import bold
from bot.models import (
    AddressedTo,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
    Municipality,
    Network,
    OfferStatus,
    OutboxMessage,
    OutboxStatus,
    Person,
    RequestStatus,
    Seat,
    SeatKind,
    SeatOffer,
    SeatRequest,
    SeatStatus,
)
from bot.posts.kinds import FACILITATOR_NOTICES, PostKind
from bot.posts.render import coming_section, flexible_picks
from bot.replies import (
    Action,
    Button,
    Home,
    HomeAction,
    HomeHeader,
    HomeList,
    HomePart,
    HomePicture,
    HomeSection,
    Result,
    ResultKind,
)
from bot.texts import loop as loop_texts
from bot.texts.dates import format_span, format_when

HOME_MEETINGS = 3
LIST_LIMIT = 5  # requests, offers, deliveries shown before "Se alle"
ABSENT_LIMIT = 25  # municipality names with nobody coming
DELIVERY_DAYS = 30
# Posts about posts, and Home refreshes themselves, are not deliveries a facilitator acts on.
_NOT_DELIVERIES = (PostKind.HOME, PostKind.FANOUT, *FACILITATOR_NOTICES)


@dataclass(frozen=True, slots=True)
class HomeContext:
    tz: ZoneInfo
    now: datetime

    @property
    def today(self) -> str:
        return self.now.astimezone(self.tz).date().isoformat()


def build_home(session: Session, network: Network, user_id: str, ctx: HomeContext) -> Home:
    """The Home of ``user_id`` as it is now."""
    person = _person(session, user_id)
    facilitator = is_facilitator(session, network, user_id)
    seat = seat_of(session, network, person) if person is not None else None
    counts: dict[str, int] = {"facilitator": int(facilitator), "member": 0}
    parts: list[HomePart] = [HomeHeader(texts.overview.HOME_HEADER)]
    if facilitator:
        parts.extend(_facilitator_parts(session, network, ctx, counts))
    if seat is None:
        if not facilitator:
            parts.append(HomeSection(texts.overview.home_about()))
            parts.append(
                HomeSection(
                    texts.overview.home_join(),
                    buttons=(
                        Button(
                            texts.overview.REGISTER_BUTTON,
                            HomeAction.REGISTER,
                            "register",
                            "primary",
                        ),
                    ),
                )
            )
        if person is not None:
            parts.extend(_substitute_parts(session, network, person, ctx))
            parts.extend(_waiting_parts(session, network, person, None, ctx, counts, quiet=True))
    else:
        assert person is not None
        counts["member"] = int(seat.status == SeatStatus.HELD.value)
        parts.extend(_member_parts(session, network, person, seat, ctx, counts))
    parts.extend(_after_parts(session, network, ctx, facilitator, counts))
    parts.append(HomeSection(texts.overview.home_footer()))
    return Home(user_id, tuple(parts), Result(ResultKind.HOME, ids=counts))


# How many past meetings the Home shows the material of.
PAST_MATERIAL = 3


def _after_parts(
    session: Session,
    network: Network,
    ctx: HomeContext,
    facilitator: bool,
    counts: dict[str, int],
) -> list[HomePart]:
    """After a meeting: the last meetings' material (everyone); for the facilitators, who came
    to the last meeting held (confirmed, or the answers until then) and its feedback."""
    parts: list[HomePart] = []
    held = loop_domain.last_held(session, network, ctx.now)
    if facilitator and held is not None:
        lines = loop_domain.presence_list(session, network, held)
        confirmed = loop_domain.is_confirmed(session, held)
        summary = loop_domain.feedback_summary(session, held)
        counts["attended"] = sum(1 for x in lines if x.present)
        parts.append(HomeHeader(loop_texts.HOME_LAST_MEETING_HEADER))
        parts.append(
            HomeSection(
                loop_texts.home_last_meeting(
                    held,
                    sum(1 for x in lines if x.present),
                    len(lines),
                    confirmed,
                    summary.count,
                    summary.average,
                )
            )
        )
    past = loop_domain.recent_with_material(session, network, ctx.now, PAST_MATERIAL)
    if past:
        found = loop_domain.materials(session, [m.id for m in past])
        pairs = {mid: [(x.url, x.title) for x in rows] for mid, rows in found.items()}
        parts.append(HomeHeader(loop_texts.HOME_MATERIAL_HEADER))
        parts.extend(HomeSection(s) for s in loop_texts.past_material(past, pairs, ctx.tz))
    return parts


def _person(session: Session, user_id: str) -> Person | None:
    return session.scalars(select(Person).where(Person.account == user_id).limit(1)).first()


def _see_all(which: HomeList, shown: int, total: int) -> HomeSection:
    return HomeSection(
        texts.overview.home_more(shown, total),
        buttons=(Button(texts.overview.SEE_ALL_BUTTON, Action.SEE_ALL, which.value),),
    )


# -- a facilitator's Home ---------------------------------------------------------------------------


def picture_key(found: Sequence[Standing], day: str) -> str:
    """Names the map's content: the same for the same standings on the same day."""
    content = repr([(s.code, s.filled, s.pending, s.seats) for s in found]) + day
    return hashlib.sha256(content.encode()).hexdigest()[:20]


def _facilitator_parts(
    session: Session, network: Network, ctx: HomeContext, counts: dict[str, int]
) -> list[HomePart]:
    found = standings(session, network)
    at_a_glance = glance(found)
    day = ctx.now.astimezone(ctx.tz).date()
    parts: list[HomePart] = [
        HomeHeader(texts.overview.HOME_NETWORK_HEADER),
        HomeSection(
            f"{bold(texts.overview.counts_line(at_a_glance))}\n{texts.overview.region_lines(at_a_glance)}"
        ),
        HomePicture(
            picture_key(found, ctx.today),
            texts.overview.map_title(at_a_glance, day),
            texts.overview.map_alt_text(at_a_glance),
        ),
        HomeHeader(texts.overview.HOME_REQUESTS_HEADER),
    ]
    requests = _requests(session, network, None, ctx)
    counts["requests"] = len(requests)
    parts.extend(requests[:LIST_LIMIT] or [HomeSection(texts.overview.home_requests_none())])
    if len(requests) > LIST_LIMIT:
        parts.append(_see_all(HomeList.REQUESTS, LIST_LIMIT, len(requests)))
    parts.extend(_next_meeting_parts(session, network, found, ctx, counts))
    parts.append(HomeHeader(texts.overview.HOME_DELIVERIES_HEADER))
    lines, total = _deliveries(session, ctx, LIST_LIMIT)
    counts["deliveries"] = total
    parts.append(HomeSection("\n".join(lines) or texts.overview.home_deliveries_none()))
    if total > LIST_LIMIT:
        parts.append(_see_all(HomeList.DELIVERIES, LIST_LIMIT, total))
    cut_off = [(u.name, u.municipality) for u in unreachable(session, network)]
    counts["unreachable"] = len(cut_off)
    if cut_off:  # who cannot get the bot's direct messages at all, by name
        parts.append(HomeSection(texts.overview.unreachable_line(cut_off)))
    return parts


def _next_meeting_parts(
    session: Session,
    network: Network,
    found: Sequence[Standing],
    ctx: HomeContext,
    counts: dict[str, int],
) -> list[HomePart]:
    meeting = _coming_meetings(session, network, ctx.now, 1)
    if not meeting:
        return [
            HomeHeader(texts.overview.HOME_NEXT_MEETING_HEADER),
            HomeSection(texts.overview.home_no_meetings()),
        ]
    absent = _absent(session, network, meeting[0], found)
    expected = expected_at(session, network, meeting[0])
    confirmed = sum(1 for e in expected if e.status == AttendanceStatus.CONFIRMED.value)
    regrets = session.scalar(
        select(func.count())
        .select_from(Attendance)
        .where(
            Attendance.meeting_id == meeting[0].id,
            Attendance.status == AttendanceStatus.DECLINED.value,
        )
    )
    counts["absent"] = len(absent)
    text = texts.overview.home_next_meeting(
        texts.meetings.meeting_name(meeting[0]),
        format_span(meeting[0].starts_at, meeting[0].ends_at, ctx.tz),
        len(expected),
        confirmed,
        int(regrets or 0),
    )
    parts: list[HomePart] = [
        HomeHeader(texts.overview.HOME_NEXT_MEETING_HEADER),
        HomeSection(f"{text}\n{texts.overview.home_absent(absent[:ABSENT_LIMIT], len(absent))}"),
    ]
    if len(absent) > ABSENT_LIMIT:
        parts.append(_see_all(HomeList.ABSENT, ABSENT_LIMIT, len(absent)))
    return parts


def _absent(
    session: Session, network: Network, meeting: Meeting, found: Sequence[Standing]
) -> list[str]:
    """Member municipalities with nobody coming to the meeting, by name."""
    members = {s.name for s in found if s.is_member}
    return [
        m.name for m in roster(session, network, meeting) if m.coming == 0 and m.name in members
    ]


def _deliveries(session: Session, ctx: HomeContext, limit: int | None) -> tuple[list[str], int]:
    """Posts that failed for good or were missed in the last 30 days, newest first."""
    recent = (
        OutboxMessage.status.in_([OutboxStatus.DEAD.value, OutboxStatus.MISSED.value]),
        OutboxMessage.due_at >= ctx.now - timedelta(days=DELIVERY_DAYS),
        OutboxMessage.kind.not_in([k.value for k in _NOT_DELIVERIES]),
    )
    total = int(session.scalar(select(func.count()).select_from(OutboxMessage).where(*recent)) or 0)
    rows = session.execute(
        select(OutboxMessage, Meeting)
        .outerjoin(Meeting, Meeting.id == OutboxMessage.meeting_id)
        .where(*recent)
        .order_by(OutboxMessage.due_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    ).all()
    return [
        texts.overview.delivery_line(
            texts.common.format_short_datetime(row.due_at, ctx.tz),
            texts.posts.post_description(
                row.kind, row.recipient, row.addressed_to == AddressedTo.PLACE.value, meeting
            ),
            row.last_error,
            row.status == OutboxStatus.MISSED.value,
        )
        for row, meeting in rows
    ], total


# -- a member's Home ------------------------------------------------------------------------------


def _member_parts(
    session: Session,
    network: Network,
    person: Person,
    seat: Seat,
    ctx: HomeContext,
    counts: dict[str, int],
) -> list[HomePart]:
    overview = reg.overview(session, network, seat.municipality_code)
    label = texts.common.seat_label(SeatKind(seat.kind), seat.slot, definite=True)
    approved = seat.status == SeatStatus.HELD.value
    coordinator = approved and seat.kind == SeatKind.FIXED.value
    intro = (
        texts.overview.home_seat(label, overview.official_name, coordinator)
        if approved
        else texts.overview.home_pending(label, overview.official_name)
    )
    parts: list[HomePart] = [
        HomeHeader(texts.overview.HOME_SEAT_HEADER),
        HomeSection(f"{intro}\n\n{texts.registration.overview_text(overview)}"),
        # One's fagområder, changed here as well as with ``fagområder`` (the form opens).
        HomeSection(
            texts.themes.home_themes(person.themes),
            buttons=(Button(texts.themes.THEMES_BUTTON, HomeAction.THEMES, "themes"),),
        ),
        HomeHeader(texts.overview.HOME_MEETINGS_HEADER),
    ]
    meetings = _coming_meetings(session, network, ctx.now, HOME_MEETINGS)
    parts.extend(_meeting_section(session, m, person, seat, approved, ctx) for m in meetings)
    if not meetings:
        parts.append(HomeSection(texts.overview.home_no_meetings()))
    parts.extend(
        _waiting_parts(session, network, person, seat if coordinator else None, ctx, counts)
    )
    if coordinator and meetings:
        # Who comes as it stands (substitutes in, regrets out), and a picker per open seat.
        picks, suggestions = flexible_picks(session, meetings[0], seat.municipality_code)
        coming = coming_section(session, meetings[0], seat.municipality_code)
        intro = (
            texts.overview.home_picks_intro(texts.meetings.meeting_name(meetings[0]))
            if picks
            else ""
        )
        parts.append(HomeHeader(texts.overview.HOME_PICKS_HEADER))
        parts.append(
            HomeSection(
                f"{coming}\n\n{intro}".strip(),
                picks=picks,
                context=suggestions if picks else None,
            )
        )
    return parts


def _coming_meetings(
    session: Session, network: Network, now: datetime, limit: int
) -> list[Meeting]:
    """The next ``limit`` meetings that are not cancelled."""
    coming = meeting_domain.upcoming(session, network, now)
    return [m for m in coming if m.status != MeetingStatus.CANCELLED.value][:limit]


def _meeting_section(
    session: Session,
    meeting: Meeting,
    person: Person,
    seat: Seat | None,
    approved: bool,
    ctx: HomeContext,
) -> HomeSection:
    text = texts.meetings.meeting_summary(meeting, ctx.tz)
    if not approved:
        return HomeSection(text)
    status, substitute = answer_of(session, meeting, person, seat)
    found = substitution_of(session, meeting, person)
    note = "\n" + texts.consent.substitution_note(*found) if found is not None else ""
    return HomeSection(
        text + texts.overview.home_meeting_answer(status, substitute) + note,
        buttons=(
            Button(texts.consent.YES_BUTTON, Action.ATTEND_YES, str(meeting.id), "primary"),
            Button(texts.consent.NO_BUTTON, Action.ATTEND_NO, str(meeting.id)),
        ),
    )


def _substitute_parts(
    session: Session, network: Network, person: Person, ctx: HomeContext
) -> list[HomePart]:
    """Coming meetings someone without a seat goes to as a substitute, with their Ja/Nej."""
    meetings = [
        m
        for m in _coming_meetings(session, network, ctx.now, HOME_MEETINGS)
        if session.scalars(
            select(Attendance.id).where(
                Attendance.meeting_id == m.id,
                Attendance.person_id == person.id,
                Attendance.role == "substitute",
            )
        ).first()
        is not None
    ]
    if not meetings:
        return []
    return [
        HomeHeader(texts.overview.HOME_MEETINGS_HEADER),
        *(_meeting_section(session, m, person, None, True, ctx) for m in meetings),
    ]


def _waiting_parts(
    session: Session,
    network: Network,
    person: Person,
    coordinator_seat: Seat | None,
    ctx: HomeContext,
    counts: dict[str, int],
    *,
    quiet: bool = False,
) -> list[HomePart]:
    """Offers to the person, and (for a coordinator) registrations to approve."""
    offers = _offers(session, network, person, ctx)
    requests = (
        _requests(session, network, coordinator_seat.municipality_code, ctx)
        if coordinator_seat is not None
        else []
    )
    counts["offers"] = len(offers)
    counts["requests"] = counts.get("requests", 0) + len(requests)
    if quiet and not offers and not requests:
        return []
    parts: list[HomePart] = [HomeHeader(texts.overview.HOME_WAITING_HEADER)]
    parts.extend(offers[:LIST_LIMIT])
    if len(offers) > LIST_LIMIT:
        parts.append(_see_all(HomeList.OFFERS, LIST_LIMIT, len(offers)))
    parts.extend(requests[:LIST_LIMIT])
    if len(requests) > LIST_LIMIT:
        parts.append(_see_all(HomeList.REQUESTS, LIST_LIMIT, len(requests)))
    if not offers and not requests:
        parts.append(HomeSection(texts.overview.home_nothing_waiting()))
    return parts


def _offers(
    session: Session, network: Network, person: Person, ctx: HomeContext
) -> list[HomeSection]:
    rows = session.execute(
        select(SeatOffer, Person, Seat, Municipality, Meeting)
        .join(Person, Person.id == SeatOffer.from_person_id)
        .join(Seat, Seat.id == SeatOffer.seat_id)
        .join(Municipality, Municipality.code == Seat.municipality_code)
        .outerjoin(Meeting, Meeting.id == SeatOffer.meeting_id)
        .where(
            SeatOffer.network_id == network.id,
            SeatOffer.to_person_id == person.id,
            SeatOffer.status == OfferStatus.PENDING.value,
            SeatOffer.expires_at > ctx.now,
        )
        .order_by(SeatOffer.created_at, SeatOffer.id)
    ).all()
    return [
        HomeSection(
            texts.consent.offer_text(
                offer.kind,
                offerer.name,
                texts.common.seat_label(SeatKind(seat.kind), seat.slot, definite=True),
                municipality.name,
                texts.meetings.meeting_name(meeting) if meeting is not None else None,
                format_when(offer.expires_at, ctx.tz),
            ),
            buttons=(
                Button(texts.consent.ACCEPT_BUTTON, Action.OFFER_ACCEPT, str(offer.id), "primary"),
                Button(texts.consent.DECLINE_BUTTON, Action.OFFER_DECLINE, str(offer.id)),
            ),
        )
        for offer, offerer, seat, municipality, meeting in rows
    ]


def _requests(
    session: Session, network: Network, code: int | None, ctx: HomeContext
) -> list[HomeSection]:
    """Pending registrations: a coordinator's (``code``), or those waiting for a facilitator."""
    query = (
        select(SeatRequest, Person, Seat, Municipality)
        .join(Person, Person.id == SeatRequest.person_id)
        .join(Seat, Seat.id == SeatRequest.seat_id)
        .join(Municipality, Municipality.code == Seat.municipality_code)
        .where(
            SeatRequest.network_id == network.id,
            SeatRequest.status == RequestStatus.PENDING.value,
        )
        .order_by(SeatRequest.created_at, SeatRequest.id)
    )
    if code is None:
        query = query.where(SeatRequest.approver == "facilitator")
    else:
        query = query.where(SeatRequest.approver == "coordinator", Seat.municipality_code == code)
    return [
        HomeSection(
            texts.consent.approval_request(
                applicant.name,
                applicant.title,
                texts.common.seat_label(SeatKind(seat.kind), seat.slot, definite=True),
                municipality.name,
                request.approver == "facilitator",
                RequestStatus.PENDING.value,
            )[0],
            buttons=(
                Button(
                    texts.consent.APPROVE_BUTTON, Action.REQUEST_APPROVE, str(request.id), "primary"
                ),
                Button(
                    texts.consent.REJECT_BUTTON, Action.REQUEST_REJECT, str(request.id), "danger"
                ),
            ),
            context=f"{texts.common.format_short_datetime(request.created_at, ctx.tz)}",
        )
        for request, applicant, seat, municipality in session.execute(query).all()
    ]


# -- a whole list ("Se alle") ---------------------------------------------------------------------


def home_list(
    session: Session, network: Network, user_id: str, which: HomeList, ctx: HomeContext
) -> list[str]:
    """The lines of one of the Home's lists, in full, for the person asking."""
    facilitator = is_facilitator(session, network, user_id)
    person = _person(session, user_id)
    if which is HomeList.OFFERS:
        sections = _offers(session, network, person, ctx) if person is not None else []
        return [s.text for s in sections]
    if which is HomeList.REQUESTS:
        seat = seat_of(session, network, person) if person is not None else None
        coordinator = (
            seat is not None
            and seat.kind == SeatKind.FIXED.value
            and seat.status == SeatStatus.HELD.value
        )
        if not facilitator and not coordinator:
            raise DomainError(ErrorKind.NOT_APPROVER)
        found = _requests(session, network, None, ctx) if facilitator else []
        if coordinator and seat is not None:
            found += _requests(session, network, seat.municipality_code, ctx)
        return [f"• {s.text}" for s in found]
    if not facilitator:
        raise DomainError(ErrorKind.NOT_FACILITATOR)
    if which is HomeList.ABSENT:
        meeting = _coming_meetings(session, network, ctx.now, 1)
        names = (
            _absent(session, network, meeting[0], standings(session, network)) if meeting else []
        )
        return [", ".join(names)] if names else []
    return _deliveries(session, ctx, None)[0]
