from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.function_input_runtime import FunctionInputRuntime, check_function_input_runtime
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.function_input_env import FunctionInputEnv
    from ..models.function_input_tags import FunctionInputTags


T = TypeVar("T", bound="FunctionInput")


@_attrs_define
class FunctionInput:
    """Create or replace a function.

    Attributes:
        name (str): Unique name.
        runtime (FunctionInputRuntime): A registered runtime, e.g. `native`.
        code (None | str | Unset): The code, for the `wasm` runtime: base64 of a `.wasm` module or
            WebAssembly text (WAT). Write-only: stored once by SHA-256 and
            shown as `code_sha256` and `code_size`; a replace without it keeps
            the current code.
        description (str | Unset): Free text.
        env (FunctionInputEnv | Unset): Environment.
        handler (str | Unset): The handler within the runtime; for `wasm`, the exported function
            to run (default `_start`, a WASI command's entry). Required for
            every other runtime.
        max_concurrency (int | Unset): Invocations running at once, 1..=1000 (default 64).
        memory_mb (int | Unset): Memory limit in MiB (default 128).
        tags (FunctionInputTags | Unset): Labels.
        timeout_ms (int | Unset): Time limit per invocation in ms (default 3000).
    """

    name: str
    runtime: FunctionInputRuntime
    code: None | str | Unset = UNSET
    description: str | Unset = UNSET
    env: FunctionInputEnv | Unset = UNSET
    handler: str | Unset = UNSET
    max_concurrency: int | Unset = UNSET
    memory_mb: int | Unset = UNSET
    tags: FunctionInputTags | Unset = UNSET
    timeout_ms: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        runtime: str = self.runtime

        code: None | str | Unset
        if isinstance(self.code, Unset):
            code = UNSET
        else:
            code = self.code

        description = self.description

        env: dict[str, Any] | Unset = UNSET
        if not isinstance(self.env, Unset):
            env = self.env.to_dict()

        handler = self.handler

        max_concurrency = self.max_concurrency

        memory_mb = self.memory_mb

        tags: dict[str, Any] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags.to_dict()

        timeout_ms = self.timeout_ms

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "runtime": runtime,
            }
        )
        if code is not UNSET:
            field_dict["code"] = code
        if description is not UNSET:
            field_dict["description"] = description
        if env is not UNSET:
            field_dict["env"] = env
        if handler is not UNSET:
            field_dict["handler"] = handler
        if max_concurrency is not UNSET:
            field_dict["max_concurrency"] = max_concurrency
        if memory_mb is not UNSET:
            field_dict["memory_mb"] = memory_mb
        if tags is not UNSET:
            field_dict["tags"] = tags
        if timeout_ms is not UNSET:
            field_dict["timeout_ms"] = timeout_ms

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.function_input_env import FunctionInputEnv
        from ..models.function_input_tags import FunctionInputTags

        d = dict(src_dict)
        name = d.pop("name")

        runtime = check_function_input_runtime(d.pop("runtime"))

        def _parse_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        code = _parse_code(d.pop("code", UNSET))

        description = d.pop("description", UNSET)

        _env = d.pop("env", UNSET)
        env: FunctionInputEnv | Unset
        if isinstance(_env, Unset):
            env = UNSET
        else:
            env = FunctionInputEnv.from_dict(_env)

        handler = d.pop("handler", UNSET)

        max_concurrency = d.pop("max_concurrency", UNSET)

        memory_mb = d.pop("memory_mb", UNSET)

        _tags = d.pop("tags", UNSET)
        tags: FunctionInputTags | Unset
        if isinstance(_tags, Unset):
            tags = UNSET
        else:
            tags = FunctionInputTags.from_dict(_tags)

        timeout_ms = d.pop("timeout_ms", UNSET)

        function_input = cls(
            name=name,
            runtime=runtime,
            code=code,
            description=description,
            env=env,
            handler=handler,
            max_concurrency=max_concurrency,
            memory_mb=memory_mb,
            tags=tags,
            timeout_ms=timeout_ms,
        )

        return function_input
