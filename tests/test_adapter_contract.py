"""One contract every adapter's notifier passes (``bot.ports.Notifier``): what delivery counts on.

Each adapter runs the same tests: Slack's notifier against the loopback fake Slack, the
console's notifier (printing), and the in-memory recording notifier delivery tests use. What
a platform cannot do is declared per adapter, and the declared behaviour is asserted instead:

- fate-unknown lookup: Slack finds a post whose answer was lost (message metadata +
  ``conversations.history``) and a shared file (``files.info``); the memory notifier finds
  them too; the console cannot lose an answer (a print either happened or raised), so its
  lookups always say "not there" and delivery posts as usual.
- rate limit: Slack's client waits out a short ``Retry-After`` itself and hands a long one to
  delivery as ``DeliveryError.retry_after``; the memory notifier hands every one to delivery;
  the console has no rate limit (a hundred posts in a row all print).
- permanent failure: Slack's and the memory notifier's raise ``DeliveryError(permanent=True)``
  after one call, never repeated; the console's prints cannot fail.
- Teams (the real Agents SDK against the fake Bot Connector, its memory on SQLite and
  PostgreSQL) cannot be asked whether a post exists: its lookups say "not there", and a post
  whose answer was lost is sent again (at least once). A file is a card with a signed link.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

import pytest

from bot.adapter_memory import AdapterMemory
from bot.clock import FixedClock
from bot.db import SessionFactory, make_engine, make_session_factory
from bot.models import OwnerKind
from bot.ports import DeliveryError, Notifier
from bot.replies import Attachment, Posted, Reply
from handlers.console.choices import Choices
from handlers.console.files import FILES_FOLDER
from handlers.console.notifier import ConsoleNotifier
from handlers.console.people import ConsoleProfiles
from handlers.slack.client import DELIVERY_MAX_RATE_WAIT, make_delivery_client
from handlers.slack.notifier import SlackNotifier
from handlers.teams.connector import Connector, no_token
from handlers.teams.files import FileStore
from handlers.teams.notifier import TeamsNotifier
from tests.conftest import new_database_url
from tests.support.fake_bot_connector import FakeBotConnector, Member
from tests.support.fake_slack import FakeSlack
from tests.support.memory_notifier import MemoryNotifier

PLACE = "C0NET"  # the network's channel
PERSON = "U0ANNA"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
FILE = Attachment("moede-1.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "Møde 1")


def message(text: str) -> Reply:
    return Reply((text,))


class Adapter(Protocol):
    """What the contract needs to see of a platform besides its notifier."""

    name: str
    notifier: Notifier
    finds_lost_posts: bool  # find_post/find_share can see what a lost answer left behind
    rate_limited: bool  # the platform can answer "wait"
    can_fail: bool  # the platform can refuse a call for good

    def text_of(self, posted: Posted) -> str | None:
        """The message's text as it stands now; None when it is gone."""

    def reached(self, posted: Posted) -> str:
        """Whom the message reached: the place's or the person's id."""

    def files(self) -> list[tuple[str, bytes]]:
        """Files shared so far: (title, content)."""

    def post_calls(self) -> int:
        """How often the platform was asked to post."""

    def lose_next_answer(self) -> None:
        """The next post is carried out, but its answer is lost (a 5xx after acting)."""

    def lose_next_share_answer(self) -> None:
        """The next share is carried out, but its answer is lost."""

    def rate_limit_next(self, seconds: int) -> None:
        """The next post is answered "wait ``seconds``"."""

    def refuse_next(self) -> None:
        """The next post is refused for good (the channel does not exist)."""

    @property
    def refused_reason(self) -> str:
        """The reason a refused post names."""


