from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="DurationBucket")


@_attrs_define
class DurationBucket:
    """One bucket of [`FunctionStatsOutput::duration_histogram`].

    Attributes:
        count (int): Invocations in the bucket.
        le_ms (int | None | Unset): Upper bound in ms; `null` for the last, unbounded bucket.
    """

    count: int
    le_ms: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        count = self.count

        le_ms: int | None | Unset
        if isinstance(self.le_ms, Unset):
            le_ms = UNSET
        else:
            le_ms = self.le_ms

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "count": count,
            }
        )
        if le_ms is not UNSET:
            field_dict["le_ms"] = le_ms

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        count = d.pop("count")

        def _parse_le_ms(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        le_ms = _parse_le_ms(d.pop("le_ms", UNSET))

        duration_bucket = cls(
            count=count,
            le_ms=le_ms,
        )

        duration_bucket.additional_properties = d
        return duration_bucket

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
