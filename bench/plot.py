#!/usr/bin/env python3
"""SVG plots of switchboard-bench results, with nothing but the standard library.

    python3 bench/plot.py RESULTS_DIR [OUT_DIR]

Reads every switchboard-bench JSON result in RESULTS_DIR. Files named NAME-LABEL-RUN.json (what
bench/run-all writes) are grouped by NAME; files named LABEL-RUN.json (bench/compare) by the
folder's name. For each group whose runs have rate steps it draws delivered messages/s and p99
latency against the publish rate, one line per target (median over runs), into
OUT_DIR (default RESULTS_DIR/plots)/NAME-deliveries.svg and NAME-p99.svg.
"""
import json
import math
import os
import statistics
import sys
from collections import defaultdict

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
# The same target has the same colour in every plot.
TARGET_COLOURS = {"switchboard": "#9467bd", "soketi": "#2ca02c", "baseline": "#1f77b4",
                  "baseline-batch": "#d62728"}


def load(results_dir):
    groups = defaultdict(lambda: defaultdict(list))  # name -> label -> [run json]
    folder = os.path.basename(os.path.normpath(results_dir))
    for entry in sorted(os.listdir(results_dir)):
        if not entry.endswith(".json") or entry.startswith("compare"):
            continue
        try:
            with open(os.path.join(results_dir, entry)) as f:
                run = json.load(f)
        except (OSError, ValueError):
            continue
        if run.get("tool") != "switchboard-bench":
            continue
        label = run.get("label") or "target"
        stem = entry[: -len(".json")]
        marker = "-" + label + "-"
        name = stem[: stem.rfind(marker)] if marker in stem else folder
        groups[name][label].append(run)
    return groups


def series(runs, key):
    """Median of `key(step)` per target rate over the runs."""
    by_rate = defaultdict(list)
    for run in runs:
        for step in run.get("steps", []):
            if step.get("phase", 0) == 0 or not step.get("valid", True):
                continue
            value = key(step)
            if value is not None:
                by_rate[step["target_rate"]].append(value)
    return sorted((rate, statistics.median(v)) for rate, v in by_rate.items())


def nice_ticks(lo, hi, count=6):
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    start = math.floor(lo / step) * step
    ticks = [start]
    while ticks[-1] < hi - step * 1e-9:
        ticks.append(ticks[-1] + step)
    return ticks


def fmt(v):
    if abs(v) >= 1e6:
        return f"{v / 1e6:g}M"
    if abs(v) >= 1e3:
        return f"{v / 1e3:g}k"
    return f"{v:g}"


def svg_chart(path, title, xlabel, ylabel, lines, log_y=False, hline=None):
    w, h, left, right, top, bottom = 720, 420, 80, 170, 40, 55
    pw, ph = w - left - right, h - top - bottom
    xs = [x for _, pts in lines for x, _ in pts]
    ys = [y for _, pts in lines for _, y in pts if y > 0 or not log_y]
    if not xs or not ys:
        return False
    x_ticks = nice_ticks(0, max(xs))
    x_max = x_ticks[-1]
    if log_y:
        lo = 10 ** math.floor(math.log10(min(ys)))
        hi = 10 ** math.ceil(math.log10(max(ys + ([hline] if hline else []))))
        y_ticks = [10 ** e for e in range(int(math.log10(lo)), int(math.log10(hi)) + 1)]
        ymap = lambda y: top + ph - (math.log10(max(y, lo)) - math.log10(lo)) / (
            math.log10(hi) - math.log10(lo)) * ph
    else:
        y_ticks = nice_ticks(0, max(ys))
        hi = y_ticks[-1]
        ymap = lambda y: top + ph - y / hi * ph
    xmap = lambda x: left + x / x_max * pw
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="15" font-weight="bold">{title}</text>']
    for t in x_ticks:
        x = xmap(t)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + ph}" stroke="#eee"/>')
        out.append(f'<text x="{x:.1f}" y="{top + ph + 18}" text-anchor="middle">{fmt(t)}</text>')
    for t in y_ticks:
        y = ymap(t)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{fmt(t)}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>')
    out.append(f'<text x="{left + pw / 2}" y="{h - 12}" text-anchor="middle">{xlabel}</text>')
    out.append(f'<text x="18" y="{top + ph / 2}" text-anchor="middle" '
               f'transform="rotate(-90 18 {top + ph / 2})">{ylabel}</text>')
    if hline:
        y = ymap(hline)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" '
                   f'stroke="#999" stroke-dasharray="5,4"/>')
        out.append(f'<text x="{left + pw - 4}" y="{y - 4:.1f}" text-anchor="end" fill="#666">'
                   f'{fmt(hline)}</text>')
    for i, (label, pts) in enumerate(lines):
        colour = TARGET_COLOURS.get(label.split(" ")[0], COLOURS[i % len(COLOURS)])
        coords = " ".join(f"{xmap(x):.1f},{ymap(y):.1f}" for x, y in pts)
        out.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in pts:
            out.append(f'<circle cx="{xmap(x):.1f}" cy="{ymap(y):.1f}" r="3" fill="{colour}"/>')
        ly = top + 14 + i * 18
        out.append(f'<line x1="{left + pw + 12}" y1="{ly - 4}" x2="{left + pw + 32}" y2="{ly - 4}" '
                   f'stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{left + pw + 38}" y="{ly}">{label}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    return True


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    results = sys.argv[1]
    out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(results, "plots")
    os.makedirs(out_dir, exist_ok=True)
    for name, by_label in sorted(load(results).items()):
        deliveries, p99 = [], []
        subscribers = None
        for label, runs in sorted(by_label.items()):
            subscribers = runs[0].get("parameters", {}).get("subscribers", subscribers)
            threads = runs[0].get("server", {}).get("threads", 0)
            legend = f"{label} ({threads} thr)" if threads else label
            d = series(runs, lambda s: s.get("deliveries_per_s"))
            p = series(runs, lambda s: s.get("latency", {}).get("p99_ms"))
            if len(d) >= 2:
                deliveries.append((legend, d))
            if len(p) >= 2:
                p99.append((legend, p))
        if deliveries:
            svg_chart(os.path.join(out_dir, f"{name}-deliveries.svg"),
                      f"{name}: delivered messages/s ({subscribers} subscribers)",
                      "published events/s", "deliveries/s", deliveries)
        if p99:
            svg_chart(os.path.join(out_dir, f"{name}-p99.svg"),
                      f"{name}: p99 publish-to-deliver latency", "published events/s",
                      "p99 (ms, log scale)", p99, log_y=True, hline=50)
    return 0


if __name__ == "__main__":
    sys.exit(main())