@dataclass
class SlackAdapter:
    fake: FakeSlack
    name: str = "slack"
    refused_reason: str = "channel_not_found"
    finds_lost_posts: bool = True
    rate_limited: bool = True
    can_fail: bool = True
    notifier: Notifier = field(init=False)

    def __post_init__(self) -> None:
        self.notifier = SlackNotifier(make_delivery_client("xoxb-test", self.fake.base_url))

    def text_of(self, posted: Posted) -> str | None:
        found = [m for m in self.fake.messages(posted.channel) if m["ts"] == posted.ts]
        return str(found[0]["text"]) if found else None

    def reached(self, posted: Posted) -> str:
        # The fake opens a person's direct messages as "D" + their user id.
        return posted.channel[1:] if posted.channel.startswith("D") else posted.channel

    def files(self) -> list[tuple[str, bytes]]:
        return [(str(u.title), u.content) for u in self.fake.uploads]

    def post_calls(self) -> int:
        return len(self.fake.calls("chat.postMessage"))

    def lose_next_answer(self) -> None:
        self.fake.fail_next("chat.postMessage", "kept_server_error")

    def lose_next_share_answer(self) -> None:
        self.fake.fail_next("files.completeUploadExternal", "kept_server_error")

    def rate_limit_next(self, seconds: int) -> None:
        self.fake.fail_next("chat.postMessage", "ratelimited", retry_after=seconds)

    def refuse_next(self) -> None:
        self.fake.fail_next("chat.postMessage", "channel_not_found")


@dataclass
class MemoryAdapter:
    memory: MemoryNotifier = field(default_factory=MemoryNotifier)
    name: str = "memory"
    refused_reason: str = "channel_not_found"
    finds_lost_posts: bool = True
    rate_limited: bool = True
    can_fail: bool = True

    @property
    def notifier(self) -> Notifier:
        return self.memory

    def text_of(self, posted: Posted) -> str | None:
        found = [m for m in self.memory.messages(posted.channel) if m.ts == posted.ts]
        return found[0].text if found else None

    def reached(self, posted: Posted) -> str:
        return posted.channel

    def files(self) -> list[tuple[str, bytes]]:
        return [(s.title, s.attachment.content) for s in self.memory.shared()]

    def post_calls(self) -> int:
        return self.memory.count("post")

    def lose_next_answer(self) -> None:
        self.memory.fail_next("post", DeliveryError("http_500", fate_unknown=True), kept=True)

    def lose_next_share_answer(self) -> None:
        self.memory.fail_next("share", DeliveryError("http_500", fate_unknown=True), kept=True)

    def rate_limit_next(self, seconds: int) -> None:
        self.memory.fail_next("post", DeliveryError("ratelimited", retry_after=float(seconds)))

    def refuse_next(self) -> None:
        self.memory.fail_next("post", DeliveryError("channel_not_found", permanent=True))


_POST = re.compile(r"^\n┌─ Klimanet → (?P<where>.*)\n")
_UPDATE = re.compile(r"^\n┌─ Klimanet opdaterer besked (?P<ts>\S+) ")
_DELETE = re.compile(r"^\n✖ Klimanet sletter besked (?P<ts>\S+) ")
_SAVED = re.compile(r"^ +📎 Gemt som (?P<path>.+) \((?P<title>[^()]*)\)$")


@dataclass
class ConsoleAdapter:
    files_base: Path
    name: str = "console"
    refused_reason: str = ""
    finds_lost_posts: bool = False
    rate_limited: bool = False
    can_fail: bool = False
    printed: list[str] = field(default_factory=list)
    notifier: Notifier = field(init=False)

    def __post_init__(self) -> None:
        profiles = ConsoleProfiles()
        profiles.learn(PERSON, "Anna Jensen")
        self.notifier = ConsoleNotifier(
            self.printed.append, Choices(), profiles, files_base=self.files_base, channel=PLACE
        )

    def _posts(self) -> list[str]:
        return [p for p in self.printed if _POST.match(p)]

    def text_of(self, posted: Posted) -> str | None:
        # Console posts are numbered in the order they print: ts "3.000000" is the third.
        current = self._posts()[int(float(posted.ts)) - 1]
        for printed in self.printed:
            if (m := _DELETE.match(printed)) and m["ts"] == posted.ts:
                return None
            if (m := _UPDATE.match(printed)) and m["ts"] == posted.ts:
                current = printed
        return _body(current)

    def reached(self, posted: Posted) -> str:
        where = _POST.match(self._posts()[int(float(posted.ts)) - 1])
        assert where is not None
        found = re.search(r"\((\w+)\)$", where["where"]) or re.search(r"(\w+)$", where["where"])
        assert found is not None
        return found[1]

    def files(self) -> list[tuple[str, bytes]]:
        saved = [m for m in (_SAVED.match(p) for p in self.printed) if m]
        # Saved where the console keeps files, under their own names.
        assert all(Path(m["path"]).parent == self.files_base / FILES_FOLDER for m in saved)
        return [(m["title"], Path(m["path"]).read_bytes()) for m in saved]

    def post_calls(self) -> int:
        return len(self._posts())

    def lose_next_answer(self) -> None:
        raise AssertionError("a console print has no answer to lose")

    lose_next_share_answer = lose_next_answer

    def rate_limit_next(self, seconds: int) -> None:
        raise AssertionError("the console has no rate limit")

    def refuse_next(self) -> None:
        raise AssertionError("a console print cannot be refused")


