from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.condition_json import ConditionJson
    from ..models.from_json import FromJson
    from ..models.to_json import ToJson


T = TypeVar("T", bound="RuleJson")


@_attrs_define
class RuleJson:
    """One rule (Istio's `Rule`): every part present must match.

    Attributes:
        from_ (list[FromJson] | Unset): Any of these callers (absent: any).
        to (list[ToJson] | Unset): Any of these operations (absent: any).
        when (list[ConditionJson] | Unset): All of these conditions.
    """

    from_: list[FromJson] | Unset = UNSET
    to: list[ToJson] | Unset = UNSET
    when: list[ConditionJson] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from_: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.from_, Unset):
            from_ = []
            for from_item_data in self.from_:
                from_item = from_item_data.to_dict()
                from_.append(from_item)

        to: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.to, Unset):
            to = []
            for to_item_data in self.to:
                to_item = to_item_data.to_dict()
                to.append(to_item)

        when: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.when, Unset):
            when = []
            for when_item_data in self.when:
                when_item = when_item_data.to_dict()
                when.append(when_item)

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if from_ is not UNSET:
            field_dict["from"] = from_
        if to is not UNSET:
            field_dict["to"] = to
        if when is not UNSET:
            field_dict["when"] = when

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.condition_json import ConditionJson
        from ..models.from_json import FromJson
        from ..models.to_json import ToJson

        d = dict(src_dict)
        _from_ = d.pop("from", UNSET)
        from_: list[FromJson] | Unset = UNSET
        if _from_ is not UNSET:
            from_ = []
            for from_item_data in _from_:
                from_item = FromJson.from_dict(from_item_data)

                from_.append(from_item)

        _to = d.pop("to", UNSET)
        to: list[ToJson] | Unset = UNSET
        if _to is not UNSET:
            to = []
            for to_item_data in _to:
                to_item = ToJson.from_dict(to_item_data)

                to.append(to_item)

        _when = d.pop("when", UNSET)
        when: list[ConditionJson] | Unset = UNSET
        if _when is not UNSET:
            when = []
            for when_item_data in _when:
                when_item = ConditionJson.from_dict(when_item_data)

                when.append(when_item)

        rule_json = cls(
            from_=from_,
            to=to,
            when=when,
        )

        return rule_json
