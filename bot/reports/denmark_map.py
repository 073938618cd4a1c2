"""``overblik kort``: Denmark's 98 municipalities coloured by how each stands in the network.

Geometry: ``bot/data/kommuner.geojson`` (DAGI 2014, simplified; WGS84 lon/lat), parsed and
projected once per process on first use. Projection: equirectangular, x = lon · cos(56°), y = lat,
which keeps Denmark's shapes true enough at this scale. Bornholm (400) lies far east of the rest and
gets its own inset at the same scale, so the main map can use the width for Jutland and the isles.

The sea north-east of Zealand holds an inset that enlarges greater Copenhagen almost six times,
where some twenty municipalities are too small to see on the main map; the sea east of Zealand
holds the counts and the legend. Names are written where they fit (``map_labels``).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from bot.reports.figure import (
    FONT,
    MUTED,
    RENDER_LOCK,
    TEXT,
    WIDTH_PX,
    PixelTransform,
    axes_px,
    new_figure,
    outlines_at,
    pixel_transform,
    text_outline,
    to_png,
)
from bot.reports.inputs import MapState, MunicipalityState
from bot.reports.map_labels import PlacedLabel, place_labels
from bot.texts import reports as labels

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle
    from matplotlib.path import Path

BORNHOLM_CODE = 400
COS_56 = math.cos(math.radians(56.0))

# Blue for members (dark: complete, light: seats to fill), orange for waiting requests: readable
# with the common colour-vision deficiencies, and grey recedes for the rest.
MAP_COLOURS: dict[MapState, str] = {
    MapState.FULL: "#2166ac",
    MapState.FREE_SEATS: "#92c5de",
    MapState.PENDING: "#e08214",
    MapState.NOT_MEMBER: "#e4e4e4",
}
BORDER = "#ffffff"
FRAME = "#9a9a9a"

HEIGHT_PX = 1000
_MAIN_BOX = (10.0, 60.0, 740.0, 900.0)  # left, top, width, height in pixels
_INSET_BOX = (850.0, 850.0, 130.0, 130.0)  # Bornholm, lower right
_MARGIN = 0.04  # projected units around the geometry
# Greater Copenhagen (lon 12.125–12.82, lat 55.545–55.92), enlarged in the sea north-east of
# Zealand: from Høje-Taastrup to Dragør and up to Hørsholm.
CAPITAL_LON_LAT = (12.24, 12.70, 55.585, 55.83)
_CAPITAL_LEFT, _CAPITAL_TOP, _CAPITAL_WIDTH = 588.0, 100.0, 400.0
_LEGEND_LEFT, _LEGEND_TOP = 754.0, 530.0  # the counts and the legend, east of Zealand
# Names in points, tried in order: the enlargement may go smaller to name its small municipalities.
_MAIN_LABEL_SIZES, _CAPITAL_LABEL_SIZES = (6.5,), (7.5, 6.5, 6.0)
LABEL_ON_DARK = "#ffffff"


def project(lon: float, lat: float) -> tuple[float, float]:
    """The map's projection: equirectangular, scaled by cos(56°) so a degree east is shorter."""
    return lon * COS_56, lat


def _capital_limits() -> tuple[float, float, float, float]:
    lon0, lon1, lat0, lat1 = CAPITAL_LON_LAT
    (x0, y0), (x1, y1) = project(lon0, lat0), project(lon1, lat1)
    return x0, x1, y0, y1


def _capital_box() -> tuple[float, float, float, float]:
    x0, x1, y0, y1 = _capital_limits()
    return (
        _CAPITAL_LEFT,
        _CAPITAL_TOP,
        _CAPITAL_WIDTH,
        round(_CAPITAL_WIDTH * (y1 - y0) / (x1 - x0)),
    )


@dataclass(frozen=True, slots=True)
class _Geometry:
    paths: Mapping[int, Path]
    names: Mapping[int, str]
    main_limits: tuple[float, float, float, float]  # x0, x1, y0, y1 without Bornholm
    inset_limits: tuple[float, float, float, float]
    capital: frozenset[int]  # the municipalities wholly inside the enlarged area
    near_capital: frozenset[int]  # those with some part in it: the ones the enlargement draws


