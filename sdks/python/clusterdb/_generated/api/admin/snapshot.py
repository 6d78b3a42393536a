from http import HTTPStatus
from io import BytesIO
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.snapshot_events import SnapshotEvents
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    *,
    events: SnapshotEvents | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_events: str | Unset = UNSET
    if not isinstance(events, Unset):
        json_events = events

    params["events"] = json_events

    params["min_revision"] = min_revision

    params["stale"] = stale

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/admin/snapshot",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | File:
    if response.status_code == 200:
        response_200 = File(payload=BytesIO(response.content))

        return response_200

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 503:
        response_503 = Error.from_dict(response.json())

        return response_503

    response_default = Error.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | File]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    events: SnapshotEvents | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Response[Error | File]:
    """A consistent snapshot of the whole store at one revision, streamed (admins only)

    Args:
        events (SnapshotEvents | Unset):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | File]
    """

    kwargs = _get_kwargs(
        events=events,
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
    events: SnapshotEvents | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Error | File | None:
    """A consistent snapshot of the whole store at one revision, streamed (admins only)

    Args:
        events (SnapshotEvents | Unset):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | File
    """

    return sync_detailed(
        client=client,
        events=events,
        min_revision=min_revision,
        stale=stale,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    events: SnapshotEvents | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Response[Error | File]:
    """A consistent snapshot of the whole store at one revision, streamed (admins only)

    Args:
        events (SnapshotEvents | Unset):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | File]
    """

    kwargs = _get_kwargs(
        events=events,
        min_revision=min_revision,
        stale=stale,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    events: SnapshotEvents | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Error | File | None:
    """A consistent snapshot of the whole store at one revision, streamed (admins only)

    Args:
        events (SnapshotEvents | Unset):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | File
    """

    return (
        await asyncio_detailed(
            client=client,
            events=events,
            min_revision=min_revision,
            stale=stale,
        )
    ).parsed
