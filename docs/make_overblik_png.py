"""Draws ``docs/overblik.png``, the small map in the README, from sample data.

The network is made up, not anyone's real membership: 34 member municipalities (from every
region) with 71 of their 102 seats filled, and two municipalities whose first registration waits
for approval. The picture is the one ``/klimanet overblik`` sends, scaled down for the README.

    uv run python docs/make_overblik_png.py
"""

from __future__ import annotations

import io
import random
from datetime import date
from pathlib import Path

from PIL import Image

from bot.domain.municipalities import default_directory
from bot.reports import MapState, MunicipalityState, render_map

WIDTH_PX = 640
OUT = Path(__file__).with_name("overblik.png")


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


def main() -> None:
    picture = render_map(sample(), as_of=date(2026, 11, 27))
    assert (picture.members, picture.seats_held, picture.seats_total) == (34, 71, 102)
    image = Image.open(io.BytesIO(picture.png)).convert("RGB")
    small = image.resize((WIDTH_PX, round(image.height * WIDTH_PX / image.width)), Image.LANCZOS)
    small.save(OUT, optimize=True)
    print(f"{OUT}: {OUT.stat().st_size / 1024:.0f} kB")


if __name__ == "__main__":
    main()
