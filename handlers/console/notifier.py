"""Scheduled posts, printed as they fire, so a user can watch a meeting's schedule play out.
Buttons in a direct message become numbered choices for that person; files are saved."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bot import texts
from bot.replies import Attachment, Posted, Reply
from bot.texts.edge import (
    console_deleting,
    console_post_header,
    console_to_channel,
    console_to_person,
    console_updating,
)
from handlers.console.choices import IN_THE_CHANNEL, Choices
from handlers.console.files import save
from handlers.console.people import ConsoleProfiles
from handlers.console.rendering import render


def _indent(text: str) -> str:
    return "\n".join("│ " + line for line in text.splitlines())


class ConsoleNotifier:
    def __init__(
        self,
        say: Callable[[str], None],
        choices: Choices,
        profiles: ConsoleProfiles,
        *,
        files_base: Path | None = None,
        channel: str | None = None,
    ) -> None:
        self._say = say
        self._channel = channel
        self._choices = choices
        self._profiles = profiles
        self._files_base = files_base
        self._ts = 0
        self._files: list[Attachment] = []
        self._lock = threading.Lock()

    def _is_person(self, recipient: str) -> bool:
        # The network's channel is the one place the console posts to; anything else a person.
        return recipient != self._channel

    def _where(self, recipient: str) -> str:
        if self._is_person(recipient):
            return console_to_person(self._profiles.name_of(recipient), recipient)
        return console_to_channel(recipient)

    def _owner(self, recipient: str) -> str:
        # A channel post's buttons (a poll's options) are for whoever acts in the console.
        return recipient if self._is_person(recipient) else IN_THE_CHANNEL

    def _numbers(self, recipient: str, ts: str, reply: Reply) -> list[int]:
        return self._choices.offer(self._owner(recipient), ts, reply.buttons)

    def post(self, recipient: str, reply: Reply, *, post_id: int | None = None) -> Posted:
        with self._lock:
            self._ts += 1
            ts = f"{self._ts}.000000"
        numbers = self._numbers(recipient, ts, reply)
        text = render(reply, numbers)
        self._say(f"\n┌─ {console_post_header(self._where(recipient))}\n" + _indent(text) + "\n└─")
        return Posted(recipient, ts)

    def find_post(self, recipient: str, post_id: int, since: datetime) -> Posted | None:
        return None  # a print cannot fail halfway: a console post's fate is never unknown

    def upload(self, attachment: Attachment) -> str:
        with self._lock:
            self._files.append(attachment)
            return str(len(self._files) - 1)

    def share(self, posted: Posted, file_id: str, title: str) -> None:
        with self._lock:
            attachment = self._files[int(file_id)]
        path = save(attachment, self._files_base)
        self._say(f"   {texts.edge.console_saved(str(path))} ({title})")

    def find_share(self, posted: Posted, file_id: str) -> bool:
        return False

    def delete(self, posted: Posted) -> None:
        self._choices.close_everywhere(posted.ts)
        self._say("\n✖ " + console_deleting(posted.ts, self._where(posted.channel)))

    def update(self, posted: Posted, reply: Reply) -> None:
        # The post's own numbers stay where its buttons stay (``Choices.offer``).
        self._choices.close_everywhere(posted.ts, but=self._owner(posted.channel))
        numbers = self._numbers(posted.channel, posted.ts, reply)
        self._say(
            f"\n┌─ {console_updating(posted.ts, self._where(posted.channel))}\n"
            + _indent(render(reply, numbers))
            + "\n└─"
        )
