"""Verifying webhook deliveries (Standard Webhooks) in a receiver."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

from .errors import WebhookVerificationError

# How far a delivery's timestamp may be from now (replay protection).
DEFAULT_TOLERANCE = 300


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes | str,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> dict[str, Any]:
    """Checks a delivery and answers its event.

    `secret` is the endpoint's `whsec_…` secret; `headers` the request's
    (any case); `body` its raw bytes, as received. Raises
    `WebhookVerificationError` unless one of the `webhook-signature`'s
    `v1,` signatures is the HMAC-SHA256 of `id.timestamp.body` and the
    timestamp is within `tolerance` seconds of now. Deduplicate on the
    event's `webhook-id`: delivery is at least once.
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    try:
        id_ = lowered["webhook-id"]
        timestamp = lowered["webhook-timestamp"]
        signatures = lowered["webhook-signature"]
    except KeyError as missing:
        raise WebhookVerificationError(f"missing header {missing.args[0]}") from None
    try:
        sent = int(timestamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a number") from None
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance:
        raise WebhookVerificationError("webhook-timestamp is too far from now")
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except ValueError:
        raise ValueError("the secret is not whsec_ and base64") from None
    raw = body.encode() if isinstance(body, str) else bytes(body)
    expected = hmac.new(key, f"{id_}.{timestamp}.".encode() + raw, hashlib.sha256).digest()
    for signature in signatures.split():
        version, _, value = signature.partition(",")
        if version != "v1":
            continue
        try:
            offered = base64.b64decode(value, validate=True)
        except ValueError:
            continue
        if hmac.compare_digest(offered, expected):
            return json.loads(raw)
    raise WebhookVerificationError("no signature matches")
