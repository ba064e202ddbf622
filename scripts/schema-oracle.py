#!/usr/bin/env python3
"""Writes Tests/PromptmillCoreTests/JSON/Fixtures/JSONSchemaOracleCases.swift: schemas, values
and the verdict of python-jsonschema's Draft202012Validator on each, for JSONSchemaTests to
check that promptmill's JSONSchema agrees.

Usage: scripts/schema-oracle.py   (needs `pip install jsonschema==4.26.0 rfc3339-validator`)

The cases are drawn with a fixed seed, so the file only changes when this script does. They
are a mix of hand-written schemas (the classification answer, a recursive tree) with values
near them, and random schemas over every supported keyword with random and mutated values.

The oracle reads numbers as Decimal, so that it compares them exactly as JSONSchema does,
with "integer" meaning any whole number (1.0 included), and it checks formats. Cases stay
where the oracle and the JSON Schema specification agree: the oracle does not check
`hostname` or `duration` (it lacks the libraries) and takes any string with an @ for an
email; it refuses leap seconds and year 0; Python's `re` lets `$` match before a final line
break and gives `\\d` and `\\w` Unicode meaning. Those are tested by hand in JSONSchemaTests.
"""
import json
import os
import random
from decimal import Decimal, getcontext

from jsonschema import Draft202012Validator, validators

OUTPUT = "Tests/PromptmillCoreTests/JSON/Fixtures/JSONSchemaOracleCases.swift"
CASES = 640
getcontext().prec = 2000
rng = random.Random(20240517)


def is_number(checker, value):
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


def is_integer(checker, value):
    return is_number(checker, value) and value == int(value)


Oracle = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine_many({"number": is_number, "integer": is_integer}),
)


class Pairs(list):
    """An object written with repeated keys: JSON text a dict cannot hold."""


