"""KL's view of the network (issue 12, phase 1): the pictures and files, from plain data to bytes.

Pictures are checked the way a person would look at them: the PNG is decoded and pixels are read
at points that lie inside a municipality (proved on the GeoJSON geometry itself), mapped to pixels
through the transform the renderer drew with. Spreadsheets are read back with openpyxl and csv.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from importlib.resources import files
from typing import Any

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.reports import (
    AttendanceCell,
    AttendanceExportRow,
    AttendanceMark,
    HistoryExportRow,
    MapState,
    MeetingColumn,
    Member,
    MemberExportRow,
    MunicipalityState,
    RenderCache,
    ThemeRow,
    export_attendance,
    export_history,
    export_members,
    members_to_call,
    municipality_codes,
    render_attendance,
    render_map,
    render_themes,
    select_meetings,
)
from bot.reports.attendance import ATTENDANCE_COLOURS, NOT_EXPECTED_COLOUR
from bot.reports.denmark_map import CAPITAL_LON_LAT, MAP_COLOURS, MapPicture
from bot.reports.figure import ALERT, PixelTransform
from bot.reports.grid import LEFT_MARGIN_PX, REGION_BAND, ROW_PX
from bot.reports.themes import COUNT_COLOURS, ThemesPicture, _colour
from bot.texts import reports as labels

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
AARHUS, ODENSE, HERNING, SILKEBORG, BORNHOLM = 751, 461, 657, 740, 400
KOEBENHAVN, FREDERIKSBERG = 101, 147
HOSTILE = ('=HYPERLINK("https://evil","x")', "+1", "-1", "@SUM(A1)", "\tTAB", "\rCR")

# Points inside a municipality, away from its border: each is proved below on the geometry.
INSIDE: dict[int, tuple[float, float]] = {
    AARHUS: (10.10, 56.15),
    ODENSE: (10.40, 55.37),
    HERNING: (8.98, 56.14),
    SILKEBORG: (9.55, 56.17),
    BORNHOLM: (14.90, 55.12),
    FREDERIKSBERG: (12.525, 55.68),
}


# --- reference data, read the way the renderer reads it ---------------------------------------


def kommuner() -> list[dict[str, str]]:
    text = files("bot.data").joinpath("kommuner.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return sorted(rows, key=lambda r: (int(r["region_code"]), r["name"]))


def all_members() -> list[Member]:
    return [Member(int(r["code"]), r["name"], r["region_name"]) for r in kommuner()]


def geometry() -> dict[int, list[list[list[list[float]]]]]:
    raw = json.loads(files("bot.data").joinpath("kommuner.geojson").read_text("utf-8"))
    shapes = {}
    for feature in raw["features"]:
        g = feature["geometry"]
        shapes[feature["properties"]["code"]] = (
            [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        )
    return shapes


def in_ring(lon: float, lat: float, ring: Sequence[Sequence[float]]) -> bool:
    inside = False
    for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]], strict=True):
        if (y0 > lat) != (y1 > lat) and lon < x0 + (lat - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def in_municipality(lon: float, lat: float, polygons: list[list[list[list[float]]]]) -> bool:
    # Even-odd over a polygon's rings: inside the exterior and outside every hole.
    return any(sum(in_ring(lon, lat, ring) for ring in polygon) % 2 == 1 for polygon in polygons)


def well_inside(code: int, lon: float, lat: float, shapes: dict[int, Any]) -> bool:
    """Inside, and so are points about 3 px away, so the pixel is not on a border line."""
    d_lon, d_lat = 0.012, 0.007
    return all(
        in_municipality(lon + a * d_lon, lat + b * d_lat, shapes[code])
        for a in (-1, 0, 1)
        for b in (-1, 0, 1)
    )


def pixel(png: bytes, at: tuple[int, int]) -> tuple[int, int, int]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    r, g, b = image.getpixel(at)  # type: ignore[misc]
    return r, g, b


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def size(png: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.size


# --- the map -------------------------------------------------------------------------------------


def states(**by_code: tuple[MapState, int, int]) -> list[MunicipalityState]:
    names = {int(r["code"]): r for r in kommuner()}
    result = []
    for key, (state, held, total) in by_code.items():
        code = int(key.removeprefix("m"))
        row = names[code]
        result.append(MunicipalityState(code, row["name"], row["region_name"], state, held, total))
    return result


def test_the_points_used_below_lie_inside_their_municipalities() -> None:
    shapes = geometry()
    for code, (lon, lat) in INSIDE.items():
        assert well_inside(code, lon, lat, shapes), code
        others = [c for c in shapes if c != code and in_municipality(lon, lat, shapes[c])]
        assert others == [], (code, others)
    # København surrounds Frederiksberg: the point is in the hole of København's ring.
    assert not in_municipality(*INSIDE[FREDERIKSBERG], shapes[KOEBENHAVN])


def test_the_map_draws_all_98_municipalities_from_package_data() -> None:
    assert municipality_codes() == {int(r["code"]) for r in kommuner()}
    assert len(municipality_codes()) == 98


def test_map_is_a_png_about_1000_px_wide_with_counts() -> None:
    picture = render_map(
        states(
            m751=(MapState.FULL, 3, 3),
            m461=(MapState.FREE_SEATS, 1, 3),
            m657=(MapState.PENDING, 0, 0),
        ),
        as_of=AS_OF,
    )
    width, height = size(picture.png)
    assert (width, height) == (picture.width, picture.height)
    assert 950 <= width <= 1050 and 800 <= height <= 1200
    assert (picture.members, picture.seats_held, picture.seats_total, picture.pending) == (
        2,
        4,
        6,
        1,
    )


def test_map_colours_follow_the_data() -> None:
    before = states(
        m751=(MapState.FULL, 3, 3),
        m461=(MapState.FREE_SEATS, 2, 3),
        m657=(MapState.PENDING, 0, 0),
        m400=(MapState.FULL, 3, 3),
        m101=(MapState.FULL, 3, 3),
        m147=(MapState.PENDING, 0, 0),
    )
    picture = render_map(before, as_of=AS_OF)
    expected = {
        AARHUS: MapState.FULL,
        ODENSE: MapState.FREE_SEATS,
        HERNING: MapState.PENDING,
        SILKEBORG: MapState.NOT_MEMBER,  # not in the input: not a member
        BORNHOLM: MapState.FULL,
        FREDERIKSBERG: MapState.PENDING,  # drawn in København's hole, not in its colour
    }
    for code, state in expected.items():
        assert pixel(picture.png, picture.pixel_at(*INSIDE[code])) == rgb(MAP_COLOURS[state]), code

    after = states(
        m751=(MapState.PENDING, 0, 0),
        m461=(MapState.FULL, 3, 3),
        m740=(MapState.FREE_SEATS, 1, 3),
        m400=(MapState.FREE_SEATS, 2, 3),
    )
    changed = render_map(after, as_of=AS_OF)
    assert changed.main == picture.main  # same drawing, other colours
    expected = {
        AARHUS: MapState.PENDING,
        ODENSE: MapState.FULL,
        HERNING: MapState.NOT_MEMBER,
        SILKEBORG: MapState.FREE_SEATS,
        BORNHOLM: MapState.FREE_SEATS,
    }
    for code, state in expected.items():
        assert pixel(changed.png, changed.pixel_at(*INSIDE[code])) == rgb(MAP_COLOURS[state]), code


def test_bornholm_is_drawn_in_the_inset() -> None:
    picture = render_map(states(m400=(MapState.PENDING, 0, 0)), as_of=AS_OF)
    x, y = picture.inset.to_pixel(*_projected(*INSIDE[BORNHOLM]))
    assert (x, y) == picture.pixel_at(*INSIDE[BORNHOLM])
    assert x > picture.width * 0.75 and y > picture.height * 0.75  # lower right, off the main map
    assert pixel(picture.png, (x, y)) == rgb(MAP_COLOURS[MapState.PENDING])
    # On the main map's own scale Bornholm would lie beyond the picture's right edge.
    assert picture.main.to_pixel(*_projected(*INSIDE[BORNHOLM]))[0] > picture.width


def _projected(lon: float, lat: float) -> tuple[float, float]:
    from bot.reports import project

    return project(lon, lat)


def mixed_states() -> list[MunicipalityState]:
    """Every third municipality a member with all seats, every third with seats to fill."""
    rows = kommuner()
    result = []
    for index, row in enumerate(rows):
        if index % 3 == 2:
            continue
        state = MapState.FULL if index % 3 == 0 else MapState.FREE_SEATS
        result.append(
            MunicipalityState(int(row["code"]), row["name"], row["region_name"], state, 3, 3)
        )
    return result


def boxes_overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def drawn_box(picture: MapPicture, transform: PixelTransform) -> tuple[int, int, int, int]:
    """An inset's frame in pixels, from the limits its transform draws."""
    if transform is picture.capital:
        lon0, lon1, lat0, lat1 = CAPITAL_LON_LAT
        (x0, y0), (x1, y1) = _projected(lon0, lat0), _projected(lon1, lat1)
    else:
        raise AssertionError("only the enlargement is asked for")
    left, bottom = transform.to_pixel(x0, y0)
    right, top = transform.to_pixel(x1, y1)
    return left, top, right, bottom


