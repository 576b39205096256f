"""Every wait in the tests has a deadline: a hang fails its test at once, saying what did not
happen, instead of costing pytest-timeout's 300 s per test.

Read with `ast`, every tests/**/*.py is checked for waits that only another party can end:
- an event's, a flag's or a process's `.wait()` with no timeout (`threading.Event.wait(10)`
  and `Popen.wait(30)` carry theirs);
- a queue's `.get()` or a websocket's `.recv()` with no arguments, a process's `.communicate()`;
- `await task` or `await future`: awaiting something already started, not a call;
- `subprocess.run` (`call`, `check_call`, `check_output`) without `timeout=`.
Each must be inside `within(...)` (tests/waiting.py), `asyncio.wait_for(...)`,
`asyncio.wait(..., timeout=...)` or an `async with asyncio.timeout(...)` block of the same
function. A coroutine handed to `asyncio.create_task` is not waited on there: the `await` of
its task is what is checked.
"""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.waiting import within

TESTS = Path(__file__).parents[1]

# Methods that wait for someone else, and whether they do so only when called without arguments.
WAITING_METHODS = {"wait": True, "get": True, "recv": True, "communicate": False}
SUBPROCESS_RUNNERS = {"run", "call", "check_call", "check_output"}

# Waits that have no end on purpose, by file and function or class, each with its reason.
ALLOWED = {
    ("test_pycrdt_provider.py", "WebsocketChannel"): (
        "a pycrdt Channel waits for the next frame for as long as its Provider runs; "
        "the tests bound the Provider's work with _wait_doc and asyncio.wait_for"
    ),
}


def _name(node: ast.expr) -> str:
    """`asyncio.wait_for` for asyncio.wait_for(...), `within` for within(...)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    return ""


def _bounds(call: ast.Call) -> bool:
    """A call whose arguments are waited on with a deadline."""
    name = _name(call.func)
    if name in {"within", "asyncio.wait_for", "wait_for"}:
        return True
    return name == "asyncio.wait" and any(k.arg == "timeout" for k in call.keywords)


def _bounding_context(item: ast.withitem) -> bool:
    expr = item.context_expr
    return isinstance(expr, ast.Call) and _name(expr.func) in {
        "asyncio.timeout",
        "asyncio.timeout_at",
        "timeout",
        "timeout_at",
    }


class _Finder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.bounded = False
        self.scope: list[str] = []
        self.found: list[tuple[int, str, str]] = []  # line, qualified function, what

    def _inside(self, bounded: bool, *nodes: ast.AST) -> None:
        outer, self.bounded = self.bounded, bounded
        for node in nodes:
            self.visit(node)
        self.bounded = outer

    def _report(self, node: ast.expr, what: str) -> None:
        if not self.bounded:
            self.found.append((node.lineno, ".".join(self.scope), f"{what}: {ast.unparse(node)}"))

    # A function's body runs when it is called, not under the deadline around its definition.
    def _scope(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.scope.append(node.name)
        self._inside(False, *node.body)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scope

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._inside(False, node.body)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item)
        self._inside(self.bounded or any(map(_bounding_context, node.items)), *node.body)

    def visit_Await(self, node: ast.Await) -> None:
        if isinstance(node.value, ast.Name | ast.Attribute | ast.Subscript):
            self._report(node, "awaits a task or future")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func, name = node.func, _name(node.func)
        method = func.attr if isinstance(func, ast.Attribute) else ""
        arguments = bool(node.args or node.keywords)
        if method in WAITING_METHODS and not (WAITING_METHODS[method] and arguments):
            self._report(node, f".{method}() without a timeout")
        timed = any(k.arg == "timeout" for k in node.keywords)
        if name in {f"subprocess.{runner}" for runner in SUBPROCESS_RUNNERS} and not timed:
            self._report(node, f"{name} without timeout=")
        self.visit(node.func)
        detached = name in {"asyncio.create_task", "asyncio.ensure_future"}
        self._inside(self.bounded or detached or _bounds(node), *node.args, *node.keywords)


def unbounded_waits(source: str, filename: str = "<test>") -> Iterator[tuple[int, str]]:
    """(line, description) of each wait in `source` without a deadline."""
    finder = _Finder()
    finder.visit(ast.parse(source, filename))
    for line, function, what in finder.found:
        scopes = {".".join(function.split(".")[:n]) for n in range(1, function.count(".") + 2)}
        if not any((Path(filename).name, scope) in ALLOWED for scope in scopes):
            yield line, what


def test_every_wait_in_the_tests_has_a_deadline() -> None:
    found = [
        f"{path.relative_to(TESTS.parent)}:{line}: {what}"
        for path in sorted(TESTS.rglob("*.py"))
        for line, what in unbounded_waits(path.read_text(), str(path))
    ]
    assert not found, (
        f"{len(found)} wait(s) without a deadline; wrap each in "
        "within(awaitable, seconds, what) from tests/waiting.py:\n" + "\n".join(found)
    )


UNBOUNDED = """
async def test_it(client, proc, queue, ws, task, flag, events, args):
    await client.synced.wait()  # no deadline
    await proc.wait()  # no deadline
    await queue.get()  # no deadline
    await ws.recv()  # no deadline
    await proc.communicate(b"input")  # no deadline
    await task  # no deadline
    await events[0]  # no deadline
    await asyncio.gather(*(c.synced.wait() for c in clients))  # no deadline
    flag.wait()  # no deadline
    subprocess.run(args, check=True)  # no deadline
    async with asyncio.timeout(10):
        async def later():
            await client.closed.wait()  # no deadline
    await asyncio.wait_for(lambda: flag.wait(), 10)  # no deadline
"""

BOUNDED = """
async def test_it(client, proc, queue, ws, task, flag, args):
    await within(client.synced.wait(), 10, "client synced")
    await asyncio.wait_for(proc.wait(), 30)
    assert [await within(queue.get(), 10, "an item") for _ in range(3)]
    await within(asyncio.gather(*(c.synced.wait() for c in clients)), 10, "all synced")
    async with asyncio.timeout(10):
        await ws.recv()
        await task
    waiter = asyncio.create_task(flag.wait())
    await within(waiter, 10, "the flag woke its waiter")
    await asyncio.wait({task}, timeout=0.5)
    await asyncio.to_thread(flag.wait, 10)
    proc.wait(30)
    await queue.get(block=False)
    await client.wait_for(lambda: True, 5)
    subprocess.run(args, check=True, timeout=60)
"""


def test_the_check_finds_each_kind_of_unbounded_wait_and_only_those() -> None:
    lines = [line for line, _ in unbounded_waits(UNBOUNDED)]
    marked = [n for n, text in enumerate(UNBOUNDED.splitlines(), 1) if "# no deadline" in text]
    assert lines == marked
    assert list(unbounded_waits(BOUNDED)) == []


async def test_within_says_what_did_not_happen_and_cancels_the_wait() -> None:
    waiting = asyncio.create_task(asyncio.Event().wait())
    with pytest.raises(AssertionError, match=r"^did not happen within 0\.05 s: the event was set$"):
        await within(waiting, 0.05, "the event was set")
    assert waiting.cancelled()
    assert await within(asyncio.sleep(0, "slept"), 10, "a sleep of no time") == "slept"


async def test_within_passes_on_a_timeout_of_the_awaitables_own() -> None:
    async def gives_up() -> None:
        raise TimeoutError("condition not met in time")

    with pytest.raises(TimeoutError, match="condition not met in time"):
        await within(gives_up(), 10, "nothing: it gives up first")
