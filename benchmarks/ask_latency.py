"""Latency of TreatyIndex: build time and warm per-question time.

Run with ``python -m benchmarks.ask_latency``. The questions are a fixed copy (not imported
from the tests) so that the benchmark stays comparable when the test set changes.
"""

from __future__ import annotations

import statistics
import time

from bot.treaty import TreatyIndex, load_treaty

QUESTIONS: tuple[str, ...] = (
    "what does the preamble say about the unipolar world",
    "is this a mutual defense pact?",
    "will north korea send troops if russia is attacked",
    "mutal defence obligaton",
    "what happens if there's just a threat of attack but no war yet",
    "can north korea let a third country use its territory against russia",
    "just and multipolar new world order",
    "will russia help north korea join the SCO?",
    "joint military drills legal basis",
    "sattelite and space reserch",
    "do they promise to help each other dodge western sanctions",
    "counter-terrorism cooperation",
    "cyber attacks and hackers",
    "fake news",
    "when did it enter into force",
    "how long does the treaty last",
    "북한이 공격받으면 러시아가 군사 지원하나",
    "조약 유효기간",
    "военная помощь при нападении",
    "когда вступил в силу",
)
ROUNDS = 200


def _ms(seconds: float) -> float:
    return seconds * 1000


def main() -> None:
    treaty = load_treaty()
    start = time.perf_counter()
    index = TreatyIndex(treaty)
    build = time.perf_counter() - start

    for question in QUESTIONS:  # warm-up: first calls pay for imports and caches
        index.ask(question)
    timings: list[float] = []
    for _ in range(ROUNDS):
        for question in QUESTIONS:
            t0 = time.perf_counter()
            index.ask(question)
            timings.append(time.perf_counter() - t0)
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    print(f"index build: {_ms(build):.1f} ms")
    print(
        f"ask, {len(QUESTIONS)} questions x {ROUNDS} rounds: "
        f"median {_ms(statistics.median(timings)):.3f} ms, p99 {_ms(p99):.3f} ms, "
        f"max {_ms(timings[-1]):.3f} ms"
    )


if __name__ == "__main__":
    main()
