from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RedirectJson")


@_attrs_define
class RedirectJson:
    """A redirect.

    Attributes:
        authority (str | Unset): The new host.
        redirect_code (int | Unset): 3xx (default 301).
        uri (str | Unset): The new path.
    """

    authority: str | Unset = UNSET
    redirect_code: int | Unset = UNSET
    uri: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        authority = self.authority

        redirect_code = self.redirect_code

        uri = self.uri

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if authority is not UNSET:
            field_dict["authority"] = authority
        if redirect_code is not UNSET:
            field_dict["redirect_code"] = redirect_code
        if uri is not UNSET:
            field_dict["uri"] = uri

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        authority = d.pop("authority", UNSET)

        redirect_code = d.pop("redirect_code", UNSET)

        uri = d.pop("uri", UNSET)

        redirect_json = cls(
            authority=authority,
            redirect_code=redirect_code,
            uri=uri,
        )

        return redirect_json