def main_map_vertices(picture: MapPicture) -> list[tuple[int, int]]:
    """Every outline point of the main map, in PNG pixels."""
    return [
        picture.main.to_pixel(*_projected(lon, lat))
        for code, polygons in geometry().items()
        if code != BORNHOLM
        for polygon in polygons
        for ring in polygon
        for lon, lat in ring
    ]


def test_map_names_municipalities_where_they_fit_and_skips_the_rest() -> None:
    picture = render_map(mixed_states(), as_of=AS_OF)
    colours = {s.code: MAP_COLOURS[s.state] for s in mixed_states()}
    image = Image.open(io.BytesIO(picture.png)).convert("RGB")
    names = {int(r["code"]): r["name"] for r in kommuner()}
    main = [label for label in picture.labels if label.panel == "main"]
    capital = [label for label in picture.labels if label.panel == "capital"]
    assert len(main) >= 30 and len(capital) >= 12
    assert len(picture.labels) < 98 + len(capital)  # some do not fit, and are left out
    labelled = {label.code for label in main}
    assert {HERNING, SILKEBORG, ODENSE} <= labelled  # large ones are named on the main map
    assert {KOEBENHAVN, FREDERIKSBERG}.isdisjoint(labelled)  # too small there: in the inset
    assert KOEBENHAVN in {label.code for label in capital}

    for index, label in enumerate(picture.labels):
        assert label.text.replace("\n", "") in (names[label.code], names[label.code] + " ")
        left, top, right, bottom = label.box
        assert 0 <= left < right <= picture.width and 0 <= top < bottom <= picture.height
        # No two names overlap, and none covers the counts and the legend.
        for other in picture.labels[index + 1 :]:
            assert not boxes_overlap(label.box, other.box), (label, other)
        assert not boxes_overlap(label.box, picture.legend_box), label
        # The name is written (ink unlike its municipality's colour) inside its municipality:
        # just outside its box (within its margin), every corner has the municipality's colour.
        fill = rgb(colours.get(label.code, MAP_COLOURS[MapState.NOT_MEMBER]))
        text = ink(picture.png, (left, top, right, bottom), fill)
        assert len(text) >= 10, label
        corners = ((left - 2, top - 2), (right + 1, top - 2), (left - 2, bottom + 1))
        for corner in (*corners, (right + 1, bottom + 1)):
            near = image.getpixel(corner)  # antialiasing may tint it, a border would not be near
            assert sum(abs(a - b) for a, b in zip(near, fill, strict=True)) <= 60, (label, corner)  # type: ignore[arg-type]


