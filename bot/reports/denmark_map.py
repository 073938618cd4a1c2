"""``overblik kort``: Denmark's 98 municipalities coloured by how each stands in the network.

Geometry: ``bot/data/kommuner.geojson`` (DAGI 2014, simplified; WGS84 lon/lat), parsed and
projected once per process on first use. Projection: equirectangular, x = lon · cos(56°), y = lat,
which keeps Denmark's shapes true enough at this scale. Bornholm (400) lies far east of the rest and
gets its own inset at the same scale, so the main map can use the width for Jutland and the isles.
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

from bot.reports import labels
from bot.reports.figure import (
    FONT,
    MUTED,
    RENDER_LOCK,
    TEXT,
    WIDTH_PX,
    PixelTransform,
    axes_px,
    new_figure,
    pixel_transform,
    to_png,
)
from bot.reports.inputs import MapState, MunicipalityState

if TYPE_CHECKING:
    from matplotlib.axes import Axes
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
_MAIN_BOX = (10.0, 92.0, 730.0, 870.0)  # left, top, width, height in pixels
_INSET_BOX = (810.0, 820.0, 130.0, 130.0)
_MARGIN = 0.04  # projected units around the geometry


def project(lon: float, lat: float) -> tuple[float, float]:
    """The map's projection: equirectangular, scaled by cos(56°) so a degree east is shorter."""
    return lon * COS_56, lat


@dataclass(frozen=True, slots=True)
class _Geometry:
    paths: Mapping[int, Path]
    main_limits: tuple[float, float, float, float]  # x0, x1, y0, y1 without Bornholm
    inset_limits: tuple[float, float, float, float]


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

    def pixel_at(self, lon: float, lat: float) -> tuple[int, int]:
        """Where a point is drawn: in the inset east of 14.5° (Bornholm), else on the main map."""
        x, y = project(lon, lat)
        return (self.inset if lon > 14.5 else self.main).to_pixel(x, y)


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
    main_limits = _limits(p for code, p in paths.items() if code != BORNHOLM_CODE)
    return _Geometry(
        paths=paths,
        main_limits=main_limits,
        inset_limits=_same_scale(_limits([paths[BORNHOLM_CODE]]), main_limits),
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


def render_map(states: Sequence[MunicipalityState], *, as_of: date) -> MapPicture:
    """The map as a PNG about 1,000 px wide. Municipalities not in ``states`` are non-members."""
    with RENDER_LOCK:  # the first call parses the GeoJSON and imports matplotlib: once
        geometry = _geometry()
    by_code = {s.code: s for s in states}
    unknown = set(by_code) - set(geometry.paths)
    if unknown:
        raise ValueError(f"not municipalities on the map: {sorted(unknown)}")
    colours = {
        code: MAP_COLOURS[by_code[code].state if code in by_code else MapState.NOT_MEMBER]
        for code in geometry.paths
    }
    members = [s for s in states if s.state in (MapState.FULL, MapState.FREE_SEATS)]
    seats_held = sum(s.seats_held for s in members)
    seats_total = sum(s.seats_total for s in members)
    pending = sum(1 for s in states if s.state is MapState.PENDING)

    with RENDER_LOCK:
        from matplotlib.patches import Patch

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
        counts = labels.map_counts(len(members), seats_held, seats_total, pending)
        figure.text(
            0.02,
            1 - 56 / HEIGHT_PX,
            counts,
            fontsize=12.5,
            color=TEXT,
            family=FONT,
            parse_math=False,
            va="top",
        )

        main = axes_px(figure, *_MAIN_BOX)
        _frame(main, geometry.main_limits, visible=False)
        _draw(main, {c: p for c, p in geometry.paths.items() if c != BORNHOLM_CODE}, colours)

        inset = axes_px(figure, *_INSET_BOX)
        _frame(inset, geometry.inset_limits, visible=True)
        _draw(inset, {BORNHOLM_CODE: geometry.paths[BORNHOLM_CODE]}, colours)
        inset.set_title(
            labels.BORNHOLM, fontsize=10, color=MUTED, family=FONT, parse_math=False, pad=4
        )

        handles = [
            Patch(facecolor=MAP_COLOURS[state], edgecolor=FRAME, linewidth=0.5, label=text)
            for state, text in labels.MAP_STATES.items()
        ]
        figure.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.70, 1 - 100 / HEIGHT_PX),
            frameon=False,
            handlelength=1.6,
            handleheight=1.2,
            prop={"family": FONT, "size": 11},
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
    )
