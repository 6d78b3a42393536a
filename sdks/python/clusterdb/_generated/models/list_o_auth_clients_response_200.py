from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.o_auth_client_output import OAuthClientOutput


T = TypeVar("T", bound="ListOAuthClientsResponse200")


@_attrs_define
class ListOAuthClientsResponse200:
    """
    Attributes:
        next_page_token (None | str):
        oauth_clients (list[OAuthClientOutput]):
        revision (int): The store revision every page of this list reflects
    """

    next_page_token: None | str
    oauth_clients: list[OAuthClientOutput]
    revision: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        next_page_token: None | str
        next_page_token = self.next_page_token

        oauth_clients = []
        for oauth_clients_item_data in self.oauth_clients:
            oauth_clients_item = oauth_clients_item_data.to_dict()
            oauth_clients.append(oauth_clients_item)

        revision = self.revision

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "next_page_token": next_page_token,
                "oauth_clients": oauth_clients,
                "revision": revision,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.o_auth_client_output import OAuthClientOutput

        d = dict(src_dict)

        def _parse_next_page_token(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_page_token = _parse_next_page_token(d.pop("next_page_token"))

        oauth_clients = []
        _oauth_clients = d.pop("oauth_clients")
        for oauth_clients_item_data in _oauth_clients:
            oauth_clients_item = OAuthClientOutput.from_dict(oauth_clients_item_data)

            oauth_clients.append(oauth_clients_item)

        revision = d.pop("revision")

        list_o_auth_clients_response_200 = cls(
            next_page_token=next_page_token,
            oauth_clients=oauth_clients,
            revision=revision,
        )

        list_o_auth_clients_response_200.additional_properties = d
        return list_o_auth_clients_response_200

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
