"""Least privilege over the generated template: no wildcard actions, no `*` resources except the
few AWS offers no resource-level permissions for, and each role names exactly the tables,
indexes and streams it uses, with exactly the actions it needs. A new permission fails here
until it is added to EXPECTED_TABLE_ACCESS below, with the code that needs it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infrastructure.support import (
    actions_of,
    all_allow_statements,
    properties,
    referenced,
    resources,
    resources_of,
    role_statements,
    short_table_names,
    sub_text,
)

# Actions AWS authorizes on "*" only (documented in the template next to each statement).
UNSCOPED_ACTIONS = {
    # X-Ray: no resource-level permissions.
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    # Listing stream ARNs (no data): the stream event source mapping asks for it.
    "dynamodb:ListStreams",
    # A function in a VPC (the API when DAX is on): AWSLambdaVPCAccessExecutionRole's actions.
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
}
DATA_SERVICES = {"dynamodb", "dax", "sqs", "s3", "es", "cognito-idp", "secretsmanager", "ses", "sns", "kms"}

# Role -> table resource ("seats", "bookings/index/by_user", "seats/stream") -> actions.
EXPECTED_TABLE_ACCESS: dict[str, dict[str, set[str]]] = {
    "ApiFunctionRole": {
        "venues": {"dynamodb:GetItem", "dynamodb:PutItem"},  # catalog/venues.py
        "events": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},  # catalog/events.py
        "seats": {"dynamodb:Query", "dynamodb:UpdateItem"},  # booking/holds.py, checkout.py (transactions)
        # catalog/availability.read_sections; the event's copy, Put in every event write's transaction
        "availability": {"dynamodb:Query", "dynamodb:PutItem"},
        "holds": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},  # booking/
        "bookings": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},  # booking/checkout.py
        "bookings/index/by_user": {"dynamodb:Query"},  # list_bookings
        "users": {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem"},  # sign_up; consent
        # notifications/subscriptions.py: follow, unfollow, unsubscribe; my subscriptions
        "venue_subscriptions": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"},
        "venue_subscriptions/index/by_user": {"dynamodb:Query"},
        "idempotency": {  # Powertools DynamoDBPersistenceLayer
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        },
        "payments": {"dynamodb:PutItem", "dynamodb:UpdateItem"},  # payments/local.py (PaymentProvider=local)
        # customers' rights: recommendations, waitlist (booking/waitlist.py)
        "bookings/index/by_event": {"dynamodb:Query"},
        "waitlist": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
        "waitlist/index/by_event": {"dynamodb:Query"},
        "waitlist/index/by_user": {"dynamodb:Query"},
    },
    "ProvisionInventoryRole": {
        "events": {"dynamodb:GetItem", "dynamodb:UpdateItem"},
        "seats": {"dynamodb:BatchWriteItem"},
        "availability": {"dynamodb:PutItem"},
    },
    "SeatStreamRole": {
        "seats/stream": {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"},
        "availability": {"dynamodb:UpdateItem"},
    },
    "SearchIndexerRole": {
        "events/stream": {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"},
        "availability/stream": {
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
        },
        "availability": {"dynamodb:Query"},  # an event's section summaries, for its live count
    },
    "DaxRole": {  # what the cluster reads on behalf of the read path
        "venues": {"dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"},
        "events": {"dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"},
        "availability": {
            "dynamodb:DescribeTable",
            "dynamodb:GetItem",
            "dynamodb:BatchGetItem",
            "dynamodb:Query",
        },
    },
    "SearchAdminRole": {},
    # realtime (chalicelib/realtime/)
    "WebsocketConnectRole": {
        "connections": {"dynamodb:PutItem"},  # connections.connect
        "events": {"dynamodb:GetItem"},  # the viewer's event exists (cached_event)
        "erasures": {"dynamodb:GetItem"},  # identity/erasures.ensure_not_erased
    },
    "WebsocketMessageRole": {
        "connections": {"dynamodb:PutItem"},  # connections.receive (subscribe_seats)
        "events": {"dynamodb:GetItem"},
    },
    "WebsocketDisconnectRole": {
        "connections": {"dynamodb:Query", "dynamodb:DeleteItem"},  # connections.disconnect
    },
    "SeatPushRole": {
        "seats/stream": {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"},
        "events": {"dynamodb:GetItem"},  # section names
        "connections": {"dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},  # pacing, purge
        "connections/index/by_channel": {"dynamodb:Query"},  # an event's viewers
    },
}
# notifications (chalicelib/notifications/): what every mailer needs to send exactly once
_SENDING = {
    "sent_emails": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},  # ledger.py
    "users": {"dynamodb:GetItem"},  # recipients.resolve
    "erasures": {"dynamodb:GetItem"},  # recipients.resolve: erased customers get nothing
    "events": {"dynamodb:GetItem"},  # postman: the event's name, date and venue
}
_STREAM_READ = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"}
EXPECTED_TABLE_ACCESS.update(
    {
        "BookingMailerRole": {
            **_SENDING,
            "bookings/stream": _STREAM_READ,
            # recommendations in confirmations (catalog/recommendations.py), consent only
            "bookings/index/by_event": {"dynamodb:Query"},
            "bookings/index/by_user": {"dynamodb:Query"},
            "availability": {"dynamodb:Query"},
        },
        "VenueAlertRole": {
            **_SENDING,
            "events/stream": _STREAM_READ,
            "venue_subscriptions": {"dynamodb:Query", "dynamodb:GetItem"},  # followers; still following
        },
        "WaitlistMailerRole": {**_SENDING, "waitlist/stream": _STREAM_READ},
        "RemindersRole": {
            **_SENDING,
            "events": {"dynamodb:GetItem", "dynamodb:Scan"},  # reminders.events_starting_between
            "bookings/index/by_event": {"dynamodb:Query"},  # reminders.confirmed_bookings
        },
    }
)
# waiting room (chalicelib/waiting_room/)
EXPECTED_TABLE_ACCESS["ApiFunctionRole"].update(
    {
        "queue_entries": {"dynamodb:BatchGetItem"},  # queue.join_queue, queue_status
        "queue_counters": {"dynamodb:GetItem"},  # the event's counters
        "queue_ticks": {"dynamodb:Query"},  # admission times
    }
)
EXPECTED_TABLE_ACCESS.update(
    {
        "QueueJoinRole": {
            "queue_entries": {"dynamodb:BatchGetItem", "dynamodb:PutItem"},  # intake.record_joins
            "queue_counters": {"dynamodb:UpdateItem"},  # one ADD per batch; the active list
        },
        "QueueAdmitterRole": {
            "events": {"dynamodb:GetItem"},  # cached_event
            "queue_counters": {"dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:BatchGetItem"},
            "queue_ticks": {"dynamodb:PutItem", "dynamodb:Query"},  # store.advance, admission_times
            "queue_entries": {"dynamodb:BatchGetItem"},  # queue_statuses for the pusher
            # realtime.push_queue_updates (the notify_queue hook)
            "connections": {
                "dynamodb:BatchGetItem",
                "dynamodb:UpdateItem",
                "dynamodb:Query",
                "dynamodb:DeleteItem",
            },
            "connections/index/by_channel": {"dynamodb:Query"},
        },
    }
)
# customers' rights: export and erasure (chalicelib/privacy.py), erased tokens refused
EXPECTED_TABLE_ACCESS["ApiFunctionRole"].update(
    {
        "erasures": {"dynamodb:GetItem", "dynamodb:PutItem"},
        "users": {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
        "holds/index/by_user": {"dynamodb:Query"},
        "idempotency": {
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:Scan",
        },
        "sent_emails": {"dynamodb:DeleteItem"},
        "sent_emails/index/by_user": {"dynamodb:Query"},
        "waitlist": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
        "queue_entries": {"dynamodb:BatchGetItem", "dynamodb:DeleteItem"},
        "queue_entries/index/by_user": {"dynamodb:Query"},
        "connections": {"dynamodb:Scan", "dynamodb:DeleteItem"},
        "payments": {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem"},
    }
)
EXPECTED_TABLE_ACCESS["WaitlistOffersRole"] = {  # functions/waitlist_offers.py
    "bookings/stream": _STREAM_READ,
    "waitlist": {"dynamodb:GetItem", "dynamodb:Scan", "dynamodb:UpdateItem"},
    "waitlist/index/by_event": {"dynamodb:Query"},
    "events": {"dynamodb:GetItem"},
    "availability": {"dynamodb:Query"},
    "seats": {"dynamodb:UpdateItem"},
    "holds": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
}
FUNCTION_ROLES = {
    "APIHandler": "ApiFunctionRole",
    "ProvisionInventoryFunction": "ProvisionInventoryRole",
    "SeatStreamFunction": "SeatStreamRole",
    "SearchIndexerFunction": "SearchIndexerRole",
    "WebsocketConnect": "WebsocketConnectRole",  # realtime
    "WebsocketMessage": "WebsocketMessageRole",
    "WebsocketDisconnect": "WebsocketDisconnectRole",
    "SeatPushFunction": "SeatPushRole",
    # notifications
    "BookingMailerFunction": "BookingMailerRole",
    "VenueAlertFunction": "VenueAlertRole",
    "WaitlistMailerFunction": "WaitlistMailerRole",
    "RemindersFunction": "RemindersRole",
    # waiting room
    "QueueJoinFunction": "QueueJoinRole",
    "QueueAdmitterFunction": "QueueAdmitterRole",
    "WaitlistOffersFunction": "WaitlistOffersRole",  # customers' rights
}


def table_resource(resource: Any, tables: dict[str, str]) -> str | None:
    """The table a resource names ("seats", "seats/stream", "bookings/index/by_user"), or None."""
    refs = referenced(resource)
    named = [r for r in refs if r.split(".")[0] in tables]
    if not named:
        return None
    assert len(named) == 1, resource
    logical, _, attribute = named[0].partition(".")
    name = tables[logical]
    text = sub_text(resource)
    if attribute == "StreamArn" or (text and text.endswith("/stream/*")):
        return f"{name}/stream"
    if text and "/index/" in text:
        index = text.split("/index/", 1)[1]
        assert index != "*", f"{resource}: a wildcard index"
        return f"{name}/index/{index}"
    assert attribute == "Arn" and (text is None or text == f"${{{named[0]}}}"), resource
    return name


def test_no_wildcard_actions(template: dict[str, Any]) -> None:
    for owner, statement in all_allow_statements(template):
        for action in actions_of(statement):
            assert action != "*", f"{owner}: Action *"
            service, _, name = action.partition(":")
            assert name != "*", f"{owner}: {action}"
            if service in DATA_SERVICES:
                assert "*" not in name, f"{owner}: {action} on a data store"


def test_star_resources_only_for_actions_without_resource_level_permissions(template: dict[str, Any]) -> None:
    for owner, statement in all_allow_statements(template):
        if "*" in resources_of(statement):
            unscoped = set(actions_of(statement)) - UNSCOPED_ACTIONS
            assert not unscoped, f"{owner}: {sorted(unscoped)} on Resource *"
        assert "NotResource" not in statement and "NotAction" not in statement, owner


def test_no_managed_policies(template: dict[str, Any]) -> None:
    """Managed policies cannot be reviewed here; every grant is inline and checked above."""
    for name, role in resources(template, "AWS::IAM::Role").items():
        assert "ManagedPolicyArns" not in role["Properties"], name
    assert not resources(template, "AWS::IAM::ManagedPolicy")


def test_each_function_has_its_own_role(template: dict[str, Any]) -> None:
    for function, role in FUNCTION_ROLES.items():
        assert properties(template, function)["Role"] == {"Fn::GetAtt": [role, "Arn"]}, function
    assert set(resources(template, "AWS::IAM::Role")) == set(EXPECTED_TABLE_ACCESS)


@pytest.mark.parametrize("role", sorted(EXPECTED_TABLE_ACCESS))
def test_role_names_exactly_its_tables_and_actions(template: dict[str, Any], role: str) -> None:
    tables = short_table_names(template)
    granted: dict[str, set[str]] = {}
    for statement in role_statements(template, role):
        for resource in resources_of(statement):
            table = table_resource(resource, tables)
            actions = set(actions_of(statement))
            if table is None:
                table_actions = {a for a in actions if a.startswith("dynamodb:")}
                if resource == "*":  # only what AWS cannot scope (checked above)
                    table_actions -= UNSCOPED_ACTIONS
                assert not table_actions, f"{role}: {table_actions} on {resource}"
                continue
            granted.setdefault(table, set()).update(actions)
    assert granted == EXPECTED_TABLE_ACCESS[role]


def test_data_store_statements_name_resources_of_this_stack(template: dict[str, Any]) -> None:
    """Queues, pools, clusters and the search domain are named, never matched by pattern."""
    logical_ids = set(template["Resources"])
    for owner, statement in all_allow_statements(template):
        services = {a.split(":")[0] for a in actions_of(statement)}
        if not services & DATA_SERVICES:
            continue
        for resource in resources_of(statement):
            if resource == "*":
                assert set(actions_of(statement)) <= UNSCOPED_ACTIONS, owner
                continue
            refs = {r.split(".")[0] for r in referenced(resource)} - {
                "AWS::Partition",
                "AWS::Region",
                "AWS::AccountId",
            }
            text = sub_text(resource) or ""
            names_stack_resource = bool(refs & logical_ids)
            names_search_domain = text.endswith(":domain/onsale-${Stage}/*") and refs == {"Stage"}
            assert names_stack_resource or names_search_domain, f"{owner}: {resource}"
