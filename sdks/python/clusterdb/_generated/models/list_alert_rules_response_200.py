from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.alert_rule_output import AlertRuleOutput


T = TypeVar("T", bound="ListAlertRulesResponse200")


@_attrs_define
class ListAlertRulesResponse200:
    """
    Attributes:
        alert_rules (list[AlertRuleOutput]):
        next_page_token (None | str):
        revision (int): The store revision every page of this list reflects
    """

    alert_rules: list[AlertRuleOutput]
    next_page_token: None | str
    revision: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        alert_rules = []
        for alert_rules_item_data in self.alert_rules:
            alert_rules_item = alert_rules_item_data.to_dict()
            alert_rules.append(alert_rules_item)

        next_page_token: None | str
        next_page_token = self.next_page_token

        revision = self.revision

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "alert_rules": alert_rules,
                "next_page_token": next_page_token,
                "revision": revision,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.alert_rule_output import AlertRuleOutput

        d = dict(src_dict)
        alert_rules = []
        _alert_rules = d.pop("alert_rules")
        for alert_rules_item_data in _alert_rules:
            alert_rules_item = AlertRuleOutput.from_dict(alert_rules_item_data)

            alert_rules.append(alert_rules_item)

        def _parse_next_page_token(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_page_token = _parse_next_page_token(d.pop("next_page_token"))

        revision = d.pop("revision")

        list_alert_rules_response_200 = cls(
            alert_rules=alert_rules,
            next_page_token=next_page_token,
            revision=revision,
        )

        list_alert_rules_response_200.additional_properties = d
        return list_alert_rules_response_200

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
