"""Live seat maps: stream records into changes, batching per event, pacing, frame size."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.realtime.connections import Connection, seats_channel
from chalicelib.realtime.push import MAX_FRAME_BYTES
from chalicelib.realtime.seat_changes import push_seat_changes, seat_changes
from chalicelib.timestamps import epoch_to_rfc3339
from functions import seat_push
from tests.fakes.realtime import FakeClock, FakeConnectionStore, FakeSender

NOW = 1_800_000_000.0
AVAILABLE: dict[str, Any] = {"status": {"S": "available"}}
SOLD: dict[str, Any] = {"status": {"S": "sold"}, "booking_id": {"S": "b1"}}
SECTIONS = {"E1": {"floor": "Floor", "balcony": "Balcony"}, "E2": {"floor": "Floor"}}


def held(expires: float = NOW + 300, hold_id: str = "h1") -> dict[str, Any]:
    return {
        "status": {"S": "available"},
        "hold_id": {"S": hold_id},
        "hold_user_id": {"S": "u1"},
        "hold_expires_at": {"N": str(int(expires))},
    }


def record(
    seq: int,
    seat_id: str,
    new: dict[str, Any] | None,
    old: dict[str, Any] | None = None,
    event: str = "E1",
    name: str = "MODIFY",
) -> dict[str, Any]:
    section = seat_id.split("-")[0]
    keys = {"event_section": {"S": f"{event}#{section}"}, "seat_id": {"S": seat_id}}
    data: dict[str, Any] = {"Keys": keys, "SequenceNumber": f"{seq:021d}"}
    if new is not None:
        data["NewImage"] = {**keys, **new}
    if old is not None:
        data["OldImage"] = {**keys, **old}
    return {"eventName": name, "eventID": str(seq), "dynamodb": data}


def changes_of(records: list[dict[str, Any]], now: float = NOW) -> dict[str, list[dict[str, str]]]:
    found = seat_changes(records, now=now, section_names=lambda e: SECTIONS.get(e, {}))
    return {event: [c.as_dict() for c in changes] for event, changes in found.items()}


# --- records -> changes -------------------------------------------------------------------------


def test_a_hold_and_a_sale_become_held_and_sold_with_the_section_name() -> None:
    records = [
        record(1, "floor-a-1", held(), AVAILABLE),
        record(2, "balcony-c-9", SOLD, held()),
    ]
    assert changes_of(records) == {
        "E1": [
            {"seat_id": "balcony-c-9", "section": "Balcony", "status": "sold"},
            {
                "seat_id": "floor-a-1",
                "section": "Floor",
                "status": "held",
                "expires_at": epoch_to_rfc3339(NOW + 300),
            },
        ]
    }


def test_the_latest_image_per_seat_wins_whatever_the_record_order() -> None:
    # GIVEN a seat held, then sold, then a second seat held then released, delivered shuffled
    in_order = [
        record(10, "floor-a-1", held(), AVAILABLE),
        record(11, "floor-a-1", SOLD, held()),
        record(12, "floor-a-2", held(), AVAILABLE),
        record(13, "floor-a-2", AVAILABLE, held()),
    ]
    shuffled = [in_order[3], in_order[1], in_order[2], in_order[0]]
    # WHEN / THEN: the sold seat reads sold, and the hold-then-release nets out to no change
    expected = {"E1": [{"seat_id": "floor-a-1", "section": "Floor", "status": "sold"}]}
    assert changes_of(in_order) == expected
    assert changes_of(shuffled) == expected


def test_duplicate_records_change_nothing() -> None:
    once = [record(5, "floor-a-3", held(), AVAILABLE)]
    assert changes_of(once + once + once) == changes_of(once)


def test_seat_creation_and_no_net_change_produce_nothing() -> None:
    records = [
        record(1, "floor-a-1", AVAILABLE, None, name="INSERT"),  # provisioning
        record(2, "floor-a-2", AVAILABLE, AVAILABLE),
    ]
    assert changes_of(records) == {}


def test_a_hold_already_expired_reads_available_as_the_rest_seat_map_says() -> None:
    records = [record(1, "floor-a-1", held(expires=NOW - 5), AVAILABLE)]
    assert changes_of(records) == {}
    records = [record(2, "floor-a-1", held(expires=NOW + 60, hold_id="h2"), held(expires=NOW - 5))]
    (change,) = changes_of(records)["E1"]
    # the new hold carries its expiry: no record will say when it lapses, the client will
    assert change == {
        "seat_id": "floor-a-1",
        "section": "Floor",
        "status": "held",
        "expires_at": epoch_to_rfc3339(NOW + 60),
    }


def test_a_cancelled_booking_returns_its_seat_to_available() -> None:
    records = [record(1, "floor-b-4", AVAILABLE, SOLD)]
    assert changes_of(records) == {
        "E1": [{"seat_id": "floor-b-4", "section": "Floor", "status": "available"}]
    }


def test_changes_are_grouped_per_event() -> None:
    records = [
        record(1, "floor-a-1", held(), AVAILABLE, event="E1"),
        record(2, "floor-a-1", held(), AVAILABLE, event="E2"),
    ]
    assert set(changes_of(records)) == {"E1", "E2"}


# --- pushing ------------------------------------------------------------------------------------


def viewers(store: FakeConnectionStore, event_id: str, *ids: str) -> None:
    for cid in ids:
        store.add(Connection(cid, seats_channel(event_id), event_id, connected_at=NOW))


def push(
    records: list[dict[str, Any]], store: FakeConnectionStore, sender: FakeSender, clock: FakeClock
) -> Any:
    return push_seat_changes(
        records,
        store=store,
        sender=sender,
        section_names=lambda e: SECTIONS.get(e, {}),
        clock=clock,
        sleep=clock.sleep,
    )


def test_each_viewer_of_the_event_gets_one_message_with_all_the_batch_changes() -> None:
    store, sender, clock = FakeConnectionStore(), FakeSender(), FakeClock(NOW)
    viewers(store, "E1", "v1", "v2")
    viewers(store, "E2", "other")
    records = [record(i, f"floor-a-{i}", held(), AVAILABLE) for i in range(1, 6)]
    push(records, store, sender, clock)
    for viewer in ("v1", "v2"):
        (message,) = sender.messages(viewer)
        assert message["type"] == "seats" and message["event_id"] == "E1"
        assert {c["seat_id"] for c in message["changes"]} == {f"floor-a-{i}" for i in range(1, 6)}
        assert {c["status"] for c in message["changes"]} == {"held"}
        assert message["as_of"].endswith("Z")
    assert sender.messages("other") == []


def test_a_viewer_never_gets_two_messages_within_a_second() -> None:
    store, sender, clock = FakeConnectionStore(), FakeSender(), FakeClock(NOW)
    viewers(store, "E1", "v1")
    push([record(1, "floor-a-1", held(), AVAILABLE)], store, sender, clock)
    clock.now += 0.3  # the next batch arrives 300 ms later
    push([record(2, "floor-a-2", held(), AVAILABLE)], store, sender, clock)
    assert len(sender.messages("v1")) == 2
    assert clock.slept == [pytest.approx(0.7)]  # it waited for the event's next slot
    pushes = [json.loads(data)["as_of"] for _, data in sender.frames]
    assert pushes[0] != pushes[1]


def test_when_the_changes_do_not_fit_in_32_kb_the_viewers_are_told_to_refresh() -> None:
    store, sender, clock = FakeConnectionStore(), FakeSender(), FakeClock(NOW)
    viewers(store, "E1", "v1")
    records = [record(i, f"floor-{i // 30}-{i % 30}", SOLD, AVAILABLE) for i in range(2000)]
    push(records, store, sender, clock)
    ((_, frame),) = sender.frames
    assert len(frame) < MAX_FRAME_BYTES
    assert json.loads(frame) == {
        "type": "seats",
        "event_id": "E1",
        "refresh": True,
        "as_of": json.loads(frame)["as_of"],
    }


def test_a_large_batch_that_fits_is_sent_whole_and_under_32_kb() -> None:
    store, sender, clock = FakeConnectionStore(), FakeSender(), FakeClock(NOW)
    viewers(store, "E1", "v1")
    records = [record(i, f"floor-a-{i}", SOLD, AVAILABLE) for i in range(300)]
    push(records, store, sender, clock)
    ((_, frame),) = sender.frames
    assert len(frame) < MAX_FRAME_BYTES
    assert len(json.loads(frame)["changes"]) == 300


def test_a_viewer_answering_410_is_purged_and_the_others_still_get_the_message() -> None:
    store, sender, clock = FakeConnectionStore(), FakeSender(gone={"dead"}), FakeClock(NOW)
    viewers(store, "E1", "dead", "alive")
    store.add(Connection("dead", "queue#E1", "E1", queue_id="q1", user_id="u1"))
    report = push([record(1, "floor-a-1", held(), AVAILABLE)], store, sender, clock)
    assert report.gone == 1
    assert "dead" not in store.connection_ids()  # every channel of it
    assert len(sender.messages("alive")) == 1


def test_no_viewers_means_no_pacing_write_and_no_push() -> None:
    store, sender, clock = FakeConnectionStore(), FakeSender(), FakeClock(NOW)
    push([record(1, "floor-a-1", held(), AVAILABLE)], store, sender, clock)
    assert sender.frames == [] and store.paces == {}


def test_the_stream_handler_asks_for_a_retry_from_the_first_record_when_pushing_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(records: Any) -> None:
        raise RuntimeError("connections table unavailable")

    monkeypatch.setattr(seat_push, "push_seat_changes", broken)
    records = [record(7, "floor-a-1", held(), AVAILABLE), record(8, "floor-a-2", held(), AVAILABLE)]
    result = seat_push.handler({"Records": records}, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": f"{7:021d}"}]}
