from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.security_policy_input import SecurityPolicyInput
from ...models.security_policy_output import SecurityPolicyOutput
from ...types import UNSET, Response, Unset


def _get_kwargs(
    namespace: str,
    name: str,
    *,
    body: SecurityPolicyInput,
    dry_run: bool | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    params: dict[str, Any] = {}

    params["dry_run"] = dry_run

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/mesh/security-policies/{namespace}/{name}".format(
            namespace=quote(str(namespace), safe=""),
            name=quote(str(name), safe=""),
        ),
        "params": params,
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | SecurityPolicyOutput:
    if response.status_code == 200:
        response_200 = SecurityPolicyOutput.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = SecurityPolicyOutput.from_dict(response.json())

        return response_201

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
    body: SecurityPolicyInput,
    dry_run: bool | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Response[Error | SecurityPolicyOutput]:
    """Create or update a security policy by namespace and name (apply)

    Args:
        namespace (str):
        name (str):
        dry_run (bool | Unset):
        if_match (str | Unset):
        body (SecurityPolicyInput): Create or replace a security policy.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | SecurityPolicyOutput]
    """

    kwargs = _get_kwargs(
        namespace=namespace,
        name=name,
        body=body,
        dry_run=dry_run,
        if_match=if_match,
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
    body: SecurityPolicyInput,
    dry_run: bool | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Error | SecurityPolicyOutput | None:
    """Create or update a security policy by namespace and name (apply)

    Args:
        namespace (str):
        name (str):
        dry_run (bool | Unset):
        if_match (str | Unset):
        body (SecurityPolicyInput): Create or replace a security policy.

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
        body=body,
        dry_run=dry_run,
        if_match=if_match,
    ).parsed


async def asyncio_detailed(
    namespace: str,
    name: str,
    *,
    client: AuthenticatedClient | Client,
    body: SecurityPolicyInput,
    dry_run: bool | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Response[Error | SecurityPolicyOutput]:
    """Create or update a security policy by namespace and name (apply)

    Args:
        namespace (str):
        name (str):
        dry_run (bool | Unset):
        if_match (str | Unset):
        body (SecurityPolicyInput): Create or replace a security policy.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | SecurityPolicyOutput]
    """

    kwargs = _get_kwargs(
        namespace=namespace,
        name=name,
        body=body,
        dry_run=dry_run,
        if_match=if_match,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    namespace: str,
    name: str,
    *,
    client: AuthenticatedClient | Client,
    body: SecurityPolicyInput,
    dry_run: bool | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Error | SecurityPolicyOutput | None:
    """Create or update a security policy by namespace and name (apply)

    Args:
        namespace (str):
        name (str):
        dry_run (bool | Unset):
        if_match (str | Unset):
        body (SecurityPolicyInput): Create or replace a security policy.

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
            body=body,
            dry_run=dry_run,
            if_match=if_match,
        )
    ).parsed
