"""Who owns which Yjs clientID in one room: the participant whose connection used it first,
in presence (awareness) or in an update.

Nobody else may write under it (their update is refused, their connection alone is closed)
or appear under it (their presence entry is dropped): a participant can never stop another
from editing, nor pass for them. Bindings are made durable through the update log, in the
same commit as the update that brings them (the `writers` table), so they hold after a
reconnect, in every process and after a restart. attribution.py reads them to name who added
each card.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from server.sync import awareness, structs
from server.sync.closes import UPDATE_REJECTED, Close

Binding = tuple[int, str]  # (clientID, participant id)


class ClientIds:
    def __init__(self, owners: Mapping[int, str] | None = None) -> None:
        self.owners: dict[int, str] = dict(owners or {})

    def new_in(self, me: Any, found: structs.UpdateShape, known: Mapping[int, int]) -> list[int]:
        """The clientIDs nobody owns yet that bring new structs in this update; refuses one
        that brings new structs under a clientID another participant owns."""
        new: list[int] = []
        for client, spans in found.ranges.items():
            if not any(end > known.get(client, 0) for _, end in spans):
                continue  # nothing new from this client: a resync resending what we have
            owner = self.owners.get(client)
            if owner is None:
                new.append(client)
            elif owner != me:
                raise Close(UPDATE_REJECTED, "this update carries another participant's changes")
        return new

    def bind(self, me: str, clients: Iterable[int]) -> tuple[Binding, ...]:
        """Bind these clientIDs to `me` where nobody owns them yet; returns the new bindings."""
        new = tuple((client, me) for client in clients if client not in self.owners)
        self.owners.update(new)
        return new

    def taken(self, me: Any, client_id: int) -> bool:
        """Whether `client_id` is bound to a participant other than `me`: `me` may not
        announce presence under it (a stock client passes on what it hears: no reason to
        close it, its entry is just left out)."""
        return bool(self.owners.get(client_id, me) != me)

    def present(self, me: str, accepted: list[awareness.Entry]) -> tuple[Binding, ...]:
        """Bind the clientIDs `me` has just appeared with, first (a removal binds nothing)."""
        return self.bind(me, (e.client_id for e in accepted if e.state is not None))

    def relayed(self, accepted: list[awareness.Entry]) -> None:
        """Presence another process accepted is stamped with the participant it bound the
        clientID to there: the same binding holds here (its durable copy is in the log)."""
        for entry in accepted:
            user = entry.state.get("user") if entry.state is not None else None
            who = user.get("id") if isinstance(user, dict) else None
            if isinstance(who, str):
                self.owners.setdefault(entry.client_id, who)
