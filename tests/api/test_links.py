"""The OpenAPI links name real operations, parameters their target declares, and values
their source answer (or request) really carries."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from skillsprogram.api.links import LINKS


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _has_pointer(document: dict[str, Any], schema: dict[str, Any], pointer: str) -> bool:
    """Whether a JSON pointer into an answer (``/items/0/id``) names a field of its schema."""
    for part in pointer.strip("/").split("/"):
        schema = _resolve(document, schema)
        if part.isdigit() and schema.get("type") == "array":
            schema = schema["items"]
        elif part in schema.get("properties", {}):
            schema = schema["properties"][part]
        else:
            return False
    return True


def _expressions(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [e for v in value.values() for e in _expressions(v)]
    if isinstance(value, list):
        return [e for v in value for e in _expressions(v)]
    return [value] if isinstance(value, str) and value.startswith("$") else []


def test_every_link_resolves_to_a_real_operation_parameter_and_answer_field(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operations = {
        operation["operationId"]: operation
        for methods in document["paths"].values()
        for operation in methods.values()
    }
    checked = 0
    for methods in document["paths"].values():
        for source in methods.values():
            source_path_parameters = {p["name"] for p in source.get("parameters", []) if p["in"] == "path"}
            for status, response in source["responses"].items():
                for name, link in response.get("links", {}).items():
                    target = operations[link["operationId"]]
                    declared = {p["name"] for p in target.get("parameters", [])}
                    assert set(link.get("parameters", {})) <= declared, (name, declared)
                    answer = response["content"]["application/json"]["schema"]
                    for expression in _expressions([link.get("parameters", {}), link.get("requestBody")]):
                        if expression.startswith("$request.path."):
                            assert expression.removeprefix("$request.path.") in source_path_parameters, name
                        else:
                            assert expression.startswith("$response.body#"), (name, expression)
                            pointer = expression.removeprefix("$response.body#")
                            assert _has_pointer(document, answer, pointer), (name, expression, status)
                    checked += 1
    assert checked == len(LINKS)
