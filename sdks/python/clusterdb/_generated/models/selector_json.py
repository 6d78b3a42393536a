from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.selector_json_match_labels import SelectorJsonMatchLabels


T = TypeVar("T", bound="SelectorJson")


@_attrs_define
class SelectorJson:
    """Workload labels a policy applies to.

    Attributes:
        match_labels (SelectorJsonMatchLabels | Unset): Every label must match.
    """

    match_labels: SelectorJsonMatchLabels | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        match_labels: dict[str, Any] | Unset = UNSET
        if not isinstance(self.match_labels, Unset):
            match_labels = self.match_labels.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if match_labels is not UNSET:
            field_dict["match_labels"] = match_labels

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.selector_json_match_labels import SelectorJsonMatchLabels

        d = dict(src_dict)
        _match_labels = d.pop("match_labels", UNSET)
        match_labels: SelectorJsonMatchLabels | Unset
        if isinstance(_match_labels, Unset):
            match_labels = UNSET
        else:
            match_labels = SelectorJsonMatchLabels.from_dict(_match_labels)

        selector_json = cls(
            match_labels=match_labels,
        )

        return selector_json
