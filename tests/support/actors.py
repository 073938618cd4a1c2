"""Who acts in service-level tests: the facilitator, named members, numbered people, and how
Slack writes a mention of them in a slash command's text."""

from __future__ import annotations

from bot.domain.registration import Actor
from bot.mentions import Mention, mark

TEAM = "T0001"
PLATFORM = "slack"  # the people these tests bring are Slack-shaped
FACILITATOR = Actor(TEAM, "UFACIL01", "Sara Røpke", platform=PLATFORM)


def named(name: str) -> Actor:
    """A member whose user id follows from the first name: ``named("Anna Jensen")`` is
    ``U0ANNA``."""
    return Actor(TEAM, f"U0{name.split()[0].upper()}", name, platform=PLATFORM)


def person(n: int) -> Actor:
    """One of many anonymous people (``U0001`` "Person 1"), for races and properties."""
    return Actor(TEAM, f"U{n:04d}", f"Person {n}", platform=PLATFORM)


def slack_mention(actor: Actor) -> str:
    """A mention as Slack sends it in a slash command's text: ``<@U0ANNA|anna>``."""
    return f"<@{actor.user_id}|{actor.name.split()[0].lower()}>"


def mention_of(account: str, name: str = "") -> str:
    """A mention of any account, as an adapter hands it to the service."""
    typed = f"<@{account}|{name}>" if name else f"<@{account}>"
    return mark(Mention(account, typed, name))


def mention(actor: Actor) -> str:
    """A mention as an adapter hands it to the service (``bot.mentions``): the one Slack sends
    for the actor, made neutral."""
    return mention_of(actor.user_id, actor.name.split()[0].lower())
