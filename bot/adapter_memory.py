"""The adapter memory port: what a chat adapter must remember about a person or a place between
requests and restarts (Teams: the conversation reference it needs to post proactively), kept in
``adapter_refs`` as opaque JSON. The core never reads it, but for one flag it defines itself
(``bot.models.UNREACHABLE``: the platform refuses the bot's direct messages to the person, shown
to the facilitators by ``bot.domain.reachability``); erasing a person forgets theirs
(``bot.domain.privacy``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from bot.db import SessionFactory, insert_ignore, transaction
from bot.models import AdapterRef, OwnerKind

Reference = dict[str, Any]


class AdapterMemory:
    """One platform's memory. ``now``: the time stamped on what it remembers."""

    def __init__(self, sessions: SessionFactory, platform: str, now: Callable[[], datetime]):
        self._sessions = sessions
        self._platform = platform
        self._now = now

    def remember(self, kind: OwnerKind, key: str, reference: Reference) -> None:
        """Keep ``reference`` for this person or place, replacing what was kept before."""
        now = self._now()
        with transaction(self._sessions) as session:
            # Insert-or-ignore, then overwrite: two replicas remembering at once both succeed
            # and the last one's reference stands (the newest service URL wins).
            row = {
                "platform": self._platform,
                "owner_kind": kind.value,
                "owner_key": key,
                "reference": reference,
                "created_at": now,
                "updated_at": now,
            }
            if not insert_ignore(session, AdapterRef.__table__, [row]):  # type: ignore[arg-type]
                session.execute(
                    update(AdapterRef)
                    .where(*self._owner(kind, key))
                    .values(reference=reference, updated_at=now)
                    .execution_options(synchronize_session=False)
                )

    def recall(self, kind: OwnerKind, key: str) -> Reference | None:
        with self._sessions() as session:
            found = session.scalar(select(AdapterRef.reference).where(*self._owner(kind, key)))
        return dict(found) if found is not None else None

    def forget(self, kind: OwnerKind, key: str) -> None:
        with transaction(self._sessions) as session:
            session.execute(delete(AdapterRef).where(*self._owner(kind, key)))

    def places(self) -> dict[str, Reference]:
        """Every place this platform remembers, by key."""
        with self._sessions() as session:
            rows = session.execute(
                select(AdapterRef.owner_key, AdapterRef.reference).where(
                    AdapterRef.platform == self._platform,
                    AdapterRef.owner_kind == OwnerKind.PLACE.value,
                )
            ).all()
        return {key: dict(reference) for key, reference in rows}

    def _owner(self, kind: OwnerKind, key: str) -> tuple[Any, ...]:
        return (
            AdapterRef.platform == self._platform,
            AdapterRef.owner_kind == kind.value,
            AdapterRef.owner_key == key,
        )
