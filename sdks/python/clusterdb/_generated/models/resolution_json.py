from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.http_route_json import HttpRouteJson
    from ..models.resource_ref import ResourceRef
    from ..models.weighted_destination import WeightedDestination


T = TypeVar("T", bound="ResolutionJson")


@_attrs_define
class ResolutionJson:
    """Where a request goes.

    Attributes:
        destinations (list[WeightedDestination]): The destinations traffic is split over (none with weight 0).
        matched (bool): Whether a rule routes it; `false`: no route.
        rule (HttpRouteJson | None | Unset):
        rule_index (int | None | Unset): The index of the rule in its `http_routes`.
        virtual_service (None | ResourceRef | Unset):
    """

    destinations: list[WeightedDestination]
    matched: bool
    rule: HttpRouteJson | None | Unset = UNSET
    rule_index: int | None | Unset = UNSET
    virtual_service: None | ResourceRef | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.http_route_json import HttpRouteJson
        from ..models.resource_ref import ResourceRef

        destinations = []
        for destinations_item_data in self.destinations:
            destinations_item = destinations_item_data.to_dict()
            destinations.append(destinations_item)

        matched = self.matched

        rule: dict[str, Any] | None | Unset
        if isinstance(self.rule, Unset):
            rule = UNSET
        elif isinstance(self.rule, HttpRouteJson):
            rule = self.rule.to_dict()
        else:
            rule = self.rule

        rule_index: int | None | Unset
        if isinstance(self.rule_index, Unset):
            rule_index = UNSET
        else:
            rule_index = self.rule_index

        virtual_service: dict[str, Any] | None | Unset
        if isinstance(self.virtual_service, Unset):
            virtual_service = UNSET
        elif isinstance(self.virtual_service, ResourceRef):
            virtual_service = self.virtual_service.to_dict()
        else:
            virtual_service = self.virtual_service

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "destinations": destinations,
                "matched": matched,
            }
        )
        if rule is not UNSET:
            field_dict["rule"] = rule
        if rule_index is not UNSET:
            field_dict["rule_index"] = rule_index
        if virtual_service is not UNSET:
            field_dict["virtual_service"] = virtual_service

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.http_route_json import HttpRouteJson
        from ..models.resource_ref import ResourceRef
        from ..models.weighted_destination import WeightedDestination

        d = dict(src_dict)
        destinations = []
        _destinations = d.pop("destinations")
        for destinations_item_data in _destinations:
            destinations_item = WeightedDestination.from_dict(destinations_item_data)

            destinations.append(destinations_item)

        matched = d.pop("matched")

        def _parse_rule(data: object) -> HttpRouteJson | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                rule_type_1 = HttpRouteJson.from_dict(data)

                return rule_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HttpRouteJson | None | Unset, data)

        rule = _parse_rule(d.pop("rule", UNSET))

        def _parse_rule_index(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rule_index = _parse_rule_index(d.pop("rule_index", UNSET))

        def _parse_virtual_service(data: object) -> None | ResourceRef | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                virtual_service_type_1 = ResourceRef.from_dict(data)

                return virtual_service_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ResourceRef | Unset, data)

        virtual_service = _parse_virtual_service(d.pop("virtual_service", UNSET))

        resolution_json = cls(
            destinations=destinations,
            matched=matched,
            rule=rule,
            rule_index=rule_index,
            virtual_service=virtual_service,
        )

        resolution_json.additional_properties = d
        return resolution_json

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
