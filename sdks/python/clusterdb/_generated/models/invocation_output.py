from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="InvocationOutput")


@_attrs_define
class InvocationOutput:
    """The result of `POST /functions/{id}/invoke`.

    Attributes:
        duration_ms (int): Wall-clock duration in milliseconds.
        logs (str): What the function wrote to stderr (its last 64 KiB).
        output (Any): What the function wrote: its JSON when it parses as JSON, else its
            text as a string when it is UTF-8, else base64 (and
            `output_encoding` says so).
        status (str): `succeeded`.
        fuel_used (int | None | Unset): Interpreter fuel used (`null` for a runtime that does not meter).
        output_encoding (None | str | Unset): `base64` when `output` is base64 of bytes that are not text.
    """

    duration_ms: int
    logs: str
    output: Any
    status: str
    fuel_used: int | None | Unset = UNSET
    output_encoding: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        duration_ms = self.duration_ms

        logs = self.logs

        output = self.output

        status = self.status

        fuel_used: int | None | Unset
        if isinstance(self.fuel_used, Unset):
            fuel_used = UNSET
        else:
            fuel_used = self.fuel_used

        output_encoding: None | str | Unset
        if isinstance(self.output_encoding, Unset):
            output_encoding = UNSET
        else:
            output_encoding = self.output_encoding

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "duration_ms": duration_ms,
                "logs": logs,
                "output": output,
                "status": status,
            }
        )
        if fuel_used is not UNSET:
            field_dict["fuel_used"] = fuel_used
        if output_encoding is not UNSET:
            field_dict["output_encoding"] = output_encoding

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        duration_ms = d.pop("duration_ms")

        logs = d.pop("logs")

        output = d.pop("output")

        status = d.pop("status")

        def _parse_fuel_used(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        fuel_used = _parse_fuel_used(d.pop("fuel_used", UNSET))

        def _parse_output_encoding(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        output_encoding = _parse_output_encoding(d.pop("output_encoding", UNSET))

        invocation_output = cls(
            duration_ms=duration_ms,
            logs=logs,
            output=output,
            status=status,
            fuel_used=fuel_used,
            output_encoding=output_encoding,
        )

        invocation_output.additional_properties = d
        return invocation_output

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
