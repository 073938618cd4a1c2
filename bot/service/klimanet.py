"""The application service: what Klimanet does, independent of the chat platform.

Adapters (Slack handlers, the local console, a future Teams adapter) turn what a person did into
one call here and render the neutral answer they get back. Every call is one database
transaction; a ``DomainError`` rolls it back and becomes a Danish sentence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bot import texts
from bot.clock import Clock
from bot.db import SessionFactory, transaction
from bot.domain import registration as reg
from bot.domain import seats as seats_domain
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.municipalities import MunicipalityDirectory
from bot.domain.schedule import DEFAULT_SCHEDULE, Offset, parse_schedule
from bot.domain.themes import network_themes
from bot.models import Network, Seat, SeatKind
from bot.posts import planner
from bot.replies import (
    ACTION_RELEASE_CANCEL,
    ACTION_RELEASE_CONFIRM,
    FIELD_KIND,
    FIELD_MUNICIPALITY,
    FIELD_THEMES,
    FIELD_TITLE,
    Button,
    FormErrors,
    Outcome,
    RegistrationFormRequest,
    Reply,
)
from bot.service.meetings import MeetingCommands
from bot.service.parsing import Parsed, Unknown, parse, parse_register_args
from bot.service.seats import SeatCommands

log = logging.getLogger(__name__)

T = TypeVar("T")

TRANSACTION_ATTEMPTS = 4


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    title: str = ""
    deleted: bool = False  # the person has left the workspace


ProfileLookup = Callable[[str], Profile | None]


@dataclass(frozen=True, slots=True)
class RegistrationForm:
    """What a person filled in on the registration form."""

    municipality_code: int | None
    kind: SeatKind | None
    title: str = ""
    themes: Sequence[str] = ()


# Which form field a domain error belongs next to.
_FORM_FIELD_OF_ERROR = {
    ErrorKind.FIXED_SEAT_TAKEN: FIELD_KIND,
    ErrorKind.FLEXIBLE_SEATS_TAKEN: FIELD_KIND,
    ErrorKind.SEAT_KIND_UNKNOWN: FIELD_KIND,
    ErrorKind.THEME_UNKNOWN: FIELD_THEMES,
}


@dataclass(frozen=True, slots=True)
class MeetingSettings:
    """What the meeting side needs from the configuration."""

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Copenhagen"))
    schedule: dict[str, Offset] = field(default_factory=lambda: parse_schedule(DEFAULT_SCHEDULE))
    channel: str | None = None
    # "approval": registrations wait for a facilitator or the coordinator; "open": for trials.
    registration: str = "open"
    offer_lifetime: timedelta = timedelta(hours=72)


class Klimanet:
    def __init__(
        self,
        sessions: SessionFactory,
        directory: MunicipalityDirectory,
        clock: Clock,
        *,
        network_slug: str = "klimanet",
        profiles: ProfileLookup | None = None,
        meeting_settings: MeetingSettings | None = None,
    ) -> None:
        self._sessions = sessions
        self._directory = directory
        self._clock = clock
        self._network_slug = network_slug
        self._profiles = profiles
        settings = meeting_settings or MeetingSettings()
        self._approval = settings.registration == "approval"
        self.plan_config = planner.PlanConfig(settings.schedule, settings.tz, settings.channel)
        self.meetings = MeetingCommands(self._run, clock, settings.tz, self.plan_config)
        self.seats = SeatCommands(
            self._run,
            clock,
            settings.tz,
            self.plan_config,
            directory,
            offer_lifetime=settings.offer_lifetime,
            profile=self._profile_check,
            find_meeting=self.meetings.find,
            find_or_next=self.meetings.find_or_next,
        )

    @property
    def directory(self) -> MunicipalityDirectory:
        return self._directory

    # -- plumbing ---------------------------------------------------------------------------

    def _run(self, work: Callable[[Session, Network], T]) -> T:
        """Run ``work`` in one transaction; retry when a concurrent writer won a unique key."""
        for attempt in range(1, TRANSACTION_ATTEMPTS + 1):
            try:
                with transaction(self._sessions) as session:
                    network = reg.get_network(session, self._network_slug)
                    return work(session, network)
            except (IntegrityError, OperationalError):
                # The retry re-reads and sees the winner's row, so it ends in a clear answer.
                if attempt == TRANSACTION_ATTEMPTS:
                    raise
                log.info("transaction conflict, retrying (attempt %d)", attempt, exc_info=True)
        raise AssertionError("unreachable")

    def _profile_check(self, user_id: str) -> tuple[str, bool] | None:
        if self._profiles is None:
            return None
        try:
            profile = self._profiles(user_id)
        except Exception:  # noqa: BLE001 - the chat's profile is a nicety, never a blocker
            log.warning("profile lookup failed for %s", user_id, exc_info=True)
            return None
        return (profile.name, profile.deleted) if profile else None

    def _with_profile(self, actor: reg.Actor) -> reg.Actor:
        if self._profiles is None:
            return actor
        try:
            profile = self._profiles(actor.user_id)
        except Exception:  # noqa: BLE001 - the chat's profile is a nicety, never a blocker
            log.warning("profile lookup failed for %s", actor.user_id, exc_info=True)
            return actor
        if profile is None:
            return actor
        return replace(actor, name=profile.name or actor.name, title=profile.title or actor.title)

    # -- commands ---------------------------------------------------------------------------

    def command(self, actor: reg.Actor, text: str) -> Outcome:
        """``/klimanet <text>``: always an answer, never an exception for bad input."""
        parsed = parse(text)
        if isinstance(parsed, Unknown):
            return Reply((texts.unknown_command(parsed.word, parsed.suggestion),))
        try:
            return self._dispatch(actor, parsed)
        except DomainError as err:
            return Reply((texts.error(err),))

    def _dispatch(self, actor: reg.Actor, parsed: Parsed) -> Outcome:
        match parsed.name:
            case "tilmeld":
                return self._register_command(actor, parsed.args)
            case "pladser":
                return self._seats(actor, parsed.args)
            case "afmeld":
                return self._ask_release(actor)
            case "kommuner":
                return Reply(tuple(texts.network_summary(self._run(reg.summary))))
            case "moede":
                return self.meetings.meeting_command(actor, parsed.args)
            case "moeder":
                return self.meetings.list_meetings(actor)
            case "dagsorden":
                return self.meetings.agenda(parsed.args)
            case "kalender":
                return self.meetings.calendar(parsed.args)
            case "punkt":
                return self.meetings.item_command(actor, parsed.args)
            case "nyt":
                return self.meetings.news(actor, parsed.args)
            case "overdrag":
                return self.seats.handover(actor, parsed.args)
            case "byt":
                return self.seats.swap(actor, parsed.args)
            case "vikar":
                return self.seats.substitute(actor, parsed.args)
            case "afbud":
                return self.seats.regrets(actor, parsed.args)
            case "deltager":
                return self.seats.attend(actor, parsed.args)
            case "deltagere":
                return self.seats.roster(parsed.args)
            case "historik":
                return self.seats.history(actor, parsed.args)
            case "admin":
                return self.seats.admin(actor, parsed.args)
            case "fortryd":
                return self.seats.withdraw_mine(actor)
            case _:
                return Reply(tuple(texts.help_text()))

    def _register_command(self, actor: reg.Actor, args: str) -> Outcome:
        if not args:
            mine = self._run(lambda s, n: reg.my_overview(s, n, actor))
            if mine is not None:
                seat = next(x for x in mine.seats if x.holder and x.holder.user_id == actor.user_id)
                raise DomainError(ErrorKind.ALREADY_REGISTERED, municipality=mine, seat=seat)
            return RegistrationFormRequest(theme_options=tuple(self._run(network_themes)))
        parsed = parse_register_args(args)
        municipality = self._directory.resolve(parsed.municipality)
        return self.register(actor, RegistrationForm(municipality.code, parsed.kind))

    def register(self, actor: reg.Actor, form: RegistrationForm) -> Reply:
        """Register from a one-line command or a submitted form. Raises ``DomainError``."""
        if form.municipality_code is None:
            raise DomainError(ErrorKind.MUNICIPALITY_MISSING)
        actor = self._with_profile(actor)
        code = form.municipality_code

        def work(session: Session, network: Network) -> reg.Registration:
            now = self._clock.now()
            result = reg.register(
                session,
                network,
                actor,
                code,
                form.kind,
                now,
                title=form.title or None,
                themes=form.themes or None,
                needs_approval=self._approval,
            )
            if result.request_id is not None:
                self.seats.ask_for_approval(session, network, result.request_id, now)
            # No re-planning here: who gets a meeting's direct messages is decided when they
            # are due, so a new seat holder is included without touching the outbox now.
            return result

        result = self._run(work)
        if result.approver is not None:
            return Reply(
                (
                    texts.registration_pending(result.seat, result.overview, result.approver),
                    texts.overview_text(result.overview),
                )
            )
        return Reply(
            (
                texts.registered(result.seat, result.overview, result.became_member),
                texts.overview_text(result.overview),
            ),
            context=texts.registered_context(),
        )

    def submit_registration_form(
        self, actor: reg.Actor, form: RegistrationForm
    ) -> Reply | FormErrors:
        """The form's answer: the confirmation, or errors to show next to the fields."""
        if form.municipality_code is None or self._directory.get(form.municipality_code) is None:
            return FormErrors({FIELD_MUNICIPALITY: texts.form_municipality_required()})
        try:
            return self.register(actor, form)
        except DomainError as err:
            field = _FORM_FIELD_OF_ERROR.get(err.kind, FIELD_MUNICIPALITY)
            if err.kind is ErrorKind.TEXT_TOO_LONG:
                field = FIELD_TITLE if err.params.get("field") == "titel" else FIELD_THEMES
            return FormErrors({field: texts.plain(texts.error(err))})

    def _seats(self, actor: reg.Actor, args: str) -> Reply:
        if args:
            code = self._directory.resolve(args).code
            result = self._run(lambda s, n: reg.overview(s, n, code))
        else:
            mine = self._run(lambda s, n: reg.my_overview(s, n, actor))
            if mine is None:
                return Reply((texts.seats_not_registered(),))
            result = mine
        return Reply((texts.overview_text(result),))

    def _ask_release(self, actor: reg.Actor) -> Reply:
        mine = self._run(lambda s, n: reg.my_overview(s, n, actor))
        if mine is None:
            raise DomainError(ErrorKind.NOT_REGISTERED)
        seat = next(x for x in mine.seats if x.holder and x.holder.user_id == actor.user_id)
        return Reply(
            (texts.confirm_release(seat, mine),),
            buttons=(
                Button(texts.RELEASE_BUTTON, ACTION_RELEASE_CONFIRM, "release", "danger"),
                Button(texts.CANCEL_BUTTON, ACTION_RELEASE_CANCEL, "keep"),
            ),
        )

    def home(self, actor: reg.Actor) -> Reply:
        """The App Home tab: my municipality's seats (or how to join) and the commands."""
        mine = self._run(lambda s, n: reg.my_overview(s, n, actor))
        first = texts.overview_text(mine) if mine else texts.home_not_registered()
        return Reply((texts.home_title(), first, *texts.help_text()[1:]))

    def replan(self) -> int:
        """Plan every upcoming meeting's posts again (idempotent): the scheduler's safety net."""
        return self._run(
            lambda s, n: planner.plan_upcoming(s, n, self.plan_config, self._clock.now())
        )

    def next_post_due(self, until: datetime) -> datetime | None:
        from bot.posts.outbox import next_due

        return self._run(lambda s, n: next_due(s, until))

    def make_facilitator(self, user_id: str) -> None:
        """The local console's user plans meetings too; Slack facilitators come from settings."""
        from bot.db import insert_ignore
        from bot.models import NetworkFacilitator

        self._run(
            lambda s, n: insert_ignore(
                s,
                NetworkFacilitator.__table__,  # type: ignore[arg-type]
                [{"network_id": n.id, "user_id": user_id}],
            )
        )

    # -- buttons ----------------------------------------------------------------------------

    def confirm_release(self, actor: reg.Actor) -> Reply:
        """The "Ja, afmeld mig" button. A second click finds no seat and says so."""

        def work(session: Session, network: Network) -> reg.Release:
            now = self._clock.now()
            released = reg.release(session, network, actor, now)
            seat = session.get(Seat, released.seat_id)
            assert seat is not None
            # Offers about the seat (including the leaver's own) are void now.
            seats_domain.seat_changed_hands(session, seat, now, released.person_id)
            self.seats.after_seat_change(session, network, seat.municipality_code, now)
            return released

        try:
            result = self._run(work)
        except DomainError as err:
            return Reply((texts.error(err),), replace_original=True)
        return Reply(
            (texts.released(result.seat, result.overview), texts.overview_text(result.overview)),
            replace_original=True,
        )

    def cancel_release(self) -> Reply:
        return Reply((texts.release_cancelled(),), replace_original=True)

    def click(
        self, actor: reg.Actor, action_id: str, value: str, selected_user: str | None = None
    ) -> Reply:
        """A button or select on one of the bot's messages. Buttons carry ids only; the state
        is read again here, so a stale or double click gets a clear answer."""
        try:
            return self._click(actor, action_id, value, selected_user)
        except DomainError as err:
            return Reply((texts.error(err),), replace_original=False)

    def _click(
        self, actor: reg.Actor, action_id: str, value: str, selected_user: str | None
    ) -> Reply:
        # Ids are INTEGER columns: nine digits always fit, and longer ones name nothing.
        number = int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else 0
        match action_id:
            case "release_confirm":
                return self.confirm_release(actor)
            case "release_cancel":
                return self.cancel_release()
            case "offer_accept" | "offer_decline" | "offer_withdraw":
                return self.seats.decide_offer(actor, action_id, number)
            case "request_approve" | "request_reject":
                return self.seats.decide_request(actor, action_id == "request_approve", number)
            case "attend_yes" | "attend_no":
                return self.seats.still_coming(actor, action_id == "attend_yes", number)
            case "pick_substitute":
                return self.seats.pick_substitute(actor, value, selected_user)
        return Reply((texts.unknown_button(),))