def test_greater_copenhagen_is_enlarged_in_the_sea() -> None:
    states_ = states(m101=(MapState.FULL, 3, 3), m147=(MapState.PENDING, 0, 0))
    picture = render_map(states_, as_of=AS_OF)
    assert picture.capital is not None
    # At least four times the main map's scale.
    assert picture.capital.matrix[0] >= 4 * picture.main.matrix[0]
    # Frederiksberg, a speck on the main map, is drawn in the enlargement in its colour.
    at = picture.capital_pixel_at(*INSIDE[FREDERIKSBERG])
    assert pixel(picture.png, at) == rgb(MAP_COLOURS[MapState.PENDING])
    left, top, right, bottom = drawn_box(picture, picture.capital)
    assert left <= at[0] <= right and top <= at[1] <= bottom
    assert right - left >= 350 and bottom - top >= 300
    # The enlargement is drawn (mostly land, not background) ...
    image = Image.open(io.BytesIO(picture.png)).convert("RGB")
    inside = [
        image.getpixel((x, y))
        for x in range(left + 2, right - 2, 4)
        for y in range(top + 2, bottom - 2, 4)
    ]
    assert sum(1 for p in inside if p != (255, 255, 255)) >= 0.6 * len(inside)
    assert rgb(MAP_COLOURS[MapState.FULL]) in inside  # København
    # ... over the sea: no point of the main map lies under it.
    for x, y in main_map_vertices(picture):
        assert not (left <= x <= right and top <= y <= bottom), (x, y)


