from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.security_policy_output import SecurityPolicyOutput
from ...types import UNSET, Response, Unset


def _get_kwargs(
    namespace: str,
    name: str,
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
        "url": "/v1/mesh/security-policies/{namespace}/{name}".format(
            namespace=quote(str(namespace), safe=""),
            name=quote(str(name), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | SecurityPolicyOutput:
    if response.status_code == 200:
        response_200 = SecurityPolicyOutput.from_dict(response.json())

        return response_200

    response_default = Error.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | SecurityPolicyOutput]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    namespace: str,
    name: str,
    *,
    client: AuthenticatedClient | Client,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Response[Error | SecurityPolicyOutput]:
    """Get a security policy by namespace and name

    Args:
        namespace (str):
        name (str):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | SecurityPolicyOutput]
    """

    kwargs = _get_kwargs(
        namespace=namespace,
        name=name,
        min_revision=min_revision,
        stale=stale,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    namespace: str,
    name: str,
    *,
    client: AuthenticatedClient | Client,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Error | SecurityPolicyOutput | None:
    """Get a security policy by namespace and name

    Args:
        namespace (str):
        name (str):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | SecurityPolicyOutput
    """

    return sync_detailed(
        namespace=namespace,
        name=name,
        client=client,
        min_revision=min_revision,
        stale=stale,
    ).parsed


async def asyncio_detailed(
    namespace: str,
    name: str,
    *,
    client: AuthenticatedClient | Client,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Response[Error | SecurityPolicyOutput]:
    """Get a security policy by namespace and name

    Args:
        namespace (str):
        name (str):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | SecurityPolicyOutput]
    """

    kwargs = _get_kwargs(
        namespace=namespace,
        name=name,
        min_revision=min_revision,
        stale=stale,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    namespace: str,
    name: str,
    *,
    client: AuthenticatedClient | Client,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Error | SecurityPolicyOutput | None:
    """Get a security policy by namespace and name

    Args:
        namespace (str):
        name (str):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | SecurityPolicyOutput
    """

    return (
        await asyncio_detailed(
            namespace=namespace,
            name=name,
            client=client,
            min_revision=min_revision,
            stale=stale,
        )
    ).parsed
