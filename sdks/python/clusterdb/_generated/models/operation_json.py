from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="OperationJson")


@_attrs_define
class OperationJson:
    """An operation; patterns are exact, `*`, `prefix*` or `*suffix`.

    Attributes:
        hosts (list[str] | Unset): Hosts.
        methods (list[str] | Unset): Methods.
        not_hosts (list[str] | Unset): Hosts excluded.
        not_methods (list[str] | Unset): Methods excluded.
        not_paths (list[str] | Unset): Paths excluded.
        not_ports (list[str] | Unset): Ports excluded.
        paths (list[str] | Unset): Paths.
        ports (list[str] | Unset): Ports, as text.
    """

    hosts: list[str] | Unset = UNSET
    methods: list[str] | Unset = UNSET
    not_hosts: list[str] | Unset = UNSET
    not_methods: list[str] | Unset = UNSET
    not_paths: list[str] | Unset = UNSET
    not_ports: list[str] | Unset = UNSET
    paths: list[str] | Unset = UNSET
    ports: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        hosts: list[str] | Unset = UNSET
        if not isinstance(self.hosts, Unset):
            hosts = self.hosts

        methods: list[str] | Unset = UNSET
        if not isinstance(self.methods, Unset):
            methods = self.methods

        not_hosts: list[str] | Unset = UNSET
        if not isinstance(self.not_hosts, Unset):
            not_hosts = self.not_hosts

        not_methods: list[str] | Unset = UNSET
        if not isinstance(self.not_methods, Unset):
            not_methods = self.not_methods

        not_paths: list[str] | Unset = UNSET
        if not isinstance(self.not_paths, Unset):
            not_paths = self.not_paths

        not_ports: list[str] | Unset = UNSET
        if not isinstance(self.not_ports, Unset):
            not_ports = self.not_ports

        paths: list[str] | Unset = UNSET
        if not isinstance(self.paths, Unset):
            paths = self.paths

        ports: list[str] | Unset = UNSET
        if not isinstance(self.ports, Unset):
            ports = self.ports

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if hosts is not UNSET:
            field_dict["hosts"] = hosts
        if methods is not UNSET:
            field_dict["methods"] = methods
        if not_hosts is not UNSET:
            field_dict["not_hosts"] = not_hosts
        if not_methods is not UNSET:
            field_dict["not_methods"] = not_methods
        if not_paths is not UNSET:
            field_dict["not_paths"] = not_paths
        if not_ports is not UNSET:
            field_dict["not_ports"] = not_ports
        if paths is not UNSET:
            field_dict["paths"] = paths
        if ports is not UNSET:
            field_dict["ports"] = ports

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        hosts = cast(list[str], d.pop("hosts", UNSET))

        methods = cast(list[str], d.pop("methods", UNSET))

        not_hosts = cast(list[str], d.pop("not_hosts", UNSET))

        not_methods = cast(list[str], d.pop("not_methods", UNSET))

        not_paths = cast(list[str], d.pop("not_paths", UNSET))

        not_ports = cast(list[str], d.pop("not_ports", UNSET))

        paths = cast(list[str], d.pop("paths", UNSET))

        ports = cast(list[str], d.pop("ports", UNSET))

        operation_json = cls(
            hosts=hosts,
            methods=methods,
            not_hosts=not_hosts,
            not_methods=not_methods,
            not_paths=not_paths,
            not_ports=not_ports,
            paths=paths,
            ports=ports,
        )

        return operation_json
