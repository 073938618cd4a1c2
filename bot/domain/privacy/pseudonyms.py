"""Becoming a pseudonym: the person's own row keeps its id and loses everything that names them,
and the history's reasons that name them are blanked."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

# What a pseudonym is called (the history and every message show it in place of a name).
from bot.domain.privacy.common import pseudonym_name
from bot.domain.subscriptions import revoke_all as revoke_calendar_links
from bot.models import (
    AdapterFile,
    AdapterRef,
    Erasure,
    ErasureCause,
    Meeting,
    MeetingFeedback,
    Network,
    NewsPost,
    OwnerKind,
    Person,
    PollBallot,
    SeatAction,
    SeatEvent,
)


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
    user_id = person.account
    _blank_reasons(session, person)
    # Their calendar links stop working: a feed would go on telling where they were expected.
    revoke_calendar_links(session, person.id)
    person.name = pseudonym_name(person.id)
    person.title = ""
    person.themes = []
    person.workspace = ""
    person.account = f"~{person.id}"  # no chat id starts with "~": it can never match one
    person.erased_at = now
    # Their feedback keeps its number (KL's average) and loses the words and the signature.
    session.execute(
        update(MeetingFeedback)
        .where(MeetingFeedback.person_id == person.id)
        .values(comment="", signed=False)
        .execution_options(synchronize_session=False)
    )
    forget_author(session, user_id)
    # A poll keeps the municipality's vote, not who cast it.
    session.execute(
        update(PollBallot)
        .where(PollBallot.voter_person_id == person.id)
        .values(voter_person_id=None)
        .execution_options(synchronize_session=False)
    )
    forget_adapter_refs(session, user_id)
    record_erasure(session, network, now, cause, person=person, actor=actor, reason=reason)
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
    words = (person.name, person.title, person.account)
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


def forget_adapter_refs(session: Session, user_id: str) -> None:
    """What chat adapters remembered about the person (a Teams conversation reference names
    their account and tenant) goes with them, in the erasure's own transaction."""
    if not user_id:
        return
    session.execute(
        delete(AdapterRef).where(
            AdapterRef.owner_kind == OwnerKind.PERSON.value, AdapterRef.owner_key == user_id
        )
    )
    session.execute(delete(AdapterFile).where(AdapterFile.owner_key == user_id))


def drop_expired_files(session: Session, now: datetime) -> int:
    """Files kept behind adapters' links that nobody can open any more (the link expired)."""
    result = session.execute(delete(AdapterFile).where(AdapterFile.expires_at < now))
    return int(getattr(result, "rowcount", 0) or 0)


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
    person: Person | None = None,
    actor: Person | None = None,
    reason: str = "",
) -> None:
    """The record that an erasure took place: of ``person``'s row, or (None) of someone Klimanet
    held no person row for (only posts or authorship)."""
    session.add(
        Erasure(
            network_id=network.id,
            person_id=person.id if person else None,
            cause=cause.value,
            actor_id=actor.id if actor else None,
            reason=reason[:500],
            erased_at=now,
        )
    )
