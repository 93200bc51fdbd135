"""Scalar types of the requests and responses. Amounts and ids are ints inside and strings of decimal digits
on the wire (JSON numbers lose precision past 2^53): parsed once on the way in, serialized once on the way out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from eth_utils import to_checksum_address
from pydantic import AfterValidator, BeforeValidator, Field

from scf_ledger.domain.constants import MAX_AMOUNT, MAX_UINT64, MAX_UINT256
from scf_ledger.domain.types import Amount, TokenId, Uint, wire_schema


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


# In requests: a string of ASCII digits, parsed to int and bounded by the contract's type.
AmountIn = Annotated[
    int, BeforeValidator(_digits(39, MAX_AMOUNT, "an amount of base units")), wire_schema(39, "1000000")
]
parse_token_id = _digits(78, MAX_UINT256, "a token id")  # raises ValueError
TokenIdIn = Annotated[int, BeforeValidator(parse_token_id), wire_schema(78, "256")]
parse_uint256 = _digits(78, MAX_UINT256, "a uint256")  # raises ValueError
Uint256In = Annotated[int, BeforeValidator(parse_uint256), wire_schema(78, "1")]
TimestampIn = Annotated[int, BeforeValidator(_digits(20, MAX_UINT64, "a UNIX time (uint64)")), wire_schema(20, "1")]
# In responses: Amount, TokenId and Uint of scf_ledger.domain.types (re-exported here for the models).
__all__ = [
    "ADDRESS_PATTERN",
    "OFFER_ID_PATTERN",
    "Address",
    "Amount",
    "AmountIn",
    "Bytes32",
    "Signature",
    "TimestampIn",
    "TokenId",
    "TokenIdIn",
    "Uint",
    "Uint256In",
    "parse_token_id",
    "parse_uint256",
]

ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"
OFFER_ID_PATTERN = r"^(0x[0-9a-fA-F]{40})-([0-9]{1,78})$"  # an offer's id: financier and nonce

Address = Annotated[str, Field(pattern=ADDRESS_PATTERN), AfterValidator(to_checksum_address)]
Bytes32 = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{64}$")]
Signature = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{130}$")]
