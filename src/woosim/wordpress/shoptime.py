"""The shop's two clocks on the page: local wall time (the shop timezone) and GMT, both to the second.

Also the date-filter arithmetic of WordPress/WooCommerce (rest_parse_date, WP_Date_Query, HPOS' local-to-GMT
conversion), because that is where clients go wrong: see `FilterDate`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

_FMT = "%Y-%m-%dT%H:%M:%S"

# rest_parse_date's pattern: a full date-time, "T", "t" or a space, optional fraction, optional Z or offset.
_REST_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}(?::\d{2})?)?$")


class ShopTime:
    """Formats epoch seconds as the API does and converts local wall times back to instants."""

    def __init__(self, timezone_name: str) -> None:
        self.name = timezone_name
        self.tz = ZoneInfo(timezone_name)

    def local(self, epoch: int) -> str:
        return datetime.fromtimestamp(epoch, self.tz).strftime(_FMT)

    @staticmethod
    def gmt(epoch: int) -> str:
        return datetime.fromtimestamp(epoch, UTC).strftime(_FMT)

    def local_wall_to_epoch(self, wall: datetime) -> int:
        """A naive local wall time as an instant; ambiguous times take their first occurrence, as PHP does."""
        return int(wall.replace(tzinfo=self.tz, fold=0).timestamp())

    def to_local_wall(self, instant: datetime) -> datetime:
        return instant.astimezone(self.tz).replace(tzinfo=None)

    def gmt_offset_hours(self, epoch: int) -> float:
        offset = datetime.fromtimestamp(epoch, self.tz).utcoffset() or timedelta(0)
        return offset.total_seconds() / 3600


def parse_gmt(text: str) -> int:
    """An API GMT date string ("2026-11-24T06:38:36") as epoch seconds."""
    return int(datetime.strptime(text, _FMT).replace(tzinfo=UTC).timestamp())


@dataclass(frozen=True)
class FilterDate:
    """A valid `after`/`before`/`modified_*` value, reduced to the local wall time WordPress compares."""

    wall: datetime  # naive, whole seconds

    def bound(self, shop_time: ShopTime, dates_are_gmt: bool) -> int:
        """The epoch second the (exclusive) filter compares against.

        WP_Date_Query turns the value into the shop's local wall time (a value with Z or an offset is converted,
        a naive one is taken as local). With dates_are_gmt that wall time is then compared with the GMT
        column as it stands, so naive values mean UTC and values with an offset are shifted by the shop's UTC
        offset, as the recordings show. Without it the wall time is converted from local to GMT.
        """
        if dates_are_gmt:
            return int(self.wall.replace(tzinfo=UTC).timestamp())
        return shop_time.local_wall_to_epoch(self.wall)


def is_rest_date(value: str) -> bool:
    """rest_parse_date succeeds: the pattern matches and strtotime accepts the numbers."""
    match = _REST_DATE.match(value)
    if match is None:
        return False
    _year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    return 1 <= month <= 12 and 1 <= day <= 31 and hour <= 24 and minute <= 59 and second <= 60


def parse_filter_date(value: str, shop_time: ShopTime) -> FilterDate | None:
    """rest_parse_date plus WP_Date_Query's reading of the value; None where WordPress says "Invalid date."."""
    match = _REST_DATE.match(value)
    if match is None or not is_rest_date(value):
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    # PHP rolls over out-of-range days and hours (2026-02-30 is 2026-03-02) instead of refusing them.
    base = datetime(year, month, 1, tzinfo=UTC).replace(tzinfo=None)
    naive = base + timedelta(days=day - 1, hours=hour, minutes=minute, seconds=second)
    zone = match.group(8)
    if zone is None:
        return FilterDate(naive)
    tz = UTC if zone == "Z" else _offset(zone)
    return FilterDate(shop_time.to_local_wall(naive.replace(tzinfo=tz)))


def _offset(text: str) -> timezone:
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours = int(digits[:2])
    minutes = int(digits[2:4]) if len(digits) > 2 else 0
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def http_date(epoch: float) -> str:
    """The `Date` header for the shop clock."""
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
