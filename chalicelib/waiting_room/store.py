"""Storage of the waiting room: entries, per-event counters and ticks, in DynamoDB.

Every DynamoDB call the waiting room makes is here, behind `QueueStore`; the service functions
take a store argument so that unit tests pass an in-memory one (tests/fakes/waiting_room.py).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from chalicelib import aws
from chalicelib.models import QueueCounter, QueueEntry, QueueTick, table_name

logger = logging.getLogger("onsale.waiting_room")

ACTIVE_KEY = "#active"  # the QueueCounter item listing the events the admitter ticks
BATCH_GET_LIMIT = 100


@dataclass(frozen=True)
class Counter:
    """One event's counters as read."""

    pre_count: int = 0
    post_count: int = 0
    frozen_pre: int | None = None  # the pre-open pool size, fixed when the onsale opened
    serving: float = 0.0
    ticked_at: float | None = None
    listed: bool = False

    @property
    def served(self) -> int:
        """Places 1..served have been admitted."""
        return math.floor(self.serving)

    @property
    def places(self) -> int | None:
        """Places assigned so far (holes included), once the pre-open pool is fixed."""
        return None if self.frozen_pre is None else self.frozen_pre + self.post_count


class QueueStore(Protocol):
    def entries_and_counter(
        self, queue_ids: list[str], event_id: str
    ) -> tuple[dict[str, QueueEntry], Counter]: ...

    def entries(self, queue_ids: list[str], consistent: bool = False) -> dict[str, QueueEntry]: ...

    def counter(self, event_id: str, consistent: bool = True) -> Counter: ...

    def reserve(self, event_id: str, cohort: str, count: int) -> tuple[int, bool] | None:
        """Reserve `count` arrival numbers of a cohort with one counter write: (the first, whether
        the event is listed as active). None for the pre-open cohort once its pool is frozen."""
        ...

    def put_entry(self, entry: QueueEntry) -> bool:
        """Write a new entry; False if the customer already has one (nothing changes)."""
        ...

    def put_entries(self, entries: list[QueueEntry]) -> None:
        """Write new entries all at once (one request) or none; raises if any exists already or
        the write fails (the caller then writes them one by one)."""
        ...

    def list_event(self, event_id: str) -> None: ...

    def unlist_event(self, event_id: str) -> None: ...

    def active_events(self) -> set[str]: ...

    def freeze(self, event_id: str, now: float) -> Counter:
        """Fix the pre-open pool at its current size (once; later calls change nothing)."""
        ...

    def advance(
        self, event_id: str, *, previous_tick: float | None, serving: float, now: float, tick: int | None
    ) -> bool:
        """Set the serving counter if nobody ticked since `previous_tick`; with `tick`, record that
        places up to `tick` were admitted at `now`, in the same transaction. False if beaten."""
        ...

    def admission_times(self, event_id: str, places: list[int]) -> dict[int, float]:
        """For each place, when it was admitted (the first tick with serving >= place); absent if
        no such tick exists (not admitted yet, or its tick was swept long after expiry)."""
        ...


def _n(value: float | int) -> dict[str, str]:
    return {"N": repr(value) if isinstance(value, float) else str(value)}


def counter_from_item(item: dict[str, Any] | None) -> Counter:
    if not item:
        return Counter()

    def number(name: str) -> float | None:
        value = item.get(name)
        return float(value["N"]) if value and "N" in value else None

    frozen = number("frozen_pre")
    return Counter(
        pre_count=int(number("pre_count") or 0),
        post_count=int(number("post_count") or 0),
        frozen_pre=None if frozen is None else int(frozen),
        serving=number("serving") or 0.0,
        ticked_at=number("ticked_at"),
        listed=bool(item.get("listed", {}).get("BOOL", False)),
    )


def _condition_failed(error: Exception) -> bool:
    from botocore.exceptions import ClientError

    return isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in {
        "ConditionalCheckFailedException",
        "TransactionCanceledException",
    }


