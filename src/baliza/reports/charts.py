"""The report's charts as inline SVG, drawn from plain numbers (no JavaScript, no external files).

Each chart comes with the rows of the data table printed under it, so the numbers are readable
without the picture (screen readers, printouts in black and white).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from markupsafe import Markup, escape

from baliza.core.i18n import _, number

# Bucket sizes (minutes) the volume chart may use: the smallest that keeps it to MAX_BUCKETS bars.
BUCKET_SIZES = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)
MAX_BUCKETS = 60
WIDTH = 760
HEIGHT = 300
COLOURS = {
    "total": "#5b8cc9",
    "negative": "#b3261e",
    "band": "#c9d8ea",
    "expected": "#35557e",
    "marker": "#444444",
    "over": "#c2571a",
    "ok": "#2e7d5b",
    "grid": "#d6d6d6",
    "text": "#1f1f1f",
}


@dataclass(frozen=True)
class Bucket:
    """Mentions in one bar of the volume chart."""

    start: datetime
    total: int
    negative: int
    low: float | None = None
    expected: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Marker:
    """A moment drawn as a vertical line (the alert, the acknowledgement…)."""

    at: datetime
    label: str


@dataclass(frozen=True)
class Bar:
    """One horizontal bar of the response-time chart; ``target`` in minutes."""

    label: str
    minutes: float | None
    target: float | None
    value_text: str


def bucket_size(minutes: int) -> int:
    """The smallest bucket (in minutes) that draws ``minutes`` in at most MAX_BUCKETS bars."""
    for size in BUCKET_SIZES:
        if math.ceil(minutes / size) <= MAX_BUCKETS:
            return size
    return math.ceil(minutes / MAX_BUCKETS)


def buckets(
    counts: Sequence[tuple[datetime, int, int]], size: int, mean: float | None, sd: float | None
) -> list[Bucket]:
    """Per-minute (minute, total, negative) summed into buckets of ``size`` minutes, with the expected band.

    The band is the baseline's mean ± 2 standard deviations per minute, scaled to the bucket
    (sums of ``size`` independent minutes: mean × size, sd × √size).
    """
    out: list[Bucket] = []
    for i in range(0, len(counts), size):
        chunk = counts[i : i + size]
        n = len(chunk)
        if mean is None or sd is None:
            low = expected = high = None
        else:
            expected = mean * n
            spread = 2 * sd * math.sqrt(n)
            low, high = max(0.0, expected - spread), expected + spread
        out.append(Bucket(chunk[0][0], sum(c[1] for c in chunk), sum(c[2] for c in chunk), low, expected, high))
    return out


def nice_ceiling(value: float) -> float:
    """The next 1, 2, 2.5 or 5 × 10ⁿ at or above ``value`` (axis tops people can read)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power + 1e-9:
            return step * power
    return 10.0 * power


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, content: str, *, anchor: str = "start", size: int = 11, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return (
        f'<text x="{_fmt(x)}" y="{_fmt(y)}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{COLOURS["text"]}"{extra}>{escape(content)}</text>'
    )


def _open(description: str, height: int = HEIGHT) -> list[str]:
    label = escape(description)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-label="{label}" font-family="system-ui, sans-serif">',
        f"<title>{label}</title>",
    ]


def _clock(moment: datetime, tz: tzinfo, multi_day: bool) -> str:
    local = moment.astimezone(tz)
    return local.strftime("%d/%m %H:%M" if multi_day else "%H:%M")


