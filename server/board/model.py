"""The meeting map as Yjs documents: constants, writing, tolerant reading and rendering.

Pure functions, no I/O. The document shape is a public contract for every Yjs client:
docs/document-model.md and schemas/document.schema.json describe it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final, TypedDict

from pycrdt import Array, Doc, Map, Text, XmlText

# The fractional index (order_keys.py): write_map uses it, and callers find it here as before.
from server.board.order_keys import ORDER_DIGITS as ORDER_DIGITS
from server.board.order_keys import is_order_key as is_order_key
from server.board.order_keys import order_between as order_between
from server.board.picture_rules import read_pictures, written_pictures
from server.i18n import N_

SCHEMA_VERSION: Final = 1

SECTIONS: Final = ("harm", "danger", "complicating", "strengths", "safety", "goals", "next_steps")
OPTIONAL_SECTIONS: Final = ("unknowns", "child_voice", "safety_network", "safety_plan")
ALL_SECTIONS: Final = SECTIONS + OPTIONAL_SECTIONS

# (column id, heading, sections). Worries and what's working well are equal columns.
COLUMNS: Final = (
    ("worries", N_("What are we worried about?"), ("harm", "danger", "complicating")),
    ("working_well", N_("What's working well?"), ("strengths", "safety")),
    ("needs_to_happen", N_("What needs to happen?"), ("goals", "next_steps")),
)

_CHILD_PROTECTION: Final = {
    "harm": N_("What has happened"),
    "danger": N_("Worries for the future"),
    "complicating": N_("What makes it harder"),
    "strengths": N_("Strengths"),
    "safety": N_("What already keeps the child safe"),
    "goals": N_("Safety goals"),
    "next_steps": N_("Next steps"),
    "unknowns": N_("Things we don't know yet"),
    "child_voice": N_("The child's voice"),
    "safety_network": N_("Safety network"),
    "safety_plan": N_("Safety plan"),
}
# Each service keeps the same section ids and only renames a few of them.
LABEL_SETS: Final[Mapping[str, Mapping[str, str]]] = {
    "child_protection": _CHILD_PROTECTION,
    "early_help": {**_CHILD_PROTECTION, "danger": N_("Worries"), "goals": N_("Wellbeing goals")},
    "children_in_care": {**_CHILD_PROTECTION, "goals": N_("Success goals")},
}
DEFAULT_LABEL_SET: Final = "child_protection"

# Gentle prompts shown in empty sections; never mandatory forms.
PROMPTS: Final[Mapping[str, str]] = {
    "harm": N_("What has happened to the child? Say what happened, when, and who saw it."),
    "danger": N_("Who is worried, about what someone does, and what could happen to the child?"),
    "complicating": N_("What makes things harder to sort out?"),
    "strengths": N_("Who and what helps the child? What is going well?"),
    "safety": N_("What have people already done, again and again, that keeps the child safe?"),
    "goals": N_("When things are good enough, what will the adults do and the child notice?"),
    "next_steps": N_("What happens next, who will do it, and by when?"),
    "unknowns": N_("What do we still need to find out?"),
    "child_voice": N_("What has the child said, drawn or shown us?"),
    "safety_network": N_("Who can help, and how?"),
    "safety_plan": N_("What are the family's rules, and the warning signs to act on?"),
}

STANCES: Final = ("agree", "dispute", "unsure")
NEXT_STEP_STATUSES: Final = ("not_started", "in_progress", "done")
# Words people type for a status; "booked" (an arranged meeting) is still to happen.
_STATUS_ALIASES: Final = {"booked": "in_progress"}
ROLES: Final = ("facilitator", "professional", "family", "viewer")
MEETING_STATUSES: Final = ("open", "ended")

DEFAULT_SCALE_QUESTION: Final = (
    "10 means everyone agrees the children are safe enough for the case to close; "
    "0 means things are so bad the children cannot live at home. Where are things now?"
)
DEFAULT_SCALE_LOW: Final = "Things are so bad the children cannot live at home"
DEFAULT_SCALE_HIGH: Final = "Everyone agrees the children are safe enough for the case to close"
SCALE_MIN: Final = 0
SCALE_MAX: Final = 10


class Rating(TypedDict):
    value: int
    reason: str
    up: str | None
    at: str | None


class Item(TypedDict):
    section: str
    text: str
    order: str
    author: str
    createdAt: str | None
    speaker: str | None
    answers: str | None
    owner: str | None
    due: str | None
    status: str | None
    stance: dict[str, str]
    withdrawn: dict[str, str] | None  # {by, at}: withdrawn, not deleted (still in the record)
    pictures: list[dict[str, str]]  # [{id, description}] (picture_rules.py)


class Scale(TypedDict):
    question: str
    low: str
    high: str
    about: str
    revealed: bool
    ratings: dict[str, Rating]


class Meta(TypedDict):
    title: str
    labelSet: str | None
    optionalSections: list[str]


class LayerView(TypedDict):
    meta: Meta
    items: dict[str, Item]
    scales: dict[str, Scale]


# --- writing ----------------------------------------------------------------------------


def write_map(doc: Doc[Any], data: Mapping[str, Any]) -> None:
    """Populate a layer doc from the product's JSON shape, in one transaction.

    `data`: optional `title`, `labelSet`, `optionalSections` and `people` (participant id ->
    {name, role, relationship?, agency?}, the board's name cache: the only keys written to meta);
    `cards` and/or `sections` (as render_meeting gives); `scales`; and `createdAt`, the time
    for cards and ratings that carry none. Invalid input raises ValueError: clients would
    trip on it.
    """
    cards = list(data.get("cards", []))
    for section_cards in dict(data.get("sections", {})).values():
        cards.extend(section_cards)
    default_at = data.get("createdAt")
    if data.get("labelSet", DEFAULT_LABEL_SET) not in LABEL_SETS:
        raise ValueError(f"unknown label set {data['labelSet']!r}")
    if not set(data.get("optionalSections", [])) <= set(OPTIONAL_SECTIONS):
        raise ValueError("unknown optional section")
    ids = [card["id"] for card in cards]
    if len(set(ids)) < len(ids) or any(i in doc.get("items", type=Map) for i in ids):
        raise ValueError("duplicate card id")
    # Validate everything first: a transaction cannot be rolled back half-way.
    last: dict[str, str | None] = {}
    for card in cards:
        if is_order_key(card.get("order")):
            last[card["section"]] = max(card["order"], last.get(card["section"]) or "")
    items: dict[str, Map[Any]] = {}
    for card in cards:
        order = card.get("order")
        if not is_order_key(order):
            order = last[card["section"]] = order_between(last.get(card["section"]), None)
        items[card["id"]] = Map(_item_fields(card, order, default_at))
    scales = {s["id"]: Map(_scale_fields(s, default_at)) for s in data.get("scales", [])}
    people = {str(pid): _person_entry(person) for pid, person in data.get("people", {}).items()}
    with doc.transaction():
        meta = doc.get("meta", type=Map)
        for key in ("title", "labelSet", "optionalSections"):
            if key in data:  # optionalSections is a plain JSON array, replaced whole
                meta[key] = data[key]
        if people:
            if not isinstance(meta.get("people"), Map):
                meta["people"] = Map()
            meta["people"].update(people)  # plain JSON entries, as the board writes them
        doc.get("items", type=Map).update(items)
        doc.get("scales", type=Map).update(scales)


def _person_entry(person: Mapping[str, Any]) -> dict[str, str]:
    if person.get("role") not in ROLES or not isinstance(person.get("name"), str):
        raise ValueError("a person needs a name and a known role")
    entry = {"name": str(person["name"]), "role": str(person["role"])}
    if person.get("relationship"):
        entry["relationship"] = str(person["relationship"])
    if person.get("agency"):
        entry["agency"] = str(person["agency"])
    return entry


def _item_fields(card: Mapping[str, Any], order: str, default_at: object) -> dict[str, Any]:
    if card["section"] not in ALL_SECTIONS:
        raise ValueError(f"unknown section {card['section']!r}")
    created = card.get("createdAt") or default_at
    if not isinstance(created, str) or not isinstance(card.get("author"), str):
        raise ValueError(f"card {card['id']!r} needs an author and a createdAt")
    fields: dict[str, Any] = {
        "section": card["section"],
        "text": Text(card.get("text", "")),
        "order": order,
        "author": card["author"],
        "createdAt": created,
    }
    for key in ("speaker", "answers", "owner"):
        if card.get(key) is not None:
            fields[key] = str(card[key])
    if card.get("due") is not None:
        fields["due"] = _iso_date(card["due"])
        if fields["due"] is None:
            raise ValueError(f"due is not an ISO date: {card['due']!r}")
    if card.get("status") is not None:
        word = str(card["status"]).strip().lower().replace(" ", "_").replace("-", "_")
        fields["status"] = _STATUS_ALIASES.get(word, word)
        if fields["status"] not in NEXT_STEP_STATUSES:
            raise ValueError(f"unknown status {card['status']!r}")
    if (withdrawn := _withdrawal(card.get("withdrawn"))) is not None:
        fields["withdrawn"] = withdrawn
    if pictures := written_pictures(card.get("pictures")):
        fields["pictures"] = pictures
    stance = dict(card.get("stance") or {})
    stance.update({s["participant"]: s["stance"] for s in card.get("stances") or []})
    if not set(stance.values()) <= set(STANCES):
        raise ValueError(f"unknown stance on card {card['id']!r}")
    fields["stance"] = Map(stance)
    return fields


def _scale_fields(scale: Mapping[str, Any], default_at: object) -> dict[str, Any]:
    ratings: dict[str, dict[str, Any]] = {}
    for rating in scale.get("ratings", []):
        value = rating["value"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"rating is not an integer: {value!r}")
        if not SCALE_MIN <= value <= SCALE_MAX:
            raise ValueError(f"rating out of range: {value!r}")
        plain = {"value": value, "reason": str(rating.get("reason", ""))}
        if rating.get("up"):
            plain["up"] = str(rating["up"])
        plain["at"] = rating.get("at") or default_at
        if not isinstance(plain["at"], str):
            raise ValueError("a rating needs an `at` time")
        ratings[rating["participant"]] = plain
    fields: dict[str, Any] = {
        "question": scale.get("question") or DEFAULT_SCALE_QUESTION,
        "low": scale.get("low") or DEFAULT_SCALE_LOW,
        "high": scale.get("high") or DEFAULT_SCALE_HIGH,
        "about": scale.get("about") or "",
        "ratings": Map(ratings),
    }
    if "revealed" in scale:
        fields["revealed"] = bool(scale["revealed"])
    return fields


# --- reading ----------------------------------------------------------------------------


def read_layer(doc: Doc[Any]) -> LayerView:
    """A plain view of one layer doc; values of the wrong type are skipped or defaulted."""
    with doc.transaction():
        meta = _plain(doc.get("meta", type=Map))
        items = _plain(doc.get("items", type=Map))
        scales = _plain(doc.get("scales", type=Map))
    meta = meta if isinstance(meta, dict) else {}
    optional = meta.get("optionalSections")
    enabled = set(optional) if isinstance(optional, list) else set()
    label_set = meta.get("labelSet")
    layer: LayerView = {
        "meta": {
            "title": _text(meta.get("title")),
            "labelSet": label_set if label_set in LABEL_SETS else None,
            "optionalSections": [s for s in OPTIONAL_SECTIONS if s in enabled],
        },
        "items": {},
        "scales": {},
    }
    for item_id, raw in (items if isinstance(items, dict) else {}).items():
        item = _read_item(raw)
        if item is not None:
            layer["items"][item_id] = item
    for scale_id, raw in (scales if isinstance(scales, dict) else {}).items():
        if isinstance(raw, dict):
            layer["scales"][scale_id] = _read_scale(raw)
    return layer


_DEPTH = 8  # the model nests 4 deep (items, card, stance, entry); a client may nest any deeper


def _plain(value: object, depth: int = _DEPTH) -> object:
    """Shared types to plain Python; types outside the model (XML, subdocs, bytes), and
    anything nested deeper than the model ever goes, to None."""
    if isinstance(value, (Map, dict, Array, list)) and depth <= 0:
        return None
    if isinstance(value, (Map, dict)):
        return {k: _plain(v, depth - 1) for k, v in value.items() if isinstance(k, str)}
    if isinstance(value, (Array, list)):
        return [_plain(v, depth - 1) for v in value]
    if isinstance(value, (Text, XmlText)):
        return str(value)
    if value is None or isinstance(value, (str, int, float)):
        return value
    return None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _opt_text(value: object) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def _iso_date(value: object) -> str | None:
    try:
        return date.fromisoformat(value).isoformat() if isinstance(value, str) else None
    except ValueError:
        return None


def _rating_value(value: object) -> int | None:
    # Yjs numbers arrive as floats; bools are ints in Python but never a rating.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if SCALE_MIN <= value <= SCALE_MAX and float(value).is_integer() else None


def _read_item(raw: object) -> Item | None:
    if not isinstance(raw, dict) or raw.get("section") not in ALL_SECTIONS:
        return None
    stance, status = raw.get("stance"), raw.get("status")
    return {
        "section": raw["section"],
        "text": _text(raw.get("text")),
        "order": _text(raw.get("order")),
        "author": _text(raw.get("author")),
        "createdAt": _opt_text(raw.get("createdAt")),
        "speaker": _opt_text(raw.get("speaker")),
        "answers": _opt_text(raw.get("answers")),
        "owner": _opt_text(raw.get("owner")),
        "due": _iso_date(raw.get("due")),
        "status": status if status in NEXT_STEP_STATUSES else None,
        "withdrawn": _withdrawal(raw.get("withdrawn")),
        "pictures": read_pictures(raw.get("pictures")),
        "stance": {
            who: what
            for who, what in (stance.items() if isinstance(stance, dict) else ())
            if what in STANCES
        },
    }


def _withdrawal(value: object) -> dict[str, str] | None:
    by, at = (value.get("by"), value.get("at")) if isinstance(value, dict) else (None, None)
    if not isinstance(by, str) or not isinstance(at, str) or not is_moment(at):
        return None
    return {"by": by, "at": at}


def is_moment(value: object) -> bool:
    """An ISO-8601 date-time with an offset (as `withdrawn.at` must be)."""
    try:
        return isinstance(value, str) and datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _read_scale(raw: dict[str, Any]) -> Scale:
    ratings: dict[str, Rating] = {}
    raw_ratings = raw.get("ratings")
    for who, rating in raw_ratings.items() if isinstance(raw_ratings, dict) else ():
        value = _rating_value(rating.get("value")) if isinstance(rating, dict) else None
        if value is None or not isinstance(rating, dict):
            continue
        ratings[who] = {
            "value": value,
            "reason": _text(rating.get("reason")),
            "up": _opt_text(rating.get("up")),
            "at": _opt_text(rating.get("at")),
        }
    revealed = raw.get("revealed")
    # Clients show the default wording when a question is missing, so the record does too.
    return {
        "question": _opt_text(raw.get("question")) or DEFAULT_SCALE_QUESTION,
        "low": _opt_text(raw.get("low")) or DEFAULT_SCALE_LOW,
        "high": _opt_text(raw.get("high")) or DEFAULT_SCALE_HIGH,
        "about": _text(raw.get("about")),
        "revealed": revealed if isinstance(revealed, bool) else True,
        "ratings": ratings,
    }


# --- rendering --------------------------------------------------------------------------


def render_meeting(
    main: Doc[Any],
    professional: Doc[Any] | None,
    meeting: Mapping[str, Any],
    roster: Sequence[Mapping[str, Any]],
    *,
    added_by: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
    edited_by: Mapping[str, Mapping[str, Sequence[Mapping[str, Any]]]] | None = None,
) -> dict[str, Any]:
    """The whole meeting as JSON (schemas/map.schema.json); professional=None is the family copy.

    `added_by`: layer ("main", "professional") -> card id -> the participant who added it as
    the server saw it (attribution.py), printed instead of the card's own `author`, which is
    only what a client claimed; `edited_by`, the same for everyone else the server saw
    writing in it. Keyed by layer: the two layers are separate documents, and a card
    id on one says nothing about who wrote the card with the same id on the other.
    """
    if meeting["status"] not in MEETING_STATUSES:
        raise ValueError(f"unknown meeting status {meeting['status']!r}")
    layers = [("main", read_layer(main))]
    if professional is not None:
        layers.append(("professional", read_layer(professional)))
    main_meta = layers[0][1]["meta"]
    # The meeting record is authoritative; the doc's meta only mirrors it for clients.
    label_set = next(
        (str(s) for s in (meeting.get("labelSet"), main_meta["labelSet"]) if s in LABEL_SETS),
        DEFAULT_LABEL_SET,
    )
    sections: dict[str, list[dict[str, Any]]] = {s: [] for s in ALL_SECTIONS}
    scales: list[dict[str, Any]] = []
    for layer_name, layer in layers:
        for item_id, item in layer["items"].items():
            card = _render_card(item_id, item, layer_name)
            person = (added_by or {}).get(layer_name, {}).get(item_id)
            if person is not None:
                card["addedBy"] = dict(person)
            if editors := (edited_by or {}).get(layer_name, {}).get(item_id):
                card["editedBy"] = [dict(p) for p in editors]
            sections[item["section"]].append(card)
        for scale_id, scale in layer["scales"].items():
            scales.append(_render_scale(scale_id, scale, layer_name))
    for cards in sections.values():
        cards.sort(key=lambda c: (c["order"], c["id"], c["layer"]))
    scales.sort(key=lambda s: (s["id"], s["layer"]))
    return {
        "schemaVersion": SCHEMA_VERSION,
        # Exactly render_meeting's `meeting` argument, so a record can be rendered again.
        "meeting": {
            "id": str(meeting["id"]),
            "title": str(meeting.get("title") or main_meta["title"]),
            "labelSet": label_set,
            "status": str(meeting["status"]),
            "createdAt": str(meeting["createdAt"]),
            "endedAt": None if meeting.get("endedAt") is None else str(meeting["endedAt"]),
        },
        "labels": dict(LABEL_SETS[label_set]),
        "optionalSections": main_meta["optionalSections"],
        "participants": _render_roster(roster),
        "sections": sections,
        "scales": scales,
        "professionalOnly": professional is not None,
    }


def _render_card(item_id: str, item: Item, layer: str) -> dict[str, Any]:
    stances = [
        {"participant": who, "stance": item["stance"][who]} for who in sorted(item["stance"])
    ]
    card = {k: v for k, v in item.items() if k != "stance"}
    for absent in [key for key in ("withdrawn", "pictures") if not card[key]]:
        del card[absent]  # records rendered before these existed stay byte-identical
    return card | {"id": item_id, "layer": layer, "stances": stances}


def _render_scale(scale_id: str, scale: Scale, layer: str) -> dict[str, Any]:
    ratings = scale["ratings"]
    return {
        "id": scale_id,
        "layer": layer,
        "question": scale["question"],
        "low": scale["low"],
        "high": scale["high"],
        "about": scale["about"] or None,
        "revealed": scale["revealed"],
        "ratings": [{"participant": who, **ratings[who]} for who in sorted(ratings)],
    }


def _render_roster(roster: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if bad := [p["role"] for p in roster if p["role"] not in ROLES]:
        raise ValueError(f"unknown role {bad[0]!r}")
    people = [
        {
            "id": str(p["id"]),
            "name": str(p["name"]),
            "role": str(p["role"]),
            "relationship": _opt_text(p.get("relationship")),
            # A professional's service as they gave it; "" for none (the record's contract).
            "agency": str(p.get("agency") or ""),
        }
        for p in roster
    ]
    # Chair first, then professionals, family and screens, each by name.
    return sorted(people, key=lambda p: (ROLES.index(str(p["role"])), str(p["name"]), str(p["id"])))
