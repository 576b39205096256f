"""A stranger who knows a facilitator's e-mail address cannot lock them out, and guessing
passwords stays limited per address (and per known browser).

Addresses are told apart as behind a proxy: the test server trusts `X-Forwarded-For` from
127.0.0.1, as uvicorn does by default.
"""

from __future__ import annotations

import time
from http.cookies import SimpleCookie
from pathlib import Path

from tests.conftest import RunningServer, running_server
from tests.webclient import Browser

EMAIL, PASSWORD = "sam@example.org", "a long enough secret"
OFFICE = "198.51.100.20"


def browser_at(server: RunningServer, address: str) -> Browser:
    browser = Browser(server)
    browser.http.headers["X-Forwarded-For"] = address
    return browser


async def sign_in(browser: Browser, password: str = PASSWORD, email: str = EMAIL) -> int:
    response = await browser.submit("/login", {"email": email, "password": password})
    browser.http.cookies.delete("sm_session")  # signed out again, as far as the test goes
    return response.status_code


async def test_wrong_passwords_from_elsewhere_do_not_lock_the_facilitator_out(
    tmp_path: Path,
) -> None:
    async with running_server(tmp_path) as srv:  # the limits as shipped: 10 and 30 in 5 min
        await srv.services.accounts.add(EMAIL, "Sam", PASSWORD)
        for i in range(10):  # a stranger, from ten addresses
            async with browser_at(srv, f"203.0.113.{i + 1}") as stranger:
                assert await sign_in(stranger, "not the password") == 400
        # The facilitator, on a browser and at an address never seen before.
        async with browser_at(srv, "192.0.2.7") as sam:
            assert await sign_in(sam) == 303


async def test_a_browser_that_signed_in_before_keeps_signing_in(tmp_path: Path) -> None:
    async with running_server(tmp_path) as srv:
        await srv.services.accounts.add(EMAIL, "Sam", PASSWORD)
        async with browser_at(srv, OFFICE) as sam:
            started = time.monotonic()
            response = await sam.submit("/login", {"email": EMAIL, "password": PASSWORD})
            assert response.status_code == 303
            sam.http.cookies.delete("sm_session")
            # Someone at the same address (the office's NAT) tries Sam's account, and others,
            # until the address is refused.
            async with browser_at(srv, OFFICE) as stranger:
                # Sam's own sign-in was the first of this account's 10 from this address.
                answers = [await sign_in(stranger, f"guess {i}") for i in range(9)]
                assert answers == [400] * 9
                assert await sign_in(stranger) == 429  # guessing from here stays limited
                others = [await sign_in(stranger, "x", f"n{i}@example.org") for i in range(25)]
                # The address's own 30 are used up; on a slow machine the bucket (30 per 5
                # minutes) may have refilled by one every 10 s meanwhile.
                refilled = int((time.monotonic() - started) / 10)
                allowed = others.count(400)
                assert others == [400] * allowed + [429] * (25 - allowed)
                assert 20 <= allowed <= 20 + refilled and allowed < 25
            # Sam's own browser is known: it signs in, from that same address.
            assert await sign_in(sam) == 303
            # A new browser at the office is not.
            async with browser_at(srv, OFFICE) as fresh:
                assert await sign_in(fresh) == 429
        # What made the browser known: a signed cookie, for the sign-in page only, that the
        # page's scripts cannot read and that does not carry the e-mail address.
        cookies: SimpleCookie = SimpleCookie()
        for header in response.headers.get_list("set-cookie"):
            cookies.load(header)
        device = cookies["sm_device"]
        assert device["httponly"] and device["path"] == "/login"
        assert EMAIL not in device.value and int(device["max-age"]) >= 86400 * 300


async def test_a_known_browser_has_a_limit_of_its_own(tmp_path: Path) -> None:
    async with running_server(tmp_path, SAFETYMAP_LOGIN_LIMIT="3/600") as srv:
        await srv.services.accounts.add(EMAIL, "Sam", PASSWORD)
        await srv.services.accounts.add("kim@example.org", "Kim", PASSWORD)
        async with browser_at(srv, OFFICE) as sam:
            assert await sign_in(sam) == 303
            # Whoever holds the cookie (a stolen one, say) still guesses 3 times at most.
            assert [await sign_in(sam, f"guess {i}") for i in range(3)] == [400] * 3
            assert await sign_in(sam) == 429
            # The browser is known for Sam only: for Kim it counts as any other.
            assert await sign_in(sam, email="kim@example.org") == 303
            # A cookie the server did not sign makes no browser known: its attempts count
            # as any other browser's at that address (not refused yet), not as Sam's browser's.
            value = sam.http.cookies["sm_device"]
            sam.http.cookies.delete("sm_device")
            sam.http.cookies.set("sm_device", value[:-4] + "abcd", path="/login")
            assert await sign_in(sam, "guess") == 400
        async with browser_at(srv, "192.0.2.7") as elsewhere:
            assert await sign_in(elsewhere) == 303  # the account itself is not locked


async def test_guessing_from_one_address_stays_limited(tmp_path: Path) -> None:
    async with running_server(tmp_path, SAFETYMAP_LOGIN_LIMIT="3/600") as srv:
        await srv.services.accounts.add(EMAIL, "Sam", PASSWORD)
        async with browser_at(srv, OFFICE) as guesser:
            assert [await sign_in(guesser, f"guess {i}") for i in range(3)] == [400] * 3
            refused = await guesser.submit("/login", {"email": EMAIL, "password": PASSWORD})
            assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
            assert "sm_session" not in guesser.http.cookies


async def test_an_ipv6_network_counts_as_one_address(tmp_path: Path) -> None:
    # A /64 is what one household or device is given: changing address within it is no
    # escape from the limit per address.
    limits = {"SAFETYMAP_LOGIN_ADDRESS_LIMIT": "3/600", "SAFETYMAP_LOGIN_LIMIT": "100/600"}
    async with running_server(tmp_path, **limits) as srv:
        await srv.services.accounts.add(EMAIL, "Sam", PASSWORD)
        for host in ("2001:db8:1:2::1", "2001:db8:1:2::abcd", "2001:db8:1:2:ffff::9"):
            async with browser_at(srv, host) as v6:
                assert await sign_in(v6, "guess", f"{host}@example.org") == 400
        async with browser_at(srv, "2001:db8:1:2::77") as v6:
            assert await sign_in(v6) == 429
        async with browser_at(srv, "2001:db8:1:3::1") as other_network:
            assert await sign_in(other_network) == 303
