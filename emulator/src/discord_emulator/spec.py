"""Validation of request and response bodies against Discord's OpenAPI spec.

The checks need jsonschema and referencing, the ``spec`` extra (``pip install
'discord-emulator[spec]'``). Without them a spec file is not used: `load_spec` logs why and
returns None (the checks are skipped, as when the file is absent), and `Spec` raises.
"""

from __future__ import annotations

import json
import logging
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from referencing import Registry

log = logging.getLogger(__name__)

SPEC_URI = "urn:discord-openapi"
EXTRA_HINT = "pip install 'discord-emulator[spec]'"


class SpecChecksUnavailable(ModuleNotFoundError):
    """The spec checks were asked for without the ``spec`` extra (jsonschema, referencing)."""


def _schema_libraries() -> tuple[Any, Any, Any, Any]:
    """Import jsonschema and referencing, or raise SpecChecksUnavailable naming the extra."""
    try:
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012
    except ModuleNotFoundError as exc:
        raise SpecChecksUnavailable(
            f"Discord API spec checks need jsonschema and referencing ({exc.name} is missing): "
            f"{EXTRA_HINT}, or pass validate_spec=False"
        ) from exc
    return Draft202012Validator, Registry, Resource, DRAFT202012


def checks_available() -> bool:
    """Return whether the spec checks can run here (the ``spec`` extra is installed)."""
    try:
        _schema_libraries()
    except SpecChecksUnavailable:
        return False
    return True


def default_spec_path() -> Path:
    """Return the spec path: $DISCORD_API_SPEC or ``../shared/discord-api-spec/openapi.json``."""
    env = os.environ.get("DISCORD_API_SPEC")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[3]  # emulator/src/discord_emulator/spec.py
    return (repo / "../shared/discord-api-spec/openapi.json").resolve()


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class Spec:
    """A loaded OpenAPI document with cached per-route validators."""

    def __init__(self, document: dict[str, Any], path: Path) -> None:
        validator, registry_type, resource_type, draft = _schema_libraries()
        self._validator_type = validator
        self.document = document
        self.path = path
        resource = resource_type.from_contents(document, default_specification=draft)
        self.registry: Registry = registry_type().with_resource(SPEC_URI, resource)
        # Discord accepts integer snowflakes in requests (discord.py sends some), so requests
        # are checked against a copy where SnowflakeType also allows non-negative integers.
        schemas = dict(document.get("components", {}).get("schemas", {}))
        if "SnowflakeType" in schemas:
            schemas["SnowflakeType"] = {
                "anyOf": [schemas["SnowflakeType"], {"type": "integer", "minimum": 0}]
            }
        lenient = dict(document)
        lenient["components"] = dict(document.get("components", {}), schemas=schemas)
        self.request_registry: Registry = registry_type().with_resource(
            SPEC_URI, resource_type.from_contents(lenient, default_specification=draft)
        )
        self._validators: dict[tuple[str, bool], Draft202012Validator | None] = {}
        self._templates = [
            (re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(t)) + "$"), t)
            for t in document.get("paths", {})
        ]

    def template_for(self, path: str) -> str | None:
        """Return the spec path template matching a concrete API path."""
        if path in self.document["paths"]:
            return path
        for rx, template in self._templates:
            if "{" in template and rx.match(path):
                return template
        return None

    def _validator(self, pointer: str, lenient: bool = False) -> Draft202012Validator | None:
        key = (pointer, lenient)
        if key not in self._validators:
            node: Any = self.document
            for part in pointer.strip("/").split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                node = node.get(part) if isinstance(node, dict) else None
                if node is None:
                    break
            registry = self.request_registry if lenient else self.registry
            self._validators[key] = (
                None
                if node is None
                else self._validator_type({"$ref": f"{SPEC_URI}#{pointer}"}, registry=registry)
            )
        return self._validators[key]

    def request_errors(self, template: str, method: str, body: Any) -> list[str]:
        """Validate a JSON request body; return human-readable errors (empty if valid)."""
        pointer = (
            f"/paths/{_escape(template)}/{method.lower()}/requestBody/content/"
            "application~1json/schema"
        )
        return self._errors(pointer, body, lenient=True)

    def response_errors(self, template: str, method: str, status: int, body: Any) -> list[str]:
        """Validate a JSON response body against the documented response schema."""
        pointer = (
            f"/paths/{_escape(template)}/{method.lower()}/responses/{status}/content/"
            "application~1json/schema"
        )
        return self._errors(pointer, body)

    def has_response_schema(self, template: str, method: str, status: int) -> bool:
        """Return whether the spec documents a JSON schema for this response."""
        pointer = (
            f"/paths/{_escape(template)}/{method.lower()}/responses/{status}/content/"
            "application~1json/schema"
        )
        return self._validator(pointer) is not None

    def _errors(self, pointer: str, body: Any, *, lenient: bool = False) -> list[str]:
        validator = self._validator(pointer, lenient)
        if validator is None:
            return []
        out = []
        for err in validator.iter_errors(body):
            deepest = err
            while deepest.context:
                deepest = max(deepest.context, key=lambda e: len(list(e.absolute_path)))
            where = "/".join(str(p) for p in deepest.absolute_path) or "<root>"
            out.append(f"{where}: {deepest.message[:300]}")
        return out


@lru_cache(maxsize=4)
def _load(path: str) -> Spec | None:
    p = Path(path)
    if not p.is_file():
        log.warning("Discord API spec not found at %s: spec validation is SKIPPED", p)
        return None
    try:
        _schema_libraries()
    except SpecChecksUnavailable as exc:
        log.warning("Discord API spec at %s not used: spec validation is SKIPPED (%s)", p, exc)
        return None
    with p.open(encoding="utf-8") as fh:
        document = json.load(fh)
    log.info("Loaded Discord API spec from %s", p)
    return Spec(document, p)


def load_spec(path: Path | str | None = None) -> Spec | None:
    """Load the spec once per process (cached); return None with a warning if absent."""
    return _load(str(Path(path) if path else default_spec_path()))
