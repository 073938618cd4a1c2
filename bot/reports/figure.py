"""What the pictures share: a headless canvas, PNG bytes, and the way back from data to pixels.

matplotlib (and with it numpy and Pillow) is imported by the first picture, never at start: the bot
stays at its start-up RSS until someone asks for a picture.
"""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

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
