#!/usr/bin/env python3
"""Writes a large synthetic OpenAPI 3.0 document for startup benchmarks.

By default: 320 paths (4 operations each on a collection and an item path), 1,200 schemas
with circular references (each schema refers to the next, the last to the first), nested
objects, enums, patterns and nullable fields, so that the file is over 4 MB.
"""
import argparse
import json

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("out", help="the JSON file to write")
parser.add_argument("--paths", type=int, default=320, help="paths (default: %(default)s)")
parser.add_argument("--schemas", type=int, default=1200, help="schemas (default: %(default)s)")
args = parser.parse_args()
out, paths_n, schemas_n = args.out, args.paths, args.schemas

schemas = {}
for i in range(schemas_n):
    nxt = (i + 1) % schemas_n
    props = {
        "id": {"type": "string", "format": "uuid", "readOnly": True},
        "name": {"type": "string", "minLength": 1, "maxLength": 64, "description": "Name " * 8},
        "code": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
        "count": {"type": "integer", "format": "int32", "minimum": 0},
        "ratio": {"type": "number", "minimum": 0, "maximum": 1},
        "status": {"type": "string", "enum": ["active", "inactive", "pending", "archived"]},
        "created": {"type": "string", "format": "date-time"},
        "note": {"type": "string", "nullable": True, "description": "A note. " * 10},
        "next": {"$ref": f"#/components/schemas/S{nxt}"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
        "meta": {
            "type": "object",
            "properties": {f"k{j}": {"type": "string", "description": "metadata " * 6} for j in range(12)},
        },
    }
    schemas[f"S{i}"] = {"type": "object", "required": ["id", "name"], "properties": props,
                        "description": f"Synthetic schema {i}. " * 6}

paths = {}
for p in range(paths_n):
    s = f"#/components/schemas/S{p % schemas_n}"
    err = {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    paths[f"/resource{p}"] = {
        "get": {"operationId": f"list{p}", "parameters": [
            {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            {"name": "per_page", "in": "query", "schema": {"type": "integer", "maximum": 200}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": s}}}}}, "400": err}},
        "post": {"operationId": f"create{p}", "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": s}}}},
                 "responses": {"201": {"description": "created", "content": {"application/json": {"schema": {"$ref": s}}}}, "422": err}},
    }
    paths[f"/resource{p}/{{id}}"] = {
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "get": {"operationId": f"get{p}", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": s}}}}, "404": err}},
        "delete": {"operationId": f"delete{p}", "responses": {"204": {"description": "deleted"}, "404": err}},
    }
schemas["Error"] = {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}

doc = {"openapi": "3.0.3", "info": {"title": "Large synthetic API", "version": "1"}, "paths": paths,
       "components": {"schemas": schemas}}
with open(out, "w") as f:
    json.dump(doc, f, indent=1)
