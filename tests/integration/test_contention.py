"""Never two owners of one seat: hundreds of buyers race through the HTTP API for a few seats."""

from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tests.support import Api, User

BUYERS = 200
SEATS = 50


@dataclass
class Outcome:
    statuses: list[int] = field(default_factory=list)
    booking_id: str | None = None


def test_two_hundred_buyers_fifty_seats_no_seat_sold_twice(api: Api) -> None:
    # GIVEN an on-sale event with 50 seats in two sections and 200 signed-up buyers
    venue_id = api.create_venue(
        [
            {
                "section": "Left",
                "price": {"amount": 4000, "currency": "USD"},
                "rows": [{"row": "A", "seats": 25}],
            },
            {
                "section": "Right",
                "price": {"amount": 4000, "currency": "USD"},
                "rows": [{"row": "A", "seats": 25}],
            },
        ]
    )
    event_id = api.create_event(venue_id, max_per_order=4)
    all_seats = [s["seat_id"] for s in api.call("GET", f"/events/{event_id}/seats").json()["seats"]]
    assert len(all_seats) == SEATS
    with ThreadPoolExecutor(max_workers=16) as pool:
        buyers = list(pool.map(lambda i: api.new_user(f"Buyer {i}"), range(BUYERS)))
    start = threading.Barrier(BUYERS)

    def buy(index: int, buyer: User) -> Outcome:
        rng = random.Random(index)
        outcome = Outcome()
        start.wait()
        for attempt in range(12):
            if index % 2 == 0 and attempt < 10:
                # explicit seats, picked from what the (eventually consistent) map says is free
                seats = api.call("GET", f"/events/{event_id}/seats").json()["seats"]
                free = [s["seat_id"] for s in seats if s["status"] == "available"] or all_seats
                body: dict[str, object] = {"seat_ids": rng.sample(free, min(len(free), rng.randint(1, 2)))}
            else:
                body = {"section": rng.choice(["Left", "Right"]), "quantity": rng.randint(1, 2)}
            hold = api.call("POST", f"/events/{event_id}/holds", buyer, json=body)
            outcome.statuses.append(hold.status_code)
            if hold.status_code != 201:
                continue
            paid = api.call(
                "POST", f"/holds/{hold.json()['hold_id']}/checkout", buyer, json={"payment_token": "tok_visa"}
            )
            outcome.statuses.append(paid.status_code)
            if paid.status_code == 201:
                outcome.booking_id = paid.json()["booking_id"]
                return outcome
        return outcome

    # WHEN they all race for the seats at once
    with ThreadPoolExecutor(max_workers=BUYERS) as pool:
        outcomes = list(pool.map(lambda pair: buy(*pair), enumerate(buyers)))

    # THEN no request failed on the server, and every loser was told 409
    statuses = Counter(code for o in outcomes for code in o.statuses)
    assert not [code for code in statuses if code >= 500], statuses
    assert set(statuses) <= {201, 409}, statuses
    losers = [o for o in outcomes if o.booking_id is None]
    assert losers and all(409 in o.statuses for o in losers)
    # AND exactly the 50 seats were sold, none of them twice
    sold: list[str] = []
    for buyer, outcome in zip(buyers, outcomes, strict=True):
        if outcome.booking_id:
            booking = api.call("GET", f"/bookings/{outcome.booking_id}", buyer).json()
            assert booking["status"] == "confirmed"
            sold.extend(booking["seat_ids"])
    assert len(sold) == len(set(sold)), "a seat was sold twice"
    assert sorted(sold) == sorted(all_seats)
