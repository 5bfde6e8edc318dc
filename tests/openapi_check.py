"""Check API responses against the published contract, `docs/openapi.yaml`.

Tests at any level (unit tests through `chalice.test.Client`, integration tests
against the local stack) call `validate_response(method, path_template, status, body)`
after each request they make, so a response that drifts from the document fails the
test that produced it.

The document is loaded once per process. Schemas are checked with JSON Schema Draft
2020-12 (the dialect OpenAPI 3.1 builds on); `$ref`s resolve inside the document
through a `referencing` registry, so component schemas are never copied or inlined.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote, urlsplit

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

OPENAPI_PATH = Path(__file__).resolve().parents[1] / "docs" / "openapi.yaml"

# The base URI the document is registered under; never fetched.
_DOCUMENT_URI = "https://onsale.invalid/docs/openapi.yaml"
_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_MAX_REPORTED_ERRORS = 10

_RFC3339_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$")
_RFC3339_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _is_date_time(instance: object) -> bool:
    """RFC 3339 `date-time`, checked here rather than by an optional package."""
    if not isinstance(instance, str):
        return True
    if not _RFC3339_DATE_TIME.match(instance):
        return False
    datetime.fromisoformat(instance.upper())  # rejects 2027-02-30 and the like
    return True


def _is_date(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    if not _RFC3339_FULL_DATE.match(instance):
        return False
    date.fromisoformat(instance)
    return True


def _is_email(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    local, _, domain = instance.rpartition("@")
    return bool(local) and bool(domain) and " " not in instance


def _is_uri(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    parts = urlsplit(instance)
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("date-time", raises=ValueError)(_is_date_time)
    checker.checks("date", raises=ValueError)(_is_date)
    checker.checks("email")(_is_email)
    checker.checks("uri", raises=ValueError)(_is_uri)
    return checker


@cache
def load_document() -> dict[str, Any]:
    """The parsed OpenAPI document (loaded once; callers must not mutate it)."""
    with OPENAPI_PATH.open(encoding="utf-8") as stream:
        document = yaml.safe_load(stream)
    if not isinstance(document, dict):
        raise TypeError(f"{OPENAPI_PATH} is not a YAML mapping")
    return cast(dict[str, Any], document)


@cache
def _registry() -> Registry[Any]:
    resource: Resource[Any] = Resource.from_contents(load_document(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(_DOCUMENT_URI, resource)
    return registry


@cache
def _validator(schema_pointer: str) -> Draft202012Validator:
    """A validator for the schema at `schema_pointer`, a JSON pointer into the doc."""
    reference = f"{_DOCUMENT_URI}#{quote(schema_pointer, safe='/~')}"
    return Draft202012Validator({"$ref": reference}, registry=_registry(), format_checker=_format_checker())


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def _pointer(*segments: str) -> str:
    return "".join(f"/{_escape(segment)}" for segment in segments)


def _resolve_local(reference: str) -> tuple[str, Mapping[str, Any]]:
    """Follow a `#/...` reference to a non-schema object: (pointer, object)."""
    if not reference.startswith("#/"):
        raise AssertionError(f"only local references are supported, got {reference!r}")
    pointer = reference[1:]
    node: Any = load_document()
    for raw in pointer[1:].split("/"):
        segment = raw.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or segment not in node:
            raise AssertionError(f"dangling reference {reference!r} in {OPENAPI_PATH.name}")
        node = node[segment]
    if not isinstance(node, Mapping):
        raise TypeError(f"reference {reference!r} does not point to an object")
    return pointer, node


def _response_object(method: str, path_template: str, status: int) -> tuple[str, Mapping[str, Any]]:
    paths: Mapping[str, Any] = load_document().get("paths", {})
    where = f"{method.upper()} {path_template}"
    if path_template not in paths:
        raise AssertionError(f"{where}: path not in {OPENAPI_PATH.name}; documented paths: {sorted(paths)}")
    path_item: Mapping[str, Any] = paths[path_template]
    verb = method.lower()
    if verb not in _HTTP_METHODS or verb not in path_item:
        documented = sorted(m.upper() for m in path_item if m in _HTTP_METHODS)
        raise AssertionError(f"{where}: method not documented; documented methods: {documented}")
    responses: Mapping[str, Any] = path_item[verb].get("responses", {})
    for key in (str(status), f"{status // 100}XX", "default"):
        if key in responses:
            response: Mapping[str, Any] = responses[key]
            if "$ref" in response:
                return _resolve_local(str(response["$ref"]))
            return _pointer("paths", path_template, verb, "responses", key), response
    raise AssertionError(f"{where}: status {status} not documented; documented statuses: {sorted(responses)}")


def _pick_media_type(where: str, content: Mapping[str, Any], status: int, content_type: str | None) -> str:
    if content_type is not None:
        media_type = content_type.split(";", 1)[0].strip().lower()
        if media_type not in content:
            raise AssertionError(
                f"{where}: media type {media_type!r} not documented; documented: {sorted(content)}"
            )
        return media_type
    if len(content) == 1:
        return next(iter(content))
    preferred = "application/problem+json" if status >= 400 else "application/json"
    return preferred if preferred in content else min(content)


def _is_empty(body: object) -> bool:
    return body is None or (isinstance(body, (str, bytes)) and len(body) == 0)


def _describe(error: ValidationError) -> str:
    line = f"  at {error.json_path}: {error.message}"
    if error.context:  # oneOf/anyOf: say which branch came closest and why it failed
        closest = best_match(error.context)
        if closest is not None:
            line += f"\n      closest alternative, at {closest.json_path}: {closest.message}"
    return line


def validate_response(
    method: str,
    path_template: str,
    status: int,
    body: object,
    *,
    content_type: str | None = None,
) -> None:
    """Assert that `body` is what `docs/openapi.yaml` documents for this response.

    `path_template` is the documented path (`/holds/{hold_id}`, not `/holds/01J...`);
    `body` is the parsed JSON body, or None (or "" / b"") for a response without one.
    `content_type`, when given, must be one the response documents and selects its
    schema; otherwise the only one documented (or problem+json for errors, JSON
    otherwise) is used. Raises AssertionError naming every mismatch.
    """
    where = f"{method.upper()} {path_template} -> {status}"
    response_pointer, response = _response_object(method, path_template, status)
    content: Mapping[str, Any] = response.get("content") or {}
    if not content:
        if not _is_empty(body):
            raise AssertionError(f"{where}: documented without a body, got {body!r}")
        return
    if _is_empty(body):
        raise AssertionError(f"{where}: documented with a body ({sorted(content)}), got none")
    media_type = _pick_media_type(where, content, status, content_type)
    if "schema" not in content[media_type]:
        return
    schema_pointer = response_pointer + _pointer("content", media_type, "schema")
    errors = sorted(_validator(schema_pointer).iter_errors(body), key=lambda error: error.json_path)
    if errors:
        shown = "\n".join(_describe(error) for error in errors[:_MAX_REPORTED_ERRORS])
        more = len(errors) - _MAX_REPORTED_ERRORS
        tail = f"\n  ... and {more} more" if more > 0 else ""
        raise AssertionError(
            f"{where}: {media_type} body does not match {OPENAPI_PATH.name}"
            f"#{schema_pointer}:\n{shown}{tail}\nbody: {body!r}"
        )
