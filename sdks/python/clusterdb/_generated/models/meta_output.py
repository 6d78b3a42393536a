from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.meta_output_tags import MetaOutputTags


T = TypeVar("T", bound="MetaOutput")


@_attrs_define
class MetaOutput:
    """The metadata fields every newer kind's output ends with (flattened).
    Fleets, instances and functions spell them out to keep the spec's
    field order.

        Attributes:
            created_at (str): RFC 3339.
            created_by (str): Who created it: a user id, an OAuth client id or `system`.
            resource_version (int): Changes on every write; the ETag.
            tags (MetaOutputTags): Labels.
            updated_at (str): RFC 3339.
            updated_by (str): Who made the last change (the server's own status writes aside).
    """

    created_at: str
    created_by: str
    resource_version: int
    tags: MetaOutputTags
    updated_at: str
    updated_by: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        created_by = self.created_by

        resource_version = self.resource_version

        tags = self.tags.to_dict()

        updated_at = self.updated_at

        updated_by = self.updated_by

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

        meta_output = cls(
            created_at=created_at,
            created_by=created_by,
            resource_version=resource_version,
            tags=tags,
            updated_at=updated_at,
            updated_by=updated_by,
        )

        meta_output.additional_properties = d
        return meta_output

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
