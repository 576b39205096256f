"""Time to first render of a 30-card board in Debian's Chromium, and the bundle's size.

    python bench/board_render.py [--runs 5]

A real server (SQLite in a temp folder) holds a meeting seeded with the fictional example's
shape: 30 cards across every section, one scale with marks. Each run opens the board in a
fresh browser context and reads the page's own `performance.measure` entries:
`board:first-render` (script start -> synced map on screen, websocket included) and
`board:render` (the render itself), plus navigation start -> first render.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server.board import model  # noqa: E402
from tests.browser import CHROMIUM_FLAGS, chromium_path  # noqa: E402
from tests.conftest import running_server  # noqa: E402
from tests.yclient import YClient  # noqa: E402

SECTIONS = ["harm", "danger", "complicating", "strengths", "safety", "goals", "next_steps"]


def seed() -> dict[str, Any]:
    cards = [
        {
            "id": f"c{i}",
            "section": SECTIONS[i % len(SECTIONS)],
            "author": "p1",
            "text": f"Card {i}: a fictional sentence of about the length people type in a meeting.",
        }
        for i in range(30)
    ]
    ratings = [{"participant": f"p{i}", "value": 3 + i, "reason": "fictional"} for i in range(4)]
    scale = {"id": "s1", "about": None, "ratings": ratings}
    return {
        "title": "Render check",
        "labelSet": "child_protection",
        "createdAt": "2026-05-12T10:00:00+01:00",
        "cards": cards,
        "scales": [scale],
    }


async def main(runs: int) -> None:
    bundle = (ROOT / "server" / "static" / "board.js").read_bytes()
    print(f"board.js: {len(bundle):,} B raw, {len(gzip.compress(bundle, 9)):,} B gzip")
    with tempfile.TemporaryDirectory() as tmp:
        async with running_server(Path(tmp)) as server:
            meeting = await server.meeting("Render check")
            writer = YClient(
                server.ws_url, meeting["id"], meeting["tokens"]["professional"], name="Seed"
            )
            await writer.connect()
            await writer.synced.wait()
            model.write_map(writer.doc, seed())
            await server.services.journal.flush()
            await writer.wait_for(lambda: len(writer.cards()) == 30)
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=chromium_path(), args=CHROMIUM_FLAGS
                )
                samples: dict[str, list[float]] = {"first": [], "render": [], "nav": []}
                for run in range(runs):
                    context = await browser.new_context(
                        base_url=server.address, viewport={"width": 1920, "height": 1080}
                    )
                    page = await context.new_page()
                    await page.goto(meeting["links"]["viewer"].replace(server.base_url, ""))
                    await page.get_by_role("button", name="Join the meeting").click()
                    await page.wait_for_function(
                        "() => performance.getEntriesByName('board:first-render').length > 0",
                        timeout=20_000,
                    )
                    first, render, nav = await page.evaluate(
                        """() => [
                          performance.getEntriesByName('board:first-render')[0].duration,
                          performance.getEntriesByName('board:render')[0].duration,
                          performance.getEntriesByName('board:rendered')[0]?.startTime ?? NaN]"""
                    )
                    cards = await page.get_by_test_id("card").count()
                    assert cards == 30, cards
                    samples["first"].append(first)
                    samples["render"].append(render)
                    samples["nav"].append(nav)
                    print(
                        f"run {run + 1}: script start -> synced map {first:.0f} ms, "
                        f"render {render:.0f} ms, navigation -> map {nav:.0f} ms"
                    )
                    await context.close()
                await browser.close()
    for key, label in (
        ("first", "script start -> synced map"),
        ("render", "render itself"),
        ("nav", "navigation -> map"),
    ):
        print(f"median {label}: {statistics.median(samples[key]):.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(main(parser.parse_args().runs))
