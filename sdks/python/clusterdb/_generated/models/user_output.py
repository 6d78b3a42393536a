from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.role_name import RoleName, check_role_name
from ..models.user_status_name import UserStatusName, check_user_status_name

if TYPE_CHECKING:
    from ..models.meta_output_tags import MetaOutputTags


T = TypeVar("T", bound="UserOutput")


@_attrs_define
class UserOutput:
    """A user as the API shows it.

    Attributes:
        created_at (str): RFC 3339.
        created_by (str): Who created it: a user id, an OAuth client id or `system`.
        resource_version (int): Changes on every write; the ETag.
        tags (MetaOutputTags): Labels.
        updated_at (str): RFC 3339.
        updated_by (str): Who made the last change (the server's own status writes aside).
        display_name (str): Free text.
        email (str): Email address (may be empty).
        id (str): `user-…`.
        roles (list[RoleName]): Roles bound to the user directly.
        status (UserStatusName): Whether a user may authenticate.
        username (str): Unique login name.
    """

    created_at: str
    created_by: str
    resource_version: int
    tags: MetaOutputTags
    updated_at: str
    updated_by: str
    display_name: str
    email: str
    id: str
    roles: list[RoleName]
    status: UserStatusName
    username: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        created_by = self.created_by

        resource_version = self.resource_version

        tags = self.tags.to_dict()

        updated_at = self.updated_at

        updated_by = self.updated_by

        display_name = self.display_name

        email = self.email

        id = self.id

        roles = []
        for roles_item_data in self.roles:
            roles_item: str = roles_item_data
            roles.append(roles_item)

        status: str = self.status

        username = self.username

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
                "display_name": display_name,
                "email": email,
                "id": id,
                "roles": roles,
                "status": status,
                "username": username,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.meta_output_tags import MetaOutputTags

        d = dict(src_dict)
        created_at = d.pop("created_at")

        created_by = d.pop("created_by")

        resource_version = d.pop("resource_version")

        tags = MetaOutputTags.from_dict(d.pop("tags"))

        updated_at = d.pop("updated_at")

        updated_by = d.pop("updated_by")

        display_name = d.pop("display_name")

        email = d.pop("email")

        id = d.pop("id")

        roles = []
        _roles = d.pop("roles")
        for roles_item_data in _roles:
            roles_item = check_role_name(roles_item_data)

            roles.append(roles_item)

        status = check_user_status_name(d.pop("status"))

        username = d.pop("username")

        user_output = cls(
            created_at=created_at,
            created_by=created_by,
            resource_version=resource_version,
            tags=tags,
            updated_at=updated_at,
            updated_by=updated_by,
            display_name=display_name,
            email=email,
            id=id,
            roles=roles,
            status=status,
            username=username,
        )

        user_output.additional_properties = d
        return user_output

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
