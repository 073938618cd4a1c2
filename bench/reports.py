"""KL's view of the network: how long each picture and export takes, and what it costs in memory.

A full network: 98 member municipalities, 294 seat holders, 24 held meetings and 2 coming, 8
themes, a seat history of about 2,000 events. Each renderer runs once cold (the first call in the
process, which pays for importing matplotlib or openpyxl and, for the map, parsing the GeoJSON) and
then several times warm, without the cache; the table shows the median. Target: every picture and
export under 1.5 s warm. The RSS lines show what the first picture adds, and that importing the
reports package beside the bot adds nothing at start.

The second table goes through the service, as ``/klimanet overblik``, ``eksport`` and the App Home
do: a SQLite database with the same network (98 members, 294 holders registered through the
service, 26 meetings of which 24 are held, an answer for most seats at each), the queries, the
records and the picture or file, with the cache cleared before every run. The App Home is timed
from the service call to the Block Kit view Slack gets; target: under 300 ms.

    uv run python -m bench.reports

It is a measurement, not a test: the exit status is 0 even when a target is missed.
"""

from __future__ import annotations

import csv
import io
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib.resources import files

from sqlalchemy import select

from bench.common import print_table, verdict
from bot.clock import FixedClock
from bot.db import make_engine, make_session_factory, transaction, upgrade
from bot.domain.municipalities import default_directory
from bot.domain.registration import Actor
from bot.models import Attendance, Meeting, Seat
from bot.replies import Reply, ResultKind
from bot.reports import (
    REPORT_CACHE,
    AttendanceCell,
    AttendanceExportRow,
    AttendanceMark,
    AttendancePicture,
    ExportFile,
    HistoryExportRow,
    MapPicture,
    MapState,
    MeetingColumn,
    Member,
    MemberExportRow,
    MunicipalityState,
    ThemeRow,
    ThemesPicture,
    export_attendance,
    export_history,
    export_members,
    render_attendance,
    render_map,
    render_themes,
)
from bot.service.klimanet import Klimanet, RegistrationForm, ServiceSettings
from handlers.slack.blocks import home_view

TARGET_S = 1.5
HOME_TARGET_S = 0.3
WARM_RUNS = 5
AS_OF = date(2026, 11, 27)
THEMES = (
    "Affald",
    "Grønne indkøb",
    "Klimatilpasning",
    "Energiplanlægning",
    "Cirkulær økonomi",
    "CO2-regnskaber",
    "Klimaplaner",
    "Mobilitet",
)
SEATS = ("Fast plads", "Fleksibel plads 1", "Fleksibel plads 2")
EVENTS = ("tilmeldt", "overdraget", "byttet", "frigivet", "godkendt", "vikar", "afbud")


@dataclass(frozen=True)
class Network:
    states: tuple[MunicipalityState, ...]
    members: tuple[Member, ...]
    meetings: tuple[MeetingColumn, ...]
    cells: tuple[AttendanceCell, ...]
    theme_rows: tuple[ThemeRow, ...]
    member_rows: tuple[MemberExportRow, ...]
    attendance_rows: tuple[AttendanceExportRow, ...]
    history_rows: tuple[HistoryExportRow, ...]


