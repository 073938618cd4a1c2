"""Pictures in Teams: a PNG (the ``overblik`` map, the heatmap, the themes, a poll's results)
is shown inline in a card's ``Image`` element, which Teams fetches from the file's signed link.
Teams shows such a picture only up to 1024×1024 pixels and 1 MB, so the picture is fitted
before it is kept: scaled down keeping its aspect ratio, re-encoded optimised, and if still too
big, reduced to a palette and then scaled down further until it fits.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

from bot.replies import Attachment

if TYPE_CHECKING:
    from PIL.Image import Image

MAX_SIDE = 1024
MAX_BYTES = 1_000_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Each further step scales down by this much; a few steps fit anything a chart can be.
STEP = 0.75

log = logging.getLogger(__name__)


def is_picture(attachment: Attachment) -> bool:
    """A PNG, by its name and its content (anything else stays a file behind a link)."""
    return attachment.filename.lower().endswith(".png") and attachment.content.startswith(
        PNG_SIGNATURE
    )


def fitted(attachment: Attachment) -> Attachment:
    """The picture within Teams' limits (the same one if it already is)."""
    if not is_picture(attachment):
        return attachment
    try:
        content = fit_png(attachment.content)
    except (OSError, ValueError) as error:  # not a picture Pillow can read: sent as it came
        log.warning("could not fit a picture for Teams: %s", error)
        return attachment
    if content == attachment.content:
        return attachment
    return Attachment(attachment.filename, content, attachment.title, attachment.comment)


def fit_png(content: bytes) -> bytes:
    """A PNG at most ``MAX_SIDE`` pixels on each side and at most ``MAX_BYTES`` long."""
    # Lazily: Pillow is heavy, and only a picture for Teams needs it.
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(content)) as opened:
        if max(opened.size) <= MAX_SIDE and len(content) <= MAX_BYTES:
            return content
        image = opened.copy()
    image.thumbnail((MAX_SIDE, MAX_SIDE), PILImage.Resampling.LANCZOS)
    encoded = _png(image)
    if len(encoded) > MAX_BYTES and image.mode not in ("P", "L", "1"):
        # A chart has few colours: a palette keeps it sharp at a fraction of the size.
        image = image.convert("RGBA").quantize(256)
        encoded = _png(image)
    while len(encoded) > MAX_BYTES and min(image.size) > 1:
        width, height = image.size
        smaller = (max(1, int(width * STEP)), max(1, int(height * STEP)))
        # A palette picture is scaled without mixing colours (it has no others to mix to).
        palette = image.mode == "P"
        resample = PILImage.Resampling.NEAREST if palette else PILImage.Resampling.LANCZOS
        image = image.resize(smaller, resample)
        encoded = _png(image)
    return encoded


def _png(image: Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
