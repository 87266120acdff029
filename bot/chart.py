"""The digest's chart: stories per day per topic over the last four weeks, as a PNG.

One group of bars per day, one bar per topic in it (a story with two topics counts in both,
so bars are side by side, never stacked), whole-number ticks, a tick for each Monday, and
the digest's own week shaded and labelled with its ISO week. Drawn with matplotlib's object
API on the Agg canvas: no pyplot, no display, no global state, so it is safe in a worker
thread and on a server without a screen.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.alerts import TOPIC_LABELS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CHART_DAYS = 28
# Fixed per topic, so that a topic keeps its look from one week's chart to the next;
# colour-blind-safe (Okabe–Ito).
COLORS = {"treaty": "#0072B2", "troops": "#D55E00", "kcna": "#009E73"}
GROUP_WIDTH = 0.8  # of a day: the gap between days separates the groups
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True, slots=True)
class ChartData:
    days: tuple[date, ...]  # local dates in the digest's time zone
    series: dict[str, tuple[int, ...]]  # topic -> stories first reported on each day
    highlight: tuple[date, date] | None = None  # the digest's week, first and last day
    title: str = ""
    highlight_label: str = ""  # "2025-W17"

    @property
    def empty(self) -> bool:
        return not any(any(counts) for counts in self.series.values())


@dataclass(frozen=True, slots=True)
class Chart:
    path: Path
    topics: tuple[str, ...]  # the legend's labels, read back from the figure after drawing


def chart_data(
    stories: Iterable[tuple[datetime, Sequence[str]]],
    first_day: date,
    zone: ZoneInfo,
    topics: Sequence[str],
    *,
    days: int = CHART_DAYS,
    highlight: tuple[date, date] | None = None,
    title: str = "",
    highlight_label: str = "",
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
    return ChartData(span, {t: tuple(c) for t, c in counts.items()}, highlight, title,
                     highlight_label)


def draw_chart(data: ChartData, path: Path) -> Chart:
    """Write the PNG (atomically: a sender never uploads half a file) and return what the
    figure holds."""
    drawn = figure(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    drawn.savefig(partial, format="png")
    os.replace(partial, path)
    return Chart(path, tuple(drawn.axes[0].get_legend_handles_labels()[1]))


def figure(data: ChartData) -> Figure:
    """The chart as a matplotlib figure, on its own Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, MaxNLocator

    drawn = Figure(figsize=(9, 3.8), dpi=100, layout="constrained")
    FigureCanvasAgg(drawn)
    axes = drawn.add_subplot()
    x = list(range(len(data.days)))
    width = GROUP_WIDTH / max(len(data.series), 1)
    for i, (topic, counts) in enumerate(data.series.items()):
        offset = (i - (len(data.series) - 1) / 2) * width
        axes.bar([n + offset for n in x], counts, width, label=TOPIC_LABELS.get(topic, topic),
                 color=COLORS.get(topic), linewidth=0)
    top = max((max(c) for c in data.series.values() if c), default=0)
    axes.set_ylim(0, max(top, 1) * 1.15)  # room for the week's label; 0–1 when empty
    if data.highlight is not None:
        first, last = data.highlight
        start, end = data.days.index(first) - 0.5, data.days.index(last) + 0.5
        axes.axvspan(start, end, color="#999999", alpha=0.15, linewidth=0)
        if data.highlight_label:
            axes.text((start + end) / 2, 0.98, data.highlight_label, ha="center", va="top",
                      fontsize=9, fontweight="bold", transform=axes.get_xaxis_transform())
    mondays = [n for n, day in enumerate(data.days) if day.weekday() == 0]
    axes.xaxis.set_major_locator(FixedLocator(mondays))
    axes.set_xticklabels([f"Mon {data.days[n]:%d %b}" for n in mondays], fontsize=8)
    axes.xaxis.set_minor_locator(FixedLocator(x))
    axes.set_xlim(-0.6, len(data.days) - 0.4)
    axes.set_title(data.title, fontsize=10)
    axes.set_ylabel("new stories per day")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    if data.series:
        axes.legend(loc="upper left", fontsize=8, frameon=False)
    return drawn
