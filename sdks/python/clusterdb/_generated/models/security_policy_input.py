from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.policy_action_name import PolicyActionName, check_policy_action_name
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.rule_json import RuleJson
    from ..models.security_policy_input_tags import SecurityPolicyInputTags
    from ..models.selector_json import SelectorJson


T = TypeVar("T", bound="SecurityPolicyInput")


@_attrs_define
class SecurityPolicyInput:
    """Create or replace a security policy.

    Attributes:
        name (str): Unique in its namespace.
        action (PolicyActionName | Unset): What a policy does to the requests its rules match.
        namespace (str | Unset): Its namespace (default `default`): it governs the workloads there.
        rules (list[RuleJson] | Unset): A request matching any rule matches the policy. An ALLOW policy
            without rules matches nothing; a DENY policy needs rules.
        selector (None | SelectorJson | Unset):
        tags (SecurityPolicyInputTags | Unset): Labels.
    """

    name: str
    action: PolicyActionName | Unset = UNSET
    namespace: str | Unset = UNSET
    rules: list[RuleJson] | Unset = UNSET
    selector: None | SelectorJson | Unset = UNSET
    tags: SecurityPolicyInputTags | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.selector_json import SelectorJson

        name = self.name

        action: str | Unset = UNSET
        if not isinstance(self.action, Unset):
            action = self.action

        namespace = self.namespace

        rules: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.rules, Unset):
            rules = []
            for rules_item_data in self.rules:
                rules_item = rules_item_data.to_dict()
                rules.append(rules_item)

        selector: dict[str, Any] | None | Unset
        if isinstance(self.selector, Unset):
            selector = UNSET
        elif isinstance(self.selector, SelectorJson):
            selector = self.selector.to_dict()
        else:
            selector = self.selector

        tags: dict[str, Any] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if action is not UNSET:
            field_dict["action"] = action
        if namespace is not UNSET:
            field_dict["namespace"] = namespace
        if rules is not UNSET:
            field_dict["rules"] = rules
        if selector is not UNSET:
            field_dict["selector"] = selector
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.rule_json import RuleJson
        from ..models.security_policy_input_tags import SecurityPolicyInputTags
        from ..models.selector_json import SelectorJson

        d = dict(src_dict)
        name = d.pop("name")

        _action = d.pop("action", UNSET)
        action: PolicyActionName | Unset
        if isinstance(_action, Unset):
            action = UNSET
        else:
            action = check_policy_action_name(_action)

        namespace = d.pop("namespace", UNSET)

        _rules = d.pop("rules", UNSET)
        rules: list[RuleJson] | Unset = UNSET
        if _rules is not UNSET:
            rules = []
            for rules_item_data in _rules:
                rules_item = RuleJson.from_dict(rules_item_data)

                rules.append(rules_item)

        def _parse_selector(data: object) -> None | SelectorJson | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                selector_type_1 = SelectorJson.from_dict(data)

                return selector_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SelectorJson | Unset, data)

        selector = _parse_selector(d.pop("selector", UNSET))

        _tags = d.pop("tags", UNSET)
        tags: SecurityPolicyInputTags | Unset
        if isinstance(_tags, Unset):
            tags = UNSET
        else:
            tags = SecurityPolicyInputTags.from_dict(_tags)

        security_policy_input = cls(
            name=name,
            action=action,
            namespace=namespace,
            rules=rules,
            selector=selector,
            tags=tags,
        )

        return security_policy_input
