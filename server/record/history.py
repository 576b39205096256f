"""How each scale moved across a chain of review meetings, and that as a small SVG chart.

Pure functions. The input is the chain's rendered maps, oldest first: each earlier meeting's
last snapshot, then this meeting's map (a snapshot, or a draft while it is open). Scales are
matched by id (review.py carries ids over); people by name and role, because each meeting has
its own participant ids; someone with no name is counted under their role. The family copy
passes maps without the professionals-only layer, so those scales never appear.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from server.board import model
from server.record import labels
from server.record.times import day


def _who(person: Mapping[str, Any] | None) -> tuple[str, str]:
    if person is None:
        return "", "someone who has left"
    return str(person.get("name") or "").strip(), str(person["role"])


def build(chain: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """{"meetings": [...], "scales": [{id, question, series: [{name, role, values}]}]}; a value
    is None where that person gave no mark in that meeting."""
    meetings = [
        {
            "id": m["meeting"]["id"],
            "title": m["meeting"]["title"],
            "date": m["meeting"]["createdAt"][:10],
            "open": m["meeting"]["status"] == "open",
            # Who took part in each earlier meeting: they wrote the cards carried over.
            **({"participants": list(m["participants"])} if i < len(chain) - 1 else {}),
        }
        for i, m in enumerate(chain)
    ]
    scales: dict[str, dict[str, Any]] = {}
    series: dict[str, dict[tuple[str, str], list[int | None]]] = {}
    for i, rendered in enumerate(chain):
        people = {p["id"]: p for p in rendered["participants"]}
        for scale in rendered["scales"]:
            # The latest wording wins: the record of each meeting keeps its own.
            scales[scale["id"]] = {"id": scale["id"], "question": scale["question"]}
            lines = series.setdefault(scale["id"], {})
            for rating in scale["ratings"]:
                who = _who(people.get(rating["participant"]))
                lines.setdefault(who, [None] * len(chain))[i] = rating["value"]
    order = {role: n for n, role in enumerate(model.ROLES)}
    return {
        "meetings": meetings,
        "scales": [
            scale
            | {
                "series": [
                    {"name": name or None, "role": role, "values": values}
                    for (name, role), values in sorted(
                        series[scale_id].items(),
                        key=lambda kv: (order.get(kv[0][1], 99), kv[0][0]),
                    )
                ]
            }
            for scale_id, scale in scales.items()
        ],
    }


# --- the chart ------------------------------------------------------------------------------

WIDTH, HEIGHT = 520, 190
LEFT, RIGHT, TOP, BOTTOM = 34, 150, 12, 34
# Told apart by colour (colour-blind-safe, no red/green judgement), dash and marker shape.
COLOURS = ("#0059b3", "#b35900", "#6a3d9a", "#111111", "#007a7a", "#8c510a", "#555555")
DASHES = ("", "6 3", "2 3", "8 3 2 3")


def meeting_label(index: int, gettext: Callable[[str], str]) -> str:
    return gettext("Meeting %(n)s") % {"n": index + 1}


def series_label(line: Mapping[str, Any], gettext: Callable[[str], str]) -> str:
    role = labels.role(line["role"], gettext)
    return f"{line['name']} ({role})" if line["name"] else role


LABELLED_SERIES = 8  # beyond this the lines are a tangle: the table or list beside says who


def svg(
    history: Mapping[str, Any],
    scale: Mapping[str, Any],
    gettext: Callable[[str], str] = str,
) -> Markup:
    """One scale's marks over the meetings, one line per person or role, as inline SVG with a
    <title> and a <desc> that says every value (the page and exports add a table too). Lines
    are labelled at their end when there are at most LABELLED_SERIES of them."""
    meetings = history["meetings"]
    count = len(meetings)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w / 2 if count == 1 else plot_w * i / (count - 1))

    def y(value: int) -> float:
        return TOP + plot_h * (model.SCALE_MAX - value) / (model.SCALE_MAX - model.SCALE_MIN)

    title = gettext("How the scale moved over the meetings")
    summary = "; ".join(
        f"{series_label(line, gettext)}: "
        + ", ".join(gettext("no mark") if v is None else str(v) for v in line["values"])
        for line in scale["series"]
    )
    ref = f"history-{escape(scale['id'])}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="history-chart" aria-labelledby="{ref}-t {ref}-d">',
        f'<title id="{ref}-t">{escape(title)}: {escape(scale["question"])}</title>',
        f'<desc id="{ref}-d">{escape(summary)}</desc>',
    ]
    for value in (0, 5, 10):
        parts.append(
            f'<line x1="{LEFT}" y1="{y(value):.1f}" x2="{LEFT + plot_w}" y2="{y(value):.1f}" '
            f'stroke="#bbb" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y(value) + 3:.1f}" font-size="9" text-anchor="end">'
            f"{value}</text>"
        )
    for i, meeting in enumerate(meetings):
        # Two lines: which meeting, then its date (with "draft" while it is open).
        date = day(meeting["date"]) + (f" ({gettext('draft')})" if meeting["open"] else "")
        for line, text in enumerate((meeting_label(i, gettext), date)):
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 13 + 11 * line}" font-size="9" '
                f'text-anchor="middle">{escape(text)}</text>'
            )
    ends: list[tuple[float, str, str]] = []
    for n, line in enumerate(scale["series"]):
        colour, dash = COLOURS[n % len(COLOURS)], DASHES[n // len(COLOURS) % len(DASHES)]
        points = [(x(i), y(v)) for i, v in enumerate(line["values"]) if v is not None]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" '
                f'stroke-width="2"{dash_attr}/>'
            )
        if points:
            # A dot per mark, all of a line's in one path of zero-length round-capped strokes:
            # drawn like <circle>s, at a fifth of WeasyPrint's cost (the PDF export's budget).
            dots = "".join(f"M{px:.1f} {py:.1f}h0" for px, py in points)
            parts.append(
                f'<path class="marks" d="{dots}" stroke="{colour}" stroke-width="6" '
                f'stroke-linecap="round" fill="none"/>'
            )
        if points:
            last = next(v for v in reversed(line["values"]) if v is not None)
            ends.append((points[-1][1], f"{series_label(line, gettext)}: {last}", colour))
    # Labels at the right end of each line, nudged apart so equal marks stay readable.
    floor = 0.0
    for end_y, text, colour in sorted(ends) if len(ends) <= LABELLED_SERIES else ():
        floor = max(end_y + 3, floor + 11)
        parts.append(
            f'<text x="{LEFT + plot_w + 8}" y="{floor:.1f}" font-size="9" '
            f'fill="{colour}">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # every text above went through escape()
