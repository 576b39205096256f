"""Pure helpers over pycrdt documents and updates, with pycrdt's failures made ordinary.

pycrdt reports bad bytes as ValueError, and a Rust panic inside yrs as
`pyo3_runtime.PanicException`, which derives from BaseException and so slips past
`except Exception`. `CrdtError` is what callers catch instead of either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from pycrdt import Doc, TransactionEvent, merge_updates

T = TypeVar("T")

EMPTY_UPDATE = b"\x00\x00"  # no structs, no deletions
EMPTY_STATE_VECTOR = b"\x00"  # no clients: a document that holds nothing


class CrdtError(ValueError):
    """An update or state vector that pycrdt could not decode or apply."""


def is_rust_panic(exc: BaseException) -> bool:
    kind = type(exc)
    return kind.__name__ == "PanicException" and kind.__module__ == "pyo3_runtime"


def guarded(call: Callable[[], T]) -> T:
    """Run one pycrdt call, turning both of its failure families into CrdtError."""
    try:
        return call()
    except Exception as exc:
        raise CrdtError(type(exc).__name__) from exc
    except BaseException as exc:
        if is_rust_panic(exc):
            raise CrdtError("PanicException") from exc
        raise


def doc_from_updates(updates: Iterable[bytes]) -> Doc[Any]:
    doc: Doc[Any] = Doc()
    for update in updates:
        guarded(lambda u=update: doc.apply_update(u))  # type: ignore[misc]
    return doc


def merge(updates: Iterable[bytes]) -> bytes:
    """Fold a log of updates into one (through a Doc, so deleted content is collected)."""
    return doc_from_updates(updates).get_update()


def merged(updates: Sequence[bytes]) -> bytes:
    """One update that holds all of `updates` (pycrdt's `merge_updates`, as Y.mergeUpdates: no
    Doc, nothing collected); one update is itself. CrdtError if they cannot be merged."""
    if len(updates) == 1:
        return updates[0]
    return guarded(lambda: merge_updates(*updates))


def packed(updates: Sequence[bytes], limit: int) -> list[bytes]:
    """`updates`, in order, merged into as few updates as hold at most about `limit` bytes
    each (a merge is no larger than its parts, give or take a few bytes); one already larger
    stays alone. Parts that will not merge go as they are."""
    groups: list[list[bytes]] = []
    size = limit + 1
    for update in updates:
        if size + len(update) > limit:
            groups.append([])
            size = 0
        groups[-1].append(update)
        size += len(update)
    result: list[bytes] = []
    for group in groups:
        try:
            result.append(merged(group))
        except CrdtError:
            result.extend(group)
    return result


def effective_size(state: bytes, update: bytes) -> int:
    """Bytes of change that applying `update` to a document holding `state` would record."""
    return sum(_change_sizes(doc_from_updates([state]), update))


def _change_sizes(doc: Doc[Any], update: bytes) -> list[int]:
    """Apply `update`; the sizes of the changes it made (none: it brought nothing new)."""
    sizes: list[int] = []

    def changed(event: TransactionEvent) -> None:
        sizes.append(len(event.update))

    subscription = doc.observe(changed)
    try:
        guarded(lambda: doc.apply_update(update))
    finally:
        doc.unobserve(subscription)  # an observed Doc is never freed (see room.py)
    return sizes
