"""Offers that need the other person's consent: ``overdrag``, ``byt``, ``vikar``, the colleague
picker, ``fortryd``, and the Acceptér/Afvis/Træk tilbage buttons. Every consent request is an
outbox row rendered from the current state, so an answer elsewhere (or an expiry) updates it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot import texts
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.registration import Actor
from bot.domain.seats import answers, offers
from bot.domain.seats.attendance import seats_at, sent_regrets
from bot.domain.seats.common import SeatRef, live_meeting, seat_ref
from bot.domain.seats.history import record
from bot.mentions import Mention, mark
from bot.models import Meeting, Network, OfferStatus, Person, Seat, SeatAction, SeatKind, SeatOffer
from bot.posts import notices
from bot.replies import MAX_BUTTON_VALUE, Action, Button, Reply, Result, ResultKind
from bot.service.approvals import Approvals
from bot.service.context import Context
from bot.service.parsing import (
    SeatSpec,
    ascii_number,
    meeting_ref_words,
    mentions,
    seat_spec,
    tokens,
)


def _named_seat(session: Session, network: Network, spec: SeatSpec | None) -> SeatRef | None:
    """The seat a command named, by the network's rule (None: it named none)."""
    if spec is None:
        return None
    return seat_ref(session, network, spec.kind, spec.slot, spec.typed)


def seat_words(seat: Seat) -> str:
    return texts.common.seat_label(SeatKind(seat.kind), seat.slot, definite=True)


