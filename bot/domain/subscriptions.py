"""Calendar subscription links: issued at random, kept only as a hash, revoked by deletion.

The secret is ``secrets.token_urlsafe`` (256 bits); only its sha256 is stored, so a copy of the
database gives no working link. A request is looked up by that hash through a unique index: a
secret never issued and one revoked (its row deleted) take the same path and find nothing.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db import insert_ignore
from bot.models import CalendarSubscription, FeedScope, Network, Person

SECRET_BYTES = 32
# What token_urlsafe(32) gives (43 characters); a request with anything else is not looked up.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _insert(
    session: Session, network: Network, person: Person, scope: FeedScope, now: datetime
) -> str | None:
    """A new link for (person, scope), or None when one is live already (also when a parallel
    request issued it first: the unique constraint decides, not a look beforehand)."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    inserted = insert_ignore(
        session,
        CalendarSubscription.__table__,  # type: ignore[arg-type]
        [
            {
                "network_id": network.id,
                "person_id": person.id,
                "scope": scope.value,
                "secret_hash": hash_secret(secret),
                "created_at": now,
            }
        ],
    )
    return secret if inserted else None


def subscribe(
    session: Session, network: Network, person: Person, scope: FeedScope, now: datetime
) -> str | None:
    """The person's new link to the feed, or None if they have one: it cannot be shown again
    (only its hash is kept); ``reissue`` replaces it."""
    return _insert(session, network, person, scope, now)


def scopes_of(session: Session, network: Network, person_id: int) -> list[FeedScope]:
    return [
        FeedScope(scope)
        for scope in session.scalars(
            select(CalendarSubscription.scope)
            .where(
                CalendarSubscription.network_id == network.id,
                CalendarSubscription.person_id == person_id,
            )
            .order_by(CalendarSubscription.scope.desc())
        )
    ]


def reissue(
    session: Session, network: Network, person: Person, now: datetime
) -> dict[FeedScope, str]:
    """Revoke every link of the person and give a new one for each feed they had (their own
    meetings if they had none). The old links answer 404 from the commit on."""
    scopes = scopes_of(session, network, person.id) or [FeedScope.PERSONAL]
    revoke_all(session, person.id)
    issued = {}
    for scope in scopes:
        secret = _insert(session, network, person, scope, now)
        if secret is not None:
            issued[scope] = secret
    return issued


def revoke_all(session: Session, person_id: int) -> int:
    """Every link of the person stops working (erasure, ``kalender nulstil``)."""
    result = session.execute(
        delete(CalendarSubscription)
        .where(CalendarSubscription.person_id == person_id)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def find(session: Session, secret: str) -> CalendarSubscription | None:
    """The live subscription a secret opens, or None (malformed, never issued, or revoked)."""
    if not _SECRET.match(secret):
        return None
    return session.scalars(
        select(CalendarSubscription).where(CalendarSubscription.secret_hash == hash_secret(secret))
    ).one_or_none()
