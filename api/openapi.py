"""The OpenAPI document's last step, and the links that say which operation follows which."""
from __future__ import annotations

METHODS = ("get", "put", "post", "patch", "delete")


def link(operation_id: str, parameters: dict[str, str], body: dict | None = None, whole_body: bool = False) -> dict:
    """An OpenAPI link: call `operation_id` with values taken from this answer ($response.body#/id).

    schemathesis merges a link's body into one it generates; `whole_body` says the link's body is
    the whole request (as OpenAPI means it), where a generated part could spoil it.
    """
    out = {"operationId": operation_id, "parameters": parameters}
    if body:
        out["requestBody"] = body
    if whole_body:
        out["x-schemathesis"] = {"merge_body": False}
    return out


def finish_document(api, rate_limited_prefixes: tuple[str, ...]) -> None:
    """Put the document right once every blueprint is in it (create_app calls this after them).

    flask-smorest documents its own error body ({"code": <int>, "status", ...}) and gives every
    operation a catch-all `default` answer, which lets any status pass as documented. Here the
    error schema becomes ApiErrorSchema, decimals become the strings the API sends (bounded ones with
    a pattern that bounds them), dates carry the years accepted, a supply line is one of its two
    kinds and a trip request names its distance or destination, `default` goes, and the statuses
    the app answers for every operation of a kind are listed on each: 401 where a token is required,
    404 where the path names an object, 400 (not JSON, or NUL in text) where a body or query is
    read, 413 (too large) where a body is read, 429
    where the rate limiter counts. What only some views answer (403, 409, 422) each view documents.
    """
    from .fields import ApiErrorSchema, document_decimals, document_years
    from .supply_requests.schemas import document_line_choice
    from .trip_requests.schemas import document_distance_choice

    spec = api.spec
    spec.components.schemas["Error"] = api.ma_plugin.converter.schema2jsonschema(ApiErrorSchema)
    document_decimals(spec.components.schemas)
    document_years(spec.components.schemas)
    document_line_choice(spec.components.schemas)
    document_distance_choice(spec.components.schemas)
    # apispec has no public way to edit an operation once added; its paths are a plain dict.
    for path, item in spec._paths.items():
        for method in METHODS:
            if method in item:
                _list_common_errors(spec, path, method, item[method], rate_limited_prefixes)
    spec.components.responses.pop("DEFAULT_ERROR", None)


def _list_common_errors(spec, path: str, method: str, operation: dict, rate_limited: tuple[str, ...]) -> None:
    responses = operation["responses"]
    responses.pop("default", None)
    common = (  # (status, flask-smorest's response component, whether this operation can answer it)
        # A body that is not JSON; or text PostgreSQL cannot hold (NUL) in the body or the query,
        # which errors._out_of_range answers (the stateful phase found it in the catalog's `q`).
        ("400", "BAD_REQUEST", "requestBody" in operation
         or any(p.get("in") == "query" for p in operation.get("parameters", []))),
        ("401", "UNAUTHORIZED", bool(operation.get("security"))),
        ("404", "NOT_FOUND", "{" in path),
        ("413", "REQUEST_ENTITY_TOO_LARGE", "requestBody" in operation),
        ("429", "TOO_MANY_REQUESTS", method != "get" and path.startswith(rate_limited)),
    )
    for status, name, applies in common:
        if applies and status not in responses:
            responses[status] = spec.components.get_ref("response", name)
