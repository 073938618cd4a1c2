"""Joining and leaving: ``tilmeld`` (one line or the form), ``pladser``, ``kommuner``, ``afmeld``
and its confirm buttons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot import texts
from bot.domain import registration as reg
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.facilitators import facilitator_ids
from bot.domain.seats.common import seat_changed_hands
from bot.domain.themes import network_themes
from bot.models import Network, Seat, SeatKind
from bot.posts import privacy as privacy_posts
from bot.replies import (
    Action,
    Button,
    FormErrors,
    Outcome,
    RegistrationField,
    RegistrationFormRequest,
    Reply,
    Result,
    ResultKind,
)
from bot.service.approvals import Approvals
from bot.service.context import Context
from bot.service.parsing import parse_register_args
from bot.service.succession import Succession
from bot.service.themes import themes_button


@dataclass(frozen=True, slots=True)
class RegistrationForm:
    """What a person filled in on the registration form."""

    municipality_code: int | None
    kind: SeatKind | None
    title: str = ""
    themes: Sequence[str] = ()


# Which form field a domain error belongs next to (the municipality field otherwise).
_FORM_FIELD_OF_ERROR = {
    ErrorKind.FIXED_SEAT_TAKEN: RegistrationField.KIND,
    ErrorKind.FLEXIBLE_SEATS_TAKEN: RegistrationField.KIND,
    ErrorKind.SEAT_KIND_UNKNOWN: RegistrationField.KIND,
    ErrorKind.THEME_UNKNOWN: RegistrationField.THEMES,
}


def _form_field(err: DomainError) -> str:
    if err.kind is ErrorKind.TEXT_TOO_LONG:
        return (
            RegistrationField.TITLE
            if err.params.get("field") == "titel"
            else RegistrationField.THEMES
        )
    return _FORM_FIELD_OF_ERROR.get(err.kind, RegistrationField.MUNICIPALITY)


class Registration:
    def __init__(self, ctx: Context, approvals: Approvals, succession: Succession) -> None:
        self._ctx = ctx
        self._approvals = approvals
        self._succession = succession

    def command(self, actor: reg.Actor, args: str) -> Outcome:
        """``tilmeld``: the form when nothing follows, else register at once."""
        if not args:
            self._ctx.run(lambda s, n: reg.refuse_if_registered(s, n, actor))
            return RegistrationFormRequest(theme_options=tuple(self._ctx.run(network_themes)))
        parsed = parse_register_args(args)
        municipality = self._ctx.directory.resolve(parsed.municipality)
        return self.register(actor, RegistrationForm(municipality.code, parsed.kind))

    def register(self, actor: reg.Actor, form: RegistrationForm) -> Reply:
        """Register from a one-line command or a submitted form. Raises ``DomainError``."""
        if form.municipality_code is None:
            raise DomainError(ErrorKind.MUNICIPALITY_MISSING)
        actor = self._ctx.people.with_profile(actor)
        code = form.municipality_code

        def work(session: Session, network: Network) -> tuple[reg.Registration, list[str]]:
            now = self._ctx.now()
            # A facilitator is never given a seat (the domain refuses them), so every
            # registration that succeeds is a member's, and waits when approval is the rule.
            needs_approval = self._ctx.settings.registration == "approval"
            result = reg.register(
                session,
                network,
                actor,
                code,
                form.kind,
                now,
                title=form.title or None,
                themes=form.themes or None,
                needs_approval=needs_approval,
            )
            if result.request_id is not None:
                self._approvals.ask(session, network, result.request_id, now)
            # No re-planning here: who gets a meeting's direct messages is decided when they
            # are due, so a new seat holder is included without touching the outbox now.
            return result, list(result.themes)

        result, themes = self._ctx.run(work)
        ids = {"municipality": result.overview.municipality_code}
        # The fagområder are offered at once, so the themes overview has something to show.
        offer = texts.themes.themes_offer(themes)
        if result.approver is not None:
            return Reply(
                (
                    texts.registration.registration_pending(
                        result.seat, result.overview, result.approver
                    ),
                    texts.registration.overview_text(result.overview),
                    offer,
                ),
                buttons=(themes_button(),),
                context=texts.privacy.PRIVACY_HINT,
                result=Result(
                    ResultKind.REGISTRATION_PENDING, ids={**ids, "request": result.request_id or 0}
                ),
            )
        return Reply(
            (
                texts.registration.registered(result.seat, result.overview, result.became_member),
                texts.registration.overview_text(result.overview),
                offer,
            ),
            buttons=(themes_button(),),
            context=texts.registration.registered_context(),
            result=Result(ResultKind.REGISTERED, ids=ids),
        )

    def check_form(self, form: RegistrationForm) -> FormErrors | None:
        """What the form's answers say without the database (a modal's ack): errors next to the
        fields, or None when the form may be saved. ``submit_form`` checks them again."""
        code = form.municipality_code
        if code is None or self._ctx.directory.get(code) is None:
            return FormErrors(
                {RegistrationField.MUNICIPALITY: texts.registration.form_municipality_required()}
            )
        if len(" ".join(form.title.split())) > reg.MAX_TITLE:
            err = DomainError(ErrorKind.TEXT_TOO_LONG, field="titel", limit=reg.MAX_TITLE)
            return FormErrors(
                {_form_field(err): texts.common.plain(texts.errors.error(err, self._ctx.today()))}
            )
        return None

    def submit_form(self, actor: reg.Actor, form: RegistrationForm) -> Reply | FormErrors:
        """The form's answer: the confirmation, or errors to show next to the fields."""
        problems = self.check_form(form)
        if problems is not None:
            return problems
        try:
            return self.register(actor, form)
        except DomainError as err:
            return FormErrors(
                {_form_field(err): texts.common.plain(texts.errors.error(err, self._ctx.today()))}
            )

    def save_form(self, actor: reg.Actor, form: RegistrationForm) -> Reply:
        """The form after its ack (``check_form`` passed): the registration, or why not (a seat
        taken meanwhile, …) as a refusal to show in the modal."""
        try:
            return self.register(actor, form)
        except DomainError as err:
            return Reply(
                (texts.errors.error(err, self._ctx.today()),), result=Result.refused(err.kind)
            )

    def seats(self, actor: reg.Actor, args: str) -> Reply:
        """``pladser [kommune]``: a municipality's seats, one's own by default."""
        if args:
            code = self._ctx.directory.resolve(args).code
            overview = self._ctx.run(lambda s, n: reg.overview(s, n, code))
        else:
            mine = self._ctx.run(lambda s, n: reg.my_overview(s, n, actor))
            if mine is None:
                return Reply(
                    (texts.registration.seats_not_registered(),),
                    result=Result.refused(ErrorKind.NOT_REGISTERED),
                )
            overview = mine
        return Reply(
            (texts.registration.overview_text(overview),),
            result=Result(ResultKind.SEATS, ids={"municipality": overview.municipality_code}),
        )

    def network(self, actor: reg.Actor, args: str) -> Reply:
        """``kommuner``: the network at a glance; ``kommuner <kommune>``: that municipality's
        seats, as ``pladser <kommune>`` shows them."""
        if args.strip():
            return self.seats(actor, args)
        summary = self._ctx.run(reg.summary)
        return Reply(
            tuple(texts.registration.network_summary(summary)), result=Result(ResultKind.NETWORK)
        )

    def ask_release(self, actor: reg.Actor, args: str) -> Reply:
        """``afmeld``: asks first, with a button that confirms."""
        mine = self._ctx.run(lambda s, n: reg.my_overview(s, n, actor))
        if mine is None:
            raise DomainError(ErrorKind.NOT_REGISTERED)
        return Reply(
            (texts.registration.confirm_release(_own_seat(mine, actor), mine),),
            buttons=(
                Button(
                    texts.registration.RELEASE_BUTTON, Action.RELEASE_CONFIRM, "release", "danger"
                ),
                Button(texts.registration.CANCEL_BUTTON, Action.RELEASE_CANCEL, "keep"),
            ),
            result=Result(ResultKind.RELEASE_ASKED),
        )

    def confirm_release(self, actor: reg.Actor) -> Reply:
        """The "Ja, afmeld mig" button. A second click finds no seat and says so."""

        def work(session: Session, network: Network) -> reg.Release:
            now = self._ctx.now()
            released = reg.release(session, network, actor, now)
            seat = session.get(Seat, released.seat_id)
            assert seat is not None
            # Offers about the seat (including the leaver's own) are void now.
            seat_changed_hands(session, seat, now, released.person_id)
            self._approvals.coordinator_changed(session, network, seat.municipality_code, now)
            if released.was_held and seat.kind == SeatKind.FIXED.value:
                # The coordinator left: the others are offered the seat, KL is told.
                self._succession.coordinator_left(session, network, seat.id, released.event_id, now)
                facilitators = facilitator_ids(session, network.id)
                privacy_posts.seat_freed(session, released.event_id, None, facilitators, now)
            return released

        try:
            released = self._ctx.run(work)
        except DomainError as err:
            return Reply(
                (texts.errors.error(err, self._ctx.today()),),
                replace_original=True,
                result=Result.refused(err.kind),
            )
        return Reply(
            (
                texts.registration.released(released.seat, released.overview),
                texts.registration.overview_text(released.overview),
            ),
            replace_original=True,
            result=Result(
                ResultKind.RELEASED, ids={"municipality": released.overview.municipality_code}
            ),
        )

    def keep_seat(self) -> Reply:
        return Reply(
            (texts.registration.release_cancelled(),),
            replace_original=True,
            result=Result(ResultKind.RELEASE_KEPT),
        )


def _own_seat(overview: reg.SeatOverview, actor: reg.Actor) -> reg.SeatView:
    return next(s for s in overview.seats if s.holder and s.holder.user_id == actor.user_id)
