"""Retention: whom Klimanet forgets on its own, and the history and authorship it ages out."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select, union, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.db import rows_affected

# What a pseudonym is called (the history and every message show it in place of a name).
from bot.domain.privacy.common import pseudonym_name
from bot.models import (
    Attendance,
    Meeting,
    NetworkFacilitator,
    NewsPost,
    Person,
    Seat,
    SeatEvent,
    SeatOffer,
    SeatRequest,
)


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
                Person.account.not_in(select(NetworkFacilitator.user_id)),
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
            workspace="",
            account="~" + secrets.token_hex(8),
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
