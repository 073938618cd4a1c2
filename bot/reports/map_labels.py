"""Where the map's municipality names go: inside their municipality, or not at all.

A name is placed only where its whole box (the text and a small margin) lies inside the
municipality's own outline, inside the panel and clear of every other name and of the areas kept
free; a name that fits nowhere is left out rather than drawn over its neighbours. Among the places
that fit, the one nearest the middle of them all wins, so a name sits centred in the room it has.

The layout depends on the geometry and the panel's scale only, not on the data, so it is computed
once per process and panel.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.path import Path

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 in data units

_PAD_PX = 2.5  # clear space around a name, inside its municipality (and off its border)
_CANDIDATES = 19  # per side of the grid of centres tried in a municipality
_SAMPLE_PX = 4.0  # spacing of the points checked along a box's edges


@dataclass(frozen=True, slots=True)
class PlacedLabel:
    code: int
    text: str  # one line, or two at a hyphen
    size: float  # points
    x: float  # the box's centre, in data units
    y: float
    half_width: float  # of the text's box, without the margin, in data units
    half_height: float

    @property
    def rect(self) -> Rect:
        return (
            self.x - self.half_width,
            self.y - self.half_height,
            self.x + self.half_width,
            self.y + self.half_height,
        )


def _overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _wrapped(name: str) -> list[str]:
    """The name on one line, then (for a long one with a hyphen or space) on two."""
    options = [name]
    for separator in ("-", " "):
        if separator in name and len(name) > 9:
            head, _, tail = name.partition(separator)
            options.append(f"{head}{separator if separator == '-' else ''}\n{tail}")
            break
    return options


def _offsets(half_w: float, half_h: float, step: float) -> list[tuple[float, float]]:
    """Points on the box's edges (and its middle), at most ``step`` apart."""
    across = max(2, math.ceil(2 * half_w / step))
    down = max(2, math.ceil(2 * half_h / step))
    xs = [-half_w + 2 * half_w * i / across for i in range(across + 1)]
    ys = [-half_h + 2 * half_h * i / down for i in range(down + 1)]
    points = [(x, -half_h) for x in xs] + [(x, half_h) for x in xs]
    points += [(-half_w, y) for y in ys[1:-1]] + [(half_w, y) for y in ys[1:-1]]
    points.append((0.0, 0.0))
    return points


def _best_centre(
    path: Path,
    bounds: Rect,
    half_w: float,
    half_h: float,
    step: float,
    taken: Sequence[Rect],
) -> tuple[float, float] | None:
    import numpy as np

    x0, y0, x1, y1 = bounds
    if x1 - x0 < 2 * half_w or y1 - y0 < 2 * half_h:
        return None
    xs = np.linspace(x0 + half_w, x1 - half_w, _CANDIDATES)
    ys = np.linspace(y0 + half_h, y1 - half_h, _CANDIDATES)
    centres = np.array([(x, y) for x in xs for y in ys])
    # First the centres themselves (cheap), then every edge point of the boxes that remain.
    centres = centres[path.contains_points(centres)]
    if len(centres) == 0:
        return None
    offsets = np.array(_offsets(half_w, half_h, step))
    points = (centres[:, None, :] + offsets[None, :, :]).reshape(-1, 2)
    inside = path.contains_points(points).reshape(len(centres), len(offsets))
    fits: list[bool] = [bool(row.all()) for row in inside]
    fitting = [
        (float(x), float(y))
        for (x, y), ok in zip(centres, fits, strict=True)
        if ok
        and not any(
            _overlaps((x - half_w, y - half_h, x + half_w, y + half_h), other) for other in taken
        )
    ]
    if not fitting:
        return None
    mid_x = sum(x for x, _ in fitting) / len(fitting)
    mid_y = sum(y for _, y in fitting) / len(fitting)
    return min(fitting, key=lambda p: (p[0] - mid_x) ** 2 + (p[1] - mid_y) ** 2)


def place_labels(
    paths: Mapping[int, Path],
    names: Mapping[int, str],
    codes: Iterable[int],
    *,
    limits: Rect,
    px_per_unit: float,
    sizes: Sequence[float],
    measure: Callable[[str, float], tuple[float, float]],
    keep_free: Sequence[Rect] = (),
) -> tuple[PlacedLabel, ...]:
    """Names for ``codes`` where they fit, at the first of ``sizes`` (points) that does;
    ``measure`` gives a text's (width, height) in pixels at a size.

    The largest municipalities are placed first: they have the most room, and the names a reader
    looks for first. ``keep_free`` are areas (data units) no name may cover.
    """
    lx0, lx1, ly0, ly1 = limits
    placed: list[PlacedLabel] = []
    taken: list[Rect] = list(keep_free)

    def area(code: int) -> float:
        extent = paths[code].get_extents()
        return float(extent.width * extent.height)

    for code in sorted(codes, key=area, reverse=True):
        extent = paths[code].get_extents()
        bounds = (
            max(float(extent.x0), lx0),
            max(float(extent.y0), ly0),
            min(float(extent.x1), lx1),
            min(float(extent.y1), ly1),
        )
        label = _first_fit(
            paths[code], bounds, names[code], sizes, measure, px_per_unit, taken, code=code
        )
        if label is not None:
            placed.append(label)
            taken.append(label.rect)
    return tuple(placed)


def _first_fit(
    path: Path,
    bounds: Rect,
    name: str,
    sizes: Sequence[float],
    measure: Callable[[str, float], tuple[float, float]],
    px_per_unit: float,
    taken: Sequence[Rect],
    *,
    code: int,
) -> PlacedLabel | None:
    pad = _PAD_PX / px_per_unit
    step = _SAMPLE_PX / px_per_unit
    for size in sizes:
        for text in _wrapped(name):
            width, height = measure(text, size)
            half_w, half_h = width / 2 / px_per_unit, height / 2 / px_per_unit
            centre = _best_centre(path, bounds, half_w + pad, half_h + pad, step, taken)
            if centre is not None:
                return PlacedLabel(code, text, size, centre[0], centre[1], half_w, half_h)
    return None
