from typing import Literal

FunctionInputRuntime = Literal["wasm"]

FUNCTION_INPUT_RUNTIME_VALUES: set[FunctionInputRuntime] = {
    "wasm",
}


def check_function_input_runtime(value: str) -> FunctionInputRuntime:
    if value in FUNCTION_INPUT_RUNTIME_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {FUNCTION_INPUT_RUNTIME_VALUES!r}")
