from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.o_auth_client_input_scopes_item import (
    OAuthClientInputScopesItem,
    check_o_auth_client_input_scopes_item,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.o_auth_client_input_tags import OAuthClientInputTags


T = TypeVar("T", bound="OAuthClientInput")


@_attrs_define
class OAuthClientInput:
    """Create or replace an OAuth client.

    Attributes:
        name (str): Unique name.
        owner (str): The responsible user's id; deleting the user deletes the client.
        description (str | Unset): Free text.
        scopes (list[OAuthClientInputScopesItem] | Unset): Scopes it may be granted, e.g. `compute:read`, `mesh:write`.
        tags (OAuthClientInputTags | Unset): Labels.
    """

    name: str
    owner: str
    description: str | Unset = UNSET
    scopes: list[OAuthClientInputScopesItem] | Unset = UNSET
    tags: OAuthClientInputTags | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        owner = self.owner

        description = self.description

        scopes: list[str] | Unset = UNSET
        if not isinstance(self.scopes, Unset):
            scopes = []
            for scopes_item_data in self.scopes:
                scopes_item: str = scopes_item_data
                scopes.append(scopes_item)

        tags: dict[str, Any] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "owner": owner,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if scopes is not UNSET:
            field_dict["scopes"] = scopes
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.o_auth_client_input_tags import OAuthClientInputTags

        d = dict(src_dict)
        name = d.pop("name")

        owner = d.pop("owner")

        description = d.pop("description", UNSET)

        _scopes = d.pop("scopes", UNSET)
        scopes: list[OAuthClientInputScopesItem] | Unset = UNSET
        if _scopes is not UNSET:
            scopes = []
            for scopes_item_data in _scopes:
                scopes_item = check_o_auth_client_input_scopes_item(scopes_item_data)

                scopes.append(scopes_item)

        _tags = d.pop("tags", UNSET)
        tags: OAuthClientInputTags | Unset
        if isinstance(_tags, Unset):
            tags = UNSET
        else:
            tags = OAuthClientInputTags.from_dict(_tags)

        o_auth_client_input = cls(
            name=name,
            owner=owner,
            description=description,
            scopes=scopes,
            tags=tags,
        )

        return o_auth_client_input
