from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.destination_json import DestinationJson


T = TypeVar("T", bound="WeightedDestination")


@_attrs_define
class WeightedDestination:
    """A destination and its share of the traffic.

    Attributes:
        destination (DestinationJson): A service, subset and port.
        percent (float): Its share of the rule's traffic, in percent.
        weight (int): Its effective weight (above 0).
    """

    destination: DestinationJson
    percent: float
    weight: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        destination = self.destination.to_dict()

        percent = self.percent

        weight = self.weight

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "destination": destination,
                "percent": percent,
                "weight": weight,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.destination_json import DestinationJson

        d = dict(src_dict)
        destination = DestinationJson.from_dict(d.pop("destination"))

        percent = d.pop("percent")

        weight = d.pop("weight")

        weighted_destination = cls(
            destination=destination,
            percent=percent,
            weight=weight,
        )

        weighted_destination.additional_properties = d
        return weighted_destination

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
