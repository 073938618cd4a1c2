"""Registrations that wait for approval: who is asked, and the Godkend/Afvis buttons."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot import texts
from bot.domain.facilitators import facilitator_ids, is_facilitator
from bot.domain.registration import Actor
from bot.domain.seats.approvals import decide_request, pending_coordinator_requests
from bot.domain.seats.common import coordinator_of
from bot.models import Network, Seat, SeatRequest
from bot.posts import notices
from bot.replies import Reply, Result, ResultKind
from bot.service.context import Context


class Approvals:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def ask(self, session: Session, network: Network, request_id: int, now: datetime) -> None:
        """DM the approvers of a pending registration: its coordinator, or the facilitators."""
        request = session.get(SeatRequest, request_id)
        assert request is not None
        seat = session.get(Seat, request.seat_id)
        assert seat is not None
        approvers: list[tuple[str, int | None]]
        if request.approver == "coordinator":
            coordinator = coordinator_of(session, network, seat.municipality_code)
            approvers = [(coordinator.account, coordinator.id)] if coordinator else []
        else:
            approvers = [(user, None) for user in facilitator_ids(session, network.id)]
        notices.approval_requested(session, request_id, approvers, now)

    def coordinator_changed(
        self, session: Session, network: Network, code: int, now: datetime
    ) -> None:
        """A new coordinator inherits the registrations waiting for the coordinator."""
        for request_id in pending_coordinator_requests(session, network, code):
            self.ask(session, network, request_id, now)

    def decide(self, actor: Actor, approve: bool, request_id: int) -> Reply:
        """Godkend / Afvis on an approval request."""

        def work(session: Session, network: Network) -> Reply:
            now = self._ctx.now()
            me = self._ctx.people.me(session, actor)
            facilitator = is_facilitator(session, network, actor.user_id)
            decision = decide_request(session, network, request_id, me, facilitator, approve, now)
            notices.approval_decided(
                session, request_id, decision.request.status, decision.applicant, now
            )
            return Reply(
                (texts.consent.decided_request(approve, decision.applicant.name),),
                replace_original=True,
                result=Result(
                    ResultKind.REQUEST_APPROVED if approve else ResultKind.REQUEST_REJECTED,
                    ids={"request": request_id},
                ),
            )

        return self._ctx.run(work)
