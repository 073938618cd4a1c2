"""From the database to the records KL's pictures and files are drawn from (``bot.reports``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.membership import Standing, members
from bot.domain.seats.history import history
from bot.domain.seats.rule import seat_slots
from bot.domain.seats.turnout import (
    SeatTurnout,
    municipality_answer,
    overview_meetings,
    turnout,
)
from bot.models import (
    Meeting,
    MeetingFeedback,
    Municipality,
    Network,
    Person,
    Seat,
    SeatKind,
    SeatStatus,
)
from bot.reports import (
    AttendanceCell,
    AttendanceExportRow,
    AttendanceMark,
    ExportFormat,
    FeedbackExportRow,
    HistoryExportRow,
    MapState,
    MeetingColumn,
    MemberExportRow,
    MunicipalityState,
    ThemeRow,
)
from bot.reports.attendance import DEFAULT_HELD
from bot.service.context import Context
from bot.service.parsing import ascii_number, fold, tokens
from bot.texts import reports as report_texts

FORMATS: tuple[ExportFormat, ...] = ("xlsx", "csv")
MAX_HELD = 24  # columns of the heatmap that stay readable 1,000 px wide


# -- from the database to the records the pictures and files are drawn from ----------------------


@dataclass(frozen=True, slots=True)
class AttendanceData:
    columns: tuple[MeetingColumn, ...]
    turnout: list[SeatTurnout]


@dataclass(frozen=True, slots=True)
class ThemesData:
    rows: tuple[ThemeRow, ...]
    themes: tuple[str, ...]
    meeting: str | None
    focus: tuple[str, ...]


def map_state(standing: Standing) -> MapState:
    if standing.is_member:
        return MapState.FULL if standing.filled >= standing.seats else MapState.FREE_SEATS
    return MapState.PENDING if standing.only_pending else MapState.NOT_MEMBER


def map_states(found: Sequence[Standing]) -> tuple[MunicipalityState, ...]:
    return tuple(
        MunicipalityState(
            s.code,
            s.name,
            s.region,
            map_state(s),
            s.filled if s.is_member else 0,
            s.seats if s.is_member else 0,
        )
        for s in found
    )


def meeting_count(args: str) -> int:
    word = (tokens(args) or [""])[0]
    if not word:
        return DEFAULT_HELD
    count = ascii_number(word, digits=3)
    if count is None or not 1 <= count <= MAX_HELD:
        raise DomainError(
            ErrorKind.NUMBER_INVALID, value=word, field=report_texts.meeting_count_field(MAX_HELD)
        )
    return count


def meeting_column(meeting: Meeting, ctx: Context) -> MeetingColumn:
    return MeetingColumn(
        meeting.id,
        meeting.starts_at.astimezone(ctx.tz).date(),
        held=meeting.ends_at <= ctx.now(),
    )


def attendance_cells(
    found: Sequence[Standing], seats: Sequence[SeatTurnout]
) -> tuple[AttendanceCell, ...]:
    """Each current member at each meeting it was expected at (or answered for)."""
    codes = {s.code for s in found}
    by_cell: dict[tuple[int, int], list[SeatTurnout]] = {}
    for seat in seats:
        if seat.municipality_code in codes:
            by_cell.setdefault((seat.municipality_code, seat.meeting_id), []).append(seat)
    cells = []
    for (code, meeting_id), answers in by_cell.items():
        answer = municipality_answer([a.answer for a in answers])
        if answer is not None:
            cells.append(AttendanceCell(code, meeting_id, AttendanceMark(answer.value)))
    return tuple(sorted(cells, key=lambda c: (c.meeting_id, c.municipality_code)))


def holders_by_municipality(
    session: Session, network: Network, codes: Sequence[int]
) -> dict[int, list[tuple[Seat, Person]]]:
    """Per municipality: its seats with a holder (approved or waiting), fixed seat first."""
    rows = session.execute(
        select(Seat, Person)
        .join(Person, Person.id == Seat.holder_id)
        .where(Seat.network_id == network.id, Seat.municipality_code.in_(codes))
        .order_by(Seat.municipality_code, Seat.kind != SeatKind.FIXED.value, Seat.slot)
    ).all()
    found: dict[int, list[tuple[Seat, Person]]] = {}
    for seat, person in rows:
        found.setdefault(seat.municipality_code, []).append((seat, person))
    return found


def theme_matrix_rows(
    session: Session, network: Network, found: Sequence[Standing]
) -> list[ThemeRow]:
    holders = holders_by_municipality(session, network, [s.code for s in found])
    return [
        ThemeRow(
            s.code,
            s.name,
            s.region,
            tuple(
                tuple(person.themes or ())
                for seat, person in holders.get(s.code, [])
                if seat.status == SeatStatus.HELD.value
            ),
        )
        for s in found
    ]


def seat_name(kind: str, slot: int) -> str:
    return texts.common.seat_label_capitalised(SeatKind(kind), slot)


def member_export_rows(session: Session, network: Network) -> list[MemberExportRow]:
    found = members(session, network)
    seats = session.scalars(
        select(Seat)
        .where(Seat.network_id == network.id, Seat.municipality_code.in_([s.code for s in found]))
        .order_by(Seat.municipality_code, Seat.kind != SeatKind.FIXED.value, Seat.slot)
    ).all()
    by_code: dict[int, list[Seat]] = {}
    for seat in seats:
        by_code.setdefault(seat.municipality_code, []).append(seat)
    official = dict(
        session.execute(select(Municipality.code, Municipality.official_name)).tuples().all()
    )
    rows = []
    for standing in found:
        for seat in by_code.get(standing.code, []):
            holder = seat.holder
            waiting = holder is not None and seat.status != SeatStatus.HELD.value
            rows.append(
                MemberExportRow(
                    municipality=official.get(standing.code, standing.name),
                    region=standing.region,
                    seat=report_texts.seat_waiting(seat_name(seat.kind, seat.slot))
                    if waiting
                    else seat_name(seat.kind, seat.slot),
                    holder=holder.name if holder else None,
                    title=(holder.title or None) if holder else None,
                    fagomraader=tuple(holder.themes or ()) if holder else (),
                    since=seat.held_since if holder and not waiting else None,
                )
            )
    return rows


def attendance_export_rows(
    session: Session, network: Network, ctx: Context
) -> list[AttendanceExportRow]:
    meetings = overview_meetings(session, network)
    seats = turnout(session, network, meetings)
    wanted = {s.holder_id for s in seats if s.holder_id} | {
        s.substitute_id for s in seats if s.substitute_id
    }
    people = dict(
        session.execute(select(Person.id, Person.name).where(Person.id.in_(wanted))).tuples().all()
    )
    names = dict(session.execute(select(Municipality.code, Municipality.name)).tuples().all())
    shown = {
        m.id: (texts.meetings.meeting_name(m), m.starts_at.astimezone(ctx.tz).date())
        for m in meetings
    }
    labels = {(k.value, slot): seat_name(k.value, slot) for k, slot in seat_slots(session, network)}
    return [
        AttendanceExportRow(
            meeting=shown[s.meeting_id][0],
            day=shown[s.meeting_id][1],
            municipality=names.get(s.municipality_code, str(s.municipality_code)),
            seat=labels.get((s.kind, s.slot)) or seat_name(s.kind, s.slot),
            holder=people.get(s.holder_id) if s.holder_id else None,
            substitute=people.get(s.substitute_id) if s.substitute_id else None,
            answer=AttendanceMark(s.answer.value),
            confirmed=s.confirmed,
        )
        for s in seats
    ]


def history_export_rows(session: Session, network: Network, tz: ZoneInfo) -> list[HistoryExportRow]:
    return [
        HistoryExportRow(
            at=line.at,
            municipality=line.municipality,
            seat=texts.common.seat_label_capitalised(line.kind, line.slot),
            event=texts.consent.history_event(line.action, line.meeting_at, tz),
            person=line.person,
            before=line.previous,
            by_whom=line.actor,
            reason=line.reason or None,
        )
        for line in history(session, network, None, limit=None)
    ]


def export_format(rest: str) -> ExportFormat:
    word = (tokens(rest) or [""])[0]
    if not word:
        return "xlsx"
    for fmt in FORMATS:
        if fold(word).lstrip(".") == fmt:
            return fmt
    raise DomainError(
        ErrorKind.OPTION_UNKNOWN, value=word, command="eksport", allowed=list(FORMATS)
    )


def feedback_export_rows(
    session: Session, network: Network, tz: ZoneInfo
) -> list[FeedbackExportRow]:
    """Every answer to "Hvordan var mødet?", by meeting: a name only where it was signed."""
    rows = []
    for meeting, answer, person in session.execute(
        select(Meeting, MeetingFeedback, Person)
        .join(MeetingFeedback, MeetingFeedback.meeting_id == Meeting.id)
        .join(Person, Person.id == MeetingFeedback.person_id)
        .where(Meeting.network_id == network.id)
        .order_by(Meeting.starts_at, MeetingFeedback.answered_at)
    ):
        signed = answer.signed and bool(answer.comment) and person.erased_at is None
        rows.append(
            FeedbackExportRow(
                meeting=texts.meetings.meeting_name(meeting),
                day=meeting.starts_at.astimezone(tz).date(),
                rating=answer.rating,
                comment=answer.comment,
                signed_by=person.name if signed else None,
            )
        )
    return rows
