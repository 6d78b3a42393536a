from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.check_request_json import CheckRequestJson
from ...models.decision_json import DecisionJson
from ...models.error import Error
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: CheckRequestJson,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/mesh/security-policies:check",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DecisionJson | Error:
    if response.status_code == 200:
        response_200 = DecisionJson.from_dict(response.json())

        return response_200

    response_default = Error.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[DecisionJson | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CheckRequestJson,
    idempotency_key: str | Unset = UNSET,
) -> Response[DecisionJson | Error]:
    """Whether the security policies allow a request, and which one decides

    Args:
        idempotency_key (str | Unset):
        body (CheckRequestJson): `POST /mesh/security-policies:check`: a request to authorize.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DecisionJson | Error]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: CheckRequestJson,
    idempotency_key: str | Unset = UNSET,
) -> DecisionJson | Error | None:
    """Whether the security policies allow a request, and which one decides

    Args:
        idempotency_key (str | Unset):
        body (CheckRequestJson): `POST /mesh/security-policies:check`: a request to authorize.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DecisionJson | Error
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CheckRequestJson,
    idempotency_key: str | Unset = UNSET,
) -> Response[DecisionJson | Error]:
    """Whether the security policies allow a request, and which one decides

    Args:
        idempotency_key (str | Unset):
        body (CheckRequestJson): `POST /mesh/security-policies:check`: a request to authorize.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DecisionJson | Error]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: CheckRequestJson,
    idempotency_key: str | Unset = UNSET,
) -> DecisionJson | Error | None:
    """Whether the security policies allow a request, and which one decides

    Args:
        idempotency_key (str | Unset):
        body (CheckRequestJson): `POST /mesh/security-policies:check`: a request to authorize.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DecisionJson | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
