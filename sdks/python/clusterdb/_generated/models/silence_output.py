from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.matcher_json import MatcherJson
    from ..models.meta_output_tags import MetaOutputTags


T = TypeVar("T", bound="SilenceOutput")


@_attrs_define
class SilenceOutput:
    """A silence as the API shows it.

    Attributes:
        created_at (str): RFC 3339.
        created_by (str): Who created it: a user id, an OAuth client id or `system`.
        resource_version (int): Changes on every write; the ETag.
        tags (MetaOutputTags): Labels.
        updated_at (str): RFC 3339.
        updated_by (str): Who made the last change (the server's own status writes aside).
        comment (str): Why.
        ends_at (str): RFC 3339.
        id (str): `silence-…`.
        matchers (list[MatcherJson]): The matchers.
        name (str): Unique name.
        starts_at (str): RFC 3339.
        state (str): `pending`, `active` or `expired`, now.
    """

    created_at: str
    created_by: str
    resource_version: int
    tags: MetaOutputTags
    updated_at: str
    updated_by: str
    comment: str
    ends_at: str
    id: str
    matchers: list[MatcherJson]
    name: str
    starts_at: str
    state: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        created_by = self.created_by

        resource_version = self.resource_version

        tags = self.tags.to_dict()

        updated_at = self.updated_at

        updated_by = self.updated_by

        comment = self.comment

        ends_at = self.ends_at

        id = self.id

        matchers = []
        for matchers_item_data in self.matchers:
            matchers_item = matchers_item_data.to_dict()
            matchers.append(matchers_item)

        name = self.name

        starts_at = self.starts_at

        state = self.state

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
                "comment": comment,
                "ends_at": ends_at,
                "id": id,
                "matchers": matchers,
                "name": name,
                "starts_at": starts_at,
                "state": state,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.matcher_json import MatcherJson
        from ..models.meta_output_tags import MetaOutputTags

        d = dict(src_dict)
        created_at = d.pop("created_at")

        created_by = d.pop("created_by")

        resource_version = d.pop("resource_version")

        tags = MetaOutputTags.from_dict(d.pop("tags"))

        updated_at = d.pop("updated_at")

        updated_by = d.pop("updated_by")

        comment = d.pop("comment")

        ends_at = d.pop("ends_at")

        id = d.pop("id")

        matchers = []
        _matchers = d.pop("matchers")
        for matchers_item_data in _matchers:
            matchers_item = MatcherJson.from_dict(matchers_item_data)

            matchers.append(matchers_item)

        name = d.pop("name")

        starts_at = d.pop("starts_at")

        state = d.pop("state")

        silence_output = cls(
            created_at=created_at,
            created_by=created_by,
            resource_version=resource_version,
            tags=tags,
            updated_at=updated_at,
            updated_by=updated_by,
            comment=comment,
            ends_at=ends_at,
            id=id,
            matchers=matchers,
            name=name,
            starts_at=starts_at,
            state=state,
        )

        silence_output.additional_properties = d
        return silence_output

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
