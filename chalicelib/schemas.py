"""Typed request models. Anything they reject is answered 400 `invalid_request`, naming the field.

Every model is strict about JSON types: `true` or `"2"` is not an integer, `1` or `"true"` is not
a boolean, `2.0` is not an integer either. Timestamps are the one exception: JSON has no date
type, so they arrive as RFC 3339 strings (`Timestamp`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
import zoneinfo
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic import Strict as StrictTypes

from chalicelib.errors import InvalidRequestError

EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$"
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ]*$"


# These run before whitespace is trimmed, so that a control character is refused wherever it
# is, not silently cut off the ends. Non-strings pass through to the type check, which refuses them.


def _single_line(value: Any) -> Any:
    """Refuse control characters (Unicode category Cc: NUL, tab, line breaks, ESC, DEL…) in a
    one-line text: names end up in e-mails, tickets and logs, where they break lines or hide text."""
    if isinstance(value, str) and any(unicodedata.category(c) == "Cc" for c in value):
        raise ValueError("must not contain control characters")
    return value


def _printable_lines(value: Any) -> Any:
    """Refuse control characters other than line breaks and tabs in a multi-line text."""
    if isinstance(value, str) and any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in value):
        raise ValueError("must not contain control characters other than tabs and line breaks")
    return value


def _no_nul(value: Any) -> Any:
    """Refuse NUL in a password: no password store or C string keeps it."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain the NUL character")
    return value


SingleLine = BeforeValidator(_single_line)


@functools.cache
def _time_zone_names() -> dict[str, str]:
    """Every IANA zone this runtime can load (the system's database and the `tzdata` package),
    by its case-folded name. Listed once per process, on the first venue that names a zone: it
    walks the database's directories (~10 ms), which nothing at import time should do."""
    return {name.casefold(): name for name in zoneinfo.available_timezones() if _a_place(name)}


def _a_place(name: str) -> bool:
    """A zone named for a place (Area/Location, Etc/GMT+5) or UTC. The database's old names
    without an area ("EST", "MST", "CST6CDT", "Japan") are refused: "EST" is UTC-5 all year,
    wrong for New York half of it, and an admin who types it means America/New_York."""
    return "/" in name or name == "UTC"


def _time_zone(value: str) -> str:
    """An IANA zone name, in its canonical spelling ("america/chicago" is America/Chicago).

    Only names the database lists are taken: `ZoneInfo` alone would read a file named by the
    key, so a path ("../etc/passwd", "/etc/localtime") must never reach it."""
    name = _time_zone_names().get(value.casefold())
    if name is None:
        raise ValueError("must be an IANA time zone name (Area/Location), such as America/Chicago")
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"time zone {name} cannot be loaded here") from None
    return name


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), SingleLine]
LayoutName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=12, pattern=NAME_PATTERN)
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, max_length=254, pattern=EMAIL_PATTERN),
    SingleLine,
]
NewPassword = Annotated[str, StringConstraints(min_length=8, max_length=256), BeforeValidator(_no_nul)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256), BeforeValidator(_no_nul)]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
TimeZoneName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), AfterValidator(_time_zone)
]
# The years an event's times may fall in. Beyond them nothing is sold, and the dates derived
# from an event (a waitlist's or a queue's retention, a search's day bounds) would leave the
# calendar (year 9999 + 7 days is an OverflowError, which was a 500).
FIRST_YEAR, LAST_YEAR = 2000, 2199


def _in_service_years(value: datetime) -> datetime:
    try:
        year = value.astimezone(UTC).year
    except OverflowError:  # 9999-12-31T23:00:00-05:00 is past the calendar's end in UTC
        year = value.year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"must fall between {FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31 (UTC)")
    return value


# JSON has no date type: a timestamp is the one field parsed from a string (RFC 3339, with a zone).
Timestamp = Annotated[AwareDatetime, StrictTypes(False), AfterValidator(_in_service_years)]


