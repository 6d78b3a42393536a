from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.percent_json import PercentJson


T = TypeVar("T", bound="DelayJson")


@_attrs_define
class DelayJson:
    """A delay.

    Attributes:
        fixed_delay (str): How long, e.g. `5s`.
        percent (int | None | Unset): Share of requests as a whole percent: Istio's deprecated field,
            used when `percentage` is absent (as Istio does).
        percentage (None | PercentJson | Unset):
    """

    fixed_delay: str
    percent: int | None | Unset = UNSET
    percentage: None | PercentJson | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.percent_json import PercentJson

        fixed_delay = self.fixed_delay

        percent: int | None | Unset
        if isinstance(self.percent, Unset):
            percent = UNSET
        else:
            percent = self.percent

        percentage: dict[str, Any] | None | Unset
        if isinstance(self.percentage, Unset):
            percentage = UNSET
        elif isinstance(self.percentage, PercentJson):
            percentage = self.percentage.to_dict()
        else:
            percentage = self.percentage

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "fixed_delay": fixed_delay,
            }
        )
        if percent is not UNSET:
            field_dict["percent"] = percent
        if percentage is not UNSET:
            field_dict["percentage"] = percentage

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.percent_json import PercentJson

        d = dict(src_dict)
        fixed_delay = d.pop("fixed_delay")

        def _parse_percent(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        percent = _parse_percent(d.pop("percent", UNSET))

        def _parse_percentage(data: object) -> None | PercentJson | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                percentage_type_1 = PercentJson.from_dict(data)

                return percentage_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PercentJson | Unset, data)

        percentage = _parse_percentage(d.pop("percentage", UNSET))

        delay_json = cls(
            fixed_delay=fixed_delay,
            percent=percent,
            percentage=percentage,
        )

        return delay_json
