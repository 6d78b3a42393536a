from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.meta_output_tags import MetaOutputTags


T = TypeVar("T", bound="WebhookOutput")


@_attrs_define
class WebhookOutput:
    """A webhook endpoint as the API shows it.

    Attributes:
        created_at (str): RFC 3339.
        created_by (str): Who created it: a user id, an OAuth client id or `system`.
        resource_version (int): Changes on every write; the ETag.
        tags (MetaOutputTags): Labels.
        updated_at (str): RFC 3339.
        updated_by (str): Who made the last change (the server's own status writes aside).
        description (str): Free text.
        enabled (bool): Whether delivery is on.
        events (list[str]): Event types delivered (`*`: all).
        id (str): `webhook-…`.
        name (str): Unique name.
        url (str): Where events are `POST`ed.
        disabled_reason (None | str | Unset): Why the server turned delivery off, if it did.
        secret (None | str | Unset): Only in the answer to a create or a rotation: the signing secret.
    """

    created_at: str
    created_by: str
    resource_version: int
    tags: MetaOutputTags
    updated_at: str
    updated_by: str
    description: str
    enabled: bool
    events: list[str]
    id: str
    name: str
    url: str
    disabled_reason: None | str | Unset = UNSET
    secret: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        created_by = self.created_by

        resource_version = self.resource_version

        tags = self.tags.to_dict()

        updated_at = self.updated_at

        updated_by = self.updated_by

        description = self.description

        enabled = self.enabled

        events = self.events

        id = self.id

        name = self.name

        url = self.url

        disabled_reason: None | str | Unset
        if isinstance(self.disabled_reason, Unset):
            disabled_reason = UNSET
        else:
            disabled_reason = self.disabled_reason

        secret: None | str | Unset
        if isinstance(self.secret, Unset):
            secret = UNSET
        else:
            secret = self.secret

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
                "enabled": enabled,
                "events": events,
                "id": id,
                "name": name,
                "url": url,
            }
        )
        if disabled_reason is not UNSET:
            field_dict["disabled_reason"] = disabled_reason
        if secret is not UNSET:
            field_dict["secret"] = secret

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

        enabled = d.pop("enabled")

        events = cast(list[str], d.pop("events"))

        id = d.pop("id")

        name = d.pop("name")

        url = d.pop("url")

        def _parse_disabled_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        disabled_reason = _parse_disabled_reason(d.pop("disabled_reason", UNSET))

        def _parse_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        secret = _parse_secret(d.pop("secret", UNSET))

        webhook_output = cls(
            created_at=created_at,
            created_by=created_by,
            resource_version=resource_version,
            tags=tags,
            updated_at=updated_at,
            updated_by=updated_by,
            description=description,
            enabled=enabled,
            events=events,
            id=id,
            name=name,
            url=url,
            disabled_reason=disabled_reason,
            secret=secret,
        )

        webhook_output.additional_properties = d
        return webhook_output

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
