from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ServerOutput")


@_attrs_define
class ServerOutput:
    """The answering server: its version, store, and role.

    Attributes:
        engine (str): The storage engine: `redb` (one data file) or `etcd` (shared).
        leader (bool): Whether this server leads the background work (the reconciler,
            retention, webhook delivery, alert evaluation) now.
        read_cache (bool): Whether reads are served from this server's cache.
        revision (int): The newest store revision this server has seen: the event log's
            head.
        version (str): The server's version.
    """

    engine: str
    leader: bool
    read_cache: bool
    revision: int
    version: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        engine = self.engine

        leader = self.leader

        read_cache = self.read_cache

        revision = self.revision

        version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "engine": engine,
                "leader": leader,
                "read_cache": read_cache,
                "revision": revision,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        engine = d.pop("engine")

        leader = d.pop("leader")

        read_cache = d.pop("read_cache")

        revision = d.pop("revision")

        version = d.pop("version")

        server_output = cls(
            engine=engine,
            leader=leader,
            read_cache=read_cache,
            revision=revision,
            version=version,
        )

        server_output.additional_properties = d
        return server_output

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
