#!/usr/bin/env python3
"""Validates pmeta's JSON outputs against docs/schema/*.schema.json.

    tests/validate-json.py SCHEMA FILE...    (SCHEMA: status, runs, plan, lineage, ...)
    tests/validate-json.py --lint            (the schema files only)

The schema files are checked first: each is a valid Draft 2020-12 schema,
and every object that refuses unknown fields (additionalProperties or
unevaluatedProperties false) requires every field it lists, so a field
added to a record is required everywhere (docs/json.md). Works with
jsonschema 4.10 (Debian 12's python3-jsonschema) and later releases
(which resolve $ref through the `referencing` package). Exit 0 when all
is valid, 1 with every error on stderr.
"""
import glob
import json
import os
import sys
import warnings

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_DIR = os.path.join(HERE, "..", "docs", "schema")


def load_schemas():
    schemas = {}
    for path in sorted(glob.glob(os.path.join(SCHEMA_DIR, "*.schema.json"))):
        with open(path) as f:
            schemas[os.path.basename(path)[: -len(".schema.json")]] = json.load(f)
    return schemas


def lint(name, node, where, errors):
    if isinstance(node, dict):
        closed = node.get("additionalProperties") is False or node.get("unevaluatedProperties") is False
        if closed and "properties" in node:
            missing = set(node["properties"]) - set(node.get("required", []))
            extra = set(node.get("required", [])) - set(node["properties"])
            if missing:
                errors.append("%s.schema.json %s: listed but not required: %s" % (name, where, sorted(missing)))
            if extra:
                errors.append("%s.schema.json %s: required but not listed: %s" % (name, where, sorted(extra)))
        for k, v in node.items():
            lint(name, v, where + "/" + k, errors)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            lint(name, v, "%s/%d" % (where, i), errors)


def validator_for(schemas, name):
    cls = jsonschema.Draft202012Validator
    by_id = {s["$id"]: s for s in schemas.values()}
    try:
        from referencing import Registry, Resource
    except ImportError:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            resolver = jsonschema.RefResolver.from_schema(schemas[name], store=by_id)
            return cls(schemas[name], resolver=resolver)
    registry = Registry().with_resources((i, Resource.from_contents(s)) for i, s in by_id.items())
    return cls(schemas[name], registry=registry)


def main(argv):
    schemas = load_schemas()
    errors = []
    for name, schema in schemas.items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as e:
            errors.append("%s.schema.json: %s" % (name, e.message))
        lint(name, schema, "", errors)
    if argv and argv[0] != "--lint":
        name = argv[0]
        if name not in schemas:
            errors.append("no schema '%s' in docs/schema (have %s)" % (name, ", ".join(sorted(schemas))))
        else:
            v = validator_for(schemas, name)
            for path in argv[1:]:
                with open(path) as f:
                    try:
                        doc = json.load(f)
                    except ValueError as e:
                        errors.append("%s: not JSON: %s" % (path, e))
                        continue
                for e in sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path)):
                    at = "/".join(str(p) for p in e.absolute_path) or "(top)"
                    errors.append("%s: %s: %s (%s schema)" % (path, at, e.message, name))
    for e in errors:
        print("error: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
