"""Hostile strings and numbers in every field of every route, found from the OpenAPI document.

Each body property (nested ones too), query, path and form parameter of every operation
gets a few values from a fixed list of hostile classes (NUL and control characters,
invalid UTF-8, non-ASCII digits, huge numbers, 100,000-character fields, 10,000-deep
nesting, spreadsheet formulas, cursors past the column and LIKE wildcards), sent with a
credential of a role the operation admits. Whatever is sent, the answer is never a 5xx
(nor slower than 10 s), every refusal is a problem with a ``type``, a refused request
stores nothing, and no NUL or control character is ever accepted.

The figures (probes and server errors per class) are kept in pytest's cache:
``pytest --cache-show skillsprogram/hostile``.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import SQLModel

from skillsprogram.api.security import ROLE_SCOPES, sign
from skillsprogram.context import ProgrammeContext
from tests.api.conftest import Credentials
from tests.api.helpers import register, registration

#: Hostile values each field gets (in rotation over :data:`HOSTILE`, so every class meets
#: many fields and the whole suite stays well under a minute per database).
PER_FIELD = 5
PROBLEM = "application/problem+json"
#: Placeholder replaced by a hostile JSON fragment in a serialised body.
HOLE = "\u2603hostile\u2603"
#: The order of classes in the record.
CLASSES = (
    "nul",
    "control",
    "invalid-utf8",
    "non-ascii-digits",
    "huge-number",
    "long-field",
    "deep-nesting",
    "formula",
    "cursor-overflow",
    "like-wildcard",
)


@dataclass(frozen=True)
class Hostile:
    """One hostile value: a raw JSON fragment for bodies, raw percent-encoded text for
    URLs and forms."""

    kind: str
    json: bytes
    url: str


def _text(kind: str, value: str) -> Hostile:
    return Hostile(kind, json.dumps(value, ensure_ascii=False).encode(), quote(value, safe=""))


def _number(kind: str, digits: str) -> Hostile:
    return Hostile(kind, digits.encode(), digits)


HOSTILE: tuple[Hostile, ...] = (
    _text("nul", "a\x00b"),
    _text("control", "\x1b[2J\x07"),
    Hostile("invalid-utf8", b'"\xff\xfe\xfd"', "%FF%FE%FD"),
    _text("non-ascii-digits", "\u0661\u0662\u0663\u0664\u0665"),  # Arabic-Indic 12345
    _number("huge-number", "1" + "0" * 5000),
    # URLs are capped below 64 KiB by clients (and servers): the longest one the client sends.
    Hostile("long-field", json.dumps("x" * 100_000).encode(), "x" * 60_000),
    Hostile("deep-nesting", b"[" * 10_000 + b"]" * 10_000, "%5B" * 10_000),
    _text("formula", "=cmd|' /C calc'!A0"),
    _text("nul", "\x00"),
    _text("control", "line\x85next\x7f"),
    Hostile("invalid-utf8", b'"\\ud800"', "%ED%A0%80"),  # a lone surrogate
    _text("non-ascii-digits", "\uff11\uff12\uff13"),  # full-width 123
    _number("huge-number", str(2**63)),
    _number("huge-number", str(-(2**63) - 1)),
    _text("formula", "+SUM(1+1)*cmd|' /C calc'!A0"),
    _number("huge-number", "1e400"),
)
CURSOR_OVERFLOW = tuple(_number("cursor-overflow", n) for n in ("2147483648", str(2**63), "9" * 30))
LIKE_WILDCARDS = tuple(_text("like-wildcard", w) for w in ("%", "_", "\\"))


@dataclass
class Record:
    """Probes sent and server errors per hostile class, and what went wrong."""

    sent: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    accepted: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


@dataclass
class Probe:
    """One request to send."""

    method: str
    path: str
    query: str
    body: bytes | None
    content_type: str | None
    kind: str
    where: str


class Document:
    """The OpenAPI document, with ``$ref`` resolved."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.raw["components"]["schemas"][name]
        return schema

    def options(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The non-null branch of ``anyOf`` (optional fields)."""
        schema = self.resolve(schema)
        for branch in schema.get("anyOf", []):
            branch = self.resolve(branch)
            if branch.get("type") != "null":
                return branch
        return schema

    def sample(self, schema: dict[str, Any]) -> Any:
        """A schema-valid value (its example where it has one)."""
        schema = self.options(schema)
        if schema.get("examples"):
            return schema["examples"][0]
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type")
        if kind == "object":
            return {
                name: self.sample(prop)
                for name, prop in schema.get("properties", {}).items()
                if name in schema.get("required", [])
            }
        if kind == "array":
            return [self.sample(schema.get("items", {}))] * max(1, schema.get("minItems", 1))
        if kind == "integer":
            return max(1, schema.get("minimum", 1))
        if kind == "boolean":
            return True
        return {"uuid": str(uuid.uuid4()), "date": "1990-01-01", "date-time": "2025-01-06T00:00:00Z"}.get(
            schema.get("format", ""), "x"
        )

    def slots(
        self, schema: dict[str, Any], value: Any, at: tuple[Any, ...] = ()
    ) -> Iterator[tuple[Any, ...]]:
        """Every place in ``value`` (a sample of ``schema``) a hostile value can go."""
        schema = self.options(schema)
        if schema.get("type") == "object" or "properties" in schema:
            properties = schema.get("properties", {})
            for name, prop in properties.items():
                yield (*at, name)
                yield from self.slots(prop, (value or {}).get(name), (*at, name))
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and not properties:
                yield (*at, "k")
                yield (*at, HOLE)  # a hostile key
        elif schema.get("type") == "array" and isinstance(value, list) and value:
            yield (*at, 0)
            yield from self.slots(schema.get("items", {}), value[0], (*at, 0))


def _placed(value: Any, at: tuple[Any, ...]) -> Any:
    """``value`` with the placeholder at ``at`` (a key of :data:`HOLE` makes a hostile key)."""
    if not at:
        return HOLE
    head, rest = at[0], at[1:]
    if isinstance(value, list):
        copy = list(value)
        copy[head] = _placed(copy[head], rest)
        return copy
    copy = dict(value or {})
    if head == HOLE:
        copy[HOLE] = "x"
    else:
        copy[head] = _placed(copy.get(head), rest)
    return copy


class Prober:
    """Sends the probes of one operation with a credential of the right role."""

    def __init__(
        self,
        client: TestClient,
        ctx: ProgrammeContext,
        creds: Credentials,
        applicant: tuple[str, dict[str, str]],
    ) -> None:
        self.client, self.ctx, self.creds = client, ctx, creds
        self.application_id, self.applicant = applicant
        self.fresh = itertools.count(10_000)
        self.rotation = itertools.cycle(HOSTILE[1:])
        self.tables = [t for t in SQLModel.metadata.sorted_tables if "idempotency" not in t.name]

    def values(self) -> list[Hostile]:
        """The hostile values of the next field: a NUL, then the next few of the rotation."""
        return [HOSTILE[0], *(next(self.rotation) for _ in range(PER_FIELD - 1))]

    def stored(self) -> tuple[int, ...]:
        """How many rows every table holds (idempotency records aside)."""
        with self.ctx.uow() as uow:
            row = uow.session.execute(
                select(*[select(func.count()).select_from(t).scalar_subquery() for t in self.tables])
            ).one()
        return tuple(int(n) for n in row)

    def headers(self, operation: dict[str, Any], body: bytes | None) -> dict[str, str]:
        for requirement in operation.get("security", []):
            if "OAuth2" in requirement:
                scopes = set(requirement["OAuth2"])
                if scopes == {"applicant"}:
                    return dict(self.applicant)
                for role in ("admin", "officer", "auditor"):
                    if scopes <= ROLE_SCOPES[role]:
                        return dict(getattr(self.creds, role))
            if "ApiKey" in requirement:
                return dict(self.creds.provider)
            if "RailSignature" in requirement:
                now = str(int(self.ctx.clock.now().timestamp()))
                return {
                    "X-Client-Id": str(self.creds.rail_client),
                    "X-Timestamp": now,
                    "X-Signature": sign(self.creds.rail_secret, now, body or b""),
                }
        return {}

    def baseline(self, path: str, method: str, doc: Document, schema: dict[str, Any]) -> Any:
        """A valid body: a fresh registration or course each time, so that a hostile value
        is the only reason to refuse it."""
        n = next(self.fresh)
        if (method, path) == ("post", "/v1/registrations"):
            return registration(n)
        value = doc.sample(schema)
        if (method, path) == ("post", "/v1/courses"):
            value["code"] = f"HOSTILE-{n}"
        return value

    def path_values(self, path: str) -> dict[str, str]:
        return {
            "application_id": self.application_id,
            "number": "1",
            "rail": "wallet",
            "survey": "exit",
            "step": "event-dispatch",
        }

    def probes(self, doc: Document, path: str, method: str, operation: dict[str, Any]) -> Iterator[Probe]:
        """Every probe of one operation."""
        parameters = [p for p in operation.get("parameters", []) if p["in"] in ("path", "query")]
        defaults = self.path_values(path)

        def url(override: str | None = None, value: str = "") -> tuple[str, str]:
            concrete = path
            for p in parameters:
                if p["in"] == "path":
                    raw = value if p["name"] == override else defaults.get(p["name"], str(uuid.uuid4()))
                    concrete = concrete.replace("{" + p["name"] + "}", raw)
            query = (
                f"{override}={value}"
                if override and any(p["name"] == override and p["in"] == "query" for p in parameters)
                else ""
            )
            return concrete, query

        content = operation.get("requestBody", {}).get("content", {})
        json_schema = content.get("application/json", {}).get("schema")
        form_schema = content.get("application/x-www-form-urlencoded", {}).get("schema")
        base = self.baseline(path, method, doc, json_schema) if json_schema else None
        plain = json.dumps(base).encode() if json_schema else None
        form = self._form(doc, form_schema) if form_schema else None

        for p in parameters:
            values = self.values()
            if p["name"] == "cursor":
                values += CURSOR_OVERFLOW
            elif p["in"] == "query" and doc.options(p["schema"]).get("type") == "string":
                values += LIKE_WILDCARDS
            for hostile in values:
                concrete, query = url(p["name"], hostile.url)
                body = self._fresh_body(path, method, doc, json_schema) if json_schema else form
                yield Probe(
                    method,
                    concrete,
                    query,
                    body,
                    self._type(json_schema, form_schema),
                    hostile.kind,
                    f"{p['in']}.{p['name']}",
                )
        if json_schema:
            concrete, _ = url()
            for at in doc.slots(json_schema, base):
                for hostile in self.values():
                    fresh = self.baseline(path, method, doc, json_schema)
                    try:
                        text = json.dumps(_placed(fresh, at), ensure_ascii=False).encode()
                    except (TypeError, IndexError, AttributeError):
                        continue
                    body = text.replace(json.dumps(HOLE, ensure_ascii=False).encode(), hostile.json)
                    if at and at[-1] == HOLE and not hostile.json.startswith(b'"'):
                        continue  # a hostile key: only string fragments fit
                    yield Probe(
                        method,
                        concrete,
                        "",
                        body,
                        "application/json",
                        hostile.kind,
                        "body." + ".".join(str(a) for a in at),
                    )
            assert plain is not None
            yield Probe(
                method, concrete, "", b'{"x": "\xff\xfe"}', "application/json", "invalid-utf8", "body"
            )
            deep = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
            yield Probe(method, concrete, "", deep, "application/json", "deep-nesting", "body")
        if form_schema:
            concrete, _ = url()
            for name in form_schema_properties(doc, form_schema):
                for hostile in self.values():
                    fields = dict(self._form_fields(doc, form_schema))
                    fields[name] = "\u2603"
                    raw = "&".join(f"{k}={quote(v, safe='')}" for k, v in fields.items())
                    raw = raw.replace(quote("\u2603", safe=""), hostile.url)
                    yield Probe(
                        method,
                        concrete,
                        "",
                        raw.encode(),
                        "application/x-www-form-urlencoded",
                        hostile.kind,
                        f"form.{name}",
                    )

    def _fresh_body(self, path: str, method: str, doc: Document, schema: dict[str, Any]) -> bytes:
        return json.dumps(self.baseline(path, method, doc, schema)).encode()

    @staticmethod
    def _type(json_schema: Any, form_schema: Any) -> str | None:
        if json_schema:
            return "application/json"
        return "application/x-www-form-urlencoded" if form_schema else None

    def _form_fields(self, doc: Document, schema: dict[str, Any]) -> dict[str, str]:
        return {"grant_type": "client_credentials", "client_id": str(uuid.uuid4()), "client_secret": "s"}

    def _form(self, doc: Document, schema: dict[str, Any]) -> bytes:
        return "&".join(f"{k}={quote(v)}" for k, v in self._form_fields(doc, schema).items()).encode()

    def send(self, probe: Probe, operation: dict[str, Any], record: Record) -> None:
        """Send one probe and judge the answer."""
        headers = self.headers(operation, probe.body)
        if probe.content_type:
            headers["content-type"] = probe.content_type
        before = self.stored()
        target = probe.path + (f"?{probe.query}" if probe.query else "")
        started = time.monotonic()
        response = self.client.request(probe.method.upper(), target, content=probe.body, headers=headers)
        record.sent[probe.kind] += 1
        what = f"{probe.method.upper()} {probe.path[:60]} {probe.where} [{probe.kind}]"
        if response.status_code >= 500 or time.monotonic() - started > 10:
            record.errors[probe.kind] += 1
            record.failures.append(f"{what}: {response.status_code}")
            return
        if response.status_code < 400 and probe.kind in ("nul", "control"):
            record.accepted[probe.kind] += 1
            record.failures.append(f"{what}: accepted with {response.status_code}")
        if response.status_code >= 400:
            body = response.json() if response.headers.get("content-type") == PROBLEM else {}
            if not body.get("type"):
                record.failures.append(f"{what}: {response.status_code} is not a problem")
            kept_on_purpose = probe.path == "/v1/people/lookup" and response.status_code == 404
            if not kept_on_purpose and self.stored() != before:
                record.failures.append(f"{what}: refused with {response.status_code} but stored rows")


def form_schema_properties(doc: Document, schema: dict[str, Any]) -> list[str]:
    """The fields of a form body."""
    return list(doc.resolve(schema).get("properties", {}))


def test_no_hostile_value_in_any_field_of_any_route_causes_a_server_error_or_is_stored(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials, request: pytest.FixtureRequest
) -> None:
    applicant = register(client, 1)
    raw = client.get("/v1/openapi.json").json()
    doc = Document(raw)
    prober = Prober(client, ctx, creds, applicant)
    record = Record()
    operations = sorted(
        (path, method, op)
        for path, ops in raw["paths"].items()
        for method, op in ops.items()
        if isinstance(op, dict)
    )
    assert len(operations) >= 35
    for path, method, operation in operations:
        for probe in prober.probes(doc, path, method, operation):
            prober.send(probe, operation, record)
    figures = {
        kind: {
            "probes": record.sent[kind],
            "server_errors": record.errors[kind],
            "accepted": record.accepted[kind],
        }
        for kind in CLASSES
    }
    print(f"hostile-input figures on {ctx.engine.dialect.name}: {json.dumps(figures)}")
    if hasattr(request.config, "cache"):
        request.config.cache.set(f"skillsprogram/hostile/{ctx.engine.dialect.name}", figures)
    assert all(record.sent[kind] for kind in CLASSES), figures
    assert not record.failures, "\n".join(record.failures[:40]) + f"\n... {len(record.failures)} in all"
