from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.fleet_input_instance_type import FleetInputInstanceType, check_fleet_input_instance_type
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.fleet_input_tags import FleetInputTags


T = TypeVar("T", bound="FleetInput")


@_attrs_define
class FleetInput:
    """Create or replace a fleet.

    Attributes:
        capacity (int): Desired number of instances.
        instance_type (FleetInputInstanceType): Instance type from the catalog.
        name (str): Unique name.
        description (str | Unset): Free text.
        tags (FleetInputTags | Unset): Labels.
    """

    capacity: int
    instance_type: FleetInputInstanceType
    name: str
    description: str | Unset = UNSET
    tags: FleetInputTags | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        capacity = self.capacity

        instance_type: str = self.instance_type

        name = self.name

        description = self.description

        tags: dict[str, Any] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "capacity": capacity,
                "instance_type": instance_type,
                "name": name,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.fleet_input_tags import FleetInputTags

        d = dict(src_dict)
        capacity = d.pop("capacity")

        instance_type = check_fleet_input_instance_type(d.pop("instance_type"))

        name = d.pop("name")

        description = d.pop("description", UNSET)

        _tags = d.pop("tags", UNSET)
        tags: FleetInputTags | Unset
        if isinstance(_tags, Unset):
            tags = UNSET
        else:
            tags = FleetInputTags.from_dict(_tags)

        fleet_input = cls(
            capacity=capacity,
            instance_type=instance_type,
            name=name,
            description=description,
            tags=tags,
        )

        return fleet_input
