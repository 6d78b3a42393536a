from typing import Literal

FleetInputInstanceType = Literal[
    "c5.large",
    "c5.xlarge",
    "m5.2xlarge",
    "m5.large",
    "m5.xlarge",
    "r5.large",
    "r5.xlarge",
    "t3.large",
    "t3.medium",
    "t3.micro",
    "t3.nano",
    "t3.small",
    "t3.xlarge",
]

FLEET_INPUT_INSTANCE_TYPE_VALUES: set[FleetInputInstanceType] = {
    "c5.large",
    "c5.xlarge",
    "m5.2xlarge",
    "m5.large",
    "m5.xlarge",
    "r5.large",
    "r5.xlarge",
    "t3.large",
    "t3.medium",
    "t3.micro",
    "t3.nano",
    "t3.small",
    "t3.xlarge",
}


def check_fleet_input_instance_type(value: str) -> FleetInputInstanceType:
    if value in FLEET_INPUT_INSTANCE_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {FLEET_INPUT_INSTANCE_TYPE_VALUES!r}")
