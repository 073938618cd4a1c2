"""What Teams' notifier does beyond the shared adapter contract: people it may not write to,
Teams' refusals and limits, tokens, deleting a person's messages after their erasure, and
pictures shown inline within Teams' limits."""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.adapter_memory import AdapterMemory
from bot.clock import FixedClock
from bot.db import SessionFactory
from bot.models import OwnerKind
from bot.ports import DeliveryError
from bot.replies import Attachment, Button, Posted, Reply
from handlers.teams.connector import (
    CONVERSATION_WINDOWS,
    ClientCredentials,
    Connector,
    RateLimiter,
    no_token,
)
from handlers.teams.files import FileStore
from handlers.teams.notifier import TeamsNotifier
from handlers.teams.pictures import MAX_BYTES, MAX_SIDE, PNG_SIGNATURE, fit_png, fitted
from tests.support.fake_bot_connector import FakeBotConnector, Member

APP = "11111111-2222-3333-4444-555555555555"
TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
CHANNEL = "19:net@thread.tacv2"
ANNA = Member("29:anna", "aad-anna", "Anna Jensen")
BO = Member("29:bo", "aad-bo", "Bo Hansen")
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@dataclass
class World:
    fake: FakeBotConnector
    memory: AdapterMemory
    notifier: TeamsNotifier
    files: FileStore

    def person(self, member: Member, key: str) -> None:
        self.memory.remember(
            OwnerKind.PERSON,
            key,
            {"member": member.id, "service_url": self.fake.service_url, "tenant": TENANT},
        )


@pytest.fixture
def world(sessions: SessionFactory) -> Iterator[World]:
    memory = AdapterMemory(sessions, "teams", FixedClock(NOW).now)
    with FakeBotConnector() as fake:
        fake.add_channel(CHANNEL)
        memory.remember(
            OwnerKind.PLACE,
            "KANAL",
            {"conversation": CHANNEL, "service_url": fake.service_url, "tenant": TENANT},
        )
        files = FileStore(sessions, b"s", "https://bot.example", FixedClock(NOW).now)
        notifier = TeamsNotifier(memory, Connector(no_token), files, app_id=APP)
        try:
            yield World(fake, memory, notifier, files)
        finally:
            notifier.close()
        fake.assert_no_invalid_activities()
        fake.assert_within_limits()


def news(text: str = "Nyhed") -> Reply:
    return Reply((text,))


def test_a_person_who_has_not_installed_the_app_is_unreachable_until_installed(
    world: World,
) -> None:
    world.fake.add_member(BO, installed=False)
    world.person(BO, "UBO")
    with pytest.raises(DeliveryError) as refused:
        world.notifier.post("UBO", news())
    assert refused.value.permanent and refused.value.reason == "forbidden"
    assert world.fake.count("create", status=403) == 1
    with pytest.raises(DeliveryError) as again:
        world.notifier.post("UBO", news())
    assert again.value.permanent and again.value.reason == "not_reachable"
    assert len(world.fake.calls) == 1  # no second attempt at Teams
    world.fake.add_member(BO, installed=True)  # Bo installs the app; Teams tells the bot
    world.notifier.reachable("UBO")
    posted = world.notifier.post("UBO", news("Velkommen"))
    assert world.fake.activities(world.fake.conversation_of(BO.id))[0].text == "Velkommen"
    assert posted.channel.startswith("tc") and BO.id not in posted.channel


def test_a_person_the_bot_never_met_is_not_reachable_without_a_call(world: World) -> None:
    with pytest.raises(DeliveryError) as refused:
        world.notifier.post("UNKNOWN", news())
    assert refused.value.permanent and world.fake.calls == []


def test_a_403_on_a_send_marks_the_person_unreachable(world: World) -> None:
    world.fake.add_member(ANNA)
    world.person(ANNA, "UANNA")
    world.notifier.post("UANNA", news())  # the chat exists now
    world.fake.fail_next("send", 403, "ConversationBlockedByUser")
    with pytest.raises(DeliveryError) as blocked:
        world.notifier.post("UANNA", news())
    assert blocked.value.permanent
    assert world.memory.recall(OwnerKind.PERSON, "UANNA")["unreachable"] is True  # type: ignore[index]


def test_the_chat_is_opened_once_and_remembered_across_a_restart(
    world: World, sessions: SessionFactory
) -> None:
    world.fake.add_member(ANNA)
    world.person(ANNA, "UANNA")
    world.notifier.post("UANNA", news("1"))
    restarted = TeamsNotifier(
        AdapterMemory(sessions, "teams", FixedClock(NOW).now),
        Connector(no_token),
        FileStore(sessions, b"s", "https://bot.example", FixedClock(NOW).now),
        app_id=APP,
    )
    try:
        restarted.post("UANNA", news("2"))
    finally:
        restarted.close()
    assert world.fake.count("create") == 1
    create = next(c for c in world.fake.calls if c.op == "create")
    assert create.body["members"] == [{"id": ANNA.id}]
    assert create.body["bot"]["id"] == f"28:{APP}"
    assert create.body["channelData"]["tenant"]["id"] == TENANT
    texts = [a.text for a in world.fake.activities(world.fake.conversation_of(ANNA.id))]
    assert texts == ["1", "2"]


