from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="AttemptOutput")


@_attrs_define
class AttemptOutput:
    """One attempt to deliver.

    Attributes:
        at (str): When it started (RFC 3339).
        attempt (int): 1 for the first.
        duration_ms (int): How long it took.
        manual (bool): A redelivery someone asked for, rather than the schedule.
        error (None | str | Unset): What went wrong (absent on success).
        response_code (int | None | Unset): The receiver's status code, if it answered.
    """

    at: str
    attempt: int
    duration_ms: int
    manual: bool
    error: None | str | Unset = UNSET
    response_code: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        at = self.at

        attempt = self.attempt

        duration_ms = self.duration_ms

        manual = self.manual

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        response_code: int | None | Unset
        if isinstance(self.response_code, Unset):
            response_code = UNSET
        else:
            response_code = self.response_code

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "at": at,
                "attempt": attempt,
                "duration_ms": duration_ms,
                "manual": manual,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error
        if response_code is not UNSET:
            field_dict["response_code"] = response_code

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        at = d.pop("at")

        attempt = d.pop("attempt")

        duration_ms = d.pop("duration_ms")

        manual = d.pop("manual")

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        def _parse_response_code(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        response_code = _parse_response_code(d.pop("response_code", UNSET))

        attempt_output = cls(
            at=at,
            attempt=attempt,
            duration_ms=duration_ms,
            manual=manual,
            error=error,
            response_code=response_code,
        )

        attempt_output.additional_properties = d
        return attempt_output

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
