from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ConditionJson")


@_attrs_define
class ConditionJson:
    """A condition on a request attribute.

    Attributes:
        key (str): `source.ip`, `remote.ip`, `source.namespace`, `source.principal`,
            `request.auth.principal`, `destination.port` or
            `request.headers[<name>]`.
        not_values (list[str] | Unset): The attribute matches none of these.
        values (list[str] | Unset): The attribute matches one of these.
    """

    key: str
    not_values: list[str] | Unset = UNSET
    values: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        key = self.key

        not_values: list[str] | Unset = UNSET
        if not isinstance(self.not_values, Unset):
            not_values = self.not_values

        values: list[str] | Unset = UNSET
        if not isinstance(self.values, Unset):
            values = self.values

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "key": key,
            }
        )
        if not_values is not UNSET:
            field_dict["not_values"] = not_values
        if values is not UNSET:
            field_dict["values"] = values

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        key = d.pop("key")

        not_values = cast(list[str], d.pop("not_values", UNSET))

        values = cast(list[str], d.pop("values", UNSET))

        condition_json = cls(
            key=key,
            not_values=not_values,
            values=values,
        )

        return condition_json
