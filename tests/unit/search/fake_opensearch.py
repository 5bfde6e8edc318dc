"""An in-memory stand-in for the parts of `opensearchpy.OpenSearch` the engine calls.

Writes follow OpenSearch's rules where the engine depends on them: `_bulk` runs its actions in
order, an external version must be greater than the stored one (else that item answers 409),
and deleting a missing document answers 404. `_mget` answers from the stored documents. Searches
are not executed: a test sets the response (or responses, in order) and reads the request
bodies sent.
"""

from __future__ import annotations

from typing import Any

from opensearchpy.exceptions import NotFoundError


class FakeIndices:
    def __init__(self) -> None:
        self.definitions: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []

    def exists(self, *, index: str) -> bool:
        self.calls.append(("exists", index))
        return index in self.definitions

    def create(self, *, index: str, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("create", index))
        self.definitions[index] = body
        return {"acknowledged": True, "index": index}


class FakeOpenSearch:
    def __init__(self) -> None:
        self._indices = FakeIndices()
        self.documents: dict[str, dict[str, tuple[int | None, dict[str, Any]]]] = {}
        self.bulk_calls: list[dict[str, Any]] = []
        self.search_calls: list[dict[str, Any]] = []
        self.mget_calls: list[dict[str, Any]] = []
        self.search_response: dict[str, Any] = {"hits": {"hits": []}}
        self.search_responses: list[dict[str, Any]] = []  # answered first, in order, if any
        self.reject: dict[str, dict[str, Any]] = {}  # _id -> error to answer for writes of it

    @property
    def indices(self) -> FakeIndices:
        return self._indices

    def bulk(self, *, body: Any, index: Any = None, params: Any = None, headers: Any = None) -> Any:
        self.bulk_calls.append({"body": list(body), "index": index, "params": params})
        actions = iter(body)
        items = []
        for action in actions:
            ((operation, meta),) = action.items()
            source = next(actions) if operation == "index" else None
            items.append({operation: self._apply(operation, meta, source)})
        return {
            "took": 1,
            "errors": any(item[op]["status"] >= 300 for item in items for op in item),
            "items": items,
        }

    def _apply(self, operation: str, meta: dict[str, Any], source: dict[str, Any] | None) -> dict[str, Any]:
        index_name, doc_id = meta["_index"], meta["_id"]
        stored = self.documents.setdefault(index_name, {})
        result: dict[str, Any] = {"_index": index_name, "_id": doc_id}
        if doc_id in self.reject:
            return {**result, "status": 400, "error": self.reject[doc_id]}
        if operation == "delete":
            if stored.pop(doc_id, None) is None:
                return {**result, "status": 404, "result": "not_found"}
            return {**result, "status": 200, "result": "deleted"}
        assert operation == "index" and source is not None
        version = meta.get("version")
        if meta.get("version_type") == "external":
            current = stored.get(doc_id, (None, {}))[0]
            if current is not None and version is not None and version <= current:
                error = {
                    "type": "version_conflict_engine_exception",
                    "reason": f"[{doc_id}]: version conflict, current version [{current}] is higher or equal "
                    f"to the one provided [{version}]",
                }
                return {**result, "status": 409, "error": error}
        created = doc_id not in stored
        stored[doc_id] = (version, source)
        return {**result, "status": 201 if created else 200, "result": "created" if created else "updated"}

    def search(self, *, body: Any = None, index: Any = None, params: Any = None, headers: Any = None) -> Any:
        self.search_calls.append({"body": body, "index": index})
        if index not in self._indices.definitions:
            raise NotFoundError(
                404, "index_not_found_exception", {"error": {"type": "index_not_found_exception"}}
            )
        return self.search_responses.pop(0) if self.search_responses else self.search_response

    def mget(self, *, body: Any, index: Any = None, params: Any = None, headers: Any = None) -> Any:
        self.mget_calls.append({"body": body, "index": index})
        stored = self.documents.get(index, {})
        return {
            "docs": [
                {
                    "_index": index,
                    "_id": doc_id,
                    "found": True,
                    "_version": stored[doc_id][0],
                    "_source": stored[doc_id][1],
                }
                if doc_id in stored
                else {"_index": index, "_id": doc_id, "found": False}
                for doc_id in body["ids"]
            ]
        }

    def stored(self, index: str, doc_id: str) -> dict[str, Any]:
        return self.documents[index][doc_id][1]
