from typing import Literal

SeverityName = Literal["critical", "info", "warning"]

SEVERITY_NAME_VALUES: set[SeverityName] = {
    "critical",
    "info",
    "warning",
}


def check_severity_name(value: str) -> SeverityName:
    if value in SEVERITY_NAME_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SEVERITY_NAME_VALUES!r}")