class Consent:
    def __init__(self, ctx: Context, approvals: Approvals) -> None:
        self._ctx = ctx
        self._approvals = approvals

    # -- offers -----------------------------------------------------------------------------

    def handover(self, actor: Actor, args: str) -> Reply:
        """``overdrag @kollega [fast|fleksibel N]``."""
        found, rest = mentions(tokens(args))
        target_actor = self._ctx.people.mentioned(actor, found[0] if found else None, "overdrag")
        spec = seat_spec(rest)

        def work(session: Session, network: Network) -> Reply:
            ref = _named_seat(session, network, spec)
            me, target = self._me_and(session, actor, target_actor)
            offer = offers.offer_handover(
                session, network, me, target, ref, self._ctx.now(), self._lifetime
            )
            return self._sent(session, offer, target)

        return self._ctx.run(work)

    def swap(self, actor: Actor, args: str) -> Reply:
        """``byt @kollega``."""
        found, _ = mentions(tokens(args))
        target_actor = self._ctx.people.mentioned(actor, found[0] if found else None, "byt")

        def work(session: Session, network: Network) -> Reply:
            me, target = self._me_and(session, actor, target_actor)
            offer = offers.offer_swap(session, network, me, target, self._ctx.now(), self._lifetime)
            return self._sent(session, offer, target)

        return self._ctx.run(work)

    def substitute(self, actor: Actor, args: str) -> Reply:
        """``vikar <møde> @kollega [fast|fleksibel N]``: without a seat named, the seat whose
        holder sent regrets; when that is not one seat, the seats to choose from, as buttons."""
        found, rest = mentions(tokens(args))
        ref_count = meeting_ref_words(rest, today=self._ctx.today())
        ref_word = " ".join(rest[:ref_count])
        if not ref_word:
            raise DomainError(ErrorKind.MEETING_MISSING)
        mention = found[0] if found else None
        target_actor = self._ctx.people.mentioned(actor, mention, f"vikar {ref_word}")
        spec = seat_spec(rest[ref_count:])

        def work(session: Session, network: Network) -> Reply:
            named = _named_seat(session, network, spec)
            meeting = self._ctx.meeting(session, network, ref_word)
            live_meeting(meeting, self._ctx.now())  # never a seat question for a past meeting
            me, target = self._me_and(session, actor, target_actor)
            if named is not None:
                ref = named
            else:
                chosen = offers.seat_for_substitute(session, network, me, meeting)
                if isinstance(chosen, list):
                    assert isinstance(mention, Mention)  # resolved above, else refused
                    return self._which_seat(session, network, meeting, me, target, mention, chosen)
                ref = SeatRef(SeatKind(chosen.kind), chosen.slot)
            offer = self.offer_substitute(session, network, me, target, meeting, ref)
            return self._answer_to_offerer(session, offer, target)

        return self._ctx.run(work)

    def _which_seat(
        self,
        session: Session,
        network: Network,
        meeting: Meeting,
        me: Person,
        target: Person,
        mention: Mention,
        seats: list[Seat],
    ) -> Reply:
        """Several seats (or none) sent regrets: ask which one, one button per open seat, each
        the command completed with its seat (read again like typed text when clicked)."""
        code = seats[0].municipality_code
        entries = {s.id: e for s, e in seats_at(session, network, meeting, code)}
        lines, buttons = [], []
        for seat in seats:
            entry = entries[seat.id]
            kind = SeatKind(seat.kind)
            holder = entry.attendee.name if entry.attendee is not None else None
            lines.append(
                texts.consent.seat_choice_line(
                    kind, seat.slot, holder, sent_regrets(entry), own=seat.holder_id == me.id
                )
            )
            value = (
                f"vikar {meeting.number} {mark(mention)} {texts.common.seat_typed(kind, seat.slot)}"
            )
            if len(value) <= MAX_BUTTON_VALUE:
                label = texts.consent.seat_choice_button(kind, seat.slot)
                buttons.append(Button(label, Action.SUBSTITUTE_SEAT, value))
        text = texts.consent.which_seat_for_substitute(
            target.name,
            texts.meetings.meeting_name(meeting),
            self._ctx.directory.name_of(code),
            lines,
            regrets=sum(1 for e in entries.values() if sent_regrets(e)),
        )
        return Reply(
            (text,),
            buttons=tuple(buttons),
            result=Result(ResultKind.SUBSTITUTE_SEAT_ASKED, ids={"meeting": meeting.number}),
        )

    def pick_substitute(self, actor: Actor, block_id: str, user_id: str | None) -> Reply:
        """The colleague picker (announcement, regrets notice, Home): send them on a flexible
        seat for the meeting; refused if its holder comes."""
        parts = block_id.split(":")
        meeting_id = ascii_number(parts[1], digits=9) if len(parts) == 3 else None
        slot = ascii_number(parts[2], digits=3) if len(parts) == 3 else None
        if meeting_id is None or slot is None or not user_id:
            raise DomainError(ErrorKind.SEAT_SPEC_INVALID, value=block_id)
        target_actor = self._ctx.people.mentioned(actor, Mention(user_id, ""), "vikar")

        def work(session: Session, network: Network) -> Reply:
            meeting = self._ctx.meeting_by_id(session, network, meeting_id)
            # A flexible seat of the network's rule (a picker from before a change of the rule
            # names one it no longer has).
            ref = seat_ref(
                session,
                network,
                SeatKind.FLEXIBLE,
                slot,
                texts.common.seat_typed(SeatKind.FLEXIBLE, slot),
            )
            me, target = self._me_and(session, actor, target_actor)
            offer = self.offer_substitute(session, network, me, target, meeting, ref)
            return self._answer_to_offerer(session, offer, target)

        return self._ctx.run(work)

    def offer_substitute(
        self,
        session: Session,
        network: Network,
        me: Person,
        target: Person,
        meeting: Meeting,
        ref: SeatRef | None,
    ) -> SeatOffer:
        """A substitute offer, sent to the target: ``vikar``, the colleague picker, and from within
        another command (``afbud <møde> @vikar``)."""
        offer = offers.offer_substitute(
            session, network, me, target, meeting, ref, self._ctx.now(), self._lifetime
        )
        notices.offer_made(session, offer, target, self._ctx.now())
        return offer

    def _sent(self, session: Session, offer: SeatOffer, target: Person) -> Reply:
        notices.offer_made(session, offer, target, self._ctx.now())
        return self._answer_to_offerer(session, offer, target)

    def _answer_to_offerer(self, session: Session, offer: SeatOffer, target: Person) -> Reply:
        seat = session.get(Seat, offer.seat_id)
        assert seat is not None
        meeting = session.get(Meeting, offer.meeting_id) if offer.meeting_id else None
        holder = session.get(Person, seat.holder_id) if seat.holder_id else None
        instead_of = (
            holder.name
            if meeting is not None and holder is not None and holder.id != offer.from_person_id
            else None
        )
        text = texts.consent.offer_sent(
            offer.kind,
            target.name,
            seat_words(seat),
            self._ctx.directory.name_of(seat.municipality_code),
            self._ctx.when(offer.expires_at),
            texts.meetings.meeting_name(meeting) if meeting is not None else None,
            instead_of,
        )
        return Reply(
            (text,),
            buttons=(Button(texts.consent.WITHDRAW_BUTTON, Action.OFFER_WITHDRAW, str(offer.id)),),
            result=Result(ResultKind.OFFER_SENT, ids={"offer": offer.id}),
        )

    def _me_and(self, session: Session, actor: Actor, target: Actor) -> tuple[Person, Person]:
        return self._ctx.people.me(session, actor), self._ctx.people.upsert(session, target)

    @property
    def _lifetime(self) -> timedelta:
        return self._ctx.settings.offer_lifetime

    # -- answers ----------------------------------------------------------------------------

    def accept(self, actor: Actor, offer_id: int) -> Reply:
        def work(session: Session, network: Network) -> Reply:
            now = self._ctx.now()
            # A substitute gets the meeting's remaining direct messages without re-planning:
            # their recipients are read when they are due.
            outcome = answers.accept(
                session, network, offer_id, self._ctx.people.me(session, actor), now
            )
            notices.offer_decided(session, outcome.offer, now)
            holder = session.get(Person, outcome.seat.holder_id) if outcome.seat.holder_id else None
            if (
                outcome.meeting is not None
                and holder is not None
                and holder.id != outcome.offerer.id
            ):
                notices.substitute_taken(session, outcome.offer, holder, now)
            code = outcome.seat.municipality_code
            self._approvals.coordinator_changed(session, network, code, now)
            meeting = texts.meetings.meeting_name(outcome.meeting) if outcome.meeting else None
            # After a swap the target holds the offerer's former seat, which is the offer's.
            text = texts.consent.offer_accepted_for_target(
                outcome.offer.kind,
                seat_words(outcome.seat),
                self._ctx.directory.name_of(code),
                meeting,
            )
            return Reply(
                (text,),
                replace_original=True,
                result=Result(ResultKind.OFFER_ACCEPTED, ids={"offer": offer_id}),
            )

        return self._answer(offer_id, work)

    def decline(self, actor: Actor, offer_id: int) -> Reply:
        """Afvis, by the person the offer is for: the message turns into the answer."""
        return self._closed(
            actor,
            offer_id,
            answers.decline,
            lambda outcome: texts.consent.offer_declined_by_you(outcome.offerer.name),
            Result(ResultKind.OFFER_DECLINED, ids={"offer": offer_id}),
            replace_original=True,
        )

    def withdraw(self, actor: Actor, offer_id: int) -> Reply:
        """Træk tilbage, by the one who made the offer."""
        return self._closed(
            actor,
            offer_id,
            answers.withdraw,
            lambda outcome: texts.consent.offer_withdrawn_by_you(outcome.target.name),
            Result(ResultKind.OFFER_WITHDRAWN, ids={"offer": offer_id}),
            replace_original=False,
        )

    def _closed(
        self,
        actor: Actor,
        offer_id: int,
        close: Callable[[Session, Network, int, Person, datetime], answers.OfferOutcome],
        text: Callable[[answers.OfferOutcome], str],
        result: Result,
        *,
        replace_original: bool,
    ) -> Reply:
        def work(session: Session, network: Network) -> Reply:
            outcome = self._close(session, network, actor, offer_id, close)
            return Reply((text(outcome),), replace_original=replace_original, result=result)

        return self._answer(offer_id, work)

    def _close(
        self,
        session: Session,
        network: Network,
        actor: Actor,
        offer_id: int,
        close: Callable[[Session, Network, int, Person, datetime], answers.OfferOutcome],
    ) -> answers.OfferOutcome:
        now = self._ctx.now()
        outcome = close(session, network, offer_id, self._ctx.people.me(session, actor), now)
        notices.offer_decided(session, outcome.offer, now)
        return outcome

    def withdraw_mine(self, actor: Actor, args: str) -> Reply:
        """``fortryd``: withdraw every open offer of mine."""

        def work(session: Session, network: Network) -> Reply:
            now = self._ctx.now()
            me = self._ctx.people.me(session, actor)
            mine = offers.open_offers_from(session, network, me)
            if not mine:
                raise DomainError(ErrorKind.NO_OPEN_OFFERS)
            for offer in mine:
                answers.withdraw(session, network, offer.id, me, now)
                notices.offer_decided(session, offer, now)
            return Reply(
                (texts.consent.offers_withdrawn(len(mine)),),
                result=Result(ResultKind.OFFERS_WITHDRAWN, ids={"count": len(mine)}),
            )

        return self._ctx.run(work)

    def _answer(self, offer_id: int, work: Callable[[Session, Network], Reply]) -> Reply:
        """Run an answer; an accept that found the offer expired or overtaken rolls back, so
        that outcome is recorded in a transaction of its own (and the request updated)."""
        try:
            return self._ctx.run(work)
        except DomainError as err:
            status = err.params.get("status")
            if err.kind is ErrorKind.OFFER_CLOSED and status in ("expired", "void"):
                self._settle(offer_id, OfferStatus(status))
            raise

    def _settle(self, offer_id: int, status: OfferStatus) -> None:
        def work(session: Session, network: Network) -> None:
            now = self._ctx.now()
            offer = session.get(SeatOffer, offer_id)
            if offer is None or offer.status != OfferStatus.PENDING.value:
                return
            offer.status, offer.decided_at = status.value, now
            session.flush()
            seat = session.get(Seat, offer.seat_id)
            target = session.get(Person, offer.to_person_id)
            if seat is not None and status is OfferStatus.EXPIRED:
                record(session, seat, SeatAction.EXPIRED, now, person=target, offer_id=offer.id)
            notices.offer_decided(session, offer, now)

        self._ctx.run(work)

    def expire_offers(self) -> int:
        """Offers that ran out: close them and update their messages (a minutely job)."""

        def work(session: Session, network: Network) -> int:
            now = self._ctx.now()
            expired = answers.expire_offers(session, network, now)
            for outcome in expired:
                notices.offer_decided(session, outcome.offer, now)
            return len(expired)

        return self._ctx.run(work)
