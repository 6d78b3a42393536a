from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.o_auth_client_input import OAuthClientInput
from ...models.o_auth_client_output import OAuthClientOutput
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    *,
    body: OAuthClientInput,
    if_match: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/oauth-clients/{id}".format(
            id=quote(str(id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | OAuthClientOutput:
    if response.status_code == 200:
        response_200 = OAuthClientOutput.from_dict(response.json())

        return response_200

    response_default = Error.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | OAuthClientOutput]:
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
    body: OAuthClientInput,
    if_match: str | Unset = UNSET,
) -> Response[Error | OAuthClientOutput]:
    """Replace a OAuth client

    Args:
        id (str):
        if_match (str | Unset):
        body (OAuthClientInput): Create or replace an OAuth client.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | OAuthClientOutput]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        if_match=if_match,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    body: OAuthClientInput,
    if_match: str | Unset = UNSET,
) -> Error | OAuthClientOutput | None:
    """Replace a OAuth client

    Args:
        id (str):
        if_match (str | Unset):
        body (OAuthClientInput): Create or replace an OAuth client.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | OAuthClientOutput
    """

    return sync_detailed(
        id=id,
        client=client,
        body=body,
        if_match=if_match,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    body: OAuthClientInput,
    if_match: str | Unset = UNSET,
) -> Response[Error | OAuthClientOutput]:
    """Replace a OAuth client

    Args:
        id (str):
        if_match (str | Unset):
        body (OAuthClientInput): Create or replace an OAuth client.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | OAuthClientOutput]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        if_match=if_match,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    body: OAuthClientInput,
    if_match: str | Unset = UNSET,
) -> Error | OAuthClientOutput | None:
    """Replace a OAuth client

    Args:
        id (str):
        if_match (str | Unset):
        body (OAuthClientInput): Create or replace an OAuth client.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | OAuthClientOutput
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
            if_match=if_match,
        )
    ).parsed
