"""Seat changes with consent, as commands and clicks: ``overdrag``, ``byt``, ``vikar``, ``afbud``,
``deltager``, ``deltagere``, ``historik``, ``admin plads``, ``fortryd``, and the buttons on the
messages they send. Every message that asks someone for consent is an outbox row rendered from
the current state, so a decision elsewhere (or an expiry) updates it in place.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.clock import Clock
from bot.domain import meetings as dm
from bot.domain import seats as sd
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.municipalities import MunicipalityDirectory
from bot.domain.registration import Actor, upsert_person
from bot.models import (
    Meeting,
    Municipality,
    Network,
    NetworkFacilitator,
    OfferStatus,
    OutboxMessage,
    OutboxStatus,
    Person,
    Seat,
    SeatAction,
    SeatKind,
    SeatOffer,
    SeatRequest,
)
from bot.posts import planner
from bot.posts.outbox import Planned, enqueue
from bot.replies import (
    ACTION_OFFER_ACCEPT,
    ACTION_OFFER_DECLINE,
    ACTION_OFFER_WITHDRAW,
    Button,
    Reply,
)
from bot.service.meetings import Runner
from bot.service.parsing import Mention, mentions, seat_spec, tokens
from bot.texts.dates import format_when

ProfileCheck = Callable[[str], tuple[str, bool] | None]  # user id -> (name, left the workspace)


def seat_words(seat: Seat) -> str:
    return texts.seat_label(SeatKind(seat.kind), seat.slot, definite=True)


class SeatCommands:
    def __init__(
        self,
        run: Runner,
        clock: Clock,
        tz: ZoneInfo,
        plan: planner.PlanConfig,
        directory: MunicipalityDirectory,
        *,
        offer_lifetime: timedelta,
        profile: ProfileCheck,
        find_meeting: Callable[[Session, Network, str], Meeting],
        find_or_next: Callable[[Session, Network, str], Meeting],
    ) -> None:
        self._find_meeting = find_meeting
        self._find_or_next = find_or_next
        self._run = run
        self._clock = clock
        self._tz = tz
        self._plan = plan
        self._directory = directory
        self._lifetime = offer_lifetime
        self._profile = profile

    # -- helpers ----------------------------------------------------------------------------

    def _me(self, session: Session, actor: Actor) -> Person:
        """The acting person. A slash command carries a handle, not a name: the profile's name
        (users.info, cached) is used when there is one."""
        profile = self._profile(actor.user_id)
        if profile is not None and profile[0]:
            return upsert_person(
                session, Actor(actor.team_id, actor.user_id, profile[0]), self._clock.now()
            )
        return upsert_person(session, actor, self._clock.now(), update_name=False)

    def _target_actor(self, actor: Actor, mention: Mention | None, command: str) -> Actor:
        """Resolve a mention to a person, checking they are still in the workspace."""
        if mention is None:
            raise DomainError(ErrorKind.MENTION_MISSING, command=command)
        if mention.user_id is None:
            raise DomainError(ErrorKind.MENTION_UNRESOLVED, value=mention.text)
        profile = self._profile(mention.user_id)
        # Unknown name: leave it empty so a name we already know is not overwritten.
        name = profile[0] if profile else ""
        if profile is not None and profile[1]:
            raise DomainError(ErrorKind.TARGET_GONE, name=name)
        if not name and "|" in mention.text:  # Slack gave us the name it showed
            name = mention.text.split("|", 1)[1].rstrip(">")
        return Actor(actor.team_id, mention.user_id, name)

    def _meeting(self, session: Session, network: Network, ref: str) -> Meeting:
        """A meeting by number (12, #12) or date (25.06.2027), as the meeting commands read it."""
        return self._find_meeting(session, network, ref)

    def _when(self, at: datetime) -> str:
        return format_when(at, self._tz)

    def _municipality_name(self, session: Session, code: int) -> str:
        municipality = session.get(Municipality, code)
        return municipality.name if municipality else str(code)

    def _notify_offer(self, session: Session, offer: SeatOffer, now: datetime) -> None:
        target = session.get(Person, offer.to_person_id)
        assert target is not None
        enqueue(
            session,
            [
                Planned(
                    f"offer:{offer.id}:to",
                    "offer",
                    target.user_id,
                    now,
                    offer.meeting_id,  # a substitute offer tells its target about the meeting
                    {"offer_id": offer.id},
                    person_id=target.id,
                )
            ],
            now,
        )

    def _offer_decided(self, session: Session, offer: SeatOffer, now: datetime) -> None:
        """Update the consent message in place, and tell the offerer how it ended."""
        rows = [
            Planned(
                f"refresh:offer:{offer.id}:{offer.status}",
                "refresh",
                "-",
                now,
                None,
                {"key": f"offer:{offer.id}:to"},
            )
        ]
        offerer = session.get(Person, offer.from_person_id)
        if offerer is not None and offer.status != OfferStatus.WITHDRAWN.value:
            rows.append(
                Planned(
                    f"offer_result:{offer.id}:{offer.status}",
                    "offer_result",
                    offerer.user_id,
                    now,
                    None,
                    {"offer_id": offer.id},
                    person_id=offerer.id,
                )
            )
        enqueue(session, rows, now)

    def _offer_reply(self, session: Session, offer: SeatOffer) -> Reply:
        target = session.get(Person, offer.to_person_id)
        seat = session.get(Seat, offer.seat_id)
        assert target is not None and seat is not None
        name = self._municipality_name(session, seat.municipality_code)
        text = texts.offer_sent(
            offer.kind, target.name, seat_words(seat), name, self._when(offer.expires_at)
        )
        return Reply(
            (text,), buttons=(Button(texts.WITHDRAW_BUTTON, ACTION_OFFER_WITHDRAW, str(offer.id)),)
        )

    def _tell_coordinator(
        self, session: Session, meeting: Meeting, result: sd.Regrets, me: Person, now: datetime
    ) -> None:
        """Regrets from someone else than the coordinator: ask the coordinator for a substitute."""
        if result.coordinator is None or result.coordinator.id == me.id:
            return
        key = f"regrets:{meeting.id}:{result.seat.id}:{me.id}"
        payload = {"person_id": me.id, "seat_id": result.seat.id}
        notice = Planned(
            key,
            "regrets_notice",
            result.coordinator.user_id,
            now,
            meeting.id,
            payload,
            person_id=result.coordinator.id,
        )
        enqueue(session, [notice], now)

    # -- commands ---------------------------------------------------------------------------

    def handover(self, actor: Actor, args: str) -> Reply:
        found, rest = mentions(tokens(args))
        target_actor = self._target_actor(actor, found[0] if found else None, "overdrag")
        spec = seat_spec(rest)

        def work(session: Session, network: Network) -> Reply:
            now = self._clock.now()
            me, target = self._me(session, actor), upsert_person(session, target_actor, now)
            ref = None
            if spec is not None:
                if spec[1] is None:
                    raise DomainError(ErrorKind.SEAT_SPEC_INVALID, value="fleksibel")
                ref = sd.SeatRef(spec[0], spec[1])
            offer = sd.offer_handover(session, network, me, target, ref, now, self._lifetime)
            self._notify_offer(session, offer, now)
            return self._offer_reply(session, offer)

        return self._run(work)

    def swap(self, actor: Actor, args: str) -> Reply:
        found, _ = mentions(tokens(args))
        target_actor = self._target_actor(actor, found[0] if found else None, "byt")

        def work(session: Session, network: Network) -> Reply:
            now = self._clock.now()
            me, target = self._me(session, actor), upsert_person(session, target_actor, now)
            offer = sd.offer_swap(session, network, me, target, now, self._lifetime)
            self._notify_offer(session, offer, now)
            return self._offer_reply(session, offer)

        return self._run(work)

    def substitute(self, actor: Actor, args: str) -> Reply:
        words = tokens(args)
        found, rest = mentions(words)
        ref_word = rest[0] if rest else ""
        target_actor = self._target_actor(
            actor, found[0] if found else None, f"vikar {ref_word or '<møde>'}"
        )
        spec = seat_spec(rest[1:])

        def work(session: Session, network: Network) -> Reply:
            now = self._clock.now()
            meeting = self._meeting(session, network, ref_word)
            me, target = self._me(session, actor), upsert_person(session, target_actor, now)
            ref = sd.SeatRef(spec[0], spec[1] or 1) if spec is not None else None
            if ref is None and not self._is_own_flexible_default(session, network, me):
                ref = self._free_flexible_for(session, network, me, meeting)
            offer = sd.offer_substitute(
                session, network, me, target, meeting, ref, now, self._lifetime
            )
            self._notify_offer(session, offer, now)
            return self._offer_reply(session, offer)

        return self._run(work)

    def _is_own_flexible_default(self, session: Session, network: Network, me: Person) -> bool:
        """A flexible holder naming a substitute means their own seat."""
        own = sd.seat_of(session, network, me)
        return own is not None and own.kind == SeatKind.FLEXIBLE.value

    def _free_flexible_for(
        self, session: Session, network: Network, me: Person, meeting: Meeting
    ) -> sd.SeatRef:
        """The coordinator without a seat named: the first flexible seat without a substitute."""
        own = sd.held_seat(session, network, me)
        for slot in (1, 2):
            seat = session.scalars(
                select(Seat).where(
                    Seat.network_id == network.id,
                    Seat.municipality_code == own.municipality_code,
                    Seat.kind == SeatKind.FLEXIBLE.value,
                    Seat.slot == slot,
                )
            ).one_or_none()
            if seat is not None:
                row = sd.attendance_of(session, meeting, seat)
                if row is None or row.role != "substitute":
                    return sd.SeatRef(SeatKind.FLEXIBLE, slot)
        return sd.SeatRef(SeatKind.FLEXIBLE, 1)

    def regrets(self, actor: Actor, args: str) -> Reply:
        words = tokens(args)
        found, rest = mentions(words)
        ref_word = rest[0] if rest else ""
        substitute_actor = self._target_actor(actor, found[0], "afbud") if found else None

        def work(session: Session, network: Network) -> Reply:
            now = self._clock.now()
            meeting = self._meeting(session, network, ref_word)
            me = self._me(session, actor)
            result = sd.send_regrets(session, network, meeting, me, now)
            asked = None
            if substitute_actor is not None:
                if result.was_substitute:
                    raise DomainError(ErrorKind.SUBSTITUTE_CHAIN)
                target = upsert_person(session, substitute_actor, now)
                offer = sd.offer_substitute(
                    session, network, me, target, meeting, None, now, self._lifetime
                )
                self._notify_offer(session, offer, now)
                asked = target.name
            else:
                self._tell_coordinator(session, meeting, result, me, now)
            return Reply((texts.regrets_saved(texts.meeting_name(meeting), asked),))

        return self._run(work)

    def attend(self, actor: Actor, args: str) -> Reply:
        ref_word = (tokens(args) or [""])[0]

        def work(session: Session, network: Network) -> Reply:
            meeting = self._meeting(session, network, ref_word)
            sd.confirm(session, network, meeting, self._me(session, actor), self._clock.now())
            return Reply((texts.confirmed_attendance(texts.meeting_name(meeting)),))

        return self._run(work)

    def roster(self, args: str) -> Reply:
        ref_word = (tokens(args) or [""])[0]

        def work(session: Session, network: Network) -> Reply:
            meeting = self._find_or_next(session, network, ref_word)
            municipalities = sd.roster(session, network, meeting)
            return Reply(tuple(texts.roster_text(texts.meeting_name(meeting), municipalities)))

        return self._run(work)

    def history(self, actor: Actor, args: str) -> Reply:
        code = self._directory.resolve(args).code if args.strip() else None

        def work(session: Session, network: Network) -> Reply:
            nonlocal code
            if code is None:
                me = self._me(session, actor)
                own = sd.seat_of(session, network, me)
                code = own.municipality_code if own else None
            lines = sd.history(session, network, code)
            name = self._municipality_name(session, code) if code else None
            return Reply(tuple(texts.history_text(lines, self._tz, name)))

        return self._run(work)

    def admin(self, actor: Actor, args: str) -> Reply:
        words = tokens(args)
        if not words or words[0].casefold() != "plads":
            raise DomainError(
                ErrorKind.OPTION_UNKNOWN,
                value=words[0] if words else "",
                allowed=["plads"],
                command="admin",
            )
        found, rest = mentions(words[1:])
        spec_index = next((i for i, w in enumerate(rest) if seat_spec([w])), None)
        if spec_index is None:
            raise DomainError(ErrorKind.SEAT_SPEC_INVALID, value=" ".join(rest))
        municipality = self._directory.resolve(" ".join(rest[:spec_index]))
        spec = seat_spec(rest[spec_index:])
        assert spec is not None
        if spec[1] is None:
            raise DomainError(ErrorKind.SEAT_SPEC_INVALID, value=rest[spec_index])
        after = rest[spec_index + (2 if spec[0] is SeatKind.FLEXIBLE else 1) :]
        reason = " ".join(after)
        target_actor = self._target_actor(actor, found[0], "admin plads") if found else None

        def work(session: Session, network: Network) -> Reply:
            now = self._clock.now()
            dm.require_facilitator(session, network, actor.user_id)
            me = self._me(session, actor)
            target = upsert_person(session, target_actor, now) if target_actor else None
            seat, previous = sd.admin_set_seat(
                session,
                network,
                municipality.code,
                sd.SeatRef(spec[0], spec[1] or 1),
                target,
                reason,
                me,
                now,
            )
            self.after_seat_change(session, network, municipality.code, now)
            label = texts.seat_label(SeatKind(seat.kind), seat.slot, definite=True)
            notices = []
            for person, gained in ((target, True), (previous, False)):
                if (
                    person is not None
                    and person.id != me.id
                    and (target is None or previous is None or target.id != previous.id)
                ):
                    notices.append(
                        Planned(
                            f"admin:{seat.id}:{now.isoformat()}:person={person.id}",
                            "admin_notice",
                            person.user_id,
                            now,
                            None,
                            {"seat_id": seat.id, "gained": gained, "reason": reason},
                            person_id=person.id,
                        )
                    )
            enqueue(session, notices, now)
            return Reply(
                (
                    texts.admin_done(
                        label,
                        municipality.name,
                        target.name if target else None,
                        previous.name if previous else None,
                    ),
                )
            )

        return self._run(work)

    def withdraw_mine(self, actor: Actor) -> Reply:
        def work(session: Session, network: Network) -> Reply:
            now = self._clock.now()
            me = self._me(session, actor)
            offers = sd.open_offers_from(session, network, me)
            if not offers:
                raise DomainError(ErrorKind.NO_OPEN_OFFERS)
            for offer in offers:
                sd.withdraw(session, network, offer.id, me, now)
                self._offer_decided(session, offer, now)
            return Reply((texts.offers_withdrawn(len(offers)),))

        return self._run(work)

    # -- clicks -----------------------------------------------------------------------------

    def decide_offer(self, actor: Actor, action: str, offer_id: int) -> Reply:
        def work(session: Session, network: Network) -> Reply:
            now = self._clock.now()
            me = self._me(session, actor)
            if action == ACTION_OFFER_ACCEPT:
                # A substitute gets the meeting's remaining direct messages without re-planning:
                # their recipients are read when they are due.
                outcome = sd.accept(session, network, offer_id, me, now)
                # After a swap the target holds the offerer's former seat, which is the offer's.
                name = self._municipality_name(session, outcome.seat.municipality_code)
                meeting_name = texts.meeting_name(outcome.meeting) if outcome.meeting else None
                text = texts.offer_accepted_for_target(
                    outcome.offer.kind, seat_words(outcome.seat), name, meeting_name
                )
            elif action == ACTION_OFFER_DECLINE:
                outcome = sd.decline(session, network, offer_id, me, now)
                text = texts.offer_declined_by_you(outcome.offerer.name)
            else:
                outcome = sd.withdraw(session, network, offer_id, me, now)
                text = texts.offer_withdrawn_by_you(outcome.target.name)
            self._offer_decided(session, outcome.offer, now)
            if action == ACTION_OFFER_ACCEPT:
                self.after_seat_change(session, network, outcome.seat.municipality_code, now)
            return Reply((text,), replace_original=action != ACTION_OFFER_WITHDRAW)

        try:
            return self._run(work)
        except DomainError as err:
            if err.kind is ErrorKind.OFFER_CLOSED and err.params.get("status") in (
                "expired",
                "void",
            ):
                self._settle(offer_id, OfferStatus(err.params["status"]))
            raise

    def _settle(self, offer_id: int, status: OfferStatus) -> None:
        """An accept found the offer expired or overtaken; record that (the accept rolled back)."""

        def work(session: Session, network: Network) -> None:
            now = self._clock.now()
            offer = session.get(SeatOffer, offer_id)
            if offer is None or offer.status != OfferStatus.PENDING.value:
                return
            offer.status, offer.decided_at = status.value, now
            session.flush()
            seat = session.get(Seat, offer.seat_id)
            target = session.get(Person, offer.to_person_id)
            if seat is not None and status is OfferStatus.EXPIRED:
                sd.record(session, seat, SeatAction.EXPIRED, now, person=target, offer_id=offer.id)
            self._offer_decided(session, offer, now)

        self._run(work)

    def expire_offers(self) -> int:
        def work(session: Session, network: Network) -> int:
            now = self._clock.now()
            expired = sd.expire_offers(session, network, now)
            for outcome in expired:
                self._offer_decided(session, outcome.offer, now)
            return len(expired)

        return self._run(work)

    def decide_request(self, actor: Actor, approve: bool, request_id: int) -> Reply:
        def work(session: Session, network: Network) -> Reply:
            now = self._clock.now()
            me = self._me(session, actor)
            facilitator = dm.is_facilitator(session, network, actor.user_id)
            decision = sd.decide_request(
                session, network, request_id, me, facilitator, approve, now
            )
            approvals = session.scalars(
                select(OutboxMessage.key).where(
                    OutboxMessage.key.like(f"approval:{request_id}:%"),
                    OutboxMessage.status == OutboxStatus.SENT.value,
                )
            ).all()
            rows = [
                Planned(
                    f"refresh:{key}:{decision.request.status}",
                    "refresh",
                    "-",
                    now,
                    None,
                    {"key": key},
                )
                for key in approvals
            ]
            rows.append(
                Planned(
                    f"approval_result:{request_id}",
                    "approval_result",
                    decision.applicant.user_id,
                    now,
                    None,
                    {"request_id": request_id},
                    person_id=decision.applicant.id,
                )
            )
            enqueue(session, rows, now)
            return Reply(
                (texts.decided_request(approve, decision.applicant.name),), replace_original=True
            )

        return self._run(work)

    def still_coming(self, actor: Actor, coming: bool, meeting_id: int) -> Reply:
        def work(session: Session, network: Network) -> Reply:
            now = self._clock.now()
            meeting = session.get(Meeting, meeting_id)
            if meeting is None or meeting.network_id != network.id:
                raise DomainError(ErrorKind.MEETING_UNKNOWN, ref=str(meeting_id))
            me = self._me(session, actor)
            if coming:
                sd.confirm(session, network, meeting, me, now)
            else:
                result = sd.send_regrets(session, network, meeting, me, now)
                self._tell_coordinator(session, meeting, result, me, now)
            return Reply((texts.still_coming_answered(coming),), replace_original=True)

        return self._run(work)

    def pick_substitute(self, actor: Actor, block_id: str, user_id: str | None) -> Reply:
        """The announcement's user select: send a colleague on a flexible seat for the meeting."""
        parts = block_id.split(":")
        if (
            len(parts) != 3
            or not (parts[1].isascii() and parts[1].isdigit() and len(parts[1]) <= 9)
            or parts[2] not in ("1", "2")
            or not user_id
        ):
            raise DomainError(ErrorKind.SEAT_SPEC_INVALID, value=block_id)
        target_actor = self._target_actor(actor, Mention(user_id, f"<@{user_id}>"), "vikar")
        meeting_id, slot = int(parts[1]), int(parts[2])

        def work(session: Session, network: Network) -> Reply:
            now = self._clock.now()
            meeting = session.get(Meeting, meeting_id)
            if meeting is None or meeting.network_id != network.id:
                raise DomainError(ErrorKind.MEETING_UNKNOWN, ref=str(meeting_id))
            me, target = self._me(session, actor), upsert_person(session, target_actor, now)
            offer = sd.offer_substitute(
                session,
                network,
                me,
                target,
                meeting,
                sd.SeatRef(SeatKind.FLEXIBLE, slot),
                now,
                self._lifetime,
            )
            self._notify_offer(session, offer, now)
            return self._offer_reply(session, offer)

        return self._run(work)

    def after_seat_change(
        self, session: Session, network: Network, code: int, now: datetime
    ) -> None:
        """A new coordinator inherits the registrations waiting for the coordinator."""
        for request_id in sd.pending_coordinator_requests(session, network, code):
            self.ask_for_approval(session, network, request_id, now)

    # -- registration approval ----------------------------------------------------------------

    def ask_for_approval(
        self, session: Session, network: Network, request_id: int, now: datetime
    ) -> None:
        """DM the approvers of a pending registration: its coordinator, or the facilitators."""
        request = session.get(SeatRequest, request_id)
        assert request is not None
        seat = session.get(Seat, request.seat_id)
        assert seat is not None
        if request.approver == "coordinator":
            coordinator = sd.coordinator_of(session, network, seat.municipality_code)
            approvers = [coordinator.user_id] if coordinator else []
        else:
            approvers = list(
                session.scalars(
                    select(NetworkFacilitator.user_id).where(
                        NetworkFacilitator.network_id == network.id
                    )
                )
            )
        enqueue(
            session,
            [
                Planned(
                    f"approval:{request_id}:user={user}",
                    "approval",
                    user,
                    now,
                    None,
                    {"request_id": request_id},
                )
                for user in approvers
            ],
            now,
        )
