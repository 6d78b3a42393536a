from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.event_page import EventPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    after: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    types: str | Unset = UNSET,
    kinds: str | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["after"] = after

    params["page_size"] = page_size

    params["types"] = types

    params["kinds"] = kinds

    params["min_revision"] = min_revision

    params["stale"] = stale

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/events",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | EventPage:
    if response.status_code == 200:
        response_200 = EventPage.from_dict(response.json())

        return response_200

    if response.status_code == 410:
        response_410 = Error.from_dict(response.json())

        return response_410

    response_default = Error.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | EventPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    after: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    types: str | Unset = UNSET,
    kinds: str | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Response[Error | EventPage]:
    """A page of the event log (the events of the kinds you may read)

    Args:
        after (int | Unset):
        page_size (int | Unset):
        types (str | Unset):
        kinds (str | Unset):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | EventPage]
    """

    kwargs = _get_kwargs(
        after=after,
        page_size=page_size,
        types=types,
        kinds=kinds,
        min_revision=min_revision,
        stale=stale,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    after: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    types: str | Unset = UNSET,
    kinds: str | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Error | EventPage | None:
    """A page of the event log (the events of the kinds you may read)

    Args:
        after (int | Unset):
        page_size (int | Unset):
        types (str | Unset):
        kinds (str | Unset):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | EventPage
    """

    return sync_detailed(
        client=client,
        after=after,
        page_size=page_size,
        types=types,
        kinds=kinds,
        min_revision=min_revision,
        stale=stale,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    after: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    types: str | Unset = UNSET,
    kinds: str | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Response[Error | EventPage]:
    """A page of the event log (the events of the kinds you may read)

    Args:
        after (int | Unset):
        page_size (int | Unset):
        types (str | Unset):
        kinds (str | Unset):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | EventPage]
    """

    kwargs = _get_kwargs(
        after=after,
        page_size=page_size,
        types=types,
        kinds=kinds,
        min_revision=min_revision,
        stale=stale,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    after: int | Unset = UNSET,
    page_size: int | Unset = UNSET,
    types: str | Unset = UNSET,
    kinds: str | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Error | EventPage | None:
    """A page of the event log (the events of the kinds you may read)

    Args:
        after (int | Unset):
        page_size (int | Unset):
        types (str | Unset):
        kinds (str | Unset):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | EventPage
    """

    return (
        await asyncio_detailed(
            client=client,
            after=after,
            page_size=page_size,
            types=types,
            kinds=kinds,
            min_revision=min_revision,
            stale=stale,
        )
    ).parsed
