from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.matcher_json import MatcherJson
    from ..models.silence_input_tags import SilenceInputTags


T = TypeVar("T", bound="SilenceInput")


@_attrs_define
class SilenceInput:
    """Create or replace a silence.

    Attributes:
        ends_at (datetime.datetime): RFC 3339.
        matchers (list[MatcherJson]): Every one must match an alert's labels.
        comment (str | Unset): Why.
        name (str | Unset): Unique name (default: generated).
        starts_at (datetime.datetime | None | Unset): RFC 3339; default now.
        tags (SilenceInputTags | Unset): Labels of the silence resource itself.
    """

    ends_at: datetime.datetime
    matchers: list[MatcherJson]
    comment: str | Unset = UNSET
    name: str | Unset = UNSET
    starts_at: datetime.datetime | None | Unset = UNSET
    tags: SilenceInputTags | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        ends_at = self.ends_at.isoformat()

        matchers = []
        for matchers_item_data in self.matchers:
            matchers_item = matchers_item_data.to_dict()
            matchers.append(matchers_item)

        comment = self.comment

        name = self.name

        starts_at: None | str | Unset
        if isinstance(self.starts_at, Unset):
            starts_at = UNSET
        elif isinstance(self.starts_at, datetime.datetime):
            starts_at = self.starts_at.isoformat()
        else:
            starts_at = self.starts_at

        tags: dict[str, Any] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "ends_at": ends_at,
                "matchers": matchers,
            }
        )
        if comment is not UNSET:
            field_dict["comment"] = comment
        if name is not UNSET:
            field_dict["name"] = name
        if starts_at is not UNSET:
            field_dict["starts_at"] = starts_at
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.matcher_json import MatcherJson
        from ..models.silence_input_tags import SilenceInputTags

        d = dict(src_dict)
        ends_at = datetime.datetime.fromisoformat(d.pop("ends_at"))

        matchers = []
        _matchers = d.pop("matchers")
        for matchers_item_data in _matchers:
            matchers_item = MatcherJson.from_dict(matchers_item_data)

            matchers.append(matchers_item)

        comment = d.pop("comment", UNSET)

        name = d.pop("name", UNSET)

        def _parse_starts_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                starts_at_type_0 = datetime.datetime.fromisoformat(data)

                return starts_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        starts_at = _parse_starts_at(d.pop("starts_at", UNSET))

        _tags = d.pop("tags", UNSET)
        tags: SilenceInputTags | Unset
        if isinstance(_tags, Unset):
            tags = UNSET
        else:
            tags = SilenceInputTags.from_dict(_tags)

        silence_input = cls(
            ends_at=ends_at,
            matchers=matchers,
            comment=comment,
            name=name,
            starts_at=starts_at,
            tags=tags,
        )

        return silence_input
