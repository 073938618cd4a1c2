"""Draws the README's pictures of ``overblik`` from sample data: ``docs/overblik.png`` (the map),
``docs/deltagelse.png`` (the attendance heatmap) and ``docs/temaer.png`` (the themes matrix).

The network is made up, not anyone's real membership: 34 member municipalities (from every
region) with 71 of their 102 seats filled, and two municipalities whose first registration waits
for approval; six held meetings and two coming, and fagområder drawn at random from the network's
themes. The pictures are the ones ``/klimanet overblik`` sends, scaled down for the README.

    uv run python docs/make_overblik_png.py
"""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from pathlib import Path

from PIL import Image

from bot.domain.municipalities import default_directory
from bot.reports import (
    AttendanceCell,
    AttendanceMark,
    MapState,
    MeetingColumn,
    Member,
    MunicipalityState,
    ThemeRow,
    render_attendance,
    render_map,
    render_themes,
)

WIDTH_PX = 800  # the municipalities' names stay legible
DOCS = Path(__file__).parent
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


def sample() -> list[MunicipalityState]:
    rnd = random.Random(2020)
    everyone = default_directory().all()
    chosen = rnd.sample(everyone, 36)
    members, pending = chosen[:34], chosen[34:]
    # 71 of 102 seats: 9 members with all three, the rest with one or two.
    filled = [3] * 9 + [2] * 19 + [1] * 6
    states = [
        MunicipalityState(
            m.code,
            m.name,
            m.region_name,
            MapState.FULL if seats == 3 else MapState.FREE_SEATS,
            seats,
            3,
        )
        for m, seats in zip(members, filled, strict=True)
    ]
    states += [MunicipalityState(m.code, m.name, m.region_name, MapState.PENDING) for m in pending]
    return states


def sample_members() -> list[Member]:
    """The sample's members, by region and then name, as the service lists them."""
    members = [s for s in sample() if s.state is not MapState.PENDING]
    ordered = sorted(members, key=lambda s: (s.region, s.name))
    return [Member(s.code, s.name, s.region) for s in ordered]


def save(png: bytes, name: str) -> None:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.resize((WIDTH_PX, round(image.height * WIDTH_PX / image.width)), Image.LANCZOS)
    out = DOCS / name
    # 256 colours keep the flat fills and the antialiased names, at a third of the bytes.
    small.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)
    print(f"{out}: {out.stat().st_size / 1024:.0f} kB")


def draw_map() -> None:
    picture = render_map(sample(), as_of=AS_OF)
    assert (picture.members, picture.seats_held, picture.seats_total) == (34, 71, 102)
    save(picture.png, "overblik.png")


def draw_attendance() -> None:
    rnd = random.Random(2021)
    members = sample_members()
    first = date(2024, 12, 19)
    meetings = [MeetingColumn(i + 1, first + timedelta(weeks=13 * i), i < 6) for i in range(8)]
    marks = list(AttendanceMark)
    cells = [
        AttendanceCell(
            member.code,
            meeting.meeting_id,
            rnd.choices(marks, (6, 1, 2, 2))[0] if meeting.held else AttendanceMark.NO_ANSWER,
        )
        for member in members
        for meeting in meetings
        if meeting.meeting_id > 2 or member.code % 5  # some joined after the first meetings
    ]
    # Two municipalities nobody came from lately: the picture marks them for KL to call.
    quiet = {members[3].code, members[20].code}
    cells = [
        AttendanceCell(c.municipality_code, c.meeting_id, AttendanceMark.REGRETS)
        if c.municipality_code in quiet and 4 <= c.meeting_id <= 6
        else c
        for c in cells
    ]
    save(render_attendance(members, meetings, cells, as_of=AS_OF).png, "deltagelse.png")


def draw_themes() -> None:
    rnd = random.Random(2022)
    seats = {s.code: s.seats_held for s in sample()}
    rows = [
        ThemeRow(
            m.code,
            m.name,
            m.region,
            tuple(tuple(rnd.sample(THEMES, rnd.randint(0, 3))) for _ in range(seats[m.code])),
        )
        for m in sample_members()
    ]
    focus = ["Affald", "Cirkulær økonomi"]
    save(render_themes(rows, THEMES, as_of=AS_OF, focus=focus).png, "temaer.png")


def main() -> None:
    draw_map()
    draw_attendance()
    draw_themes()


if __name__ == "__main__":
    main()
