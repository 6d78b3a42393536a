from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.oauth_token_body import OauthTokenBody
from ...models.oauth_token_response_200 import OauthTokenResponse200
from ...models.oauth_token_response_400 import OauthTokenResponse400
from ...models.oauth_token_response_401 import OauthTokenResponse401
from ...types import Response


def _get_kwargs(
    *,
    body: OauthTokenBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/oauth/token",
    }

    _kwargs["data"] = body.to_dict()
    headers["Content-Type"] = "application/x-www-form-urlencoded"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | OauthTokenResponse200 | OauthTokenResponse400 | OauthTokenResponse401:
    if response.status_code == 200:
        response_200 = OauthTokenResponse200.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = OauthTokenResponse400.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = OauthTokenResponse401.from_dict(response.json())

        return response_401

    response_default = Error.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | OauthTokenResponse200 | OauthTokenResponse400 | OauthTokenResponse401]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: OauthTokenBody,
) -> Response[Error | OauthTokenResponse200 | OauthTokenResponse400 | OauthTokenResponse401]:
    """OAuth 2.0 client credentials grant (RFC 6749 §4.4): client_id and client_secret as form fields or
    HTTP Basic

    Args:
        body (OauthTokenBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | OauthTokenResponse200 | OauthTokenResponse400 | OauthTokenResponse401]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: OauthTokenBody,
) -> Error | OauthTokenResponse200 | OauthTokenResponse400 | OauthTokenResponse401 | None:
    """OAuth 2.0 client credentials grant (RFC 6749 §4.4): client_id and client_secret as form fields or
    HTTP Basic

    Args:
        body (OauthTokenBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | OauthTokenResponse200 | OauthTokenResponse400 | OauthTokenResponse401
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: OauthTokenBody,
) -> Response[Error | OauthTokenResponse200 | OauthTokenResponse400 | OauthTokenResponse401]:
    """OAuth 2.0 client credentials grant (RFC 6749 §4.4): client_id and client_secret as form fields or
    HTTP Basic

    Args:
        body (OauthTokenBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | OauthTokenResponse200 | OauthTokenResponse400 | OauthTokenResponse401]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: OauthTokenBody,
) -> Error | OauthTokenResponse200 | OauthTokenResponse400 | OauthTokenResponse401 | None:
    """OAuth 2.0 client credentials grant (RFC 6749 §4.4): client_id and client_secret as form fields or
    HTTP Basic

    Args:
        body (OauthTokenBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | OauthTokenResponse200 | OauthTokenResponse400 | OauthTokenResponse401
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
