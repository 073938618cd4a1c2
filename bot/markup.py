"""The neutral vocabulary of what users read: user text, bold, italic, bullet lists, links,
mentions, icons and the platform's own words, marked in a plain ``str`` with private-use
characters, so texts stay strings and compose with f-strings.

No chat platform's syntax is written here or in ``bot.texts``: each renderer translates the
marks (Slack: mrkdwn, emoji codes and its mention syntax; the console: plain text, Unicode
symbols and names; Teams: Markdown). ``render`` walks a marked string and asks a ``Style`` for each
piece; ``as_written`` is the plain style every renderer without markup can use.

Text that a member typed or that comes from a profile is data, never markup: ``user_text`` wraps
it, and every marker character is dropped from it first, so a member can neither forge a mark
nor close one early. The same holds for a mention's name and a link's label and address.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import Protocol

# Private-use characters. They never reach a chat: every renderer turns them into its markup.
USER_START = "\ue000"
USER_END = "\ue001"
BOLD_START = "\ue002"
BOLD_END = "\ue003"
ITALIC_START = "\ue004"
ITALIC_END = "\ue005"
ICON_START = "\ue006"  # + the icon's name + ATOM_END
WORD_START = "\ue007"  # + the platform word's name + ATOM_END
MENTION_START = "\ue008"  # + account + SEPARATOR + fallback name + ATOM_END
PLACE_START = "\ue009"  # + place (a channel) + SEPARATOR + fallback name + ATOM_END
LINK_START = "\ue00a"  # + url + SEPARATOR + label + ATOM_END
SEPARATOR = "\ue00b"
ATOM_END = "\ue00c"
BULLET = "\ue00d"  # at the start of a line of a bullet list

MARKERS = "".join(chr(code) for code in range(0xE000, 0xE00E))
_STRIP = str.maketrans("", "", MARKERS)
_ATOMS = ICON_START + WORD_START + MENTION_START + PLACE_START + LINK_START
# The next marker from a position: the text between markers is taken whole, not char by char
# (an answer's overview is a few hundred characters, rendered on every answer).
_NEXT_MARKER = re.compile("[" + re.escape(MARKERS) + "]")


class Icon(StrEnum):
    """The symbols the bot puts before what it says; one per kind of message."""

    DONE = "done"  # it worked
    WARNING = "warning"
    CALENDAR = "calendar"  # a new meeting
    REMINDER = "reminder"
    STARTING = "starting"  # a meeting starts soon
    MOVED = "moved"
    CANCELLED = "cancelled"
    NEWS = "news"
    OFFER = "offer"  # a handshake: a seat offered
    ASKING = "asking"  # a raised hand: someone asks for a seat
    WAITING = "waiting"
    HELLO = "hello"  # a wave: are you still coming?
    CALL = "call"  # a telephone: whom to call


# How an icon reads where there is no emoji syntax (the console, plain text, files).
ICON_SYMBOLS: dict[Icon, str] = {
    Icon.DONE: "✔",
    Icon.WARNING: "⚠",
    Icon.CALENDAR: "📅",
    Icon.REMINDER: "🔔",
    Icon.STARTING: "▶",
    Icon.MOVED: "🔄",
    Icon.CANCELLED: "✖",
    Icon.NEWS: "📰",
    Icon.OFFER: "🤝",
    Icon.ASKING: "🙋",
    Icon.WAITING: "⏳",
    Icon.HELLO: "👋",
    Icon.CALL: "📞",
}


class PlatformWord(StrEnum):
    """Words that name the chat platform; each renderer says them its way ("Slack-profil" in
    Slack, "Teams-profil" in Teams)."""

    NAME = "name"  # "Slack" (also as the subject: "Slack svarede …")
    PROFILE = "profile"  # "Slack-profil"
    ACCOUNT_ID = "account_id"  # "Slack-id"
    WORKSPACE = "workspace"  # "Slack-arbejdsområde"
    WORKSPACE_DEFINITE = "workspace_definite"  # "Slack-arbejdsområdet"
    ADMINISTRATOR = "administrator"  # "Slack-administrator"
    SHARED_CHANNEL = "shared_channel"  # "delt Slack Connect-kanal"


def _clean(value: object) -> str:
    return str(value).translate(_STRIP)


def user_text(value: object) -> str:
    """``value`` as a span of user text. Marker characters in the value itself are dropped, so
    a member can neither forge a span nor close one early."""
    text = _clean(value)
    return f"{USER_START}{text}{USER_END}" if text else ""


def bold(marked: str) -> str:
    return f"{BOLD_START}{marked}{BOLD_END}" if marked else ""


def italic(marked: str) -> str:
    return f"{ITALIC_START}{marked}{ITALIC_END}" if marked else ""


def icon(which: Icon) -> str:
    return f"{ICON_START}{which.value}{ATOM_END}"


def word(which: PlatformWord) -> str:
    """The platform's own word for ``which``, filled in by the renderer."""
    return f"{WORD_START}{which.value}{ATOM_END}"


def mention(account: str, name: str) -> str:
    """A person by their chat account (opaque; the renderer knows its shape), with the name to
    show where the platform cannot mention (the console, files)."""
    return f"{MENTION_START}{_clean(account)}{SEPARATOR}{_clean(name)}{ATOM_END}"


def place(where: str, name: str) -> str:
    """A place (the network's channel) by its id, with a name to show where it cannot be linked."""
    return f"{PLACE_START}{_clean(where)}{SEPARATOR}{_clean(name)}{ATOM_END}"


def link(url: str, label: str = "") -> str:
    return f"{LINK_START}{_clean(url)}{SEPARATOR}{_clean(label)}{ATOM_END}"


