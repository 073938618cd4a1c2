"""``afventer``: the registrations and offers waiting for the person's answer, each with the
buttons of the message that asked. In Slack a direct message gets buried; here they are again,
and the same handlers answer them (a stale one gets the same clear answer)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from bot import texts
from bot.domain.facilitators import is_facilitator
from bot.domain.registration import Actor
from bot.domain.seats.approvals import requests_waiting_for
from bot.domain.seats.offers import open_offers_to
from bot.models import Network, Person, Seat
from bot.posts.render_consent import approval_message, offer_request_message
from bot.posts.succession import open_offers as fixed_seat_offers
from bot.replies import Button, Reply, Result, ResultKind
from bot.service.context import Context

# Each item is a section with its buttons: a Slack message holds 50 blocks.
MAX_ITEMS = 10


class Waiting:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def command(self, actor: Actor, args: str) -> Reply:
        def work(session: Session, network: Network) -> Reply:
            me = self._ctx.people.me(session, actor)
            facilitator = is_facilitator(session, network, actor.user_id)
            items = [
                *self._requests(session, network, me, facilitator),
                *self._offers(session, network, me),
                *(
                    ("\n".join(offer.sections), offer.buttons, "offer")
                    for offer in fixed_seat_offers(session, network, me)
                ),
            ]
            requests = sum(1 for _, _, kind in items if kind == "request")
            result = Result(
                ResultKind.WAITING, ids={"requests": requests, "offers": len(items) - requests}
            )
            if not items:
                return Reply((texts.consent.nothing_waiting(),), result=result)
            sections = [texts.consent.waiting_head(len(items))]
            buttons: list[Button] = []
            for text, item_buttons, _ in items[:MAX_ITEMS]:
                sections.append(text)
                under = len(sections) - 1
                buttons.extend(replace(b, under=under) for b in item_buttons)
            if len(items) > MAX_ITEMS:
                sections.append(texts.consent.waiting_more(len(items) - MAX_ITEMS))
            return Reply(tuple(sections), buttons=tuple(buttons), result=result)

        return self._ctx.run(work)

    def _requests(
        self, session: Session, network: Network, me: Person, facilitator: bool
    ) -> list[tuple[str, tuple[Button, ...], str]]:
        found = []
        for request in requests_waiting_for(session, network, me, facilitator):
            applicant = session.get(Person, request.person_id)
            seat = session.get(Seat, request.seat_id)
            assert applicant is not None and seat is not None
            sections, buttons = approval_message(session, request, applicant, seat)
            found.append(("\n".join(sections), buttons, "request"))
        return found

    def _offers(
        self, session: Session, network: Network, me: Person
    ) -> list[tuple[str, tuple[Button, ...], str]]:
        found = []
        for offer in open_offers_to(session, network, me, self._ctx.now()):
            offerer = session.get(Person, offer.from_person_id)
            seat = session.get(Seat, offer.seat_id)
            assert offerer is not None and seat is not None
            sections, buttons = offer_request_message(session, offer, offerer, seat, self._ctx.tz)
            found.append(("\n".join(sections), buttons, "offer"))
        return found
