#!/usr/bin/env python3
"""Linear top-1 accuracy against wall-clock minutes, from `vicreg ablate` results, as one SVG.

usage: plot.py OUT.svg LABEL=DIR [LABEL=DIR ...]

Each DIR holds an ablation.json (written by `bin/vicreg ablate`): every cell is one point at its seconds
(pre-training and both probes, wall clock) and its linear top-1, coloured by the LABEL of its DIR. The
step line is the frontier: the best accuracy any run reached within that much time. Dashed: the 60-minute
budget and the 88% goal. A point's label is left out where it would overlap another's. Python's standard library only.
"""
import json
import sys
from pathlib import Path

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
MEASURES = {"linear_top1", "knn_top1", "mean_std", "rankme", "final_loss", "seconds"}
W, H, LEFT, RIGHT, TOP, BOTTOM = 760, 440, 60, 190, 30, 45


def cells(directory):
    """(minutes, linear %, label) of every cell of one ablation."""
    rows = json.loads((Path(directory) / "ablation.json").read_text())["rows"]
    out = []
    for r in rows:
        changed = [f"{k}={v}" for k, v in r.items() if k not in MEASURES and v != "default"]
        out.append((r["seconds"] / 60.0, 100.0 * r["linear_top1"], " ".join(changed) or "recipe R"))
    return out


def main(argv):
    if len(argv) < 3 or any("=" not in a for a in argv[2:]):
        sys.exit(__doc__.strip())
    series = [(a.split("=", 1)[0], cells(a.split("=", 1)[1])) for a in argv[2:]]
    points = [p for _, s in series for p in s]
    x_max = max(60.0, max(p[0] for p in points)) * 1.05
    y_min = min(p[1] for p in points) - 0.5
    y_max = max(88.0, max(p[1] for p in points)) + 0.5
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def sx(x):
        return LEFT + pw * x / x_max

    def sy(y):
        return TOP + ph * (y_max - y) / (y_max - y_min)

    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{LEFT}" y="18" font-size="13">Fashion-MNIST linear top-1 against wall clock (pre-training + probes)</text>']
    for t in range(0, int(x_max) + 1, 10):
        svg.append(f'<line x1="{sx(t):.1f}" y1="{TOP}" x2="{sx(t):.1f}" y2="{TOP + ph}" stroke="#eee"/>')
        svg.append(f'<text x="{sx(t):.1f}" y="{TOP + ph + 15}" text-anchor="middle">{t}</text>')
    y = int(y_min) + 1
    while y <= y_max:
        svg.append(f'<line x1="{LEFT}" y1="{sy(y):.1f}" x2="{LEFT + pw}" y2="{sy(y):.1f}" stroke="#eee"/>')
        svg.append(f'<text x="{LEFT - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{y}%</text>')
        y += 1
    svg.append(f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>')
    svg.append(f'<text x="{LEFT + pw / 2}" y="{H - 8}" text-anchor="middle">minutes</text>')
    svg.append(f'<line x1="{sx(60):.1f}" y1="{TOP}" x2="{sx(60):.1f}" y2="{TOP + ph}" stroke="#888" stroke-dasharray="5,4"/>')
    svg.append(f'<line x1="{LEFT}" y1="{sy(88):.1f}" x2="{LEFT + pw}" y2="{sy(88):.1f}" stroke="#888" stroke-dasharray="5,4"/>')
    svg.append(f'<text x="{LEFT + 4}" y="{sy(88) - 4:.1f}" fill="#666">goal: 88% within 60 minutes</text>')

    frontier, best = [], float("-inf")
    for m, acc, _ in sorted(points):
        if acc > best:
            if frontier:
                frontier.append((m, best))
            best = acc
            frontier.append((m, acc))
    frontier.append((x_max, best))
    path = " ".join(f"{sx(m):.1f},{sy(a):.1f}" for m, a in frontier)
    svg.append(f'<polyline points="{path}" fill="none" stroke="#333" stroke-width="1.5"/>')

    placed = []  # label boxes already drawn: a label that would overlap one is left out (the tables have it)
    for i, (name, pts) in enumerate(series):
        color = COLORS[i % len(COLORS)]
        ly = TOP + 14 + 18 * i
        svg.append(f'<circle cx="{LEFT + pw + 16}" cy="{ly - 4}" r="4" fill="{color}"/>')
        svg.append(f'<text x="{LEFT + pw + 26}" y="{ly}">{name}</text>')
        for m, acc, label in sorted(pts, key=lambda p: -p[1]):
            x, y = sx(m), sy(acc)
            svg.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{color}"/>')
            text = f"{label}: {acc:.2f}%"
            box = (x + 6, y - 6, x + 6 + 5.5 * len(text), y + 6)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
                placed.append(box)
                svg.append(f'<text x="{box[0]:.1f}" y="{y + 4:.1f}" fill="{color}" font-size="10">{text}</text>')
    svg.append("</svg>")
    Path(argv[1]).write_text("\n".join(svg) + "\n")


if __name__ == "__main__":
    main(sys.argv)
