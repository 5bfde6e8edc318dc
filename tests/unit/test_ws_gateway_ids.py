"""The local gateway's connection ids survive a trip through an `@connections` URL."""

from __future__ import annotations

import re

from local.ws_gateway import _connection_id


def test_connection_ids_are_url_safe_and_shaped_like_api_gateways() -> None:
    ids = {_connection_id() for _ in range(5000)}
    assert len(ids) == 5000
    # A "/" (1 in 64 ids started with one) was cut from the push URL, so pushes answered 410.
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{15}=", i) for i in ids), [i for i in ids if "/" in i or "+" in i][
        :3
    ]
