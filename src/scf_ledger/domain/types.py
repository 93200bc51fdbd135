"""Integers with a wire form: amounts and ids are ints in Python and strings of decimal digits in JSON (JSON
numbers lose precision past 2^53). The string form is applied once, when a model is written as JSON."""

from __future__ import annotations

from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema


def wire_schema(max_digits: int, example: str) -> WithJsonSchema:
    """The JSON schema of a string of at most `max_digits` decimal digits."""
    return WithJsonSchema({"type": "string", "pattern": f"^[0-9]{{1,{max_digits}}}$", "examples": [example]})


_as_string = PlainSerializer(str, return_type=str, when_used="json")

Amount = Annotated[int, _as_string, wire_schema(39, "1000000")]  # base units of the settlement token
TokenId = Annotated[int, _as_string, wire_schema(78, "256")]  # a receivable's ERC-1155 id
Uint = Annotated[int, _as_string, wire_schema(78, "1")]  # any other wide unsigned integer
