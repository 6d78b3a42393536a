from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.severity_name import SeverityName, check_severity_name
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.alert_output_labels import AlertOutputLabels


T = TypeVar("T", bound="AlertOutput")


@_attrs_define
class AlertOutput:
    """An alert as the API shows it.

    Attributes:
        active_at (str): RFC 3339: since when the condition holds.
        id (str): `alert-…`.
        labels (AlertOutputLabels): The labels silences match.
        name (str): The rule's name.
        resource_version (int): Changes on every write.
        rule_id (str): The rule's id.
        severity (SeverityName): A severity, as JSON names it.
        silenced_by (list[str]): Silences muting it.
        state (str): `pending`, `firing` or `resolved`.
        summary (str): The rule's summary.
        fired_at (None | str | Unset): RFC 3339, once fired.
        resolved_at (None | str | Unset): RFC 3339, once resolved.
        value (float | None | Unset): The rule's value at the last transition.
    """

    active_at: str
    id: str
    labels: AlertOutputLabels
    name: str
    resource_version: int
    rule_id: str
    severity: SeverityName
    silenced_by: list[str]
    state: str
    summary: str
    fired_at: None | str | Unset = UNSET
    resolved_at: None | str | Unset = UNSET
    value: float | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active_at = self.active_at

        id = self.id

        labels = self.labels.to_dict()

        name = self.name

        resource_version = self.resource_version

        rule_id = self.rule_id

        severity: str = self.severity

        silenced_by = self.silenced_by

        state = self.state

        summary = self.summary

        fired_at: None | str | Unset
        if isinstance(self.fired_at, Unset):
            fired_at = UNSET
        else:
            fired_at = self.fired_at

        resolved_at: None | str | Unset
        if isinstance(self.resolved_at, Unset):
            resolved_at = UNSET
        else:
            resolved_at = self.resolved_at

        value: float | None | Unset
        if isinstance(self.value, Unset):
            value = UNSET
        else:
            value = self.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "active_at": active_at,
                "id": id,
                "labels": labels,
                "name": name,
                "resource_version": resource_version,
                "rule_id": rule_id,
                "severity": severity,
                "silenced_by": silenced_by,
                "state": state,
                "summary": summary,
            }
        )
        if fired_at is not UNSET:
            field_dict["fired_at"] = fired_at
        if resolved_at is not UNSET:
            field_dict["resolved_at"] = resolved_at
        if value is not UNSET:
            field_dict["value"] = value

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.alert_output_labels import AlertOutputLabels

        d = dict(src_dict)
        active_at = d.pop("active_at")

        id = d.pop("id")

        labels = AlertOutputLabels.from_dict(d.pop("labels"))

        name = d.pop("name")

        resource_version = d.pop("resource_version")

        rule_id = d.pop("rule_id")

        severity = check_severity_name(d.pop("severity"))

        silenced_by = cast(list[str], d.pop("silenced_by"))

        state = d.pop("state")

        summary = d.pop("summary")

        def _parse_fired_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        fired_at = _parse_fired_at(d.pop("fired_at", UNSET))

        def _parse_resolved_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        resolved_at = _parse_resolved_at(d.pop("resolved_at", UNSET))

        def _parse_value(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        value = _parse_value(d.pop("value", UNSET))

        alert_output = cls(
            active_at=active_at,
            id=id,
            labels=labels,
            name=name,
            resource_version=resource_version,
            rule_id=rule_id,
            severity=severity,
            silenced_by=silenced_by,
            state=state,
            summary=summary,
            fired_at=fired_at,
            resolved_at=resolved_at,
            value=value,
        )

        alert_output.additional_properties = d
        return alert_output

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
