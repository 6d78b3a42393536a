from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.meta_output_tags import MetaOutputTags


T = TypeVar("T", bound="OAuthClientOutput")


@_attrs_define
class OAuthClientOutput:
    """An OAuth client as the API shows it.

    Attributes:
        created_at (str): RFC 3339.
        created_by (str): Who created it: a user id, an OAuth client id or `system`.
        resource_version (int): Changes on every write; the ETag.
        tags (MetaOutputTags): Labels.
        updated_at (str): RFC 3339.
        updated_by (str): Who made the last change (the server's own status writes aside).
        description (str): Free text.
        id (str): `oauthclient-…`: the `client_id` of the token endpoint.
        name (str): Unique name.
        owner (str): The responsible user's id.
        scopes (list[str]): Scopes it may be granted.
        client_secret (None | str | Unset): Only in the answer to a create or a secret reset: the client
            secret. It cannot be read again.
    """

    created_at: str
    created_by: str
    resource_version: int
    tags: MetaOutputTags
    updated_at: str
    updated_by: str
    description: str
    id: str
    name: str
    owner: str
    scopes: list[str]
    client_secret: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        created_by = self.created_by

        resource_version = self.resource_version

        tags = self.tags.to_dict()

        updated_at = self.updated_at

        updated_by = self.updated_by

        description = self.description

        id = self.id

        name = self.name

        owner = self.owner

        scopes = self.scopes

        client_secret: None | str | Unset
        if isinstance(self.client_secret, Unset):
            client_secret = UNSET
        else:
            client_secret = self.client_secret

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
                "description": description,
                "id": id,
                "name": name,
                "owner": owner,
                "scopes": scopes,
            }
        )
        if client_secret is not UNSET:
            field_dict["client_secret"] = client_secret

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

        description = d.pop("description")

        id = d.pop("id")

        name = d.pop("name")

        owner = d.pop("owner")

        scopes = cast(list[str], d.pop("scopes"))

        def _parse_client_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_secret = _parse_client_secret(d.pop("client_secret", UNSET))

        o_auth_client_output = cls(
            created_at=created_at,
            created_by=created_by,
            resource_version=resource_version,
            tags=tags,
            updated_at=updated_at,
            updated_by=updated_by,
            description=description,
            id=id,
            name=name,
            owner=owner,
            scopes=scopes,
            client_secret=client_secret,
        )

        o_auth_client_output.additional_properties = d
        return o_auth_client_output

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
