from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.virtual_service_input import VirtualServiceInput
from ...models.virtual_service_output import VirtualServiceOutput
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: VirtualServiceInput,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/mesh/virtual-services",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | VirtualServiceOutput:
    if response.status_code == 200:
        response_200 = VirtualServiceOutput.from_dict(response.json())

        return response_200

    response_default = Error.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | VirtualServiceOutput]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: VirtualServiceInput,
    idempotency_key: str | Unset = UNSET,
) -> Response[Error | VirtualServiceOutput]:
    """Create a virtual service

    Args:
        idempotency_key (str | Unset):
        body (VirtualServiceInput): Create or replace a virtual service.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | VirtualServiceOutput]
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
    body: VirtualServiceInput,
    idempotency_key: str | Unset = UNSET,
) -> Error | VirtualServiceOutput | None:
    """Create a virtual service

    Args:
        idempotency_key (str | Unset):
        body (VirtualServiceInput): Create or replace a virtual service.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | VirtualServiceOutput
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: VirtualServiceInput,
    idempotency_key: str | Unset = UNSET,
) -> Response[Error | VirtualServiceOutput]:
    """Create a virtual service

    Args:
        idempotency_key (str | Unset):
        body (VirtualServiceInput): Create or replace a virtual service.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | VirtualServiceOutput]
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
    body: VirtualServiceInput,
    idempotency_key: str | Unset = UNSET,
) -> Error | VirtualServiceOutput | None:
    """Create a virtual service

    Args:
        idempotency_key (str | Unset):
        body (VirtualServiceInput): Create or replace a virtual service.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | VirtualServiceOutput
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
