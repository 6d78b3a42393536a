from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.abort_json import AbortJson
    from ..models.delay_json import DelayJson


T = TypeVar("T", bound="FaultJson")


@_attrs_define
class FaultJson:
    """Faults to inject: a delay and/or an abort.

    Attributes:
        abort (AbortJson | None | Unset):
        delay (DelayJson | None | Unset):
    """

    abort: AbortJson | None | Unset = UNSET
    delay: DelayJson | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.abort_json import AbortJson
        from ..models.delay_json import DelayJson

        abort: dict[str, Any] | None | Unset
        if isinstance(self.abort, Unset):
            abort = UNSET
        elif isinstance(self.abort, AbortJson):
            abort = self.abort.to_dict()
        else:
            abort = self.abort

        delay: dict[str, Any] | None | Unset
        if isinstance(self.delay, Unset):
            delay = UNSET
        elif isinstance(self.delay, DelayJson):
            delay = self.delay.to_dict()
        else:
            delay = self.delay

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if abort is not UNSET:
            field_dict["abort"] = abort
        if delay is not UNSET:
            field_dict["delay"] = delay

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.abort_json import AbortJson
        from ..models.delay_json import DelayJson

        d = dict(src_dict)

        def _parse_abort(data: object) -> AbortJson | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                abort_type_1 = AbortJson.from_dict(data)

                return abort_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AbortJson | None | Unset, data)

        abort = _parse_abort(d.pop("abort", UNSET))

        def _parse_delay(data: object) -> DelayJson | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                delay_type_1 = DelayJson.from_dict(data)

                return delay_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DelayJson | None | Unset, data)

        delay = _parse_delay(d.pop("delay", UNSET))

        fault_json = cls(
            abort=abort,
            delay=delay,
        )

        return fault_json
