"""A poll's posts: planned in the transaction that opens, votes in, extends or closes it;
rendered at delivery from the poll as it is then.

- the poll in the channel, a button per option; each change of a municipality's vote plans a
  REFRESH that updates it in place (the turnout, never who voted what);
- one reminder 24 hours before closing to the coordinator of each member municipality that has
  not voted by then (a fan-out row per closing time, one key per coordinator and poll);
- the result in the channel at closing, once (one key per poll; an extension moves the row);
- a notice to a municipality's holders when another holder changed its vote.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.domain import polls as poll_domain
from bot.domain.seats.common import coordinator_of
from bot.models import AddressedTo, Municipality, Network, OutboxMessage, OutboxStatus, Person, Poll
from bot.posts import kinds
from bot.posts.kinds import PostKind
from bot.posts.outbox import Claimed, Planned, enqueue
from bot.posts.rendering import RenderContext, Rendered
from bot.replies import Action, Attachment, Button, Reply
from bot.reports.poll_chart import render_poll_chart
from bot.texts import polls as poll_texts

REMINDER_BEFORE = timedelta(days=1)


def reminder_due(closes_at: datetime, tz: ZoneInfo) -> datetime:
    """24 hours before closing on Copenhagen's wall clock (the same hour the day before, also
    across a change to or from summer time)."""
    local = closes_at.astimezone(tz)
    day_before = (local - REMINDER_BEFORE).replace(tzinfo=None)
    return day_before.replace(tzinfo=tz).astimezone(closes_at.tzinfo)


def opened(session: Session, poll: Poll, channel: str, tz: ZoneInfo, now: datetime) -> None:
    """The poll to the channel now; the reminder and the result on the clock."""
    enqueue(
        session,
        [
            Planned(
                kinds.poll_key(poll.id),
                PostKind.POLL,
                channel,
                now,
                None,
                {"poll_id": poll.id},
                addressed_to=AddressedTo.PLACE,
            ),
            Planned(
                kinds.poll_result_key(poll.id),
                PostKind.POLL_RESULT,
                channel,
                poll.closes_at,
                None,
                {"poll_id": poll.id},
                addressed_to=AddressedTo.PLACE,
            ),
            *_closing_posts(poll, tz, now),
        ],
        now,
    )


def _closing_posts(poll: Poll, tz: ZoneInfo, now: datetime) -> list[Planned]:
    """What follows from the closing time: the reminder (unless closing is less than a day
    away) and the channel post updated without its buttons at closing."""
    rows = [
        Planned(
            kinds.refresh_key(kinds.poll_key(poll.id), f"closed-v{poll.version}"),
            PostKind.REFRESH,
            "-",
            poll.closes_at,
            None,
            {"key": kinds.poll_key(poll.id)},
            addressed_to=AddressedTo.PLACE,
        )
    ]
    due = reminder_due(poll.closes_at, tz)
    if due > now:
        rows.append(
            Planned(
                kinds.poll_reminder_fanout_key(poll.id, poll.version),
                PostKind.FANOUT,
                "-",
                due,
                None,
                {"poll_id": poll.id, "version": poll.version, "kind": PostKind.POLL_REMINDER_DM},
                addressed_to=AddressedTo.PERSON,
            )
        )
    return rows


def closing_moved(session: Session, poll: Poll, tz: ZoneInfo, now: datetime) -> None:
    """An extension or an early close: the result moves to the new closing time (still once),
    and the reminder and the final update are planned for it."""
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.key == kinds.poll_result_key(poll.id),
            OutboxMessage.status == OutboxStatus.PENDING.value,
        )
        .values(due_at=poll.closes_at)
        .execution_options(synchronize_session=False)
    )
    enqueue(session, _closing_posts(poll, tz, now), now)


def voted(
    session: Session,
    network: Network,
    poll: Poll,
    cast: poll_domain.Cast,
    voter: Person,
    now: datetime,
) -> None:
    """A municipality's vote changed: update the channel's turnout; and when another holder
    had cast it, tell the municipality's holders (but the one who changed it) who did."""
    tag = f"ballot={cast.ballot_id}:rev={cast.revision}" if cast.ballot_id else f"gone:{now}"
    rows = [
        Planned(
            kinds.refresh_key(kinds.poll_key(poll.id), tag),
            PostKind.REFRESH,
            "-",
            now,
            None,
            {"key": kinds.poll_key(poll.id)},
            addressed_to=AddressedTo.PLACE,
        )
    ]
    if not cast.first and cast.previous_voter_id != voter.id and cast.ballot_id is not None:
        for holder in poll_domain.holders_of(session, network, cast.municipality_code):
            if holder.id == voter.id:
                continue
            rows.append(
                Planned(
                    kinds.poll_changed_key(cast.ballot_id, cast.revision, holder.id),
                    PostKind.POLL_CHANGED_DM,
                    holder.account,
                    now,
                    None,
                    {
                        "poll_id": poll.id,
                        "voter_id": voter.id,
                        "code": cast.municipality_code,
                        "chosen": list(cast.chosen),
                    },
                    person_id=holder.id,
                    addressed_to=AddressedTo.PERSON,
                )
            )
    enqueue(session, rows, now)


