"""Chaos: two replicas on PostgreSQL deliver a reminder fan-out while Slack misbehaves and one
replica is killed.

Per run, on a fresh database: 294 seat holders (98 municipalities × 3) and a meeting whose
reminder (the channel post plus 294 DMs, each with the meeting's .ics) falls due a few seconds
after two ``klimanet run --http`` processes have started. The fake Slack allows one post per
second per channel and answers 10 % of the calls that post or upload with 429 (``Retry-After``
1-3 s, honoured as sent), 3 % with 500 after keeping the message or sharing the file, and 2 %
with a plain 500. Replica A is SIGKILLed after a third of the posts and restarted 5 s later (with
a new token, so its calls are told apart). Printed per run: delivered, lost, duplicates, the time
from the reminder's due time to the last DM (its message or its file, whichever came later), and
the lookups made; a lookup is "without cause" if its conversation had no ambiguous answer and no
call from the killed replica, and the killed replica held no recorded attempt there. The first
run is clean (no faults, no kill): it must make no lookup.

    bash tests/with_postgres.sh uv run python -m bench.chaos [--runs 5]

Targets: 0 lost and 0 duplicates in every run, the last DM within 60 s of the due time, lookups
only for posts whose fate was unknown. It is a measurement, not a test: exit status 0 regardless.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from bench.chaos_common import (
    DUE_IN_S,
    HOLDERS,
    KILL_AFTER_SHARE,
    RESTART_AFTER_S,
    ChaosRun,
    progress,
    report_runs,
    restart_killed,
    run_all,
    stop_all,
)
from bench.common import postgres_database
from bot.db import make_engine
from bot.models import OutboxMessage
from tests.support.chaos import (
    CHANNEL,
    POSTING,
    REMINDER_MARK,
    ChaosSlack,
    Planted,
    Replica,
    plant_reminder,
    statuses,
    tally,
    wait_until_done,
)

RATELIMITED, KEPT_500, PLAIN_500 = 0.10, 0.03, 0.02
RETRY_AFTER_S = (1, 2, 3)
TIMEOUT_S = 240.0
TARGET_LAST_DM_S = 60.0


@dataclass
class RunResult(ChaosRun):
    twice: int
    last_dm_s: float | None
    lookups_history: int
    lookups_files: int
    found: int
    without_cause: int

    @property
    def lookups(self) -> int:
        return self.lookups_history + self.lookups_files

    @property
    def passed(self) -> bool:
        on_time = self.last_dm_s is not None and self.last_dm_s <= TARGET_LAST_DM_S
        lookups_ok = self.lookups == 0 if self.clean else self.without_cause == 0
        return (
            self.lost == 0
            and self.duplicate_messages + self.duplicate_files == 0
            and on_time
            and lookups_ok
            and not self.timed_out
        )

    def columns(self) -> list[str]:
        return [
            str(self.twice),
            "-" if self.last_dm_s is None else f"{self.last_dm_s:.1f}",
            f"{self.lookups} ({self.lookups_history}/{self.lookups_files})",
            str(self.found),
            str(self.without_cause),
        ]


def wall(fake: ChaosSlack, monotonic_at: float) -> float:
    """A call's wall-clock time (calls record ``time.monotonic()``)."""
    return monotonic_at + (time.time() - time.monotonic())


def last_dm_at(fake: ChaosSlack, planted: Planted) -> float | None:
    """When the last reminder DM was complete: its message (ts) or its file, whichever later."""
    latest: float | None = None
    for channel in planted.dm_channels:
        for message in fake.messages(channel):
            if REMINDER_MARK in str(message.get("text")):
                latest = max(latest or 0.0, float(message["ts"]))
    shares = [
        call for call in fake.calls("files.completeUploadExternal") if call.ok or call.status == 500
    ]
    for call in shares:
        latest = max(latest or 0.0, wall(fake, call.at))
    return latest


def died_with_attempts(database_url: str, log: str) -> set[str]:
    """The conversations of the rows the killed replica had recorded an attempt for and held when
    it died: their fate is unknown even when its request never reached the fake."""
    owner = re.search(r"lease owner (worker-[0-9a-f]+)", log)
    if owner is None:
        return set()
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            recipients = connection.scalars(
                select(OutboxMessage.recipient).where(
                    OutboxMessage.lease_owner == owner.group(1),
                    OutboxMessage.attempted_at.is_not(None),
                )
            ).all()
    finally:
        engine.dispose()
    return {f"D{r}" if r[:1] in ("U", "W") else r for r in recipients}


