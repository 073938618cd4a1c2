"""``klimanet console``: try Klimanet in a terminal, without a Slack workspace.

You type the same ``/klimanet …`` commands as in Slack, as a chosen user, against the same
database and service. Buttons become numbered choices and the forms become a few questions.
Console-only commands start with a slash: ``/som U456 Bo``, ``/tid +7d``, ``/afslut``.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot import texts
from bot.clock import OffsetClock
from bot.config import parse_duration
from bot.domain.errors import ErrorKind
from bot.domain.registration import Actor
from bot.replies import (
    HomeAction,
    MeetingFormRequest,
    PollFormRequest,
    RegistrationFormRequest,
    Reply,
)
from bot.service.klimanet import Klimanet
from bot.texts.common import COMMAND
from bot.texts.dates import format_when
from handlers.console import forms
from handlers.console.choices import Choice, Choices
from handlers.console.feedback_form import feedback_form
from handlers.console.files import save
from handlers.console.people import (
    ConsoleProfiles,
    ConsoleUser,
    first_plain_mention,
    id_for,
    is_user_id,
)
from handlers.console.poll_form import poll_form
from handlers.console.rendering import render
from handlers.console.terminal import Terminal

PROMPT = "> "
QUIT = ("/afslut", "/quit", "/exit")


class Console:
    def __init__(
        self,
        service: Klimanet,
        user: ConsoleUser,
        stdin: TextIO,
        stdout: TextIO,
        *,
        clock: OffsetClock | None = None,
        drain: Callable[[], object] | None = None,
        profiles: ConsoleProfiles | None = None,
        choices: Choices | None = None,
        files_base: Path | None = None,
    ) -> None:
        self.service = service
        self._user = user
        self._terminal = Terminal(stdin, stdout)
        self._clock = clock
        self._drain = drain or (lambda: None)
        self.profiles = profiles or ConsoleProfiles()
        self.profiles.learn(user.user_id, user.name)
        self.choices = choices or Choices()
        self._files_base = files_base
        self._replies = itertools.count(1)
        # Set once the conversation has left its loop: a stop() from another thread knows that
        # its interrupt arrived (see ConsolePlatform.stop).
        self.ended = threading.Event()

    def deliver_with(self, drain: Callable[[], object]) -> None:
        """Print the posts a command makes due at once (a move, a news item) right after it."""
        self._drain = drain

    def actor(self) -> Actor:
        return self._user.actor()

    def say(self, text: str) -> None:
        self._terminal.say(text)

    def ask(self, question: str) -> str | None:
        return self._terminal.ask(question)

    def run(self) -> int:
        """The conversation, until ``/afslut``, the end of the input or Ctrl-C: never a
        traceback for the user."""
        try:
            self.say(texts.edge.console_welcome(self._user.name, self._user.user_id))
            self._show_waiting()
            while True:
                line = self.ask(f"{self._user.name} {PROMPT}")
                if line is None or line in QUIT:
                    break
                if line:
                    self.handle(line)
                    self._drain()  # posts a command made due now (a move, news) show at once
        except KeyboardInterrupt:
            self.say("")
        finally:
            self.ended.set()
            # A second interrupt sent just before ``ended`` was seen is pending here and lands
            # when the terminal lets SIGINT through again: the conversation has ended anyway.
            with contextlib.suppress(KeyboardInterrupt):
                self._terminal.close()
        self.say(texts.edge.CONSOLE_GOODBYE)
        return 0

    def handle(self, line: str) -> None:
        choice = self.choices.take(self._user.user_id, line)
        if choice is not None:
            self._click(choice)
        elif line.isascii() and line.isdigit():
            self.say(texts.edge.console_no_choice(line))
        elif line.startswith("/som"):
            self._switch_user(line)
        elif line.startswith("/tid"):
            self._move_time(line)
        elif line.startswith("/") and not line.startswith(COMMAND):
            self.say(texts.edge.console_unknown_command(line.split()[0]))
        else:
            self._command(line.removeprefix(COMMAND))

    def _command(self, line: str) -> None:
        outcome = self.service.command(self.actor(), self.profiles.mentions(line))
        if isinstance(outcome, RegistrationFormRequest):
            forms.registration_form(self, outcome)
        elif isinstance(outcome, MeetingFormRequest):
            forms.meeting_form(self, outcome)
        elif isinstance(outcome, PollFormRequest):
            poll_form(self, outcome)
        elif outcome.result is not None and outcome.result.error is ErrorKind.MENTION_UNRESOLVED:
            # Slack's answer tells people to pick from its list; the console has none.
            self.say(texts.edge.console_mention_unresolved(first_plain_mention(line)))
        else:
            self.show(outcome)

    def _click(self, choice: Choice) -> None:
        if choice.action_id == HomeAction.THEMES:  # a form, asked as a question
            forms.themes_form(self, self.service.themes_form(self.actor()))
            return
        if choice.action_id == HomeAction.FEEDBACK_FORM:
            feedback_form(self, choice.value)
            return
        if choice.action_id == HomeAction.REGISTER_PREFILLED:
            outcome = self.service.open_registration_prefilled(self.actor(), choice.value)
            if isinstance(outcome, RegistrationFormRequest):
                forms.registration_form(self, outcome)
            elif isinstance(outcome, Reply):
                self.show(outcome)
            return
        reply = self.service.click(self.actor(), choice.action_id, choice.value)
        if reply.replace_original:  # what it answered is done with
            self.choices.answered(self._user.user_id, choice)
        self.show(reply)

    def show(self, reply: Reply) -> None:
        """A reply to this user: its buttons numbered, its file saved."""
        numbers = self.choices.offer(
            self._user.user_id, f"svar-{next(self._replies)}", reply.buttons
        )
        self.say(render(reply, numbers))
        for attachment in reply.files:
            self.say(texts.edge.console_saved(str(save(attachment, self._files_base))))

    def _show_waiting(self) -> None:
        """What waits for this user's answer (after a restart, or a switch of user)."""
        waiting = self.service.command(self.actor(), "afventer")
        if isinstance(waiting, Reply) and waiting.buttons:
            self.show(waiting)

    def _move_time(self, line: str) -> None:
        """``/tid +7d``: move the console's clock forward and deliver whatever fell due."""
        amount = line[len("/tid") :].strip().lstrip("+")
        delta = parse_duration(amount)
        if self._clock is None or delta is None:
            self.say(texts.edge.CONSOLE_TIME_HELP)
            return
        # Step through every post that falls due on the way, so each goes out on its time
        # (and not as "missed" because the whole jump made it hours late).
        target = self._clock.now() + delta
        while (due := self.service.next_post_due(target)) is not None:
            self._clock.set(due)
            self._drain()
        self._clock.set(target)
        tz = self.service.settings.tz
        self.say(texts.edge.console_time_now(format_when(self._clock.now(), tz)))

    def _switch_user(self, line: str) -> None:
        """``/som Bo Hansen`` (someone named before, or a new person the console gives an id),
        ``/som U456 Bo Hansen`` or ``/som konsol:bo`` (an id, as written)."""
        parts = line.split(maxsplit=1)
        words = parts[1].split() if len(parts) > 1 else []
        if not words:
            self.say(texts.edge.CONSOLE_SWITCH_HELP)
            return
        if is_user_id(words[0]) or self.profiles.known(words[0]):
            user_id, name = words[0], " ".join(words[1:]) or self.profiles.name_of(words[0])
        else:
            name = " ".join(words)
            user_id = self.profiles.by_name(name) or id_for(name)
            name = name if not self.profiles.known(user_id) else self.profiles.name_of(user_id)
        self._user = ConsoleUser(user_id, name)
        self.profiles.learn(user_id, name)
        self.say(texts.edge.console_switched(name, user_id))
        self._show_waiting()
