"""Event sources of the laptop stack: poll SQS and DynamoDB Streams on the emulator and invoke
the same handlers that Lambda's event source mappings invoke in AWS."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from chalicelib import aws

logger = logging.getLogger("onsale.pollers")

Handler = Callable[[dict[str, Any], Any], Any]


class SqsPoller(threading.Thread):
    def __init__(self, queue_url: str, handler: Handler, stop: threading.Event, batch_size: int = 10):
        super().__init__(daemon=True, name=f"sqs:{queue_url.rsplit('/', 1)[-1]}")
        self.queue_url, self.handler, self.stop, self.batch_size = queue_url, handler, stop, batch_size

    def run(self) -> None:
        sqs = aws.sqs()
        while not self.stop.is_set():
            try:
                messages = sqs.receive_message(
                    QueueUrl=self.queue_url, MaxNumberOfMessages=self.batch_size, WaitTimeSeconds=1
                ).get("Messages", [])
                if not messages:
                    continue
                records = [
                    {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"]}
                    for m in messages
                ]
                result = self.handler({"Records": records}, None) or {}
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
                done = [r for r in records if r["messageId"] not in failed]
                if done:
                    sqs.delete_message_batch(
                        QueueUrl=self.queue_url,
                        Entries=[
                            {"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(done)
                        ],
                    )
            except Exception:
                logger.exception("sqs poller failed; retrying")
                time.sleep(1)


SHARD_REFRESH_SECONDS = 5.0
IDLE_POLL_SECONDS = (0.2, 0.5)  # the first and the longest wait of an idle stream poller


class StreamPoller(threading.Thread):
    """Reads every shard of a table's stream in order, like a Lambda event source mapping.

    `start_at="LATEST"` skips what is already there: the stack uses it after seeding, because
    the emulator spends most of its time serialising stream records and the seat inventory's
    INSERT records carry nothing a consumer needs (a new seat is available).
    """

    def __init__(
        self,
        table: str,
        handler: Handler,
        stop: threading.Event,
        batch_size: int = 500,
        start_at: str = "TRIM_HORIZON",
        batching_window: float = 0.0,
    ):
        super().__init__(daemon=True, name=f"stream:{table}")
        self.table, self.handler, self.stop, self.batch_size = table, handler, stop, batch_size
        self.start_at = start_at
        # Like `MaximumBatchingWindowInSeconds`: gather records this long before invoking.
        self.batching_window = batching_window
        self._buffer: list[dict[str, Any]] = []
        self._buffered_since = 0.0

    def run(self) -> None:
        streams = aws.client("dynamodbstreams")
        db = aws.dynamodb()
        arn = db.describe_table(TableName=self.table)["Table"]["LatestStreamArn"]
        iterators: dict[str, str] = {}
        done: set[str] = set()  # closed shards, read to their end
        shards_read_at = -SHARD_REFRESH_SECONDS
        idle = IDLE_POLL_SECONDS[0] / 1.5
        while not self.stop.is_set():
            try:
                # New shards are rare: look for them now and then, not on every idle poll (an
                # idle stack's pollers would otherwise keep the emulator busy).
                if time.monotonic() - shards_read_at >= SHARD_REFRESH_SECONDS:
                    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
                    shards_read_at = time.monotonic()
                    for shard in shards:
                        if shard["ShardId"] not in iterators and shard["ShardId"] not in done:
                            iterators[shard["ShardId"]] = streams.get_shard_iterator(
                                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType=self.start_at
                            )["ShardIterator"]
                busy = False
                for shard_id, iterator in list(iterators.items()):
                    page = streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
                    records = page.get("Records", [])
                    if records:
                        busy = True
                        self._collect(records)
                    if page.get("NextShardIterator"):
                        iterators[shard_id] = page["NextShardIterator"]
                    else:
                        del iterators[shard_id]
                        done.add(shard_id)
                self._flush_due()
                # Poll at once while records flow; when idle, back off from 0.2 s to 0.5 s, so a
                # quiet stack does not keep the emulator busy (Lambda polls a shard ~4 times/s).
                idle = IDLE_POLL_SECONDS[0] if busy else min(idle * 1.5, IDLE_POLL_SECONDS[1])
                if not busy:
                    time.sleep(idle)
            except Exception:
                logger.exception("stream poller failed; retrying")
                time.sleep(1)

    def _collect(self, records: list[dict[str, Any]]) -> None:
        if self.batching_window <= 0:
            self._deliver(records)
            return
        if not self._buffer:
            self._buffered_since = time.monotonic()
        self._buffer.extend(records)

    def _flush_due(self) -> None:
        if self._buffer and time.monotonic() - self._buffered_since >= self.batching_window:
            records, self._buffer = self._buffer, []
            self._deliver(records)

    def _deliver(self, records: list[dict[str, Any]]) -> None:
        # Retry the batch until the handler accepts it, as Lambda does for a stream shard.
        while not self.stop.is_set():
            result = self.handler({"Records": records}, None) or {}
            if not result.get("batchItemFailures"):
                return
            time.sleep(0.5)
