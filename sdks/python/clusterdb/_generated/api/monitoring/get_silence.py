from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.silence_output import SilenceOutput
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    *,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["min_revision"] = min_revision

    params["stale"] = stale

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/monitoring/silences/{id}".format(
            id=quote(str(id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | SilenceOutput:
    if response.status_code == 200:
        response_200 = SilenceOutput.from_dict(response.json())

        return response_200

    response_default = Error.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | SilenceOutput]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Response[Error | SilenceOutput]:
    """Get a silence

    Args:
        id (str):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | SilenceOutput]
    """

    kwargs = _get_kwargs(
        id=id,
        min_revision=min_revision,
        stale=stale,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Error | SilenceOutput | None:
    """Get a silence

    Args:
        id (str):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | SilenceOutput
    """

    return sync_detailed(
        id=id,
        client=client,
        min_revision=min_revision,
        stale=stale,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Response[Error | SilenceOutput]:
    """Get a silence

    Args:
        id (str):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | SilenceOutput]
    """

    kwargs = _get_kwargs(
        id=id,
        min_revision=min_revision,
        stale=stale,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Error | SilenceOutput | None:
    """Get a silence

    Args:
        id (str):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | SilenceOutput
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            min_revision=min_revision,
            stale=stale,
        )
    ).parsed
