from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.route_request_json_headers import RouteRequestJsonHeaders


T = TypeVar("T", bound="RouteRequestJson")


@_attrs_define
class RouteRequestJson:
    """`POST /mesh/routes:resolve`: a request to route.

    Attributes:
        host (str): The host (a `:port` suffix is ignored).
        gateway (None | str | Unset): The gateway it came through (default `mesh`: a sidecar).
        headers (RouteRequestJsonHeaders | Unset): Headers.
        method (str | Unset): The method (default `GET`).
        path (str | Unset): The path, with its query string if any (default `/`).
        port (int | None | Unset): The port it came to.
    """

    host: str
    gateway: None | str | Unset = UNSET
    headers: RouteRequestJsonHeaders | Unset = UNSET
    method: str | Unset = UNSET
    path: str | Unset = UNSET
    port: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        host = self.host

        gateway: None | str | Unset
        if isinstance(self.gateway, Unset):
            gateway = UNSET
        else:
            gateway = self.gateway

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        method = self.method

        path = self.path

        port: int | None | Unset
        if isinstance(self.port, Unset):
            port = UNSET
        else:
            port = self.port

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "host": host,
            }
        )
        if gateway is not UNSET:
            field_dict["gateway"] = gateway
        if headers is not UNSET:
            field_dict["headers"] = headers
        if method is not UNSET:
            field_dict["method"] = method
        if path is not UNSET:
            field_dict["path"] = path
        if port is not UNSET:
            field_dict["port"] = port

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.route_request_json_headers import RouteRequestJsonHeaders

        d = dict(src_dict)
        host = d.pop("host")

        def _parse_gateway(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        gateway = _parse_gateway(d.pop("gateway", UNSET))

        _headers = d.pop("headers", UNSET)
        headers: RouteRequestJsonHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = RouteRequestJsonHeaders.from_dict(_headers)

        method = d.pop("method", UNSET)

        path = d.pop("path", UNSET)

        def _parse_port(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        port = _parse_port(d.pop("port", UNSET))

        route_request_json = cls(
            host=host,
            gateway=gateway,
            headers=headers,
            method=method,
            path=path,
            port=port,
        )

        return route_request_json