def test_direct_messages_can_be_deleted_after_the_person_is_forgotten(world: World) -> None:
    world.fake.add_member(ANNA)
    world.person(ANNA, "UANNA")
    posted = world.notifier.post("UANNA", news("Din plads"))
    world.memory.forget(OwnerKind.PERSON, "UANNA")  # what erasure does
    world.notifier.delete(posted)
    assert world.fake.activities(world.fake.conversation_of(ANNA.id)) == []


@pytest.mark.parametrize(
    ("status", "permanent", "unknown"),
    [(413, True, False), (400, True, False), (412, False, False), (503, False, True)],
)
def test_teams_answers_are_sorted_into_permanent_transient_and_unknown(
    world: World, status: int, permanent: bool, unknown: bool
) -> None:
    world.fake.fail_next("send", status)
    with pytest.raises(DeliveryError) as failed:
        world.notifier.post("KANAL", news())
    assert failed.value.permanent is permanent and failed.value.fate_unknown is unknown
    assert world.fake.count("send") == 1  # the adapter never repeats a send on its own


def test_a_message_teams_finds_too_big_is_refused_for_good(world: World) -> None:
    world.fake.fail_next("send", 413, "MessageSizeTooBig")
    with pytest.raises(DeliveryError) as too_big:
        world.notifier.post("KANAL", news())
    assert too_big.value.reason == "message_too_big" and too_big.value.permanent


def test_a_short_retry_after_is_waited_out_once(world: World) -> None:
    world.fake.fail_next("send", 429, retry_after=1)
    started = time.monotonic()
    posted = world.notifier.post("KANAL", news())
    assert time.monotonic() - started >= 1.0
    assert world.fake.count("send", status=429) == 1 and world.fake.count("send") == 2
    assert world.fake.find(CHANNEL, posted.ts) is not None


def test_an_update_of_a_deleted_message_is_refused_for_good(world: World) -> None:
    posted = world.notifier.post("KANAL", news())
    world.notifier.delete(posted)
    with pytest.raises(DeliveryError) as gone:
        world.notifier.update(posted, news("Rettet"))
    assert gone.value.permanent and gone.value.reason == "message_not_found"


def test_a_clicked_card_is_updated_without_its_buttons(world: World) -> None:
    asked = Reply(("Kommer du?",), buttons=(Button("Ja", "attend_yes", "4"),))
    posted = world.notifier.post("KANAL", asked)
    assert world.fake.find(CHANNEL, posted.ts).cards[0]["actions"]  # type: ignore[union-attr]
    world.notifier.update(posted, asked, without_buttons=True)
    card = world.fake.find(CHANNEL, posted.ts).cards[0]  # type: ignore[union-attr]
    assert "actions" not in card and card["body"][0]["text"] == "Kommer du?"


def test_a_burst_to_one_conversation_keeps_teams_limits(world: World) -> None:
    started = time.monotonic()
    for n in range(10):
        world.notifier.post("KANAL", news(f"Påmindelse {n}"))
    # 7 a second and 8 in two seconds: the 9th and 10th wait for the two-second window.
    assert time.monotonic() - started >= 1.9
    assert dict(world.fake.over_limit) == {}
    assert len(world.fake.activities(CHANNEL)) == 10


def test_the_rate_limiter_keeps_every_window() -> None:
    now = [0.0]
    limiter = RateLimiter(CONVERSATION_WINDOWS, clock=lambda: now[0])
    waits = [limiter.delay("c") for _ in range(9)]
    assert waits[:7] == [0.0] * 7
    assert waits[7] == pytest.approx(1.05)  # 7 per second
    assert waits[8] == pytest.approx(2.05)  # 8 per 2 seconds
    assert limiter.delay("other") == 0.0  # each conversation its own
    # 60 in 30 seconds: spread them out, and the 61st waits for the oldest to leave.
    spread = RateLimiter(CONVERSATION_WINDOWS, clock=lambda: now[0])
    for n in range(60):
        now[0] = n * 0.4
        assert spread.delay("c") == 0.0
    now[0] = 24.0
    assert spread.delay("c") == pytest.approx(6.05)


