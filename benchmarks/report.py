"""The results as a table, and each goal of issue #8 as met or not."""

from __future__ import annotations

from typing import Any


def _get(results: dict[str, Any], *path: str) -> Any:
    node: Any = results
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every goal with its figure, and whether it is met (None: not measured this run)."""
    out: list[dict[str, Any]] = []

    def add(goal: str, figure: Any, met: bool | None) -> None:
        out.append({"goal": goal, "figure": figure, "met": met})

    for n, poll in (results.get("poll") or {}).items():
        for phase, bound in (("cold", 0.25), ("warm", 0.2)):
            ratio = _get(poll, f"ratio_{phase}")
            if ratio:
                add(f"poll {phase}, {n} feeds: wall time ≤ {bound}× reader's", ratio["wall"],
                    ratio["wall"] <= bound)
                add(f"poll {phase}, {n} feeds: peak RSS ≤ reader's", ratio["peak_rss"],
                    ratio["peak_rss"] <= 1.0)
    rate = _get(results, "matching", "analyse_items_per_s")
    if rate is not None:
        add("matching ≥ 50,000 items/s on one core", rate, rate >= 50_000)
    folding = results.get("folding") or {}
    if folding:
        largest, smallest = max(folding, key=int), min(folding, key=int)
        # The fold proper (candidates and decision); the embedding is a figure of its own.
        p99 = folding[largest]["fold"]["p99_ms"]
        add(f"fold p99 ≤ 2 ms at {int(largest):,} stories", p99, p99 <= 2.0)
        for stat in ("p50_ms", "p99_ms"):
            ratio = round(folding[largest]["fold"][stat] / folding[smallest]["fold"][stat], 2)
            add(f"fold {stat[:3]} at {int(largest):,} ≤ 3× at {int(smallest):,}", ratio,
                ratio <= 3.0)
    for command in ("article", "ask"):
        p99 = _get(results, "commands", command, "p99_ms")
        if p99 is not None:
            add(f"/{command} p99 ≤ 20 ms", p99, p99 <= 20.0)
    parsers = results.get("parsers")
    if parsers:
        agree = parsers["fastparse_agreement"]
        add("fast parser output identical to feedparser's on every document",
            f"{agree['same']}/{agree['same'] + agree['differ']}", agree["differ"] == 0)
    return out


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    for section, label in (("poll", "poll"), ("poll_offtopic", "poll, mostly off-topic,")):
        for n, poll in (results.get(section) or {}).items():
            for phase in ("cold", "warm", "steady"):
                for side in ("ours", "reader"):
                    r = poll.get(f"{side}_{phase}")
                    if r:
                        rows.append((f"{label} {n} feeds, {phase}", side,
                                     f"wall {r['wall_s']:.2f} s · cpu {r['cpu_s']:.2f} s · "
                                     f"peak RSS {r['peak_rss_mib']:.0f} MiB"))
                ratio = poll.get(f"ratio_{phase}")
                if ratio:
                    rows.append((f"{label} {n} feeds, {phase}", "ours / reader",
                                 f"wall {ratio['wall']:.2f}× · cpu {ratio['cpu']:.2f}× · "
                                 f"RSS {ratio['peak_rss']:.2f}×"))
            cold = poll.get("ours_cold")
            if cold and "largest_story" in cold:
                sizes = ", ".join(f"{k}: {v}" for k, v in cold["story_sizes"].items())
                rows.append((f"{label} {n} feeds, cold", "stories",
                             f"{cold['stories']:,} of {cold['items_stored']:,} items · largest "
                             f"{cold['largest_story']:,} · by size {sizes}"))
    parsers = results.get("parsers") or {}
    for label in ("farm", "corpus"):
        p = parsers.get(label)
        if p:
            rows.append((f"parse ({label}, {p['docs']} docs)", "ms per document",
                         f"feedparser {p['feedparser_ms_per_doc']:.2f} · fastfeedparser "
                         f"{p['fastfeedparser_ms_per_doc']:.2f} · fastparse "
                         f"{p['fastparse_ms_per_doc']:.2f} (taken for {p['fastparse_taken']})"))
            rows.append((f"parse ({label})", "parse_feed ms per document",
                         f"feedparser {p['parse_feed_ms_per_doc']:.2f} · with fast path "
                         f"{p['parse_feed_fast_ms_per_doc']:.2f} "
                         f"({p['speedup_parse_feed']:.1f}×)"))
    for name in ("fastparse", "fastfeedparser"):
        agree = parsers.get(f"{name}_agreement")
        if agree:
            rows.append(("parse equivalence", name,
                         f"{agree['same']} same, {agree['differ']} differ"))
    m = results.get("matching")
    if m:
        rows.append((f"matching ({m['items']:,} items)", "items/s, one core",
                     f"analyse {_fmt(m['analyse_items_per_s'])} · topics "
                     f"{_fmt(m['topics_items_per_s'])} · articles "
                     f"{_fmt(m['article_refs_items_per_s'])} · troops "
                     f"{_fmt(m['troop_claims_items_per_s'])} · fold features "
                     f"{_fmt(m['fold_features_items_per_s'])}"))
    for n, f in (results.get("folding") or {}).items():
        rows.append((f"embed + fold vs {int(n):,} stories", "ms per item",
                     f"p50 {f['p50_ms']:.3f} · p99 {f['p99_ms']:.3f} · mean {f['mean_ms']:.3f} "
                     f"(embed p50 {f['embed']['p50_ms']:.2f} p99 {f['embed']['p99_ms']:.2f} · "
                     f"fold p50 {f['fold']['p50_ms']:.2f} p99 {f['fold']['p99_ms']:.2f}) · "
                     f"candidates mean {f['candidates_mean']} max {f['candidates_max']} · "
                     f"database {f.get('db_mib', '?')} MiB"))
    model = results.get("model")
    if model:
        rows.append((f"model ({model['package']} {model['version']})", "size, load, speed",
                     f"installed {model['install_mib']} MiB · load {model['load_s']} s · RSS "
                     f"+{model['rss_model_mib']} MiB ({model['rss_after_load_mib']} MiB after "
                     f"loading) · per item in batches of {model['batch']}: p50 "
                     f"{model['per_item']['p50_ms']:.2f} ms p99 {model['per_item']['p99_ms']:.2f}"))
    c = results.get("commands")
    if c:
        for name in ("article", "ask", "latest", "troops", "digest_preview", "digest_build",
                     "digest_chart"):
            if name in c:
                rows.append((f"command /{name} ({c['stories']:,} stories)", "ms",
                             f"p50 {c[name]['p50_ms']:.3f} · p99 {c[name]['p99_ms']:.3f}"))
    s = results.get("storage")
    if s:
        rows.append((f"storage ({s['items']:,} items)", "items/s",
                     f"one tx per item {_fmt(s['per_item_tx_items_per_s'])} · one tx per feed "
                     f"{_fmt(s['per_feed_tx_items_per_s'])}"))
        rows.append(("storage", "MiB per 10,000 items",
                     f"database {s['db_mib_per_10k_items']} · items {s['items_mib_per_10k']} · "
                     f"item_keys {s['item_keys_mib_per_10k']} · "
                     f"stories {s['stories_mib_per_10k']}"))
    return rows


def table(results: dict[str, Any]) -> str:
    rows = _rows(results)
    width = [max((len(r[i]) for r in rows), default=0) for i in range(2)]
    lines = [f"{a:<{width[0]}}  {b:<{width[1]}}  {c}" for a, b, c in rows]
    lines.append("")
    m = results.get("machine", {})
    lines.append(f"machine: {m.get('nproc')} × {m.get('cpu')}, Python {m.get('python')}, "
                 f"SQLite {m.get('sqlite')}, load {m.get('load_avg')} → {m.get('load_avg_end')}")
    lines.append("")
    for g in results.get("goals", []):
        mark = {True: "met", False: "NOT MET", None: "?"}[g["met"]]
        lines.append(f"[{mark:>7}] {g['goal']}: {_fmt(g['figure'])}")
    return "\n".join(lines)
