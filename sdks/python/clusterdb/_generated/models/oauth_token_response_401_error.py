from typing import Literal

OauthTokenResponse401Error = Literal[
    "invalid_client", "invalid_request", "invalid_scope", "unsupported_grant_type"
]

OAUTH_TOKEN_RESPONSE_401_ERROR_VALUES: set[OauthTokenResponse401Error] = {
    "invalid_client",
    "invalid_request",
    "invalid_scope",
    "unsupported_grant_type",
}


def check_oauth_token_response_401_error(value: str) -> OauthTokenResponse401Error:
    if value in OAUTH_TOKEN_RESPONSE_401_ERROR_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {OAUTH_TOKEN_RESPONSE_401_ERROR_VALUES!r}")
