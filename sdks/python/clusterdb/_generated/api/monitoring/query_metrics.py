from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.metrics_output import MetricsOutput
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    service: str,
    window: str | Unset = UNSET,
    metric: str | Unset = UNSET,
    step: str | Unset = UNSET,
    label: list[str] | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["service"] = service

    params["window"] = window

    params["metric"] = metric

    params["step"] = step

    json_label: list[str] | Unset = UNSET
    if not isinstance(label, Unset):
        json_label = label

    params["label"] = json_label

    params["min_revision"] = min_revision

    params["stale"] = stale

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/monitoring/metrics",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | MetricsOutput:
    if response.status_code == 200:
        response_200 = MetricsOutput.from_dict(response.json())

        return response_200

    response_default = Error.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | MetricsOutput]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    service: str,
    window: str | Unset = UNSET,
    metric: str | Unset = UNSET,
    step: str | Unset = UNSET,
    label: list[str] | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Response[Error | MetricsOutput]:
    """A service's series over a window, with each one's summary

    Args:
        service (str):
        window (str | Unset):
        metric (str | Unset):
        step (str | Unset):
        label (list[str] | Unset):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | MetricsOutput]
    """

    kwargs = _get_kwargs(
        service=service,
        window=window,
        metric=metric,
        step=step,
        label=label,
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
    service: str,
    window: str | Unset = UNSET,
    metric: str | Unset = UNSET,
    step: str | Unset = UNSET,
    label: list[str] | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Error | MetricsOutput | None:
    """A service's series over a window, with each one's summary

    Args:
        service (str):
        window (str | Unset):
        metric (str | Unset):
        step (str | Unset):
        label (list[str] | Unset):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | MetricsOutput
    """

    return sync_detailed(
        client=client,
        service=service,
        window=window,
        metric=metric,
        step=step,
        label=label,
        min_revision=min_revision,
        stale=stale,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    service: str,
    window: str | Unset = UNSET,
    metric: str | Unset = UNSET,
    step: str | Unset = UNSET,
    label: list[str] | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Response[Error | MetricsOutput]:
    """A service's series over a window, with each one's summary

    Args:
        service (str):
        window (str | Unset):
        metric (str | Unset):
        step (str | Unset):
        label (list[str] | Unset):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | MetricsOutput]
    """

    kwargs = _get_kwargs(
        service=service,
        window=window,
        metric=metric,
        step=step,
        label=label,
        min_revision=min_revision,
        stale=stale,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    service: str,
    window: str | Unset = UNSET,
    metric: str | Unset = UNSET,
    step: str | Unset = UNSET,
    label: list[str] | Unset = UNSET,
    min_revision: int | Unset = UNSET,
    stale: bool | Unset = UNSET,
) -> Error | MetricsOutput | None:
    """A service's series over a window, with each one's summary

    Args:
        service (str):
        window (str | Unset):
        metric (str | Unset):
        step (str | Unset):
        label (list[str] | Unset):
        min_revision (int | Unset):
        stale (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | MetricsOutput
    """

    return (
        await asyncio_detailed(
            client=client,
            service=service,
            window=window,
            metric=metric,
            step=step,
            label=label,
            min_revision=min_revision,
            stale=stale,
        )
    ).parsed
