from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.webhook_input_tags import WebhookInputTags


T = TypeVar("T", bound="WebhookInput")


@_attrs_define
class WebhookInput:
    """Create or replace a webhook endpoint.

    Attributes:
        events (list[str]): Event types to deliver, e.g. `fleet.created`; `*` for all.
        url (str): `http://` or `https://` URL events are `POST`ed to.
        description (str | Unset): Free text.
        enabled (bool | Unset): Whether delivery is on (default true).
        name (str | Unset): Unique name (default: `webhook-` and a digest of the URL).
        secret (str | Unset): The signing secret, `whsec_` + base64 of 24 to 64 bytes; generated
            when a create leaves it out. Write-only: on a replace, a different
            one rotates it (the old one still signs for 24 hours) and none
            keeps it.
        tags (WebhookInputTags | Unset): Labels.
    """

    events: list[str]
    url: str
    description: str | Unset = UNSET
    enabled: bool | Unset = UNSET
    name: str | Unset = UNSET
    secret: str | Unset = UNSET
    tags: WebhookInputTags | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        events = self.events

        url = self.url

        description = self.description

        enabled = self.enabled

        name = self.name

        secret = self.secret

        tags: dict[str, Any] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "events": events,
                "url": url,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if name is not UNSET:
            field_dict["name"] = name
        if secret is not UNSET:
            field_dict["secret"] = secret
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.webhook_input_tags import WebhookInputTags

        d = dict(src_dict)
        events = cast(list[str], d.pop("events"))

        url = d.pop("url")

        description = d.pop("description", UNSET)

        enabled = d.pop("enabled", UNSET)

        name = d.pop("name", UNSET)

        secret = d.pop("secret", UNSET)

        _tags = d.pop("tags", UNSET)
        tags: WebhookInputTags | Unset
        if isinstance(_tags, Unset):
            tags = UNSET
        else:
            tags = WebhookInputTags.from_dict(_tags)

        webhook_input = cls(
            events=events,
            url=url,
            description=description,
            enabled=enabled,
            name=name,
            secret=secret,
            tags=tags,
        )

        return webhook_input