TEAMS_APP = "11111111-2222-3333-4444-555555555555"
ANNA = Member("29:anna", "aad-anna", "Anna Jensen")


@dataclass
class TeamsAdapter:
    fake: FakeBotConnector
    memory: AdapterMemory
    sessions: SessionFactory
    name: str = "teams"
    finds_lost_posts: bool = False  # declared: Teams cannot be asked; sent again instead
    rate_limited: bool = True
    can_fail: bool = True
    refused_reason: str = "not_found"
    notifier: Notifier = field(init=False)

    def __post_init__(self) -> None:
        sessions = self.sessions
        url = self.fake.service_url
        self.fake.add_channel("19:net@thread.tacv2")
        self.fake.add_member(ANNA)
        self.memory.remember(
            OwnerKind.PLACE,
            PLACE,
            {"conversation": "19:net@thread.tacv2", "service_url": url, "tenant": "t"},
        )
        # A channel the bot was removed from: Teams answers 404.
        self.memory.remember(
            OwnerKind.PLACE,
            "C0GONE",
            {"conversation": "19:gone@thread.tacv2", "service_url": url, "tenant": "t"},
        )
        self.memory.remember(
            OwnerKind.PERSON, PERSON, {"member": ANNA.id, "service_url": url, "tenant": "t"}
        )
        self.store = FileStore(sessions, b"secret", "https://bot.example", FixedClock(NOW).now)
        self.teams = TeamsNotifier(self.memory, Connector(no_token), self.store, app_id=TEAMS_APP)
        self.notifier = self.teams

    def _conversation(self, posted: Posted) -> str:
        reference = self.memory.recall(OwnerKind.PLACE, posted.channel)
        assert reference is not None, posted
        return str(reference["conversation"])

    def text_of(self, posted: Posted) -> str | None:
        found = self.fake.find(self._conversation(posted), posted.ts)
        return None if found is None else found.text

    def reached(self, posted: Posted) -> str:
        conversation = self._conversation(posted)
        if conversation == self.fake.conversation_of(ANNA.id):
            return PERSON
        return PLACE if conversation == "19:net@thread.tacv2" else conversation

    def files(self) -> list[tuple[str, bytes]]:
        found = []
        for sent in self.fake.activities():
            for card in sent.cards:
                for action in card.get("actions", []):
                    if action["type"] == "Action.OpenUrl":
                        kept = self.store.open(action["url"])
                        assert kept is not None, action["url"]
                        found.append((kept.title, kept.content))
        return found

    def post_calls(self) -> int:
        return self.fake.count("send")

    def lose_next_answer(self) -> None:
        self.fake.fail_next("send", 500, kept=True)

    lose_next_share_answer = lose_next_answer

    def rate_limit_next(self, seconds: int) -> None:
        self.fake.fail_next("send", 429, retry_after=seconds)

    def refuse_next(self) -> None:
        pass  # the fake does not know the conversation: 404


def _body(printed: str) -> str:
    lines = printed.strip("\n").splitlines()[1:-1]  # between the header and the closing line
    return "\n".join(line.removeprefix("│ ") for line in lines)