def build_network(seed: int = 12) -> Network:
    rnd = random.Random(seed)
    text = files("bot.data").joinpath("kommuner.csv").read_text("utf-8")
    rows = sorted(csv.DictReader(io.StringIO(text)), key=lambda r: (r["region_code"], r["name"]))
    members = tuple(Member(int(r["code"]), r["name"], r["region_name"]) for r in rows)
    states = tuple(
        MunicipalityState(m.code, m.name, m.region, MapState.FULL, 3, 3)
        if rnd.random() < 0.7
        else MunicipalityState(m.code, m.name, m.region, MapState.FREE_SEATS, 2, 3)
        for m in members
    )
    first = date(2020, 6, 25)
    meetings = tuple(
        MeetingColumn(i + 1, first + timedelta(days=91 * i), held=i < 24) for i in range(26)
    )
    marks = list(AttendanceMark)
    cells = tuple(
        AttendanceCell(m.code, meeting.meeting_id, rnd.choices(marks, (6, 1, 2, 2))[0])
        for m in members
        for meeting in meetings
    )
    holders = {
        (m.code, seat): (f"Person {m.code}-{i}", tuple(rnd.sample(THEMES, rnd.randint(0, 3))))
        for m in members
        for i, seat in enumerate(SEATS)
    }
    theme_rows = tuple(
        ThemeRow(m.code, m.name, m.region, tuple(holders[m.code, s][1] for s in SEATS))
        for m in members
    )
    since = datetime(2020, 6, 1, 8, 0, tzinfo=UTC)
    member_rows = tuple(
        MemberExportRow(
            m.name,
            m.region,
            seat,
            holders[m.code, seat][0],
            "Klimamedarbejder",
            holders[m.code, seat][1],
            since + timedelta(days=rnd.randint(0, 2000)),
        )
        for m in members
        for seat in SEATS
    )
    by_code = {m.code: m for m in members}
    attendance_rows = tuple(
        AttendanceExportRow(
            f"Netværksmøde {c.meeting_id}",
            meetings[c.meeting_id - 1].day,
            by_code[c.municipality_code].name,
            seat,
            holders[c.municipality_code, seat][0],
            None,
            c.mark,
        )
        for c in cells
        for seat in SEATS
    )
    history_rows = tuple(
        HistoryExportRow(
            since + timedelta(hours=17 * i),
            rnd.choice(members).name,
            rnd.choice(SEATS),
            rnd.choice(EVENTS),
            f"Person {i}",
            None,
            "KL",
            "=ikke en formel" if i % 50 == 0 else None,
        )
        for i in range(2_000)
    )
    return Network(
        states,
        members,
        meetings,
        cells,
        theme_rows,
        member_rows,
        attendance_rows,
        history_rows,
    )


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def start_rss_mb(modules: str) -> float:
    """RSS of a fresh interpreter after importing ``modules``, as the bot's start would."""
    code = f"import {modules}\nfrom bench.reports import rss_mb\nprint(rss_mb())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> None:
    bot_only = start_rss_mb("bot.runtime")
    with_reports = start_rss_mb("bot.runtime, bot.reports")
    net = build_network()
    print(
        f"network: {len(net.members)} members, {len(net.member_rows)} seat holders, "
        f"{sum(m.held for m in net.meetings)} held + {sum(not m.held for m in net.meetings)} "
        f"coming meetings, {len(net.attendance_rows)} attendance rows, "
        f"{len(net.history_rows)} history rows"
    )

    cases: list[tuple[str, Callable[[], object]]] = [
        ("kort (map)", lambda: render_map(net.states, as_of=AS_OF)),
        (
            "deltagelse (heatmap, 6+2)",
            lambda: render_attendance(net.members, net.meetings, net.cells, as_of=AS_OF),
        ),
        (
            "deltagelse (heatmap, 24+2)",
            lambda: render_attendance(
                net.members, net.meetings, net.cells, as_of=AS_OF, held_count=24
            ),
        ),
        ("temaer (matrix)", lambda: render_themes(net.theme_rows, THEMES, as_of=AS_OF)),
        ("eksport medlemmer xlsx", lambda: export_members(net.member_rows, today=AS_OF)),
        (
            "eksport deltagelse xlsx",
            lambda: export_attendance(net.attendance_rows, today=AS_OF),
        ),
        (
            "eksport historik xlsx",
            lambda: export_history(net.history_rows, today=AS_OF),
        ),
        (
            "eksport deltagelse csv",
            lambda: export_attendance(net.attendance_rows, today=AS_OF, fmt="csv"),
        ),
    ]

    before_first = rss_mb()
    rows = []
    after_first: float | None = None
    for name, work in cases:
        started = time.perf_counter()
        first = work()
        cold = time.perf_counter() - started
        if after_first is None:
            after_first = rss_mb()
        warm = statistics.median(timed(work) for _ in range(WARM_RUNS))
        rows.append([name, f"{cold:.3f}", f"{warm:.3f}", describe(first), verdict(warm < TARGET_S)])
    after_all = rss_mb()

    REPORT_CACHE.clear()
    REPORT_CACHE.get_or_render(render_map, net.states, as_of=AS_OF)
    hit = statistics.median(
        timed(lambda: REPORT_CACHE.get_or_render(render_map, net.states, as_of=AS_OF))
        for _ in range(WARM_RUNS)
    )

    print_table(
        f"Pictures and exports (warm = median of {WARM_RUNS}, target < {TARGET_S} s)",
        ["what", "cold s", "warm s", "output", "verdict"],
        rows,
    )
    print_table(
        "Memory (RSS)",
        ["when", "MB"],
        [
            ["fresh process, import bot.runtime", f"{bot_only:.1f}"],
            ["fresh process, import bot.runtime + bot.reports", f"{with_reports:.1f}"],
            ["this process, before the first picture", f"{before_first:.1f}"],
            ["this process, after the first picture (map)", f"{after_first or 0:.1f}"],
            ["this process, after every picture and export", f"{after_all:.1f}"],
        ],
    )
    print(f"\ncached map (REPORT_CACHE hit): {hit * 1e6:.0f} µs")
    through_the_service()


