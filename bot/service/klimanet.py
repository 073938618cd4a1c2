"""The application service: what Klimanet does, independent of the chat platform.

Adapters (the Slack handlers, the local console, a future Teams adapter) turn what a person did
into one call here and render the neutral answer they get back. Every call is one database
transaction; a ``DomainError`` rolls it back and becomes a Danish sentence with a structured
result. The work itself is done by one module per area; this facade routes to them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime

from bot import texts
from bot.db import SessionFactory, insert_ignore
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.facilitators import is_facilitator
from bot.domain.municipalities import MunicipalityDirectory
from bot.domain.registration import Actor, known_names
from bot.models import NetworkFacilitator, SeatKind
from bot.ports import Clock, Forget, ProfileLookup
from bot.posts import digest, home_refresh, planner
from bot.posts.outbox import next_due
from bot.replies import (
    MAX_BUTTON_VALUE,
    Action,
    Button,
    FeedbackFormRequest,
    FormErrors,
    Home,
    HomeAction,
    MeetingFormRequest,
    Outcome,
    RegistrationFormRequest,
    Reply,
    Result,
    ResultKind,
    ThemesFormRequest,
)
from bot.service.admin import Admin
from bot.service.agenda import Agenda
from bot.service.approvals import Approvals
from bot.service.attendance import Attendance
from bot.service.consent import Consent
from bot.service.context import Context, People, ServiceSettings, TransactionRunner
from bot.service.departures import Departures
from bot.service.feeds import FeedAnswer, Feeds
from bot.service.loop import FeedbackForm, Loop, check_feedback_form
from bot.service.meetings import MeetingForm, Meetings
from bot.service.overview import HomeImage, Overview
from bot.service.parsing import (
    NAMES_A_MEETING,
    NAMES_A_MUNICIPALITY,
    Parsed,
    Unknown,
    ascii_number,
    completed_command,
    fold,
    meeting_completed,
    parse,
)
from bot.service.polls import PollForm, Polls
from bot.service.privacy import Privacy, RetentionReport
from bot.service.registration import Registration, RegistrationForm
from bot.service.succession import Succession
from bot.service.themes import Themes
from bot.service.waiting import Waiting

log = logging.getLogger(__name__)

Command = Callable[[Actor, str], Outcome]
# A click: (who, the button's value or the select's block id, the user a select picked).
Click = Callable[[Actor, str, str | None], Reply]

__all__ = [
    "HomeImage",
    "Klimanet",
    "MeetingForm",
    "PollForm",
    "RegistrationForm",
    "FeedbackForm",
    "ServiceSettings",
]


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
        self.succession = Succession(self._ctx, approvals)
        self.registration = Registration(self._ctx, approvals, self.succession)
        self.meetings = Meetings(self._ctx)
        self.agenda = Agenda(self._ctx)
        self.consent = Consent(self._ctx, approvals)
        self.attendance = Attendance(self._ctx, self.consent)
        self.overview = Overview(self._ctx)
        self.privacy = Privacy(self._ctx, approvals, sessions, forget, self.succession)
        self.admin = Admin(self._ctx, approvals, erase=self.privacy.admin_erase)
        self.waiting = Waiting(self._ctx)
        self.themes = Themes(self._ctx)
        self.polls = Polls(self._ctx)
        self.feeds = Feeds(self._ctx)
        self.loop = Loop(self._ctx)
        self.departures = Departures(self._ctx, self.privacy)
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
            "kalender": self._calendar,
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
            "eksport": self._export,
            "privatliv": self.privacy.notice,
            "mine-data": self.privacy.my_data,
            "slet-mig": self.privacy.ask_erase,
            "afventer": self.waiting.command,
            "fagomraader": self.themes.command,
            "afstemning": self.polls.command,
            "afstemninger": self.polls.list_polls,
            "materiale": self.loop.material,
            "fremmoede": self.loop.presence,
            "feedback": self.loop.feedback,
            "hjaelp": lambda actor, args: Reply(
                tuple(texts.help.help_text(self._ctx.today())), result=Result(ResultKind.HELP)
            ),
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
            Action.PICK_MUNICIPALITY: lambda actor, value, _: self._picked(actor, value),
            Action.MEETING_GO_AHEAD: lambda actor, value, _: self._went_ahead(actor, value),
            Action.MEETING_DROP: lambda _, value, __: self.meetings.drop(value),
            Action.SUBSTITUTE_SEAT: lambda actor, value, _: self._seat_chosen(actor, value),
            Action.TAKE_FIXED_SEAT: _by_id(self.succession.take),
            Action.MEETING_CANCEL: lambda actor, value, _: self.meetings.confirm_cancel(
                actor, value
            ),
            Action.MEETING_KEEP: lambda _, value, __: self.meetings.keep(value),
            Action.MEETING_SEND: lambda actor, value, _: self.meetings.send_button(actor, value),
            Action.PICK_MEETING: lambda actor, value, _: self._picked(
                actor, value, NAMES_A_MEETING
            ),
            Action.POLL_VOTE: lambda actor, value, _: self.polls.vote(actor, value),
            Action.POLL_UNVOTE: lambda actor, value, _: self.polls.vote(actor, value, remove=True),
            Action.PRESENCE_TOGGLE: lambda actor, value, _: self.loop.toggle_click(actor, value),
            Action.PRESENCE_CONFIRM: _by_id(self.loop.confirm_click),
            Action.FEEDBACK_RATE: lambda actor, value, _: self.loop.rate_click(actor, value),
            Action.DEPARTED_RELEASE: _by_id(self.departures.release),
            # Buttons that open a form, clicked on a platform without that form: the command.
            HomeAction.FEEDBACK_FORM: lambda actor, value, _: self._feedback_as_command(
                actor, value
            ),
            HomeAction.REGISTER_PREFILLED: lambda actor, value, _: self._register_as_command(
                actor, value
            ),
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

    def today(self) -> date:
        """Today on the network's wall clock (the service's clock): for examples in forms."""
        return self._ctx.today()

    # -- what people do ---------------------------------------------------------------------

    def command(self, actor: Actor, text: str) -> Outcome:
        """``/klimanet <text>``: always an answer, never an exception for bad input."""
        parsed = parse(text)
        if isinstance(parsed, Unknown):
            return Reply(
                (texts.help.unknown_command(parsed.word, parsed.suggestion),),
                result=Result(ResultKind.UNKNOWN_COMMAND),
            )
        try:
            return self._commands[parsed.name](actor, parsed.args)
        except DomainError as err:
            return Reply(
                (texts.errors.error(err, self._ctx.today()),),
                buttons=_municipality_choices(parsed, err) or _meeting_choices(parsed, err),
                result=Result.refused(err.kind),
            )

    def _calendar(self, actor: Actor, args: str) -> Outcome:
        """``kalender [møde]`` (a meeting's file), ``kalender abonner [netværk]`` and
        ``kalender nulstil`` (subscription links)."""
        word, _, rest = args.strip().partition(" ")
        action = fold(word)
        if action in ("abonner", "abonnér", "abonnement"):
            return self.feeds.subscribe(actor, rest)
        if action == "nulstil":
            return self.feeds.reset(actor, rest)
        return self.meetings.calendar(actor, args)

    def calendar_feed(
        self, secret: str, *, if_none_match: str | None = None, if_modified_since: str | None = None
    ) -> FeedAnswer:
        """``GET /kalender/<secret>.ics``: what the HTTP endpoint answers (200, 304 or 404)."""
        return self.feeds.feed(
            secret, if_none_match=if_none_match, if_modified_since=if_modified_since
        )

    def _picked(
        self, actor: Actor, value: str, names: frozenset[str] = NAMES_A_MUNICIPALITY
    ) -> Reply:
        """A "Mente du …?" (or "which meeting?") choice: run the command it completes, as if
        typed. The value is read like anything typed, and only commands of ``names`` are run."""
        parsed = parse(value)
        if not isinstance(parsed, Parsed) or parsed.name not in names:
            return Reply((texts.common.unknown_button(),), result=Result(ResultKind.UNKNOWN_BUTTON))
        outcome = self.command(actor, value)
        if not isinstance(outcome, Reply):  # a form: not what a choice of municipality asks
            return Reply((texts.common.unknown_button(),), result=Result(ResultKind.UNKNOWN_BUTTON))
        return replace(outcome, replace_original=True)

    def _seat_chosen(self, actor: Actor, value: str) -> Reply:
        """A seat chosen for a substitute: the ``vikar`` command it completes, run as if typed
        (the value is read like anything typed, and only ``vikar`` is run this way)."""
        parsed = parse(value)
        if not isinstance(parsed, Parsed) or parsed.name != "vikar":
            return Reply((texts.common.unknown_button(),), result=Result(ResultKind.UNKNOWN_BUTTON))
        outcome = self.command(actor, value)
        if not isinstance(outcome, Reply):
            return Reply((texts.common.unknown_button(),), result=Result(ResultKind.UNKNOWN_BUTTON))
        return replace(outcome, replace_original=True)

    def click(
        self, actor: Actor, action_id: str, value: str, selected_user: str | None = None
    ) -> Reply:
        """A button or select on one of the bot's messages. Buttons carry ids only; the state
        is read again here, so a stale or double click gets a clear answer."""
        handler = self._clicks.get(action_id)
        if handler is None:
            return Reply((texts.common.unknown_button(),), result=Result(ResultKind.UNKNOWN_BUTTON))
        try:
            return handler(actor, value, selected_user)
        except DomainError as err:
            return Reply(
                (texts.errors.error(err, self._ctx.today()),), result=Result.refused(err.kind)
            )

    def _export(self, actor: Actor, args: str) -> Reply:
        """``eksport afstemning <nr>`` is a poll's; every other export is the overview's."""
        word, _, rest = args.strip().partition(" ")
        if fold(word) in ("afstemning", "afstemningen"):
            return self.polls.export(actor, rest)
        return self.overview.export(actor, args)

    def _went_ahead(self, actor: Actor, value: str) -> Reply:
        """ "Opret/Flyt alligevel": the warned command, run without the warning."""
        outcome = self.meetings.go_ahead(actor, value)
        if not isinstance(outcome, Reply):
            return Reply((texts.common.unknown_button(),), result=Result(ResultKind.UNKNOWN_BUTTON))
        return replace(outcome, replace_original=True)

    def submit_registration_form(self, actor: Actor, form: RegistrationForm) -> Reply | FormErrors:
        return self.registration.submit_form(actor, form)

    def check_registration_form(self, form: RegistrationForm) -> FormErrors | None:
        """The registration form's problems without touching the database (a modal's ack)."""
        return self.registration.check_form(form)

    def save_registration_form(self, actor: Actor, form: RegistrationForm) -> Reply:
        """After ``check_registration_form`` passed (and the modal was acked): register, or the
        refusal to show in the modal."""
        return self.registration.save_form(actor, form)

    def themes_form(self, actor: Actor) -> ThemesFormRequest:
        """The "Vælg fagområder" button: the form for one's fagområder."""
        return self.themes.form(actor)

    def submit_themes_form(self, actor: Actor, themes: Sequence[str]) -> Reply | FormErrors:
        return self.themes.submit_form(actor, themes)

    def submit_poll_form(self, actor: Actor, form: PollForm) -> Reply | FormErrors:
        return self.polls.submit_form(actor, form)

    def check_themes_form(self, themes: Sequence[str], offered: Sequence[str]) -> FormErrors | None:
        """The fagområder form's problems without the database (a modal's ack): a value the
        form did not offer. None when it may be saved."""
        return self.themes.check_form(themes, offered)

    def save_themes_form(self, actor: Actor, themes: Sequence[str]) -> Reply:
        """After ``check_themes_form`` passed (and the modal was acked): saved, or the refusal
        to show in the modal."""
        return self.themes.save_form(actor, themes)

    def check_poll_form(self, form: PollForm) -> FormErrors | None:
        """The poll form's problems without the database (a modal's ack); None when it may be
        saved (who may open a poll is checked then)."""
        checked = self.polls.check_form(form)
        return checked if isinstance(checked, FormErrors) else None

    def save_poll_form(self, actor: Actor, form: PollForm) -> Reply:
        """After ``check_poll_form`` passed (and the modal was acked): the poll opened, or the
        refusal to show in the modal."""
        return self.polls.save_form(actor, form)

    def submit_meeting_form(
        self, actor: Actor, number: int | None, form: MeetingForm
    ) -> Reply | FormErrors | MeetingFormRequest:
        return self.meetings.submit_form(actor, number, form)

    def check_meeting_form(self, form: MeetingForm) -> FormErrors:
        """The meeting form's problems, every field at once, without touching the database (a
        modal's ack; the console after each answer). Empty when there are none."""
        return self.meetings.check_form(form)

    def home(self, actor: Actor) -> Home:
        """The App Home tab of ``actor``, from current data."""
        return self.overview.home(actor)

    def home_image(self, actor: Actor) -> HomeImage | None:
        """The picture on a facilitator's App Home (slow the first time: matplotlib)."""
        return self.overview.home_image(actor)

    def open_registration(self, actor: Actor) -> Outcome:
        """The App Home's "Tilmeld" button: what ``/klimanet tilmeld`` answers."""
        return self.command(actor, "tilmeld")

    def open_registration_prefilled(self, actor: Actor, value: str) -> Outcome:
        """A nudge's "Tilmeld en kollega" (value ``<code>:<kind>``): the registration form with
        the municipality and the seat filled in; someone who has a seat already is told that
        their colleague must fill it in. A forged value fills in nothing."""
        code_text, _, kind_text = value.partition(":")
        code = int(code_text) if code_text.isascii() and code_text.isdigit() else None
        known = code is not None and len(code_text) <= 4 and self.directory.get(code) is not None
        kind = SeatKind(kind_text) if kind_text in {k.value for k in SeatKind} else None
        outcome = self.open_registration(actor)
        if isinstance(outcome, RegistrationFormRequest):
            if not known:
                return outcome
            return replace(outcome, prefill_municipality=code, prefill_kind=kind)
        result = outcome.result if isinstance(outcome, Reply) else None
        refused = result.error if result is not None else None
        if code is not None and known and refused is ErrorKind.ALREADY_REGISTERED:
            return Reply(
                (texts.loop.register_colleague_hint(self.directory.name_of(code)),),
                result=Result.refused(ErrorKind.ALREADY_REGISTERED),
            )
        return outcome

    def feedback_form(self, actor: Actor, value: str) -> FeedbackFormRequest | Reply:
        """ "Skriv en kommentar" on "Hvordan var mødet?": the feedback form, or why not."""
        try:
            return self.loop.feedback_form(actor, value)
        except DomainError as err:
            return Reply(
                (texts.errors.error(err, self._ctx.today()),), result=Result.refused(err.kind)
            )

    def _feedback_as_command(self, actor: Actor, value: str) -> Reply:
        outcome = self.feedback_form(actor, value)
        if isinstance(outcome, Reply):
            return outcome
        return Reply(
            (texts.loop.feedback_as_command(outcome.number),),
            result=Result(ResultKind.FORM_AS_COMMAND, ids={"meeting": outcome.number}),
        )

    def _register_as_command(self, actor: Actor, value: str) -> Reply:
        outcome = self.open_registration_prefilled(actor, value)
        if isinstance(outcome, Reply):
            return outcome
        code = getattr(outcome, "prefill_municipality", None)
        name = self.directory.name_of(code) if isinstance(code, int) else ""
        return Reply(
            (texts.loop.register_as_command(name),), result=Result(ResultKind.FORM_AS_COMMAND)
        )

    @staticmethod
    def check_feedback_form(form: FeedbackForm) -> FormErrors | None:
        """The feedback form's problems without the database (a modal's ack)."""
        return check_feedback_form(form)

    def save_feedback_form(self, actor: Actor, form: FeedbackForm) -> Reply:
        try:
            return self.loop.save_feedback_form(actor, form)
        except DomainError as err:
            return Reply(
                (texts.errors.error(err, self._ctx.today()),), result=Result.refused(err.kind)
            )

    # -- what runs on the clock -------------------------------------------------------------

    def replan(self) -> int:
        """Plan every upcoming meeting's posts again (idempotent): the scheduler's safety net;
        and the next weekly digest."""
        planned = self._ctx.run(
            lambda s, n: planner.plan_upcoming(s, n, self._ctx.plan, self._ctx.now())
        )
        return planned + self.plan_digest()

    def plan_digest(self) -> int:
        """Plan KL's next weekly digest (``KLIMANET_DIGEST``), idempotent: at start and with
        every re-plan. Returns how many rows were new."""
        settings = self._ctx.settings
        return self._ctx.run(
            lambda s, n: digest.plan(s, n, settings.digest, settings.tz, self._ctx.now())
        )

    def expire_offers(self) -> int:
        return self.consent.expire_offers()

    def retention(self) -> RetentionReport:
        """The daily data-protection job (``KLIMANET_RETENTION``)."""
        return self.privacy.retention()

    def member_departed(self, whom: Actor) -> bool:
        """Someone left the network's place in the chat platform (Teams: removed from the
        network's team). A seat holder's seat is not freed: the facilitators are asked."""
        return self.departures.departed(whom)

    def user_deactivated(self, whom: Actor) -> bool:
        """The chat workspace deactivated an account (Slack: ``user_change``, ``deleted``)."""
        return self.privacy.deactivated(whom)

    def next_post_due(self, until: datetime) -> datetime | None:
        return self._ctx.run(lambda s, n: next_due(s, until))

    def known_names(self, platform: str, workspace: str) -> dict[str, str]:
        """The names people of a team were last known by (the console starts with them)."""
        return self._ctx.run(lambda s, n: known_names(s, platform, workspace))

    def is_facilitator(self, user_id: str) -> bool:
        """Whether the person runs the network (for an adapter's own command, such as making a
        Teams channel the network's)."""
        return bool(self._ctx.run(lambda s, n: is_facilitator(s, n, user_id)))

    def make_facilitator(self, user_id: str) -> None:
        """The local console's user plans meetings too; Slack facilitators come from settings."""
        self._ctx.run(
            lambda s, n: insert_ignore(
                s,
                NetworkFacilitator.__table__,  # type: ignore[arg-type]
                [{"network_id": n.id, "user_id": user_id}],
            )
        )


