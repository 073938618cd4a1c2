"""Data protection in Slack: the real Bolt app, signed requests, the loopback fake Web API.

``mine-data`` uploads the file to the person's DM; ``slet-mig`` deletes the bot's DMs with
``chat.delete`` and leaves no cached profile; ``user_change`` with ``deleted: true`` releases a
deactivated account's seat and tells the coordinator and the facilitators.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.models import Person, Seat
from tests.support.fake_slack import FakeSlack
from tests.support.privacy import leftovers, sentinel_forms
from tests.support.slackbot import ADMIN, SlackBot, running_bot

ANNA, BO = "U0ANNA", "U0BO"
TEAM_ID = "T0001"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user(ANNA, "Anna Jensen", title="Klimakoordinator")
        fake.add_user(BO, "Bo Zørbløksen", title="Titelsentinelqx")
        fake.add_user(ADMIN, "Sara Røpke")
        yield fake
        fake.assert_no_invalid_payloads()


@pytest.fixture
def bot(database_url: str, fake: FakeSlack, clock: FixedClock) -> Iterator[SlackBot]:
    with running_bot(database_url, fake, clock) as bot:
        yield bot


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def holder_of(bot: SlackBot, kind: str, slot: int) -> str | None:
    with bot.runtime.core.sessions() as session:
        seat = session.scalars(select(Seat).where(Seat.kind == kind, Seat.slot == slot)).one()
        holder = session.get(Person, seat.holder_id) if seat.holder_id else None
        return holder.user_id if holder else None


def dms_to(fake: FakeSlack, user_id: str) -> list[tuple[str, str]]:
    """(channel, ts) of the messages in the bot's DM with the user, as they stand now."""
    return [(f"D{user_id}", str(m["ts"])) for m in fake.messages(user_id)]


def test_mine_data_uploads_the_file_to_the_persons_dm(bot: SlackBot) -> None:
    bot.command(ANNA, "tilmeld Aarhus")
    answer = bot.command(ANNA, "mine-data")
    assert "Det har Klimanet om dig" in answer.args["text"]
    uploads = bot.fake.wait_for("files.completeUploadExternal", count=2)
    assert [u.args["channel_id"] for u in uploads] == [f"D{ANNA}", f"D{ANNA}"]
    readable, stored = bot.fake.uploads
    assert readable.filename.endswith(".txt") and stored.filename.endswith(".json")
    assert "Navn: Anna Jensen" in readable.content.decode("utf-8")
    data = json.loads(stored.content)
    assert data["person"]["name"] == "Anna Jensen"
    assert data["person"]["slack_user_id"] == ANNA


def test_slet_mig_deletes_the_dms_and_forgets_the_profile(bot: SlackBot) -> None:
    bot.command(ANNA, "tilmeld Aarhus")
    bot.command(ADMIN, f"admin plads Aarhus fleksibel 1 <@{BO}|bo> Aftalt")
    bot.runtime.delivery.drain()
    sent = dms_to(bot.fake, BO)
    assert sent, "Bo got the facilitator's notice"
    assert bot.runtime.profiles is not None and bot.runtime.profiles.knows(BO)
    asked = bot.command(BO, "slet-mig")
    assert "Vil du have slettet dine oplysninger" in asked.args["text"]
    before = len(bot.fake.calls("response_url"))
    response = bot.driver.block_action(BO, "erase_confirm", "erase")
    assert response.status_code == 200
    done = bot.fake.wait_for("response_url", count=before + 1)[before]
    assert "Dine oplysninger i Klimanet er slettet" in done.args["text"]
    assert done.args.get("replace_original") is True
    bot.runtime.delivery.drain()
    deleted = {(str(c.args["channel"]), str(c.args["ts"])) for c in bot.fake.calls("chat.delete")}
    assert set(sent) <= deleted
    assert dms_to(bot.fake, BO) == []
    assert not bot.runtime.profiles.knows(BO)
    assert holder_of(bot, "flexible", 1) is None
    engine = bot.runtime.core.engine
    assert leftovers(engine, sentinel_forms((BO, "Bo Zørbløksen", "Titelsentinelqx"))) == []
    # The coordinator and the facilitator hear that the seat is free.
    freed = [
        str(c.args["text"])
        for c in bot.fake.calls("chat.postMessage", ok=True)
        if "er ledig" in str(c.args.get("text"))
    ]
    assert len(freed) == 2, freed


def user_change(user_id: str, deleted: bool) -> dict[str, object]:
    return {
        "type": "user_change",
        "user": {
            "id": user_id,
            "team_id": TEAM_ID,
            "deleted": deleted,
            "profile": {"real_name": "Bo Zørbløksen"},
        },
        "event_ts": "1700000000.000100",
    }


def test_a_deactivated_account_releases_its_seat_and_the_coordinator_is_told(
    bot: SlackBot,
) -> None:
    bot.command(ANNA, "tilmeld Aarhus")
    bot.command(BO, "tilmeld Aarhus")
    assert holder_of(bot, "flexible", 1) == BO
    assert bot.runtime.profiles is not None and bot.runtime.profiles.knows(BO)
    response = bot.driver.event(user_change(BO, deleted=True))
    assert response.status_code == 200
    eventually(lambda: holder_of(bot, "flexible", 1) is None)
    assert not bot.runtime.profiles.knows(BO)  # the changed profile is read again when needed
    bot.runtime.delivery.drain()
    told = {
        str(c.args["channel"]): str(c.args["text"])
        for c in bot.fake.calls("chat.postMessage", ok=True)
        if "er ledig" in str(c.args.get("text"))
    }
    assert set(told) == {f"D{ANNA}", f"D{ADMIN}"}
    assert "fordi Bo Zørbløksen ikke længere er aktiv i Slack" in told[f"D{ANNA}"]
    history = bot.command(ANNA, "historik").args["text"]
    assert "frigjort, fordi brugeren er deaktiveret i Slack – Bo Zørbløksen" in history
    # The data follows the retention rule: still there today.
    with bot.runtime.core.sessions() as session:
        bo = session.scalars(select(Person).where(Person.account == BO)).one()
        assert bo.erased_at is None
    # Reactivation changes nothing until they register again.
    bot.driver.event(user_change(BO, deleted=False))
    time.sleep(0.2)
    assert holder_of(bot, "flexible", 1) is None
    assert "Du er tilmeldt" in bot.command(BO, "tilmeld Aarhus fleksibel").args["text"]


def test_user_change_for_someone_unknown_changes_nothing(bot: SlackBot) -> None:
    response = bot.driver.event(user_change("U0STRANGER", deleted=True))
    assert response.status_code == 200
    time.sleep(0.2)
    with bot.runtime.core.sessions() as session:
        assert session.scalars(select(Person)).all() == []
