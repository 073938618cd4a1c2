"""Rendering the posts after a meeting (``bot.posts.loop``), from the data at send time."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.domain import loop as domain
from bot.domain.seats.attendance import expected_at, roster, seats_at
from bot.models import AttendanceStatus, Meeting, MeetingStatus, Network, SeatKind
from bot.posts import loop
from bot.posts.kinds import PostKind
from bot.posts.outbox import Claimed, sent_message
from bot.posts.rendering import RenderContext, Rendered
from bot.replies import Action, Button, HomeAction, Posted, Reply
from bot.texts import loop as texts

# Slack allows 25 buttons in a row of actions: the list goes in pieces with their buttons.
PEOPLE_PER_PIECE = 20
# People beyond this are listed and marked with the command only (a message holds 50 blocks).
MAX_PRESENCE_BUTTONS = 100


def _meeting(session: Session, row: Claimed) -> tuple[Meeting, Network] | None:
    meeting = session.get(Meeting, row.meeting_id) if row.meeting_id is not None else None
    if meeting is None or meeting.status == MeetingStatus.CANCELLED.value:
        return None
    if ":v=" in row.key and f":v={meeting.schedule_version}:" not in row.key:
        return None  # planned for a time the meeting no longer has
    network = session.get(Network, meeting.network_id)
    return (meeting, network) if network is not None else None


def material_reply(session: Session, meeting: Meeting, tz: ZoneInfo, *, direct: bool) -> Reply:
    found = domain.materials(session, [meeting.id]).get(meeting.id, [])
    pairs = [(m.url, m.title) for m in found]
    return Reply(tuple(texts.material_post(meeting, pairs, tz, direct=direct)), public=not direct)


def _material(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    found = _meeting(session, row)
    if found is None:
        return None
    return Rendered(material_reply(session, found[0], ctx.tz, direct=False))


def _material_update(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    found = _meeting(session, row)
    where = sent_message(session, str(row.payload.get("of", "")))
    if found is None or where is None:
        return None
    return Rendered(
        material_reply(session, found[0], ctx.tz, direct=False), update_of=Posted(*where)
    )


def _to_recipient(
    build: Callable[[Session, Meeting, Network, RenderContext], Reply],
) -> Callable[[Session, Claimed, RenderContext], Rendered | None]:
    """A direct message, only while its person is still one it is for."""

    def render(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
        found = _meeting(session, row)
        if found is None or not loop.is_recipient(session, found[1], found[0], row):
            return None
        return Rendered(build(session, found[0], found[1], ctx))

    return render


def attendance_reply(session: Session, network: Network, meeting: Meeting, tz: ZoneInfo) -> Reply:
    """The facilitators' attendance list with a button per person, and one to confirm."""
    lines = domain.presence_list(session, network, meeting)
    confirmed = domain.is_confirmed(session, meeting)
    sections = texts.attendance_list(
        meeting,
        [(x.person.name, x.municipality, x.present, x.answer) for x in lines],
        tz,
        confirmed=confirmed,
    )
    if confirmed or not lines:
        return Reply(tuple(sections))
    head, _body, *rest = sections
    pieces: list[str] = []
    buttons: list[Button] = []
    for start in range(0, len(lines), PEOPLE_PER_PIECE):
        chunk = lines[start : start + PEOPLE_PER_PIECE]
        body = texts.attendance_list(
            meeting,
            [(x.person.name, x.municipality, x.present, x.answer) for x in chunk],
            tz,
            confirmed=False,
        )[1]
        # Numbered across the pieces, as ``fremmøde <nr> <nummer>`` reads them.
        renumbered = "\n".join(
            f"{start + i}.{line.split('.', 1)[1]}" for i, line in enumerate(body.split("\n"), 1)
        )
        pieces.append(renumbered)
        if start < MAX_PRESENCE_BUTTONS:
            under = 1 + len(pieces) - 1
            buttons.extend(
                Button(
                    texts.presence_button(x.person.name, x.present),
                    Action.PRESENCE_TOGGLE,
                    f"{meeting.id}:{x.person.id}",
                    under=under,
                )
                for x in chunk
            )
    buttons.append(
        Button(texts.CONFIRM_PRESENCE_BUTTON, Action.PRESENCE_CONFIRM, str(meeting.id), "primary")
    )
    return Reply((head, *pieces, *rest), buttons=tuple(buttons))


def _attendance(session: Session, meeting: Meeting, network: Network, ctx: RenderContext) -> Reply:
    return attendance_reply(session, network, meeting, ctx.tz)


def _feedback(session: Session, meeting: Meeting, network: Network, ctx: RenderContext) -> Reply:
    buttons = tuple(
        Button(label, Action.FEEDBACK_RATE, f"{meeting.id}:{label}")
        for label in texts.FEEDBACK_LABELS
    ) + (Button(texts.FEEDBACK_COMMENT_BUTTON, HomeAction.FEEDBACK_FORM, str(meeting.id)),)
    return Reply(tuple(texts.feedback_question(meeting, ctx.tz)), buttons=buttons)


def _material_dm(session: Session, meeting: Meeting, network: Network, ctx: RenderContext) -> Reply:
    return material_reply(session, meeting, ctx.tz, direct=True)


def _nudge(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    """The coordinator's nudge: only while the meeting has themes and their municipality still
    has a free flexible seat (``loop.nudged_coordinators``, through ``is_recipient``)."""
    found = _meeting(session, row)
    if found is None or not loop.is_recipient(session, found[1], found[0], row):
        return None
    meeting, network = found
    coordinator = next(
        e
        for e in loop.nudged_coordinators(session, network, meeting)
        if e.person.id == row.person_id
    )
    free = sum(
        1
        for seat, _entry in seats_at(session, network, meeting, coordinator.seat.municipality_code)
        if seat.kind == SeatKind.FLEXIBLE.value and seat.holder_id is None
    )
    # The registration form, filled in with the municipality and a flexible seat: for the
    # colleague the coordinator has in mind (the form registers whoever fills it in).
    prefill = f"{coordinator.seat.municipality_code}:{SeatKind.FLEXIBLE.value}"
    return Rendered(
        Reply(
            tuple(
                texts.nudge_free_seat(
                    meeting, coordinator.municipality, meeting.themes, free, ctx.tz
                )
            ),
            buttons=(
                Button(texts.REGISTER_COLLEAGUE_BUTTON, HomeAction.REGISTER_PREFILLED, prefill),
            ),
        )
    )


def _nudge_facilitators(
    session: Session, meeting: Meeting, network: Network, ctx: RenderContext
) -> Reply:
    unanswered = [
        (e.person.name, e.municipality)
        for e in expected_at(session, network, meeting)
        if e.status == AttendanceStatus.EXPECTED.value
    ]
    nobody = [m.name for m in roster(session, network, meeting) if m.coming == 0]
    return Reply(tuple(texts.nudge_facilitators(meeting, unanswered, nobody, ctx.tz)))


LOOP_RENDERERS: dict[str, Callable[[Session, Claimed, RenderContext], Rendered | None]] = {
    PostKind.MATERIAL: _material,
    PostKind.MATERIAL_UPDATE: _material_update,
    PostKind.MATERIAL_DM: _to_recipient(_material_dm),
    PostKind.ATTENDANCE_DM: _to_recipient(_attendance),
    PostKind.FEEDBACK_DM: _to_recipient(_feedback),
    PostKind.NUDGE_DM: _nudge,
    PostKind.NUDGE_FACILITATORS: _to_recipient(_nudge_facilitators),
}
