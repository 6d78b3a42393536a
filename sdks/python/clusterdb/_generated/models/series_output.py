from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.point_output import PointOutput
    from ..models.series_output_labels import SeriesOutputLabels
    from ..models.summary_output import SummaryOutput


T = TypeVar("T", bound="SeriesOutput")


@_attrs_define
class SeriesOutput:
    """One series of an answer.

    Attributes:
        labels (SeriesOutputLabels): Its labels.
        metric (str): The metric.
        points (list[PointOutput]): One point per step with data.
        summary (SummaryOutput): A series over the window.
        type_ (str): `counter` or `gauge`.
    """

    labels: SeriesOutputLabels
    metric: str
    points: list[PointOutput]
    summary: SummaryOutput
    type_: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        labels = self.labels.to_dict()

        metric = self.metric

        points = []
        for points_item_data in self.points:
            points_item = points_item_data.to_dict()
            points.append(points_item)

        summary = self.summary.to_dict()

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "labels": labels,
                "metric": metric,
                "points": points,
                "summary": summary,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.point_output import PointOutput
        from ..models.series_output_labels import SeriesOutputLabels
        from ..models.summary_output import SummaryOutput

        d = dict(src_dict)
        labels = SeriesOutputLabels.from_dict(d.pop("labels"))

        metric = d.pop("metric")

        points = []
        _points = d.pop("points")
        for points_item_data in _points:
            points_item = PointOutput.from_dict(points_item_data)

            points.append(points_item)

        summary = SummaryOutput.from_dict(d.pop("summary"))

        type_ = d.pop("type")

        series_output = cls(
            labels=labels,
            metric=metric,
            points=points,
            summary=summary,
            type_=type_,
        )

        series_output.additional_properties = d
        return series_output

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
