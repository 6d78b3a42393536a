from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.who_am_i_output_permissions import WhoAmIOutputPermissions


T = TypeVar("T", bound="WhoAmIOutput")


@_attrs_define
class WhoAmIOutput:
    """The caller, as the server authenticated it, and what the policy lets it
    do: a client offers only what it may.

        Attributes:
            id (str): The user id (`user-…`) or OAuth client id.
            kind (str): `user` or `oauth_client`.
            permissions (WhoAmIOutputPermissions): For every kind the policy names (`fleet`, `virtual_service`,
                `webhook`, …): whether the caller may read and write it.
            roles (list[str]): A user's roles (bound directly and through groups).
            scopes (list[str] | None | Unset): An OAuth client's scopes (they decide instead of roles).
    """

    id: str
    kind: str
    permissions: WhoAmIOutputPermissions
    roles: list[str]
    scopes: list[str] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        kind = self.kind

        permissions = self.permissions.to_dict()

        roles = self.roles

        scopes: list[str] | None | Unset
        if isinstance(self.scopes, Unset):
            scopes = UNSET
        elif isinstance(self.scopes, list):
            scopes = self.scopes

        else:
            scopes = self.scopes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "kind": kind,
                "permissions": permissions,
                "roles": roles,
            }
        )
        if scopes is not UNSET:
            field_dict["scopes"] = scopes

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.who_am_i_output_permissions import WhoAmIOutputPermissions

        d = dict(src_dict)
        id = d.pop("id")

        kind = d.pop("kind")

        permissions = WhoAmIOutputPermissions.from_dict(d.pop("permissions"))

        roles = cast(list[str], d.pop("roles"))

        def _parse_scopes(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                scopes_type_0 = cast(list[str], data)

                return scopes_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        scopes = _parse_scopes(d.pop("scopes", UNSET))

        who_am_i_output = cls(
            id=id,
            kind=kind,
            permissions=permissions,
            roles=roles,
            scopes=scopes,
        )

        who_am_i_output.additional_properties = d
        return who_am_i_output

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