class Strict(BaseModel):
    """Unknown fields refused, and JSON types taken as they are (no `"2"` for 2, no `1` for true)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class SignupRequest(Strict):
    email: Email
    password: NewPassword
    name: Text
    # Consent to marketing e-mail (notifications); optional, and no unless given.
    marketing_consent: bool = False


class LoginRequest(Strict):
    email: Email
    password: Password


SeatId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


class HoldRequest(Strict):
    seat_ids: list[SeatId] | None = Field(default=None, min_length=1, max_length=100)
    section: Annotated[str, StringConstraints(min_length=1, max_length=40), SingleLine] | None = None
    quantity: int | None = Field(default=None, ge=1, le=100)

    @model_validator(mode="after")
    def _one_form(self) -> HoldRequest:
        by_seat = self.seat_ids is not None
        by_section = self.section is not None or self.quantity is not None
        if by_seat == by_section:
            raise ValueError("send either seat_ids, or section and quantity")
        if by_section and (self.section is None or self.quantity is None):
            raise ValueError("send both section and quantity")
        if self.seat_ids is not None and len(set(self.seat_ids)) != len(self.seat_ids):
            raise ValueError("seat_ids contains the same seat twice")
        return self


class CheckoutRequest(Strict):
    payment_token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class MoneyIn(Strict):
    amount: int = Field(ge=0, le=100_000_000)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class RowIn(Strict):
    row: LayoutName
    seats: int = Field(ge=1, le=500)


class SectionIn(Strict):
    section: LayoutName
    price: MoneyIn
    rows: list[RowIn] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _unique_rows(self) -> SectionIn:
        slugs = [slugify(r.row) for r in self.rows]
        if len(set(slugs)) != len(slugs):
            raise ValueError(f"section {self.section!r} names a row twice")
        return self


MAX_VENUE_CAPACITY = 120_000


class VenueCreate(Strict):
    name: Text
    city: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SingleLine]
    address: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), SingleLine
    ]
    sections: list[SectionIn] = Field(min_length=1, max_length=300)
    # Optional (added to the contract): the venue's IANA zone, in which its events' times are
    # shown; null or absent shows them as before (UTC in e-mails, the viewer's zone on the web).
    time_zone: TimeZoneName | None = None

    @model_validator(mode="after")
    def _consistent(self) -> VenueCreate:
        slugs = [slugify(s.section) for s in self.sections]
        if len(set(slugs)) != len(slugs):
            raise ValueError("two sections have the same name")
        if len({s.price.currency for s in self.sections}) != 1:
            raise ValueError("every section must be priced in the same currency")
        if sum(r.seats for s in self.sections for r in s.rows) > MAX_VENUE_CAPACITY:
            raise ValueError(f"a venue holds at most {MAX_VENUE_CAPACITY} seats")
        return self


class OnsaleIn(Strict):
    opens_at: Timestamp
    hold_seconds: int = Field(default=600, ge=1, le=3600)
    max_per_order: int = Field(default=8, ge=1, le=50)
    queue_required: bool = False
    admit_per_minute: int = Field(default=300, ge=1, le=100_000)


class OnsalePatch(Strict):
    opens_at: Timestamp | None = None
    hold_seconds: int | None = Field(default=None, ge=1, le=3600)
    max_per_order: int | None = Field(default=None, ge=1, le=50)
    queue_required: bool | None = None
    admit_per_minute: int | None = Field(default=None, ge=1, le=100_000)


Category = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40), SingleLine
]
Performer = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), SingleLine]
Description = Annotated[str, StringConstraints(max_length=5000), BeforeValidator(_printable_lines)]


class EventCreate(Strict):
    venue_id: Identifier
    name: Text
    description: Description = ""
    category: Category
    performers: list[Performer] = Field(default_factory=list, max_length=20)
    start_at: Timestamp
    end_at: Timestamp
    onsale: OnsaleIn

    @model_validator(mode="after")
    def _ordered(self) -> EventCreate:
        if self.end_at <= self.start_at:
            raise ValueError("end_at must be after start_at")
        return self


class EventPatch(Strict):
    name: Text | None = None
    description: Description | None = None
    category: Category | None = None
    performers: list[Performer] | None = Field(default=None, max_length=20)
    start_at: Timestamp | None = None
    end_at: Timestamp | None = None
    onsale: OnsalePatch | None = None

    @model_validator(mode="before")
    @classmethod
    def _venue_is_fixed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "venue_id" in data:
            raise ValueError("venue_id cannot change: create a new event instead")
        return data


# --- notifications ---------------------------------------------------------------------------


class PreferencesUpdate(Strict):
    marketing_consent: bool


def slugify(name: str) -> str:
    """The key-safe form of a section or row name: letters and digits, upper case."""
    return re.sub(r"[^A-Za-z0-9]", "", name).upper()


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], body: Any) -> M:
    """Validate a decoded JSON body, turning every validation failure into a clear 400."""
    if not isinstance(body, dict):
        raise InvalidRequestError("The body must be a JSON object")
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        errors = [
            {
                "field": ".".join(str(p) for p in err["loc"]) or "(body)",
                "message": err["msg"],
            }
            for err in exc.errors(include_url=False, include_input=False)
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        raise InvalidRequestError(detail, errors=errors) from None


# --- customers' rights ----------------------------------------------------------------------


class WaitlistRequest(Strict):
    # The event's max_per_order is checked by the waitlist service (it differs per event).
    quantity: int = Field(ge=1, le=50)
