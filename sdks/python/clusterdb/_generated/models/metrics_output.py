from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.series_output import SeriesOutput


T = TypeVar("T", bound="MetricsOutput")


@_attrs_define
class MetricsOutput:
    """The answer to `GET /monitoring/metrics`.

    Attributes:
        end (str): RFC 3339.
        resolution (str): What answered: `raw`, `1m` or `1h` rollups.
        series (list[SeriesOutput]): The series, by metric and labels.
        service (str): The service.
        start (str): RFC 3339.
        step (str): The points' spacing, e.g. `10s`.
        window (str): The window, e.g. `1h`.
    """

    end: str
    resolution: str
    series: list[SeriesOutput]
    service: str
    start: str
    step: str
    window: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        end = self.end

        resolution = self.resolution

        series = []
        for series_item_data in self.series:
            series_item = series_item_data.to_dict()
            series.append(series_item)

        service = self.service

        start = self.start

        step = self.step

        window = self.window

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "end": end,
                "resolution": resolution,
                "series": series,
                "service": service,
                "start": start,
                "step": step,
                "window": window,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.series_output import SeriesOutput

        d = dict(src_dict)
        end = d.pop("end")

        resolution = d.pop("resolution")

        series = []
        _series = d.pop("series")
        for series_item_data in _series:
            series_item = SeriesOutput.from_dict(series_item_data)

            series.append(series_item)

        service = d.pop("service")

        start = d.pop("start")

        step = d.pop("step")

        window = d.pop("window")

        metrics_output = cls(
            end=end,
            resolution=resolution,
            series=series,
            service=service,
            start=start,
            step=step,
            window=window,
        )

        metrics_output.additional_properties = d
        return metrics_output

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
