from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.list_groups_response_200 import ListGroupsResponse200
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    page_size: int | Unset = UNSET,
    page_token: str | Unset = UNSET,
    tag: list[str] | Unset = UNSET,
    name: str | Unset = UNSET,
    members: str | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["page_size"] = page_size

    params["page_token"] = page_token

    json_tag: list[str] | Unset = UNSET
    if not isinstance(tag, Unset):
        json_tag = tag

    params["tag"] = json_tag

    params["name"] = name

    params["members"] = members

    params["min_revision"] = min_revision

    params["stale"] = stale

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/groups",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | ListGroupsResponse200:
    if response.status_code == 200:
        response_200 = ListGroupsResponse200.from_dict(response.json())

        return response_200

    response_default = Error.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | ListGroupsResponse200]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    page_size: int | Unset = UNSET,
    page_token: str | Unset = UNSET,
    tag: list[str] | Unset = UNSET,
    name: str | Unset = UNSET,
    members: str | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Response[Error | ListGroupsResponse200]:
    """List groups

    Args:
        page_size (int | Unset):
        page_token (str | Unset):
        tag (list[str] | Unset):
        name (str | Unset):
        members (str | Unset):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ListGroupsResponse200]
    """

    kwargs = _get_kwargs(
        page_size=page_size,
        page_token=page_token,
        tag=tag,
        name=name,
        members=members,
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
    page_size: int | Unset = UNSET,
    page_token: str | Unset = UNSET,
    tag: list[str] | Unset = UNSET,
    name: str | Unset = UNSET,
    members: str | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Error | ListGroupsResponse200 | None:
    """List groups

    Args:
        page_size (int | Unset):
        page_token (str | Unset):
        tag (list[str] | Unset):
        name (str | Unset):
        members (str | Unset):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ListGroupsResponse200
    """

    return sync_detailed(
        client=client,
        page_size=page_size,
        page_token=page_token,
        tag=tag,
        name=name,
        members=members,
        min_revision=min_revision,
        stale=stale,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    page_size: int | Unset = UNSET,
    page_token: str | Unset = UNSET,
    tag: list[str] | Unset = UNSET,
    name: str | Unset = UNSET,
    members: str | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Response[Error | ListGroupsResponse200]:
    """List groups

    Args:
        page_size (int | Unset):
        page_token (str | Unset):
        tag (list[str] | Unset):
        name (str | Unset):
        members (str | Unset):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ListGroupsResponse200]
    """

    kwargs = _get_kwargs(
        page_size=page_size,
        page_token=page_token,
        tag=tag,
        name=name,
        members=members,
        min_revision=min_revision,
        stale=stale,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    page_size: int | Unset = UNSET,
    page_token: str | Unset = UNSET,
    tag: list[str] | Unset = UNSET,
    name: str | Unset = UNSET,
    members: str | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Error | ListGroupsResponse200 | None:
    """List groups

    Args:
        page_size (int | Unset):
        page_token (str | Unset):
        tag (list[str] | Unset):
        name (str | Unset):
        members (str | Unset):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ListGroupsResponse200
    """

    return (
        await asyncio_detailed(
            client=client,
            page_size=page_size,
            page_token=page_token,
            tag=tag,
            name=name,
            members=members,
            min_revision=min_revision,
            stale=stale,
        )
    ).parsed