def test_the_counts_and_the_legend_use_the_sea() -> None:
    picture = render_map(
        states(
            m751=(MapState.FULL, 3, 3),
            m461=(MapState.FREE_SEATS, 1, 3),
            m657=(MapState.PENDING, 0, 0),
        ),
        as_of=AS_OF,
    )
    left, top, right, bottom = picture.legend_box
    assert picture.width / 2 < left < right <= picture.width
    assert picture.height / 3 < top < bottom < picture.height * 0.85
    for x, y in main_map_vertices(picture):
        assert not (left <= x <= right and top <= y <= bottom), (x, y)
    assert not boxes_overlap(picture.legend_box, drawn_box(picture, picture.capital))
    image = Image.open(io.BytesIO(picture.png)).convert("RGB")
    block = {image.getpixel((x, y)) for x in range(left, right) for y in range(top, bottom)}
    assert {rgb(colour) for colour in MAP_COLOURS.values()} <= block  # the four colours
    assert len(ink(picture.png, picture.legend_box, (255, 255, 255))) > 500  # and their words
    assert labels.map_count_lines(2, 4, 6, 1) == [
        "2 kommuner",
        "4 af 6 pladser besat",
        "1 ventende tilmelding",
    ]


def test_map_refuses_a_code_that_is_not_a_municipality() -> None:
    christiansoe = MunicipalityState(411, "Christiansø", "", MapState.FULL, 3, 3)
    with pytest.raises(ValueError, match="411"):
        render_map([christiansoe], as_of=AS_OF)


def test_map_texts_are_danish() -> None:
    assert labels.map_counts(34, 71, 102, 0) == "34 kommuner · 71 af 102 pladser besat"
    assert (
        labels.map_counts(1, 3, 3, 1) == "1 kommune · 3 af 3 pladser besat · 1 ventende tilmelding"
    )
    assert labels.map_title(AS_OF) == "Kommunernes klimapolitiske netværk · 27. november 2026"
    assert labels.DAGI_SOURCE == (
        "Indeholder data fra Styrelsen for Dataforsyning og Infrastruktur, DAGI (2014)"
    )


# --- the attendance heatmap ---------------------------------------------------------------------


def meetings(held: int, coming: int) -> list[MeetingColumn]:
    first = date(2024, 1, 18)
    return [
        MeetingColumn(100 + i, first + timedelta(weeks=12 * i), i < held)
        for i in range(held + coming)
    ]


LATE_JOINER, NEWCOMER, SUBSTITUTED = KOEBENHAVN, HERNING, SILKEBORG


def attendance_cells(members: list[Member], columns: list[MeetingColumn]) -> list[AttendanceCell]:
    held = [m for m in columns if m.held]
    window = {m.meeting_id for m in held[-3:]}
    cells = []
    for member in members:
        for meeting in columns:
            mark = AttendanceMark.COMING if meeting.held else AttendanceMark.NO_ANSWER
            if member.code == AARHUS and meeting.meeting_id in window:
                mark = AttendanceMark.REGRETS  # came before, then three meetings without anyone
            if member.code == LATE_JOINER and meeting.meeting_id != held[-1].meeting_id:
                continue  # a member since the last meeting only, and it sent nobody
            if member.code == LATE_JOINER:
                mark = AttendanceMark.NO_ANSWER
            if member.code == NEWCOMER and meeting.held:
                continue  # joined after every held meeting: nothing to call about yet
            if member.code == SUBSTITUTED and meeting.meeting_id in window:
                mark = (
                    AttendanceMark.SUBSTITUTE
                    if meeting.meeting_id == held[-2].meeting_id
                    else AttendanceMark.REGRETS
                )
            cells.append(AttendanceCell(member.code, meeting.meeting_id, mark))
    return cells


def test_the_heatmap_shows_the_last_six_held_and_the_next_two_meetings() -> None:
    columns = meetings(held=24, coming=2)
    shown = select_meetings(columns)
    assert [m.meeting_id for m in shown] == [118, 119, 120, 121, 122, 123, 124, 125]
    assert [m.meeting_id for m in select_meetings(columns, 3)] == [121, 122, 123, 124, 125]
    assert [m.meeting_id for m in select_meetings(list(reversed(columns)), 2, 1)] == [122, 123, 124]
    with pytest.raises(ValueError):
        select_meetings(columns, 0)


def test_members_to_call_came_to_none_of_the_last_three_held_meetings() -> None:
    members = all_members()
    columns = meetings(held=10, coming=2)
    called = members_to_call(members, columns, attendance_cells(members, columns))
    assert set(called) == {AARHUS, LATE_JOINER}
    assert NEWCOMER not in called and SUBSTITUTED not in called


