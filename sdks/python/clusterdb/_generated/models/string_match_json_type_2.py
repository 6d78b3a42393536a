from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="StringMatchJsonType2")


@_attrs_define
class StringMatchJsonType2:
    """Matches this RE2 regex.

    Attributes:
        regex (str): Matches this RE2 regex.
    """

    regex: str

    def to_dict(self) -> dict[str, Any]:
        regex = self.regex

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "regex": regex,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        regex = d.pop("regex")

        string_match_json_type_2 = cls(
            regex=regex,
        )

        return string_match_json_type_2
