from typing import Literal

UserStatusName = Literal["active", "disabled"]

USER_STATUS_NAME_VALUES: set[UserStatusName] = {
    "active",
    "disabled",
}


def check_user_status_name(value: str) -> UserStatusName:
    if value in USER_STATUS_NAME_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {USER_STATUS_NAME_VALUES!r}")