def bullets(lines: Iterable[str]) -> str:
    """Marked lines as a bullet list (one item a line)."""
    return "\n".join(f"{BULLET}{line}" for line in lines)


def spans(marked: str) -> Iterator[tuple[bool, str]]:
    """``(is_user_text, text)`` pieces of a marked string, in order, empty pieces left out; the
    bot's pieces keep their other marks.

    An unclosed span runs to the end (escaping too much is safe; too little is not); a stray
    end marker outside a span is dropped.
    """
    position = 0
    while position < len(marked):
        start = marked.find(USER_START, position)
        if start < 0:
            start = len(marked)
        bot = marked[position:start].replace(USER_END, "")
        if bot:
            yield False, bot
        if start == len(marked):
            return
        end = marked.find(USER_END, start + 1)
        if end < 0:
            end = len(marked)
        user = marked[start + 1 : end]
        if user:
            yield True, user
        position = end + 1


class Style(Protocol):
    """How one renderer writes each piece of the vocabulary. ``bold``/``italic`` get their
    content already rendered."""

    def text(self, piece: str) -> str: ...  # the bot's own text
    def user(self, piece: str) -> str: ...  # user text, as written
    def bold(self, inner: str) -> str: ...
    def italic(self, inner: str) -> str: ...
    def bullet(self) -> str: ...
    def icon(self, which: Icon) -> str: ...
    def word(self, which: PlatformWord) -> str: ...
    def mention(self, account: str, name: str) -> str: ...
    def place(self, where: str, name: str) -> str: ...
    def link(self, url: str, label: str) -> str: ...


def _atom(style: Style, kind: str, content: str) -> str:
    first, _, second = content.partition(SEPARATOR)
    if kind == ICON_START:
        return style.icon(Icon(first)) if first in Icon._value2member_map_ else ""
    if kind == WORD_START:
        known = first in PlatformWord._value2member_map_
        return style.word(PlatformWord(first)) if known else ""
    if kind == MENTION_START:
        return style.mention(first, second)
    if kind == PLACE_START:
        return style.place(first, second)
    return style.link(first, second)


def render(marked: str, style: Style) -> str:
    """A marked string in ``style``. Unclosed bold or italic closes at the end; a stray marker
    is dropped; user text is handed to ``style.user`` whole, never read for marks."""
    stack: list[tuple[str, list[str]]] = [("", [])]
    plain: list[str] = []

    def flush() -> None:
        if plain:
            stack[-1][1].append(style.text("".join(plain)))
            plain.clear()

    def close() -> None:
        opener, parts = stack.pop()
        inner = "".join(parts)
        stack[-1][1].append(style.bold(inner) if opener == BOLD_START else style.italic(inner))

    position = 0
    length = len(marked)
    while position < length:
        marker = _NEXT_MARKER.search(marked, position)
        if marker is None:
            plain.append(marked[position:])
            break
        if marker.start() > position:
            plain.append(marked[position : marker.start()])
        position = marker.start()
        char = marked[position]
        flush()
        if char == USER_START:
            end = marked.find(USER_END, position + 1)
            end = length if end < 0 else end
            if end > position + 1:  # markers a raw string held inside a span are dropped
                stack[-1][1].append(style.user(marked[position + 1 : end].translate(_STRIP)))
            position = end + 1
            continue
        if char in _ATOMS:
            end = marked.find(ATOM_END, position + 1)
            end = length if end < 0 else end
            stack[-1][1].append(_atom(style, char, marked[position + 1 : end]))
            position = end + 1
            continue
        if char in (BOLD_START, ITALIC_START):
            stack.append((char, []))
        elif char in (BOLD_END, ITALIC_END) and stack[-1][0] == chr(ord(char) - 1):
            close()
        elif char == BULLET:
            stack[-1][1].append(style.bullet())
        position += 1
    flush()
    while len(stack) > 1:
        close()
    return "".join(stack[0][1])


class PlainStyle:
    """Text as a person reads it where there is no markup: Unicode symbols, names for mentions,
    "label (address)" for links. The platform words are neutral unless told."""

    def __init__(self, words: dict[PlatformWord, str] | None = None) -> None:
        self._words = words or NEUTRAL_WORDS

    def text(self, piece: str) -> str:
        return piece

    def user(self, piece: str) -> str:
        return piece

    def bold(self, inner: str) -> str:
        return inner

    def italic(self, inner: str) -> str:
        return inner

    def bullet(self) -> str:
        return "• "

    def icon(self, which: Icon) -> str:
        return ICON_SYMBOLS[which]

    def word(self, which: PlatformWord) -> str:
        return self._words[which]

    def mention(self, account: str, name: str) -> str:
        return name or account

    def place(self, where: str, name: str) -> str:
        return name or where

    def link(self, url: str, label: str) -> str:
        return f"{label} ({url})" if label and label != url else url


# The platform's words where no platform is known (the memory notifier, files, logs).
NEUTRAL_WORDS: dict[PlatformWord, str] = {
    PlatformWord.NAME: "chatten",
    PlatformWord.PROFILE: "chatprofil",
    PlatformWord.ACCOUNT_ID: "chat-id",
    PlatformWord.WORKSPACE: "arbejdsområde",
    PlatformWord.WORKSPACE_DEFINITE: "arbejdsområdet",
    PlatformWord.ADMINISTRATOR: "administrator",
    PlatformWord.SHARED_CHANNEL: "delt kanal",
}

_PLAIN = PlainStyle()


def as_written(marked: str) -> str:
    """The text as a person reads it where there is no markup to escape: every mark rendered
    as plain text (icons as Unicode symbols, mentions as names), user text as written."""
    return render(marked, _PLAIN)
