"""Talking to the service in tests, and reading what happened from the structured result.

Tests assert on ``Reply.result`` (what happened, which rule said no, the ids involved), not on
Danish sentences; ``tests/test_wording.py`` checks the sentences themselves, once each. Where
a refusal's parameters matter (an offer *already accepted* versus *already withdrawn*), compare
the whole text with ``error_text``: the sentence ``bot.texts`` writes for that error, so the test
states which error and parameters it expects without copying any Danish.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot import texts
from bot.clock import FixedClock
from bot.db import SessionFactory
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.municipalities import default_directory
from bot.domain.registration import Actor, get_network
from bot.ports import ProfileLookup
from bot.replies import Action, Reply, Result, ResultKind, as_written
from bot.service.klimanet import Klimanet, ServiceSettings
from tests.support.actors import FACILITATOR


def new_service(
    sessions: SessionFactory,
    clock: FixedClock,
    *,
    registration: str = "open",
    channel: str | None = "C0NET",
    profiles: ProfileLookup | None = None,
    offer_lifetime: timedelta | None = None,
) -> Klimanet:
    """The service as the tests use it: the network's channel set and ``FACILITATOR`` a
    facilitator."""
    settings = ServiceSettings(channel=channel, registration=registration)
    if offer_lifetime is not None:
        settings = replace(settings, offer_lifetime=offer_lifetime)
    service = Klimanet(sessions, default_directory(), clock, profiles=profiles, settings=settings)
    service.make_facilitator(FACILITATOR.user_id)
    return service


def checked(outcome: object) -> Reply:
    """``outcome`` is a Reply with a result: every answer says what happened."""
    assert isinstance(outcome, Reply), outcome
    assert outcome.result is not None, f"a reply without a result: {outcome.text!r}"
    assert outcome.text.strip(), outcome
    return outcome


def say(service: Klimanet, actor: Actor, text: str) -> Reply:
    """``/klimanet text`` as ``actor``: the reply (not a form)."""
    return checked(service.command(actor, text))


def click(
    service: Klimanet,
    actor: Actor,
    action: str,
    value: int | str,
    selected_user: str | None = None,
) -> Reply:
    """A click on a button (``value``) or a select (its block id and ``selected_user``)."""
    return checked(service.click(actor, action, str(value), selected_user))


def said(service: Klimanet, actor: Actor, text: str) -> str:
    """The text of ``say``: for features whose Danish answer is the behaviour under test."""
    return say(service, actor, text).text


def clicked(service: Klimanet, actor: Actor, action: str, value: int | str) -> str:
    """The text of ``click``."""
    return click(service, actor, action, value).text


def error_text(kind: ErrorKind, **params: Any) -> str:
    """The sentence a refusal of ``kind`` with ``params`` reads, as written."""
    return as_written(texts.errors.error(DomainError(kind, **params)))


def form_error(kind: ErrorKind, **params: Any) -> str:
    """The same sentence as a form shows it next to a field: plain text."""
    return as_written(texts.common.plain(texts.errors.error(DomainError(kind, **params))))


def outcome(reply: Reply) -> ResultKind | ErrorKind:
    """What happened in one word: the result's kind, or for a refusal the rule that said no."""
    assert reply.result is not None, reply
    if reply.result.kind is ResultKind.REFUSED:
        assert reply.result.error is not None, reply.result
        return reply.result.error
    assert reply.result.error is None, reply.result
    return reply.result.kind


def done(reply: Reply, kind: ResultKind, **ids: int) -> Mapping[str, int]:
    """Assert that ``reply`` says ``kind`` happened (with ``ids``, where given); its ids."""
    assert reply.result is not None and reply.result.kind is kind, (reply.result, reply.text)
    assert reply.result.error is None, reply.result
    for name, value in ids.items():
        assert reply.result.ids.get(name) == value, (name, reply.result, reply.text)
    return reply.result.ids


def refused(reply: Reply, kind: ErrorKind, **params: Any) -> None:
    """Assert that a rule (``kind``) said no; with ``params``, that the reply is exactly that
    error's sentence with those parameters."""
    assert reply.result == Result.refused(kind), (reply.result, reply.text)
    if params:
        assert reply.text == error_text(kind, **params), reply.text


def is_closed(reply: Reply, status: str, *, offer: bool = True) -> bool:
    """Whether ``reply`` answers a click on an offer (or a request) that is no longer open,
    naming ``status``, the state it ended in."""
    kind = ErrorKind.OFFER_CLOSED if offer else ErrorKind.REQUEST_CLOSED
    return reply.result == Result.refused(kind) and reply.text == error_text(kind, status=status)


def closed(reply: Reply, status: str, *, offer: bool = True) -> None:
    """Assert ``is_closed``."""
    assert is_closed(reply, status, offer=offer), (reply.result, reply.text)


def arrange(service: Klimanet, actor: Actor, text: str) -> Reply:
    """``/klimanet møde opret|flyt …`` as a facilitator who means it: a weekend or a busy time
    only warns (``MEETING_WARNING``), so the facilitator clicks "Opret alligevel" / "Flyt
    alligevel". Tests that are about the warning itself say the command with ``say``."""
    reply = say(service, actor, text)
    if reply.result is not None and reply.result.kind is ResultKind.MEETING_WARNING:
        go_ahead = reply.buttons[0]
        assert go_ahead.action_id == Action.MEETING_GO_AHEAD, reply.buttons
        reply = click(service, actor, go_ahead.action_id, go_ahead.value)
    return reply


def network_id(sessions: SessionFactory) -> int:
    """The id of the network the migrations create (delivery tells its facilitators)."""
    with sessions() as session:
        return get_network(session, "klimanet").id
