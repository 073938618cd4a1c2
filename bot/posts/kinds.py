"""Every kind of post the outbox carries, and the idempotency key of each.

A key names one post for good: planning inserts it or finds it there (insert-or-ignore), so the
same post is never planned twice. Keys carry internal ids only, never a platform's user ids.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class PostKind(StrEnum):
    # A meeting's scheduled posts, to the channel and by direct message.
    ANNOUNCE = "announce"
    ANNOUNCE_DM = "announce_dm"
    AGENDA = "agenda"
    AGENDA_UPDATE = "agenda_update"  # the posted agenda, updated in place
    CONFIRM_DM = "confirm_dm"  # "Kommer du stadig?"
    REMINDER = "reminder"
    REMINDER_DM = "reminder_dm"
    STARTING = "starting"
    # Notices of a change, to those already told about the meeting.
    MOVED = "moved"
    MOVED_DM = "moved_dm"
    CANCELLED = "cancelled"
    CANCELLED_DM = "cancelled_dm"
    NEWS = "news"  # "Nyt fra KL" to the channel
    # To the facilitator who created a meeting whose link or address is missing: a reminder two
    # days before the announcement, and word (once) when its posts wait for the place.
    PLACE_REMINDER = "place_reminder"
    PLACE_WAITING = "place_waiting"
    # One row standing for many direct messages until it is due (planner.expand_fanout).
    FANOUT = "fanout"
    # Re-render an earlier post from the current state and update it in place.
    REFRESH = "refresh"
    # Seat changes with consent.
    OFFER = "offer"
    OFFER_RESULT = "offer_result"
    APPROVAL = "approval"
    APPROVAL_RESULT = "approval_result"
    REGRETS_NOTICE = "regrets_notice"
    ADMIN_NOTICE = "admin_notice"
    SUBSTITUTE_NOTICE = "substitute_notice"  # to a holder whose seat a substitute takes
    # Data protection: a seat left free by an erasure or a deactivated account, and removing a
    # direct message the bot sent someone who was erased.
    SEAT_FREED = "seat_freed"
    # A municipality lost its coordinator: its other holders are offered the fixed seat.
    FIXED_SEAT_OFFER = "fixed_seat_offer"
    DELETE = "delete"
    # To the facilitators, about posts that failed.
    DEAD_NOTICE = "dead_notice"
    MISSED_NOTICE = "missed_notice"
    LOOKUP_NOTICE = "lookup_notice"  # Klimanet cannot look its own posts up in the platform
    # A person's App Home, published again after their state changed (posts/home.py).
    HOME = "home"
    # Polls (afstemning): the poll in the channel (its turnout updated in place by REFRESH),
    # the coordinators' reminder 24 hours before closing, the result, and the notice to a
    # municipality's holders that another holder changed its vote.
    POLL = "poll"
    POLL_REMINDER_DM = "poll_reminder_dm"
    POLL_RESULT = "poll_result"
    POLL_CHANGED_DM = "poll_changed_dm"
    # KL's weekly digest to each facilitator (posts/digest.py).
    DIGEST = "digest"
    # The loop after a meeting (posts/loop.py): its material to the channel (later material
    # updates that post in place) and by direct message; the facilitators' attendance list;
    # "Hvordan var mødet?" the day after.
    MATERIAL = "material"
    MATERIAL_DM = "material_dm"
    MATERIAL_UPDATE = "material_update"
    ATTENDANCE_DM = "attendance_dm"
    FEEDBACK_DM = "feedback_dm"
    # Nudges before a themed meeting: to coordinators with a free flexible seat, and to the
    # facilitators two days before (who has not answered, which municipalities have nobody).
    NUDGE_DM = "nudge_dm"
    NUDGE_FACILITATORS = "nudge_facilitators"
    # To the facilitators: a seat holder left the network's place in the chat platform (in
    # Teams, removed from its team), with a button that frees the seat (posts/departures.py).
    DEPARTED_NOTICE = "departed_notice"


# Notices about other posts; there is never a notice about one of these.
FACILITATOR_NOTICES = frozenset(
    {PostKind.DEAD_NOTICE, PostKind.MISSED_NOTICE, PostKind.LOOKUP_NOTICE}
)


def meeting_key(kind: str, meeting_id: int, version: int | None, target: str) -> str:
    """A meeting's post: ``version`` (the meeting's schedule version) marks scheduled posts,
    so a move makes them stale; notices carry their own tag in ``target``."""
    versioned = f":v={version}" if version is not None else ""
    return f"{kind}:meeting={meeting_id}{versioned}:{target}"


def person_target(prefix: str, person_id: int) -> str:
    """The key of one direct message expanded from a fan-out row's key prefix."""
    return f"{prefix}:person={person_id}"


def agenda_update_key(meeting_id: int, revision: int) -> str:
    return f"{PostKind.AGENDA_UPDATE}:meeting={meeting_id}:rev={revision}:channel"


def news_key(news_id: int) -> str:
    return f"{PostKind.NEWS}:{news_id}:channel"


def offer_key(offer_id: int) -> str:
    return f"{PostKind.OFFER}:{offer_id}:to"


def offer_result_key(offer_id: int, status: str) -> str:
    return f"{PostKind.OFFER_RESULT}:{offer_id}:{status}"


def refresh_key(of_key: str, status: str) -> str:
    """Updating the post ``of_key`` after its subject reached ``status``."""
    return f"{PostKind.REFRESH}:{of_key}:{status}"


