from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.port_json import PortJson


T = TypeVar("T", bound="DestinationJson")


@_attrs_define
class DestinationJson:
    """A service, subset and port.

    Attributes:
        host (str): The service's host (not a wildcard).
        port (None | PortJson | Unset):
        subset (str | Unset): A subset (a DNS label).
    """

    host: str
    port: None | PortJson | Unset = UNSET
    subset: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.port_json import PortJson

        host = self.host

        port: dict[str, Any] | None | Unset
        if isinstance(self.port, Unset):
            port = UNSET
        elif isinstance(self.port, PortJson):
            port = self.port.to_dict()
        else:
            port = self.port

        subset = self.subset

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "host": host,
            }
        )
        if port is not UNSET:
            field_dict["port"] = port
        if subset is not UNSET:
            field_dict["subset"] = subset

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.port_json import PortJson

        d = dict(src_dict)
        host = d.pop("host")

        def _parse_port(data: object) -> None | PortJson | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                port_type_1 = PortJson.from_dict(data)

                return port_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PortJson | Unset, data)

        port = _parse_port(d.pop("port", UNSET))

        subset = d.pop("subset", UNSET)

        destination_json = cls(
            host=host,
            port=port,
            subset=subset,
        )

        return destination_json