@pytest.fixture(
    params=[
        "slack",
        "console",
        "memory",
        "teams-sqlite",
        pytest.param("teams-postgres", marks=pytest.mark.postgres),
    ]
)
def adapter(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Adapter]:
    if request.param.startswith("teams"):
        for url in new_database_url(request.param.removeprefix("teams-"), request, tmp_path):
            engine = make_engine(url)
            sessions = make_session_factory(engine)
            memory = AdapterMemory(sessions, "teams", FixedClock(NOW).now)
            with FakeBotConnector() as fake:
                teams = TeamsAdapter(fake, memory, sessions)
                try:
                    yield teams
                finally:
                    teams.teams.close()
                    engine.dispose()
                fake.assert_no_invalid_activities()
    elif request.param == "slack":
        with FakeSlack() as fake:
            fake.clock = lambda: NOW.timestamp()
            yield SlackAdapter(fake)
            fake.assert_no_invalid_payloads()
    elif request.param == "console":
        yield ConsoleAdapter(tmp_path)
    else:
        yield MemoryAdapter(MemoryNotifier(clock=_Fixed(NOW)))


@dataclass
class _Fixed:
    at: datetime

    def now(self) -> datetime:
        return self.at


# -- posting, updating, deleting ------------------------------------------------------------------


def test_a_post_to_the_place_reaches_the_place(adapter: Adapter) -> None:
    posted = adapter.notifier.post(PLACE, message("Nyt møde i netværket"), post_id=1)
    assert adapter.reached(posted) == PLACE
    assert adapter.text_of(posted) == "Nyt møde i netværket"


def test_a_post_to_a_person_reaches_that_person_directly(adapter: Adapter) -> None:
    posted = adapter.notifier.post(PERSON, message("Kommer du stadig?"), post_id=2)
    assert adapter.reached(posted) == PERSON
    assert adapter.text_of(posted) == "Kommer du stadig?"
    again = adapter.notifier.post(PERSON, message("Påmindelse"), post_id=3)
    assert adapter.reached(again) == PERSON and again.ts != posted.ts


def test_an_update_replaces_the_post_in_place(adapter: Adapter) -> None:
    posted = adapter.notifier.post(PLACE, message("Dagsorden"), post_id=1)
    other = adapter.notifier.post(PLACE, message("Nyhed"), post_id=2)
    adapter.notifier.update(posted, message("Dagsorden (opdateret)"))
    assert adapter.text_of(posted) == "Dagsorden (opdateret)"
    assert adapter.text_of(other) == "Nyhed"  # only that post changed
    assert adapter.post_calls() == 2  # updated, not posted again


def test_a_deleted_post_is_gone_and_deleting_it_again_is_harmless(adapter: Adapter) -> None:
    posted = adapter.notifier.post(PERSON, message("Din plads"), post_id=1)
    kept = adapter.notifier.post(PERSON, message("Dagsorden"), post_id=2)
    adapter.notifier.delete(posted)
    assert adapter.text_of(posted) is None
    assert adapter.text_of(kept) == "Dagsorden"
    adapter.notifier.delete(posted)  # a post that is already gone counts as deleted


def test_a_file_is_uploaded_then_shared_with_a_post(adapter: Adapter) -> None:
    posted = adapter.notifier.post(PERSON, message("Påmindelse"), post_id=1)
    file_id = adapter.notifier.upload(FILE)
    assert adapter.files() == []  # uploaded, shared nowhere yet
    adapter.notifier.share(posted, file_id, FILE.title)
    assert adapter.files() == [(FILE.title, FILE.content)]


# -- a post whose answer was lost -----------------------------------------------------------------


def test_a_post_whose_answer_was_lost_is_found_by_its_id(adapter: Adapter) -> None:
    since = NOW - timedelta(minutes=1)
    if not adapter.finds_lost_posts:
        # Declared: a post's fate is never unknown here, so a lookup never finds one and
        # delivery posts as usual.
        posted = adapter.notifier.post(PLACE, message("Nyhed"), post_id=7)
        assert adapter.notifier.find_post(PLACE, 7, since) is None
        assert adapter.notifier.find_share(posted, "0") is False
        return
    adapter.notifier.post(PLACE, message("En anden nyhed"), post_id=6)
    adapter.lose_next_answer()
    with pytest.raises(DeliveryError) as lost:
        adapter.notifier.post(PLACE, message("Nyhed med et tabt svar"), post_id=7)
    assert lost.value.fate_unknown and not lost.value.permanent
    found = adapter.notifier.find_post(PLACE, 7, since)
    assert found is not None and adapter.text_of(found) == "Nyhed med et tabt svar"
    assert adapter.notifier.find_post(PLACE, 8, since) is None  # another row's post: not there
    assert adapter.notifier.find_post(PLACE, 7, NOW + timedelta(hours=1)) is None  # too early
    assert adapter.post_calls() == 2  # the lookup posts nothing