def approver_tag(person_id: int | None, position: int) -> str:
    """Who an approval request or a notice goes to, by internal id: the person, or (for a
    facilitator Klimanet knows only by a configured chat id) their place in the list."""
    return f"person={person_id}" if person_id is not None else f"facilitator={position}"


def approval_key(request_id: int, approver: str) -> str:
    """``approver``: an ``approver_tag``."""
    return f"{PostKind.APPROVAL}:{request_id}:{approver}"


def approval_prefix(request_id: int) -> str:
    """Every approval request sent for one registration starts with this."""
    return f"{PostKind.APPROVAL}:{request_id}:"


def approval_result_key(request_id: int) -> str:
    return f"{PostKind.APPROVAL_RESULT}:{request_id}"


def regrets_key(meeting_id: int, seat_id: int, person_id: int) -> str:
    return f"regrets:{meeting_id}:{seat_id}:{person_id}"


def substitute_notice_key(offer_id: int) -> str:
    return f"{PostKind.SUBSTITUTE_NOTICE}:offer={offer_id}"


def admin_notice_key(seat_id: int, at: datetime, person_id: int) -> str:
    return f"admin:{seat_id}:{at.isoformat()}:person={person_id}"


def facilitator_notice_key(kind: str, outbox_id: int, position: int) -> str:
    """A notice about an outbox row to the facilitator at ``position`` in the list."""
    return f"{kind}:outbox={outbox_id}:facilitator={position}"


def seat_freed_key(event_id: int, recipient: str) -> str:
    """``recipient``: an ``approver_tag`` (the coordinator, or a facilitator by place)."""
    return f"{PostKind.SEAT_FREED}:event={event_id}:{recipient}"


def fixed_seat_offer_prefix(seat_id: int) -> str:
    """Every offer of the free fixed seat ``seat_id`` starts with this."""
    return f"{PostKind.FIXED_SEAT_OFFER}:seat={seat_id}:"


def fixed_seat_offer_key(seat_id: int, event_id: int, person_id: int) -> str:
    """The offer to ``person_id`` of the fixed seat freed by the history event ``event_id``."""
    return f"{fixed_seat_offer_prefix(seat_id)}event={event_id}:person={person_id}"


def delete_key(outbox_id: int) -> str:
    """Deleting the message the outbox row ``outbox_id`` posted."""
    return f"{PostKind.DELETE}:outbox={outbox_id}"


def lookup_notice_key(what: str, position: int) -> str:
    """Once per missing permission (``what``) and facilitator (by place in the list)."""
    return f"{PostKind.LOOKUP_NOTICE}:{what}:facilitator={position}"


def home_key(target: str, due_at: datetime) -> str:
    """One App Home refresh per person (``person=7``, or ``user=U…`` for a facilitator we have no
    person for) per refresh window: every change within the window shares the one row."""
    return f"{PostKind.HOME}:{target}:at={due_at.isoformat()}"


def poll_key(poll_id: int) -> str:
    """The poll's post in the channel (updated in place as municipalities vote)."""
    return f"{PostKind.POLL}:poll={poll_id}:channel"


def poll_reminder_fanout_key(poll_id: int, version: int) -> str:
    """The reminder planned for one closing time; a new closing time plans a new one."""
    return f"{PostKind.POLL_REMINDER_DM}:poll={poll_id}:v={version}:fanout"


def poll_reminder_key(poll_id: int, person_id: int) -> str:
    """One reminder per coordinator and poll, whatever the closing time became."""
    return f"{PostKind.POLL_REMINDER_DM}:poll={poll_id}:person={person_id}"


def poll_result_key(poll_id: int) -> str:
    """The result, once per poll: an extension moves this row, never plans a second."""
    return f"{PostKind.POLL_RESULT}:poll={poll_id}:channel"


def poll_changed_key(ballot_id: int, revision: int, person_id: int) -> str:
    return f"{PostKind.POLL_CHANGED_DM}:ballot={ballot_id}:rev={revision}:person={person_id}"


def digest_fanout_key(week: str) -> str:
    """The one row that stands for a week's digests until it is due: ``week`` like 2026-W50."""
    return f"{PostKind.DIGEST}:week={week}:fanout"


def digest_key(week: str, recipient: str) -> str:
    """One facilitator's digest of the week; ``recipient``: an ``approver_tag``."""
    return f"{PostKind.DIGEST}:week={week}:{recipient}"


def material_key(meeting_id: int) -> str:
    """The meeting's material in the channel: posted once, then updated in place."""
    return f"{PostKind.MATERIAL}:meeting={meeting_id}:channel"


def material_dm_key(meeting_id: int) -> str:
    """The fan-out of the first material by direct message (once per meeting)."""
    return f"{PostKind.MATERIAL_DM}:meeting={meeting_id}:fanout"


def material_update_key(meeting_id: int, material_id: int) -> str:
    return f"{PostKind.MATERIAL_UPDATE}:meeting={meeting_id}:material={material_id}:channel"


def facilitator_target(prefix: str, position: int) -> str:
    """The key of one direct message to a facilitator (by place in the list), expanded from a
    fan-out row's key prefix."""
    return f"{prefix}:facilitator={position}"


def departed_prefix(person_id: int, seat_id: int) -> str:
    """Every facilitator's notice that ``person_id`` left while holding ``seat_id``."""
    return f"{PostKind.DEPARTED_NOTICE}:person={person_id}:seat={seat_id}:"


def departed_key(person_id: int, seat_id: int, recipient: str) -> str:
    """``recipient``: an ``approver_tag`` (a facilitator by place)."""
    return f"{departed_prefix(person_id, seat_id)}{recipient}"
