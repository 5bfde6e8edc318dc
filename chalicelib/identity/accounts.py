"""Sign-up and log-in against the Cognito user pool, and the users table's profile item."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import aws
from chalicelib.errors import (
    EmailTakenError,
    InvalidCredentialsError,
    InvalidRequestError,
    NotFoundError,
    ServiceUnavailableError,
)
from chalicelib.models import User, table_name
from chalicelib.settings import Settings
from chalicelib.timestamps import rfc3339

logger = logging.getLogger(__name__)


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def sign_up(
    *,
    email: str,
    password: str,
    name: str,
    settings: Settings,
    cognito: Any = None,
    db: Any = None,
    marketing_consent: bool = False,
) -> str:
    """Create an account and its profile; return the user id (the pool's `sub`)."""
    cognito = cognito or aws.cognito()
    db = db or aws.dynamodb()
    try:
        result = cognito.sign_up(
            ClientId=settings.user_pool_client_id,
            Username=email,
            Password=password,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "name", "Value": name}],
        )
        # Accounts are usable at once; e-mail verification is a later decision (docs/decisions.md).
        cognito.admin_confirm_sign_up(UserPoolId=settings.user_pool_id, Username=email)
    except ClientError as exc:
        code = _error_code(exc)
        if code in {"UsernameExistsException", "AliasExistsException"}:
            raise EmailTakenError() from exc
        if code in {"InvalidPasswordException", "InvalidParameterException"}:
            raise InvalidRequestError("The password does not meet the policy (8+ characters)") from exc
        logger.exception("sign-up failed")
        raise ServiceUnavailableError() from exc
    user_id = str(result["UserSub"])
    user = User(user_id=user_id, email=email, name=name, created_at=datetime.now(UTC))
    if marketing_consent:  # notifications: recorded only when given
        user.marketing_consent = True
    db.put_item(TableName=table_name(User), Item=user.serialize())
    return user_id


def log_in(*, email: str, password: str, settings: Settings, cognito: Any = None) -> dict[str, Any]:
    cognito = cognito or aws.cognito()
    try:
        result = cognito.initiate_auth(
            ClientId=settings.user_pool_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
    except ClientError as exc:
        if _error_code(exc) in {
            "NotAuthorizedException",
            "UserNotFoundException",
            "UserNotConfirmedException",
            "InvalidParameterException",
            "PasswordResetRequiredException",
        }:
            raise InvalidCredentialsError() from exc
        logger.exception("log-in failed")
        raise ServiceUnavailableError() from exc
    auth = result.get("AuthenticationResult") or {}
    if "IdToken" not in auth:
        raise InvalidCredentialsError()
    return {"token": auth["IdToken"], "expires_in": int(auth.get("ExpiresIn", 3600))}


def ensure_admin(*, email: str, password: str, name: str, settings: Settings) -> str:
    """Create (or keep) the seeded administrator and put them in the admin group."""
    cognito = aws.cognito()
    try:
        user_id = sign_up(email=email, password=password, name=name, settings=settings)
    except EmailTakenError:
        user = cognito.admin_get_user(UserPoolId=settings.user_pool_id, Username=email)
        attrs = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
        user_id = attrs.get("sub", "")
        cognito.admin_set_user_password(
            UserPoolId=settings.user_pool_id, Username=email, Password=password, Permanent=True
        )
    cognito.admin_add_user_to_group(
        UserPoolId=settings.user_pool_id, Username=email, GroupName=settings.admin_group
    )
    return user_id


def profile(user_id: str, *, db: Any = None) -> dict[str, Any]:
    """The caller's own profile (the account page); 404 when the profile is gone."""
    db = db or aws.dynamodb()
    item = db.get_item(TableName=table_name(User), Key={"user_id": {"S": user_id}}, ConsistentRead=True).get(
        "Item"
    )
    if not item:
        raise NotFoundError("No profile for this account")
    user = User.from_raw_data(item)
    return {
        "user_id": user.user_id,
        "email": user.email,
        "name": user.name,
        "created_at": rfc3339(user.created_at),
    }
