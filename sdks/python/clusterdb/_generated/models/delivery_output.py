from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.attempt_output import AttemptOutput


T = TypeVar("T", bound="DeliveryOutput")


@_attrs_define
class DeliveryOutput:
    """One event's delivery to one endpoint.

    Attributes:
        attempts (list[AttemptOutput]): Attempts, oldest first (the latest 32).
        event_id (str): The event (`evt_…`), the `webhook-id` header of every attempt.
        event_type (str): The event's type.
        id (str): `dlv_{revision}_{index}`.
        revision (int): The event's revision.
        status (str): `pending` (retrying), `succeeded` or `failed` (gave up).
        webhook_id (str): The endpoint.
        next_attempt_at (None | str | Unset): When the next scheduled attempt is due (pending only).
    """

    attempts: list[AttemptOutput]
    event_id: str
    event_type: str
    id: str
    revision: int
    status: str
    webhook_id: str
    next_attempt_at: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempts = []
        for attempts_item_data in self.attempts:
            attempts_item = attempts_item_data.to_dict()
            attempts.append(attempts_item)

        event_id = self.event_id

        event_type = self.event_type

        id = self.id

        revision = self.revision

        status = self.status

        webhook_id = self.webhook_id

        next_attempt_at: None | str | Unset
        if isinstance(self.next_attempt_at, Unset):
            next_attempt_at = UNSET
        else:
            next_attempt_at = self.next_attempt_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "event_id": event_id,
                "event_type": event_type,
                "id": id,
                "revision": revision,
                "status": status,
                "webhook_id": webhook_id,
            }
        )
        if next_attempt_at is not UNSET:
            field_dict["next_attempt_at"] = next_attempt_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.attempt_output import AttemptOutput

        d = dict(src_dict)
        attempts = []
        _attempts = d.pop("attempts")
        for attempts_item_data in _attempts:
            attempts_item = AttemptOutput.from_dict(attempts_item_data)

            attempts.append(attempts_item)

        event_id = d.pop("event_id")

        event_type = d.pop("event_type")

        id = d.pop("id")

        revision = d.pop("revision")

        status = d.pop("status")

        webhook_id = d.pop("webhook_id")

        def _parse_next_attempt_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at", UNSET))

        delivery_output = cls(
            attempts=attempts,
            event_id=event_id,
            event_type=event_type,
            id=id,
            revision=revision,
            status=status,
            webhook_id=webhook_id,
            next_attempt_at=next_attempt_at,
        )

        delivery_output.additional_properties = d
        return delivery_output

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
