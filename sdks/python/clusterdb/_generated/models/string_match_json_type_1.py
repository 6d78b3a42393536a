from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="StringMatchJsonType1")


@_attrs_define
class StringMatchJsonType1:
    """Starts with.

    Attributes:
        prefix (str): Starts with.
    """

    prefix: str

    def to_dict(self) -> dict[str, Any]:
        prefix = self.prefix

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "prefix": prefix,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        prefix = d.pop("prefix")

        string_match_json_type_1 = cls(
            prefix=prefix,
        )

        return string_match_json_type_1
