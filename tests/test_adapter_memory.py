"""The adapter memory (``bot/adapter_memory.py``): what a chat adapter remembers about a person
or a place survives restarts, is kept per platform, and goes when the person is erased."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.adapter_memory import AdapterMemory
from bot.clock import FixedClock
from bot.db import SessionFactory
from bot.domain.registration import Actor
from bot.models import AdapterRef, OwnerKind
from bot.replies import ResultKind
from bot.service.klimanet import Klimanet

TEAM = "T0001"
ANNA = Actor(TEAM, "29:anna-aad", "Anna Jensen")
REF = {"conversation": "a:1on1-anna", "service_url": "https://smba.example/emea/", "tenant": "t1"}
PLACE_REF = {"conversation": "19:net@thread.tacv2", "service_url": "https://smba.example/emea/"}


def memory(sessions: SessionFactory, clock: FixedClock, platform: str = "teams") -> AdapterMemory:
    return AdapterMemory(sessions, platform, clock.now)


def test_remember_recall_replace_forget(sessions: SessionFactory, clock: FixedClock) -> None:
    teams = memory(sessions, clock)
    assert teams.recall(OwnerKind.PERSON, ANNA.user_id) is None
    teams.remember(OwnerKind.PERSON, ANNA.user_id, REF)
    assert teams.recall(OwnerKind.PERSON, ANNA.user_id) == REF
    # A restart (a new memory on the same database) still knows it.
    assert memory(sessions, clock).recall(OwnerKind.PERSON, ANNA.user_id) == REF
    moved = {**REF, "service_url": "https://smba.example/amer/"}
    clock.advance(timedelta(minutes=5))
    teams.remember(OwnerKind.PERSON, ANNA.user_id, moved)  # replaced, not a second row
    assert teams.recall(OwnerKind.PERSON, ANNA.user_id) == moved
    with sessions() as session:
        row = session.scalars(select(AdapterRef)).one()
        assert row.updated_at > row.created_at
    teams.forget(OwnerKind.PERSON, ANNA.user_id)
    assert teams.recall(OwnerKind.PERSON, ANNA.user_id) is None
    teams.forget(OwnerKind.PERSON, ANNA.user_id)  # forgetting twice is harmless


def test_kept_apart_by_platform_and_by_kind(sessions: SessionFactory, clock: FixedClock) -> None:
    teams, other = memory(sessions, clock), memory(sessions, clock, "other")
    teams.remember(OwnerKind.PERSON, "k", REF)
    teams.remember(OwnerKind.PLACE, "k", PLACE_REF)
    assert other.recall(OwnerKind.PERSON, "k") is None
    assert teams.recall(OwnerKind.PLACE, "k") == PLACE_REF
    assert teams.places() == {"k": PLACE_REF} and other.places() == {}


def test_a_long_key_fits(sessions: SessionFactory, clock: FixedClock) -> None:
    key = "19:" + "x" * 200 + "@thread.tacv2"
    memory(sessions, clock).remember(OwnerKind.PLACE, key, PLACE_REF)
    assert memory(sessions, clock).recall(OwnerKind.PLACE, key) == PLACE_REF


def test_erasing_a_person_forgets_their_references_and_no_one_elses(
    service: Klimanet, sessions: SessionFactory, clock: FixedClock
) -> None:
    teams = memory(sessions, clock)
    registered = service.command(ANNA, "tilmeld Aarhus")
    assert registered.result is not None  # type: ignore[union-attr]
    teams.remember(OwnerKind.PERSON, ANNA.user_id, REF)
    teams.remember(OwnerKind.PERSON, "29:bo-aad", REF)
    teams.remember(OwnerKind.PLACE, ANNA.user_id, PLACE_REF)  # a place is not a person
    asked = service.command(ANNA, "slet-mig")
    assert asked.result is not None and asked.result.kind is ResultKind.ERASE_ASKED  # type: ignore[union-attr]
    button = asked.buttons[0]  # type: ignore[union-attr]
    done = service.click(ANNA, button.action_id, button.value)
    assert done.result is not None and done.result.kind is ResultKind.ERASED
    assert teams.recall(OwnerKind.PERSON, ANNA.user_id) is None
    assert teams.recall(OwnerKind.PERSON, "29:bo-aad") == REF
    assert teams.recall(OwnerKind.PLACE, ANNA.user_id) == PLACE_REF
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AdapterRef)) == 2
