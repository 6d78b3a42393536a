from typing import Literal

PolicyActionName = Literal["ALLOW", "AUDIT", "DENY"]

POLICY_ACTION_NAME_VALUES: set[PolicyActionName] = {
    "ALLOW",
    "AUDIT",
    "DENY",
}


def check_policy_action_name(value: str) -> PolicyActionName:
    if value in POLICY_ACTION_NAME_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {POLICY_ACTION_NAME_VALUES!r}")
