from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    after: str | Unset = UNSET,
    types: str | Unset = UNSET,
    kinds: str | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(last_event_id, Unset):
        headers["Last-Event-ID"] = last_event_id

    params: dict[str, Any] = {}

    params["after"] = after

    params["types"] = types

    params["kinds"] = kinds

    params["min_revision"] = min_revision

    params["stale"] = stale

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/events:watch",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | str:
    if response.status_code == 200:
        response_200 = response.text
        return response_200

    if response.status_code == 410:
        response_410 = Error.from_dict(response.json())

        return response_410

    response_default = Error.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    after: str | Unset = UNSET,
    types: str | Unset = UNSET,
    kinds: str | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
) -> Response[Error | str]:
    """The event log live, as server-sent events; resume with Last-Event-ID

    Args:
        after (str | Unset):
        types (str | Unset):
        kinds (str | Unset):
        min_revision (int | Unset):
        stale (bool | Unset):
        last_event_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | str]
    """

    kwargs = _get_kwargs(
        after=after,
        types=types,
        kinds=kinds,
        min_revision=min_revision,
        stale=stale,
        last_event_id=last_event_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    after: str | Unset = UNSET,
    types: str | Unset = UNSET,
    kinds: str | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
) -> Error | str | None:
    """The event log live, as server-sent events; resume with Last-Event-ID

    Args:
        after (str | Unset):
        types (str | Unset):
        kinds (str | Unset):
        min_revision (int | Unset):
        stale (bool | Unset):
        last_event_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | str
    """

    return sync_detailed(
        client=client,
        after=after,
        types=types,
        kinds=kinds,
        min_revision=min_revision,
        stale=stale,
        last_event_id=last_event_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    after: str | Unset = UNSET,
    types: str | Unset = UNSET,
    kinds: str | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
) -> Response[Error | str]:
    """The event log live, as server-sent events; resume with Last-Event-ID

    Args:
        after (str | Unset):
        types (str | Unset):
        kinds (str | Unset):
        min_revision (int | Unset):
        stale (bool | Unset):
        last_event_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | str]
    """

    kwargs = _get_kwargs(
        after=after,
        types=types,
        kinds=kinds,
        min_revision=min_revision,
        stale=stale,
        last_event_id=last_event_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    after: str | Unset = UNSET,
    types: str | Unset = UNSET,
    kinds: str | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
) -> Error | str | None:
    """The event log live, as server-sent events; resume with Last-Event-ID

    Args:
        after (str | Unset):
        types (str | Unset):
        kinds (str | Unset):
        min_revision (int | Unset):
        stale (bool | Unset):
        last_event_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | str
    """

    return (
        await asyncio_detailed(
            client=client,
            after=after,
            types=types,
            kinds=kinds,
            min_revision=min_revision,
            stale=stale,
            last_event_id=last_event_id,
        )
    ).parsed
