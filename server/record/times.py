"""Times and dates as people read them in the record: "12 May 2026, 10:00 BST", in the zone
the server is set to (SAFETYMAP_TIMEZONE), with the zone named and no seconds. The JSON record
keeps ISO 8601; only the human-readable formats go through here. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from server.translation.languages import SOURCE, cldr_locale

DEFAULT_ZONE = "Europe/London"


@dataclass(frozen=True, slots=True)
class Times:
    """How one record says when: every moment in one zone, in one language (month names from
    Babel's CLDR data: "12 maja 2026, 10:00 BST" in Polish)."""

    zone: ZoneInfo
    language: str = SOURCE

    @classmethod
    def named(cls, zone: str = DEFAULT_ZONE, language: str = SOURCE) -> Times:
        return cls(ZoneInfo(zone), language)

    def moment(self, value: str) -> datetime:
        """A stored ISO time in this zone (a naive time is UTC, as the store writes it)."""
        at = datetime.fromisoformat(value)
        return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(self.zone)

    def when(self, value: str | None) -> str:
        """ "12 May 2026, 10:00 BST"; "" for no time."""
        if not value:
            return ""
        at = self.moment(value)
        if self.language != SOURCE:
            from babel.dates import format_datetime  # Babel only for other languages

            said = format_datetime(at, "d MMMM y, HH:mm", locale=cldr_locale(self.language))
            return f"{said} {self.zone_name(at)}"
        return f"{at.day} {at:%B %Y, %H:%M} {self.zone_name(at)}"

    def day(self, value: str | None) -> str:
        """ "1 July 2026" ("1 lipca 2026"); the text itself if it is not a date."""
        if self.language == SOURCE or not value:
            return day(value)
        try:
            on = date.fromisoformat(value[:10])
        except ValueError:
            return value
        from babel.dates import format_date

        return format_date(on, "d MMMM y", locale=cldr_locale(self.language))

    def clock(self, value: str | None) -> str:
        """ "10:00 BST": a time of the meeting's own day."""
        if not value:
            return ""
        at = self.moment(value)
        return f"{at:%H:%M} {self.zone_name(at)}"

    @staticmethod
    def zone_name(at: datetime) -> str:
        """The zone's abbreviation ("BST", "GMT", "UTC"), or its offset where it has none
        ("UTC-03:00" rather than "-03")."""
        name = at.tzname() or ""
        if name and name[0] not in "+-":
            return name
        offset = f"{at:%z}"
        return f"UTC{offset[:3]}:{offset[3:5]}"


def day(value: str | None) -> str:
    """An ISO date as people read it: "1 July 2026"; the text itself if it is not a date."""
    if not value:
        return ""
    try:
        on = date.fromisoformat(value[:10])
    except ValueError:
        return value
    return f"{on.day} {on:%B %Y}"
