"""What one registration and one "Kommer du stadig?" answer cost the database: statements and
time, single-threaded, on SQLite.

The registration burst's 294 ``tilmeld`` commands, one after the other, through the service as
the Slack runtime builds it (App Home refreshes planned), each under its request's replay key
(``bot.service.inbound.Once``) as the Slack handlers run it; then a meeting, and the same people's
Ja/Nej clicks (two in three Ja) as the click burst sends them. An SQLAlchemy event hook counts
every statement the driver executes and times it; the commit is timed too. Transaction control
(BEGIN IMMEDIATE, COMMIT) is counted apart from the statements.

    uv run python -m bench.statements
"""

from __future__ import annotations

import re
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from bot.clock import SystemClock
from bot.db import make_engine, make_session_factory, upgrade
from bot.domain.municipalities import default_directory
from bot.domain.registration import Actor
from bot.replies import Reply, ResultKind
from bot.service.inbound import InboundMemory
from bot.service.klimanet import Klimanet, ServiceSettings

TARGET_STATEMENTS = 8.0
TARGET_DB_MS = 3.0
TEAM = "T0BENCH"

# What each kind of statement is for, by (verb, table).
PURPOSES = {
    ("INSERT", "inbound_seen"): "the request's replay key, in the acting transaction",
    ("INSERT", "people"): "the person (new: their row comes back from RETURNING)",
    ("SELECT", "people"): "clicks: the one answering with their seat (one join); Nej: + the "
    "coordinator",
    ("SELECT", "network_facilitators"): "is the registrant one of KL's facilitators (no seat)",
    ("SELECT", "meetings"): "the meeting the button names (cancelled or past is refused)",
    ("SELECT", "attendance"): "the answer so far: a substitute's row, else the seat's",
    ("INSERT", "attendance"): "the answer (UPDATE when answering again)",
    ("INSERT", "memberships"): "the municipality joins (its first registration in this process)",
    ("INSERT", "seats"): "a new member's seats (come back from RETURNING)",
    ("SELECT", "seats"): "the municipality's seats (registration; its first one: none)",
    ("UPDATE", "seats"): "the claim: a conditional UPDATE … WHERE holder_id IS NULL AND the "
    "registrant is no facilitator",
    ("INSERT", "seat_events"): "the seat history (append-only; Nej: the regrets)",
    ("SELECT", "seats+people"): "App Home refresh: who sees the change (one UNION read)",
    ("INSERT", "outbox"): "App Home refresh: one coalesced row per person (Nej: + coordinator DM)",
    ("SELECT", "networks"): "the network row (cached 60 s per process)",
    ("SELECT", "municipalities"): "the municipalities (read once per process)",
    ("SELECT", "network_seat_slots"): "the seat rule (read once per process)",
    ("DELETE", "inbound_seen"): "forgetting replay keys older than 5 minutes (every 30 s)",
}

_TABLE = re.compile(r"\b(?:INTO|FROM|UPDATE)\s+\"?(\w+)", re.IGNORECASE)


def kind_of(statement: str) -> tuple[str, str]:
    words = statement.split()
    verb = words[0].upper() if words else "?"
    if verb in ("BEGIN", "COMMIT", "ROLLBACK"):
        return verb, ""
    match = _TABLE.search(statement)
    table = match.group(1) if match else "?"
    if verb == "SELECT" and "UNION ALL" in statement.upper() and table == "seats":
        table = "seats+people"
    return verb, table


@dataclass
class Tally:
    statements: Counter[tuple[str, str]] = field(default_factory=Counter)
    statement_s: float = 0.0
    control: Counter[str] = field(default_factory=Counter)
    control_s: float = 0.0
    _started: dict[int, float] = field(default_factory=dict)

    def watch(self, engine: Engine) -> None:
        def before(conn: Any, *_: Any) -> None:
            self._started[threading.get_ident()] = time.perf_counter()

        def after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            spent = time.perf_counter() - self._started.pop(threading.get_ident())
            verb, table = kind_of(statement)
            if verb in ("BEGIN", "COMMIT", "ROLLBACK"):
                self.control[verb] += 1
                self.control_s += spent
            else:
                self.statements[(verb, table)] += 1
                self.statement_s += spent

        def commit(conn: Any) -> None:
            self._started[threading.get_ident()] = time.perf_counter()

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        event.listen(engine, "commit", commit)

    def committed(self) -> None:
        """Called after a commit returned: its time counts as database time."""
        started = self._started.pop(threading.get_ident(), None)
        if started is not None:
            self.control["COMMIT"] += 1
            self.control_s += time.perf_counter() - started


@dataclass(frozen=True)
class Figures:
    registrations: int  # or clicks
    registered: int  # or answered as expected
    statements: float  # per registration, transaction control apart
    control: float
    db_ms: float  # statements + BEGIN + COMMIT, per registration
    wall_ms: float  # the whole service call, per registration
    by_kind: list[tuple[tuple[str, str], float]]
    clicks: Figures | None = None  # the "Kommer du stadig?" answers after the registrations


