from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SummaryOutput")


@_attrs_define
class SummaryOutput:
    """A series over the window.

    Attributes:
        avg (float): The mean.
        count (int): Samples in the window.
        last (float): The latest.
        max_ (float): The largest.
        min_ (float): The smallest.
        rate (float | None | Unset): Counters: increase per second over the window.
    """

    avg: float
    count: int
    last: float
    max_: float
    min_: float
    rate: float | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        avg = self.avg

        count = self.count

        last = self.last

        max_ = self.max_

        min_ = self.min_

        rate: float | None | Unset
        if isinstance(self.rate, Unset):
            rate = UNSET
        else:
            rate = self.rate

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "avg": avg,
                "count": count,
                "last": last,
                "max": max_,
                "min": min_,
            }
        )
        if rate is not UNSET:
            field_dict["rate"] = rate

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        avg = d.pop("avg")

        count = d.pop("count")

        last = d.pop("last")

        max_ = d.pop("max")

        min_ = d.pop("min")

        def _parse_rate(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        rate = _parse_rate(d.pop("rate", UNSET))

        summary_output = cls(
            avg=avg,
            count=count,
            last=last,
            max_=max_,
            min_=min_,
            rate=rate,
        )

        summary_output.additional_properties = d
        return summary_output

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
