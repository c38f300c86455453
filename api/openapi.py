"""The OpenAPI document's last step, and the links that say which operation follows which."""
from __future__ import annotations

METHODS = ("get", "put", "post", "patch", "delete")


def link(operation_id: str, parameters: dict[str, str], body: dict[str, str] | None = None) -> dict:
    """An OpenAPI link: call `operation_id` with values taken from this answer ($response.body#/id)."""
    out = {"operationId": operation_id, "parameters": parameters}
    if body:
        out["requestBody"] = body
    return out


def finish_document(api, rate_limited_prefixes: tuple[str, ...]) -> None:
    """Put the document right once every blueprint is in it (create_app calls this after them).

    flask-smorest documents its own error body ({"code": <int>, "status", ...}) and gives every
    operation a catch-all `default` answer, which lets any status pass as documented. Here the
    error schema becomes ApiErrorSchema, decimals become the strings the API sends (bounded ones with
    a pattern that bounds them), dates carry the years accepted, `default` goes, and the statuses
    the app answers for every operation of a kind are listed on each: 401 where a token is required,
    404 where the path names an object, 400 (not JSON) and 413 (too large) where a body is read, 429
    where the rate limiter counts. What only some views answer (403, 409, 422) each view documents.
    """
    from .fields import ApiErrorSchema, document_decimals, document_years

    spec = api.spec
    spec.components.schemas["Error"] = api.ma_plugin.converter.schema2jsonschema(ApiErrorSchema)
    document_decimals(spec.components.schemas)
    document_years(spec.components.schemas)
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
        ("400", "BAD_REQUEST", "requestBody" in operation),  # a body that is not JSON
        ("401", "UNAUTHORIZED", bool(operation.get("security"))),
        ("404", "NOT_FOUND", "{" in path),
        ("413", "REQUEST_ENTITY_TOO_LARGE", "requestBody" in operation),
        ("429", "TOO_MANY_REQUESTS", method != "get" and path.startswith(rate_limited)),
    )
    for status, name, applies in common:
        if applies and status not in responses:
            responses[status] = spec.components.get_ref("response", name)
