from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.fleet_output_tags import FleetOutputTags


T = TypeVar("T", bound="FleetOutput")


@_attrs_define
class FleetOutput:
    """A fleet as the API shows it (the spec's fields first).

    Attributes:
        capacity (int): Desired number of instances.
        created_at (str): RFC 3339.
        created_by (str): Who created it: a user id, an OAuth client id or `system`.
        description (str): Free text.
        id (str): `fleet-…`.
        instance_type (str): Instance type of new members.
        name (str): Unique name.
        observed_instances (int): Members that are not terminated, as last observed.
        resource_version (int): Changes on every write; the ETag.
        running_instances (int): Members that are running, as last observed.
        status (str): `active` or `deleting`.
        tags (FleetOutputTags): Labels.
        updated_at (str): RFC 3339.
        updated_by (str): Who made the last change (the server's own status writes aside).
    """

    capacity: int
    created_at: str
    created_by: str
    description: str
    id: str
    instance_type: str
    name: str
    observed_instances: int
    resource_version: int
    running_instances: int
    status: str
    tags: FleetOutputTags
    updated_at: str
    updated_by: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        capacity = self.capacity

        created_at = self.created_at

        created_by = self.created_by

        description = self.description

        id = self.id

        instance_type = self.instance_type

        name = self.name

        observed_instances = self.observed_instances

        resource_version = self.resource_version

        running_instances = self.running_instances

        status = self.status

        tags = self.tags.to_dict()

        updated_at = self.updated_at

        updated_by = self.updated_by

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "capacity": capacity,
                "created_at": created_at,
                "created_by": created_by,
                "description": description,
                "id": id,
                "instance_type": instance_type,
                "name": name,
                "observed_instances": observed_instances,
                "resource_version": resource_version,
                "running_instances": running_instances,
                "status": status,
                "tags": tags,
                "updated_at": updated_at,
                "updated_by": updated_by,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.fleet_output_tags import FleetOutputTags

        d = dict(src_dict)
        capacity = d.pop("capacity")

        created_at = d.pop("created_at")

        created_by = d.pop("created_by")

        description = d.pop("description")

        id = d.pop("id")

        instance_type = d.pop("instance_type")

        name = d.pop("name")

        observed_instances = d.pop("observed_instances")

        resource_version = d.pop("resource_version")

        running_instances = d.pop("running_instances")

        status = d.pop("status")

        tags = FleetOutputTags.from_dict(d.pop("tags"))

        updated_at = d.pop("updated_at")

        updated_by = d.pop("updated_by")

        fleet_output = cls(
            capacity=capacity,
            created_at=created_at,
            created_by=created_by,
            description=description,
            id=id,
            instance_type=instance_type,
            name=name,
            observed_instances=observed_instances,
            resource_version=resource_version,
            running_instances=running_instances,
            status=status,
            tags=tags,
            updated_at=updated_at,
            updated_by=updated_by,
        )

        fleet_output.additional_properties = d
        return fleet_output

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
