"""How the models store what they hold."""

from __future__ import annotations

import json

from chalicelib.models import Event, Money, RowLayout, SectionLayout, Venue
from tests.fakes.catalog import NOW, make_event

STADIUM = {
    f"Section {n}": (5000, [(f"Row {r}", 28) for r in range(1, 26)]) for n in range(1, 81)
}  # 80 sections x 25 rows x 28 seats


def test_rows_survive_a_round_trip_through_the_item() -> None:
    layout = {"Floor": (5000, [("A", 10), ('Row "B"', 12), ("Ünter 3", 1)])}
    event = make_event(layout=layout)

    loaded = Event.from_raw_data(event.serialize())

    assert loaded.sections[0].rows == [RowLayout("A", 10), RowLayout('Row "B"', 12), RowLayout("Ünter 3", 1)]
    assert sum(row.seats for row in loaded.sections[0].rows) == 23


def test_a_section_keeps_its_rows_in_one_string_attribute() -> None:
    item = make_event(layout=STADIUM).serialize()

    rows = item["sections"]["L"][0]["M"]["rows"]
    assert set(rows) == {"S"}
    assert json.loads(rows["S"])[:2] == [["Row 1", 28], ["Row 2", 28]]
    # A 56,000-seat event item stays small (it was ~150 KB as maps): every cold view, cache
    # refresh and stream record reads it whole.
    assert len(json.dumps(item)) < 60_000


def test_a_venue_stores_its_rows_the_same_way() -> None:
    venue = Venue(
        venue_id="V1",
        name="Hall",
        city="Testville",
        address="1 Test St",
        sections=[
            SectionLayout(
                section="Floor",
                slug="floor",
                price=Money(amount=1000, currency="USD"),
                rows=[RowLayout("A", 3)],
            )
        ],
        capacity=3,
        created_at=NOW,
    )

    item = venue.serialize()

    assert item["sections"]["L"][0]["M"]["rows"] == {"S": '[["A",3]]'}
    assert Venue.from_raw_data(item).sections[0].rows == [RowLayout("A", 3)]
