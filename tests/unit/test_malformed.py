"""A malformed-input matrix: one bad frame closes only its sender, and changes nothing. Here the
pure checks (no server, database or process); the checks against a real server and database are
in tests/integration/test_malformed.py."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pycrdt import Doc, Map, Text

from server.sync.crdt import CrdtError, guarded, is_rust_panic
from tests.malformed_cases import PANIC_UPDATE, PARTIAL_UPDATE


def test_partial_sample_really_applies_in_part() -> None:
    """Guard the fixtures above: both samples change a document before they fail."""
    for sample in (PARTIAL_UPDATE, PANIC_UPDATE):
        doc: Doc = Doc()
        doc.get("items", type=Map)["base"] = Map({"text": Text("Nan visits")})
        before = doc.get_state()
        with pytest.raises(CrdtError):
            guarded(lambda d=doc, s=sample: d.apply_update(s))  # type: ignore[misc]
        assert doc.get_state() != before


def real_panic() -> BaseException:
    doc: Doc = Doc()
    try:
        doc.apply_update(PANIC_UPDATE)
    except BaseException as exc:
        return exc
    raise AssertionError("pycrdt no longer panics on PANIC_UPDATE: find a new sample")


def test_guarded_turns_a_real_yrs_panic_into_crdt_error() -> None:
    panic = real_panic()
    kind = type(panic)
    assert (kind.__module__, kind.__name__) == ("pyo3_runtime", "PanicException")
    assert not issubclass(kind, Exception)  # `except Exception` alone would miss it
    assert is_rust_panic(panic)

    doc: Doc = Doc()
    with pytest.raises(CrdtError) as info:
        guarded(lambda: doc.apply_update(PANIC_UPDATE))
    assert isinstance(info.value.__cause__, kind)

    def raise_it() -> None:
        raise kind("yrs panicked")

    with pytest.raises(CrdtError, match="PanicException"):
        guarded(raise_it)


def test_guarded_recognises_panics_by_module_and_name() -> None:
    stand_in = type("PanicException", (BaseException,), {"__module__": "pyo3_runtime"})
    look_alike = type("PanicException", (BaseException,), {"__module__": "elsewhere"})

    def raising(exc: BaseException) -> Any:
        def call() -> None:
            raise exc

        return call

    with pytest.raises(CrdtError) as info:
        guarded(raising(stand_in("boom")))
    assert isinstance(info.value.__cause__, stand_in)
    with pytest.raises(look_alike):
        guarded(raising(look_alike("not yrs")))


@pytest.mark.parametrize(
    "exc", [KeyboardInterrupt(), asyncio.CancelledError(), SystemExit(3), GeneratorExit()]
)
def test_guarded_does_not_swallow_control_flow(exc: BaseException) -> None:
    def call() -> None:
        raise exc

    with pytest.raises(type(exc)) as info:
        guarded(call)
    assert info.value is exc


@pytest.mark.parametrize("exc", [ValueError("bad"), RuntimeError("block parent"), KeyError(1)])
def test_guarded_turns_ordinary_errors_into_crdt_error(exc: Exception) -> None:
    def call() -> None:
        raise exc

    with pytest.raises(CrdtError) as info:
        guarded(call)
    assert info.value.__cause__ is exc
    assert guarded(lambda: 42) == 42
