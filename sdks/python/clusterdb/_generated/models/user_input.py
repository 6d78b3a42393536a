from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.role_name import RoleName, check_role_name
from ..models.user_status_name import UserStatusName, check_user_status_name
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.user_input_tags import UserInputTags


T = TypeVar("T", bound="UserInput")


@_attrs_define
class UserInput:
    """Create or replace a user.

    Attributes:
        username (str): Unique login name.
        display_name (str | Unset): Free text.
        email (str | Unset): Unique (ignoring case); empty for a service account.
        roles (list[RoleName] | Unset): Roles bound to the user (groups add more).
        status (UserStatusName | Unset): Whether a user may authenticate.
        tags (UserInputTags | Unset): Labels.
    """

    username: str
    display_name: str | Unset = UNSET
    email: str | Unset = UNSET
    roles: list[RoleName] | Unset = UNSET
    status: UserStatusName | Unset = UNSET
    tags: UserInputTags | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        username = self.username

        display_name = self.display_name

        email = self.email

        roles: list[str] | Unset = UNSET
        if not isinstance(self.roles, Unset):
            roles = []
            for roles_item_data in self.roles:
                roles_item: str = roles_item_data
                roles.append(roles_item)

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status

        tags: dict[str, Any] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "username": username,
            }
        )
        if display_name is not UNSET:
            field_dict["display_name"] = display_name
        if email is not UNSET:
            field_dict["email"] = email
        if roles is not UNSET:
            field_dict["roles"] = roles
        if status is not UNSET:
            field_dict["status"] = status
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.user_input_tags import UserInputTags

        d = dict(src_dict)
        username = d.pop("username")

        display_name = d.pop("display_name", UNSET)

        email = d.pop("email", UNSET)

        _roles = d.pop("roles", UNSET)
        roles: list[RoleName] | Unset = UNSET
        if _roles is not UNSET:
            roles = []
            for roles_item_data in _roles:
                roles_item = check_role_name(roles_item_data)

                roles.append(roles_item)

        _status = d.pop("status", UNSET)
        status: UserStatusName | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = check_user_status_name(_status)

        _tags = d.pop("tags", UNSET)
        tags: UserInputTags | Unset
        if isinstance(_tags, Unset):
            tags = UNSET
        else:
            tags = UserInputTags.from_dict(_tags)

        user_input = cls(
            username=username,
            display_name=display_name,
            email=email,
            roles=roles,
            status=status,
            tags=tags,
        )

        return user_input
