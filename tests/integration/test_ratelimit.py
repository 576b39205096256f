"""The rate-limit module on a fake clock: buckets refill, keys are bounded and forgotten. Here the
checks against a real server and database; the pure checks (no server, database or process) are
in tests/unit/test_ratelimit.py."""

from __future__ import annotations

from pathlib import Path

import httpx
from pycrdt import Map

from tests.conftest import running_server
from tests.waiting import within
from tests.webclient import Browser

PASSWORD = "a long enough secret"


def assert_too_many(response: httpx.Response) -> None:
    assert response.status_code == 429, (response.status_code, response.text[:200])
    assert int(response.headers["Retry-After"]) >= 1


async def test_sign_in_attempts_are_limited_per_account(tmp_path: Path) -> None:
    async with running_server(tmp_path, SAFETYMAP_LOGIN_LIMIT="3/600") as srv:
        await srv.services.accounts.add("sam@example.org", "Sam", PASSWORD)
        await srv.services.accounts.add("kim@example.org", "Kim", PASSWORD)
        async with Browser(srv) as browser:
            for _ in range(3):
                wrong = await browser.submit(
                    "/login", {"email": "Sam@Example.org", "password": "x"}
                )
                assert wrong.status_code == 400
            # Now even the right password waits: guessing must not pay.
            right = await browser.submit(
                "/login", {"email": "sam@example.org", "password": PASSWORD}
            )
            assert_too_many(right)
            assert "Too many tries" in right.text and "Try again in" in right.text
            assert "sm_session" not in browser.http.cookies
            other = await browser.submit(
                "/login", {"email": "kim@example.org", "password": PASSWORD}
            )
            assert other.status_code == 303  # another account from the same address is fine


async def test_sign_in_attempts_are_limited_per_address(tmp_path: Path) -> None:
    async with running_server(tmp_path, SAFETYMAP_LOGIN_ADDRESS_LIMIT="3/600") as srv:
        await srv.services.accounts.add("sam@example.org", "Sam", PASSWORD)
        async with Browser(srv) as browser:
            for i in range(3):
                wrong = await browser.submit(
                    "/login", {"email": f"guess{i}@example.org", "password": "x"}
                )
                assert wrong.status_code == 400
            assert_too_many(
                await browser.submit("/login", {"email": "sam@example.org", "password": PASSWORD})
            )


async def test_link_and_set_up_token_guesses_are_limited_per_address(tmp_path: Path) -> None:
    async with running_server(tmp_path, SAFETYMAP_TOKEN_GUESS_LIMIT="3/600") as srv:
        meeting = await srv.meeting()
        async with httpx.AsyncClient(base_url=srv.address) as http:
            good = await http.get(f"/join/{meeting['tokens']['family']}")
            assert good.status_code == 200  # right tokens never count
            assert (await http.get("/join/not-a-token")).status_code == 404
            assert (await http.get("/join/" + "A" * 43)).status_code == 404
            assert (await http.get("/setup/not-a-set-up-link")).status_code == 404
            refused = await http.get("/join/" + "B" * 43)
            assert_too_many(refused)
            assert "Too many tries" in refused.text
            assert_too_many(await http.get("/setup/another-guess"))
            # A right token still passes (tests/integration/test_guess_limits.py).
            assert (await http.get(f"/join/{meeting['tokens']['family']}")).status_code == 200
            assert (await http.get("/healthz")).status_code == 200


async def test_bearer_token_guesses_are_limited_per_address(tmp_path: Path) -> None:
    async with running_server(tmp_path, SAFETYMAP_TOKEN_GUESS_LIMIT="3/600") as srv:
        person = await srv.services.accounts.add("sam@example.org", "Sam", PASSWORD)
        token = await srv.services.accounts.create_api_token(person)
        mine, other = await srv.meeting(), await srv.meeting("Another meeting")
        async with httpx.AsyncClient(base_url=srv.address) as http:

            def bearer(value: str) -> dict[str, str]:
                return {"Authorization": f"Bearer {value}"}

            listed = await http.get("/api/meetings", headers=bearer(token))
            assert listed.status_code == 200
            # A real link of another meeting is refused, but it is not a guess.
            path = f"/api/meetings/{mine['id']}/snapshots"
            for _ in range(5):
                cross = await http.get(path, headers=bearer(other["tokens"]["family"]))
                assert cross.status_code == 401
            assert (await http.get(path, headers=bearer("guess-1"))).status_code == 401
            assert (await http.get("/api/meetings", headers=bearer("guess-2"))).status_code == 401
            made = await http.post("/api/meetings", headers=bearer("guess-3"), json={"title": "x"})
            assert made.status_code == 401
            refused = await http.get("/api/meetings", headers=bearer("guess-4"))
            assert_too_many(refused)
            assert "too many wrong tokens" in refused.json()["error"]
            # Right tokens still pass (tests/integration/test_guess_limits.py).
            assert (await http.get("/api/meetings", headers=bearer(token))).status_code == 200
            by_link = await http.get(path, headers=bearer(mine["tokens"]["facilitator"]))
            assert by_link.status_code == 200


async def test_a_connection_sending_too_many_bytes_is_closed_and_others_carry_on(
    tmp_path: Path,
) -> None:
    # 200 KB at once, then 2 KB a second; each value within the map's own limits.
    async with running_server(tmp_path, SAFETYMAP_BYTE_LIMIT="200000/100") as srv:
        meeting = await srv.meeting()
        chair = await srv.client(meeting, "facilitator", name="Chair")
        typist = await srv.client(meeting, "family", name="Typist")
        flood = await srv.client(meeting, "family", name="Flood")
        for client in (chair, typist, flood):
            await within(client.synced.wait(), 20, "client synced")
        chair.doc.get("scales", type=Map)["s1"] = Map({"question": "Safe?", "ratings": Map()})
        typist.add_card("kept", "safety", "Gran collects the children")
        scales = flood.doc.get("scales", type=Map)
        await flood.wait_for(lambda: "kept" in flood.cards() and "s1" in scales)
        await typist.wait_for(lambda: "s1" in typist.doc.get("scales", type=Map))
        me = await flood.whoami()

        def reason_seen() -> str:
            ratings = typist.doc.get("scales", type=Map)["s1"]["ratings"]
            return str(ratings.get(me, {}).get("reason", ""))

        # Their own mark, each time with a reason of 15 KB: theirs to write (no other value
        # of the map is), rewriting one value: the map does not grow.
        ratings = scales["s1"]["ratings"]
        for i in range(100):
            if flood.closed.is_set():
                break
            ratings[me] = {"value": i % 11, "reason": f"{i:03d}" + "x" * 15_000}
            await typist.wait_for(
                lambda n=i: flood.closed.is_set() or reason_seen()[:3] == f"{n:03d}"  # type: ignore[misc]
            )
        await flood.wait_closed(10)
        assert flood.close_code == 4429 and "too much data" in flood.close_reason
        assert 10 <= i <= 15, i  # about 200 KB got through, not 1.5 MB
        # The one who types goes on, well within the limit: 300 small edits.
        text = typist.items["kept"]["text"]
        for _ in range(300):
            text += "."
        fresh = await srv.client(meeting, "viewer", name="Screen")
        await within(fresh.synced.wait(), 20, "fresh synced")
        expected = "Gran collects the children" + "." * 300
        await fresh.wait_for(lambda: fresh.cards() == {"kept": expected})
        assert not typist.closed.is_set() and not chair.closed.is_set()
