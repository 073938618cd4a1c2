"""The network's themes: the fagområder a member can pick, kept as data in the order offered.

A member's fagområder come from this list only, so what the forms offer is what can be saved.
Values saved before the list existed stay as they are (and are shown as user text).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.errors import DomainError, ErrorKind
from bot.models import Network, NetworkTheme

MAX_THEME_LENGTH = 60


def network_themes(session: Session, network: Network) -> list[str]:
    """The network's themes in the order they are offered."""
    return list(
        session.scalars(
            select(NetworkTheme.name)
            .where(NetworkTheme.network_id == network.id)
            .order_by(NetworkTheme.position, NetworkTheme.id)
        )
    )


def known_themes(session: Session, network: Network, submitted: Sequence[str]) -> list[str]:
    """The submitted fagområder as the network spells them. Raises ``DomainError`` for a value
    not on the network's list (a forged form)."""
    by_key = {name.casefold(): name for name in network_themes(session, network)}
    found: list[str] = []
    for value in submitted:
        value = " ".join(value.split())
        if not value:
            continue
        name = by_key.get(value.casefold())
        if name is None:
            shown = value if len(value) <= MAX_THEME_LENGTH else value[:MAX_THEME_LENGTH] + "…"
            raise DomainError(ErrorKind.THEME_UNKNOWN, value=shown)
        found.append(name)
    return found
