"""Each participant's language: chosen on the join page (offered from Accept-Language), kept
with them, changed from the board; the board's configuration carries its words in it, with
the language's plural categories, its BCP 47 tag and direction; pages say it in `<html lang
dir>`. A language the server does not offer falls back to English and never fails, and the
pseudo-locales exist only where the setting enables them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

from server.translation.catalogues import translations
from tests.conftest import RunningServer, running_server
from tests.integration.test_api_meetings import api_token
from tests.integration.test_participant_keys import link
from tests.webclient import Browser

POLISH = translations("pl")
CONFIG = re.compile(r'<script id="board-config" type="application/json">(.*?)</script>', re.S)
HTML = re.compile(r'<html lang="([^"]+)" dir="([^"]+)">')


async def _meeting(server: RunningServer) -> tuple[dict[str, Any], dict[str, str]]:
    """A meeting without a waiting room: everyone who joins is on the board at once."""
    owner = {"Authorization": f"Bearer {await api_token(server)}"}
    async with httpx.AsyncClient(base_url=server.address, headers=owner) as http:
        made = await http.post(
            "/api/meetings", json={"title": "Languages (fictional)", "waitingRoom": False}
        )
    created = made.json()
    tokens = {r: u.rsplit("/", 1)[1] for r, u in created["links"].items()}
    return {**created, "tokens": tokens}, owner


def config_of(page: str) -> dict[str, Any]:
    found = CONFIG.search(page)
    assert found, page[:500]
    value = json.loads(found.group(1))
    assert isinstance(value, dict)
    return value


async def _board(browser: Browser, joined: Any) -> str:
    assert joined.status_code == 303, joined.text
    page = await browser.get(joined.headers["location"])
    assert page.status_code == 200, page.text
    return page.text


async def _languages(server: RunningServer, meeting_id: str) -> dict[str, str]:
    return {p.name: p.language for p in await server.services.store.people(meeting_id)}


async def test_joining_in_polish_gives_the_board_its_words_in_polish(
    server: RunningServer,
) -> None:
    meeting, _ = await _meeting(server)
    async with Browser(server) as browser:
        form = await browser.get(link(meeting, "family"))
        assert HTML.search(form.text).groups() == ("en-GB", "ltr")  # type: ignore[union-attr]
        assert '<option value="pl" lang="pl">Polski</option>' in form.text
        joined = await browser.submit(link(meeting, "family"), {"name": "Jo", "language": "pl"})
        page = await _board(browser, joined)
    assert HTML.search(page).groups() == ("pl", "ltr")  # type: ignore[union-attr]
    config = config_of(page)
    assert (config["locale"], config["dir"], config["language"]) == ("pl", "ltr", "pl")
    assert {"code": "pl", "name": "Polski"} in config["languages"]
    strings = config["strings"]
    # Translated from the catalogue, with the key as context.
    assert strings["add.button"] == POLISH.pgettext("add.button", "Add a card") != "Add a card"
    assert "{person}" in strings["card.by"] and strings["card.by"] != "Written by {person}"
    # Polish plurals, one key per Intl.PluralRules category, each the gettext form a count in
    # that category takes ("other", for fractions, as 2: see plurals.py).
    forms = ("{count} person here", "{count} people here")
    for category, n in {"one": 1, "few": 3, "many": 5, "other": 2}.items():
        said = POLISH.npgettext("roster.count", *forms, n)
        assert strings[f"roster.count.{category}"] == said and "{count}" in said
    assert len({strings[f"roster.count.{c}"] for c in ("one", "few", "many")}) == 3
    # Every key of strings.js is there (a word not translated yet is English, never missing).
    assert len(strings) > 240
    assert await _languages(server, str(meeting["id"])) == {"Jo": "pl"}


async def test_the_browsers_language_is_the_join_pages_default(server: RunningServer) -> None:
    meeting, _ = await _meeting(server)
    async with Browser(server) as browser:
        browser.http.headers["accept-language"] = "pl-PL,pl;q=0.9,en-GB;q=0.8"
        form = await browser.get(link(meeting, "family"))
        assert HTML.search(form.text).groups() == ("pl", "ltr")  # type: ignore[union-attr]
        assert POLISH.gettext("Join the meeting") in form.text
        assert '<option value="pl" lang="pl" selected>Polski</option>' in form.text
        # The select says what they chose, whatever their browser asked for.
        joined = await browser.submit(link(meeting, "family"), {"name": "Ana", "language": "en"})
        page = await _board(browser, joined)
        assert config_of(page)["strings"]["add.button"] == "Add a card"
        # Their choice, not the browser's, now names the language of their other pages.
        gone = await browser.get("/join/not-a-token")
        assert HTML.search(gone.text).groups() == ("en-GB", "ltr")  # type: ignore[union-attr]
    async with Browser(server) as browser:
        browser.http.headers["accept-language"] = "de-DE,de;q=0.9"
        form = await browser.get(link(meeting, "family"))
        assert HTML.search(form.text).groups() == ("en-GB", "ltr")  # type: ignore[union-attr]
        problem = await browser.get("/join/not-a-token")
        assert problem.status_code == 404 and 'lang="en-GB"' in problem.text
    assert await _languages(server, str(meeting["id"])) == {"Ana": "en"}


async def test_a_language_the_server_does_not_offer_falls_back_to_english(
    server: RunningServer,
) -> None:
    meeting, _ = await _meeting(server)
    async with Browser(server) as browser:
        asked = await browser.get(link(meeting, "family") + "?language=xx%3Cscript")
        assert asked.status_code == 200 and 'lang="en-GB"' in asked.text
        # A pseudo-locale is not offered here (no SAFETYMAP_PSEUDO_LOCALES).
        fields = {"name": "Kai", "language": "ar-XB"}
        page = await _board(browser, await browser.submit(link(meeting, "family"), fields))
        assert (config_of(page)["dir"], config_of(page)["locale"]) == ("ltr", "en-GB")
        assert [x["code"] for x in config_of(page)["languages"]] == ["en", "pl"]
        # Changing to one that is not offered: refused in plain words, nothing changed.
        token = re.search(r'"csrfToken":\s*"([^"]+)"', page)
        assert token
        url = f"/m/{meeting['id']}/language"
        headers = {"x-csrf-token": token.group(1)}
        for body in ({"language": "xx"}, {"language": ["pl"]}, {}, None):
            refused = await browser.http.post(url, json=body, headers=headers)
            assert refused.status_code == 422 and "language is one of: en, pl" in refused.text
        unsafe = await browser.http.post(url, json={"language": "pl"})  # no CSRF token
        assert unsafe.status_code == 403
    assert await _languages(server, str(meeting["id"])) == {"Kai": "en"}


async def test_changing_language_on_the_board_keeps_it_for_the_next_page(
    server: RunningServer,
) -> None:
    meeting, _ = await _meeting(server)
    async with Browser(server) as browser:
        fields = {"name": "Dana", "agency_choice": "police"}
        page = await _board(browser, await browser.submit(link(meeting, "professional"), fields))
        assert config_of(page)["language"] == "en"
        token = config_of(page)["csrfToken"]
        url = config_of(page)["languageUrl"]
        changed = await browser.http.post(
            url, json={"language": "pl"}, headers={"x-csrf-token": token}
        )
        assert changed.status_code == 200 and changed.json() == {"language": "pl"}
        again = await browser.get(f"/m/{meeting['id']}")
        assert config_of(again.text)["strings"]["add.button"] != "Add a card"
        assert 'lang="pl"' in again.text
    assert await _languages(server, str(meeting["id"])) == {"Dana": "pl"}
    # Someone who never joined this meeting cannot set anyone's language.
    async with Browser(server) as stranger:
        form = await stranger.get(link(meeting, "family"))
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf
        refused = await stranger.http.post(
            url, json={"language": "en"}, headers={"x-csrf-token": csrf.group(1)}
        )
        assert refused.status_code == 403


async def test_pseudo_locales_only_where_the_setting_enables_them(tmp_path: Path) -> None:
    async with running_server(tmp_path / "data", SAFETYMAP_PSEUDO_LOCALES="1") as server:
        meeting, _ = await _meeting(server)
        async with Browser(server) as browser:
            fields = {"name": "Lee", "language": "ar-XB"}
            page = await _board(browser, await browser.submit(link(meeting, "family"), fields))
        assert HTML.search(page).groups() == ("ar-XB", "rtl")  # type: ignore[union-attr]
        config = config_of(page)
        assert (config["dir"], config["locale"]) == ("rtl", "ar-XB")
        assert config["strings"]["card.by"] == "\u200f\u202eWritten by \u202c{person}"
        # Arabic's plural categories, each with a word.
        assert {
            f"announce.many.{c}" for c in ("zero", "one", "two", "few", "many", "other")
        } <= set(config["strings"])
        assert [x["code"] for x in config["languages"]] == ["en", "pl", "en-XA", "ar-XB"]
