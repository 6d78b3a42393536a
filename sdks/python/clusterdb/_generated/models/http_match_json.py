from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.http_match_json_headers import HttpMatchJsonHeaders
    from ..models.http_match_json_query_params import HttpMatchJsonQueryParams
    from ..models.string_match_json_type_0 import StringMatchJsonType0
    from ..models.string_match_json_type_1 import StringMatchJsonType1
    from ..models.string_match_json_type_2 import StringMatchJsonType2


T = TypeVar("T", bound="HttpMatchJson")


@_attrs_define
class HttpMatchJson:
    """Match conditions, all of which must hold (Istio's `HTTPMatchRequest`).

    Attributes:
        authority (None | StringMatchJsonType0 | StringMatchJsonType1 | StringMatchJsonType2 | Unset):
        headers (HttpMatchJsonHeaders | Unset): Headers by lowercase name.
        method (None | StringMatchJsonType0 | StringMatchJsonType1 | StringMatchJsonType2 | Unset):
        name (str | Unset): A name for logs.
        port (int | None | Unset): The port the request came to.
        query_params (HttpMatchJsonQueryParams | Unset): Query parameters by name.
        uri (None | StringMatchJsonType0 | StringMatchJsonType1 | StringMatchJsonType2 | Unset):
    """

    authority: None | StringMatchJsonType0 | StringMatchJsonType1 | StringMatchJsonType2 | Unset = UNSET
    headers: HttpMatchJsonHeaders | Unset = UNSET
    method: None | StringMatchJsonType0 | StringMatchJsonType1 | StringMatchJsonType2 | Unset = UNSET
    name: str | Unset = UNSET
    port: int | None | Unset = UNSET
    query_params: HttpMatchJsonQueryParams | Unset = UNSET
    uri: None | StringMatchJsonType0 | StringMatchJsonType1 | StringMatchJsonType2 | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.string_match_json_type_0 import StringMatchJsonType0
        from ..models.string_match_json_type_1 import StringMatchJsonType1
        from ..models.string_match_json_type_2 import StringMatchJsonType2

        authority: dict[str, Any] | None | Unset
        if isinstance(self.authority, Unset):
            authority = UNSET
        elif (
            isinstance(self.authority, StringMatchJsonType0)
            or isinstance(self.authority, StringMatchJsonType1)
            or isinstance(self.authority, StringMatchJsonType2)
        ):
            authority = self.authority.to_dict()
        else:
            authority = self.authority

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        method: dict[str, Any] | None | Unset
        if isinstance(self.method, Unset):
            method = UNSET
        elif (
            isinstance(self.method, StringMatchJsonType0)
            or isinstance(self.method, StringMatchJsonType1)
            or isinstance(self.method, StringMatchJsonType2)
        ):
            method = self.method.to_dict()
        else:
            method = self.method

        name = self.name

        port: int | None | Unset
        if isinstance(self.port, Unset):
            port = UNSET
        else:
            port = self.port

        query_params: dict[str, Any] | Unset = UNSET
        if not isinstance(self.query_params, Unset):
            query_params = self.query_params.to_dict()

        uri: dict[str, Any] | None | Unset
        if isinstance(self.uri, Unset):
            uri = UNSET
        elif (
            isinstance(self.uri, StringMatchJsonType0)
            or isinstance(self.uri, StringMatchJsonType1)
            or isinstance(self.uri, StringMatchJsonType2)
        ):
            uri = self.uri.to_dict()
        else:
            uri = self.uri

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if authority is not UNSET:
            field_dict["authority"] = authority
        if headers is not UNSET:
            field_dict["headers"] = headers
        if method is not UNSET:
            field_dict["method"] = method
        if name is not UNSET:
            field_dict["name"] = name
        if port is not UNSET:
            field_dict["port"] = port
        if query_params is not UNSET:
            field_dict["query_params"] = query_params
        if uri is not UNSET:
            field_dict["uri"] = uri

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.http_match_json_headers import HttpMatchJsonHeaders
        from ..models.http_match_json_query_params import HttpMatchJsonQueryParams
        from ..models.string_match_json_type_0 import StringMatchJsonType0
        from ..models.string_match_json_type_1 import StringMatchJsonType1
        from ..models.string_match_json_type_2 import StringMatchJsonType2

        d = dict(src_dict)

        def _parse_authority(
            data: object,
        ) -> None | StringMatchJsonType0 | StringMatchJsonType1 | StringMatchJsonType2 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_string_match_json_type_0 = StringMatchJsonType0.from_dict(data)

                return componentsschemas_string_match_json_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_string_match_json_type_1 = StringMatchJsonType1.from_dict(data)

                return componentsschemas_string_match_json_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_string_match_json_type_2 = StringMatchJsonType2.from_dict(data)

                return componentsschemas_string_match_json_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None | StringMatchJsonType0 | StringMatchJsonType1 | StringMatchJsonType2 | Unset, data
            )

        authority = _parse_authority(d.pop("authority", UNSET))

        _headers = d.pop("headers", UNSET)
        headers: HttpMatchJsonHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = HttpMatchJsonHeaders.from_dict(_headers)

        def _parse_method(
            data: object,
        ) -> None | StringMatchJsonType0 | StringMatchJsonType1 | StringMatchJsonType2 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_string_match_json_type_0 = StringMatchJsonType0.from_dict(data)

                return componentsschemas_string_match_json_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_string_match_json_type_1 = StringMatchJsonType1.from_dict(data)

                return componentsschemas_string_match_json_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_string_match_json_type_2 = StringMatchJsonType2.from_dict(data)

                return componentsschemas_string_match_json_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None | StringMatchJsonType0 | StringMatchJsonType1 | StringMatchJsonType2 | Unset, data
            )

        method = _parse_method(d.pop("method", UNSET))

        name = d.pop("name", UNSET)

        def _parse_port(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        port = _parse_port(d.pop("port", UNSET))

        _query_params = d.pop("query_params", UNSET)
        query_params: HttpMatchJsonQueryParams | Unset
        if isinstance(_query_params, Unset):
            query_params = UNSET
        else:
            query_params = HttpMatchJsonQueryParams.from_dict(_query_params)

        def _parse_uri(
            data: object,
        ) -> None | StringMatchJsonType0 | StringMatchJsonType1 | StringMatchJsonType2 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_string_match_json_type_0 = StringMatchJsonType0.from_dict(data)

                return componentsschemas_string_match_json_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_string_match_json_type_1 = StringMatchJsonType1.from_dict(data)

                return componentsschemas_string_match_json_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_string_match_json_type_2 = StringMatchJsonType2.from_dict(data)

                return componentsschemas_string_match_json_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None | StringMatchJsonType0 | StringMatchJsonType1 | StringMatchJsonType2 | Unset, data
            )

        uri = _parse_uri(d.pop("uri", UNSET))

        http_match_json = cls(
            authority=authority,
            headers=headers,
            method=method,
            name=name,
            port=port,
            query_params=query_params,
            uri=uri,
        )

        return http_match_json
