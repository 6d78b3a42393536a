from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="MatcherJson")


@_attrs_define
class MatcherJson:
    """One silence matcher.

    Attributes:
        name (str): The alert label.
        value (str): Its value, or a regular expression matching the whole value.
        is_equal (bool | Unset): `true` (default): the label must match; `false`: it must not.
        is_regex (bool | Unset): Whether `value` is a regular expression (default false).
    """

    name: str
    value: str
    is_equal: bool | Unset = UNSET
    is_regex: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        value = self.value

        is_equal = self.is_equal

        is_regex = self.is_regex

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "value": value,
            }
        )
        if is_equal is not UNSET:
            field_dict["is_equal"] = is_equal
        if is_regex is not UNSET:
            field_dict["is_regex"] = is_regex

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        value = d.pop("value")

        is_equal = d.pop("is_equal", UNSET)

        is_regex = d.pop("is_regex", UNSET)

        matcher_json = cls(
            name=name,
            value=value,
            is_equal=is_equal,
            is_regex=is_regex,
        )

        return matcher_json
