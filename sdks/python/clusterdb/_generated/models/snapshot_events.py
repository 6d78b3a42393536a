from typing import Literal

SnapshotEvents = Literal["all", "none"]

SNAPSHOT_EVENTS_VALUES: set[SnapshotEvents] = {
    "all",
    "none",
}


def check_snapshot_events(value: str) -> SnapshotEvents:
    if value in SNAPSHOT_EVENTS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SNAPSHOT_EVENTS_VALUES!r}")