class DynamoQueueStore:
    def __init__(self, db: Any = None) -> None:
        self.db = db or aws.dynamodb()
        self.entries_table = table_name(QueueEntry)
        self.counters_table = table_name(QueueCounter)
        self.ticks_table = table_name(QueueTick)

    def _batch_get(self, request: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        for attempt in range(8):
            out = self.db.batch_get_item(RequestItems=request)
            for table, items in out.get("Responses", {}).items():
                found.setdefault(table, []).extend(items)
            request = out.get("UnprocessedKeys") or {}
            if not request:
                return found
            time.sleep(min(0.05 * 2**attempt, 1.0))
        raise RuntimeError("BatchGetItem left keys unprocessed")

    def entries_and_counter(
        self, queue_ids: list[str], event_id: str
    ) -> tuple[dict[str, QueueEntry], Counter]:
        """The entries and the counter, the first 99 entries in the same BatchGetItem."""
        unique = list(dict.fromkeys(queue_ids))
        first, rest = unique[: BATCH_GET_LIMIT - 1], unique[BATCH_GET_LIMIT - 1 :]
        request: dict[str, Any] = {self.counters_table: {"Keys": [{"event_id": {"S": event_id}}]}}
        if first:
            request[self.entries_table] = {"Keys": [{"queue_id": {"S": q}} for q in first]}
        found = self._batch_get(request)
        entries = {
            item["queue_id"]["S"]: QueueEntry.from_raw_data(item)
            for item in found.get(self.entries_table, [])
        }
        if rest:
            entries.update(self.entries(rest))
        counters = found.get(self.counters_table, [])
        return entries, counter_from_item(counters[0] if counters else None)

    def entries(self, queue_ids: list[str], consistent: bool = False) -> dict[str, QueueEntry]:
        unique = list(dict.fromkeys(queue_ids))
        entries: dict[str, QueueEntry] = {}
        for start in range(0, len(unique), BATCH_GET_LIMIT):
            chunk = unique[start : start + BATCH_GET_LIMIT]
            found = self._batch_get(
                {
                    self.entries_table: {
                        "Keys": [{"queue_id": {"S": q}} for q in chunk],
                        "ConsistentRead": consistent,
                    }
                }
            )
            for item in found.get(self.entries_table, []):
                entries[item["queue_id"]["S"]] = QueueEntry.from_raw_data(item)
        return entries

    def counter(self, event_id: str, consistent: bool = True) -> Counter:
        item = self.db.get_item(
            TableName=self.counters_table, Key={"event_id": {"S": event_id}}, ConsistentRead=consistent
        ).get("Item")
        return counter_from_item(item)

    def reserve(self, event_id: str, cohort: str, count: int) -> tuple[int, bool] | None:
        attribute = "pre_count" if cohort == "pre" else "post_count"
        request: dict[str, Any] = {
            "TableName": self.counters_table,
            "Key": {"event_id": {"S": event_id}},
            "UpdateExpression": f"ADD {attribute} :n",
            "ExpressionAttributeValues": {":n": _n(count)},
            "ReturnValues": "ALL_OLD",
        }
        if cohort == "pre":
            # Atomic with the freeze: a pre-open number is either inside the frozen pool or refused.
            request["ConditionExpression"] = "attribute_not_exists(frozen_pre)"
        try:
            old = self.db.update_item(**request).get("Attributes") or {}
        except Exception as error:
            if cohort == "pre" and _condition_failed(error):
                return None
            raise
        previous = counter_from_item(old)
        before = previous.pre_count if cohort == "pre" else previous.post_count
        return before + 1, previous.listed

    def put_entry(self, entry: QueueEntry) -> bool:
        try:
            self.db.put_item(
                TableName=self.entries_table,
                Item=entry.serialize(),
                ConditionExpression="attribute_not_exists(queue_id)",
            )
        except Exception as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def put_entries(self, entries: list[QueueEntry]) -> None:
        self.db.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": self.entries_table,
                        "Item": entry.serialize(),
                        "ConditionExpression": "attribute_not_exists(queue_id)",
                    }
                }
                for entry in entries
            ]
        )

    def list_event(self, event_id: str) -> None:
        self.db.update_item(
            TableName=self.counters_table,
            Key={"event_id": {"S": ACTIVE_KEY}},
            UpdateExpression="ADD event_ids :e",
            ExpressionAttributeValues={":e": {"SS": [event_id]}},
        )
        self.db.update_item(
            TableName=self.counters_table,
            Key={"event_id": {"S": event_id}},
            UpdateExpression="SET listed = :t",
            ExpressionAttributeValues={":t": {"BOOL": True}},
        )

    def unlist_event(self, event_id: str) -> None:
        self.db.update_item(
            TableName=self.counters_table,
            Key={"event_id": {"S": ACTIVE_KEY}},
            UpdateExpression="DELETE event_ids :e",
            ExpressionAttributeValues={":e": {"SS": [event_id]}},
        )

    def active_events(self) -> set[str]:
        item = self.db.get_item(
            TableName=self.counters_table, Key={"event_id": {"S": ACTIVE_KEY}}, ConsistentRead=True
        ).get("Item")
        return set((item or {}).get("event_ids", {}).get("SS", []))

    def freeze(self, event_id: str, now: float) -> Counter:
        for _ in range(20):
            current = self.counter(event_id)
            if current.frozen_pre is not None:
                return current
            pool = current.pre_count
            # The pool is exactly the pre-open numbers reserved so far: the condition fails (and we
            # read again) if a consumer reserved more between our read and this write.
            condition = "attribute_not_exists(frozen_pre) AND " + (
                "pre_count = :n" if pool else "attribute_not_exists(pre_count)"
            )
            try:
                self.db.update_item(
                    TableName=self.counters_table,
                    Key={"event_id": {"S": event_id}},
                    UpdateExpression="SET frozen_pre = :n, serving = :zero, ticked_at = :now",
                    ConditionExpression=condition,
                    ExpressionAttributeValues={":n": _n(pool), ":zero": _n(0), ":now": _n(round(now, 3))},
                )
            except Exception as error:
                if _condition_failed(error):
                    continue
                raise
            return Counter(
                pre_count=pool,
                post_count=current.post_count,
                frozen_pre=pool,
                serving=0.0,
                ticked_at=round(now, 3),
                listed=current.listed,
            )
        raise RuntimeError(f"could not fix the pre-open pool of {event_id}")

    def advance(
        self, event_id: str, *, previous_tick: float | None, serving: float, now: float, tick: int | None
    ) -> bool:
        values: dict[str, Any] = {":s": _n(round(serving, 6)), ":now": _n(round(now, 3))}
        if previous_tick is None:
            condition = "attribute_not_exists(ticked_at)"
        else:
            condition = "ticked_at = :prev"
            values[":prev"] = _n(previous_tick)
        update = {
            "TableName": self.counters_table,
            "Key": {"event_id": {"S": event_id}},
            "UpdateExpression": "SET serving = :s, ticked_at = :now",
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
        try:
            if tick is None:
                self.db.update_item(**update)
            else:
                from chalicelib.settings import get_settings

                record = QueueTick(
                    event_id=event_id,
                    serving=tick,
                    at=round(now, 3),
                    ttl=datetime.fromtimestamp(now + get_settings().admission_window_seconds + 86400, UTC),
                )
                self.db.transact_write_items(
                    TransactItems=[
                        {"Put": {"TableName": self.ticks_table, "Item": record.serialize()}},
                        {"Update": update},
                    ]
                )
        except Exception as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def admission_times(self, event_id: str, places: list[int]) -> dict[int, float]:
        wanted = sorted(set(places))
        if not wanted:
            return {}
        times: dict[int, float] = {}
        request: dict[str, Any] = {
            "TableName": self.ticks_table,
            "KeyConditionExpression": "event_id = :e AND serving >= :p",
            "ExpressionAttributeValues": {":e": {"S": event_id}, ":p": _n(wanted[0])},
            "ConsistentRead": True,
        }
        if len(wanted) == 1:
            request["Limit"] = 1
        index = 0
        while index < len(wanted):
            page = self.db.query(**request)
            for item in page.get("Items", []):
                serving, at = int(item["serving"]["N"]), float(item["at"]["N"])
                while index < len(wanted) and wanted[index] <= serving:
                    times[wanted[index]] = at
                    index += 1
                if index == len(wanted):
                    break
            if index == len(wanted) or "LastEvaluatedKey" not in page or len(wanted) == 1:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return times
