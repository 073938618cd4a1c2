"""Buttons as numbered choices: every open one stays answerable.

Each person's choices get numbers that are never reused in a session, so an older message's
buttons still work after a newer one arrived. A message updated in place (a request decided
elsewhere) or replaced by the answer to a click loses its old choices; in a message that lists
several things with their own buttons (``afventer``), the answer to one of them closes only that
one's choices, so every other number shown stays valid. Nothing here is kept across a restart:
``afventer`` lists what still waits, with fresh numbers.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from bot.replies import Button


@dataclass(frozen=True, slots=True)
class Choice:
    action_id: str
    value: str
    message: str  # the message it was offered on
    item: int | None = None  # the section of that message it answers (``Button.under``)


# A channel post's buttons are for whoever acts (a vote in a poll): one set of choices that
# every person of the console can take, numbered from here so they never clash with a person's.
IN_THE_CHANNEL = "#kanal"
CHANNEL_NUMBERS_FROM = 100


class Choices:
    def __init__(self) -> None:
        self._open: dict[str, dict[int, Choice]] = {}
        self._next: dict[str, int] = {}
        self._lock = threading.Lock()

    def offer(self, user_id: str, message: str, buttons: Sequence[Button]) -> list[int]:
        """Number the buttons of ``message`` for ``user_id`` (replacing that message's old
        choices); returns the numbers, in the buttons' order. A message offered again (updated
        in place: a poll's turnout, more material) keeps the number of each button it still
        has, so a number someone has seen never changes meaning; only new buttons get new
        numbers, and the numbers of buttons it no longer has go."""
        with self._lock:
            mine = self._open.setdefault(user_id, {})
            kept: dict[tuple[str, str, int | None], list[int]] = {}
            for number in sorted(n for n, c in mine.items() if c.message == message):
                choice = mine.pop(number)
                kept.setdefault((choice.action_id, choice.value, choice.item), []).append(number)
            numbers = []
            for button in buttons:
                same = kept.get((button.action_id, button.value, button.under))
                if same:
                    number = same.pop(0)
                else:
                    first = CHANNEL_NUMBERS_FROM if user_id == IN_THE_CHANNEL else 1
                    number = self._next.get(user_id, first)
                    self._next[user_id] = number + 1
                mine[number] = Choice(button.action_id, button.value, message, button.under)
                numbers.append(number)
            return numbers

    def take(self, user_id: str, text: str) -> Choice | None:
        """The choice ``text`` names for ``user_id``, if it is an open one."""
        if not (text.isascii() and text.isdigit()) or len(text) > 9:
            return None
        with self._lock:
            mine = self._open.get(user_id, {}).get(int(text))
            return mine or self._open.get(IN_THE_CHANNEL, {}).get(int(text))

    def close(self, user_id: str, message: str) -> None:
        """The message's choices are answered (or the message replaced): they go."""
        self.offer(user_id, message, ())

    def answered(self, user_id: str, choice: Choice) -> None:
        """``choice`` was answered and its message replaced by the answer: its choices go. In a
        list of things with their own buttons only that thing's choices go; the others' numbers
        stay valid until they are answered in turn."""
        if choice.item is None:
            self.close(user_id, choice.message)
            return
        with self._lock:
            mine = self._open.get(user_id, {})
            for number in [
                n for n, c in mine.items() if c.message == choice.message and c.item == choice.item
            ]:
                del mine[number]

    def close_everywhere(self, message: str, *, but: str | None = None) -> None:
        """A message deleted, or updated in place: its choices go, whoever they were for (``but``:
        the one it is offered to again, whose numbers ``offer`` keeps where it can)."""
        with self._lock:
            users = [
                u
                for u, mine in self._open.items()
                if u != but and any(c.message == message for c in mine.values())
            ]
        for user_id in users:
            self.close(user_id, message)
