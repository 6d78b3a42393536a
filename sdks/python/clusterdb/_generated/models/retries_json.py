from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RetriesJson")


@_attrs_define
class RetriesJson:
    """A retry policy.

    Attributes:
        attempts (int | Unset): Retries (0 disables).
        per_try_timeout (None | str | Unset): Time limit per attempt, e.g. `2s`.
        retry_on (str | Unset): Comma-separated conditions, e.g. `5xx,connect-failure`.
    """

    attempts: int | Unset = UNSET
    per_try_timeout: None | str | Unset = UNSET
    retry_on: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        attempts = self.attempts

        per_try_timeout: None | str | Unset
        if isinstance(self.per_try_timeout, Unset):
            per_try_timeout = UNSET
        else:
            per_try_timeout = self.per_try_timeout

        retry_on = self.retry_on

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if attempts is not UNSET:
            field_dict["attempts"] = attempts
        if per_try_timeout is not UNSET:
            field_dict["per_try_timeout"] = per_try_timeout
        if retry_on is not UNSET:
            field_dict["retry_on"] = retry_on

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        attempts = d.pop("attempts", UNSET)

        def _parse_per_try_timeout(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        per_try_timeout = _parse_per_try_timeout(d.pop("per_try_timeout", UNSET))

        retry_on = d.pop("retry_on", UNSET)

        retries_json = cls(
            attempts=attempts,
            per_try_timeout=per_try_timeout,
            retry_on=retry_on,
        )

        return retries_json
