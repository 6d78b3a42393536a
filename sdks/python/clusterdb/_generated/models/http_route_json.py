from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.fault_json import FaultJson
    from ..models.http_match_json import HttpMatchJson
    from ..models.redirect_json import RedirectJson
    from ..models.retries_json import RetriesJson
    from ..models.rewrite_json import RewriteJson
    from ..models.route_destination_json import RouteDestinationJson


T = TypeVar("T", bound="HttpRouteJson")


@_attrs_define
class HttpRouteJson:
    """One HTTP routing rule (Istio's `HTTPRoute`).

    Attributes:
        fault (FaultJson | None | Unset):
        match (list[HttpMatchJson] | Unset): Any of these conditions matches; none matches everything.
        name (str | Unset): A name for logs.
        redirect (None | RedirectJson | Unset):
        retries (None | RetriesJson | Unset):
        rewrite (None | RewriteJson | Unset):
        route (list[RouteDestinationJson] | Unset): Weighted destinations (or a redirect instead).
        timeout (None | str | Unset): Request time limit, e.g. `5s`, `250ms`.
    """

    fault: FaultJson | None | Unset = UNSET
    match: list[HttpMatchJson] | Unset = UNSET
    name: str | Unset = UNSET
    redirect: None | RedirectJson | Unset = UNSET
    retries: None | RetriesJson | Unset = UNSET
    rewrite: None | RewriteJson | Unset = UNSET
    route: list[RouteDestinationJson] | Unset = UNSET
    timeout: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.fault_json import FaultJson
        from ..models.redirect_json import RedirectJson
        from ..models.retries_json import RetriesJson
        from ..models.rewrite_json import RewriteJson

        fault: dict[str, Any] | None | Unset
        if isinstance(self.fault, Unset):
            fault = UNSET
        elif isinstance(self.fault, FaultJson):
            fault = self.fault.to_dict()
        else:
            fault = self.fault

        match: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.match, Unset):
            match = []
            for match_item_data in self.match:
                match_item = match_item_data.to_dict()
                match.append(match_item)

        name = self.name

        redirect: dict[str, Any] | None | Unset
        if isinstance(self.redirect, Unset):
            redirect = UNSET
        elif isinstance(self.redirect, RedirectJson):
            redirect = self.redirect.to_dict()
        else:
            redirect = self.redirect

        retries: dict[str, Any] | None | Unset
        if isinstance(self.retries, Unset):
            retries = UNSET
        elif isinstance(self.retries, RetriesJson):
            retries = self.retries.to_dict()
        else:
            retries = self.retries

        rewrite: dict[str, Any] | None | Unset
        if isinstance(self.rewrite, Unset):
            rewrite = UNSET
        elif isinstance(self.rewrite, RewriteJson):
            rewrite = self.rewrite.to_dict()
        else:
            rewrite = self.rewrite

        route: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.route, Unset):
            route = []
            for route_item_data in self.route:
                route_item = route_item_data.to_dict()
                route.append(route_item)

        timeout: None | str | Unset
        if isinstance(self.timeout, Unset):
            timeout = UNSET
        else:
            timeout = self.timeout

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if fault is not UNSET:
            field_dict["fault"] = fault
        if match is not UNSET:
            field_dict["match"] = match
        if name is not UNSET:
            field_dict["name"] = name
        if redirect is not UNSET:
            field_dict["redirect"] = redirect
        if retries is not UNSET:
            field_dict["retries"] = retries
        if rewrite is not UNSET:
            field_dict["rewrite"] = rewrite
        if route is not UNSET:
            field_dict["route"] = route
        if timeout is not UNSET:
            field_dict["timeout"] = timeout

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.fault_json import FaultJson
        from ..models.http_match_json import HttpMatchJson
        from ..models.redirect_json import RedirectJson
        from ..models.retries_json import RetriesJson
        from ..models.rewrite_json import RewriteJson
        from ..models.route_destination_json import RouteDestinationJson

        d = dict(src_dict)

        def _parse_fault(data: object) -> FaultJson | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                fault_type_1 = FaultJson.from_dict(data)

                return fault_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(FaultJson | None | Unset, data)

        fault = _parse_fault(d.pop("fault", UNSET))

        _match = d.pop("match", UNSET)
        match: list[HttpMatchJson] | Unset = UNSET
        if _match is not UNSET:
            match = []
            for match_item_data in _match:
                match_item = HttpMatchJson.from_dict(match_item_data)

                match.append(match_item)

        name = d.pop("name", UNSET)

        def _parse_redirect(data: object) -> None | RedirectJson | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                redirect_type_1 = RedirectJson.from_dict(data)

                return redirect_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RedirectJson | Unset, data)

        redirect = _parse_redirect(d.pop("redirect", UNSET))

        def _parse_retries(data: object) -> None | RetriesJson | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                retries_type_1 = RetriesJson.from_dict(data)

                return retries_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RetriesJson | Unset, data)

        retries = _parse_retries(d.pop("retries", UNSET))

        def _parse_rewrite(data: object) -> None | RewriteJson | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                rewrite_type_1 = RewriteJson.from_dict(data)

                return rewrite_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RewriteJson | Unset, data)

        rewrite = _parse_rewrite(d.pop("rewrite", UNSET))

        _route = d.pop("route", UNSET)
        route: list[RouteDestinationJson] | Unset = UNSET
        if _route is not UNSET:
            route = []
            for route_item_data in _route:
                route_item = RouteDestinationJson.from_dict(route_item_data)

                route.append(route_item)

        def _parse_timeout(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        timeout = _parse_timeout(d.pop("timeout", UNSET))

        http_route_json = cls(
            fault=fault,
            match=match,
            name=name,
            redirect=redirect,
            retries=retries,
            rewrite=rewrite,
            route=route,
            timeout=timeout,
        )

        return http_route_json