def describe(result: object) -> str:
    if isinstance(result, ExportFile):
        return f"{len(result.content) / 1024:.0f} kB"
    if isinstance(result, MapPicture | AttendancePicture | ThemesPicture):
        return f"{result.width}×{result.height} px, {len(result.png) / 1024:.0f} kB"
    raise TypeError(type(result).__name__)


# -- through the service --------------------------------------------------------------------------

FACILITATOR = Actor("T0001", "UFACIL01", "Sara Røpke")
FIRST_MEETING = datetime(2020, 6, 25, 8, 0, tzinfo=UTC)


def seed(path: str) -> tuple[Klimanet, FixedClock]:
    """The full network in a SQLite file, built through the service as people would."""
    rnd = random.Random(12)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    sessions = make_session_factory(engine)
    clock = FixedClock(FIRST_MEETING - timedelta(days=30))
    service = Klimanet(
        sessions,
        default_directory(),
        clock,
        settings=ServiceSettings(channel="C0NET", registration="open", home_tab=True),
    )
    service.make_facilitator(FACILITATOR.user_id)
    for m in default_directory().all():
        for slot in range(3):
            actor = Actor("T0001", f"U{m.code}{slot}", f"Person {m.code}-{slot}")
            themes = tuple(rnd.sample(THEMES, rnd.randint(0, 3)))
            form = RegistrationForm(m.code, None, "Klimamedarbejder", themes)
            assert isinstance(service.submit_registration_form(actor, form), Reply)
    for i in range(26):
        day = (FIRST_MEETING + timedelta(days=91 * i)).strftime("%d.%m.%Y")
        theme = THEMES[i % len(THEMES)]
        text = (
            f'møde opret {day} 10:00-12:00 online "Netværksmøde {i + 1}" tema="{theme}" '
            "link=https://meet.example/net"
        )
        created = service.command(FACILITATOR, text)  # 13 weeks apart: always the same weekday
        assert isinstance(created, Reply) and created.result is not None, created
        assert created.result.kind is ResultKind.MEETING_CREATED, created.text
    with transaction(sessions) as session:
        seats = list(session.scalars(select(Seat).where(Seat.holder_id.is_not(None))))
        meetings = list(session.scalars(select(Meeting).order_by(Meeting.starts_at)))
        for meeting in meetings[:24]:
            for seat in seats:
                status = rnd.choices(("confirmed", "declined", None), (6, 2, 3))[0]
                if status is not None:
                    session.add(
                        Attendance(
                            meeting_id=meeting.id,
                            seat_id=seat.id,
                            person_id=seat.holder_id,
                            role="holder",
                            status=status,
                            updated_at=meeting.starts_at - timedelta(days=1),
                        )
                    )
    clock.set(FIRST_MEETING + timedelta(days=91 * 23 + 7))  # after the 24th, before the 25th
    return service, clock


def through_the_service() -> None:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        service, _ = seed(f"{folder}/bench.db")
        print(f"\nseeded the network through the service in {time.perf_counter() - started:.1f} s")
        rows = []
        for text in (
            "overblik kort",
            "overblik deltagelse",
            "overblik deltagelse 24",
            "overblik temaer",
            "eksport medlemmer",
            "eksport deltagelse",
            "eksport historik",
            "eksport deltagelse csv",
        ):

            def command(text: str = text) -> Reply:
                REPORT_CACHE.clear()
                reply = service.command(FACILITATOR, text)
                assert isinstance(reply, Reply) and reply.attachment is not None, text
                return reply

            first = command()
            warm = statistics.median(timed(command) for _ in range(WARM_RUNS))
            size = len(first.attachment.content) / 1024 if first.attachment else 0
            rows.append([text, f"{warm:.3f}", f"{size:.0f} kB", verdict(warm < TARGET_S)])
        for who, actor in (
            ("App Home, facilitator", FACILITATOR),
            ("App Home, coordinator", Actor("T0001", "U7510", "")),
            ("App Home, member", Actor("T0001", "U7512", "")),
            ("App Home, no seat", Actor("T0001", "UNEW", "")),
        ):

            def home(actor: Actor = actor) -> int:
                return len(home_view(service.home(actor)).to_dict()["blocks"])

            blocks = home()
            warm = statistics.median(timed(home) for _ in range(WARM_RUNS * 2))
            rows.append([who, f"{warm:.3f}", f"{blocks} blocks", verdict(warm < HOME_TARGET_S)])
    print_table(
        f"Through the service, from the database (median of {WARM_RUNS}, cache cleared; "
        f"targets: {TARGET_S} s, App Home {HOME_TARGET_S} s)",
        ["what", "warm s", "output", "verdict"],
        rows,
    )


if __name__ == "__main__":
    main()