def requests_in_burst_order() -> list[tuple[str, str]]:
    from bench.registration_burst import burst_requests

    return [(r.user_id, r.text) for r in burst_requests()]


def measure(workdir: Path, burst: Sequence[tuple[str, str]]) -> Figures:
    engine = make_engine(f"sqlite:///{workdir / 'statements.db'}")
    try:
        upgrade(engine)
        sessions = make_session_factory(engine)
        clock = SystemClock()
        settings = ServiceSettings(registration="open", home_tab=True)
        service = Klimanet(sessions, default_directory(), clock, settings=settings)
        memory = InboundMemory(sessions, clock)
        service.command(Actor(TEAM, "U0WARM", "Opvarmning"), "hjælp")  # imports, caches
        memory.purge()  # the first purge of the process, not counted against a registration
        tally = Tally()
        tally.watch(engine)
        event.listen(sessions, "after_commit", lambda _session: tally.committed())
        registered = 0
        started = time.perf_counter()
        for number, (user_id, text) in enumerate(burst):
            with memory.once(f"sig:v0=bench{number}"):
                reply = service.command(Actor(TEAM, user_id, f"Person {number}"), text)
            result = reply.result if isinstance(reply, Reply) else None
            if result is not None and result.kind is ResultKind.REGISTERED:
                registered += 1
        wall = time.perf_counter() - started
        registrations = figures(tally, len(burst), registered, wall)
        clicks = measure_clicks(service, memory, engine, sessions, burst)
    finally:
        engine.dispose()
    return replace(registrations, clicks=clicks)


def measure_clicks(
    service: Klimanet,
    memory: InboundMemory,
    engine: Engine,
    sessions: Any,
    burst: Sequence[tuple[str, str]],
) -> Figures:
    """The same people answer "Kommer du stadig?" (as the click burst: two in three Ja)."""
    from bench.registration_burst import create_meeting_now

    meeting_id = create_meeting_now(str(engine.url))
    tally = Tally()
    tally.watch(engine)
    event.listen(sessions, "after_commit", lambda _session: tally.committed())
    answered = 0
    started = time.perf_counter()
    for number, (user_id, _text) in enumerate(burst):
        action = "attend_no" if number % 3 == 2 else "attend_yes"
        with memory.once(f"sig:v0=click{number}"):
            reply = service.click(Actor(TEAM, user_id, f"Person {number}"), action, str(meeting_id))
        if reply.result is not None and reply.result.kind in CLICK_ANSWERS:
            answered += 1
    return figures(tally, len(burst), answered, time.perf_counter() - started)


CLICK_ANSWERS = (ResultKind.ATTENDANCE_CONFIRMED, ResultKind.REGRETS_SAVED)


def figures(tally: Tally, n: int, succeeded: int, wall: float) -> Figures:
    return Figures(
        registrations=n,
        registered=succeeded,
        statements=sum(tally.statements.values()) / n,
        control=sum(tally.control.values()) / n,
        db_ms=(tally.statement_s + tally.control_s) * 1000 / n,
        wall_ms=wall * 1000 / n,
        by_kind=[(kind, count / n) for kind, count in tally.statements.most_common()],
    )


def report(figures: Figures, what: str = "registration") -> bool:
    done = "registered" if what == "registration" else "answered"
    print(
        f"\n== statements per {what} (single-threaded, SQLite; "
        f"{figures.registrations} {what}s, {figures.registered} {done}) =="
    )
    print(f"  {'per ' + what:<8}  statement")
    for (verb, table), count in figures.by_kind:
        purpose = PURPOSES.get((verb, table), "")
        print(f"  {count:>8.2f}  {verb} {table:<18} {purpose}")
    print(f"  {figures.control:>8.2f}  BEGIN IMMEDIATE + COMMIT (transaction control)")
    print(
        f"  statements: {figures.statements:.2f} per {what} (+ {figures.control:.2f} "
        f"transaction control); database time {figures.db_ms:.2f} ms; whole call "
        f"{figures.wall_ms:.2f} ms"
    )
    passed_statements = figures.statements <= TARGET_STATEMENTS
    passed_time = figures.db_ms <= TARGET_DB_MS
    print("  targets:")
    print(
        f"    {'PASS' if passed_statements else 'FAIL':<4}  ≤ {TARGET_STATEMENTS:g} statements "
        f"per {what} ({figures.statements:.2f})"
    )
    print(
        f"    {'PASS' if passed_time else 'FAIL':<4}  ≤ {TARGET_DB_MS:g} ms database time "
        f"per {what} ({figures.db_ms:.2f} ms)"
    )
    print(
        f"    {'PASS' if figures.registered == figures.registrations else 'FAIL':<4}  every one "
        f"{done} ({figures.registered} of {figures.registrations})"
    )
    passed = passed_statements and passed_time
    if figures.clicks is not None:
        passed &= report(figures.clicks, "click")
    return passed


def run() -> Figures:
    with tempfile.TemporaryDirectory(prefix="klimanet-statements-") as tmp:
        return measure(Path(tmp), requests_in_burst_order())


def main() -> int:
    report(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
