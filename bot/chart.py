"""The digest's chart: stories per day per topic over the last four weeks, as a PNG.

Drawn with matplotlib's object API on the Agg canvas: no pyplot, no display, no global state,
so it is safe in a worker thread and on a server without a screen.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.alerts import TOPIC_LABELS

CHART_DAYS = 28
# Fixed per topic, so that a topic keeps its look from one week's chart to the next. Topics
# often have the same count on a day (a story can have two): wider lines under narrower ones,
# with different markers, keep each line visible where they overlap.
STYLES: dict[str, dict[str, object]] = {
    "treaty": {"color": "#1f77b4", "linewidth": 4.0, "marker": "o", "markersize": 7},
    "troops": {"color": "#d62728", "linewidth": 2.2, "marker": "s", "markersize": 4.5},
    "kcna": {"color": "#2ca02c", "linewidth": 1.0, "marker": "^", "markersize": 3},
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True, slots=True)
class ChartData:
    days: tuple[date, ...]  # local dates in the digest's time zone
    series: dict[str, tuple[int, ...]]  # topic -> stories first reported on each day
    highlight: tuple[date, date] | None = None  # the digest's week, first and last day
    title: str = ""


@dataclass(frozen=True, slots=True)
class Chart:
    path: Path
    lines: tuple[str, ...]  # labels of the lines on the figure, read back after drawing


def chart_data(
    stories: Iterable[tuple[datetime, Sequence[str]]],
    first_day: date,
    zone: ZoneInfo,
    topics: Sequence[str],
    *,
    days: int = CHART_DAYS,
    highlight: tuple[date, date] | None = None,
    title: str = "",
) -> ChartData:
    """Count stories per local day and topic; a story with two topics counts in both."""
    span = tuple(first_day + timedelta(days=n) for n in range(days))
    index = {day: n for n, day in enumerate(span)}
    counts = {topic: [0] * days for topic in topics}
    for first_published, story_topics in stories:
        n = index.get(first_published.astimezone(zone).date())
        if n is None:
            continue
        for topic in story_topics:
            if topic in counts:
                counts[topic][n] += 1
    return ChartData(span, {t: tuple(c) for t, c in counts.items()}, highlight, title)


def draw_chart(data: ChartData, path: Path) -> Chart:
    """Write the PNG (atomically: a sender never uploads half a file) and return what the
    figure holds."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import MO, DateFormatter, WeekdayLocator, date2num
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8, 3.6), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for topic, counts in data.series.items():
        axes.plot(data.days, counts, label=TOPIC_LABELS.get(topic, topic),
                  **STYLES.get(topic, {"marker": "o", "markersize": 3}))  # type: ignore[arg-type]
    if data.highlight is not None:
        # A span is a patch, not a line: the figure's lines stay one per topic.
        first, last = data.highlight
        axes.axvspan(date2num(first) - 0.5, date2num(last) + 0.5, color="#999999", alpha=0.15,
                     linewidth=0)
    axes.set_title(data.title, fontsize=10)
    axes.set_ylabel("stories")
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.xaxis.set_major_locator(WeekdayLocator(byweekday=MO))  # weeks start on Monday
    axes.xaxis.set_major_formatter(DateFormatter("%d %b"))
    axes.grid(axis="y", alpha=0.3)
    if data.series:
        axes.legend(loc="best", fontsize=8, frameon=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    figure.savefig(partial, format="png")
    os.replace(partial, path)
    return Chart(path, tuple(str(line.get_label()) for line in axes.get_lines()))
