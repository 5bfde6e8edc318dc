"""A keyed pseudo-random permutation of [0, n): how pre-open arrivals get uniformly random places.

A balanced Feistel network over the smallest even number of bits covering n is a bijection of
[0, 2^bits); "cycle walking" (encrypt again while the result is >= n) restricts it to a bijection
of [0, n). Since 2^bits < 4n, a walk takes fewer than four steps on average. With a keyed
pseudo-random round function (BLAKE2b keyed per event) the permutation is indistinguishable from
a uniformly random one to anyone without the key, and it is computed for one place at a time:
no list of entrants is ever enumerated, shuffled or rewritten.
"""

from __future__ import annotations

import hashlib

ROUNDS = 6


def _round(key: bytes, round_number: int, half: int, bits: int) -> int:
    digest = hashlib.blake2b(
        round_number.to_bytes(1, "big") + half.to_bytes(8, "big"), key=key[:64], digest_size=8
    ).digest()
    return int.from_bytes(digest, "big") & ((1 << bits) - 1)


def _encrypt(value: int, key: bytes, half_bits: int) -> int:
    mask = (1 << half_bits) - 1
    left, right = value >> half_bits, value & mask
    for round_number in range(ROUNDS):
        left, right = right, left ^ _round(key, round_number, right, half_bits)
    return (left << half_bits) | right


def permute(index: int, n: int, key: bytes) -> int:
    """The image of `index` (0 <= index < n) under the permutation of [0, n) keyed by `key`."""
    if not 0 <= index < n:
        raise ValueError(f"index {index} is outside [0, {n})")
    if n == 1:
        return 0
    bits = max(2, (n - 1).bit_length())
    bits += bits % 2  # balanced halves
    value = _encrypt(index, key, bits // 2)
    while value >= n:  # cycle walking: terminates because the Feistel network is a bijection
        value = _encrypt(value, key, bits // 2)
    return value
