"""Who the bot cannot write to: people whose platform refuses its direct messages (Teams: a 403,
or the app uninstalled), as the adapter flagged them in its memory (``models.UNREACHABLE``).
The facilitators see them by name (Home, ``overblik``), so someone can call them instead."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import UNREACHABLE, AdapterRef, Municipality, Network, OwnerKind, Person, Seat


@dataclass(frozen=True)
class Unreachable:
    name: str
    municipality: str | None  # of the seat they hold in the network, if any


def unreachable(session: Session, network: Network) -> list[Unreachable]:
    """Everyone Klimanet knows whose platform refuses its direct messages, by name."""
    refs = session.execute(
        select(AdapterRef.platform, AdapterRef.owner_key, AdapterRef.reference).where(
            AdapterRef.owner_kind == OwnerKind.PERSON.value
        )
    ).all()
    # The flag lives in the adapter's JSON: read in Python, the same on SQLite and PostgreSQL
    # (a person reference is a few hundred bytes, one per person the bot has met).
    flagged = {(p, key) for p, key, ref in refs if isinstance(ref, dict) and ref.get(UNREACHABLE)}
    if not flagged:
        return []
    rows = session.execute(
        select(Person.platform, Person.account, Person.name, Municipality.name)
        .outerjoin(Seat, (Seat.holder_id == Person.id) & (Seat.network_id == network.id))
        .outerjoin(Municipality, Municipality.code == Seat.municipality_code)
        .where(
            Person.account.in_(sorted({key for _, key in flagged})),
            Person.erased_at.is_(None),
        )
        .order_by(Person.name)
    ).all()
    return [
        Unreachable(name, municipality)
        for platform, account, name, municipality in rows
        if (platform, account) in flagged
    ]
