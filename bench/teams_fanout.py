"""Teams fan-out: one meeting's reminder to 294 seat holders (98 municipalities × 3) as direct
messages, plus the channel's reminder, through ``TeamsNotifier`` on the Agents SDK's connector
client against the loopback fake Bot Connector, which counts every send above Teams' limits
(7 per second per conversation, 50 requests per second per app and tenant).

* **first time**: nobody's 1:1 chat is known yet, so each DM is ``create_conversation`` then a
  send (588 requests + 1).
* **chats known**: the same again, the chats remembered (295 requests).
* **faulty**: the same with 10 % of sends answered 429 and 3 % posted but answered 500 (seeded),
  each post repeated as delivery does (after a 429 when the wait is over; after a lost answer at
  once, since Teams cannot be asked whether it exists). Measures the duplicates that Teams'
  at-least-once guarantee costs: one per lost answer, and 0 lost.

Target: every DM delivered once, 0 sends over a limit; the time is what Teams' 50/s allows
(about 12 s and 6 s). The adapter memory is a SQLite file. Delivery's outbox is not part of this
measurement (``bench.fanout`` measures it for Slack).

    uv run python -m bench.teams_fanout

It is a measurement, not a test: the exit status is 0 even when a target is missed.
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from bench.common import print_table, verdict
from bot.adapter_memory import AdapterMemory
from bot.db import make_engine, make_session_factory, upgrade
from bot.models import OwnerKind
from bot.ports import DeliveryError
from bot.replies import Reply
from handlers.teams.connector import Connector, no_token
from handlers.teams.files import FileStore
from handlers.teams.notifier import TeamsNotifier
from tests.support.fake_bot_connector import FakeBotConnector, Member

PEOPLE = 294
TENANT = "tenant-kl"
CHANNEL = "19:net@thread.tacv2"
# Delivery's workers: several posts in flight, as the delivery loop runs them.
WORKERS = 8


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as folder, FakeBotConnector(tenant=TENANT) as fake:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        memory = AdapterMemory(make_session_factory(engine), "teams", lambda: datetime.now(UTC))
        fake.add_channel(CHANNEL)
        memory.remember(
            OwnerKind.PLACE,
            "KANAL",
            {"conversation": CHANNEL, "service_url": fake.service_url, "tenant": TENANT},
        )
        for n in range(PEOPLE):
            member = Member(f"29:p{n}", f"aad-{n}", f"Person {n}")
            fake.add_member(member)
            memory.remember(
                OwnerKind.PERSON,
                f"aad-{n}",
                {"member": member.id, "service_url": fake.service_url, "tenant": TENANT},
            )
        notifier = TeamsNotifier(
            memory, Connector(no_token), FileStore(b"s", "https://x"), app_id="bench"
        )
        try:
            for label in ("first time", "chats known", "faulty"):
                if label == "faulty":
                    fake.chaos(ratelimited=0.10, lost_answer=0.03, seed=7)
                before = len(fake.calls)
                started = time.monotonic()
                notifier.post("KANAL", Reply(("Påmindelse: møde i morgen",)))
                with ThreadPoolExecutor(WORKERS) as pool:
                    list(
                        pool.map(
                            lambda n: _deliver(notifier, f"aad-{n}", f"Påmindelse {n}"),
                            range(PEOPLE),
                        )
                    )
                seconds = time.monotonic() - started
                calls = fake.calls[before:]
                sent = [c for c in calls if c.op == "send" and c.status in (201, 500)]
                delivered = {c.conversation for c in sent}
                duplicates = len(sent) - len(delivered)
                over = dict(fake.over_limit)
                ok = len(delivered) == PEOPLE + 1 and not over
                rows.append(
                    [
                        label,
                        str(len(calls)),
                        str(len(delivered)),
                        f"{seconds:.1f} s",
                        f"{len(calls) / seconds:.1f}/s",
                        str(over or 0),
                        str(duplicates),
                        verdict(ok),
                    ]
                )
        finally:
            notifier.close()
            engine.dispose()
    print_table(
        "Teams fan-out: 294 reminder DMs + the channel, at Teams' limits",
        [
            "run",
            "requests",
            "conversations reached",
            "time",
            "rate",
            "over a limit",
            "duplicates",
            "target",
        ],
        rows,
    )


def _deliver(notifier: TeamsNotifier, recipient: str, text: str) -> None:
    """As delivery does it: a rate limit waits and tries again; a lost answer is sent again."""
    for _ in range(20):
        try:
            notifier.post(recipient, Reply((text,)))
            return
        except DeliveryError as error:
            if error.permanent:
                raise
            time.sleep(error.retry_after or 0.0)
    raise RuntimeError(f"{recipient}: not delivered after 20 attempts")


if __name__ == "__main__":
    main()
