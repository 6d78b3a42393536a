from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SourceJson")


@_attrs_define
class SourceJson:
    """A caller; patterns are exact, `*`, `prefix*` or `*suffix`.

    Attributes:
        ip_blocks (list[str] | Unset): Caller addresses: CIDR blocks or addresses.
        namespaces (list[str] | Unset): Caller namespaces.
        not_ip_blocks (list[str] | Unset): Caller addresses excluded.
        not_namespaces (list[str] | Unset): Caller namespaces excluded.
        not_principals (list[str] | Unset): Principals excluded.
        principals (list[str] | Unset): Principals, e.g. `cluster.local/ns/web/sa/frontend`.
    """

    ip_blocks: list[str] | Unset = UNSET
    namespaces: list[str] | Unset = UNSET
    not_ip_blocks: list[str] | Unset = UNSET
    not_namespaces: list[str] | Unset = UNSET
    not_principals: list[str] | Unset = UNSET
    principals: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        ip_blocks: list[str] | Unset = UNSET
        if not isinstance(self.ip_blocks, Unset):
            ip_blocks = self.ip_blocks

        namespaces: list[str] | Unset = UNSET
        if not isinstance(self.namespaces, Unset):
            namespaces = self.namespaces

        not_ip_blocks: list[str] | Unset = UNSET
        if not isinstance(self.not_ip_blocks, Unset):
            not_ip_blocks = self.not_ip_blocks

        not_namespaces: list[str] | Unset = UNSET
        if not isinstance(self.not_namespaces, Unset):
            not_namespaces = self.not_namespaces

        not_principals: list[str] | Unset = UNSET
        if not isinstance(self.not_principals, Unset):
            not_principals = self.not_principals

        principals: list[str] | Unset = UNSET
        if not isinstance(self.principals, Unset):
            principals = self.principals

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if ip_blocks is not UNSET:
            field_dict["ip_blocks"] = ip_blocks
        if namespaces is not UNSET:
            field_dict["namespaces"] = namespaces
        if not_ip_blocks is not UNSET:
            field_dict["not_ip_blocks"] = not_ip_blocks
        if not_namespaces is not UNSET:
            field_dict["not_namespaces"] = not_namespaces
        if not_principals is not UNSET:
            field_dict["not_principals"] = not_principals
        if principals is not UNSET:
            field_dict["principals"] = principals

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        ip_blocks = cast(list[str], d.pop("ip_blocks", UNSET))

        namespaces = cast(list[str], d.pop("namespaces", UNSET))

        not_ip_blocks = cast(list[str], d.pop("not_ip_blocks", UNSET))

        not_namespaces = cast(list[str], d.pop("not_namespaces", UNSET))

        not_principals = cast(list[str], d.pop("not_principals", UNSET))

        principals = cast(list[str], d.pop("principals", UNSET))

        source_json = cls(
            ip_blocks=ip_blocks,
            namespaces=namespaces,
            not_ip_blocks=not_ip_blocks,
            not_namespaces=not_namespaces,
            not_principals=not_principals,
            principals=principals,
        )

        return source_json
