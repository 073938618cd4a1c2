"""Who runs the network: KL's facilitators (office chiefs), configured by user id."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain.errors import DomainError, ErrorKind
from bot.models import Network, NetworkFacilitator


def is_facilitator(session: Session, network: Network, user_id: str) -> bool:
    return bool(
        session.scalar(
            select(func.count())
            .select_from(NetworkFacilitator)
            .where(
                NetworkFacilitator.network_id == network.id, NetworkFacilitator.user_id == user_id
            )
        )
    )


def require_facilitator(session: Session, network: Network, user_id: str) -> None:
    if not is_facilitator(session, network, user_id):
        raise DomainError(ErrorKind.NOT_FACILITATOR)


def facilitator_ids(session: Session, network_id: int) -> list[str]:
    """The facilitators' user ids, in a stable order."""
    return list(
        session.scalars(
            select(NetworkFacilitator.user_id)
            .where(NetworkFacilitator.network_id == network_id)
            .order_by(NetworkFacilitator.user_id)
        )
    )


def refuse_a_seat(
    session: Session, network: Network, user_id: str, name: str | None = None
) -> None:
    """KL facilitates the network without a municipal seat: a facilitator is never given one
    (registration, a handover or substitute offer, ``admin plads``). ``name`` is given when the
    facilitator is someone else than the one acting."""
    if not is_facilitator(session, network, user_id):
        return
    if name is None:
        raise DomainError(ErrorKind.FACILITATOR_NO_SEAT)
    raise DomainError(ErrorKind.TARGET_IS_FACILITATOR, name=name)
