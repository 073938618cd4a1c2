"""The network's seat rule, read from its one home: the slots table (``network_seat_slots``).
Which kinds of seat a municipality has and how many of each is never written in code; every
command, post and file that names a seat asks here."""

from __future__ import annotations

import threading
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from bot.models import Network, NetworkSeatSlot, SeatKind

SeatSlots = tuple[tuple[SeatKind, int], ...]

# The rule is written by migrations only, so it is read once per database (engine) and network:
# a registration in a burst reads none of it again.
_CACHE: WeakKeyDictionary[Engine, dict[int, SeatSlots]] = WeakKeyDictionary()
_LOCK = threading.Lock()


def _cache(session: Session) -> dict[int, SeatSlots]:
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    with _LOCK:
        return _CACHE.setdefault(engine, {})


def seat_slots(session: Session, network: Network) -> SeatSlots:
    """The network's seats per municipality as (kind, slot): fixed before flexible, then by
    slot, the order seats are offered and shown in."""
    cache = _cache(session)
    cached = cache.get(network.id)
    if cached is not None:
        return cached
    rows = session.execute(
        select(NetworkSeatSlot.kind, NetworkSeatSlot.slot).where(
            NetworkSeatSlot.network_id == network.id
        )
    ).all()
    slots = tuple(
        sorted(((SeatKind(k), s) for k, s in rows), key=lambda ks: (ks[0] != SeatKind.FIXED, ks[1]))
    )
    cache[network.id] = slots
    return slots


def slots_of(session: Session, network: Network, kind: SeatKind) -> tuple[int, ...]:
    return tuple(slot for k, slot in seat_slots(session, network) if k is kind)
