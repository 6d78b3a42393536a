from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.virtual_service_output import VirtualServiceOutput


T = TypeVar("T", bound="ListVirtualServicesResponse200")


@_attrs_define
class ListVirtualServicesResponse200:
    """
    Attributes:
        next_page_token (None | str):
        revision (int): The store revision every page of this list reflects
        virtual_services (list[VirtualServiceOutput]):
    """

    next_page_token: None | str
    revision: int
    virtual_services: list[VirtualServiceOutput]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        next_page_token: None | str
        next_page_token = self.next_page_token

        revision = self.revision

        virtual_services = []
        for virtual_services_item_data in self.virtual_services:
            virtual_services_item = virtual_services_item_data.to_dict()
            virtual_services.append(virtual_services_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "next_page_token": next_page_token,
                "revision": revision,
                "virtual_services": virtual_services,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.virtual_service_output import VirtualServiceOutput

        d = dict(src_dict)

        def _parse_next_page_token(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_page_token = _parse_next_page_token(d.pop("next_page_token"))

        revision = d.pop("revision")

        virtual_services = []
        _virtual_services = d.pop("virtual_services")
        for virtual_services_item_data in _virtual_services:
            virtual_services_item = VirtualServiceOutput.from_dict(virtual_services_item_data)

            virtual_services.append(virtual_services_item)

        list_virtual_services_response_200 = cls(
            next_page_token=next_page_token,
            revision=revision,
            virtual_services=virtual_services,
        )

        list_virtual_services_response_200.additional_properties = d
        return list_virtual_services_response_200

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
