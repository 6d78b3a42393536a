from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.dropped_sample import DroppedSample


T = TypeVar("T", bound="PushOutput")


@_attrs_define
class PushOutput:
    """What a push did.

    Attributes:
        accepted (int): Samples taken.
        dropped (int): Samples left out (outside the kept time range, or not finite).
        errors (list[DroppedSample]): The first 100 left out, with the reason.
    """

    accepted: int
    dropped: int
    errors: list[DroppedSample]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        accepted = self.accepted

        dropped = self.dropped

        errors = []
        for errors_item_data in self.errors:
            errors_item = errors_item_data.to_dict()
            errors.append(errors_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "accepted": accepted,
                "dropped": dropped,
                "errors": errors,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.dropped_sample import DroppedSample

        d = dict(src_dict)
        accepted = d.pop("accepted")

        dropped = d.pop("dropped")

        errors = []
        _errors = d.pop("errors")
        for errors_item_data in _errors:
            errors_item = DroppedSample.from_dict(errors_item_data)

            errors.append(errors_item)

        push_output = cls(
            accepted=accepted,
            dropped=dropped,
            errors=errors,
        )

        push_output.additional_properties = d
        return push_output

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
