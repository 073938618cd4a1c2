"""What the pictures share: a headless canvas, PNG bytes, and the way back from data to pixels.

matplotlib (and with it numpy and Pillow) is imported by the first picture, never at start: the bot
stays at its start-up RSS until someone asks for a picture.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.path import Path

DPI = 100
WIDTH_PX = 1000
FONT = "DejaVu Sans"  # ships with matplotlib, has æ, ø, å and the symbols used
# Every text is drawn with parse_math=False: names and themes are data, and a "$" in one would
# otherwise be read as mathtext (and an odd number of them fails the whole picture).

# matplotlib's global state (font cache, text layout cache) is not meant for concurrent use, and
# on two cores rendering in parallel gains nothing: one picture at a time.
RENDER_LOCK = threading.Lock()

TEXT = "#222222"
MUTED = "#666666"
ALERT = "#b2182b"


@dataclass(frozen=True, slots=True)
class PixelTransform:
    """From one axes' data coordinates to (column, row) of the PNG, as the renderer drew it.

    ``matrix`` is matplotlib's affine data-to-display transform (a, b, c, d, e, f) taken after the
    picture was drawn; display y grows upwards, image rows downwards.
    """

    matrix: tuple[float, float, float, float, float, float]
    image_height: int

    def to_pixel(self, x: float, y: float) -> tuple[int, int]:
        a, b, c, d, e, f = self.matrix
        display_x = a * x + c * y + e
        display_y = b * x + d * y + f
        return math.floor(display_x), math.floor(self.image_height - display_y)


@dataclass(frozen=True, slots=True)
class Png:
    data: bytes
    width: int
    height: int


def new_figure(width_px: int, height_px: int) -> Figure:
    """A figure on an Agg canvas, exactly width_px × height_px (no pyplot, no global figure list)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    return figure


def axes_px(figure: Figure, left: float, top: float, width: float, height: float) -> Axes:
    """Axes placed in pixels from the figure's top-left corner, so layouts read like the PNG."""
    fig_width, fig_height = figure.bbox.width, figure.bbox.height
    return figure.add_axes(
        (left / fig_width, 1 - (top + height) / fig_height, width / fig_width, height / fig_height)
    )


def to_png(figure: Figure) -> Png:
    """Draw and encode. Transforms read after this are the ones the PNG shows."""
    buffer = io.BytesIO()
    # No bbox_inches="tight": it would crop the canvas and move every pixel the transforms name.
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    width, height = (round(v) for v in figure.bbox.size)
    return Png(buffer.getvalue(), width, height)


def pixel_transform(axes: Axes, image_height: int) -> PixelTransform:
    a, c, e, b, d, f = (float(v) for v in axes.transData.get_affine().get_matrix()[:2].ravel())
    return PixelTransform((a, b, c, d, e, f), image_height)


def text_outline(text: str, points: float, *, bold: bool = False) -> Path:
    """A text's glyph outlines in pixels, centred on (0, 0); lines centred under each other.

    Many short texts (the numbers in the themes cells, the map's names) drawn as one collection of
    outlines cost one draw; as separate texts each pays matplotlib's text layout.
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.path import Path
    from matplotlib.textpath import TextPath
    from matplotlib.transforms import Affine2D

    font = FontProperties(family=FONT, weight="bold" if bold else "normal")
    size_px = points * DPI / 72
    line_px = size_px * 1.2 * 1.17  # matplotlib's spacing: 1.2 lines of DejaVu's height
    lines = []
    for index, line in enumerate(text.split("\n")):
        outline = TextPath((0, 0), line, size=size_px, prop=font)
        extent = outline.get_extents()
        shift = Affine2D().translate(-(extent.x0 + extent.x1) / 2, -index * line_px)
        lines.append(outline.transformed(shift))
    whole = Path.make_compound_path(*lines)
    extent = whole.get_extents()
    # Whole pixels, so equal texts in equal places give equal pixels.
    centre = Affine2D().translate(
        -round((extent.x0 + extent.x1) / 2), -round((extent.y0 + extent.y1) / 2)
    )
    return whole.transformed(centre)


def outlines_at(
    axes: Axes,
    outlines: Sequence[Path],
    at: Sequence[tuple[float, float]],
    colours: Sequence[str],
) -> None:
    """Outlines (from ``text_outline``) centred on data points of ``axes``, as one collection."""
    from matplotlib.collections import PathCollection
    from matplotlib.transforms import IdentityTransform

    if not outlines:
        return
    axes.add_collection(
        PathCollection(
            list(outlines),
            offsets=list(at),
            offset_transform=axes.transData,
            transform=IdentityTransform(),  # the outlines are in pixels already
            facecolors=list(colours),
            edgecolors="none",
            zorder=3,
        ),
        autolim=False,
    )
