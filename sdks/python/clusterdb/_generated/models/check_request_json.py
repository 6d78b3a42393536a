from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.check_request_json_headers import CheckRequestJsonHeaders
    from ..models.check_request_json_labels import CheckRequestJsonLabels


T = TypeVar("T", bound="CheckRequestJson")


@_attrs_define
class CheckRequestJson:
    """`POST /mesh/security-policies:check`: a request to authorize.

    Attributes:
        headers (CheckRequestJsonHeaders | Unset): Headers.
        host (str | Unset): The host called.
        ip (None | str | Unset): The caller's address.
        labels (CheckRequestJsonLabels | Unset): The workload's labels, for policy selectors.
        method (str | Unset): The method.
        namespace (None | str | Unset): The workload's namespace, whose policies apply (default
            `default`).
        path (None | str | Unset): The path (default `/`).
        port (int | None | Unset): The port called.
        principal (str | Unset): The caller's principal, e.g. `cluster.local/ns/web/sa/frontend`.
        source_namespace (None | str | Unset): The caller's namespace (default: from a `…/ns/<namespace>/…`
            principal).
    """

    headers: CheckRequestJsonHeaders | Unset = UNSET
    host: str | Unset = UNSET
    ip: None | str | Unset = UNSET
    labels: CheckRequestJsonLabels | Unset = UNSET
    method: str | Unset = UNSET
    namespace: None | str | Unset = UNSET
    path: None | str | Unset = UNSET
    port: int | None | Unset = UNSET
    principal: str | Unset = UNSET
    source_namespace: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        host = self.host

        ip: None | str | Unset
        if isinstance(self.ip, Unset):
            ip = UNSET
        else:
            ip = self.ip

        labels: dict[str, Any] | Unset = UNSET
        if not isinstance(self.labels, Unset):
            labels = self.labels.to_dict()

        method = self.method

        namespace: None | str | Unset
        if isinstance(self.namespace, Unset):
            namespace = UNSET
        else:
            namespace = self.namespace

        path: None | str | Unset
        if isinstance(self.path, Unset):
            path = UNSET
        else:
            path = self.path

        port: int | None | Unset
        if isinstance(self.port, Unset):
            port = UNSET
        else:
            port = self.port

        principal = self.principal

        source_namespace: None | str | Unset
        if isinstance(self.source_namespace, Unset):
            source_namespace = UNSET
        else:
            source_namespace = self.source_namespace

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if headers is not UNSET:
            field_dict["headers"] = headers
        if host is not UNSET:
            field_dict["host"] = host
        if ip is not UNSET:
            field_dict["ip"] = ip
        if labels is not UNSET:
            field_dict["labels"] = labels
        if method is not UNSET:
            field_dict["method"] = method
        if namespace is not UNSET:
            field_dict["namespace"] = namespace
        if path is not UNSET:
            field_dict["path"] = path
        if port is not UNSET:
            field_dict["port"] = port
        if principal is not UNSET:
            field_dict["principal"] = principal
        if source_namespace is not UNSET:
            field_dict["source_namespace"] = source_namespace

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.check_request_json_headers import CheckRequestJsonHeaders
        from ..models.check_request_json_labels import CheckRequestJsonLabels

        d = dict(src_dict)
        _headers = d.pop("headers", UNSET)
        headers: CheckRequestJsonHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = CheckRequestJsonHeaders.from_dict(_headers)

        host = d.pop("host", UNSET)

        def _parse_ip(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ip = _parse_ip(d.pop("ip", UNSET))

        _labels = d.pop("labels", UNSET)
        labels: CheckRequestJsonLabels | Unset
        if isinstance(_labels, Unset):
            labels = UNSET
        else:
            labels = CheckRequestJsonLabels.from_dict(_labels)

        method = d.pop("method", UNSET)

        def _parse_namespace(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        namespace = _parse_namespace(d.pop("namespace", UNSET))

        def _parse_path(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        path = _parse_path(d.pop("path", UNSET))

        def _parse_port(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        port = _parse_port(d.pop("port", UNSET))

        principal = d.pop("principal", UNSET)

        def _parse_source_namespace(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source_namespace = _parse_source_namespace(d.pop("source_namespace", UNSET))

        check_request_json = cls(
            headers=headers,
            host=host,
            ip=ip,
            labels=labels,
            method=method,
            namespace=namespace,
            path=path,
            port=port,
            principal=principal,
            source_namespace=source_namespace,
        )

        return check_request_json
