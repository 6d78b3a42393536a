from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="PercentJson")


@_attrs_define
class PercentJson:
    """A percentage (Istio's `Percent`).

    Attributes:
        value (float): 0–100.
    """

    value: float

    def to_dict(self) -> dict[str, Any]:
        value = self.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "value": value,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        value = d.pop("value")

        percent_json = cls(
            value=value,
        )

        return percent_json
