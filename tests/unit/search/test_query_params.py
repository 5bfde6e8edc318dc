"""`GET /events/search` parameters into a SearchQuery: every malformed value is a clean 400."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.errors import InvalidRequestError
from chalicelib.search import SearchQuery
from tests.fakes.catalog import NOW


def test_all_parameters() -> None:
    query = SearchQuery.from_params(
        {
            "q": "  Beyoncé ",
            "city": "Paris",
            "category": "concerts",
            "performer": "Beyoncé",
            "venue_id": "V1",
            "start_date": "2027-03-01",
            "end_date": "2027-03-31",
            "limit": "50",
            "cursor": "abc",
            "unknown": "ignored",
        },
        now=NOW,
    )

    assert query == SearchQuery(
        q="Beyoncé",
        city="Paris",
        category="concerts",
        performer="Beyoncé",
        venue_id="V1",
        start_date=date(2027, 3, 1),
        end_date=date(2027, 3, 31),
        limit=50,
        cursor="abc",
        now=NOW,
    )
    assert query.words == ["beyonce"]


def test_defaults_and_empty_values() -> None:
    query = SearchQuery.from_params({"q": "", "city": "", "limit": "", "start_date": ""}, now=NOW)

    assert query == SearchQuery(now=NOW)
    assert query.limit == 20 and query.q is None


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "-1"},
        {"limit": "ten"},
        {"limit": "1e2"},
        {"limit": "0100"},
        {"start_date": "2027-02-30"},
        {"start_date": "01/03/2027"},
        {"end_date": "2027-3-1"},
        {"end_date": "20270301"},
        {"start_date": "2027-03-02", "end_date": "2027-03-01"},
        {"q": "x" * 201},
    ],
)
def test_malformed_parameters_are_invalid_requests(params: dict[str, str]) -> None:
    with pytest.raises(InvalidRequestError):
        SearchQuery.from_params(params, now=NOW)
