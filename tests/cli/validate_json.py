"""Validate compiled curriculum documents against the JSON Schemas in
schemas/ with python3-jsonschema (Draft 2020-12): every file named, by its
kind (its "format" member).  Exit 1 and name each failure if any fails.
  validate_json.py SCHEMA_DIR FILE...
  validate_json.py --expect-invalid SCHEMA_DIR FILE...  (each must fail)"""
import json
import sys

import jsonschema

args = sys.argv[1:]
invalid = args[:1] == ["--expect-invalid"]
if invalid:
    args = args[1:]
schemas = {}
for kind in ("lp-catalog", "lp-lesson", "lp-assignments"):
    with open(f"{args[0]}/{kind}.schema.json", encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    schemas[kind] = jsonschema.Draft202012Validator(schema)
bad = 0
for path in args[1:]:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    kind = str(doc.get("format", "")).split(" ")[0]
    errors = list(schemas[kind].iter_errors(doc)) if kind in schemas else ["no kind"]
    if invalid and not errors:
        print(f"{path}: valid, but should not be")
        bad += 1
    elif not invalid:
        for e in errors:
            where = "/".join(str(p) for p in getattr(e, "absolute_path", []))
            print(f"{path}: {where}: {getattr(e, 'message', e)}")
        bad += bool(errors)
print(f"{len(args) - 1 - bad} of {len(args) - 1} documents as expected")
sys.exit(1 if bad else 0)
