from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.function_output_env import FunctionOutputEnv
    from ..models.function_output_tags import FunctionOutputTags
    from ..models.function_stats_output import FunctionStatsOutput


T = TypeVar("T", bound="FunctionOutput")


@_attrs_define
class FunctionOutput:
    """A function as the API shows it.

    Attributes:
        created_at (str): RFC 3339.
        created_by (str): Who created it: a user id, an OAuth client id or `system`.
        description (str): Free text.
        env (FunctionOutputEnv): Environment.
        handler (str): Handler name.
        id (str): `function-…`.
        max_concurrency (int): Invocations running at once.
        memory_mb (int): Memory limit in MiB.
        name (str): Unique name.
        resource_version (int): Changes on every write; the ETag.
        runtime (str): Runtime name.
        tags (FunctionOutputTags): Labels.
        timeout_ms (int): Time limit in ms.
        updated_at (str): RFC 3339.
        updated_by (str): Who made the last change (the server's own status writes aside).
        code_sha256 (None | str | Unset): Hex SHA-256 of the stored module (`null`: no code).
        code_size (int | None | Unset): Size of the stored module in bytes (`null`: no code).
        stats (FunctionStatsOutput | None | Unset):
    """

    created_at: str
    created_by: str
    description: str
    env: FunctionOutputEnv
    handler: str
    id: str
    max_concurrency: int
    memory_mb: int
    name: str
    resource_version: int
    runtime: str
    tags: FunctionOutputTags
    timeout_ms: int
    updated_at: str
    updated_by: str
    code_sha256: None | str | Unset = UNSET
    code_size: int | None | Unset = UNSET
    stats: FunctionStatsOutput | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.function_stats_output import FunctionStatsOutput

        created_at = self.created_at

        created_by = self.created_by

        description = self.description

        env = self.env.to_dict()

        handler = self.handler

        id = self.id

        max_concurrency = self.max_concurrency

        memory_mb = self.memory_mb

        name = self.name

        resource_version = self.resource_version

        runtime = self.runtime

        tags = self.tags.to_dict()

        timeout_ms = self.timeout_ms

        updated_at = self.updated_at

        updated_by = self.updated_by

        code_sha256: None | str | Unset
        if isinstance(self.code_sha256, Unset):
            code_sha256 = UNSET
        else:
            code_sha256 = self.code_sha256

        code_size: int | None | Unset
        if isinstance(self.code_size, Unset):
            code_size = UNSET
        else:
            code_size = self.code_size

        stats: dict[str, Any] | None | Unset
        if isinstance(self.stats, Unset):
            stats = UNSET
        elif isinstance(self.stats, FunctionStatsOutput):
            stats = self.stats.to_dict()
        else:
            stats = self.stats

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "created_by": created_by,
                "description": description,
                "env": env,
                "handler": handler,
                "id": id,
                "max_concurrency": max_concurrency,
                "memory_mb": memory_mb,
                "name": name,
                "resource_version": resource_version,
                "runtime": runtime,
                "tags": tags,
                "timeout_ms": timeout_ms,
                "updated_at": updated_at,
                "updated_by": updated_by,
            }
        )
        if code_sha256 is not UNSET:
            field_dict["code_sha256"] = code_sha256
        if code_size is not UNSET:
            field_dict["code_size"] = code_size
        if stats is not UNSET:
            field_dict["stats"] = stats

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.function_output_env import FunctionOutputEnv
        from ..models.function_output_tags import FunctionOutputTags
        from ..models.function_stats_output import FunctionStatsOutput

        d = dict(src_dict)
        created_at = d.pop("created_at")

        created_by = d.pop("created_by")

        description = d.pop("description")

        env = FunctionOutputEnv.from_dict(d.pop("env"))

        handler = d.pop("handler")

        id = d.pop("id")

        max_concurrency = d.pop("max_concurrency")

        memory_mb = d.pop("memory_mb")

        name = d.pop("name")

        resource_version = d.pop("resource_version")

        runtime = d.pop("runtime")

        tags = FunctionOutputTags.from_dict(d.pop("tags"))

        timeout_ms = d.pop("timeout_ms")

        updated_at = d.pop("updated_at")

        updated_by = d.pop("updated_by")

        def _parse_code_sha256(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        code_sha256 = _parse_code_sha256(d.pop("code_sha256", UNSET))

        def _parse_code_size(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        code_size = _parse_code_size(d.pop("code_size", UNSET))

        def _parse_stats(data: object) -> FunctionStatsOutput | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                stats_type_1 = FunctionStatsOutput.from_dict(data)

                return stats_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(FunctionStatsOutput | None | Unset, data)

        stats = _parse_stats(d.pop("stats", UNSET))

        function_output = cls(
            created_at=created_at,
            created_by=created_by,
            description=description,
            env=env,
            handler=handler,
            id=id,
            max_concurrency=max_concurrency,
            memory_mb=memory_mb,
            name=name,
            resource_version=resource_version,
            runtime=runtime,
            tags=tags,
            timeout_ms=timeout_ms,
            updated_at=updated_at,
            updated_by=updated_by,
            code_sha256=code_sha256,
            code_size=code_size,
            stats=stats,
        )

        function_output.additional_properties = d
        return function_output

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
