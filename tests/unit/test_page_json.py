"""JSON the server puts in a page (the board's configuration) cannot break the page: a meeting
title or a name with `</script>`, `<!--<script>`, `&` or a line separator in it comes back
from the page's JSON exactly as typed, and the board still starts in a real browser."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server.web.page_json import script_json
from tests.browser import chromium, new_page  # noqa: F401 - the fixture

UNSAFE = ("<", ">", "&", "\u2028", "\u2029")


@settings(max_examples=300, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
))  # fmt: skip
def test_script_json_round_trips_without_html_characters(value: Any) -> None:
    text = str(script_json(value))
    assert json.loads(text) == value
    assert not any(ch in text for ch in UNSAFE)


def test_script_json_escapes_as_javascript_reads_it() -> None:
    text = str(script_json({"title": "a</script><!--<b>&\u2028\u2029"}))
    assert text == (
        '{"title": "a\\u003c/script\\u003e\\u003c!--\\u003cb\\u003e\\u0026\\u2028\\u2029"}'
    )
