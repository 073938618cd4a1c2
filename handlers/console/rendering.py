"""Replies as terminal text: the bot's Slack-style markup rendered away, user text as written,
buttons as numbered choices under what they answer."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot import texts
from bot.replies import USER_END, USER_START, Reply, as_written, spans

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
    # <@U123> -> @U123, <@konsol:bo> -> @konsol:bo: the console's ids have any shape.
    text = re.sub(r"<([@#])([^\s<>|]+)(?:\|[^>]*)?>", r"\1\2", text)
    return _HOLE.sub(lambda hole: written[int(hole.group(1))], text)


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
        text += "\n" + texts.console_pick_hint(terminal_text(pick.label), pick.command)
    rest = [(n, b.label) for n, b in numbered if b.under not in placed]
    if rest:
        text += "\n" + _choices(rest)
    if numbered:
        text += "  " + texts.CONSOLE_CHOOSE
    return text
