from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.instance_output_tags import InstanceOutputTags


T = TypeVar("T", bound="InstanceOutput")


@_attrs_define
class InstanceOutput:
    """An instance as the API shows it.

    Attributes:
        created_at (str): RFC 3339.
        created_by (str): Who created it: a user id, an OAuth client id or `system`.
        id (str): `instance-…`.
        instance_type (str): Instance type.
        name (str): Unique name.
        resource_version (int): Changes on every write; the ETag.
        state (str): `pending`, `running`, `stopping`, `stopped` or `terminated`.
        tags (InstanceOutputTags): Labels.
        updated_at (str): RFC 3339.
        updated_by (str): Who made the last change (the server's own status writes aside).
        fleet_id (None | str | Unset): The fleet that manages it, if any.
        launched_at (None | str | Unset): RFC 3339, when it last started running.
        stopped_at (None | str | Unset): RFC 3339, when it last stopped.
    """

    created_at: str
    created_by: str
    id: str
    instance_type: str
    name: str
    resource_version: int
    state: str
    tags: InstanceOutputTags
    updated_at: str
    updated_by: str
    fleet_id: None | str | Unset = UNSET
    launched_at: None | str | Unset = UNSET
    stopped_at: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        created_by = self.created_by

        id = self.id

        instance_type = self.instance_type

        name = self.name

        resource_version = self.resource_version

        state = self.state

        tags = self.tags.to_dict()

        updated_at = self.updated_at

        updated_by = self.updated_by

        fleet_id: None | str | Unset
        if isinstance(self.fleet_id, Unset):
            fleet_id = UNSET
        else:
            fleet_id = self.fleet_id

        launched_at: None | str | Unset
        if isinstance(self.launched_at, Unset):
            launched_at = UNSET
        else:
            launched_at = self.launched_at

        stopped_at: None | str | Unset
        if isinstance(self.stopped_at, Unset):
            stopped_at = UNSET
        else:
            stopped_at = self.stopped_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "created_by": created_by,
                "id": id,
                "instance_type": instance_type,
                "name": name,
                "resource_version": resource_version,
                "state": state,
                "tags": tags,
                "updated_at": updated_at,
                "updated_by": updated_by,
            }
        )
        if fleet_id is not UNSET:
            field_dict["fleet_id"] = fleet_id
        if launched_at is not UNSET:
            field_dict["launched_at"] = launched_at
        if stopped_at is not UNSET:
            field_dict["stopped_at"] = stopped_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.instance_output_tags import InstanceOutputTags

        d = dict(src_dict)
        created_at = d.pop("created_at")

        created_by = d.pop("created_by")

        id = d.pop("id")

        instance_type = d.pop("instance_type")

        name = d.pop("name")

        resource_version = d.pop("resource_version")

        state = d.pop("state")

        tags = InstanceOutputTags.from_dict(d.pop("tags"))

        updated_at = d.pop("updated_at")

        updated_by = d.pop("updated_by")

        def _parse_fleet_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        fleet_id = _parse_fleet_id(d.pop("fleet_id", UNSET))

        def _parse_launched_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        launched_at = _parse_launched_at(d.pop("launched_at", UNSET))

        def _parse_stopped_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        stopped_at = _parse_stopped_at(d.pop("stopped_at", UNSET))

        instance_output = cls(
            created_at=created_at,
            created_by=created_by,
            id=id,
            instance_type=instance_type,
            name=name,
            resource_version=resource_version,
            state=state,
            tags=tags,
            updated_at=updated_at,
            updated_by=updated_by,
            fleet_id=fleet_id,
            launched_at=launched_at,
            stopped_at=stopped_at,
        )

        instance_output.additional_properties = d
        return instance_output

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
