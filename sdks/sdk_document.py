#!/usr/bin/env python3
"""The SDKs' OpenAPI document: the server's, cut to the stable API.

Reads the served document on stdin and writes, on stdout, the `/v1` paths
plus the OAuth token endpoint, with operation ids without their version
prefix (`createFleet`, not `v1_createFleet`) and one tag per resource
family (`fleets`, `mesh`, ...), which the generators turn into modules.
"""
import json
import sys

# Path prefixes (after /v1/) and the tag of their family.
FAMILIES = {
    "fleets": "fleets",
    "instances": "instances",
    "functions": "functions",
    "mesh": "mesh",
    "users": "users",
    "groups": "groups",
    "oauth-clients": "oauth_clients",
    "webhooks": "webhooks",
    "monitoring": "monitoring",
    "events": "events",
    "admin": "admin",
    "auth": "auth",
    "server": "meta",
    "openapi.json": "meta",
}


def family(path: str) -> str:
    if path == "/oauth/token":
        return "oauth"
    first = path.removeprefix("/v1/").split("/")[0].split(":")[0]
    return FAMILIES[first]


def refs(value) -> set:
    """The schema names `value` refers to."""
    found = set()
    if isinstance(value, dict):
        ref = value.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for item in value.values():
            found |= refs(item)
    elif isinstance(value, list):
        for item in value:
            found |= refs(item)
    return found


def reachable(document) -> dict:
    """The schemas the kept paths use, directly or through other schemas."""
    schemas = document["components"]["schemas"]
    todo, kept = refs(document["paths"]), set()
    while todo:
        name = todo.pop()
        if name not in kept:
            kept.add(name)
            todo |= refs(schemas[name]) - kept
    return {name: schema for name, schema in schemas.items() if name in kept}


def main() -> None:
    document = json.load(sys.stdin)
    paths = {}
    for path, item in document["paths"].items():
        if not (path.startswith("/v1/") or path == "/oauth/token"):
            continue
        for method, operation in item.items():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            operation["operationId"] = operation["operationId"].removeprefix("v1_")
            operation["tags"] = [family(path)]
        paths[path] = item
    document["paths"] = paths
    document["components"]["schemas"] = reachable(document)
    document["tags"] = [{"name": name} for name in sorted({family(p) for p in paths})]
    document["info"]["description"] = "The stable API (/v1) of ClusterDB."
    json.dump(document, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
