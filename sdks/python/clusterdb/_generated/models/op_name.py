from typing import Literal

OpName = Literal["!=", "<", "<=", "==", ">", ">="]

OP_NAME_VALUES: set[OpName] = {
    "!=",
    "<",
    "<=",
    "==",
    ">",
    ">=",
}


def check_op_name(value: str) -> OpName:
    if value in OP_NAME_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {OP_NAME_VALUES!r}")
