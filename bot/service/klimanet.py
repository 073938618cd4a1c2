"""The application service: what Klimanet does, independent of the chat platform.

Adapters (the Slack handlers, the local console, a future Teams adapter) turn what a person did
into one call here and render the neutral answer they get back. Every call is one database
transaction; a ``DomainError`` rolls it back and becomes a Danish sentence with a structured
result. The work itself is done by one module per area; this facade routes to them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot import texts
from bot.db import SessionFactory, insert_ignore
from bot.domain.errors import DomainError
from bot.domain.municipalities import MunicipalityDirectory
from bot.domain.registration import Actor
from bot.models import NetworkFacilitator
from bot.ports import Clock, Forget, ProfileLookup
from bot.posts import home_refresh, planner
from bot.posts.outbox import next_due
from bot.replies import (
    Action,
    FormErrors,
    Home,
    Outcome,
    Reply,
    Result,
    ResultKind,
)
from bot.service.admin import Admin
from bot.service.agenda import Agenda
from bot.service.approvals import Approvals
from bot.service.attendance import Attendance
from bot.service.consent import Consent
from bot.service.context import Context, People, ServiceSettings, TransactionRunner
from bot.service.meetings import MeetingForm, Meetings
from bot.service.overview import HomeImage, Overview
from bot.service.parsing import Unknown, ascii_number, parse
from bot.service.privacy import Privacy, RetentionReport
from bot.service.registration import Registration, RegistrationForm

log = logging.getLogger(__name__)

Command = Callable[[Actor, str], Outcome]
# A click: (who, the button's value or the select's block id, the user a select picked).
Click = Callable[[Actor, str, str | None], Reply]

__all__ = ["HomeImage", "Klimanet", "MeetingForm", "RegistrationForm", "ServiceSettings"]


class Klimanet:
    def __init__(
        self,
        sessions: SessionFactory,
        directory: MunicipalityDirectory,
        clock: Clock,
        *,
        network_slug: str = "klimanet",
        profiles: ProfileLookup | None = None,
        settings: ServiceSettings | None = None,
        forget: Forget | None = None,
    ) -> None:
        self._ctx = Context(
            run=TransactionRunner(sessions, network_slug),
            clock=clock,
            settings=settings or ServiceSettings(),
            directory=directory,
            people=People(profiles, clock),
        )
        approvals = Approvals(self._ctx)
        self.registration = Registration(self._ctx, approvals)
        self.meetings = Meetings(self._ctx)
        self.agenda = Agenda(self._ctx)
        self.consent = Consent(self._ctx, approvals)
        self.attendance = Attendance(self._ctx, self.consent)
        self.overview = Overview(self._ctx)
        self.privacy = Privacy(self._ctx, approvals, sessions, forget)
        self.admin = Admin(self._ctx, approvals, erase=self.privacy.admin_erase)
        self._approvals = approvals
        if self._ctx.settings.home_tab:
            # Changes that alter someone's App Home plan its republishing (posts/home_refresh.py).
            home_refresh.watch(sessions, clock)
        # The subcommands of /klimanet, by their canonical (folded) name; see parsing.SUBCOMMANDS.
        self._commands: dict[str, Command] = {
            "tilmeld": self.registration.command,
            "pladser": self.registration.seats,
            "afmeld": self.registration.ask_release,
            "kommuner": self.registration.network,
            "moede": self.meetings.command,
            "moeder": self.meetings.list_meetings,
            "dagsorden": self.meetings.agenda,
            "kalender": self.meetings.calendar,
            "punkt": self.agenda.item_command,
            "nyt": self.agenda.news,
            "overdrag": self.consent.handover,
            "byt": self.consent.swap,
            "vikar": self.consent.substitute,
            "fortryd": self.consent.withdraw_mine,
            "afbud": self.attendance.regrets,
            "deltager": self.attendance.attend,
            "deltagere": self.attendance.roster,
            "historik": self.admin.history,
            "admin": self.admin.command,
            "overblik": self.overview.command,
            "eksport": self.overview.export,
            "privatliv": self.privacy.notice,
            "mine-data": self.privacy.my_data,
            "slet-mig": self.privacy.ask_erase,
            "hjaelp": _help,
        }
        self._clicks: dict[str, Click] = {
            Action.RELEASE_CONFIRM: lambda actor, _, __: self.registration.confirm_release(actor),
            Action.RELEASE_CANCEL: lambda _, __, ___: self.registration.keep_seat(),
            Action.OFFER_ACCEPT: _by_id(self.consent.accept),
            Action.OFFER_DECLINE: _by_id(self.consent.decline),
            Action.OFFER_WITHDRAW: _by_id(self.consent.withdraw),
            Action.REQUEST_APPROVE: _by_id(lambda a, i: approvals.decide(a, True, i)),
            Action.REQUEST_REJECT: _by_id(lambda a, i: approvals.decide(a, False, i)),
            Action.ATTEND_YES: _by_id(lambda a, i: self.attendance.still_coming(a, True, i)),
            Action.ATTEND_NO: _by_id(lambda a, i: self.attendance.still_coming(a, False, i)),
            Action.PICK_SUBSTITUTE: self.consent.pick_substitute,
            Action.SEE_ALL: self.overview.see_all,
            Action.ERASE_CONFIRM: lambda actor, _, __: self.privacy.confirm_erase(actor),
            Action.ERASE_CANCEL: lambda _, __, ___: self.privacy.keep(),
        }

    @property
    def directory(self) -> MunicipalityDirectory:
        return self._ctx.directory

    @property
    def settings(self) -> ServiceSettings:
        return self._ctx.settings

    @property
    def plan_config(self) -> planner.PlanConfig:
        """When and where a meeting's posts go (benchmarks and tests plan meetings directly)."""
        return self._ctx.plan

    # -- what people do ---------------------------------------------------------------------

    def command(self, actor: Actor, text: str) -> Outcome:
        """``/klimanet <text>``: always an answer, never an exception for bad input."""
        parsed = parse(text)
        if isinstance(parsed, Unknown):
            return Reply(
                (texts.unknown_command(parsed.word, parsed.suggestion),),
                result=Result(ResultKind.UNKNOWN_COMMAND),
            )
        try:
            return self._commands[parsed.name](actor, parsed.args)
        except DomainError as err:
            return Reply((texts.error(err),), result=Result.refused(err.kind))

    def click(
        self, actor: Actor, action_id: str, value: str, selected_user: str | None = None
    ) -> Reply:
        """A button or select on one of the bot's messages. Buttons carry ids only; the state
        is read again here, so a stale or double click gets a clear answer."""
        handler = self._clicks.get(action_id)
        if handler is None:
            return Reply((texts.unknown_button(),), result=Result(ResultKind.UNKNOWN_BUTTON))
        try:
            return handler(actor, value, selected_user)
        except DomainError as err:
            return Reply((texts.error(err),), result=Result.refused(err.kind))

    def submit_registration_form(self, actor: Actor, form: RegistrationForm) -> Reply | FormErrors:
        return self.registration.submit_form(actor, form)

    def submit_meeting_form(
        self, actor: Actor, number: int | None, form: MeetingForm
    ) -> Reply | FormErrors:
        return self.meetings.submit_form(actor, number, form)

    def confirm_release(self, actor: Actor) -> Reply:
        return self.registration.confirm_release(actor)

    def home(self, actor: Actor) -> Home:
        """The App Home tab of ``actor``, from current data."""
        return self.overview.home(actor)

    def home_image(self, actor: Actor) -> HomeImage | None:
        """The picture on a facilitator's App Home (slow the first time: matplotlib)."""
        return self.overview.home_image(actor)

    def open_registration(self, actor: Actor) -> Outcome:
        """The App Home's "Tilmeld" button: what ``/klimanet tilmeld`` answers."""
        return self.command(actor, "tilmeld")

    # -- what runs on the clock -------------------------------------------------------------

    def replan(self) -> int:
        """Plan every upcoming meeting's posts again (idempotent): the scheduler's safety net."""
        return self._ctx.run(
            lambda s, n: planner.plan_upcoming(s, n, self._ctx.plan, self._ctx.now())
        )

    def expire_offers(self) -> int:
        return self.consent.expire_offers()

    def retention(self) -> RetentionReport:
        """The daily data-protection job (``KLIMANET_RETENTION``)."""
        return self.privacy.retention()

    def user_deactivated(self, team_id: str, user_id: str) -> bool:
        """The chat workspace deactivated an account (Slack: ``user_change``, ``deleted``)."""
        return self.privacy.deactivated(team_id, user_id)

    def next_post_due(self, until: datetime) -> datetime | None:
        return self._ctx.run(lambda s, n: next_due(s, until))

    def make_facilitator(self, user_id: str) -> None:
        """The local console's user plans meetings too; Slack facilitators come from settings."""
        self._ctx.run(
            lambda s, n: insert_ignore(
                s,
                NetworkFacilitator.__table__,  # type: ignore[arg-type]
                [{"network_id": n.id, "user_id": user_id}],
            )
        )


def _help(actor: Actor, args: str) -> Reply:
    return Reply(tuple(texts.help_text()), result=Result(ResultKind.HELP))


def _by_id(handler: Callable[[Actor, int], Reply]) -> Click:
    """A button whose value is an internal id. Ids are INTEGER columns: nine digits always fit,
    and anything else names nothing (id 0)."""
    return lambda actor, value, _: handler(actor, ascii_number(value, digits=9) or 0)
