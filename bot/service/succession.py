"""A municipality that lost its coordinator (``afmeld``, ``slet-mig``, ``admin slet``, a
deactivated account): the holders of its other seats are offered the fixed seat, and the first
to click "Overtag den faste plads" takes it. Facilitators can also put someone on it with
``admin plads``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot import texts
from bot.domain.registration import Actor
from bot.domain.seats.succession import free_fixed_seat, heirs, take_fixed_seat
from bot.models import Network, SeatKind
from bot.posts import succession as posts
from bot.replies import Reply, Result, ResultKind
from bot.service.approvals import Approvals
from bot.service.context import Context


class Succession:
    def __init__(self, ctx: Context, approvals: Approvals) -> None:
        self._ctx = ctx
        self._approvals = approvals

    def coordinator_left(
        self, session: Session, network: Network, seat_id: int, event_id: int, now: datetime
    ) -> None:
        """The fixed seat ``seat_id`` was left (history event ``event_id``): offer it to the
        municipality's other holders. With none, the facilitators' notice says so."""
        seat = free_fixed_seat(session, network, seat_id)
        if seat is not None:
            posts.fixed_seat_offered(
                session, seat, event_id, heirs(session, network, seat.municipality_code), now
            )

    def take(self, actor: Actor, seat_id: int) -> Reply:
        """ "Overtag den faste plads": the first one wins; a later click is told who did."""

        def work(session: Session, network: Network) -> Reply:
            now = self._ctx.now()
            me = self._ctx.people.me(session, actor)
            taken = take_fixed_seat(session, network, me, seat_id, now)
            code = taken.seat.municipality_code
            posts.fixed_seat_taken(session, taken.seat, taken.event_id, now)
            # Registrations that waited for a coordinator are theirs to decide now.
            self._approvals.coordinator_changed(session, network, code, now)
            left = texts.common.seat_label(
                SeatKind(taken.left.kind), taken.left.slot, definite=True
            )
            return Reply(
                (texts.succession.took_fixed_seat(self._ctx.directory.name_of(code), left),),
                replace_original=True,
                result=Result(
                    ResultKind.FIXED_SEAT_TAKEN,
                    ids={"seat": taken.seat.id, "left": taken.left.id, "municipality": code},
                ),
            )

        return self._ctx.run(work)
