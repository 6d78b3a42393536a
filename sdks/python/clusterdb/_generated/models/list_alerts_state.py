from typing import Literal

ListAlertsState = Literal["firing", "pending", "resolved"]

LIST_ALERTS_STATE_VALUES: set[ListAlertsState] = {
    "firing",
    "pending",
    "resolved",
}


def check_list_alerts_state(value: str) -> ListAlertsState:
    if value in LIST_ALERTS_STATE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LIST_ALERTS_STATE_VALUES!r}")
