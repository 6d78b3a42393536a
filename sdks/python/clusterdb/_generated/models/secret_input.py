from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SecretInput")


@_attrs_define
class SecretInput:
    """The body of `POST /webhooks/{id}/secret` (optional).

    Attributes:
        secret (str | Unset): The new secret; generated if left out.
    """

    secret: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        secret = self.secret

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if secret is not UNSET:
            field_dict["secret"] = secret

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        secret = d.pop("secret", UNSET)

        secret_input = cls(
            secret=secret,
        )

        return secret_input
