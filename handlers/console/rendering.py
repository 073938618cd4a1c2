"""Replies as terminal text: the vocabulary's marks rendered away, user text as written,
buttons as numbered choices under what they answer."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot import texts
from bot.markup import USER_END, USER_START, PlainStyle, PlatformWord
from bot.markup import render as render_marked
from bot.replies import Reply, as_written

# How the console names itself where a text names the platform.
CONSOLE_WORDS: dict[PlatformWord, str] = {
    PlatformWord.NAME: "konsollen",
    PlatformWord.PROFILE: "konsol-profil",
    PlatformWord.ACCOUNT_ID: "konsol-id",
    PlatformWord.WORKSPACE: "konsol",
    PlatformWord.WORKSPACE_DEFINITE: "konsollen",
    PlatformWord.ADMINISTRATOR: "driftsansvarlig",
    PlatformWord.SHARED_CHANNEL: "delt kanal",
}

_HOLE = re.compile(USER_START + r"(\d+)" + USER_END)


class _Terminal(PlainStyle):
    """Plain text, Unicode symbols, mentions as names; user text (and names, which come from
    profiles) stand aside as numbered holes while the rest is read."""

    def __init__(self) -> None:
        super().__init__(CONSOLE_WORDS)
        self.written: list[str] = []

    def user(self, piece: str) -> str:
        self.written.append(piece)
        return f"{USER_START}{len(self.written) - 1}{USER_END}"

    def mention(self, account: str, name: str) -> str:
        return self.user(name or account)

    def place(self, where: str, name: str) -> str:
        return self.user(name or where)


def terminal_text(marked: str) -> str:
    """The vocabulary as terminal text: no marks, icons as symbols, mentions as names.

    Only the bot's own text is read; user text is shown exactly as written. User spans stand
    aside as numbered holes while the rest is cleaned, and are put back at the end. The texts
    mark bold and italic with the vocabulary; what is still cleaned here is a facilitator's own
    text (news, agenda, meeting titles), typed in Slack's light markup, and the backticks the
    texts put around commands (code in Slack, plain here).
    """
    style = _Terminal()
    text = render_marked(marked, style)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<!\w)_([^_\n]+)_(?!\w)", r"\1", text)
    text = text.replace("`", "")
    # <@U123> -> @U123, <@konsol:bo> -> @konsol:bo in a facilitator's text: ids of any shape.
    text = re.sub(r"<([@#])([^\s<>|]+)(?:\|[^>]*)?>", r"\1\2", text)
    return _HOLE.sub(lambda hole: style.written[int(hole.group(1))], text)


def _choices(numbered: Sequence[tuple[int, str]]) -> str:
    return "   ".join(f"[{n}] {as_written(label)}" for n, label in numbered)


def render(reply: Reply, numbers: Sequence[int] | None = None) -> str:
    """The reply as terminal text. ``numbers``: the choice number of each button, in order
    (1, 2, … when not given). A button that belongs under a section follows it."""
    numbers = list(numbers) if numbers is not None else list(range(1, len(reply.buttons) + 1))
    numbered = list(zip(numbers, reply.buttons, strict=False))
    parts: list[str] = []
    placed: set[int] = set()
    for index, section in enumerate(reply.sections):
        part = terminal_text(section)
        under = [(n, b.label) for n, b in numbered if b.under == index]
        if under:  # right below what they answer
            part += "\n" + _choices(under)
            placed.add(index)
        parts.append(part)
    if reply.context:
        parts.append(terminal_text(reply.context))
    text = "\n\n".join(parts)
    for pick in reply.picks:
        text += "\n" + texts.edge.console_pick_hint(terminal_text(pick.label), pick.command)
    rest = [(n, b.label) for n, b in numbered if b.under not in placed]
    if rest:
        text += "\n" + _choices(rest)
    if numbered:
        text += "  " + texts.edge.CONSOLE_CHOOSE
    return text
