"""A person's fagområder: ``fagområder`` (show, or set from what was typed) and its form, opened
from the answer, from ``tilmeld``'s confirmation and from the App Home."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from bot import texts
from bot.domain import registration as reg
from bot.domain.errors import DomainError
from bot.domain.themes import match_themes, network_themes, parse_themes
from bot.models import Network
from bot.posts import home_refresh
from bot.replies import (
    Button,
    FormErrors,
    HomeAction,
    RegistrationField,
    Reply,
    Result,
    ResultKind,
    ThemesFormRequest,
)
from bot.service.context import Context
from bot.service.parsing import fold

# What clears one's fagområder on the command line.
NONE_WORDS = frozenset({"ingen", "intet", "ingenting", "-"})


def themes_button() -> Button:
    """Opens the form (Slack: a modal; the console: a question); the value names nothing."""
    return Button(texts.themes.THEMES_BUTTON, HomeAction.THEMES, "themes")


class Themes:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def command(self, actor: reg.Actor, args: str) -> Reply:
        """``fagområder [fagområde …]``: with nothing after, what one has and what there is;
        else set them (``ingen`` clears). A word that is no theme is refused with the list."""
        if not args.strip():

            def shown(session: Session, network: Network) -> tuple[list[str], list[str]]:
                return reg.themes_of(session, actor), network_themes(session, network)

            mine, options = self._ctx.run(shown)
            return Reply(
                tuple(texts.themes.themes_shown(mine, options)),
                buttons=(themes_button(),),
                result=Result(ResultKind.THEMES_SHOWN, ids={"themes": len(mine)}),
            )

        def chosen(session: Session, network: Network) -> list[str]:
            if fold(args.strip()) in NONE_WORDS:
                return []
            return parse_themes(args, network_themes(session, network))

        return self.save(actor, self._ctx.run(chosen))

    def save(self, actor: reg.Actor, themes: Sequence[str]) -> Reply:
        """Save the person's fagområder. Raises ``DomainError`` for one not on the list."""
        actor = self._ctx.people.with_profile(actor)
        home_tab = self._ctx.settings.home_tab

        def work(session: Session, network: Network) -> list[str]:
            now = self._ctx.now()
            saved = reg.set_themes(session, network, actor, list(themes), now)
            if home_tab:  # the Home shows them; no seat changed, so nothing else plans it
                person_id = reg.person_id_of(session, actor)
                home_refresh.plan_refresh(session, network.id, [(actor.user_id, person_id)], now)
            return saved

        saved = self._ctx.run(work)
        return Reply(
            (texts.themes.themes_set(saved),),
            result=Result(ResultKind.THEMES_SET, ids={"themes": len(saved)}),
        )

    def form(self, actor: reg.Actor) -> ThemesFormRequest:
        """The form, with the person's own fagområder checked."""

        def work(session: Session, network: Network) -> ThemesFormRequest:
            options = network_themes(session, network)
            mine = [t for t in reg.themes_of(session, actor) if t in options]
            return ThemesFormRequest(themes=tuple(mine), theme_options=tuple(options))

        return self._ctx.run(work)

    def check_form(self, themes: Sequence[str], offered: Sequence[str]) -> FormErrors | None:
        """The form's answers without the database (a modal's ack): each must be one the form
        offered. Whether it is still on the network's list is checked when saving."""
        try:
            match_themes(themes, offered)
        except DomainError as err:
            return self._form_errors(err)
        return None

    def save_form(self, actor: reg.Actor, themes: Sequence[str]) -> Reply:
        """The form after its ack: saved, or why not (a theme taken off the list meanwhile)."""
        try:
            return self.save(actor, themes)
        except DomainError as err:
            return Reply(
                (texts.errors.error(err, self._ctx.today()),), result=Result.refused(err.kind)
            )

    def _form_errors(self, err: DomainError) -> FormErrors:
        message = texts.common.plain(texts.errors.error(err, self._ctx.today()))
        return FormErrors({RegistrationField.THEMES: message})

    def submit_form(self, actor: reg.Actor, themes: Sequence[str]) -> Reply | FormErrors:
        try:
            return self.save(actor, themes)
        except DomainError as err:
            return self._form_errors(err)
