from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.role_name import RoleName, check_role_name
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.group_input_tags import GroupInputTags


T = TypeVar("T", bound="GroupInput")


@_attrs_define
class GroupInput:
    """Create or replace a group.

    Attributes:
        name (str): Unique name.
        description (str | Unset): Free text.
        members (list[str] | Unset): User ids; each must exist.
        roles (list[RoleName] | Unset): Roles every member holds.
        tags (GroupInputTags | Unset): Labels.
    """

    name: str
    description: str | Unset = UNSET
    members: list[str] | Unset = UNSET
    roles: list[RoleName] | Unset = UNSET
    tags: GroupInputTags | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        description = self.description

        members: list[str] | Unset = UNSET
        if not isinstance(self.members, Unset):
            members = self.members

        roles: list[str] | Unset = UNSET
        if not isinstance(self.roles, Unset):
            roles = []
            for roles_item_data in self.roles:
                roles_item: str = roles_item_data
                roles.append(roles_item)

        tags: dict[str, Any] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if members is not UNSET:
            field_dict["members"] = members
        if roles is not UNSET:
            field_dict["roles"] = roles
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.group_input_tags import GroupInputTags

        d = dict(src_dict)
        name = d.pop("name")

        description = d.pop("description", UNSET)

        members = cast(list[str], d.pop("members", UNSET))

        _roles = d.pop("roles", UNSET)
        roles: list[RoleName] | Unset = UNSET
        if _roles is not UNSET:
            roles = []
            for roles_item_data in _roles:
                roles_item = check_role_name(roles_item_data)

                roles.append(roles_item)

        _tags = d.pop("tags", UNSET)
        tags: GroupInputTags | Unset
        if isinstance(_tags, Unset):
            tags = UNSET
        else:
            tags = GroupInputTags.from_dict(_tags)

        group_input = cls(
            name=name,
            description=description,
            members=members,
            roles=roles,
            tags=tags,
        )

        return group_input
