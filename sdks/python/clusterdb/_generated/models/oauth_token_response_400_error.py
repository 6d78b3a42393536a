from typing import Literal

OauthTokenResponse400Error = Literal[
    "invalid_client", "invalid_request", "invalid_scope", "unsupported_grant_type"
]

OAUTH_TOKEN_RESPONSE_400_ERROR_VALUES: set[OauthTokenResponse400Error] = {
    "invalid_client",
    "invalid_request",
    "invalid_scope",
    "unsupported_grant_type",
}


def check_oauth_token_response_400_error(value: str) -> OauthTokenResponse400Error:
    if value in OAUTH_TOKEN_RESPONSE_400_ERROR_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {OAUTH_TOKEN_RESPONSE_400_ERROR_VALUES!r}")