@dataclass(frozen=True, slots=True)
class MapLabel:
    """A municipality's name as drawn: ``box`` is (left, top, right, bottom) in PNG pixels."""

    code: int
    text: str
    panel: str  # "main" or "capital"
    box: tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class MapPicture:
    png: bytes
    width: int
    height: int
    main: PixelTransform  # the main map's axes
    inset: PixelTransform  # Bornholm's inset
    members: int
    seats_held: int
    seats_total: int
    pending: int
    capital: PixelTransform | None = None  # the enlarged greater Copenhagen
    labels: tuple[MapLabel, ...] = ()
    legend_box: tuple[int, int, int, int] = (0, 0, 0, 0)  # counts and legend, as for MapLabel

    def pixel_at(self, lon: float, lat: float) -> tuple[int, int]:
        """Where a point is drawn: in the inset east of 14.5° (Bornholm), else on the main map."""
        x, y = project(lon, lat)
        return (self.inset if lon > 14.5 else self.main).to_pixel(x, y)

    def capital_pixel_at(self, lon: float, lat: float) -> tuple[int, int]:
        """Where a point of greater Copenhagen is drawn in its enlargement."""
        if self.capital is None:
            raise ValueError("no enlargement of greater Copenhagen in this picture")
        return self.capital.to_pixel(*project(lon, lat))


def _signed_area(ring: Sequence[Sequence[float]]) -> float:
    return 0.5 * sum(
        x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]], strict=True)
    )


def _polygons(geometry: Mapping[str, Any]) -> list[list[list[list[float]]]]:
    # SOURCES.md promises MultiPolygons; half the features are plain Polygons. Take both.
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["coordinates"])
    raise ValueError(f"unexpected geometry type {geometry['type']!r}")


def _compound_path(polygons: Iterable[list[list[list[float]]]]) -> Path:
    from matplotlib.path import Path

    move, line, close = int(Path.MOVETO), int(Path.LINETO), int(Path.CLOSEPOLY)
    vertices: list[tuple[float, float]] = []
    codes: list[int] = []
    for polygon in polygons:
        for index, ring in enumerate(polygon):
            points = [project(lon, lat) for lon, lat in ring]
            if points[0] == points[-1]:
                points.pop()
            # Exterior counter-clockwise, holes clockwise: a hole stays a hole under either fill
            # rule (København's ring around Frederiksberg).
            if (_signed_area(points) > 0) == (index > 0):
                points.reverse()
            vertices.extend([*points, points[0]])
            codes.extend([move, *[line] * (len(points) - 1), close])
    return Path(vertices, codes)


def _limits(paths: Iterable[Path]) -> tuple[float, float, float, float]:
    extents = [path.get_extents() for path in paths]
    return (
        min(e.x0 for e in extents) - _MARGIN,
        max(e.x1 for e in extents) + _MARGIN,
        min(e.y0 for e in extents) - _MARGIN,
        max(e.y1 for e in extents) + _MARGIN,
    )


