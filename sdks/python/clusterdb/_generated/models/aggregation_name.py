from typing import Literal

AggregationName = Literal["avg", "last", "max", "min", "p99", "rate", "sum"]

AGGREGATION_NAME_VALUES: set[AggregationName] = {
    "avg",
    "last",
    "max",
    "min",
    "p99",
    "rate",
    "sum",
}


def check_aggregation_name(value: str) -> AggregationName:
    if value in AGGREGATION_NAME_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {AGGREGATION_NAME_VALUES!r}")
