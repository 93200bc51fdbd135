"""Scalar types of the requests and responses. Amounts and ids are ints inside and strings of decimal digits
on the wire (JSON numbers lose precision past 2^53): parsed once on the way in, serialized once on the way out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from eth_utils import to_checksum_address
from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema

from scf_ledger.domain.constants import MAX_AMOUNT, MAX_UINT256


def _digits(max_digits: int, maximum: int, what: str) -> Callable[[object], int]:
    pattern = re.compile(rf"[0-9]{{1,{max_digits}}}")

    def parse(value: object) -> int:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise ValueError(f"{what} is a string of 1 to {max_digits} decimal digits")
        number = int(value)
        if number > maximum:
            raise ValueError(f"{what} is at most {maximum}")
        return number

    return parse


def _wire(max_digits: int, example: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": f"^[0-9]{{1,{max_digits}}}$", "examples": [example]})


_as_string = PlainSerializer(str, return_type=str, when_used="json")

# In requests: a string of digits, parsed to int and bounded.
AmountIn = Annotated[int, BeforeValidator(_digits(39, MAX_AMOUNT, "an amount of base units")), _wire(39, "1000000")]
TokenIdIn = Annotated[int, BeforeValidator(_digits(78, MAX_UINT256, "a token id")), _wire(78, "256")]
# In responses: an int written as a string of digits.
Amount = Annotated[int, _as_string, _wire(39, "1000000")]
TokenId = Annotated[int, _as_string, _wire(78, "256")]
Uint = Annotated[int, _as_string, _wire(78, "1")]

Address = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{40}$"), AfterValidator(to_checksum_address)]
Bytes32 = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{64}$")]
Signature = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{130}$")]
