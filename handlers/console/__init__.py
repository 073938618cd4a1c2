"""``klimanet console``: try Klimanet in a terminal, without a Slack workspace.

You type the same ``/klimanet …`` commands as in Slack, as a chosen user, against the same
database and service. Buttons become numbered choices and the registration modal becomes a few
questions. Console-only commands start with a slash: ``/som U456 Bo``, ``/afslut``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot import texts
from bot.clock import OffsetClock
from bot.config import parse_duration
from bot.domain.errors import DomainError
from bot.domain.registration import Actor
from bot.models import SeatKind
from bot.replies import (
    USER_END,
    USER_START,
    Attachment,
    FormErrors,
    MeetingFormRequest,
    Posted,
    RegistrationFormRequest,
    Reply,
    as_written,
    spans,
)
from bot.service.klimanet import Klimanet, MeetingForm, RegistrationForm
from bot.texts.dates import format_when

CONSOLE_CHANNEL = "CKONSOL"

CONSOLE_TEAM = "console"
PROMPT = "> "

_EMOJI = {
    ":white_check_mark:": "✔",
    ":warning:": "⚠",
    ":calendar:": "📅",
    ":bell:": "🔔",
    ":arrow_forward:": "▶",
    ":arrows_counterclockwise:": "🔄",
    ":x:": "✖",
    ":newspaper:": "📰",
    ":handshake:": "🤝",
    ":raising_hand:": "🙋",
    ":hourglass_flowing_sand:": "⏳",
    ":wave:": "👋",
}


_HOLE = re.compile(USER_START + r"(\d+)" + USER_END)


def terminal_text(marked: str) -> str:
    """Slack markup to terminal text: no asterisks or backticks, emoji as symbols.

    Only the bot's own markup is translated; user text is shown exactly as written. User spans
    stand aside as numbered holes while the markup is read (so ``*{name}*`` is still one bold
    span, and a name with asterisks changes nothing around it) and are put back at the end.
    """
    written: list[str] = []
    holes = []
    for is_user, piece in spans(marked):
        if is_user:
            holes.append(f"{USER_START}{len(written)}{USER_END}")
            written.append(piece)
        else:
            holes.append(piece)
    text = "".join(holes)
    for code, symbol in _EMOJI.items():
        text = text.replace(code, symbol)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<!\w)_([^_\n]+)_(?!\w)", r"\1", text)
    text = text.replace("`", "")
    text = re.sub(r"<([@#])([A-Z0-9]+)(?:\|[^>]*)?>", r"\1\2", text)  # <@U123> -> @U123
    return _HOLE.sub(lambda hole: written[int(hole.group(1))], text)


def render(reply: Reply) -> str:
    text = terminal_text(reply.marked_text)
    for pick in reply.picks:
        label = terminal_text(pick.label)
        text += f"\n{label} – send en kollega med /klimanet vikar <møde> @bruger"
    if reply.buttons:
        choices = "   ".join(f"[{i}] {as_written(b.label)}" for i, b in enumerate(reply.buttons, 1))
        text += "\n" + choices + "  (skriv tallet)"
    return text


@dataclass
class ConsoleUser:
    user_id: str
    name: str

    def actor(self) -> Actor:
        return Actor(team_id=CONSOLE_TEAM, user_id=self.user_id, name=self.name)


class ConsoleNotifier:
    """Scheduled posts, printed as they fire, so a user can watch a meeting's schedule play out.
    Buttons in a direct message become numbered choices for that user."""

    def __init__(
        self, say: Callable[[str], None], offer_buttons: Callable[[str, Reply], None]
    ) -> None:
        self._say = say
        self._offer_buttons = offer_buttons
        self._ts = 0
        self._files: list[Attachment] = []
        self._lock = threading.Lock()

    def post(self, recipient: str, reply: Reply, *, post_id: int | None = None) -> Posted:
        where = (
            f"#kanal {recipient}" if recipient[:1] in "CG" else f"direkte besked til {recipient}"
        )
        self._say(f"\n┌─ Klimanet → {where}\n" + _indent(render(reply)) + "\n└─")
        self._offer_buttons(recipient, reply)
        with self._lock:
            self._ts += 1
            return Posted(recipient, f"{self._ts}.000000")

    def find_post(self, recipient: str, post_id: int, since: datetime) -> Posted | None:
        # A print cannot fail halfway: a console post's fate is never unknown.
        return None

    def upload(self, attachment: Attachment) -> str:
        with self._lock:
            self._files.append(attachment)
            return str(len(self._files) - 1)

    def share(self, posted: Posted, file_id: str, title: str) -> None:
        with self._lock:
            attachment = self._files[int(file_id)]
        self._say(f"   📎 {attachment.filename} ({title})")

    def find_share(self, posted: Posted, file_id: str) -> bool:
        return False

    def update(self, posted: Posted, reply: Reply) -> None:
        self._say(
            f"\n┌─ Klimanet opdaterer besked {posted.ts} i {posted.channel}\n"
            + _indent(render(reply))
            + "\n└─"
        )

    def delete(self, posted: Posted) -> None:
        self._say(f"\n✖ Klimanet sletter besked {posted.ts} i {posted.channel}")


def _indent(text: str) -> str:
    return "\n".join("│ " + line for line in text.splitlines())


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
    ) -> None:
        self._service = service
        self._user = user
        self._in = stdin
        self._out = stdout
        # Per user: the numbered buttons of the last message with buttons they got.
        self._buttons: dict[str, dict[str, tuple[str, str]]] = {}
        self._buttons_lock = threading.Lock()
        self._clock = clock
        self._drain = drain or (lambda: None)
        self._out_lock = threading.Lock()

    def deliver_with(self, drain: Callable[[], object]) -> None:
        """Print the posts a command makes due at once (a move, a news item) right after it."""
        self._drain = drain

    def say(self, text: str) -> None:
        with self._out_lock:
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
            f"Klimanet – lokal konsol. Du er {self._user.name} ({self._user.user_id}) og "
            "facilitator.\nSkriv kommandoer som i Slack, fx '/klimanet tilmeld Aarhus' eller bare "
            "'tilmeld Aarhus'. '/som U456 Navn' skifter bruger, '/tid +7d' flytter tiden frem, "
            "'/afslut' lukker."
        )
        while True:
            line = self.ask(f"{self._user.name} {PROMPT}")
            if line is None or line in ("/afslut", "/quit", "/exit"):
                self.say("Farvel.")
                return 0
            if line:
                self.handle(line)
                self._drain()  # posts a command made due now (a move, a news item) show at once

    def offer_buttons(self, user_id: str, reply: Reply) -> None:
        if not reply.buttons:
            return
        with self._buttons_lock:
            self._buttons[user_id] = {
                str(number): (button.action_id, button.value)
                for number, button in enumerate(reply.buttons, 1)
            }

    def handle(self, line: str) -> None:
        with self._buttons_lock:
            choice = self._buttons.get(self._user.user_id, {}).get(line)
            if choice is not None:
                del self._buttons[self._user.user_id]
        if choice is not None:
            self.show(self._service.click(self._user.actor(), *choice))
            return
        # In the console people type @U123; Slack would send <@U123>.
        line = re.sub(r"(?<![<\w])@([UW][A-Z0-9]{2,})\b", r"<@\1>", line)
        if line.startswith("/som"):
            self._switch_user(line)
            return
        if line.startswith("/tid"):
            self._move_time(line)
            return
        if line.startswith("/klimanet"):
            line = line[len("/klimanet") :]
        elif line.startswith("/"):
            self.say(f"Kender ikke '{line.split()[0]}'. Skriv '/klimanet hjælp'.")
            return
        outcome = self._service.command(self._user.actor(), line)
        if isinstance(outcome, RegistrationFormRequest):
            self.registration_form(outcome)
        elif isinstance(outcome, MeetingFormRequest):
            self.meeting_form(outcome)
        else:
            self.show(outcome)

    def show(self, reply: Reply) -> None:
        self.offer_buttons(self._user.user_id, reply)
        self.say(render(reply))
        if reply.attachment is not None:
            path = Path.cwd() / reply.attachment.filename
            path.write_bytes(reply.attachment.content)
            self.say(f"📎 Gemt som {path}")

    def _move_time(self, line: str) -> None:
        """``/tid +7d``: move the console's clock forward and deliver whatever fell due."""
        amount = line[len("/tid") :].strip().lstrip("+")
        delta = parse_duration(amount)
        if self._clock is None or delta is None:
            self.say("Skriv fx '/tid +7d', '/tid +3h' eller '/tid +15m'.")
            return
        # Step through every post that falls due on the way, so each goes out on its time
        # (and not as "missed" because the whole jump made it hours late).
        target = self._clock.now() + delta
        while (due := self._service.next_post_due(target)) is not None:
            self._clock.set(due)
            self._drain()
        self._clock.set(target)
        now = self._clock.now().astimezone(self._service.settings.tz)
        self.say(f"Tiden er nu {format_when(now, self._service.settings.tz)}.")

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
        themes = self._pick_themes(texts.FORM_THEMES, request.theme_options, ())
        if themes is None:
            return
        result = self._service.submit_registration_form(
            self._user.actor(), RegistrationForm(municipality.code, kind, title, themes)
        )
        if isinstance(result, FormErrors):
            for message in result.errors.values():
                self.say(message)
        else:
            self.show(result)

    def _pick_themes(
        self, question: str, options: tuple[str, ...], chosen: tuple[str, ...]
    ) -> list[str] | None:
        """The form's theme select as a question: the network's list, numbered. An empty answer
        keeps what was chosen; None when the input ended."""
        if not options:
            return list(chosen)
        numbered = "  ".join(f"[{i}] {t}" for i, t in enumerate(options, 1))
        now = f" [{', '.join(chosen)}]" if chosen else ""
        answer = self.ask(f"{question}{now} – numre adskilt af komma, valgfri:\n{numbered}\n")
        if answer is None:
            return None
        if not answer.strip():
            return list(chosen)
        return [
            options[int(n) - 1] for n in re.findall(r"\d+", answer) if 1 <= int(n) <= len(options)
        ]

    def meeting_form(self, request: MeetingFormRequest) -> None:
        """The meeting modal as questions; an empty title cancels."""
        title = self.ask(
            f"Titel{f' [{request.title}]' if request.title else ''} (tom = annullér): "
        )
        if title is None or not (title or request.title):
            self.say("Annulleret.")
            return
        answers = []
        for question, default in (
            ("Dato (fx 25.06.2026)", request.date.strftime("%d.%m.%Y") if request.date else ""),
            ("Start (fx 10:00)", request.start),
            ("Slut (fx 12:00)", request.end),
            (
                "Format: online eller fysisk",
                request.format and texts.FORMAT_LABELS.get(request.format, ""),
            ),
            ("Link eller adresse", request.location),
        ):
            answer = self.ask(f"{question}{f' [{default}]' if default else ''}: ")
            if answer is None:
                return
            answers.append(answer or default)
        themes = self._pick_themes(texts.MEETING_FORM_THEMES, request.theme_options, request.themes)
        if themes is None:
            return
        form = MeetingForm(
            title=title or request.title,
            date=answers[0],
            start=answers[1],
            end=answers[2],
            format=answers[3],
            location=answers[4],
            themes=themes,
        )
        result = self._service.submit_meeting_form(self._user.actor(), request.number, form)
        if isinstance(result, FormErrors):
            for message in result.errors.values():
                self.say(message)
        else:
            self.show(result)
