"""Teams' limits are the whole bot's: two replicas sharing a database together stay under 50
requests a second per tenant and 7 sends a second per conversation (``handlers.teams.ratelimit``)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.adapter_memory import AdapterMemory
from bot.clock import FixedClock
from bot.db import SessionFactory
from bot.models import OwnerKind, RateWindow
from bot.replies import Reply
from handlers.teams.connector import Connector, no_token
from handlers.teams.files import FileStore
from handlers.teams.notifier import TeamsNotifier
from handlers.teams.ratelimit import SharedLimits, conversation_key
from tests.support.fake_bot_connector import FakeBotConnector

APP = "11111111-2222-3333-4444-555555555555"
TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def most_in_a_window(slots: list[float], seconds: float) -> int:
    ordered = sorted(slots)
    return max(sum(1 for t in ordered if start <= t < start + seconds) for start in ordered)


def test_two_replicas_share_the_tenant_and_conversation_windows(sessions: SessionFactory) -> None:
    now = [1_000_000.0]
    replicas = [SharedLimits(sessions, clock=lambda: now[0]) for _ in range(2)]
    # Both replicas ask at the same instant: the second one's slots come after the first's.
    tenant = [replicas[n % 2].reserve(TENANT, f"c{n % 10}") for n in range(50)]
    assert most_in_a_window(tenant, 1.0) <= 45
    assert tenant[0] == now[0] and max(tenant) - now[0] < 1.5  # no slot wasted
    one_chat = [replicas[n % 2].reserve("other-tenant", "chat") for n in range(9)]
    assert most_in_a_window(one_chat, 1.0) <= 7 and most_in_a_window(one_chat, 2.0) <= 8
    # Another tenant's requests do not wait for the first one's.
    assert one_chat[0] == now[0]
    # A 1:1 chat's id is the person's: the rows name conversations by a hash only.
    with sessions() as session:
        keys = list(session.scalars(select(RateWindow.key)))
    assert conversation_key("chat") in keys and not [k for k in keys if "chat" in k]


def test_replicas_sending_at_once_never_exceed_teams_limits(sessions: SessionFactory) -> None:
    memory = AdapterMemory(sessions, "teams", FixedClock(NOW).now)
    channels = [f"19:c{n}@thread.tacv2" for n in range(8)]
    with FakeBotConnector(tenant=TENANT) as fake:
        for channel in channels:
            fake.add_channel(channel)
            memory.remember(
                OwnerKind.PLACE,
                channel,
                {"conversation": channel, "service_url": fake.service_url, "tenant": TENANT},
            )
        replicas = [
            TeamsNotifier(
                memory,
                Connector(no_token, limits=SharedLimits(sessions)),
                FileStore(sessions, b"s", "https://x", FixedClock(NOW).now),
                app_id=APP,
            )
            for _ in range(2)
        ]
        # 64 sends, 8 to each channel, from 8 threads across the two replicas: each replica
        # alone would keep its own 45 a second, together they would send about 64 in a second.
        jobs = [(replicas[n % 2], channels[n % 8], n) for n in range(64)]
        try:
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda job: job[0].post(job[1], Reply((f"{job[2]}",))), jobs))
        finally:
            for notifier in replicas:
                notifier.close()
        assert len(fake.activities()) == 64
        fake.assert_within_limits()
        assert fake.peak["tenant"] >= 40  # the limit was approached, not avoided by slowness


def test_a_request_that_woke_late_gives_up_its_slot_and_takes_a_new_one(
    sessions: SessionFactory,
) -> None:
    now = [2_000_000.0]
    slept: list[float] = []

    def oversleep(seconds: float) -> None:  # a busy machine wakes the thread 0.3 s late
        slept.append(seconds)
        now[0] += seconds + 0.3

    limits = SharedLimits(sessions, clock=lambda: now[0], sleep=oversleep)
    taken = [limits.reserve(TENANT, None) for _ in range(45)]  # the second is full
    limits.acquire(TENANT, None)
    # Its slot was 1.1 s ahead (45 in the second, a tenth to spare); it woke 0.3 s after that,
    # so that slot was given up and a new one taken at once, at the time it woke.
    assert slept == [pytest.approx(1.1)]
    with sessions() as session:
        kept = session.get(RateWindow, f"tenant:{TENANT}")
        assert kept is not None
        later = [t - taken[0] for t in kept.slots if t > taken[-1]]
    assert later == [pytest.approx(1.1), pytest.approx(1.4)]
