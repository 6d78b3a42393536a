from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.fleet_output import FleetOutput


T = TypeVar("T", bound="ListFleetsResponse200")


@_attrs_define
class ListFleetsResponse200:
    """
    Attributes:
        fleets (list[FleetOutput]):
        next_page_token (None | str):
        revision (int): The store revision every page of this list reflects
    """

    fleets: list[FleetOutput]
    next_page_token: None | str
    revision: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        fleets = []
        for fleets_item_data in self.fleets:
            fleets_item = fleets_item_data.to_dict()
            fleets.append(fleets_item)

        next_page_token: None | str
        next_page_token = self.next_page_token

        revision = self.revision

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "fleets": fleets,
                "next_page_token": next_page_token,
                "revision": revision,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.fleet_output import FleetOutput

        d = dict(src_dict)
        fleets = []
        _fleets = d.pop("fleets")
        for fleets_item_data in _fleets:
            fleets_item = FleetOutput.from_dict(fleets_item_data)

            fleets.append(fleets_item)

        def _parse_next_page_token(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_page_token = _parse_next_page_token(d.pop("next_page_token"))

        revision = d.pop("revision")

        list_fleets_response_200 = cls(
            fleets=fleets,
            next_page_token=next_page_token,
            revision=revision,
        )

        list_fleets_response_200.additional_properties = d
        return list_fleets_response_200

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
