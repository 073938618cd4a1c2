"""What every part of data protection shares: the pseudonym's name, finding a person, and on
whose word someone leaves or is erased."""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import (
    Person,
)

# What a pseudonym is called (the history and every message show it in place of a name).


PSEUDONYM_NAME = "Slettet bruger {number}"


def pseudonym_name(person_id: int) -> str:
    return PSEUDONYM_NAME.format(number=person_id)


def find_person(session: Session, team_id: str, user_id: str) -> Person | None:
    """The person a chat account is, without creating one (looking must not store anything)."""
    return session.scalars(
        select(Person).where(
            Person.workspace == team_id, Person.account == user_id, Person.erased_at.is_(None)
        )
    ).one_or_none()


class Why(TypedDict, total=False):
    """On whose word and why a person leaves or is erased, as ``vacate``, ``pseudonymise`` and
    ``record_erasure`` take it: ``actor`` is the facilitator who erased them (absent or None:
    their own wish, their workspace or the clock), ``reason`` what they gave (the history and the
    erasure keep it). Whatever passes these on takes ``**why: Unpack[Why]``."""

    actor: Person | None
    reason: str