def expand_reminders(session: Session, row: Claimed, now: datetime) -> int:
    """The reminder's fan-out, when due: one row per coordinator whose municipality has not
    voted, for the poll's current closing time only."""
    poll = session.get(Poll, int(row.payload.get("poll_id", 0)))
    if poll is None or poll.version != row.payload.get("version"):
        return 0
    if not poll_domain.is_open(poll, now):
        return 0
    network = session.get(Network, poll.network_id)
    assert network is not None
    return enqueue(
        session,
        [
            Planned(
                kinds.poll_reminder_key(poll.id, person.id),
                PostKind.POLL_REMINDER_DM,
                person.account,
                row.due_at,
                None,
                {"poll_id": poll.id, "code": code},
                person_id=person.id,
                addressed_to=AddressedTo.PERSON,
            )
            for person, code in poll_domain.coordinators_not_voted(session, network, poll)
        ],
        now,
    )


# -- rendering -------------------------------------------------------------------------------


def option_buttons(session: Session, poll: Poll) -> tuple[Button, ...]:
    return tuple(
        Button(option.label, Action.POLL_VOTE, f"{poll.id}:{option.id}")
        for option in poll_domain.options_of(session, poll)
    )


def _poll_of(session: Session, row: Claimed) -> tuple[Poll, Network] | None:
    poll = session.get(Poll, int(row.payload.get("poll_id", 0)))
    network = session.get(Network, poll.network_id) if poll is not None else None
    if poll is None or network is None:
        return None
    return poll, network


def _poll(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    found = _poll_of(session, row)
    if found is None:
        return None
    poll, network = found
    tally = poll_domain.tally(session, network, poll)
    is_open = poll_domain.is_open(poll, ctx.now)
    sections = poll_texts.poll_post(
        poll.number,
        poll.question,
        [label for label, _ in tally.counts],
        poll.closes_at,
        ctx.tz,
        multiple=poll.multiple,
        voted=tally.voted,
        members=tally.members,
        closed=not is_open,
    )
    buttons = option_buttons(session, poll) if is_open else ()
    return Rendered(Reply(tuple(sections), buttons=buttons, public=True))


def _result(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    found = _poll_of(session, row)
    if found is None:
        return None
    poll, network = found
    tally = poll_domain.tally(session, network, poll)
    sections = poll_texts.poll_result(
        poll.number, poll.question, tally.counts, tally.voted, tally.members
    )
    png = render_poll_chart(
        poll_texts.chart_title(poll.number, poll.question),
        poll_texts.chart_subtitle(tally.voted, tally.members),
        tally.counts,
    )
    chart = Attachment(
        poll_texts.CHART_FILENAME.format(number=poll.number),
        png.data,
        poll_texts.chart_title(poll.number, poll.question),
    )
    return Rendered(Reply(tuple(sections), public=True), attachment=chart)


def _reminder(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    """Only while it still holds: the poll open, the municipality not voted, the person its
    coordinator."""
    found = _poll_of(session, row)
    if found is None or row.person_id is None:
        return None
    poll, network = found
    code = int(row.payload.get("code", 0))
    coordinator = coordinator_of(session, network, code)
    if (
        not poll_domain.is_open(poll, ctx.now)
        or code in poll_domain.voted_codes(session, poll)
        or coordinator is None
        or coordinator.id != row.person_id
    ):
        return None
    municipality = session.get(Municipality, code)
    assert municipality is not None
    sections = poll_texts.reminder(
        poll.number, poll.question, poll.closes_at, ctx.tz, municipality.name
    )
    return Rendered(Reply(tuple(sections), buttons=option_buttons(session, poll)))


def _changed(session: Session, row: Claimed, ctx: RenderContext) -> Rendered | None:
    """To a holder of the municipality, while they still are one."""
    found = _poll_of(session, row)
    if found is None or row.person_id is None:
        return None
    poll, network = found
    code = int(row.payload.get("code", 0))
    if row.person_id not in {p.id for p in poll_domain.holders_of(session, network, code)}:
        return None
    voter = session.get(Person, int(row.payload.get("voter_id", 0)))
    municipality = session.get(Municipality, code)
    if voter is None or municipality is None:
        return None
    labels = {o.id: o.label for o in poll_domain.options_of(session, poll)}
    chosen = [labels[i] for i in row.payload.get("chosen", []) if i in labels]
    sections = poll_texts.vote_changed(
        poll.number, poll.question, voter.name, municipality.name, chosen
    )
    return Rendered(Reply(tuple(sections)))


POLL_RENDERERS: dict[str, Callable[[Session, Claimed, RenderContext], Rendered | None]] = {
    PostKind.POLL: _poll,
    PostKind.POLL_RESULT: _result,
    PostKind.POLL_REMINDER_DM: _reminder,
    PostKind.POLL_CHANGED_DM: _changed,
}
