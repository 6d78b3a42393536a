from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.operation_json import OperationJson


T = TypeVar("T", bound="ToJson")


@_attrs_define
class ToJson:
    """`to` entry.

    Attributes:
        operation (OperationJson): An operation; patterns are exact, `*`, `prefix*` or `*suffix`.
    """

    operation: OperationJson

    def to_dict(self) -> dict[str, Any]:
        operation = self.operation.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "operation": operation,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.operation_json import OperationJson

        d = dict(src_dict)
        operation = OperationJson.from_dict(d.pop("operation"))

        to_json = cls(
            operation=operation,
        )

        return to_json
