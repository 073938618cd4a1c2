"""Posts that a command or a click sets off at once: consent requests and their answers, notices
to coordinators and holders, news. Each is an outbox row rendered from the current state when it
is sent, so a decision made elsewhere in the meantime shows in the message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import OfferStatus, OutboxMessage, OutboxStatus, Person, Seat, SeatOffer
from bot.posts import kinds
from bot.posts.kinds import PostKind
from bot.posts.outbox import Claimed, Planned, enqueue


def offer_made(session: Session, offer: SeatOffer, target: Person, now: datetime) -> None:
    """The consent request to the person an offer is for (a substitute's tells them about the
    meeting, so it belongs to the meeting)."""
    enqueue(
        session,
        [
            Planned(
                kinds.offer_key(offer.id),
                PostKind.OFFER,
                target.account,
                now,
                offer.meeting_id,
                {"offer_id": offer.id},
                person_id=target.id,
            )
        ],
        now,
    )


def offer_decided(
    session: Session, offer: SeatOffer, now: datetime, *, refresh: bool = True
) -> None:
    """Update the consent request in place, and tell the offerer how it ended (unless they
    withdrew it themselves). ``refresh=False``: the request's recipient is gone, leave it."""
    rows = [_refresh(kinds.offer_key(offer.id), offer.status, now)] if refresh else []
    offerer = session.get(Person, offer.from_person_id)
    if offerer is not None and offer.status != OfferStatus.WITHDRAWN.value:
        rows.append(
            Planned(
                kinds.offer_result_key(offer.id, offer.status),
                PostKind.OFFER_RESULT,
                offerer.account,
                now,
                None,
                {"offer_id": offer.id},
                person_id=offerer.id,
            )
        )
    enqueue(session, rows, now)


def approval_requested(
    session: Session, request_id: int, approvers: Sequence[tuple[str, int | None]], now: datetime
) -> None:
    """Ask each approver (user id, person id if they are a person we know) to decide."""
    enqueue(
        session,
        [
            Planned(
                kinds.approval_key(request_id, kinds.approver_tag(person_id, position)),
                PostKind.APPROVAL,
                user_id,
                now,
                None,
                {"request_id": request_id},
                person_id=person_id,
            )
            for position, (user_id, person_id) in enumerate(approvers, 1)
        ],
        now,
    )


def approval_decided(
    session: Session, request_id: int, status: str, applicant: Person, now: datetime
) -> None:
    """Update every approval request that went out, and tell the applicant."""
    sent = session.scalars(
        select(OutboxMessage.key).where(
            OutboxMessage.key.like(kinds.approval_prefix(request_id) + "%"),
            OutboxMessage.status == OutboxStatus.SENT.value,
        )
    ).all()
    rows = [_refresh(key, status, now) for key in sent]
    rows.append(
        Planned(
            kinds.approval_result_key(request_id),
            PostKind.APPROVAL_RESULT,
            applicant.account,
            now,
            None,
            {"request_id": request_id},
            person_id=applicant.id,
        )
    )
    enqueue(session, rows, now)


def regrets_noticed(
    session: Session,
    meeting_id: int,
    seat: Seat,
    absent: Person,
    coordinator: Person,
    now: datetime,
) -> None:
    """Ask the coordinator for a substitute after someone's regrets."""
    enqueue(
        session,
        [
            Planned(
                kinds.regrets_key(meeting_id, seat.id, absent.id),
                PostKind.REGRETS_NOTICE,
                coordinator.account,
                now,
                meeting_id,
                {"person_id": absent.id, "seat_id": seat.id},
                person_id=coordinator.id,
            )
        ],
        now,
    )


def substitute_taken(session: Session, offer: SeatOffer, holder: Person, now: datetime) -> None:
    """Tell the holder that a substitute someone else sent takes their seat at a meeting."""
    enqueue(
        session,
        [
            Planned(
                kinds.substitute_notice_key(offer.id),
                PostKind.SUBSTITUTE_NOTICE,
                holder.account,
                now,
                offer.meeting_id,
                {"offer_id": offer.id},
                person_id=holder.id,
            )
        ],
        now,
    )


def seat_set_by_facilitator(
    session: Session,
    seat: Seat,
    changes: Iterable[tuple[Person, bool]],
    reason: str,
    now: datetime,
) -> None:
    """Tell each person who gained (True) or lost (False) a seat by a facilitator's hand."""
    enqueue(
        session,
        [
            Planned(
                kinds.admin_notice_key(seat.id, now, person.id),
                PostKind.ADMIN_NOTICE,
                person.account,
                now,
                None,
                {"seat_id": seat.id, "gained": gained, "reason": reason},
                person_id=person.id,
            )
            for person, gained in changes
        ],
        now,
    )


def news_posted(session: Session, news_id: int, channel: str, now: datetime) -> None:
    # The network's news, not a meeting's: cancelling the meeting must not swallow it.
    enqueue(
        session,
        [Planned(kinds.news_key(news_id), PostKind.NEWS, channel, now, None, {"news_id": news_id})],
        now,
    )


def facilitators_told(
    session: Session,
    rows: Iterable[Claimed],
    facilitators: Sequence[str],
    kind: PostKind,
    reason: str,
    now: datetime,
) -> None:
    """Tell the facilitators which posts failed (``dead_notice``) or were missed."""
    notices = [
        Planned(
            kinds.facilitator_notice_key(kind, row.id, position),
            kind,
            user,
            now,
            row.meeting_id,
            {
                "kind": row.kind,
                "recipient": row.recipient,
                "error": reason,
                "due_at": row.due_at.isoformat(),
            },
        )
        for row in rows
        # Never a notice about a notice; a Home that could not be refreshed is shown fresh the
        # next time its person opens it.
        if row.kind not in kinds.FACILITATOR_NOTICES and row.kind != PostKind.HOME
        for position, user in enumerate(facilitators, 1)
    ]
    enqueue(session, notices, now)


def lookup_unavailable(
    session: Session, what: str, needed: str, facilitators: Sequence[str], now: datetime
) -> None:
    """Tell the facilitators, once, that posts of unknown fate cannot be looked up."""
    enqueue(
        session,
        [
            Planned(
                kinds.lookup_notice_key(what, position),
                PostKind.LOOKUP_NOTICE,
                user,
                now,
                payload={"needed": needed},
            )
            for position, user in enumerate(facilitators, 1)
        ],
        now,
    )


def _refresh(of_key: str, status: str, now: datetime) -> Planned:
    return Planned(
        kinds.refresh_key(of_key, status), PostKind.REFRESH, "-", now, None, {"key": of_key}
    )
