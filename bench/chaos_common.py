"""What the Slack and the Teams chaos benchmarks share: the scenario (294 holders, a reminder due
8 s after two replicas start, replica a killed after a third and back 5 s later), the run loop
(a clean run, then the chaos runs with their seeds) and the table's common columns. Each
benchmark adds only what its platform measures differently."""

from __future__ import annotations

import os
import sys
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from bench.common import print_table, verdict
from tests.support.chaos import Replica

HOLDERS = 294
DUE_IN_S = 8.0  # the replicas are up and idle by then
KILL_AFTER_SHARE = 1 / 3
RESTART_AFTER_S = 5.0
POSTGRES_ENV = "KLIMANET_TEST_POSTGRES_URL"


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class ChaosRun(ABC):
    """One run's figures that both platforms print; a benchmark's own columns come from
    ``columns`` and its targets from ``passed``."""

    run: str
    delivered: int
    wanted: int
    lost: int
    duplicate_messages: int
    duplicate_files: int
    injected: Counter[str]
    outbox: Counter[str]
    killed_at: int
    timed_out: bool
    clean: bool

    @property
    @abstractmethod
    def passed(self) -> bool: ...

    @abstractmethod
    def columns(self) -> list[str]:
        """The cells between the duplicates and the kill, as the benchmark's header names them."""


Run = TypeVar("Run", bound=ChaosRun)


def restart_killed(name: str, killed: Replica, restarted: Replica, sent: int, unit: str) -> None:
    """Says when ``killed`` (already SIGKILLed) died and starts ``restarted`` in its place
    ``RESTART_AFTER_S`` later: a replica that comes back after a crash, with a new name so its
    calls are told apart."""
    progress(f"{name}: replica {killed.name} killed after {sent} {unit}")
    time.sleep(RESTART_AFTER_S)
    restarted.start()


def stop_all(*replicas: Replica) -> str:
    """Stops every replica; the logs of those that were started (what they said of the run)."""
    logs = ""
    for replica in replicas:
        replica.stop()
        if replica.starts:
            logs += replica.log()
    return logs


def report_runs(
    title: str,
    header: Sequence[str],
    results: Sequence[ChaosRun],
    *,
    killed_unit: str,
    faults: str,
) -> None:
    """The table (``header``: the benchmark's own columns), then per run the faults the fake
    answered with (``faults`` names them) and the meeting's outbox by status."""
    print_table(
        title,
        [
            "run",
            "delivered",
            "lost",
            "duplicates (msg/file)",
            *header,
            "killed after",
            "result",
        ],
        [
            [
                r.run,
                f"{r.delivered}/{r.wanted}",
                str(r.lost),
                f"{r.duplicate_messages + r.duplicate_files} "
                f"({r.duplicate_messages}/{r.duplicate_files})",
                *r.columns(),
                "-" if r.clean else f"{r.killed_at} {killed_unit}",
                verdict(r.passed) + (" (timeout)" if r.timed_out else ""),
            ]
            for r in results
        ],
    )
    for r in results:
        injected = ", ".join(f"{k} {v}" for k, v in sorted(r.injected.items())) or "none"
        outbox = ", ".join(f"{v} {k}" for k, v in sorted(r.outbox.items()))
        print(f"  {r.run}: {faults} {injected}; outbox {outbox}")


def run_all(
    runs: int,
    one_run: Callable[[str, str, int, bool], Run],
    report: Callable[[list[Run]], None],
) -> int:
    """The clean run (seed 0, no faults, no kill), then ``runs`` chaos runs (fixed seeds 1001, …:
    the same draws of faults each invocation, though which calls they hit depends on timing), the
    report and the machine's load. ``one_run(admin_url, name, seed, clean)``. Exit status 0
    regardless: a measurement, not a test."""
    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        print(f"{POSTGRES_ENV} is not set: run via tests/with_postgres.sh", file=sys.stderr)
        return 0
    load_before = os.getloadavg()[0]
    started = datetime.now(UTC)
    results = [one_run(admin_url, "clean", 0, True)]
    for n in range(1, runs + 1):
        results.append(one_run(admin_url, f"chaos {n}", 1000 + n, False))
    report(results)
    print(
        f"\nMachine: {os.cpu_count()} CPUs, load average {load_before:.2f} before and "
        f"{os.getloadavg()[0]:.2f} after; {len(results)} runs in "
        f"{(datetime.now(UTC) - started).total_seconds():.0f} s."
    )
    return 0
