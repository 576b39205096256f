"""JSON placed in an HTML page (the board's configuration, in a `<script type="application/json">`).

`<`, `>` and `&` are written as `\\u003c`, `\\u003e`, `\\u0026`, and U+2028 / U+2029 as
`\\u2028` / `\\u2029`, so that nothing in a value (a meeting's title, a person's name) can close
the element (`</script>`), open a comment or a nested script that swallows the rest of the page
(`<!--<script>`), or end a line in script. JSON.parse reads the same values back.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

# These characters only ever stand inside JSON strings, where an escape means the same.
_IN_HTML = str.maketrans(
    {
        "<": "\\u003c",
        ">": "\\u003e",
        "&": "\\u0026",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
    }
)


def script_json(value: Any) -> Markup:
    """`value` as JSON that is safe as the text of a `<script>` element."""
    return Markup(json.dumps(value).translate(_IN_HTML))
