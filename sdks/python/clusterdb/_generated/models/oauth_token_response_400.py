from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.oauth_token_response_400_error import (
    OauthTokenResponse400Error,
    check_oauth_token_response_400_error,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="OauthTokenResponse400")


@_attrs_define
class OauthTokenResponse400:
    """
    Attributes:
        error (OauthTokenResponse400Error):
        error_description (str | Unset):
    """

    error: OauthTokenResponse400Error
    error_description: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error: str = self.error

        error_description = self.error_description

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "error": error,
            }
        )
        if error_description is not UNSET:
            field_dict["error_description"] = error_description

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        error = check_oauth_token_response_400_error(d.pop("error"))

        error_description = d.pop("error_description", UNSET)

        oauth_token_response_400 = cls(
            error=error,
            error_description=error_description,
        )

        oauth_token_response_400.additional_properties = d
        return oauth_token_response_400

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
