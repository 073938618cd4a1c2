"""Facilitators' corrections (``admin plads``) and the seat history (``historik``)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from bot import texts
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.facilitators import require_facilitator
from bot.domain.registration import Actor
from bot.domain.seats.admin import admin_set_seat
from bot.domain.seats.common import seat_of, seat_ref
from bot.domain.seats.history import history
from bot.domain.seats.rule import seat_slots
from bot.mentions import as_typed
from bot.models import Network, Person, RequestStatus, SeatKind
from bot.posts import notices
from bot.posts import succession as succession_posts
from bot.replies import Reply, Result, ResultKind
from bot.service.approvals import Approvals
from bot.service.context import Context
from bot.service.parsing import mentions, seat_spec, tokens


class Admin:
    def __init__(
        self, ctx: Context, approvals: Approvals, *, erase: Callable[[Actor, str], Reply]
    ) -> None:
        self._ctx = ctx
        self._approvals = approvals
        self._erase = erase

    def command(self, actor: Actor, args: str) -> Reply:
        """``admin plads <kommune> <plads> [@bruger] [begrundelse]``: put someone on a seat, or
        (without ``@``) free it; the reason goes into the history. ``admin slet @bruger
        [begrundelse]``: erasure asked for another way."""
        words = tokens(args)
        if words and words[0].casefold() == "slet":
            return self._erase(actor, args.split(maxsplit=1)[1] if len(words) > 1 else "")
        if not words or words[0].casefold() != "plads":
            raise DomainError(
                ErrorKind.OPTION_UNKNOWN,
                value=as_typed(words[0]) if words else "",
                allowed=["plads", "slet"],
                command="admin",
            )
        found, rest = mentions(words[1:])
        spec_index = next((i for i, w in enumerate(rest) if seat_spec([w])), None)
        spec = seat_spec(rest[spec_index:]) if spec_index is not None else None
        municipality = (
            self._ctx.directory.resolve(" ".join(rest[:spec_index]))
            if spec_index is not None
            else None
        )
        reason = (
            " ".join(rest[spec_index + spec.length :]) if spec_index is not None and spec else ""
        )
        named = self._ctx.people.mentioned(actor, found[0], "admin plads") if found else None

        def work(session: Session, network: Network) -> Reply:
            now = self._ctx.now()
            require_facilitator(session, network, actor.user_id)
            if spec is None or municipality is None:  # no seat named: the rule's seats to name
                raise DomainError(
                    ErrorKind.SEAT_SPEC_INVALID,
                    value=" ".join(rest),
                    seats=list(seat_slots(session, network)),
                )
            ref = seat_ref(session, network, spec.kind, spec.slot, spec.typed)
            me = self._ctx.people.me(session, actor)
            target = self._ctx.people.upsert(session, named) if named else None
            change = admin_set_seat(
                session, network, municipality.code, ref, target, reason, me, now
            )
            seat, previous = change.seat, change.previous
            if change.approved_request is not None and target is not None:
                # The applicant hears the outcome; the approvers' requests show it.
                notices.approval_decided(
                    session, change.approved_request, RequestStatus.APPROVED.value, target, now
                )
            self._approvals.coordinator_changed(session, network, municipality.code, now)
            if target is not None and seat.kind == SeatKind.FIXED.value and change.event_id:
                # Whoever was offered the free fixed seat sees it is taken.
                succession_posts.fixed_seat_taken(session, seat, change.event_id, now)
            changed = target is None or previous is None or target.id != previous.id
            told: list[tuple[Person, bool]] = [
                (person, gained)
                for person, gained in ((target, True), (previous, False))
                if person is not None and person.id != me.id and changed
            ]
            notices.seat_set_by_facilitator(session, seat, told, reason, now)
            label = texts.common.seat_label(SeatKind(seat.kind), seat.slot, definite=True)
            ids = {"seat": seat.id, "municipality": municipality.code}
            if change.approved_request is not None and target is not None:
                return Reply(
                    (texts.consent.admin_approved(label, municipality.name, target.name),),
                    result=Result(
                        ResultKind.ADMIN_SEAT_SET,
                        ids={**ids, "request": change.approved_request},
                    ),
                )
            done = texts.consent.admin_done(
                label,
                municipality.name,
                target.name if target else None,
                previous.name if previous else None,
            )
            if change.left is not None and target is not None:
                left = texts.common.seat_label(
                    SeatKind(change.left.kind), change.left.slot, definite=True
                )
                done = f"{done} {texts.succession.admin_left_for_fixed(target.name, left)}"
                ids["left"] = change.left.id
            return Reply(
                (done,),
                result=Result(
                    ResultKind.ADMIN_SEAT_SET if target else ResultKind.ADMIN_SEAT_FREED,
                    ids=ids,
                ),
            )

        return self._ctx.run(work)

    def history(self, actor: Actor, args: str) -> Reply:
        """``historik [kommune]``: one's own municipality by default."""
        code = self._ctx.directory.resolve(args).code if args.strip() else None

        def work(session: Session, network: Network) -> Reply:
            municipality = code
            if municipality is None:
                own = seat_of(session, network, self._ctx.people.me(session, actor))
                municipality = own.municipality_code if own else None
            lines = history(session, network, municipality)
            name = self._ctx.directory.name_of(municipality) if municipality else None
            return Reply(
                tuple(texts.consent.history_text(lines, self._ctx.tz, name)),
                result=Result(
                    ResultKind.HISTORY, ids={"municipality": municipality} if municipality else {}
                ),
            )

        return self._ctx.run(work)
