"""A browser-like HTTP client for page tests: keeps cookies and echoes CSRF tokens."""

from __future__ import annotations

import re
from typing import Any

import httpx

from .conftest import RunningServer

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Browser:
    def __init__(self, server: RunningServer) -> None:
        self.http = httpx.AsyncClient(base_url=server.address, follow_redirects=False)
        self.server = server

    async def __aenter__(self) -> Browser:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.http.aclose()

    async def get(self, url: str) -> httpx.Response:
        return await self.http.get(url)

    async def submit(
        self, page: str, fields: dict[str, str], action: str | None = None
    ) -> httpx.Response:
        """Load `page`, then post its form (with the CSRF token it carries) to `action`."""
        response = await self.http.get(page)
        match = CSRF.search(response.text)
        assert match, f"no form on {page}"
        return await self.http.post(action or page, data={"csrf": match.group(1), **fields})

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies.jar)

    async def sign_up_first(self, setup_url: str, **fields: Any) -> httpx.Response:
        data = {"name": "Sam Chair", "email": "sam@example.org", "password": "a long enough secret"}
        return await self.submit(setup_url, {**data, **fields})
