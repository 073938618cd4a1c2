"""Which municipalities are members, and how each stands: the one definition every view uses.

**A member municipality has at least one approved seat holder** (issue 12). A registration that
waits for approval takes its seat (so the seat rule holds) but makes nobody a member, and a seat is
*filled* only when its holder is approved. The map, the heatmap, the themes matrix, the exports
and the App Home all count members and filled seats from ``standings`` below, so they agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from bot.domain.municipalities import danish_sort_key
from bot.domain.seats.rule import seat_slots
from bot.models import Municipality, Network, Seat, SeatStatus


def filled_seat() -> ColumnElement[bool]:
    """A seat is filled when someone holds it and is approved."""
    return and_(Seat.holder_id.is_not(None), Seat.status == SeatStatus.HELD.value)


@dataclass(frozen=True, slots=True)
class Standing:
    """How one municipality stands in the network."""

    code: int
    name: str
    region_code: int
    region: str
    filled: int  # seats with an approved holder
    pending: int  # seats taken by a registration waiting for approval
    seats: int  # the seats a member has (the network's rule: its slots)

    @property
    def is_member(self) -> bool:
        return self.filled > 0

    @property
    def only_pending(self) -> bool:
        """Not a member, but someone's registration waits for approval."""
        return not self.is_member and self.pending > 0


@dataclass(frozen=True, slots=True)
class RegionGlance:
    name: str
    members: int
    filled: int
    seats: int


@dataclass(frozen=True, slots=True)
class Glance:
    """The network at a glance: "34 kommuner · 71 af 102 pladser besat", and by region."""

    members: int
    filled: int
    seats: int  # seats of the member municipalities
    pending: int  # municipalities with only pending registrations
    regions: tuple[RegionGlance, ...]


def seats_per_member(session: Session, network: Network) -> int:
    return len(seat_slots(session, network))


def standings(session: Session, network: Network) -> list[Standing]:
    """Every municipality (all 98), by region and then the Danish alphabet."""
    per_member = seats_per_member(session, network)
    counts: dict[int, tuple[int, int]] = {}
    rows = session.execute(
        select(Seat.municipality_code, Seat.status, func.count())
        .where(Seat.network_id == network.id, Seat.holder_id.is_not(None))
        .group_by(Seat.municipality_code, Seat.status)
    ).all()
    for code, status, count in rows:
        filled, pending = counts.get(code, (0, 0))
        if status == SeatStatus.HELD.value:
            filled += count
        else:
            pending += count
        counts[code] = (filled, pending)
    municipalities = session.execute(
        select(
            Municipality.code, Municipality.name, Municipality.region_code, Municipality.region_name
        )
    ).all()
    found = [
        Standing(code, name, region_code, region, *counts.get(code, (0, 0)), per_member)
        for code, name, region_code, region in municipalities
    ]
    return sorted(found, key=lambda s: (s.region_code, danish_sort_key(s.name)))


def members(session: Session, network: Network) -> list[Standing]:
    """The member municipalities, by region and name."""
    return [s for s in standings(session, network) if s.is_member]


def member_codes(session: Session, network: Network) -> set[int]:
    return set(
        session.scalars(
            select(Seat.municipality_code).where(Seat.network_id == network.id, filled_seat())
        )
    )


def glance(found: Sequence[Standing]) -> Glance:
    regions: dict[str, list[Standing]] = {}
    for standing in found:
        if standing.is_member:
            regions.setdefault(standing.region, []).append(standing)
    member_list = [s for s in found if s.is_member]
    return Glance(
        members=len(member_list),
        filled=sum(s.filled for s in member_list),
        seats=sum(s.seats for s in member_list),
        pending=sum(1 for s in found if s.only_pending),
        regions=tuple(
            RegionGlance(
                name,
                len(ms),
                sum(s.filled for s in ms),
                sum(s.seats for s in ms),
            )
            for name, ms in regions.items()
        ),
    )
