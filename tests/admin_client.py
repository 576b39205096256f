"""What an operator and a browser do in the administration tests: run `safetymap` with input,
sign in, read the meeting page's links, join by a link.

`safetymap` runs as `server.cli.main` in a thread, with the environment, standard input and
output it would have as a process (a process spends 2 s importing); `run(process=True)` runs
the real command.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import io
import os
import re
import sys
from collections.abc import Mapping
from unittest import mock

import httpx

from server.cli import main

from .servers import STARTUP_TIMEOUT, command

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
LINK = re.compile(r'id="url-(\w+)" type="text" readonly value="([^"]+)"')
PASSWORD = "a long enough secret"


def _in_thread(env: Mapping[str, str], args: list[str], stdin: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ, env, clear=True),
        mock.patch.object(sys, "stdin", io.StringIO(stdin)),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse refusing the arguments
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


async def run(
    env: Mapping[str, str], *args: str, stdin: str = "", process: bool = False
) -> tuple[int, str, str]:
    """`safetymap ARGS` to completion: (exit status, standard output, standard error)."""
    if not process:
        return await asyncio.to_thread(_in_thread, env, list(args), stdin)
    proc = await asyncio.create_subprocess_exec(
        *command(),
        *args,
        env=dict(env),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), STARTUP_TIMEOUT * 2)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def ok(env: Mapping[str, str], *args: str, stdin: str = "", process: bool = False) -> str:
    code, out, err = await run(env, *args, stdin=stdin, process=process)
    assert code == 0, err
    return out


async def add_facilitator(env: Mapping[str, str], email: str, name: str) -> None:
    await ok(env, "facilitator", "add", email, "--name", name, "--password-stdin", stdin=PASSWORD)


async def post_form(http: httpx.AsyncClient, page: str, fields: dict[str, str]) -> httpx.Response:
    """Load `page`, then post its form with the CSRF token it carries."""
    found = CSRF.search((await http.get(page)).text)
    assert found, f"no form on {page}"
    return await http.post(page, data={"csrf": found.group(1), **fields})


async def sign_in(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> int:
    return (await post_form(http, "/login", {"email": email, "password": password})).status_code


def page_links(page: str) -> dict[str, str]:
    """role -> link token, as the meeting page shows them."""
    return {role: html.unescape(url).rsplit("/", 1)[1] for role, url in LINK.findall(page)}


async def join(http: httpx.AsyncClient, token: str, name: str) -> int:
    """Open a link and give a name: 303 (to the board) when it works."""
    # A professional link asks for their service too; other links ignore it.
    fields = {"name": name, "agency_choice": "health"}
    return (await post_form(http, f"/join/{token}", fields)).status_code
