"""One generic resource over the generated operations of a kind: create,
get, list (auto-paginating), replace and delete, with typed errors,
optimistic concurrency and idempotency keys."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, Protocol, TypeVar

import httpx

from ._generated.types import UNSET


class Session(Protocol):
    """What the resources call through (a `ClusterDB`): the generated
    client and the HTTP client under it."""

    api: Any
    http: httpx.Client


Output = TypeVar("Output")


def version_of(if_match: Any) -> str | None:
    """The `If-Match` value for an object read earlier, its version, or an
    ETag as the server sent it."""
    if if_match is None:
        return None
    if isinstance(if_match, str):
        return if_match if if_match.startswith('"') else f'"{if_match}"'
    if isinstance(if_match, int):
        return f'"{if_match}"'
    version = getattr(if_match, "resource_version", None)
    if isinstance(version, int):
        return f'"{version}"'
    raise TypeError("if_match takes an object read earlier, its resource_version or an ETag")


def tag_filters(tags: Mapping[str, str] | list[str] | None) -> list[str] | None:
    """`tag=key:value` filters from a mapping (or the strings themselves)."""
    if tags is None:
        return None
    if isinstance(tags, Mapping):
        return [f"{key}:{value}" for key, value in tags.items()]
    return list(tags)


def paginate(fetch: Callable[[str | None], Any], items: str) -> Iterator[Any]:
    """The items of every page `fetch(page_token)` answers, following
    `next_page_token` until there is none."""
    token = None
    while True:
        page = fetch(token)
        yield from getattr(page, items)
        token = page.next_page_token
        if not isinstance(token, str) or not token:
            return


class Operations:
    """Calls the generated operations of one family (`fleets`, `mesh`...)."""

    def __init__(self, db: Session, family: str) -> None:
        self._db = db
        self._family = family

    def call(self, operation: str, *args: Any, **kwargs: Any) -> Any:
        """Runs `operation` and answers its parsed result; an error answer
        raises (the client's response hook). A parameter given as None is
        left out; a body given as None is sent as JSON `null`."""
        module = importlib.import_module(f"clusterdb._generated.api.{self._family}.{operation}")
        arguments = {
            key: (UNSET if value is None and key != "body" else value) for key, value in kwargs.items()
        }
        response = module.sync_detailed(*args, client=self._db.api, **arguments)
        return response.parsed


def model(cls: type, body: Any) -> Any:
    """A generated model from itself or from a plain mapping."""
    if isinstance(body, cls):
        return body
    if isinstance(body, Mapping):
        return cls.from_dict(dict(body))
    raise TypeError(f"expected {cls.__name__} or a mapping, got {type(body).__name__}")


class Resource(Generic[Output]):
    """A kind's CRUD: `singular` names its operations (`create_fleet`),
    `plural` its list (`list_fleets`) and `items` the list's field."""

    family: str
    singular: str
    plural: str
    items: str
    input_model: type

    def __init__(self, db: Session) -> None:
        self._db = db
        self._ops = Operations(db, self.family)

    def create(self, body: Any, *, idempotency_key: str | None = None) -> Output:
        """Creates one (a retry with the same key gets the first answer)."""
        return self._ops.call(
            f"create_{self.singular}",
            body=model(self.input_model, body),
            idempotency_key=idempotency_key,
        )

    def get(self, id: str, *, min_revision: int | None = None, stale: bool | None = None) -> Output:
        """Reads one by id: consistent by default; `min_revision` (e.g. a
        write's `resource_version`) reads a state at least that new, on any
        server; `stale=True` whatever this server has, without waiting."""
        return self._ops.call(f"get_{self.singular}", id, min_revision=min_revision, stale=stale)

    def replace(self, id: str, body: Any, *, if_match: Any = None) -> Output:
        """Replaces one; with `if_match` (an object read earlier, or its
        version) only if it is still at that version, else
        `PreconditionFailedError`."""
        return self._ops.call(
            f"replace_{self.singular}",
            id,
            body=model(self.input_model, body),
            if_match=version_of(if_match),
        )

    def delete(self, id: str, *, if_match: Any = None) -> Any:
        """Deletes one (optionally only at a version, as `replace`)."""
        return self._ops.call(f"delete_{self.singular}", id, if_match=version_of(if_match))

    def list_page(
        self, *, page_size: int | None = None, page_token: str | None = None, **filters: Any
    ) -> Any:
        """One page: its items are in the `items` field, the next page's
        token in `next_page_token`."""
        if "tag" in filters:
            filters["tag"] = tag_filters(filters["tag"])
        return self._ops.call(f"list_{self.plural}", page_size=page_size, page_token=page_token, **filters)

    def list(self, *, page_size: int | None = None, **filters: Any) -> Iterator[Output]:
        """Every item, fetching pages as the iteration reaches them (one
        store revision across the pages). Filters: `tag={"k": "v"}`,
        `name=`, and the kind's own (`fleet_id=`, `namespace=`); read
        options as `get`'s (`min_revision=`, `stale=`)."""
        return paginate(
            lambda token: self.list_page(page_size=page_size, page_token=token, **filters), self.items
        )
