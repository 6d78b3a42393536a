from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.policy_action_name import PolicyActionName, check_policy_action_name
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.meta_output_tags import MetaOutputTags
    from ..models.rule_json import RuleJson
    from ..models.selector_json import SelectorJson


T = TypeVar("T", bound="SecurityPolicyOutput")


@_attrs_define
class SecurityPolicyOutput:
    """A security policy as the API shows it.

    Attributes:
        created_at (str): RFC 3339.
        created_by (str): Who created it: a user id, an OAuth client id or `system`.
        resource_version (int): Changes on every write; the ETag.
        tags (MetaOutputTags): Labels.
        updated_at (str): RFC 3339.
        updated_by (str): Who made the last change (the server's own status writes aside).
        action (PolicyActionName): What a policy does to the requests its rules match.
        id (str): `security_policy-…`.
        name (str): Unique in its namespace.
        namespace (str): Its namespace.
        rules (list[RuleJson]): Its rules.
        selector (None | SelectorJson | Unset):
    """

    created_at: str
    created_by: str
    resource_version: int
    tags: MetaOutputTags
    updated_at: str
    updated_by: str
    action: PolicyActionName
    id: str
    name: str
    namespace: str
    rules: list[RuleJson]
    selector: None | SelectorJson | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.selector_json import SelectorJson

        created_at = self.created_at

        created_by = self.created_by

        resource_version = self.resource_version

        tags = self.tags.to_dict()

        updated_at = self.updated_at

        updated_by = self.updated_by

        action: str = self.action

        id = self.id

        name = self.name

        namespace = self.namespace

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
                "action": action,
                "id": id,
                "name": name,
                "namespace": namespace,
                "rules": rules,
            }
        )
        if selector is not UNSET:
            field_dict["selector"] = selector

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.meta_output_tags import MetaOutputTags
        from ..models.rule_json import RuleJson
        from ..models.selector_json import SelectorJson

        d = dict(src_dict)
        created_at = d.pop("created_at")

        created_by = d.pop("created_by")

        resource_version = d.pop("resource_version")

        tags = MetaOutputTags.from_dict(d.pop("tags"))

        updated_at = d.pop("updated_at")

        updated_by = d.pop("updated_by")

        action = check_policy_action_name(d.pop("action"))

        id = d.pop("id")

        name = d.pop("name")

        namespace = d.pop("namespace")

        rules = []
        _rules = d.pop("rules")
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

        security_policy_output = cls(
            created_at=created_at,
            created_by=created_by,
            resource_version=resource_version,
            tags=tags,
            updated_at=updated_at,
            updated_by=updated_by,
            action=action,
            id=id,
            name=name,
            namespace=namespace,
            rules=rules,
            selector=selector,
        )

        security_policy_output.additional_properties = d
        return security_policy_output

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
