from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.source_json import SourceJson


T = TypeVar("T", bound="FromJson")


@_attrs_define
class FromJson:
    """`from` entry.

    Attributes:
        source (SourceJson): A caller; patterns are exact, `*`, `prefix*` or `*suffix`.
    """

    source: SourceJson

    def to_dict(self) -> dict[str, Any]:
        source = self.source.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "source": source,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.source_json import SourceJson

        d = dict(src_dict)
        source = SourceJson.from_dict(d.pop("source"))

        from_json = cls(
            source=source,
        )

        return from_json
