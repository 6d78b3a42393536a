from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.destination_json import DestinationJson


T = TypeVar("T", bound="RouteDestinationJson")


@_attrs_define
class RouteDestinationJson:
    """A weighted destination (Istio's `HTTPRouteDestination`).

    Attributes:
        destination (DestinationJson): A service, subset and port.
        weight (int | None | Unset): Relative share 0–100. If no destination of the rule has a weight,
            traffic is split equally; otherwise one without a weight gets none.
            Weights need not sum to 100: 30 and 10 split 3 to 1.
    """

    destination: DestinationJson
    weight: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        destination = self.destination.to_dict()

        weight: int | None | Unset
        if isinstance(self.weight, Unset):
            weight = UNSET
        else:
            weight = self.weight

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "destination": destination,
            }
        )
        if weight is not UNSET:
            field_dict["weight"] = weight

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.destination_json import DestinationJson

        d = dict(src_dict)
        destination = DestinationJson.from_dict(d.pop("destination"))

        def _parse_weight(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        weight = _parse_weight(d.pop("weight", UNSET))

        route_destination_json = cls(
            destination=destination,
            weight=weight,
        )

        return route_destination_json
