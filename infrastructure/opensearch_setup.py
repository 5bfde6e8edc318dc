"""Apply the events index and its access rules to a deployed stage's OpenSearch domain.

The domain uses fine-grained access control with an IAM role as its master user
(`SearchAdminRole`). This deploy step assumes that role and, idempotently:

1. creates the two OpenSearch security roles the functions need — `onsale_search_reader`
   (search the events index) and `onsale_search_indexer` (create it, bulk-write it) — and maps
   the API function's and the search indexer's IAM roles onto them;
2. creates the events index from `infrastructure/opensearch/events-index.json`, or, when it
   exists, adds any new fields to its mapping (a changed field type needs a new index: the
   error says so);
3. with `--reindex-table`, re-indexes every item of the events table (after the domain was
   replaced, for instance: the table's stream only keeps 24 hours).

    python infrastructure/opensearch_setup.py --endpoint https://search-... --region eu-west-1 \
        --admin-role-arn ARN --reader-role-arn ARN --indexer-role-arn ARN [--replicas 0]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INDEX_DEFINITION = ROOT / "infrastructure" / "opensearch" / "events-index.json"
READER_ROLE = "onsale_search_reader"
INDEXER_ROLE = "onsale_search_indexer"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: dict[str, Any]


def index_definition(replicas: int, path: Path = INDEX_DEFINITION) -> dict[str, Any]:
    """The index definition with the replica count the domain can hold (nodes - 1, at most 1)."""
    definition: dict[str, Any] = json.loads(path.read_text())
    definition.setdefault("settings", {}).setdefault("index", {})["number_of_replicas"] = replicas
    return definition


def security_requests(index: str, reader_role_arn: str, indexer_role_arn: str) -> list[Request]:
    """The fine-grained access control roles and role mappings, least privilege on one index."""
    base = "/_plugins/_security/api"
    return [
        Request(
            "PUT",
            f"{base}/roles/{READER_ROLE}",
            {
                "description": "Onsale API: search the events index",
                "cluster_permissions": ["cluster_composite_ops_ro"],
                "index_permissions": [{"index_patterns": [index], "allowed_actions": ["read"]}],
            },
        ),
        Request(
            "PUT",
            f"{base}/roles/{INDEXER_ROLE}",
            {
                "description": "Onsale search indexer: create and bulk-write the events index",
                "cluster_permissions": ["cluster_composite_ops"],
                "index_permissions": [
                    {
                        "index_patterns": [index],
                        "allowed_actions": ["crud", "create_index", "indices:admin/get"],
                    }
                ],
            },
        ),
        Request("PUT", f"{base}/rolesmapping/{READER_ROLE}", {"backend_roles": [reader_role_arn]}),
        Request("PUT", f"{base}/rolesmapping/{INDEXER_ROLE}", {"backend_roles": [indexer_role_arn]}),
    ]


def index_requests(index: str, definition: dict[str, Any], *, exists: bool) -> list[Request]:
    if not exists:
        return [Request("PUT", f"/{index}", definition)]
    replicas = definition["settings"]["index"]["number_of_replicas"]
    return [
        Request("PUT", f"/{index}/_mapping", definition["mappings"]),
        Request("PUT", f"/{index}/_settings", {"index": {"number_of_replicas": replicas}}),
    ]


def perform(client: Any, request: Request, attempts: int = 6) -> Any:
    """One request; retried while a just-created IAM role is not yet accepted (401/403)."""
    from opensearchpy.exceptions import AuthenticationException, AuthorizationException

    for attempt in range(attempts):
        try:
            return client.transport.perform_request(request.method, request.path, body=request.body)
        except (AuthenticationException, AuthorizationException):
            if attempt == attempts - 1:
                raise
            time.sleep(5 * (attempt + 1))
    return None


def connect(endpoint: str, region: str, admin_role_arn: str) -> Any:
    import boto3
    from botocore.credentials import Credentials
    from opensearchpy import OpenSearch, RequestsAWSV4SignerAuth, RequestsHttpConnection

    assumed = boto3.client("sts", region_name=region).assume_role(
        RoleArn=admin_role_arn, RoleSessionName="onsale-deploy"
    )["Credentials"]
    credentials = Credentials(assumed["AccessKeyId"], assumed["SecretAccessKey"], assumed["SessionToken"])
    return OpenSearch(
        endpoint,
        http_auth=RequestsAWSV4SignerAuth(credentials, region, "es"),
        connection_class=RequestsHttpConnection,
        timeout=30,
        max_retries=3,
        retry_on_timeout=True,
    )


def reindex(client: Any, index: str, table: str, region: str, availability_table: str | None = None) -> int:
    """Index every event of `table` again, and with `availability_table` every event's
    availability (newest version wins, so this is safe at any time)."""
    import time

    import boto3

    if str(ROOT) not in sys.path:  # run as a script from anywhere
        sys.path.insert(0, str(ROOT))
    from chalicelib import aws, search
    from chalicelib.catalog.availability import SectionState, section_state
    from chalicelib.search.documents import availability_of
    from chalicelib.search.opensearch_engine import OpenSearchEngine

    engine = OpenSearchEngine(client, index)
    db = boto3.client("dynamodb", region_name=region)
    count = 0
    for item in aws.all_items(db.scan, TableName=table):
        engine.upsert(search.document_from_event(item))
        count += 1
        if count % 500 == 0:
            engine.refresh()
    if availability_table:
        as_of = time.time_ns() // 1_000_000
        events: dict[str, dict[str, SectionState]] = {}
        for item in aws.all_items(db.scan, TableName=availability_table, ConsistentRead=True):
            events.setdefault(item["event_id"]["S"], {})[item["section"]["S"]] = section_state(item)
        for event_id, sections in events.items():
            engine.set_availability(availability_of(event_id, sections, as_of, time.time()))
    engine.refresh()
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--endpoint", required=True, help="https://... (stack output OpenSearchEndpoint)")
    parser.add_argument("--region", required=True)
    parser.add_argument("--admin-role-arn", required=True, help="stack output SearchAdminRoleArn")
    parser.add_argument("--reader-role-arn", required=True, help="stack output ApiFunctionRoleArn")
    parser.add_argument("--indexer-role-arn", required=True, help="stack output SearchIndexerRoleArn")
    parser.add_argument("--index", default="onsale-events")
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--reindex-table", help="re-index every item of this events table")
    parser.add_argument(
        "--availability-table", help="with --reindex-table: also index availability from this table"
    )
    args = parser.parse_args(argv)

    client = connect(args.endpoint, args.region, args.admin_role_arn)
    for request in security_requests(args.index, args.reader_role_arn, args.indexer_role_arn):
        perform(client, request)
        print(f"{request.method} {request.path}", flush=True)
    exists = bool(client.indices.exists(index=args.index))
    for request in index_requests(args.index, index_definition(args.replicas), exists=exists):
        try:
            perform(client, request)
        except Exception as exc:  # an incompatible mapping change cannot be applied in place
            print(
                f"{request.method} {request.path} failed: {exc}\n"
                "A changed field type needs a new index: set SearchIndexName to a new name, deploy, "
                "then run this script with --reindex-table.",
                file=sys.stderr,
            )
            return 1
        print(f"{request.method} {request.path}", flush=True)
    if args.reindex_table:
        count = reindex(client, args.index, args.reindex_table, args.region, args.availability_table)
        print(f"re-indexed {count} events", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