def volume_svg(data: Sequence[Bucket], size: int, markers: Sequence[Marker], tz: tzinfo, description: str) -> Markup:
    """Bars of all mentions with the negative part over them, the expected band behind, moments as lines."""
    left, right, top, bottom = 52, 16, 46, 40
    plot_w, plot_h = WIDTH - left - right, HEIGHT - top - bottom
    parts = _open(description)
    if not data:
        parts.append(_text(WIDTH / 2, HEIGHT / 2, _("No mentions in this period."), anchor="middle", size=13))
        parts.append("</svg>")
        return Markup("".join(parts))
    highest = max(max(b.total for b in data), max((b.high or 0.0) for b in data))
    y_max = nice_ceiling(highest)
    step_w = plot_w / len(data)
    start = data[0].start
    span = timedelta(minutes=size * len(data))

    def x_at(moment: datetime) -> float:
        return left + plot_w * ((moment - start) / span)

    def y_at(value: float) -> float:
        return top + plot_h * (1 - value / y_max)

    for k in range(5):
        value = y_max * k / 4
        y = y_at(value)
        parts.append(
            f'<line x1="{left}" y1="{_fmt(y)}" x2="{WIDTH - right}" y2="{_fmt(y)}" stroke="{COLOURS["grid"]}"/>'
        )
        parts.append(_text(left - 6, y + 4, number(value, 0 if value == int(value) else 1), anchor="end"))
    if all(b.low is not None and b.high is not None for b in data):
        upper = [(left + step_w * i, y_at(b.high or 0.0)) for i, b in enumerate(data)]
        upper.append((left + plot_w, upper[-1][1]))
        lower = [(left + step_w * i, y_at(b.low or 0.0)) for i, b in enumerate(data)]
        lower.append((left + plot_w, lower[-1][1]))
        points = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in [*upper, *reversed(lower)])
        parts.append(f'<polygon points="{points}" fill="{COLOURS["band"]}" stroke="none"/>')
    bar_w = max(step_w * 0.8, 1.0)
    for i, b in enumerate(data):
        x = left + step_w * i + (step_w - bar_w) / 2
        if b.total:
            parts.append(
                f'<rect x="{_fmt(x)}" y="{_fmt(y_at(b.total))}" width="{_fmt(bar_w)}" '
                f'height="{_fmt(plot_h * b.total / y_max)}" fill="{COLOURS["total"]}"/>'
            )
        if b.negative:
            parts.append(
                f'<rect x="{_fmt(x)}" y="{_fmt(y_at(b.negative))}" width="{_fmt(bar_w)}" '
                f'height="{_fmt(plot_h * b.negative / y_max)}" fill="{COLOURS["negative"]}"/>'
            )
    if all(b.expected is not None for b in data):
        line = " ".join(
            f"{_fmt(left + step_w * (i + 0.5))},{_fmt(y_at(b.expected or 0.0))}" for i, b in enumerate(data)
        )
        parts.append(
            f'<polyline points="{line}" fill="none" stroke="{COLOURS["expected"]}" stroke-width="1.5" '
            'stroke-dasharray="5 3"/>'
        )
    end = start + span
    shown = [m for m in markers if start <= m.at <= end]
    for k, marker in enumerate(shown):
        x = x_at(marker.at)
        parts.append(
            f'<line x1="{_fmt(x)}" y1="{top - 4}" x2="{_fmt(x)}" y2="{top + plot_h}" '
            f'stroke="{COLOURS["marker"]}" stroke-dasharray="2 2"/>'
        )
        anchor = "end" if x > left + plot_w * 0.75 else "start"
        parts.append(_text(x + (-3 if anchor == "end" else 3), top + 8 + 11 * (k % 3), marker.label, anchor=anchor,
                           size=10))  # fmt: skip
    multi_day = span > timedelta(hours=20)
    ticks = max(1, math.ceil(len(data) / 6))
    for i in range(0, len(data), ticks):
        x = left + step_w * i
        parts.append(_text(x, HEIGHT - bottom + 16, _clock(data[i].start, tz, multi_day), anchor="middle", size=10))
    parts.append(_legend([
        (COLOURS["total"], _("All mentions")),
        (COLOURS["negative"], _("Negative")),
        (COLOURS["band"], _("Expected range")),
    ], left))  # fmt: skip
    parts.append(_text(left, HEIGHT - 6, _("Mentions per {minutes} min").format(minutes=number(size, 0)), size=10))
    parts.append("</svg>")
    return Markup("".join(parts))


def _legend(items: Sequence[tuple[str, str]], left: float) -> str:
    out = []
    x = left
    for colour, label in items:
        out.append(f'<rect x="{_fmt(x)}" y="8" width="12" height="12" fill="{colour}" stroke="#999999"/>')
        out.append(_text(x + 16, 18, label))
        x += 24 + 7 * len(label)
    return "".join(out)


def response_svg(bars: Sequence[Bar], sla_minutes: int, description: str) -> Markup:
    """One horizontal bar per response time, orange past its target; the SLA as a dashed line."""
    # room for the longest label (about 6.5 px a character at 11 px), within reason
    label_w = min(max([len(b.label) for b in bars] or [0]) * 6.5 + 16, 360)
    right, top, row_h = 70, 16, 34
    height = top + row_h * len(bars) + 36
    plot_w = WIDTH - label_w - right
    parts = _open(description, height)
    values = [b.minutes for b in bars if b.minutes is not None]
    x_max = nice_ceiling(max([*values, float(sla_minutes)]))

    def x_at(value: float) -> float:
        return label_w + plot_w * value / x_max

    for i, bar in enumerate(bars):
        y = top + row_h * i
        parts.append(_text(label_w - 8, y + row_h / 2 + 4, bar.label, anchor="end"))
        if bar.minutes is None:
            parts.append(_text(label_w + 4, y + row_h / 2 + 4, bar.value_text, font_style="italic"))
            continue
        over = bar.target is not None and bar.minutes > bar.target
        width = max(plot_w * bar.minutes / x_max, 1.5)
        colour = COLOURS["over"] if over else COLOURS["ok"]
        parts.append(
            f'<rect x="{_fmt(label_w)}" y="{_fmt(y + 7)}" width="{_fmt(width)}" height="{row_h - 14}" fill="{colour}"/>'
        )
        parts.append(_text(label_w + width + 4, y + row_h / 2 + 4, bar.value_text))
    sla_x = x_at(sla_minutes)
    bottom_y = top + row_h * len(bars)
    parts.append(
        f'<line x1="{_fmt(sla_x)}" y1="{top - 4}" x2="{_fmt(sla_x)}" y2="{bottom_y + 4}" '
        f'stroke="{COLOURS["marker"]}" stroke-dasharray="4 3"/>'
    )
    parts.append(
        _text(sla_x, bottom_y + 18, _("SLA {minutes} min").format(minutes=number(sla_minutes, 0)), anchor="middle")
    )
    parts.append(
        f'<line x1="{_fmt(label_w)}" y1="{top - 4}" x2="{_fmt(label_w)}" y2="{bottom_y}" stroke="{COLOURS["grid"]}"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


__all__ = [
    "BUCKET_SIZES",
    "MAX_BUCKETS",
    "Bar",
    "Bucket",
    "Marker",
    "bucket_size",
    "buckets",
    "nice_ceiling",
    "response_svg",
    "volume_svg",
]
