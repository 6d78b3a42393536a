from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.percent_json import PercentJson


T = TypeVar("T", bound="AbortJson")


@_attrs_define
class AbortJson:
    """An abort.

    Attributes:
        http_status (int): The status, 200–599.
        percent (int | None | Unset): Share of requests as a whole percent: the older field Istio's own
            samples still use, used when `percentage` is absent.
        percentage (None | PercentJson | Unset):
    """

    http_status: int
    percent: int | None | Unset = UNSET
    percentage: None | PercentJson | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.percent_json import PercentJson

        http_status = self.http_status

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
                "http_status": http_status,
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
        http_status = d.pop("http_status")

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

        abort_json = cls(
            http_status=http_status,
            percent=percent,
            percentage=percentage,
        )

        return abort_json
