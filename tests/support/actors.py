"""Who acts in service-level tests: the facilitator, named members, numbered people, and how
Slack writes a mention of them in a slash command's text."""

from __future__ import annotations

from bot.domain.registration import Actor

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


def mention(actor: Actor) -> str:
    """A mention as Slack sends it in a slash command's text: ``<@U0ANNA|anna>``."""
    return f"<@{actor.user_id}|{actor.name.split()[0].lower()}>"
