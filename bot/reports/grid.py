"""Row layout shared by the heatmap and the themes matrix: members grouped by region, one row each.

Regions come in the order they first appear in the input, members within a region in input order:
the caller already sorts municipalities (by region, then Danish alphabet) for its selects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ROW_PX = 13.0  # 8-point names on 13-pixel rows: 98 members and 5 region heads stay legible


@dataclass(frozen=True, slots=True)
class GridRow:
    """A row of the grid: either a region's heading (code is None) or a member municipality."""

    label: str
    code: int | None


def group_by_region(members: Sequence[tuple[int, str, str]]) -> list[GridRow]:
    """(code, name, region) triples → region headings followed by their members."""
    regions: dict[str, list[tuple[int, str]]] = {}
    seen: set[int] = set()
    for code, name, region in members:
        if code in seen:
            raise ValueError(f"municipality {code} appears twice")
        seen.add(code)
        regions.setdefault(region, []).append((code, name))
    rows: list[GridRow] = []
    for region, entries in regions.items():
        rows.append(GridRow(region, None))
        rows.extend(GridRow(name, code) for code, name in entries)
    return rows
