#!/usr/bin/env python3
"""Writes types_gen.go: a Go type for every schema of sdks/openapi.json.

Objects become structs (optional scalars as pointers, so that a zero value
can still be sent), maps `map[string]T`, string enums a named string type
with constants, nullable values pointers, and unions json.RawMessage.
Usage: gen_types.py OPENAPI.json > types_gen.go (then gofmt).
"""
import json
import re
import sys

SYMBOLS = {">=": "Ge", "<=": "Le", "==": "Eq", "!=": "Ne", ">": "Gt", "<": "Lt", "*": "Any"}
INITIALISMS = {"id", "url", "ip", "api", "http", "json", "ttl", "uri", "cpu", "mb", "ms", "rpc", "tls", "dns"}
REF = "#/components/schemas/"


def go_name(name: str) -> str:
    if name in SYMBOLS:
        return SYMBOLS[name]
    parts = re.split(r"[_\-\s.]+", name)
    words = []
    for part in parts:
        if not part:
            continue
        pieces = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+|[A-Z]+", part) or [part]
        for piece in pieces:
            lower = piece.lower()
            words.append(lower.upper() if lower in INITIALISMS else piece[0].upper() + piece[1:])
    name = "".join(words)
    return name if name and not name[0].isdigit() else "X" + name


def nullable_parts(schema: dict):
    """The non-null alternative of a `[X, null]` union, if it is one."""
    for key in ("oneOf", "anyOf"):
        options = schema.get(key)
        if isinstance(options, list) and len(options) == 2:
            rest = [o for o in options if o.get("type") != "null"]
            if len(rest) == 1:
                return rest[0]
    types = schema.get("type")
    if isinstance(types, list) and "null" in types and len(types) == 2:
        other = dict(schema)
        other["type"] = next(t for t in types if t != "null")
        return other
    return None


def go_type(schema: dict) -> tuple[str, bool]:
    """The Go type of `schema`, and whether it may be null (a pointer)."""
    if "$ref" in schema:
        return go_name(schema["$ref"].removeprefix(REF)), False
    inner = nullable_parts(schema)
    if inner is not None:
        return go_type(inner)[0], True
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return go_type(schema["allOf"][0])
    options = schema.get("oneOf") or schema.get("anyOf")
    if options:
        # Alternatives of one Go type (an IPv4 or an IPv6 address) are it.
        kinds = {go_type(o) for o in options if o.get("type") != "null"}
        if len(kinds) == 1:
            kind, _ = kinds.pop()
            return kind, len(options) > len([o for o in options if o.get("type") != "null"])
        return "json.RawMessage", False
    kind = schema.get("type")
    if kind == "string":
        return "string", False
    if kind == "integer":
        return "int64", False
    if kind == "number":
        return "float64", False
    if kind == "boolean":
        return "bool", False
    if kind == "array":
        return "[]" + go_type(schema.get("items", {}))[0], False
    if kind == "object" and "properties" not in schema:
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            return "map[string]" + go_type(extra)[0], False
        return "map[string]json.RawMessage", False
    return "json.RawMessage", False


def comment(text: str | None, indent: str) -> list[str]:
    if not text:
        return []
    return [f"{indent}// {line}".rstrip() for line in text.strip().splitlines()]


def field(name: str, schema: dict, required: bool, pointer: bool = False) -> list[str]:
    kind, nullable = go_type(schema)
    nullable = nullable or pointer
    scalar = kind in ("string", "int64", "float64", "bool") or (
        kind[0].isupper() and kind != "json.RawMessage"
    )
    pointer = nullable or (not required and scalar and kind != "string")
    if pointer and not kind.startswith(("[]", "map[")) and kind != "json.RawMessage":
        kind = "*" + kind
    omit = "" if required and not nullable else ",omitempty"
    lines = comment(schema.get("description"), "\t")
    lines.append(f'\t{go_name(name)} {kind} `json:"{name}{omit}"`')
    return lines


def declaration(name: str, schema: dict) -> list[str]:
    go = go_name(name)
    lines = comment(schema.get("description") or f"{go} is the API's {name}.", "")
    if schema.get("type") == "string" and "enum" in schema:
        lines.append(f"type {go} string")
        lines.append("")
        lines.append("const (")
        for value in schema["enum"]:
            text = str(value)
            constant = go_name(text.lower() if text.isupper() else text)
            lines.append(f'\t{go}{constant} {go} = "{value}"')
        lines.append(")")
        return lines
    if schema.get("type") == "object" and "properties" in schema:
        required = set(schema.get("required", []))
        lines.append(f"type {go} struct {{")
        for prop, prop_schema in schema["properties"].items():
            lines += field(prop, prop_schema, prop in required)
        lines.append("}")
        return lines
    parts = schema.get("allOf", [])
    if parts and all("$ref" in p or "properties" in p for p in parts):
        # The referenced schemas embedded (their fields promoted), then
        # the schema's own.
        lines.append(f"type {go} struct {{")
        for part in parts:
            if "$ref" in part:
                lines.append(f"\t{go_name(part['$ref'].removeprefix(REF))}")
        for part in parts:
            required = set(part.get("required", []))
            for prop, prop_schema in part.get("properties", {}).items():
                lines += field(prop, prop_schema, prop in required)
        lines.append("}")
        return lines
    variants = schema.get("oneOf", [])
    if variants and all(v.get("type") == "object" and "properties" in v for v in variants):
        # One of several shapes (a serde enum): every field, optional.
        lines.append(f"type {go} struct {{")
        for variant in variants:
            for prop, prop_schema in variant["properties"].items():
                lines += field(prop, prop_schema, False, pointer=True)
        lines.append("}")
        return lines
    kind, nullable = go_type(schema)
    lines.append(f"type {go} = {'*' if nullable else ''}{kind}")
    return lines


def main() -> None:
    document = json.load(open(sys.argv[1]))
    out = [
        "// Code generated by gen_types.py from sdks/openapi.json; DO NOT EDIT.",
        "",
        "package clusterdb",
        "",
        'import "encoding/json"',
        "",
        "var _ json.RawMessage",
        "",
    ]
    for name, schema in sorted(document["components"]["schemas"].items()):
        out += declaration(name, schema)
        out.append("")
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