def lookups_without_cause(fake: ChaosSlack, killed_token: str, died: set[str]) -> int:
    """Lookups in conversations that had no ambiguous answer, no call from the killed replica
    and no attempt it had recorded when it died."""
    ambiguous: set[str] = set(died)
    for call in fake.calls():
        if call.method not in POSTING:
            continue
        channel = str(call.args.get("channel") or call.args.get("channel_id") or "")
        if call.status >= 500 or call.status == 0 or call.token == killed_token:
            ambiguous.add(channel)
    files_to_channel = {
        str(entry.get("id")): str(call.args.get("channel_id"))
        for call in fake.calls("files.completeUploadExternal")
        for entry in call.args.get("files") or []
    }
    without = 0
    for call in fake.calls("conversations.history"):
        without += str(call.args.get("channel")) not in ambiguous
    for call in fake.calls("files.info"):
        without += files_to_channel.get(str(call.args.get("file")), "") not in ambiguous
    return without


def one_run(admin_url: str, name: str, seed: int, *, clean: bool) -> RunResult:
    with (
        postgres_database(admin_url, "klimanet_chaos") as url,
        tempfile.TemporaryDirectory(prefix="klimanet-chaos-") as workdir,
    ):
        shares = (0.0, 0.0, 0.0) if clean else (RATELIMITED, KEPT_500, PLAIN_500)
        with ChaosSlack(
            seed,
            ratelimited=shares[0],
            kept_500=shares[1],
            plain_500=shares[2],
            retry_after=RETRY_AFTER_S,
        ) as fake:
            fake.rate_limit_per_channel = 1.0
            progress(f"{name}: registering {HOLDERS} seat holders …")
            planted = plant_reminder(url, HOLDERS, due_in=DUE_IN_S)
            due_wall = planted.due_at.timestamp()
            a = Replica("a", url, fake.base_url, Path(workdir), lease=None)
            b = Replica("b", url, fake.base_url, Path(workdir), lease=None)
            restarted = Replica("a2", url, fake.base_url, Path(workdir), lease=None)
            killed_at = 0
            died: set[str] = set()
            try:
                a.start()
                b.start()
                progress(f"{name}: replicas started; reminder due at {planted.due_at:%H:%M:%S}")
                if not clean:
                    wanted = int((HOLDERS + 1) * KILL_AFTER_SHARE)
                    fake.wait_for("chat.postMessage", count=wanted, timeout=TIMEOUT_S, ok=True)
                    a.kill()
                    killed_at = len(fake.calls("chat.postMessage", ok=True))
                    died = died_with_attempts(url, a.log())
                    restart_killed(name, a, restarted, killed_at, "posts")
                took = wait_until_done(url, planted.meeting_id, timeout=TIMEOUT_S)
                time.sleep(1.0)  # let the last answers land before counting
            finally:
                logs = stop_all(a, b, restarted)
            counted = tally(fake, planted)
            last = last_dm_at(fake, planted)
            messages_dup = sum(max(0, n - 1) for n in counted.messages.values())
            files_dup = sum(max(0, n - 1) for n in counted.uploads.values())
            return RunResult(
                run=name,
                delivered=sum(1 for c in counted.wanted if counted.messages[c] > 0),
                wanted=len(counted.wanted),
                lost=counted.lost,
                duplicate_messages=messages_dup,
                duplicate_files=files_dup,
                twice=counted.twice,
                last_dm_s=None if last is None else last - due_wall,
                lookups_history=len(fake.calls("conversations.history")),
                lookups_files=len(fake.calls("files.info")),
                found=logs.count("on an earlier attempt"),
                without_cause=lookups_without_cause(fake, a.token, died) if not clean else 0,
                injected=Counter(fake.injected),
                outbox=statuses(url, planted.meeting_id),
                timed_out=took is None,
                killed_at=killed_at,
                clean=clean,
            )


def report(results: list[RunResult]) -> None:
    report_runs(
        f"Chaos: 2 replicas on PostgreSQL, reminder to {CHANNEL} + {HOLDERS} DMs with .ics; "
        f"fake Slack 1 post/s per channel, {RATELIMITED:.0%} 429, {KEPT_500:.0%} 500 after "
        f"keeping, {PLAIN_500:.0%} plain 500; replica a SIGKILLed after a third of the posts, "
        f"back {RESTART_AFTER_S:g} s later. Targets: 0 lost, 0 duplicates, last DM ≤ "
        f"{TARGET_LAST_DM_S:g} s after due, lookups only with cause (none in the clean run)",
        [
            "got it twice",
            "last DM after due s",
            "lookups (history/files.info)",
            "found earlier",
            "without cause",
        ],
        results,
        killed_unit="posts",
        faults="injected",
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench.chaos")
    parser.add_argument("--runs", type=int, default=5, help="chaos runs after the clean one")
    args = parser.parse_args()

    def run(admin_url: str, name: str, seed: int, clean: bool) -> RunResult:
        return one_run(admin_url, name, seed, clean=clean)

    return run_all(args.runs, run, report)


if __name__ == "__main__":
    sys.exit(main())
