from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.policy_action_name import PolicyActionName, check_policy_action_name

T = TypeVar("T", bound="PolicyRef")


@_attrs_define
class PolicyRef:
    """A policy that decided, or was recorded.

    Attributes:
        action (PolicyActionName): What a policy does to the requests its rules match.
        name (str): Its name.
        namespace (str): Its namespace.
    """

    action: PolicyActionName
    name: str
    namespace: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action: str = self.action

        name = self.name

        namespace = self.namespace

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "name": name,
                "namespace": namespace,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        action = check_policy_action_name(d.pop("action"))

        name = d.pop("name")

        namespace = d.pop("namespace")

        policy_ref = cls(
            action=action,
            name=name,
            namespace=namespace,
        )

        policy_ref.additional_properties = d
        return policy_ref

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
