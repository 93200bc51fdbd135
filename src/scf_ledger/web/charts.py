"""Bar charts as inline SVG, drawn on the server: no script and no CDN, so the page works offline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from scf_ledger.domain.money import format_units

WIDTH, HEIGHT, TOP, BOTTOM = 640, 220, 20, 40


@dataclass(frozen=True)
class Bar:
    label: str
    amount: int  # base units
    tone: str = "ok"  # ok, warn, bad


def whole_units(amount: int) -> str:
    """Base units as whole sUSD, grouped: a bar's label."""
    return format_units(amount // 10**6 * 10**6)[:-7]


def bar_chart(
    title: str,
    bars: list[Bar],
    chart_id: str,
    show: Callable[[int], str] = format_units,
    label: Callable[[int], str] = whole_units,
) -> str:
    """One bar per item, scaled to the largest; each bar carries its exact amount as data-amount, `show`n in
    its tooltip and `label`led above it (sUSD unless told)."""
    peak = max((b.amount for b in bars), default=0) or 1
    slot = WIDTH // max(len(bars), 1)
    plot = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg id="{chart_id}" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="chart"><title>{escape(title)}</title>'
    ]
    for i, bar in enumerate(bars):
        height = bar.amount * plot // peak
        x = i * slot + slot // 6
        y = TOP + plot - height
        name = escape(bar.label)
        parts.append(
            f'<g class="bar {bar.tone}" data-label="{name}" data-amount="{bar.amount}">'
            f'<rect x="{x}" y="{y}" width="{slot * 2 // 3}" height="{max(height, 1)}"><title>{name}: '
            f"{show(bar.amount)}</title></rect>"
            f'<text x="{x + slot // 3}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{name}</text>'
            f'<text x="{x + slot // 3}" y="{max(y - 4, 12)}" text-anchor="middle" class="value">'
            f"{label(bar.amount)}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)
