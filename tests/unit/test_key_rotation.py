"""`safetymap key rotate`: after it and a restart, no old link, session, API token or join cookie
works, and the meeting page shows four new links that do; as docs/operations.md says. Here the
pure checks (no server, database or process); the checks against a real server and database are
in tests/integration/test_key_rotation.py."""

from __future__ import annotations

from server.board.key_rotation import LiveLink, plan
from server.board.links import derive_key, derive_token, token_hash
from server.board.permissions import Role


def test_the_plan_re_derives_each_live_link_and_the_owners_key() -> None:
    live = [LiveLink(1, Role.FACILITATOR, "s1"), LiveLink(2, Role.FAMILY, None)]
    done = plan(live, "old-key", "new-key", salt=lambda: "fresh")
    assert [(r.link_id, r.salt) for r in done.relinks] == [(1, "s1"), (2, "fresh")]
    assert done.relinks[0].token_hash == token_hash(derive_token("new-key", "s1"))
    assert done.relinks[0].token_hash != token_hash(derive_token("old-key", "s1"))
    (owner,) = done.rekeys  # only the facilitator link has an owner's participant
    assert owner.old_hash == token_hash(derive_key("old-key", "owner:1"))
    assert owner.new_hash == token_hash(derive_key("new-key", "owner:1"))
