"""A seat holder left the network's place in the chat platform (in Teams: removed from the
network's team). Nothing is released silently: the facilitators are asked (``departed``), and
a facilitator's button frees the seat through the same path as any leaving (``release``)."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from bot import texts
from bot.domain.facilitators import facilitator_ids, require_facilitator
from bot.domain.privacy.common import find_person
from bot.domain.registration import Actor
from bot.domain.seats.common import municipality_of, seat_of
from bot.models import Network, SeatAction, SeatKind, SeatStatus
from bot.models import Person as PersonRow
from bot.posts import departures as departure_posts
from bot.replies import Reply, Result, ResultKind
from bot.service.context import Context
from bot.service.privacy import Privacy

log = logging.getLogger(__name__)


class Departures:
    def __init__(self, ctx: Context, privacy: Privacy) -> None:
        self._ctx = ctx
        self._privacy = privacy

    def departed(self, whom: Actor) -> bool:
        """``whom`` left the network's place: if they hold a seat, each facilitator is asked
        whether to free it. True if someone was asked."""

        def work(session: Session, network: Network) -> bool:
            person = find_person(session, whom.platform, whom.team_id, whom.user_id)
            seat = seat_of(session, network, person) if person is not None else None
            if person is None or seat is None or seat.status != SeatStatus.HELD.value:
                return False  # no seat: nothing to decide
            facilitators = facilitator_ids(session, network.id)
            departure_posts.departed(session, person, seat, facilitators, self._ctx.now())
            return True

        asked = self._ctx.run(work)
        if asked:
            log.info("a seat holder left the network's place; the facilitators are asked")
        return asked

    def release(self, actor: Actor, person_id: int) -> Reply:
        """The facilitator's button: the person who left gives up their seat, and who needs
        to know is told (as when any holder leaves)."""

        def work(session: Session, network: Network) -> Reply:
            require_facilitator(session, network, actor.user_id)
            person = session.get(PersonRow, person_id)
            seat = seat_of(session, network, person) if person is not None else None
            if person is None or seat is None or person.erased_at is not None:
                name = person.name if person is not None and person.erased_at is None else ""
                return Reply(
                    (texts.departures.nothing_to_release(name),),
                    result=Result(ResultKind.DEPARTED_NOTHING, ids={"person": person_id}),
                )
            now = self._ctx.now()
            municipality = municipality_of(session, seat.municipality_code)
            label = texts.common.seat_label(SeatKind(seat.kind), seat.slot, definite=True)
            me = self._ctx.people.me(session, actor)
            reason = texts.departures.DEPARTED_REASON
            self._privacy.leave(
                session, network, person, now, SeatAction.ADMIN_FREED, actor=me, reason=reason
            )
            departure_posts.settled(session, person.id, seat.id, now)
            return Reply(
                (texts.departures.released(person.name, municipality.name, label),),
                result=Result(
                    ResultKind.DEPARTED_RELEASED,
                    ids={"person": person.id, "seat": seat.id, "municipality": municipality.code},
                ),
            )

        return self._ctx.run(work)