def _same_scale(
    bornholm: tuple[float, float, float, float], main: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """Inset limits that draw Bornholm at the main map's scale, centred in the inset's box."""
    _, _, main_width, main_height = _MAIN_BOX
    _, _, inset_width, inset_height = _INSET_BOX
    # The main axes keep equal aspect by shrinking their box: the tighter side sets the scale.
    px_per_unit = min(main_width / (main[1] - main[0]), main_height / (main[3] - main[2]))
    centre_x, centre_y = (bornholm[0] + bornholm[1]) / 2, (bornholm[2] + bornholm[3]) / 2
    half_x, half_y = inset_width / px_per_unit / 2, inset_height / px_per_unit / 2
    return centre_x - half_x, centre_x + half_x, centre_y - half_y, centre_y + half_y


@functools.cache
def _geometry() -> _Geometry:
    raw = json.loads(files("bot.data").joinpath("kommuner.geojson").read_text("utf-8"))
    paths = {
        int(feature["properties"]["code"]): _compound_path(_polygons(feature["geometry"]))
        for feature in raw["features"]
    }
    names = {int(f["properties"]["code"]): str(f["properties"]["name"]) for f in raw["features"]}
    main_limits = _limits(p for code, p in paths.items() if code != BORNHOLM_CODE)
    x0, x1, y0, y1 = _capital_limits()
    capital = frozenset(
        code
        for code, path in paths.items()
        if x0 <= path.get_extents().x0
        and path.get_extents().x1 <= x1
        and y0 <= path.get_extents().y0
        and path.get_extents().y1 <= y1
    )
    near_capital = frozenset(
        code
        for code, path in paths.items()
        if code != BORNHOLM_CODE
        and path.get_extents().x1 > x0
        and path.get_extents().x0 < x1
        and path.get_extents().y1 > y0
        and path.get_extents().y0 < y1
    )
    return _Geometry(
        paths=paths,
        names=names,
        main_limits=main_limits,
        inset_limits=_same_scale(_limits([paths[BORNHOLM_CODE]]), main_limits),
        capital=capital,
        near_capital=near_capital,
    )


def municipality_codes() -> frozenset[int]:
    """The codes the map can draw (the 98 municipalities)."""
    return frozenset(_geometry().paths)


def _draw(axes: Axes, paths: Mapping[int, Path], colours: Mapping[int, str]) -> None:
    from matplotlib.collections import PathCollection

    codes = sorted(paths)
    collection = PathCollection(
        [paths[code] for code in codes],
        facecolors=[colours[code] for code in codes],
        edgecolors=BORDER,
        linewidths=0.5,
    )
    axes.add_collection(collection, autolim=False)


def _frame(axes: Axes, limits: tuple[float, float, float, float], *, visible: bool) -> None:
    x0, x1, y0, y1 = limits
    axes.set_xlim(x0, x1)
    axes.set_ylim(y0, y1)
    axes.set_aspect("equal", adjustable="box")
    axes.set_xticks([])
    axes.set_yticks([])
    for spine in axes.spines.values():
        spine.set_visible(visible)
        spine.set_edgecolor(FRAME)
        spine.set_linewidth(0.8)


def _main_px_per_unit(limits: tuple[float, float, float, float]) -> float:
    _, _, width, height = _MAIN_BOX
    return min(width / (limits[1] - limits[0]), height / (limits[3] - limits[2]))


@functools.cache
def _label_layout() -> tuple[tuple[PlacedLabel, ...], tuple[PlacedLabel, ...]]:
    """The names on the main map and in the enlargement: the same for every picture."""
    from matplotlib.font_manager import FontProperties

    geometry = _geometry()
    renderer = new_figure(100, 100).canvas.get_renderer()  # type: ignore[attr-defined]

    def measure(text: str, size: float) -> tuple[float, float]:
        font = FontProperties(family=FONT, size=size)
        lines = text.split("\n")
        extents = [renderer.get_text_width_height_descent(t, font, ismath=False) for t in lines]
        line_height = max(h for _, h, _ in extents)
        # matplotlib spaces lines 1.2 times the font's line height.
        return max(w for w, _, _ in extents), line_height * (1 + 1.2 * (len(lines) - 1))

    x0, x1, y0, y1 = _capital_limits()
    main_codes = [c for c in geometry.paths if c != BORNHOLM_CODE and c not in geometry.capital]
    main = place_labels(
        geometry.paths,
        geometry.names,
        main_codes,
        limits=geometry.main_limits,
        px_per_unit=_main_px_per_unit(geometry.main_limits),
        sizes=_MAIN_LABEL_SIZES,
        measure=measure,
        keep_free=[(x0, y0, x1, y1)],  # the frame of the enlarged area
    )
    capital = place_labels(
        geometry.paths,
        geometry.names,
        geometry.near_capital,
        limits=(x0, x1, y0, y1),
        px_per_unit=_CAPITAL_WIDTH / (x1 - x0),
        sizes=_CAPITAL_LABEL_SIZES,
        measure=measure,
    )
    return main, capital


def _write_labels(
    axes: Axes, placed: Sequence[PlacedLabel], states: Mapping[int, MapState]
) -> None:
    """The names, white on dark blue and dark elsewhere, as one collection of outlines."""
    outlines_at(
        axes,
        [_outline(label.text, label.size) for label in placed],
        [(label.x, label.y) for label in placed],
        [LABEL_ON_DARK if states[label.code] is MapState.FULL else TEXT for label in placed],
    )


@functools.cache
def _outline(text: str, points: float) -> Path:
    return text_outline(text, points)


def _boxes(placed: Sequence[PlacedLabel], panel: str, transform: PixelTransform) -> list[MapLabel]:
    boxes = []
    for label in placed:
        x0, y0, x1, y1 = label.rect
        left, bottom = transform.to_pixel(x0, y0)
        right, top = transform.to_pixel(x1, y1)
        boxes.append(MapLabel(label.code, label.text, panel, (left, top, right, bottom)))
    return boxes


def _draw_legend(
    figure: Figure, counts: Sequence[str], by_state: Mapping[MapState, int]
) -> tuple[int, int, int, int]:
    """The counts and the colours with how many municipalities have each, in the sea east of
    Zealand; returns the block's box in pixels."""
    from matplotlib.patches import Rectangle

    def at(x: float, y: float) -> tuple[float, float]:
        return x / WIDTH_PX, 1 - y / HEIGHT_PX

    y = _LEGEND_TOP
    for index, line in enumerate(counts):
        figure.text(
            *at(_LEGEND_LEFT, y),
            line,
            fontsize=14 if index == 0 else 11,
            fontweight="bold" if index == 0 else "normal",
            color=TEXT,
            family=FONT,
            parse_math=False,
            va="top",
        )
        y += 26 if index == 0 else 20
    y += 14
    for state in MapState:  # the legend's order
        text = labels.MAP_STATES[state]
        figure.add_artist(
            Rectangle(
                at(_LEGEND_LEFT, y + 14),
                16 / WIDTH_PX,
                14 / HEIGHT_PX,
                facecolor=MAP_COLOURS[state],
                edgecolor=FRAME,
                linewidth=0.5,
                transform=figure.transFigure,
            )
        )
        figure.text(
            *at(_LEGEND_LEFT + 44, y + 7),
            str(by_state.get(state, 0)),
            ha="right",
            va="center",
            fontsize=9.5,
            fontweight="bold",
            color=TEXT,
            family=FONT,
            parse_math=False,
        )
        figure.text(
            *at(_LEGEND_LEFT + 50, y + 7),
            text,
            ha="left",
            va="center",
            fontsize=9.5,
            color=TEXT,
            family=FONT,
            parse_math=False,
        )
        y += 22
    return round(_LEGEND_LEFT), round(_LEGEND_TOP), WIDTH_PX - 6, round(y)


def render_map(states: Sequence[MunicipalityState], *, as_of: date) -> MapPicture:
    """The map as a PNG about 1,000 px wide. Municipalities not in ``states`` are non-members."""
    with RENDER_LOCK:  # the first call parses the GeoJSON, imports matplotlib and places names
        geometry = _geometry()
        main_names, capital_names = _label_layout()
    by_code = {s.code: s for s in states}
    unknown = set(by_code) - set(geometry.paths)
    if unknown:
        raise ValueError(f"not municipalities on the map: {sorted(unknown)}")
    state_of = {
        code: by_code[code].state if code in by_code else MapState.NOT_MEMBER
        for code in geometry.paths
    }
    colours = {code: MAP_COLOURS[state] for code, state in state_of.items()}
    members = [s for s in states if s.state in (MapState.FULL, MapState.FREE_SEATS)]
    seats_held = sum(s.seats_held for s in members)
    seats_total = sum(s.seats_total for s in members)
    pending = sum(1 for s in states if s.state is MapState.PENDING)
    by_state = {state: sum(1 for s in state_of.values() if s is state) for state in MapState}

    with RENDER_LOCK:
        figure = new_figure(WIDTH_PX, HEIGHT_PX)
        figure.text(
            0.02,
            1 - 22 / HEIGHT_PX,
            labels.map_title(as_of),
            fontsize=16,
            fontweight="bold",
            color=TEXT,
            family=FONT,
            parse_math=False,
            va="top",
        )
        counts = labels.map_count_lines(len(members), seats_held, seats_total, pending)
        legend_box = _draw_legend(figure, counts, by_state)

        main = axes_px(figure, *_MAIN_BOX)
        _frame(main, geometry.main_limits, visible=False)
        _draw(main, {c: p for c, p in geometry.paths.items() if c != BORNHOLM_CODE}, colours)
        _write_labels(main, main_names, state_of)
        x0, x1, y0, y1 = _capital_limits()
        main.add_patch(_zoom_frame(x0, x1, y0, y1))

        capital = axes_px(figure, *_capital_box())
        _frame(capital, (x0, x1, y0, y1), visible=True)
        _draw(capital, {c: geometry.paths[c] for c in geometry.near_capital}, colours)
        _write_labels(capital, capital_names, state_of)
        capital.set_title(
            labels.CAPITAL_AREA, fontsize=10, color=MUTED, family=FONT, parse_math=False, pad=4
        )

        inset = axes_px(figure, *_INSET_BOX)
        _frame(inset, geometry.inset_limits, visible=True)
        _draw(inset, {BORNHOLM_CODE: geometry.paths[BORNHOLM_CODE]}, colours)
        inset.set_title(
            labels.BORNHOLM, fontsize=10, color=MUTED, family=FONT, parse_math=False, pad=4
        )
        figure.text(
            0.02,
            10 / HEIGHT_PX,
            labels.DAGI_SOURCE,
            fontsize=9,
            color=MUTED,
            family=FONT,
            parse_math=False,
            va="bottom",
        )
        png = to_png(figure)
        main_px = pixel_transform(main, png.height)
        inset_px = pixel_transform(inset, png.height)
        capital_px = pixel_transform(capital, png.height)

    return MapPicture(
        png=png.data,
        width=png.width,
        height=png.height,
        main=main_px,
        inset=inset_px,
        members=len(members),
        seats_held=seats_held,
        seats_total=seats_total,
        pending=pending,
        capital=capital_px,
        labels=(
            *_boxes(main_names, "main", main_px),
            *_boxes(capital_names, "capital", capital_px),
        ),
        legend_box=legend_box,
    )


def _zoom_frame(x0: float, x1: float, y0: float, y1: float) -> Rectangle:
    """The outline on the main map of the area the enlargement shows."""
    from matplotlib.patches import Rectangle

    return Rectangle(
        (x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor=FRAME, linewidth=0.8, zorder=3
    )
