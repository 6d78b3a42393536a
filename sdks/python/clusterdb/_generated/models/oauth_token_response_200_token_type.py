from typing import Literal

OauthTokenResponse200TokenType = Literal["Bearer"]

OAUTH_TOKEN_RESPONSE_200_TOKEN_TYPE_VALUES: set[OauthTokenResponse200TokenType] = {
    "Bearer",
}


def check_oauth_token_response_200_token_type(value: str) -> OauthTokenResponse200TokenType:
    if value in OAUTH_TOKEN_RESPONSE_200_TOKEN_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {OAUTH_TOKEN_RESPONSE_200_TOKEN_TYPE_VALUES!r}"
    )
