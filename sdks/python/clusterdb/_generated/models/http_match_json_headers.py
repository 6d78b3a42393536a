from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.string_match_json_type_0 import StringMatchJsonType0
    from ..models.string_match_json_type_1 import StringMatchJsonType1
    from ..models.string_match_json_type_2 import StringMatchJsonType2


T = TypeVar("T", bound="HttpMatchJsonHeaders")


@_attrs_define
class HttpMatchJsonHeaders:
    """Headers by lowercase name."""

    additional_properties: dict[str, StringMatchJsonType0 | StringMatchJsonType1 | StringMatchJsonType2] = (
        _attrs_field(init=False, factory=dict)
    )

    def to_dict(self) -> dict[str, Any]:
        from ..models.string_match_json_type_0 import StringMatchJsonType0
        from ..models.string_match_json_type_1 import StringMatchJsonType1

        field_dict: dict[str, Any] = {}
        for prop_name, prop in self.additional_properties.items():
            if isinstance(prop, StringMatchJsonType0) or isinstance(prop, StringMatchJsonType1):
                field_dict[prop_name] = prop.to_dict()
            else:
                field_dict[prop_name] = prop.to_dict()

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.string_match_json_type_0 import StringMatchJsonType0
        from ..models.string_match_json_type_1 import StringMatchJsonType1
        from ..models.string_match_json_type_2 import StringMatchJsonType2

        d = dict(src_dict)
        http_match_json_headers = cls()

        additional_properties = {}
        for prop_name, prop_dict in d.items():

            def _parse_additional_property(
                data: object,
            ) -> StringMatchJsonType0 | StringMatchJsonType1 | StringMatchJsonType2:
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_string_match_json_type_0 = StringMatchJsonType0.from_dict(data)

                    return componentsschemas_string_match_json_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_string_match_json_type_1 = StringMatchJsonType1.from_dict(data)

                    return componentsschemas_string_match_json_type_1
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_string_match_json_type_2 = StringMatchJsonType2.from_dict(data)

                return componentsschemas_string_match_json_type_2

            additional_property = _parse_additional_property(prop_dict)

            additional_properties[prop_name] = additional_property

        http_match_json_headers.additional_properties = additional_properties
        return http_match_json_headers

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> StringMatchJsonType0 | StringMatchJsonType1 | StringMatchJsonType2:
        return self.additional_properties[key]

    def __setitem__(
        self, key: str, value: StringMatchJsonType0 | StringMatchJsonType1 | StringMatchJsonType2
    ) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
