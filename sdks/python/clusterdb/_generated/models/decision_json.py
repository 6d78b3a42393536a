from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.policy_action_name import PolicyActionName, check_policy_action_name
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.policy_ref import PolicyRef


T = TypeVar("T", bound="DecisionJson")


@_attrs_define
class DecisionJson:
    """The policies' answer.

    Attributes:
        audited (list[PolicyRef]): AUDIT policies that matched.
        decision (PolicyActionName): What a policy does to the requests its rules match.
        reason (str): Why, in words.
        policy (None | PolicyRef | Unset):
    """

    audited: list[PolicyRef]
    decision: PolicyActionName
    reason: str
    policy: None | PolicyRef | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.policy_ref import PolicyRef

        audited = []
        for audited_item_data in self.audited:
            audited_item = audited_item_data.to_dict()
            audited.append(audited_item)

        decision: str = self.decision

        reason = self.reason

        policy: dict[str, Any] | None | Unset
        if isinstance(self.policy, Unset):
            policy = UNSET
        elif isinstance(self.policy, PolicyRef):
            policy = self.policy.to_dict()
        else:
            policy = self.policy

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "audited": audited,
                "decision": decision,
                "reason": reason,
            }
        )
        if policy is not UNSET:
            field_dict["policy"] = policy

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.policy_ref import PolicyRef

        d = dict(src_dict)
        audited = []
        _audited = d.pop("audited")
        for audited_item_data in _audited:
            audited_item = PolicyRef.from_dict(audited_item_data)

            audited.append(audited_item)

        decision = check_policy_action_name(d.pop("decision"))

        reason = d.pop("reason")

        def _parse_policy(data: object) -> None | PolicyRef | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                policy_type_1 = PolicyRef.from_dict(data)

                return policy_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PolicyRef | Unset, data)

        policy = _parse_policy(d.pop("policy", UNSET))

        decision_json = cls(
            audited=audited,
            decision=decision,
            reason=reason,
            policy=policy,
        )

        decision_json.additional_properties = d
        return decision_json

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
