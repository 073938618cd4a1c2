"""The network's themes: the fagområder a member can pick, kept as data in the order offered.

A member's fagområder come from this list only, so what the forms offer is what can be saved.
Values saved before the list existed stay as they are (and are shown as user text).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.errors import DomainError, ErrorKind
from bot.domain.municipalities import loose_fold
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


def _key(value: str) -> str:
    """A theme as typed with or without a Danish keyboard, hyphen or capitals: "gronne indkob"
    and "CO2 regnskaber" are the list's "Grønne indkøb" and "CO2-regnskaber"."""
    return loose_fold(value)


def _unknown(value: str, options: Sequence[str]) -> DomainError:
    shown = value if len(value) <= MAX_THEME_LENGTH else value[:MAX_THEME_LENGTH] + "…"
    return DomainError(ErrorKind.THEME_UNKNOWN, value=shown, themes=list(options))


def known_themes(session: Session, network: Network, submitted: Sequence[str]) -> list[str]:
    """The submitted fagområder as the network spells them. Raises ``DomainError`` (with the
    list) for a value not on the network's list: a forged form, or a word typed wrong."""
    return match_themes(submitted, network_themes(session, network))


def match_themes(submitted: Sequence[str], options: Sequence[str]) -> list[str]:
    """The submitted fagområder as ``options`` spell them (no database: a form's ack checks
    against the list the form offered). Raises ``DomainError`` for a value not among them."""
    by_key = {_key(name): name for name in options}
    found: list[str] = []
    for value in submitted:
        value = " ".join(value.split())
        if not value:
            continue
        name = by_key.get(_key(value))
        if name is None:
            raise _unknown(value, options)
        found.append(name)
    return found


def parse_themes(text: str, options: Sequence[str]) -> list[str]:
    """The fagområder in what someone typed after ``fagområder``: separated by commas, or just
    by spaces ("affald grønne indkøb klimatilpasning": the longest name that fits is taken first,
    so a theme of several words needs no quotes). Raises ``DomainError`` (with the list) for
    words that are no theme."""
    by_key = {_key(name): name for name in options}
    found: list[str] = []
    for part in text.replace(";", ",").split(","):
        words = part.replace('"', " ").split()
        start = 0
        while start < len(words):
            for end in range(len(words), start, -1):
                name = by_key.get(_key(" ".join(words[start:end])))
                if name is not None:
                    found.append(name)
                    start = end
                    break
            else:
                raise _unknown(_unmatched(words, start, by_key), options)
    return found


def _unmatched(words: list[str], start: int, by_key: dict[str, str]) -> str:
    """The words from ``start`` up to where a theme begins again: what to name as unknown."""
    end = start + 1
    while end < len(words) and not any(
        _key(" ".join(words[end:stop])) in by_key for stop in range(end + 1, len(words) + 1)
    ):
        end += 1
    return " ".join(words[start:end])
