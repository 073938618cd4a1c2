"""Who is who in the console: the user one is, the names people were given, and mentions as
people type them (``@konsol:bo``, ``@U456``, or ``@Bo`` for someone named in this session),
turned into the core's neutral mentions."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from bot import texts
from bot.domain.registration import Actor
from bot.mentions import MAX_ACCOUNT, Mention, is_account, mark, unmarked
from bot.ports import Profile

CONSOLE_TEAM = "console"
# The console's PlatformKind name: its people are ("console", CONSOLE_TEAM, their id).
PLATFORM = "console"
# The console's people have plain opaque ids: "konsol:bo-hansen" for someone it names itself,
# or any word with a digit or a colon that '/som' or '--as' is given ("U456", as people used to).
ID_PREFIX = "konsol:"
# A mention ends before the punctuation that follows it ("@Bo," "@U456.").
_MENTION = re.compile(r"(?<![<\w])@([^\s@<>]*[^\s@<>.,;:!?)])")


def is_user_id(word: str) -> bool:
    """Whether ``word`` is written as an id (a name has no digit and no colon)."""
    return is_account(word) and any(ch.isdigit() or ch == ":" for ch in word)


def id_for(name: str) -> str:
    """The id the console gives someone it names: ``konsol:bo-hansen``."""
    return (ID_PREFIX + "-".join(name.casefold().split()))[:MAX_ACCOUNT]


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
            return self._names.get(user_id) or texts.edge.console_unknown_person(user_id)

    def __call__(self, user_id: str) -> Profile | None:
        return Profile(self.name_of(user_id))

    def by_name(self, word: str) -> str | None:
        """The user id of the one person whose name (or first name) is ``word``."""
        word = " ".join(word.split())
        key = word.casefold()
        with self._lock:
            found = {
                user_id
                for user_id, name in self._names.items()
                if key
                in (name.casefold(), name.casefold().replace(" ", ""), name.split()[0].casefold())
            }
        return found.pop() if len(found) == 1 else None

    def known(self, user_id: str) -> bool:
        with self._lock:
            return user_id in self._names

    def mentions(self, line: str) -> str:
        """``@U456`` / ``@konsol:bo`` (an id) and ``@Bo`` (someone named in this session) as
        neutral mentions (``bot.mentions``); any other ``@word`` stays text."""

        def mentioned(match: re.Match[str]) -> str:
            word = match.group(1)
            user_id = word if is_user_id(word) or self.known(word) else self.by_name(word)
            if user_id is None:
                return match.group(0)
            return mark(Mention(user_id, match.group(0), self.name_of(user_id)))

        return _MENTION.sub(mentioned, unmarked(line))


def first_plain_mention(line: str) -> str:
    """The first ``@word`` of a line that is not a mention the console understood."""
    match = _MENTION.search(line)
    return match.group(0) if match else "@"
