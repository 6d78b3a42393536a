from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.aggregation_name import AggregationName, check_aggregation_name
from ..models.op_name import OpName, check_op_name
from ..models.severity_name import SeverityName, check_severity_name

if TYPE_CHECKING:
    from ..models.alert_rule_output_labels import AlertRuleOutputLabels
    from ..models.meta_output_tags import MetaOutputTags


T = TypeVar("T", bound="AlertRuleOutput")


@_attrs_define
class AlertRuleOutput:
    """An alert rule as the API shows it.

    Attributes:
        created_at (str): RFC 3339.
        created_by (str): Who created it: a user id, an OAuth client id or `system`.
        resource_version (int): Changes on every write; the ETag.
        tags (MetaOutputTags): Labels.
        updated_at (str): RFC 3339.
        updated_by (str): Who made the last change (the server's own status writes aside).
        aggregation (AggregationName): An aggregation, as JSON names it.
        for_ (str): How long the condition must hold.
        id (str): `alertrule-…`.
        labels (AlertRuleOutputLabels): Only series with these labels.
        metric (str): The metric.
        name (str): Unique name.
        op (OpName): A comparison, as JSON writes it.
        service (str): The service.
        severity (SeverityName): A severity, as JSON names it.
        summary (str): The summary.
        threshold (float): The threshold.
        window (str): The window.
    """

    created_at: str
    created_by: str
    resource_version: int
    tags: MetaOutputTags
    updated_at: str
    updated_by: str
    aggregation: AggregationName
    for_: str
    id: str
    labels: AlertRuleOutputLabels
    metric: str
    name: str
    op: OpName
    service: str
    severity: SeverityName
    summary: str
    threshold: float
    window: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        created_by = self.created_by

        resource_version = self.resource_version

        tags = self.tags.to_dict()

        updated_at = self.updated_at

        updated_by = self.updated_by

        aggregation: str = self.aggregation

        for_ = self.for_

        id = self.id

        labels = self.labels.to_dict()

        metric = self.metric

        name = self.name

        op: str = self.op

        service = self.service

        severity: str = self.severity

        summary = self.summary

        threshold = self.threshold

        window = self.window

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "created_by": created_by,
                "resource_version": resource_version,
                "tags": tags,
                "updated_at": updated_at,
                "updated_by": updated_by,
                "aggregation": aggregation,
                "for": for_,
                "id": id,
                "labels": labels,
                "metric": metric,
                "name": name,
                "op": op,
                "service": service,
                "severity": severity,
                "summary": summary,
                "threshold": threshold,
                "window": window,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.alert_rule_output_labels import AlertRuleOutputLabels
        from ..models.meta_output_tags import MetaOutputTags

        d = dict(src_dict)
        created_at = d.pop("created_at")

        created_by = d.pop("created_by")

        resource_version = d.pop("resource_version")

        tags = MetaOutputTags.from_dict(d.pop("tags"))

        updated_at = d.pop("updated_at")

        updated_by = d.pop("updated_by")

        aggregation = check_aggregation_name(d.pop("aggregation"))

        for_ = d.pop("for")

        id = d.pop("id")

        labels = AlertRuleOutputLabels.from_dict(d.pop("labels"))

        metric = d.pop("metric")

        name = d.pop("name")

        op = check_op_name(d.pop("op"))

        service = d.pop("service")

        severity = check_severity_name(d.pop("severity"))

        summary = d.pop("summary")

        threshold = d.pop("threshold")

        window = d.pop("window")

        alert_rule_output = cls(
            created_at=created_at,
            created_by=created_by,
            resource_version=resource_version,
            tags=tags,
            updated_at=updated_at,
            updated_by=updated_by,
            aggregation=aggregation,
            for_=for_,
            id=id,
            labels=labels,
            metric=metric,
            name=name,
            op=op,
            service=service,
            severity=severity,
            summary=summary,
            threshold=threshold,
            window=window,
        )

        alert_rule_output.additional_properties = d
        return alert_rule_output

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
