from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RewriteJson")


@_attrs_define
class RewriteJson:
    """A rewrite.

    Attributes:
        authority (str | Unset): The new host.
        uri (str | Unset): The new path (prefix).
    """

    authority: str | Unset = UNSET
    uri: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        authority = self.authority

        uri = self.uri

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if authority is not UNSET:
            field_dict["authority"] = authority
        if uri is not UNSET:
            field_dict["uri"] = uri

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        authority = d.pop("authority", UNSET)

        uri = d.pop("uri", UNSET)

        rewrite_json = cls(
            authority=authority,
            uri=uri,
        )

        return rewrite_json