def _municipality_choices(parsed: Parsed, err: DomainError) -> tuple[Button, ...]:
    """ "Mente du …?" as buttons: each completes the command with one municipality's code."""
    if err.kind not in (ErrorKind.MUNICIPALITY_UNKNOWN, ErrorKind.MUNICIPALITY_AMBIGUOUS):
        return ()
    names = err.params.get("suggestions") or err.params.get("choices") or []
    buttons = []
    for name, code in zip(names, err.params.get("codes") or [], strict=False):
        value = completed_command(parsed.name, parsed.args, str(err.params.get("query", "")), code)
        if value is not None and len(value) <= MAX_BUTTON_VALUE:
            buttons.append(Button(name, Action.PICK_MUNICIPALITY, value))
    return tuple(buttons)


# Slack's limit for a button's text (the renderer cuts too; the date at the end matters least).
BUTTON_LABEL_LIMIT = 75


def _meeting_choices(parsed: Parsed, err: DomainError) -> tuple[Button, ...]:
    """Two meetings on the date given: a button for each, completing the command with its
    number."""
    if err.kind is not ErrorKind.MEETING_AMBIGUOUS:
        return ()
    buttons = []
    choices = err.params.get("choices") or []
    for label, number in zip(choices, err.params.get("numbers") or [], strict=False):
        value = meeting_completed(parsed.name, parsed.args, str(err.params.get("ref", "")), number)
        if value is not None and len(value) <= MAX_BUTTON_VALUE:
            buttons.append(Button(label[:BUTTON_LABEL_LIMIT], Action.PICK_MEETING, value))
    return tuple(buttons)


def _by_id(handler: Callable[[Actor, int], Reply]) -> Click:
    """A button whose value is an internal id. Ids are INTEGER columns: nine digits always fit,
    and anything else names nothing (id 0)."""
    return lambda actor, value, _: handler(actor, ascii_number(value, digits=9) or 0)
