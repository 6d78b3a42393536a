from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.duration_bucket import DurationBucket


T = TypeVar("T", bound="FunctionStatsOutput")


@_attrs_define
class FunctionStatsOutput:
    """Invocation statistics of a function in the answering server process
    (since it started).

        Attributes:
            duration_histogram (list[DurationBucket]): Invocations per duration bucket: `le_ms` is the bucket's upper
                bound (`null`: longer), `count` not cumulative.
            errors (int): Those that failed.
            invocations (int): Invocations that ran.
            throttled (int): Invocations refused at a concurrency limit.
            timeouts (int): Those stopped at `timeout_ms`.
            total_duration_ms (int): Sum of all durations, ms.
            p50_duration_ms (int | None | Unset): Median duration (upper bound of its histogram bucket), ms.
            p99_duration_ms (int | None | Unset): 99th percentile duration (upper bound of its bucket), ms.
    """

    duration_histogram: list[DurationBucket]
    errors: int
    invocations: int
    throttled: int
    timeouts: int
    total_duration_ms: int
    p50_duration_ms: int | None | Unset = UNSET
    p99_duration_ms: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        duration_histogram = []
        for duration_histogram_item_data in self.duration_histogram:
            duration_histogram_item = duration_histogram_item_data.to_dict()
            duration_histogram.append(duration_histogram_item)

        errors = self.errors

        invocations = self.invocations

        throttled = self.throttled

        timeouts = self.timeouts

        total_duration_ms = self.total_duration_ms

        p50_duration_ms: int | None | Unset
        if isinstance(self.p50_duration_ms, Unset):
            p50_duration_ms = UNSET
        else:
            p50_duration_ms = self.p50_duration_ms

        p99_duration_ms: int | None | Unset
        if isinstance(self.p99_duration_ms, Unset):
            p99_duration_ms = UNSET
        else:
            p99_duration_ms = self.p99_duration_ms

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "duration_histogram": duration_histogram,
                "errors": errors,
                "invocations": invocations,
                "throttled": throttled,
                "timeouts": timeouts,
                "total_duration_ms": total_duration_ms,
            }
        )
        if p50_duration_ms is not UNSET:
            field_dict["p50_duration_ms"] = p50_duration_ms
        if p99_duration_ms is not UNSET:
            field_dict["p99_duration_ms"] = p99_duration_ms

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.duration_bucket import DurationBucket

        d = dict(src_dict)
        duration_histogram = []
        _duration_histogram = d.pop("duration_histogram")
        for duration_histogram_item_data in _duration_histogram:
            duration_histogram_item = DurationBucket.from_dict(duration_histogram_item_data)

            duration_histogram.append(duration_histogram_item)

        errors = d.pop("errors")

        invocations = d.pop("invocations")

        throttled = d.pop("throttled")

        timeouts = d.pop("timeouts")

        total_duration_ms = d.pop("total_duration_ms")

        def _parse_p50_duration_ms(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        p50_duration_ms = _parse_p50_duration_ms(d.pop("p50_duration_ms", UNSET))

        def _parse_p99_duration_ms(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        p99_duration_ms = _parse_p99_duration_ms(d.pop("p99_duration_ms", UNSET))

        function_stats_output = cls(
            duration_histogram=duration_histogram,
            errors=errors,
            invocations=invocations,
            throttled=throttled,
            timeouts=timeouts,
            total_duration_ms=total_duration_ms,
            p50_duration_ms=p50_duration_ms,
            p99_duration_ms=p99_duration_ms,
        )

        function_stats_output.additional_properties = d
        return function_stats_output

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
