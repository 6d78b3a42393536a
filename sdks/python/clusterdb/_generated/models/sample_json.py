from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.sample_json_labels import SampleJsonLabels


T = TypeVar("T", bound="SampleJson")


@_attrs_define
class SampleJson:
    """One pushed sample.

    Attributes:
        metric (str): The metric.
        value (float): The value.
        labels (SampleJsonLabels | Unset): Its labels.
        service (None | str | Unset): The service (default: the `service` query parameter).
        timestamp (float | None | str | Unset):
    """

    metric: str
    value: float
    labels: SampleJsonLabels | Unset = UNSET
    service: None | str | Unset = UNSET
    timestamp: float | None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        metric = self.metric

        value = self.value

        labels: dict[str, Any] | Unset = UNSET
        if not isinstance(self.labels, Unset):
            labels = self.labels.to_dict()

        service: None | str | Unset
        if isinstance(self.service, Unset):
            service = UNSET
        else:
            service = self.service

        timestamp: float | None | str | Unset
        if isinstance(self.timestamp, Unset):
            timestamp = UNSET
        else:
            timestamp = self.timestamp

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "metric": metric,
                "value": value,
            }
        )
        if labels is not UNSET:
            field_dict["labels"] = labels
        if service is not UNSET:
            field_dict["service"] = service
        if timestamp is not UNSET:
            field_dict["timestamp"] = timestamp

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.sample_json_labels import SampleJsonLabels

        d = dict(src_dict)
        metric = d.pop("metric")

        value = d.pop("value")

        _labels = d.pop("labels", UNSET)
        labels: SampleJsonLabels | Unset
        if isinstance(_labels, Unset):
            labels = UNSET
        else:
            labels = SampleJsonLabels.from_dict(_labels)

        def _parse_service(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        service = _parse_service(d.pop("service", UNSET))

        def _parse_timestamp(data: object) -> float | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | str | Unset, data)

        timestamp = _parse_timestamp(d.pop("timestamp", UNSET))

        sample_json = cls(
            metric=metric,
            value=value,
            labels=labels,
            service=service,
            timestamp=timestamp,
        )

        return sample_json