def test_heatmap_of_98_members_marks_whom_to_call() -> None:
    members = all_members()
    columns = meetings(held=10, coming=2)
    picture = render_attendance(members, columns, attendance_cells(members, columns), as_of=AS_OF)

    width, height = size(picture.png)
    assert (width, height) == (picture.width, picture.height)
    assert 950 <= width <= 1050
    assert len(picture.rows) == 98
    # Height follows the rows: 98 members and 5 region heads at ROW_PX, plus the heading block.
    assert 103 * ROW_PX <= height <= 103 * ROW_PX + 300
    assert [m.meeting_id for m in picture.meetings] == [104, 105, 106, 107, 108, 109, 110, 111]
    assert set(picture.highlighted) == {AARHUS, LATE_JOINER}
    assert list(picture.highlighted) == [c for c in picture.rows if c in picture.highlighted]

    last_held = picture.meetings[5].meeting_id
    assert pixel(picture.png, picture.cell_pixel(AARHUS, last_held)) == rgb(
        ATTENDANCE_COLOURS[AttendanceMark.REGRETS]
    )
    assert pixel(picture.png, picture.cell_pixel(AARHUS, 104)) == rgb(
        ATTENDANCE_COLOURS[AttendanceMark.COMING]
    )
    assert pixel(picture.png, picture.cell_pixel(SUBSTITUTED, 108)) == rgb(
        ATTENDANCE_COLOURS[AttendanceMark.SUBSTITUTE]
    )
    assert pixel(picture.png, picture.cell_pixel(LATE_JOINER, 104)) == rgb(NOT_EXPECTED_COLOUR)
    assert pixel(picture.png, picture.cell_pixel(ODENSE, 111)) == rgb(
        ATTENDANCE_COLOURS[AttendanceMark.NO_ANSWER]
    )
    # The red mark left of the row: there for those to call, not for the others.
    assert pixel(picture.png, picture.marker_pixel(AARHUS)) == rgb(ALERT)
    assert pixel(picture.png, picture.marker_pixel(LATE_JOINER)) == rgb(ALERT)
    assert pixel(picture.png, picture.marker_pixel(SUBSTITUTED)) == (255, 255, 255)


def test_heatmap_height_is_sized_by_its_rows() -> None:
    members = all_members()[:12]
    columns = meetings(held=4, coming=0)
    small = render_attendance(members, columns, attendance_cells(members, columns), as_of=AS_OF)
    regions = len({m.region for m in members})
    assert small.height == round(130 + 26 + (12 + regions) * ROW_PX + 24)
    assert small.height < 600


def test_heatmap_uses_the_full_width() -> None:
    members = all_members()
    for held, coming in ((10, 2), (2, 1), (24, 2)):
        columns = meetings(held=held, coming=coming)
        picture = render_attendance(
            members, columns, attendance_cells(members, columns), as_of=AS_OF, held_count=held
        )
        shown = len(picture.meetings)
        row = picture.grid_rows.index(ODENSE)
        left = picture.grid.to_pixel(-0.5, row)[0]
        right = picture.grid.to_pixel(shown - 0.5, row)[0]
        assert right >= picture.width - 25, (held, coming, right)
        assert right - left >= 0.8 * picture.width, (held, coming, left, right)
        # Read off the pixels: Odense's row is coloured from the cells' start to the right edge.
        _, y = picture.cell_pixel(ODENSE, picture.meetings[0].meeting_id)
        image = Image.open(io.BytesIO(picture.png)).convert("RGB")
        coloured = [x for x in range(picture.width) if image.getpixel((x, y)) != (255, 255, 255)]
        assert coloured[-1] >= picture.width - 25
        assert sum(1 for x in coloured if x >= left) >= 0.75 * picture.width


def test_heatmap_region_headings_sit_on_their_rows() -> None:
    members = all_members()
    columns = meetings(held=10, coming=2)
    picture = render_attendance(members, columns, attendance_cells(members, columns), as_of=AS_OF)
    image = Image.open(io.BytesIO(picture.png)).convert("RGB")
    band = rgb(REGION_BAND)
    heads = [j for j, code in enumerate(picture.grid_rows) if code is None]
    assert len(heads) == 5
    left = picture.grid.to_pixel(-0.5, 0)[0]
    for j in heads:
        x, centre = picture.grid.to_pixel(0, j)
        # The region's row is a band across the cells and the names' column ...
        assert image.getpixel((x, centre)) == band
        assert image.getpixel((LEFT_MARGIN_PX - 2, centre)) == band
        line = [image.getpixel((x, centre)) for x in range(round(LEFT_MARGIN_PX) - 2, left)]
        assert (255, 255, 255) not in line  # band or heading, all the way to the cells
        across = [image.getpixel((x, centre)) for x in range(picture.width)]
        assert across.count(band) >= 0.6 * picture.width
        # ... and its heading is written on it: the ink of "Region" is centred on the row.
        rows = [
            y
            for y in range(centre - 7, centre + 8)
            for x in range(round(LEFT_MARGIN_PX), round(LEFT_MARGIN_PX) + 45)
            if sum(image.getpixel((x, y))) < 300  # type: ignore[arg-type]
        ]
        assert rows, j
        assert abs((min(rows) + max(rows)) / 2 - centre) <= 2.5, (j, min(rows), max(rows), centre)
        # The row above a heading is a member's (or the column heads), never the band.
        if j > 0:
            assert image.getpixel(picture.grid.to_pixel(0, j - 1)) != band


