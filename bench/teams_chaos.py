"""Teams chaos: two replicas of ``klimanet run`` serving Teams deliver a reminder fan-out on
PostgreSQL while the Bot Connector misbehaves and one replica is killed.

Per run, on a fresh database: 294 Teams seat holders (98 municipalities × 3) and a meeting whose
reminder (the channel post plus 294 DMs, each followed by a card with the calendar link) falls
due a few seconds after two ``klimanet run --http`` processes with ``TEAMS_INSECURE_LOCAL`` have
started against the loopback fake Bot Connector. Nobody's 1:1 chat exists yet, so each DM first
creates it. The fake answers 10 % of the sends with 429 (``Retry-After: 1``) and 3 % with 500
after posting the activity (the answer is lost, the activity is there). Replica A is SIGKILLed
after a third of the DMs and restarted 5 s later. The first run is clean (no faults, no kill).

Printed per run: delivered, lost, duplicates (messages / file cards), the seconds from the
reminder's due time (or from when both replicas listened, if later) until nothing due was pending, the most requests the fake saw in one sliding
second per tenant and per conversation, and the sends over a limit (Teams' 50 per tenant and 7
per conversation; the limits are shared by the replicas through the database).

Teams cannot be asked whether an activity exists (bots cannot read a conversation's history, and
the Bot Connector's send has no idempotency key: the service assigns the activity id), so a send
whose answer was lost is sent again: at least once. Every 500-after-post costs one duplicate, and a send in flight when
the replica was killed may too. Targets: 0 lost, 0 over a limit; duplicates are measured.

    bash tests/with_postgres.sh uv run python -m bench.teams_chaos [--runs 3] [--holders 294]

It is a measurement, not a test: exit status 0 regardless.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

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
from tests.support.chaos import statuses, wait_until_done
from tests.support.fake_bot_connector import FakeBotConnector
from tests.support.teams_chaos import TENANT, TeamsReplica, plant_teams_reminder, teams_tally

RATELIMITED, LOST_ANSWER = 0.10, 0.03
TIMEOUT_S = 300.0


@dataclass
class RunResult(ChaosRun):
    seconds: float | None  # None: timed out
    requests: int
    peak_tenant: int
    peak_conversation: int
    over_limit: dict[str, int]

    @property
    def passed(self) -> bool:
        return self.lost == 0 and not self.over_limit and not self.timed_out

    def columns(self) -> list[str]:
        return [
            "-" if self.seconds is None else f"{self.seconds:.1f}",
            str(self.requests),
            f"{self.peak_tenant}/{self.peak_conversation}",
            str(sum(v for k, v in self.over_limit.items() if " " not in k)),
        ]


def sends(fake: FakeBotConnector, *, ok: bool = True) -> int:
    return sum(1 for c in fake.calls if c.op == "send" and (not ok or c.status == 201))


def wait_for_sends(fake: FakeBotConnector, count: int, timeout: float) -> None:
    started = time.monotonic()
    while sends(fake) < count and time.monotonic() - started < timeout:
        time.sleep(0.05)


def wait_until_listening(replicas: list[TeamsReplica], timeout: float) -> None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if all("listening on" in replica.log() for replica in replicas):
            return
        time.sleep(0.1)


def one_run(admin_url: str, name: str, seed: int, holders: int, *, clean: bool) -> RunResult:
    with (
        postgres_database(admin_url, "klimanet_teams_chaos") as url,
        tempfile.TemporaryDirectory(prefix="klimanet-teams-chaos-") as workdir,
        FakeBotConnector(tenant=TENANT) as fake,
    ):
        progress(f"{name}: registering {holders} Teams seat holders …")
        planted = plant_teams_reminder(url, fake, holders, due_in=DUE_IN_S)
        if not clean:
            fake.chaos(ratelimited=RATELIMITED, lost_answer=LOST_ANSWER, seed=seed)
        a = TeamsReplica("a", url, "", Path(workdir), lease=None)
        b = TeamsReplica("b", url, "", Path(workdir), lease=None)
        restarted = TeamsReplica("a2", url, "", Path(workdir), lease=None)
        killed_at = 0
        waited: float | None = None
        done_at = ready_at = 0.0
        try:
            a.start()
            b.start()
            # On a busy machine the replicas may come up after the due time: time from then.
            wait_until_listening([a, b], TIMEOUT_S)
            ready_at = time.time()
            progress(f"{name}: replicas listening; reminder due at {planted.due_at:%H:%M:%S}")
            if not clean:
                # Each DM is a message and a file card: a third of the DMs is two thirds of that.
                wait_for_sends(fake, int(2 * holders * KILL_AFTER_SHARE), TIMEOUT_S)
                a.kill()
                killed_at = sends(fake)
                restart_killed(name, a, restarted, killed_at, "sends")
            waited = wait_until_done(url, planted.meeting_id, timeout=TIMEOUT_S)
            done_at = time.time()
            time.sleep(1.0)  # let the last answers land before counting
        finally:
            stop_all(a, b, restarted)
        since = max(planted.due_at.timestamp(), ready_at)
        due_late = done_at - since if waited is not None else None
        counted = teams_tally(fake, planted)
        injected: Counter[str] = Counter()
        for call in fake.calls:
            if call.op == "send" and call.status in (429, 500):
                injected[f"send {call.status}"] += 1
        return RunResult(
            run=name,
            delivered=counted.delivered,
            wanted=len(counted.wanted),
            lost=counted.lost,
            duplicate_messages=counted.duplicate_messages,
            duplicate_files=counted.duplicate_files,
            seconds=due_late,
            requests=len(fake.calls),
            peak_tenant=fake.peak["tenant"],
            peak_conversation=fake.peak["conversation"],
            over_limit=dict(fake.over_limit),
            injected=injected,
            outbox=statuses(url, planted.meeting_id),
            killed_at=killed_at,
            timed_out=waited is None,
            clean=clean,
        )


def report(results: list[RunResult], holders: int) -> None:
    report_runs(
        f"Teams chaos: 2 replicas on PostgreSQL, reminder to the channel + {holders} DMs with a "
        f"calendar link card; fake Bot Connector {RATELIMITED:.0%} 429 (Retry-After 1), "
        f"{LOST_ANSWER:.0%} 500 after posting; replica a SIGKILLed after a third of the DMs, "
        f"back {RESTART_AFTER_S:g} s later. Targets: 0 lost, never over 50/s per tenant nor "
        f"7/s per conversation; duplicates measured (at least once)",
        ["done s after due", "requests", "peak /s tenant/conv", "over a limit"],
        results,
        killed_unit="sends",
        faults="answered",
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench.teams_chaos")
    parser.add_argument("--runs", type=int, default=3, help="chaos runs after the clean one")
    parser.add_argument("--holders", type=int, default=HOLDERS)
    args = parser.parse_args()

    def run(admin_url: str, name: str, seed: int, clean: bool) -> RunResult:
        return one_run(admin_url, name, seed, args.holders, clean=clean)

    return run_all(args.runs, run, lambda results: report(results, args.holders))


if __name__ == "__main__":
    sys.exit(main())
