"""schemathesis against `schemas/openapi.json` on a real server process: every operation, with a
facilitator's API token, on made-up and on real meetings: no 5xx, and every response (status,
content type, body, headers) is what the description says. Here the pure checks (no server,
database or process); the checks against a real server and database are in
tests/integration/test_schemathesis.py."""

from __future__ import annotations

from schemathesis import GenerationMode

from tests.schemathesis_cases import (
    ODD_NUMBERS,
    schema,
    whole_number_parameters,
)

schema.config.generation.update(modes=list(GenerationMode))  # inside the description and out


ODD_NUMBERS += [str(10**20), "9" * 400]


def test_every_whole_number_parameter_is_checked() -> None:
    assert {(p, n) for p, _, _, n, _ in whole_number_parameters()} >= {
        ("/api/meetings/{meeting_id}/snapshots/{n}", "n")
    }