# --- the themes matrix ---------------------------------------------------------------------------


def theme_rows() -> list[ThemeRow]:
    rows = []
    for member in all_members():
        holders: tuple[tuple[str, ...], ...] = (("Affald",), (), ())
        if member.code == AARHUS:
            holders = (
                ("Klimatilpasning", "Affald"),
                (" klimatilpasning ",),  # spelled by a person: case and spaces differ
                ("Groenne indkoeb", "Naturpleje"),
            )
        rows.append(ThemeRow(member.code, member.name, member.region, holders))
    return rows


def test_themes_matrix_counts_holders_per_theme_for_98_members() -> None:
    picture = render_themes(theme_rows(), THEMES, as_of=AS_OF, focus=["Klimatilpasning"])
    width, height = size(picture.png)
    assert (width, height) == (picture.width, picture.height)
    assert 950 <= width <= 1050 and 103 * ROW_PX <= height <= 103 * ROW_PX + 350
    assert len(picture.rows) == 98 and picture.themes == THEMES

    aarhus = picture.counts[picture.rows.index(AARHUS)]
    assert dict(zip(THEMES, aarhus, strict=True)) == {
        "Affald": 1,
        "Grønne indkøb": 1,
        "Klimatilpasning": 2,
        "Energiplanlægning": 0,
        "Cirkulær økonomi": 0,
        "CO2-regnskaber": 0,
        "Klimaplaner": 0,
        "Mobilitet": 0,
    }
    assert picture.totals[THEMES.index("Affald")] == 98
    assert picture.totals[THEMES.index("Klimatilpasning")] == 1
    # The colour beside the number, which sits in the middle of the cell.
    assert pixel(picture.png, beside(picture, AARHUS, "Klimatilpasning")) == rgb(COUNT_COLOURS[2])
    assert pixel(picture.png, beside(picture, AARHUS, "Mobilitet")) == rgb(COUNT_COLOURS[0])
    assert pixel(picture.png, beside(picture, ODENSE, "Affald")) == rgb(COUNT_COLOURS[1])


def beside(picture: ThemesPicture, code: int, theme: str) -> tuple[int, int]:
    x, y = picture.cell_pixel(code, theme)
    return x - round(picture.grid.matrix[0] * 0.35), y


