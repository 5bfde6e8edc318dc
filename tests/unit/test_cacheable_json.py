"""Cacheable answers: a strong ETag, 304 on a match, and a shared body encoded once."""

from __future__ import annotations

from typing import Any

import pytest
from chalice.app import Request

from chalicelib import http


def request(if_none_match: object = None) -> Request:
    headers = {"if-none-match": str(if_none_match)} if if_none_match else {}
    return Request(
        {
            "multiValueQueryStringParameters": None,
            "headers": headers,
            "pathParameters": None,
            "requestContext": {"httpMethod": "GET", "resourcePath": "/events/{event_id}/seats"},
            "body": None,
            "isBase64Encoded": False,
            "stageVariables": None,
        }
    )


@pytest.fixture
def encodings(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    encoded: list[Any] = []
    original = http._encoding

    def counting(body: Any) -> tuple[str, str]:
        encoded.append(body)
        return original(body)

    monkeypatch.setattr(http, "_encoding", counting)
    monkeypatch.setattr(http, "_shared", type(http._shared)())
    return encoded


def test_a_shared_body_is_encoded_once_for_every_request_that_gets_it(encodings: list[Any]) -> None:
    seat_map = {
        "event_id": "E1",
        "seats": [{"seat_id": f"a-1-{n}", "status": "available"} for n in range(50)],
    }

    answers = [http.cacheable_json(request(), seat_map, max_age=1, shared=True) for _ in range(5)]

    assert len(encodings) == 1
    assert {answer.body for answer in answers} == {http._encoding(seat_map)[0]}
    etag = answers[0].headers["ETag"]
    assert http.cacheable_json(request(etag), seat_map, max_age=1, shared=True).status_code == 304


def test_a_new_shared_body_gets_its_own_encoding_and_etag(encodings: list[Any]) -> None:
    first = {"seats": [{"seat_id": "a-1-1", "status": "available"}]}
    rebuilt = {"seats": [{"seat_id": "a-1-1", "status": "sold"}]}

    before = http.cacheable_json(request(), first, max_age=1, shared=True)
    after = http.cacheable_json(request(before.headers["ETag"]), rebuilt, max_age=1, shared=True)

    assert after.status_code == 200 and '"sold"' in after.body
    assert after.headers["ETag"] != before.headers["ETag"]


def test_only_the_latest_shared_bodies_are_kept(encodings: list[Any]) -> None:
    bodies = [{"n": n} for n in range(http.SHARED_ENCODINGS + 3)]
    for body in bodies:
        http.cacheable_json(request(), body, max_age=1, shared=True)

    assert len(http._shared) == http.SHARED_ENCODINGS
    http.cacheable_json(request(), bodies[-1], max_age=1, shared=True)  # kept: not encoded again
    http.cacheable_json(request(), bodies[0], max_age=1, shared=True)  # let go: encoded again
    assert encodings.count(bodies[-1]) == 1 and encodings.count(bodies[0]) == 2


def test_a_body_that_is_not_shared_is_encoded_for_each_request(encodings: list[Any]) -> None:
    view = {"name": "Show", "available_count": 10}
    first = http.cacheable_json(request(), view, max_age=2)
    view["available_count"] = 9  # an event view is built per request; nothing is reused
    second = http.cacheable_json(request(), view, max_age=2)

    assert len(encodings) == 2 and '"available_count":9' in second.body
    assert first.headers["ETag"] != second.headers["ETag"]
