from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="StringMatchJsonType0")


@_attrs_define
class StringMatchJsonType0:
    """Equal.

    Attributes:
        exact (str): Equal.
    """

    exact: str

    def to_dict(self) -> dict[str, Any]:
        exact = self.exact

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "exact": exact,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        exact = d.pop("exact")

        string_match_json_type_0 = cls(
            exact=exact,
        )

        return string_match_json_type_0
