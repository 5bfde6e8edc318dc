"""The virtual waiting room of a queued onsale (docs/waiting-room.md).

- `queue`: joining (through SQS), standings, statuses for the pusher, queue ids;
- `intake`: the join-queue consumer's work (arrival numbers, one counter write per batch);
- `admitter`: the serving counters, advanced every second at each event's rate;
- `tokens`: admission tokens (HS256 JWTs) and the key they and the permutation derive from;
- `permutation`: the keyed permutation that draws pre-open places;
- `store`: every DynamoDB call of the above.
"""