def test_the_bot_sends_its_entra_token_and_renews_none_while_valid(
    sessions: SessionFactory,
) -> None:
    with FakeBotConnector() as fake:
        fake.add_channel(CHANNEL)
        memory = AdapterMemory(sessions, "teams", FixedClock(NOW).now)
        memory.remember(
            OwnerKind.PLACE,
            "KANAL",
            {"conversation": CHANNEL, "service_url": fake.service_url, "tenant": TENANT},
        )
        url = fake.service_url + "{tenant}/oauth2/v2.0/token"
        tokens = ClientCredentials(APP, "secret", TENANT, token_url=url)
        notifier = TeamsNotifier(
            memory,
            Connector(tokens),
            FileStore(sessions, b"s", "https://x", FixedClock(NOW).now),
            app_id=APP,
        )
        wrong = TeamsNotifier(
            memory,
            Connector(ClientCredentials(APP, "wrong", TENANT, token_url=url)),
            FileStore(sessions, b"s", "https://x", FixedClock(NOW).now),
            app_id=APP,
        )
        try:
            notifier.post("KANAL", news("1"))
            notifier.post("KANAL", news("2"))
            with pytest.raises(DeliveryError) as refused:
                wrong.post("KANAL", news("3"))
        finally:
            notifier.close()
            wrong.close()
    assert [c.authorization for c in fake.calls] == ["Bearer token-1", "Bearer token-1"]
    assert fake.token_requests[0]["scope"] == "https://api.botframework.com/.default"
    assert fake.token_requests[0]["client_id"] == APP
    assert refused.value.permanent and refused.value.reason == "token_refused: http_401"


# -- pictures inline --------------------------------------------------------------------------


def _png(image: Any, level: int = 1) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=level)
    return out.getvalue()


def _picture(content: bytes) -> tuple[tuple[int, int], str]:
    from PIL import Image

    with Image.open(io.BytesIO(content)) as image:
        return image.size, image.format or ""


def _chart(width: int, height: int) -> bytes:
    """A picture like the map: large, few colours (cheap to make and to fit)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 30, height // 20, width * 2 // 3, height * 3 // 4), fill="green")
    draw.ellipse((width * 2 // 3, height // 10, width - 10, height - 10), fill="blue")
    return _png(image)


def test_a_large_picture_is_shown_inline_fitted_to_teams_limits(world: World) -> None:
    big = _chart(3000, 2000)
    file_id = world.notifier.upload(Attachment("kort.png", big, "Kort over kommunerne"))
    world.notifier.share(Posted("KANAL", "1"), file_id, "Kort over kommunerne")
    [sent] = world.fake.activities(CHANNEL)
    assert len(json.dumps(sent.activity).encode()) < 80_000
    [card] = sent.cards
    [image] = [e for e in card["body"] if e["type"] == "Image"]
    assert card["body"][0]["text"] == "Kort over kommunerne"
    [button] = card["actions"]
    assert button["type"] == "Action.OpenUrl" and button["url"] == image["url"]
    assert image["url"].startswith("https://bot.example/filer/") and "sig=" in image["url"]
    served = world.files.open(image["url"])  # what /filer/… answers Teams with
    assert served is not None and served.filename == "kort.png"
    (width, height), kind = _picture(served.content)
    assert kind == "PNG" and len(served.content) <= MAX_BYTES
    assert (width, height) == (1024, 683)  # the aspect ratio kept


def test_a_picture_for_one_person_is_inline_and_a_calendar_file_stays_a_button(
    world: World,
) -> None:
    world.fake.add_member(ANNA)
    world.person(ANNA, "UANNA")
    small = _chart(300, 200)
    world.notifier.send_file("UANNA", Attachment("heatmap.png", small, "Heatmap"))
    calendar = world.notifier.upload(Attachment("moede-1.ics", b"BEGIN:VCALENDAR\r\n", "Møde 1"))
    world.notifier.share(Posted("KANAL", "1"), calendar, "Møde 1")
    [picture] = world.fake.activities(world.fake.conversation_of(ANNA.id))[0].cards
    [image] = [e for e in picture["body"] if e["type"] == "Image"]
    served = world.files.open(image["url"])
    assert "til=" in image["url"] and served is not None
    assert served.content == small  # within the limits already: kept as it came
    [card] = world.fake.activities(CHANNEL)[0].cards
    assert [e["type"] for e in card["body"]] == ["TextBlock"]
    [button] = card["actions"]
    assert button["title"] == "Tilføj til kalender"
    assert world.files.open(button["url"]).content == b"BEGIN:VCALENDAR\r\n"  # type: ignore[union-attr]


def test_a_picture_too_heavy_after_scaling_is_reduced_until_it_fits() -> None:
    from PIL import Image

    # Noise compresses to nothing: a palette must take it under 1 MB (colour), and further
    # scaling a grey one already under 1024 pixels but over 1 MB.
    colour = _png(Image.frombytes("RGB", (1100, 700), os.urandom(1100 * 700 * 3)), 0)
    grey = _png(Image.frombytes("L", (1024, 1024), os.urandom(1024 * 1024)), 0)
    assert len(colour) > MAX_BYTES and len(grey) > MAX_BYTES
    for content in (colour, grey):
        small = fit_png(content)
        (width, height), kind = _picture(small)
        assert kind == "PNG" and len(small) <= MAX_BYTES and max(width, height) <= MAX_SIDE
    assert _picture(fit_png(colour))[0] == (1024, 652)
    # A file named .png that Pillow cannot read is kept as it came (a link, never a failure).
    broken = Attachment("kort.png", PNG_SIGNATURE + b"not a picture", "Kort")
    assert fitted(broken) is broken