def ink(png: bytes, box: tuple[int, int, int, int], background: tuple[int, int, int]) -> set[Any]:
    """Pixels in (left, top, right, bottom) that differ clearly from the background, as offsets
    from the top-left of their own bounding box (so equal glyphs give equal sets)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    left, top, right, bottom = box
    found = []
    for x in range(left, right):
        for y in range(top, bottom):
            r, g, b = image.getpixel((x, y))  # type: ignore[misc]
            if abs(r - background[0]) + abs(g - background[1]) + abs(b - background[2]) > 90:
                found.append((x, y))
    if not found:
        return set()
    x0, y0 = min(x for x, _ in found), min(y for _, y in found)
    return {(x - x0, y - y0) for x, y in found}


def test_themes_cells_show_the_number_the_caption_promises() -> None:
    assert "Tallet i feltet er antallet af pladsholdere" in labels.THEMES_SUBTITLE
    picture = render_themes(theme_rows(), THEMES, as_of=AS_OF)
    half_w = round(picture.grid.matrix[0] * 0.3)

    def digits(code: int, theme: str) -> set[Any]:
        x, y = picture.cell_pixel(code, theme)
        count = picture.counts[picture.rows.index(code)][THEMES.index(theme)]
        return ink(picture.png, (x - half_w, y - 5, x + half_w, y + 6), rgb(_colour(count)))

    assert digits(AARHUS, "Mobilitet") == set()  # an empty cell: nobody
    one = digits(AARHUS, "Affald")
    assert len(one) > 5
    assert digits(ODENSE, "Affald") == one  # the same digit in the same column: the same glyph
    two = digits(AARHUS, "Klimatilpasning")
    assert len(two) > 5 and two != one
    # Every cell with holders has its number; cells without have none.
    for code in (ODENSE, HERNING, SILKEBORG, BORNHOLM):
        assert len(digits(code, "Affald")) > 5, code
        assert digits(code, "Mobilitet") == set(), code


# --- exports -------------------------------------------------------------------------------------

SUMMER = datetime(2026, 6, 25, 8, 0, tzinfo=UTC)  # 10.00 in Copenhagen
WINTER = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # 10.30 in Copenhagen


def member_rows() -> list[MemberExportRow]:
    return [
        MemberExportRow(
            "Aarhus",
            "Region Midtjylland",
            "Fast plads",
            HOSTILE[0],
            HOSTILE[1],
            ("Klimatilpasning", "Affald"),
            SUMMER,
        ),
        MemberExportRow(
            "Ærø", "Region Syddanmark", "Fleksibel plads 1", HOSTILE[2], HOSTILE[3], (), WINTER
        ),
        MemberExportRow(
            "Tårnby",
            "Region Hovedstaden",
            "Fleksibel plads 2",
            HOSTILE[4],
            HOSTILE[5],
            ("Mobilitet",),
            None,
        ),
        MemberExportRow(
            "Høje-Taastrup",
            "Region Hovedstaden",
            "Fast plads",
            "Søren Kierkegaard-Østergård Aaberg\x07",
            "#N/A",
            (),
            WINTER,
        ),
    ]


def sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode("utf-8")


def test_members_xlsx_has_a_frozen_bold_header_real_dates_filters_and_widths() -> None:
    exported = export_members(member_rows(), today=AS_OF)
    assert exported.filename == "klimanet-medlemmer-2026-11-27.xlsx"
    assert exported.media_type.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None and sheet.title == "Medlemmer"

    header = [c.value for c in sheet[1]]
    assert header == list(labels.MEMBER_HEADERS)
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G5"

    since = sheet["G2"]
    assert since.is_date and since.value == datetime(2026, 6, 25, 10, 0)  # Copenhagen summer time
    assert since.number_format == "dd.mm.yyyy hh:mm"
    assert sheet["G3"].value == datetime(2026, 11, 27, 10, 30)
    assert sheet["G4"].value is None
    assert sheet["A3"].value == "Ærø" and sheet["F2"].value == "Klimatilpasning, Affald"
    assert sheet["D5"].value == "Søren Kierkegaard-Østergård Aaberg"  # control character dropped

    widths = {letter: dim.width for letter, dim in sheet.column_dimensions.items()}
    assert set(widths) == set("ABCDEFG")
    assert all(8 <= w <= 60 for w in widths.values())
    assert widths["D"] >= len("Søren Kierkegaard-Østergård Aaberg")
    assert widths["G"] >= len("27.11.2026 10:00")


def test_member_text_in_xlsx_is_text_never_a_formula() -> None:
    exported = export_members(member_rows(), today=AS_OF)
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None
    stored = [sheet["D2"], sheet["E2"], sheet["D3"], sheet["E3"], sheet["D4"], sheet["E4"]]
    # A bare carriage return is a line break in xlsx (XML has no other); the rest is verbatim.
    assert [c.value for c in stored] == [*HOSTILE[:5], "\nCR"]
    for cell in stored:
        assert cell.data_type == "s", cell.value
        assert cell.quotePrefix, cell.value
    assert sheet["A2"].quotePrefix is False
    # openpyxl would take "#N/A" for an error value; it is a person's text.
    assert sheet["E5"].value == "#N/A" and sheet["E5"].data_type == "s"
    # And in the file itself: no formula element anywhere, only shared strings.
    xml = sheet_xml(exported.content)
    assert "<f>" not in xml and "<f " not in xml


def test_attendance_xlsx_has_real_dates_and_danish_answers() -> None:
    rows = [
        AttendanceExportRow(
            "Netværksmøde",
            date(2026, 6, 25),
            "Aarhus",
            "Fast plads",
            "Anna",
            None,
            AttendanceMark.COMING,
        ),
        AttendanceExportRow(
            "Netværksmøde",
            date(2026, 6, 25),
            "Odense",
            "Fleksibel plads 1",
            "Bo",
            "=1+1",
            AttendanceMark.SUBSTITUTE,
        ),
        AttendanceExportRow(
            "Online møde",
            date(2026, 9, 17),
            "Aarhus",
            "Fast plads",
            "Anna",
            None,
            AttendanceMark.NO_ANSWER,
        ),
    ]
    exported = export_attendance(rows, today=AS_OF)
    assert exported.filename == "klimanet-deltagelse-2026-11-27.xlsx"
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == list(labels.ATTENDANCE_HEADERS)
    assert sheet["B2"].is_date and sheet["B2"].value == datetime(2026, 6, 25)
    assert sheet["B2"].number_format == "dd.mm.yyyy"
    assert [sheet[f"G{r}"].value for r in (2, 3, 4)] == ["kommer", "vikar", "intet svar"]
    assert sheet["F3"].value == "=1+1" and sheet["F3"].data_type == "s"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:H4"


def test_history_xlsx_and_csv() -> None:
    rows = [
        HistoryExportRow(
            SUMMER, "Aarhus", "Fast plads", "overdraget", "Anna", "Bo", "Bo", "-skiftet job"
        ),
        HistoryExportRow(WINTER, "Ærø", "Fleksibel plads 1", "frigivet", None, "Carl", "KL", None),
    ]
    xlsx = export_history(rows, today=AS_OF)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == list(labels.HISTORY_HEADERS)
    assert sheet["A2"].is_date and sheet["A2"].value == datetime(2026, 6, 25, 10, 0)
    assert sheet["H2"].value == "-skiftet job" and sheet["H2"].data_type == "s"

    exported = export_history(rows, today=AS_OF, fmt="csv")
    assert exported.filename == "klimanet-historik-2026-11-27.csv"
    lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[1] == [
        "2026-06-25 10:00",
        "Aarhus",
        "Fast plads",
        "overdraget",
        "Anna",
        "Bo",
        "Bo",
        "'-skiftet job",
    ]
    assert lines[2][0] == "2026-11-27 10:30" and lines[2][4] == "" and lines[2][7] == ""


def test_members_csv_has_bom_semicolons_and_escapes_formulas() -> None:
    exported = export_members(member_rows(), today=AS_OF, fmt="csv")
    assert exported.filename == "klimanet-medlemmer-2026-11-27.csv"
    assert exported.media_type.startswith("text/csv")
    assert exported.content.startswith(b"\xef\xbb\xbf")
    text = exported.content[3:].decode("utf-8")
    assert text.splitlines()[0] == ";".join(labels.MEMBER_HEADERS)
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert [len(line) for line in lines] == [7] * 5
    assert [lines[1][3], lines[1][4], lines[2][3], lines[2][4], lines[3][3], lines[3][4]] == [
        "'" + value for value in HOSTILE
    ]
    assert lines[2][0] == "Ærø" and lines[3][0] == "Tårnby"
    assert lines[1][6] == "2026-06-25 10:00"
    assert lines[4][3] == "Søren Kierkegaard-Østergård Aaberg" and lines[4][4] == "#N/A"


def test_exports_refuse_naive_times() -> None:
    row = MemberExportRow(
        "Aarhus", "Region Midtjylland", "Fast plads", "Anna", None, (), datetime(2026, 6, 25, 10, 0)
    )
    with pytest.raises(ValueError, match="aware"):
        export_members([row], today=AS_OF)


# --- the cache and the lazy import --------------------------------------------------------------


def test_the_cache_keeps_a_picture_until_its_data_changes() -> None:
    calls: list[int] = []

    def render(rows: Sequence[MunicipalityState], *, as_of: date) -> int:
        calls.append(1)
        return len(calls)

    cache = RenderCache(size=2)
    full = states(m751=(MapState.FULL, 3, 3))
    again = states(m751=(MapState.FULL, 3, 3))  # equal data, built anew, as a list
    assert cache.get_or_render(render, full, as_of=AS_OF) == 1
    assert cache.get_or_render(render, tuple(again), as_of=AS_OF) == 1
    assert cache.get_or_render(render, states(m751=(MapState.FREE_SEATS, 2, 3)), as_of=AS_OF) == 2
    assert cache.get_or_render(render, full, as_of=AS_OF + timedelta(days=1)) == 3
    assert (cache.hits, cache.misses, len(cache)) == (1, 3, 2)
    assert cache.get_or_render(render, full, as_of=AS_OF) == 4  # the oldest fell out


def test_importing_the_bot_and_the_reports_loads_no_plotting_or_spreadsheet_library() -> None:
    # Nor Teams' SDK: every console or Slack process (and every test that spawns one) would pay
    # the second it takes to import.
    heavy = ("matplotlib", "openpyxl", "numpy", "PIL", "microsoft_agents", "aiohttp")
    code = (
        "import sys, bot.reports, bot.runtime, bot.__main__\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_names_and_themes_are_drawn_as_text_not_mathtext() -> None:
    # "$...$" would be parsed as mathtext, and a malformed one would fail the whole picture.
    odd_theme = r"Energi $\pris$ pr. ton"
    odd_row = ThemeRow(999, r"Kommune $\x$", r"Region $\y$", ((odd_theme,),))
    picture = render_themes([odd_row], (*THEMES, odd_theme), as_of=AS_OF)
    assert picture.counts == ((0, 0, 0, 0, 0, 0, 0, 0, 1),)
    member = Member(999, r"Kommune $\x$", r"Region $\y$")
    columns = meetings(held=3, coming=0)
    cells = [AttendanceCell(999, m.meeting_id, AttendanceMark.REGRETS) for m in columns]
    assert render_attendance([member], columns, cells, as_of=AS_OF).highlighted == (999,)
