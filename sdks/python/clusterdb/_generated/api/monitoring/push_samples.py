from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.push_output import PushOutput
from ...models.sample_json import SampleJson
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: list[SampleJson],
    service: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    params: dict[str, Any] = {}

    params["service"] = service

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/monitoring/samples",
        "params": params,
    }

    _kwargs["json"] = []
    for body_item_data in body:
        body_item = body_item_data.to_dict()
        _kwargs["json"].append(body_item)

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | PushOutput:
    if response.status_code == 200:
        response_200 = PushOutput.from_dict(response.json())

        return response_200

    response_default = Error.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | PushOutput]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: list[SampleJson],
    service: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[Error | PushOutput]:
    """Push samples: a JSON array, or the Prometheus text format with ?service=

    Args:
        service (str | Unset):
        idempotency_key (str | Unset):
        body (list[SampleJson]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | PushOutput]
    """

    kwargs = _get_kwargs(
        body=body,
        service=service,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: list[SampleJson],
    service: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Error | PushOutput | None:
    """Push samples: a JSON array, or the Prometheus text format with ?service=

    Args:
        service (str | Unset):
        idempotency_key (str | Unset):
        body (list[SampleJson]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | PushOutput
    """

    return sync_detailed(
        client=client,
        body=body,
        service=service,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: list[SampleJson],
    service: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[Error | PushOutput]:
    """Push samples: a JSON array, or the Prometheus text format with ?service=

    Args:
        service (str | Unset):
        idempotency_key (str | Unset):
        body (list[SampleJson]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | PushOutput]
    """

    kwargs = _get_kwargs(
        body=body,
        service=service,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: list[SampleJson],
    service: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Error | PushOutput | None:
    """Push samples: a JSON array, or the Prometheus text format with ?service=

    Args:
        service (str | Unset):
        idempotency_key (str | Unset):
        body (list[SampleJson]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | PushOutput
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            service=service,
            idempotency_key=idempotency_key,
        )
    ).parsed
