"""Every field a caller may send has a limit the OpenAPI document states (issue 7, point 8).

Walks every operation's parameters and JSON body in /api/v1/openapi.json: strings need a
maxLength (or an enum, a pattern or a date format), lists a maxItems, numbers a maximum (decimals,
sent as strings, state theirs as x-maximum). A new field without one fails here, before an office
finds out what a 10 MB purpose or a 2**63 quantity does.
"""
from __future__ import annotations


BOUNDED_STRING_FORMATS = ("date", "date-time", "email")


def _unbounded(spec: dict) -> tuple[int, list[str]]:
    schemas = spec["components"]["schemas"]
    checked, missing = 0, []

    def resolve(s):
        while "$ref" in s:
            s = schemas[s["$ref"].rsplit("/", 1)[1]]
        return s

    def walk(s, where):
        nonlocal checked
        s = resolve(s)
        for part in s.get("allOf", []) + s.get("oneOf", []) + s.get("anyOf", []):
            walk(part, where)
        kind = s.get("type")
        if kind == "object" or "properties" in s:
            for name, sub in s.get("properties", {}).items():
                if not sub.get("readOnly"):  # answers only: a caller cannot send it
                    walk(sub, f"{where}.{name}")
            return
        checked += 1
        if kind == "string" and not ({"maxLength", "enum", "pattern"} & set(s)
                                     or s.get("format") in BOUNDED_STRING_FORMATS):
            missing.append(f"{where}: string without maxLength")
        elif kind == "array":
            if "maxItems" not in s:
                missing.append(f"{where}: list without maxItems")
            walk(s.get("items", {}), f"{where}[]")
        elif kind in ("integer", "number") and not {"maximum", "x-maximum"} & set(s):
            missing.append(f"{where}: {kind} without maximum")

    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            for param in op.get("parameters", []):
                walk(param.get("schema", {}), f"{method.upper()} {path} ?{param['name']}")
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body:
                walk(body, f"{method.upper()} {path} body")
    return checked, missing


def test_every_field_a_caller_may_send_has_a_stated_limit(client, app, record):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    checked, missing = _unbounded(spec)
    record("8", "fields a caller may send, with a stated limit",
           f"{checked - len(missing)} of {checked} (strings, lists, numbers in every operation's parameters and body)")
    assert checked > 200 and missing == [], "\n".join(missing)


def test_the_walk_finds_an_unbounded_field():
    spec = {"components": {"schemas": {"Body": {"type": "object", "properties": {
        "purpose": {"type": "string"}, "ids": {"type": "array", "items": {"type": "integer", "maximum": 9}},
        "total": {"type": "integer"}, "id": {"type": "integer", "readOnly": True}}}}},
        "paths": {"/x": {"post": {"parameters": [{"name": "limit", "schema": {"type": "integer", "maximum": 200}}],
                                  "requestBody": {"content": {"application/json": {"schema": {
                                      "$ref": "#/components/schemas/Body"}}}}}}}}
    checked, missing = _unbounded(spec)
    assert checked == 5
    assert missing == ["POST /x body.purpose: string without maxLength", "POST /x body.ids: list without maxItems",
                       "POST /x body.total: integer without maximum"]
