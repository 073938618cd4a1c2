"""``klimanet console``: try Klimanet in a terminal, without a Slack workspace.

You type the same ``/klimanet …`` commands as in Slack, as a chosen user, against the same
database and service. Buttons become numbered choices and the registration modal becomes a few
questions. Console-only commands start with a slash: ``/som U456 Bo``, ``/afslut``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from bot import texts
from bot.domain.errors import DomainError
from bot.domain.registration import Actor
from bot.models import SeatKind
from bot.replies import (
    ACTION_RELEASE_CANCEL,
    ACTION_RELEASE_CONFIRM,
    FormErrors,
    RegistrationFormRequest,
    Reply,
)
from bot.service import Klimanet, RegistrationForm

CONSOLE_TEAM = "console"
PROMPT = "> "

_EMOJI = {":white_check_mark:": "✔", ":warning:": "⚠"}


def render(reply: Reply) -> str:
    """Slack markup to terminal text: no asterisks or backticks, emoji as symbols."""
    text = reply.text
    for code, symbol in _EMOJI.items():
        text = text.replace(code, symbol)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<!\w)_([^_\n]+)_(?!\w)", r"\1", text)
    text = text.replace("`", "")
    if reply.buttons:
        choices = "   ".join(f"[{i}] {b.label}" for i, b in enumerate(reply.buttons, 1))
        text += "\n" + choices
    return text


@dataclass
class ConsoleUser:
    user_id: str
    name: str

    def actor(self) -> Actor:
        return Actor(team_id=CONSOLE_TEAM, user_id=self.user_id, name=self.name)


class Console:
    def __init__(self, service: Klimanet, user: ConsoleUser, stdin: TextIO, stdout: TextIO) -> None:
        self._service = service
        self._user = user
        self._in = stdin
        self._out = stdout
        self._buttons: dict[str, Callable[[], Reply]] = {}

    def say(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()

    def ask(self, question: str) -> str | None:
        self._out.write(question)
        self._out.flush()
        line = self._in.readline()
        if not line:
            return None
        if not self._in.isatty():  # echo piped input so a transcript reads like a chat
            self._out.write(line if line.endswith("\n") else line + "\n")
        return line.strip()

    def run(self) -> int:
        self.say(
            f"Klimanet – lokal konsol. Du er {self._user.name} ({self._user.user_id}).\n"
            "Skriv kommandoer som i Slack, fx '/klimanet tilmeld Aarhus' eller bare "
            "'tilmeld Aarhus'. '/som U456 Navn' skifter bruger, '/afslut' lukker."
        )
        while True:
            line = self.ask(f"{self._user.name} {PROMPT}")
            if line is None or line in ("/afslut", "/quit", "/exit"):
                self.say("Farvel.")
                return 0
            if line:
                self.handle(line)

    def handle(self, line: str) -> None:
        if line in self._buttons:
            self.show(self._buttons.pop(line)())
            return
        if line.startswith("/som"):
            self._switch_user(line)
            return
        if line.startswith("/klimanet"):
            line = line[len("/klimanet") :]
        elif line.startswith("/"):
            self.say(f"Kender ikke '{line.split()[0]}'. Skriv '/klimanet hjælp'.")
            return
        outcome = self._service.command(self._user.actor(), line)
        if isinstance(outcome, RegistrationFormRequest):
            self.registration_form(outcome)
        else:
            self.show(outcome)

    def show(self, reply: Reply) -> None:
        self._buttons = {}
        actions: dict[str, Callable[[], Reply]] = {
            ACTION_RELEASE_CONFIRM: lambda: self._service.confirm_release(self._user.actor()),
            ACTION_RELEASE_CANCEL: self._service.cancel_release,
        }
        for number, button in enumerate(reply.buttons, 1):
            if button.action_id in actions:
                self._buttons[str(number)] = actions[button.action_id]
        self.say(render(reply))

    def _switch_user(self, line: str) -> None:
        parts = line.split(maxsplit=2)
        if len(parts) < 2 or not re.fullmatch(r"[A-Z0-9]{2,}", parts[1]):
            self.say("Skriv '/som U456 Navn', fx '/som U456 Bo Hansen'.")
            return
        self._user = ConsoleUser(parts[1], parts[2] if len(parts) > 2 else parts[1])
        self.say(f"Du er nu {self._user.name} ({self._user.user_id}).")

    def registration_form(self, request: RegistrationFormRequest) -> None:
        """The modal as questions; an empty answer to the first question cancels."""
        self.say(texts.plain(texts.FORM_INTRO))
        directory = self._service.directory
        while True:
            answer = self.ask(f"{texts.FORM_MUNICIPALITY} (navn eller kode, tom = annullér): ")
            if not answer:
                self.say("Tilmeldingen er annulleret.")
                return
            try:
                municipality = directory.resolve(answer)
                break
            except DomainError as err:
                self.say(texts.plain(texts.error(err)))
        kinds = {"1": None, "2": SeatKind.FIXED, "3": SeatKind.FLEXIBLE, "": None}
        while True:
            answer = self.ask(
                f"{texts.FORM_KIND}: [1] {texts.FORM_KIND_AUTO}  [2] {texts.FORM_KIND_FIXED}  "
                f"[3] {texts.FORM_KIND_FLEXIBLE} (tom = 1): "
            )
            if answer is None:
                return
            if answer in kinds:
                kind = kinds[answer]
                break
            self.say("Svar 1, 2 eller 3.")
        title = self.ask(f"{texts.FORM_TITLE_FIELD} ({texts.FORM_TITLE_PLACEHOLDER}, valgfri): ")
        if title is None:
            return
        numbered = "  ".join(f"[{i}] {t}" for i, t in enumerate(texts.THEMES, 1))
        answer = self.ask(f"{texts.FORM_THEMES} – numre adskilt af komma, valgfri:\n{numbered}\n")
        if answer is None:
            return
        themes = [
            texts.THEMES[int(n) - 1]
            for n in re.findall(r"\d+", answer)
            if 1 <= int(n) <= len(texts.THEMES)
        ]
        result = self._service.submit_registration_form(
            self._user.actor(), RegistrationForm(municipality.code, kind, title, themes)
        )
        if isinstance(result, FormErrors):
            for message in result.errors.values():
                self.say(message)
        else:
            self.show(result)


def run_console(service: Klimanet, user_id: str, name: str) -> int:
    return Console(service, ConsoleUser(user_id, name), sys.stdin, sys.stdout).run()
