from typing import Literal

OAuthClientInputScopesItem = Literal[
    "compute:read",
    "compute:write",
    "identity:admin",
    "identity:read",
    "identity:write",
    "mesh:read",
    "mesh:write",
    "metrics:read",
    "metrics:write",
    "monitoring:read",
    "monitoring:write",
    "webhooks:read",
    "webhooks:write",
]

O_AUTH_CLIENT_INPUT_SCOPES_ITEM_VALUES: set[OAuthClientInputScopesItem] = {
    "compute:read",
    "compute:write",
    "identity:admin",
    "identity:read",
    "identity:write",
    "mesh:read",
    "mesh:write",
    "metrics:read",
    "metrics:write",
    "monitoring:read",
    "monitoring:write",
    "webhooks:read",
    "webhooks:write",
}


def check_o_auth_client_input_scopes_item(value: str) -> OAuthClientInputScopesItem:
    if value in O_AUTH_CLIENT_INPUT_SCOPES_ITEM_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {O_AUTH_CLIENT_INPUT_SCOPES_ITEM_VALUES!r}")
