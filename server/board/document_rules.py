"""Who may write what in a meeting's document: the rules the server holds every edit to.

Nobody can act as someone else (docs/document-model.md, "Who may write what"):

- a new card names its writer as its `author` (or names nobody); `author` and `createdAt`
  never change once the card exists;
- a scale mark (`scales[s].ratings[pid]`) and a stance (`items[id].stance[pid]`) are written,
  moved and removed by participant `pid` alone;
- a scale's wording (`question`, `low`, `high`) and the worry it is `about` are changed by
  the facilitator alone, and so a scale is removed or replaced by the facilitator alone (put
  back reworded, it would be a rewording);
- `meta` is the facilitator's, except that everyone may write their own entry in
  `meta.people`, with the name and role the server knows them by;
- a card is deleted by its author or the facilitator only; anyone else who can edit
  *withdraws* it: `withdrawn` = `{by: their id, at: a time}`, set once; only the facilitator
  takes it away again (restores the card) or changes it.

Two parts. `violation` is pure: given what an update changed (`Change`s) and who wrote it,
the first rule it breaks, in plain words, or None. `Tracker` turns a room document's deep
events into those `Change`s while the room applies an update; a removed map's content is gone
by the time its event fires, so it keeps a summary of what the rules need to know about the
maps an update might remove (each card's author and stances, each scale's marks, the people).

Reasons never carry document content or participant ids: they end up in clients' consoles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pycrdt import Doc, Map, MapEvent, Subscription

from server.board import picture_rules
from server.board.model import ALL_SECTIONS, is_moment
from server.board.permissions import Role

# What a change is refused with (close reasons: see docs/protocol.md, "Close codes").
META = "only the facilitator can change the meeting's details; edit refused"
PEOPLE = "you can only write your own name and role into the list of people; edit refused"
AUTHOR_NEW = "a new card must name its writer as its author; edit refused"
AUTHOR_SET = "a card's author and creation time never change; edit refused"
DELETE = "only the facilitator can delete someone else's card (withdraw it instead); edit refused"
WITHDRAW = "a card is withdrawn once, in your own name; edit refused"
RESTORE = "only the facilitator can restore a withdrawn card; edit refused"
SECTION = "a card stays in one of the map's sections (withdraw it instead); edit refused"
STANCE = "only each person can record their own stance; edit refused"
MARK = "only each person can place, move or remove their own mark; edit refused"
SCALE = "only the facilitator can remove or replace a scale; edit refused"
WORDING = "only the facilitator can change a scale's question or what its ends mean; edit refused"
_WORDING = frozenset({"question", "low", "high", "about"})

_PERSON_FIELDS = frozenset({"name", "role", "relationship", "agency"})


class _Other:
    """A value the rules never look into: a text, an array, a nested document."""

    def __repr__(self) -> str:
        return "OTHER"


OTHER: Any = _Other()


@dataclass(frozen=True, slots=True)
class Node:
    """A map as the rules see it: its keys, with plain values as they are and maps as Nodes.

    A map an update removed is known only by what `Tracker` kept of it: its values are None
    where it did not keep them.
    """

    values: Mapping[str, Any] = field(default_factory=dict)

    def keys(self) -> frozenset[str]:
        return frozenset(self.values)


@dataclass(frozen=True, slots=True)
class Change:
    """One thing an update changed: a key of the map at `path` in root `root` (`action` is
    "add", "update" or "delete"), or, with `key` None, content without keys (text, array)."""

    root: str
    path: tuple[str | int, ...]
    key: str | None = None
    action: str = ""
    old: Any = None  # a plain value, a Node for a map, OTHER; None when added
    new: Any = None  # the same; None when deleted


@dataclass(frozen=True, slots=True)
class Writer:
    """Who sent the update: their participant id, role and who the server knows them as."""

    id: str
    role: Role
    person: Mapping[str, Any] = field(default_factory=dict)  # {name, role, relationship?, …}

    @property
    def facilitator(self) -> bool:
        return self.role is Role.FACILITATOR


def violation(
    changes: Iterable[Change], writer: Writer, place: picture_rules.Place | None = None
) -> str | None:
    """The first rule these changes break (plain words), or None: they may all be kept.

    `place` says which pictures were uploaded to the room and which cards may take them
    (picture_rules.py); without it, no card takes a new picture."""
    for change in changes:
        rule = _RULES.get(change.root)
        why = rule(change, writer) if rule is not None else None
        if why is None and change.root == "items":
            why = _pictures(change, place or _NOWHERE)
        if why is not None:
            return why
    return None


def _pictures(change: Change, place: picture_rules.Place) -> str | None:
    path, key, new = change.path, change.key, change.new
    if not path and key is not None and isinstance(new, Node) and picture_rules.KEY in new.values:
        return picture_rules.refusal(key, None, new.values[picture_rules.KEY], place)
    if len(path) == 1 and key == picture_rules.KEY:
        return picture_rules.refusal(str(path[0]), change.old, new, place)
    if len(path) > 1 and path[1] == picture_rules.KEY:
        return picture_rules.MALFORMED  # a plain array, written whole: nothing to edit inside
    return None


class _Nowhere:
    def uploaded(self, picture_id: str) -> bool:
        return False

    def allows(self, card_id: str) -> bool:
        return False


_NOWHERE = _Nowhere()


def _meta(change: Change, writer: Writer) -> str | None:
    if writer.facilitator:
        return None
    path = change.path
    if not path and change.key == "people":
        # Creating the list with one's own entry in it is how the first client writes itself;
        # replacing or removing a list that names others would lose their names.
        if change.action == "delete" or _others(change.old, writer):
            return PEOPLE
        new = change.new
        if not isinstance(new, Node):
            return PEOPLE
        if any(pid != writer.id or not _own_entry(v, writer) for pid, v in new.values.items()):
            return PEOPLE
        return None
    if path == ("people",) and change.key is not None:
        ok = change.key == writer.id and change.action != "delete"
        return None if ok and _own_entry(change.new, writer) else PEOPLE
    if path and path[0] == "people":
        return PEOPLE  # inside an entry: entries are plain JSON, written whole
    return META


def _own_entry(entry: Any, writer: Writer) -> bool:
    """`{name, role, relationship?, agency?}` exactly as the server knows this writer."""
    if not isinstance(entry, dict) or not {"name", "role"} <= entry.keys() <= _PERSON_FIELDS:
        return False
    return all(entry[k] == writer.person.get(k) for k in entry)


def _items(change: Change, writer: Writer) -> str | None:
    path, key = change.path, change.key
    if not path:
        if key is None:
            return None
        old, new = change.old, change.new
        mine = isinstance(old, Node) and old.values.get("author") == writer.id
        if isinstance(old, Node) and not (mine or writer.facilitator):
            return DELETE  # only their own card: a card without an author is nobody's
        if isinstance(new, Node):
            if "author" in new.values and new.values["author"] != writer.id:
                return AUTHOR_NEW
            if _others(new.values.get("stance"), writer):
                return STANCE
            if "withdrawn" in new.values and not _own_withdrawal(new.values["withdrawn"], writer):
                return WITHDRAW
        return None
    if len(path) == 1:
        if key in ("author", "createdAt"):
            return AUTHOR_SET
        if key == "section" and change.new not in ALL_SECTIONS:
            return SECTION  # a card no reader shows: gone from the map without a trace
        if key == "withdrawn":
            if change.action != "add":
                return None if writer.facilitator else RESTORE
            return None if _own_withdrawal(change.new, writer) else WITHDRAW
        if key == "stance" and (_others(change.old, writer) or _others(change.new, writer)):
            return STANCE
        return None
    if path[1] in ("author", "createdAt"):
        return AUTHOR_SET  # inside them (were they ever a text): no change either
    if path[1] == "section":
        return SECTION  # a plain string: never a shared type to edit inside
    if path[1] == "withdrawn":
        return WITHDRAW  # a plain object, written whole: never a shared type to edit inside
    if path[1] == "stance":
        pid = path[2] if len(path) > 2 else key
        if pid is not None and pid != writer.id:
            return STANCE
    return None


def _scales(change: Change, writer: Writer) -> str | None:
    path, key = change.path, change.key
    if not path:
        if key is None:
            return None
        old, new = change.old, change.new
        # Removed, or replaced by another: a scale put back reworded (in this update or the
        # next) is a rewording, and only the facilitator adds or removes scales anyway.
        if isinstance(old, Node) and not writer.facilitator:
            return SCALE
        if isinstance(new, Node) and _others(new.values.get("ratings"), writer):
            return MARK
        return None
    if len(path) == 1:
        if key == "ratings" and (_others(change.old, writer) or _others(change.new, writer)):
            return MARK
        if key in _WORDING and not writer.facilitator:  # the record shows what was asked
            return WORDING
        return None
    if path[1] == "ratings":
        pid = path[2] if len(path) > 2 else key
        if pid is not None and pid != writer.id:
            return MARK
    return None


def _own_withdrawal(value: Any, writer: Writer) -> bool:
    """`{by, at}`: withdrawn by the writer, at a time they give (the log says when it came)."""
    return (
        isinstance(value, dict)
        and value.keys() == {"by", "at"}
        and value["by"] == writer.id
        and len(value["at"]) <= 40
        and is_moment(value["at"])
    )


def _others(value: Any, writer: Writer) -> bool:
    """Does this map (a Node, or a plain object: readers take either) hold a key of someone
    other than the writer?"""
    return isinstance(value, Node | dict) and bool(value.keys() - {writer.id})


_RULES: dict[str, Callable[[Change, Writer], str | None]] = {
    "meta": _meta,
    "items": _items,
    "scales": _scales,
}


# What a kept update did, for the record -----------------------------------------------------

MAX_CARD_ID = 100  # longer (client-made) card ids are left out of the card_writers table

# A card's keys that say where it is or what others think of it: changing them is not writing
# in it (a move, a stance, a withdrawal).
_NOT_WRITING = frozenset({"order", "section", "stance", "withdrawn"})


def written_cards(changes: Iterable[Change], typed: Iterable[str]) -> set[str]:
    """The cards these changes wrote in: added, typed in, or a field of theirs changed."""
    cards = set(typed)
    for change in changes:
        if change.root != "items":
            continue
        if not change.path:
            if change.key is not None and isinstance(change.new, Node):
                cards.add(change.key)
        elif len(change.path) == 1:
            if change.key not in _NOT_WRITING:
                cards.add(str(change.path[0]))
        elif change.path[1] not in _NOT_WRITING:
            cards.add(str(change.path[0]))
    return cards


def withdrawals(changes: Iterable[Change]) -> list[tuple[str, str]]:
    """("withdraw" | "restore", card id) for each card these changes withdrew or restored."""
    found = []
    for change in changes:
        if change.root == "items" and len(change.path) == 1 and change.key == "withdrawn":
            if change.action == "add":
                found.append(("withdraw", str(change.path[0])))
            elif change.action == "delete":
                found.append(("restore", str(change.path[0])))
    return found


# Reading what an update changed, from a pycrdt document's deep events ----------------------

ROOTS = tuple(_RULES)


class _Card:
    __slots__ = ("author", "stance")

    def __init__(self, author: Any, stance: frozenset[str] | None) -> None:
        self.author = author
        self.stance = stance


class Tracker:
    """Watches one room document: the `Change`s of each transaction (kept while `recording`),
    and a summary of the maps a later update might remove.

    The summary is refreshed from the document itself after every transaction, whoever made
    it (a client, another process, the server), for what that transaction touched. Typing
    in a card touches nothing the rules read, and costs one look at each event's path.

    pycrdt keeps each callback on the Rust side, out of sight of the garbage collector:
    `close` must be called once the document is no longer used (as `Room.dispose` does).
    """

    def __init__(self, doc: Doc[Any], uploads: picture_rules.Uploads | None = None) -> None:
        self.changes: list[Change] = []
        self._uploads = uploads
        self.typed: set[str] = set()  # cards whose text the recorded transactions changed
        # (card, participant) pairs already reported as written (`kept`): each goes to the
        # card_writers table once per loaded document (again after a reload: it is ignored).
        self._reported: set[tuple[str, str]] = set()
        self.recording = False
        self._roots: dict[str, Map[Any]] = {name: doc.get(name, type=Map) for name in ROOTS}
        self._cards: dict[str, _Card] = {}
        self._marks: dict[str, frozenset[str] | None] = {}  # scale id -> who has a mark
        self._people: frozenset[str] | None = None
        items, scales = self._roots["items"], self._roots["scales"]
        for card_id, card in items.items():
            self._card(card_id, card)
        for scale_id, scale in scales.items():
            self._scale(scale_id, scale)
        self._people = _keys(self._roots["meta"].get("people"))
        self._subscriptions: list[tuple[Map[Any], Subscription]] = [
            (root, root.observe_deep(partial(self._observed, name)))
            for name, root in self._roots.items()
        ]

    def close(self) -> None:
        for root, subscription in self._subscriptions:
            root.unobserve(subscription)
        self._subscriptions = []
        self.forget()

    def judge(self, writer: Writer) -> str | None:
        """The first rule the recorded changes break (they are then forgotten), or None."""
        refused = violation(self.changes, writer, self) if self.changes else None
        if refused is not None:
            self.forget()
        return refused

    # What the picture rules read of the room (picture_rules.Place), after the update.

    def uploaded(self, picture_id: str) -> bool:
        return self._uploads is not None and self._uploads.uploaded(picture_id)

    def allows(self, card_id: str) -> bool:
        if self._uploads is not None and self._uploads.anywhere:
            return True
        if self._roots["meta"].get(picture_rules.EVERYWHERE) is True:
            return True
        card = self._roots["items"].get(card_id)
        return isinstance(card, Map) and card.get("section") == picture_rules.SECTION

    def kept(self, me: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        """What the record learns from the recorded changes, once kept (then forgotten): the
        cards `me` wrote in that were not reported for them yet, and the cards withdrawn or
        restored (`withdrawals`)."""
        edited: tuple[str, ...] = ()
        if me:
            edited = tuple(
                card
                for card in written_cards(self.changes, self.typed)
                if len(card) <= MAX_CARD_ID and (card, me) not in self._reported
            )
            self._reported.update((card, me) for card in edited)
        trail = tuple(withdrawals(self.changes))
        self.forget()
        return edited, trail

    def forget(self) -> None:
        """Drop what was recorded (after it was judged, or when the update failed)."""
        self.changes.clear()
        self.typed.clear()

    def _observed(self, root: str, events: list[Any]) -> None:
        # Never raise here: pycrdt would keep the exception and raise it from the apply.
        touched: set[str] = set()  # keys of the root whose summary may have changed
        record = self.recording
        for event in events:
            path = tuple(event.path)
            if root == "items" and len(path) == 2 and path[1] == "text":
                if record:
                    self.typed.add(str(path[0]))
                continue  # typing: nothing the rules read, the hot path
            is_map = isinstance(event, MapEvent)
            keys: dict[str, dict[str, Any]] = event.keys if is_map else {}
            if path:
                touched.add(str(path[0]))
            else:
                touched.update(keys)
            if not record:
                continue
            if not keys:
                self.changes.append(Change(root, path))  # a text, an array, keyless content
            for key, what in keys.items():
                old = self._old(root, path, key, what.get("oldValue"))
                new = _value(what.get("newValue"), 2)
                self.changes.append(Change(root, path, key, what.get("action", ""), old, new))
        if not touched:
            return
        if root == "items":
            items = self._roots["items"]
            for card_id in touched:
                self._card(card_id, items.get(card_id))
        elif root == "scales":
            scales = self._roots["scales"]
            for scale_id in touched:
                self._scale(scale_id, scales.get(scale_id))
        elif "people" in touched:
            self._people = _keys(self._roots["meta"].get("people"))

    def _old(self, root: str, path: tuple[str | int, ...], key: str, old: Any) -> Any:
        """A key's value before the transaction: a removed map's content, from the summary."""
        if not isinstance(old, Map):
            return _value(old, 0)
        if root == "items":
            if not path:
                card = self._cards.get(key)
                if card is not None:
                    return Node({"author": card.author, "stance": _node_of(card.stance)})
            elif len(path) == 1 and key == "stance":
                card = self._cards.get(str(path[0]))
                if card is not None:
                    return _node_of(card.stance)
        elif root == "scales":
            if not path:
                return Node({"ratings": _node_of(self._marks.get(key))})
            if len(path) == 1 and key == "ratings":
                return _node_of(self._marks.get(str(path[0])))
        elif root == "meta" and not path and key == "people":
            return _node_of(self._people)
        return Node()

    def _card(self, card_id: str, card: Any) -> None:
        if isinstance(card, Map):
            self._cards[card_id] = _Card(card.get("author"), _keys(card.get("stance")))
        else:
            self._cards.pop(card_id, None)

    def _scale(self, scale_id: str, scale: Any) -> None:
        if isinstance(scale, Map):
            self._marks[scale_id] = _keys(scale.get("ratings"))
        else:
            self._marks.pop(scale_id, None)


def _keys(value: Any) -> frozenset[str] | None:
    return frozenset(value.keys()) if isinstance(value, Map | dict) else None


def _node_of(keys: frozenset[str] | None) -> Node | None:
    return None if keys is None else Node(dict.fromkeys(keys))


def _value(value: Any, depth: int) -> Any:
    """A live value as the rules see it: maps as Nodes (`depth` levels of them read)."""
    if isinstance(value, Map):
        if depth <= 0:
            return Node(dict.fromkeys(value.keys()))
        return Node({k: _value(v, depth - 1) for k, v in value.items()})
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    return OTHER
