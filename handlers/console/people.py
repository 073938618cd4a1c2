"""Who is who in the console: the user one is, the names people were given, and mentions as
people type them (``@U456``, or ``@Bo`` for someone named in this session)."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from bot import texts
from bot.domain.registration import Actor
from bot.ports import Profile

CONSOLE_TEAM = "console"
# The console's PlatformKind name: its people are ("console", CONSOLE_TEAM, their id).
PLATFORM = "console"
# What ``/som`` accepts and what a mention may name: a Slack-style user id.
USER_ID = r"[UW][A-Z0-9]+"
_USER_ID = re.compile(rf"^{USER_ID}$")
_MENTION_BY_ID = re.compile(rf"(?<![<\w])@({USER_ID})\b")
_MENTION_BY_NAME = re.compile(r"(?<![<\w])@([^\s@<>]+)")


def is_user_id(text: str) -> bool:
    return bool(_USER_ID.match(text))


@dataclass
class ConsoleUser:
    user_id: str
    name: str

    def actor(self) -> Actor:
        return Actor(team_id=CONSOLE_TEAM, user_id=self.user_id, name=self.name, platform=PLATFORM)


class ConsoleProfiles:
    """The console's ``ProfileLookup``: the names people were given (``--navn``, ``/som``, or in
    an earlier session, as the database has them), and a readable name for anyone else."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._lock = threading.Lock()

    def remember(self, names: Mapping[str, str]) -> None:
        with self._lock:
            self._names.update({k: v for k, v in names.items() if v and v != k})

    def learn(self, user_id: str, name: str) -> None:
        self.remember({user_id: name})

    def name_of(self, user_id: str) -> str:
        with self._lock:
            return self._names.get(user_id) or texts.console_unknown_person(user_id)

    def __call__(self, user_id: str) -> Profile | None:
        return Profile(self.name_of(user_id))

    def by_name(self, word: str) -> str | None:
        """The user id of the one person whose name (or first name) is ``word``."""
        key = word.casefold()
        with self._lock:
            found = {
                user_id
                for user_id, name in self._names.items()
                if key in (name.casefold().replace(" ", ""), name.split()[0].casefold())
            }
        return found.pop() if len(found) == 1 else None

    def mentions(self, line: str) -> str:
        """``@U456`` and ``@Bo`` (someone named in this session) as the mentions Slack sends."""
        line = _MENTION_BY_ID.sub(r"<@\1>", line)

        def by_name(match: re.Match[str]) -> str:
            user_id = self.by_name(match.group(1))
            return f"<@{user_id}>" if user_id else match.group(0)

        return _MENTION_BY_NAME.sub(by_name, line)


def first_plain_mention(line: str) -> str:
    """The first ``@word`` of a line that is not a mention the console understood."""
    match = _MENTION_BY_NAME.search(line)
    return match.group(0) if match else "@"
