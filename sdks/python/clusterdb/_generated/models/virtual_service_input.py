from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.http_route_json import HttpRouteJson
    from ..models.virtual_service_input_tags import VirtualServiceInputTags


T = TypeVar("T", bound="VirtualServiceInput")


@_attrs_define
class VirtualServiceInput:
    """Create or replace a virtual service.

    Attributes:
        hosts (list[str]): DNS names, `*.` wildcards or `*`; at least one, no duplicates.
        name (str): Unique in its namespace.
        gateways (list[str] | Unset): `mesh` or `<namespace>/<gateway>`; none means `mesh`.
        http_routes (list[HttpRouteJson] | Unset): Rules in order; the first that matches routes the request.
        namespace (str | Unset): Its namespace (default `default`).
        tags (VirtualServiceInputTags | Unset): Labels.
    """

    hosts: list[str]
    name: str
    gateways: list[str] | Unset = UNSET
    http_routes: list[HttpRouteJson] | Unset = UNSET
    namespace: str | Unset = UNSET
    tags: VirtualServiceInputTags | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        hosts = self.hosts

        name = self.name

        gateways: list[str] | Unset = UNSET
        if not isinstance(self.gateways, Unset):
            gateways = self.gateways

        http_routes: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.http_routes, Unset):
            http_routes = []
            for http_routes_item_data in self.http_routes:
                http_routes_item = http_routes_item_data.to_dict()
                http_routes.append(http_routes_item)

        namespace = self.namespace

        tags: dict[str, Any] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "hosts": hosts,
                "name": name,
            }
        )
        if gateways is not UNSET:
            field_dict["gateways"] = gateways
        if http_routes is not UNSET:
            field_dict["http_routes"] = http_routes
        if namespace is not UNSET:
            field_dict["namespace"] = namespace
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.http_route_json import HttpRouteJson
        from ..models.virtual_service_input_tags import VirtualServiceInputTags

        d = dict(src_dict)
        hosts = cast(list[str], d.pop("hosts"))

        name = d.pop("name")

        gateways = cast(list[str], d.pop("gateways", UNSET))

        _http_routes = d.pop("http_routes", UNSET)
        http_routes: list[HttpRouteJson] | Unset = UNSET
        if _http_routes is not UNSET:
            http_routes = []
            for http_routes_item_data in _http_routes:
                http_routes_item = HttpRouteJson.from_dict(http_routes_item_data)

                http_routes.append(http_routes_item)

        namespace = d.pop("namespace", UNSET)

        _tags = d.pop("tags", UNSET)
        tags: VirtualServiceInputTags | Unset
        if isinstance(_tags, Unset):
            tags = UNSET
        else:
            tags = VirtualServiceInputTags.from_dict(_tags)

        virtual_service_input = cls(
            hosts=hosts,
            name=name,
            gateways=gateways,
            http_routes=http_routes,
            namespace=namespace,
            tags=tags,
        )

        return virtual_service_input
