from typing import Literal

InstanceInputInstanceType = Literal[
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

INSTANCE_INPUT_INSTANCE_TYPE_VALUES: set[InstanceInputInstanceType] = {
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


def check_instance_input_instance_type(value: str) -> InstanceInputInstanceType:
    if value in INSTANCE_INPUT_INSTANCE_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {INSTANCE_INPUT_INSTANCE_TYPE_VALUES!r}")
