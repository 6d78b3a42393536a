from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.aggregation_name import AggregationName, check_aggregation_name
from ..models.op_name import OpName, check_op_name
from ..models.severity_name import SeverityName, check_severity_name
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.alert_rule_input_labels import AlertRuleInputLabels
    from ..models.alert_rule_input_tags import AlertRuleInputTags


T = TypeVar("T", bound="AlertRuleInput")


@_attrs_define
class AlertRuleInput:
    """Create or replace an alert rule.

    Attributes:
        aggregation (AggregationName): An aggregation, as JSON names it.
        metric (str): The metric.
        name (str): Unique name (the alert's `alertname`).
        op (OpName): A comparison, as JSON writes it.
        service (str): The service whose samples it reads.
        threshold (float): What the value is compared with.
        window (str): The window, in Prometheus notation (`5m`).
        for_ (str | Unset): How long the condition must hold before the alert fires (`2m`;
            default `0s`).
        labels (AlertRuleInputLabels | Unset): Only series with these labels.
        severity (SeverityName | Unset): A severity, as JSON names it.
        summary (str | Unset): One line saying what is wrong.
        tags (AlertRuleInputTags | Unset): Labels of the rule resource itself.
    """

    aggregation: AggregationName
    metric: str
    name: str
    op: OpName
    service: str
    threshold: float
    window: str
    for_: str | Unset = UNSET
    labels: AlertRuleInputLabels | Unset = UNSET
    severity: SeverityName | Unset = UNSET
    summary: str | Unset = UNSET
    tags: AlertRuleInputTags | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        aggregation: str = self.aggregation

        metric = self.metric

        name = self.name

        op: str = self.op

        service = self.service

        threshold = self.threshold

        window = self.window

        for_ = self.for_

        labels: dict[str, Any] | Unset = UNSET
        if not isinstance(self.labels, Unset):
            labels = self.labels.to_dict()

        severity: str | Unset = UNSET
        if not isinstance(self.severity, Unset):
            severity = self.severity

        summary = self.summary

        tags: dict[str, Any] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "aggregation": aggregation,
                "metric": metric,
                "name": name,
                "op": op,
                "service": service,
                "threshold": threshold,
                "window": window,
            }
        )
        if for_ is not UNSET:
            field_dict["for"] = for_
        if labels is not UNSET:
            field_dict["labels"] = labels
        if severity is not UNSET:
            field_dict["severity"] = severity
        if summary is not UNSET:
            field_dict["summary"] = summary
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.alert_rule_input_labels import AlertRuleInputLabels
        from ..models.alert_rule_input_tags import AlertRuleInputTags

        d = dict(src_dict)
        aggregation = check_aggregation_name(d.pop("aggregation"))

        metric = d.pop("metric")

        name = d.pop("name")

        op = check_op_name(d.pop("op"))

        service = d.pop("service")

        threshold = d.pop("threshold")

        window = d.pop("window")

        for_ = d.pop("for", UNSET)

        _labels = d.pop("labels", UNSET)
        labels: AlertRuleInputLabels | Unset
        if isinstance(_labels, Unset):
            labels = UNSET
        else:
            labels = AlertRuleInputLabels.from_dict(_labels)

        _severity = d.pop("severity", UNSET)
        severity: SeverityName | Unset
        if isinstance(_severity, Unset):
            severity = UNSET
        else:
            severity = check_severity_name(_severity)

        summary = d.pop("summary", UNSET)

        _tags = d.pop("tags", UNSET)
        tags: AlertRuleInputTags | Unset
        if isinstance(_tags, Unset):
            tags = UNSET
        else:
            tags = AlertRuleInputTags.from_dict(_tags)

        alert_rule_input = cls(
            aggregation=aggregation,
            metric=metric,
            name=name,
            op=op,
            service=service,
            threshold=threshold,
            window=window,
            for_=for_,
            labels=labels,
            severity=severity,
            summary=summary,
            tags=tags,
        )

        return alert_rule_input
