from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.instance_input_instance_type import (
    InstanceInputInstanceType,
    check_instance_input_instance_type,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.instance_input_tags import InstanceInputTags


T = TypeVar("T", bound="InstanceInput")


@_attrs_define
class InstanceInput:
    """Create or replace an instance.

    Attributes:
        instance_type (InstanceInputInstanceType): Instance type from the catalog.
        name (str): Unique name.
        tags (InstanceInputTags | Unset): Labels.
    """

    instance_type: InstanceInputInstanceType
    name: str
    tags: InstanceInputTags | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        instance_type: str = self.instance_type

        name = self.name

        tags: dict[str, Any] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "instance_type": instance_type,
                "name": name,
            }
        )
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.instance_input_tags import InstanceInputTags

        d = dict(src_dict)
        instance_type = check_instance_input_instance_type(d.pop("instance_type"))

        name = d.pop("name")

        _tags = d.pop("tags", UNSET)
        tags: InstanceInputTags | Unset
        if isinstance(_tags, Unset):
            tags = UNSET
        else:
            tags = InstanceInputTags.from_dict(_tags)

        instance_input = cls(
            instance_type=instance_type,
            name=name,
            tags=tags,
        )

        return instance_input