def dump(value):
    """JSON text with numbers as written: Decimal keeps 1.0, 1E+2 and -0 apart."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list) and not isinstance(value, Pairs):
        return "[" + ",".join(dump(item) for item in value) + "]"
    pairs = value if isinstance(value, Pairs) else value.items()
    return "{" + ",".join(dump(key) + ":" + dump(item) for key, item in pairs) + "}"


# Values the generators draw from.

NUMBERS = [
    "0", "-0", "1", "-1", "2", "3", "7", "10", "0.5", "1.0", "1.5", "2.50", "-2.5", "0.1", "0.3", "0.25", "1e2", "1E-2",
    "12.0e1", "100", "255", "256", "-100", "3.14159", "0.0001", "99.99", "9007199254740992", "9007199254740993",
    "9223372036854775807", "9223372036854775808", "-9223372036854775809", "123456789012345678901234567890", "1e40",
    "1.0000000000000000000000001", "0.30000000000000004",
]
WORDS = ["", "a", "ab", "abc", "hello", "Hello World", "positive", "negative", "neutral", "maybe", "x" * 12, "a-b_c", "123"]
UNICODE = ["é", "e\u0301", "日本語", "😀", "a😀b", "👍🏽", "ﬁ", "Ω", "straße", "\u00e9t\u00e9"]
FORMATS = {
    "date-time": (
        ["2024-05-01T12:30:00Z", "1963-06-19T08:30:06.283185Z", "1990-12-31T15:59:50.123-08:00", "2024-02-29t00:00:00z",
         "1937-01-01T12:00:27.87+00:20"],
        ["2024-05-01 12:30:00Z", "2024-05-01T12:30:00", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
         "1990-12-31T24:00:00Z", "1990-12-31T15:59:59-24:00", "06/19/1963 08:30:06 PST", "2024-05-01T12:30Z"],
    ),
    "date": (
        ["2024-05-01", "2024-02-29", "2000-02-29", "1999-12-31"],
        ["2023-02-29", "1900-02-29", "2024-04-31", "2024-5-1", "20240501", "2024-05-01T00:00:00Z", "2024-00-10"],
    ),
    "time": (
        ["08:30:06Z", "23:20:50.52Z", "08:30:06+00:20", "12:34:56-00:00", "08:30:06z"],
        ["12:00:00", "24:00:00Z", "00:60:00Z", "08:30:06 PST", "8:30:06Z", "08:30:06+0130", "01:02:03Z+00:30"],
    ),
    "ipv4": (["127.0.0.1", "192.168.0.1", "0.0.0.0", "255.255.255.255"],
             ["256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "a.b.c.d", "1.2.3.4 ", "::1"]),
    "ipv6": (["::1", "::", "1:2:3:4:5:6:7:8", "fe80::1", "::ffff:192.168.0.1", "1:2:3:4:5:6:7::", "ABCD:EF01::1"],
             ["12345::", "1::2::3", "1:2:3:4:5:6:7", ":1:2:3:4:5:6:7", "::laptop", "fe80::a%eth1", "1.2.3.4", "1:2:3:4:5:6:7:8:9"]),
    "uuid": (["2eb8aa08-aa98-11ea-b4aa-73b441d16380", "2EB8AA08-AA98-11EA-B4AA-73B441D16380", "00000000-0000-0000-0000-000000000000"],
             ["2eb8aa08aa9811eab4aa73b441d16380", "2eb8aa08-aa98-11ea-b4aa-73b441d1638", "2eb8aa08-aa98-11ea-b4aa-73b441d1638g",
              "{2eb8aa08-aa98-11ea-b4aa-73b441d16380}", "2eb8-aa08-aa98-11ea-b4aa73b441d16380"]),
    "email": (["joe.bloggs@example.com", "te~st@example.com", "\"joe bloggs\"@example.com", "a@io", "x+tag@mail.example.org"],
              ["2962", "example.com", "", "joe.bloggs.example.com"]),
}
PATTERNS = [
    ("^[a-z]+$", ["abc", "hello", "Abc", "ab1", ""]),
    ("^\\d{3}-\\d{4}$", ["555-1234", "5551234", "55-1234", "555-12345", "a55-1234"]),
    ("colou?r", ["color", "colour", "the colour red", "colr", "COLOR"]),
    ("^(positive|negative|neutral)$", ["positive", "neutral", "positively", "Negative", ""]),
    ("[0-9]{2,}", ["a12", "7", "x1y2", "2024", ""]),
    ("^\\w+@\\w+\\.com$", ["joe@example.com", "joe@example.org", "@example.com", "j_o@x.com"]),
    ("^[^\\s]+$", ["nospace", "has space", "tab\there", ""]),
    ("^.{2,5}$", ["ab", "abcde", "a", "abcdef", "a😀"]),
    ("^[A-Z][a-z]*( [A-Z][a-z]*)*$", ["Hello World", "Hello world", "H", "Hello  World"]),
    ("^-?\\d+(\\.\\d+)?$", ["3.14", "-2", "1.", ".5", "12a"]),
    ("\\$\\d+", ["costs $5", "costs 5$", "$", "$$12"]),
    ("^[a-f0-9]{8}$", ["deadbeef", "DEADBEEF", "deadbee", "0123456789"]),
]
NAMES = ["label", "confidence", "score", "id", "name", "tags", "items", "note", "two words", "a.b", "é", "0"]


def number():
    return Decimal(rng.choice(NUMBERS)) if rng.random() < 0.6 else rng.randint(-20, 120)


def text():
    pick = rng.random()
    if pick < 0.5:
        return rng.choice(WORDS)
    if pick < 0.7:
        return rng.choice(UNICODE) * rng.randint(1, 3)
    return "".join(rng.choice("abcxyz019 -_.@") for _ in range(rng.randint(0, 9)))


def scalar():
    return rng.choice([None, True, False, number(), number(), text(), text()])


def value(depth=0):
    pick = rng.random()
    if depth >= 3 or pick < 0.55:
        return scalar()
    if pick < 0.75:
        return [value(depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(NAMES): value(depth + 1) for _ in range(rng.randint(0, 4))}


# Random schemas.

def schema(depth=0, definitions=None):
    kinds = ["string", "number", "integer", "enum", "const", "type", "bool"]
    if depth < 3:
        kinds += ["object", "object", "array", "array", "anyOf", "allOf", "oneOf", "not"]
    if definitions:
        kinds.append("ref")
    kind = rng.choice(kinds)
    if kind == "string":
        result = {"type": rng.choice(["string", ["string", "null"]])}
        if rng.random() < 0.4:
            result["minLength"] = rng.randint(0, 4)
        if rng.random() < 0.4:
            result["maxLength"] = rng.randint(1, 8)
        if rng.random() < 0.3:
            result["pattern"] = rng.choice(PATTERNS)[0]
        if rng.random() < 0.3:
            result["format"] = rng.choice(list(FORMATS) + ["uri", "color-hex"])
        return result
    if kind in ("number", "integer"):
        result = {"type": kind}
        for keyword in ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]:
            if rng.random() < 0.3:
                result[keyword] = number()
        if rng.random() < 0.3:
            result["multipleOf"] = Decimal(rng.choice(["0.5", "0.1", "0.01", "2", "3", "7", "1.5", "1e2"]))
        return result
    if kind == "enum":
        return {"enum": [scalar() for _ in range(rng.randint(1, 5))] + ([value()] if rng.random() < 0.3 else [])}
    if kind == "const":
        return {"const": value()}
    if kind == "type":
        names = ["string", "number", "integer", "boolean", "object", "array", "null"]
        return {"type": rng.choice(names) if rng.random() < 0.6 else rng.sample(names, rng.randint(1, 3))}
    if kind == "bool":
        return rng.choice([True, False, {}])
    if kind == "ref":
        return {"$ref": "#/$defs/" + rng.choice(sorted(definitions))}
    if kind == "object":
        names = rng.sample(NAMES, rng.randint(0, 4))
        result = {"type": "object", "properties": {name: schema(depth + 1, definitions) for name in names}}
        if names and rng.random() < 0.7:
            result["required"] = rng.sample(names, rng.randint(1, len(names)))
        if rng.random() < 0.5:
            result["additionalProperties"] = rng.choice([False, False, True, schema(depth + 1, definitions)])
        if rng.random() < 0.2:
            result["minProperties"] = rng.randint(0, 3)
        if rng.random() < 0.2:
            result["maxProperties"] = rng.randint(1, 4)
        return result
    if kind == "array":
        result = {"type": "array"}
        if rng.random() < 0.8:
            result["items"] = schema(depth + 1, definitions)
        if rng.random() < 0.3:
            result["prefixItems"] = [schema(depth + 1, definitions) for _ in range(rng.randint(1, 2))]
        for keyword in ["minItems", "maxItems"]:
            if rng.random() < 0.3:
                result[keyword] = rng.randint(0, 4)
        if rng.random() < 0.3:
            result["uniqueItems"] = rng.random() < 0.8
        return result
    if kind == "not":
        return {"not": schema(depth + 1, definitions)}
    return {kind: [schema(depth + 1, definitions) for _ in range(rng.randint(2, 3))]}


def near(schema, depth=0):
    """A value shaped by `schema`, valid often but not always."""
    if not isinstance(schema, dict) or depth > 4:
        return value()
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return rng.choice(schema["enum"])
    if "$ref" in schema:
        return value()
    for keyword in ("anyOf", "oneOf", "allOf"):
        if keyword in schema:
            return near(rng.choice(schema[keyword]), depth + 1)
    kind = schema.get("type")
    kind = rng.choice(kind) if isinstance(kind, list) else kind
    if kind == "string":
        if "format" in schema and schema["format"] in FORMATS:
            return rng.choice(rng.choice(FORMATS[schema["format"]]))
        if "pattern" in schema:
            return rng.choice(dict(PATTERNS)[schema["pattern"]])
        return text()
    if kind in ("number", "integer"):
        bounds = [schema[k] for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf") if k in schema]
        if bounds and rng.random() < 0.6:
            base = rng.choice(bounds)
            return base + rng.choice([0, 1, -1, Decimal("0.5"), Decimal("-0.001"), 2 * base])
        return number()
    if kind == "array":
        items = schema.get("items", {})
        prefix = [near(item, depth + 1) for item in schema.get("prefixItems", [])]
        return prefix + [near(items, depth + 1) for _ in range(rng.randint(0, 4))]
    if kind == "object":
        properties = schema.get("properties", {})
        result = {name: near(sub, depth + 1) for name, sub in properties.items() if rng.random() < 0.85}
        if rng.random() < 0.2:
            result[rng.choice(NAMES)] = value()
        return result
    return value()


def mutate(instance):
    """A small change that often breaks a value: a dropped or extra key, a changed type."""
    if isinstance(instance, dict) and instance and rng.random() < 0.5:
        result = dict(instance)
        if rng.random() < 0.5:
            del result[rng.choice(list(result))]
        else:
            key = rng.choice(list(result))
            result[key] = mutate(result[key])
        return result
    if isinstance(instance, list) and instance and rng.random() < 0.5:
        result = list(instance)
        index = rng.randrange(len(result))
        result[index] = mutate(result[index]) if rng.random() < 0.5 else result[0]
        return result
    return scalar()


# Hand-written schemas.

CLASSIFICATION = {
    "type": "object",
    "properties": {
        "label": {"type": "string", "enum": ["positive", "negative", "neutral"]},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    },
    "required": ["label", "confidence"],
    "additionalProperties": False,
}
TREE = {
    "$defs": {
        "node": {
            "type": "object",
            "properties": {"value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
            "required": ["value"],
            "additionalProperties": False,
        }
    },
    "$ref": "#/$defs/node",
}
LINKED = {
    "type": "object",
    "properties": {"head": {"type": "string"}, "tail": {"anyOf": [{"$ref": "#"}, {"type": "null"}]}},
    "required": ["head", "tail"],
}


def tree(depth=0):
    node = {"value": Decimal(rng.choice(["1", "2.0", "-3", "1e1"])) if rng.random() < 0.9 else rng.choice(["1", Decimal("1.5"), None])}
    if depth < 3 and rng.random() < 0.6:
        node["children"] = [tree(depth + 1) for _ in range(rng.randint(0, 3))]
    if rng.random() < 0.05:
        node["extra"] = True
    return node


def linked(depth=0):
    if depth > 3 or rng.random() < 0.3:
        return None
    return {"head": rng.choice(["a", "b", 3]), "tail": linked(depth + 1)} if rng.random() < 0.95 else {"head": "x"}


def hand_written():
    for _ in range(40):
        answer = {"label": rng.choice(["positive", "negative", "neutral", "maybe", "Positive"]),
                  "confidence": number() if rng.random() < 0.7 else Decimal(rng.choice(["0", "1", "0.87", "1.0", "1.01"]))}
        if rng.random() < 0.15:
            del answer[rng.choice(list(answer))]
        if rng.random() < 0.1:
            answer["reason"] = "because"
        yield CLASSIFICATION, answer
    yield CLASSIFICATION, Pairs([("label", "maybe"), ("confidence", Decimal("0.5")), ("label", "neutral")])
    yield CLASSIFICATION, Pairs([("label", "neutral"), ("confidence", Decimal("0.5")), ("label", "maybe")])
    for _ in range(30):
        yield TREE, tree() if rng.random() < 0.9 else value()
    for _ in range(20):
        yield LINKED, linked()
    for _ in range(10):
        yield {"type": "array", "uniqueItems": True}, rng.choice([
            [1, Decimal("1.0")], [{"a": 1, "b": 2}, {"b": 2, "a": 1}], ["é", "e\u0301"], [[1, 2], [2, 1]], [0, False],
            [None, None], [Decimal("1e2"), 100], [{"a": [1]}, {"a": [Decimal("1.00")]}], [True, 1], [],
        ])
    for _ in range(10):
        yield {"enum": ["é", 1, {"a": [True, None]}, [1, "x"]]}, rng.choice(
            ["é", "e\u0301", Decimal("1.0"), True, {"a": [True, None]}, [1, "x"], ["x", 1], {"a": [1, None]}])


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)


def contested(schema, instance):
    """Whether the oracle's email check (any string with an @) could judge this case."""
    return '"format":"email"' in dump(schema) and any("@" in s and s not in FORMATS["email"][0] for s in strings(instance))


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    cases = []
    seen = set()
    for schema_value, instance in hand_written():
        cases.append((schema_value, instance))
    while len(cases) < CASES:
        definitions = {name: schema(2) for name in rng.sample(["a", "b", "c"], rng.randint(0, 2))}
        root = schema(0, definitions)
        if definitions and isinstance(root, dict) and '"$ref"' in dump(root):
            root = dict(root, **{"$defs": definitions})
        instance = near(root) if rng.random() < 0.75 else value()
        if rng.random() < 0.3:
            instance = mutate(instance)
        key = dump(root) + dump(instance)
        if key not in seen and not contested(root, instance):
            seen.add(key)
            cases.append((root, instance))
    lines = []
    valid = 0
    for number_, (schema_value, instance) in enumerate(cases):
        # What the Swift test reads is what the oracle judges: the written text, parsed back.
        schema_text, instance_text = dump(schema_value), dump(instance)
        parsed_schema = json.loads(schema_text, parse_float=Decimal)
        Draft202012Validator.check_schema(parsed_schema)
        oracle = Oracle(parsed_schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        verdict = oracle.is_valid(json.loads(instance_text, parse_float=Decimal))
        valid += verdict
        lines.append(f'{{"case":{number_},"schema":{schema_text},"instance":{instance_text},"valid":{"true" if verdict else "false"}}}')
    body = "\n".join("        " + line for line in lines)
    with open(OUTPUT, "w") as out:
        out.write(
            "// Written by scripts/schema-oracle.py: python-jsonschema's verdicts. Do not edit; run the script.\n"
            "enum JSONSchemaOracleCases {\n"
            f"    /// {len(lines)} cases, {valid} valid, one JSON object a line: case, schema, instance, valid.\n"
            '    static let jsonLines = #"""\n' + body + '\n        """#\n}\n'
        )
    print(f"{OUTPUT}: {len(lines)} cases, {valid} valid")


main()