def test_a_person_post_whose_answer_was_lost_is_found_too(adapter: Adapter) -> None:
    if not adapter.finds_lost_posts:
        assert adapter.notifier.find_post(PERSON, 7, NOW) is None
        return
    adapter.lose_next_answer()
    with pytest.raises(DeliveryError):
        adapter.notifier.post(PERSON, message("Kommer du stadig?"), post_id=7)
    found = adapter.notifier.find_post(PERSON, 7, NOW - timedelta(minutes=1))
    assert found is not None and adapter.reached(found) == PERSON


def test_a_share_whose_answer_was_lost_is_found(adapter: Adapter) -> None:
    posted = adapter.notifier.post(PERSON, message("Påmindelse"), post_id=1)
    file_id = adapter.notifier.upload(FILE)
    if not adapter.finds_lost_posts:
        adapter.notifier.share(posted, file_id, FILE.title)
        assert adapter.notifier.find_share(posted, file_id) is False  # declared: never asked
        return
    assert adapter.notifier.find_share(posted, file_id) is False  # not shared yet
    adapter.lose_next_share_answer()
    with pytest.raises(DeliveryError) as lost:
        adapter.notifier.share(posted, file_id, FILE.title)
    assert lost.value.fate_unknown
    assert adapter.notifier.find_share(posted, file_id) is True
    assert adapter.files() == [(FILE.title, FILE.content)]


# -- rate limits and failures ---------------------------------------------------------------------


def test_a_long_rate_limit_is_handed_to_delivery_with_its_wait(adapter: Adapter) -> None:
    if not adapter.rate_limited:
        # Declared: no rate limit. A burst to one place all goes through at once.
        posts = [adapter.notifier.post(PLACE, message(f"Nyhed {n}"), post_id=n) for n in range(50)]
        assert [adapter.text_of(p) for p in posts] == [f"Nyhed {n}" for n in range(50)]
        return
    wait = int(DELIVERY_MAX_RATE_WAIT) + 25  # longer than any adapter waits in a call
    adapter.rate_limit_next(wait)
    with pytest.raises(DeliveryError) as limited:
        adapter.notifier.post(PLACE, message("Nyhed"), post_id=1)
    assert limited.value.retry_after == wait
    assert not limited.value.permanent and not limited.value.fate_unknown
    posted = adapter.notifier.post(PLACE, message("Nyhed"), post_id=1)  # once the wait is over
    assert adapter.text_of(posted) == "Nyhed"


def test_slack_waits_out_a_short_rate_limit_itself() -> None:
    """Slack-only: its client honours a short ``Retry-After`` (≤ 5 s) before trying again."""
    with FakeSlack() as fake:
        slack = SlackAdapter(fake)
        slack.rate_limit_next(1)
        started = time.monotonic()
        posted = slack.notifier.post(PLACE, message("Nyhed"), post_id=1)
        assert time.monotonic() - started >= 1.0  # Retry-After honoured, not hammered
        assert slack.text_of(posted) == "Nyhed" and slack.post_calls() == 2
        assert fake.stats["ratelimited"] == 1


def test_a_permanent_failure_is_raised_once_and_not_retried(adapter: Adapter) -> None:
    if not adapter.can_fail:
        # Declared: nothing refuses a print; the post is there.
        posted = adapter.notifier.post("C0GONE", message("Nyhed"), post_id=1)
        assert adapter.text_of(posted) == "Nyhed"
        return
    adapter.refuse_next()
    with pytest.raises(DeliveryError) as refused:
        adapter.notifier.post("C0GONE", message("Nyhed"), post_id=1)
    assert refused.value.permanent and not refused.value.fate_unknown
    assert refused.value.retry_after is None and refused.value.reason == adapter.refused_reason
    assert adapter.post_calls() == 1  # not repeated by the adapter
