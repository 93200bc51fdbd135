"""Receivable token ids: installment `i` of purchase `p` is `p << 8 | i` (contracts/libraries/ReceivableId.sol
is the same rule on-chain). The only place in Python that knows the encoding."""

from __future__ import annotations

INSTALLMENT_BITS = 8
_INSTALLMENT_MASK = (1 << INSTALLMENT_BITS) - 1


def receivable_id(purchase_id: int, installment: int) -> int:
    """Token id of installment `installment` (0-based) of purchase `purchase_id`."""
    if not 0 <= installment <= _INSTALLMENT_MASK:
        raise ValueError(f"installment index {installment} does not fit {INSTALLMENT_BITS} bits")
    return (purchase_id << INSTALLMENT_BITS) | installment


def split_receivable_id(token_id: int) -> tuple[int, int]:
    """(purchase id, installment index) of a token id."""
    return token_id >> INSTALLMENT_BITS, token_id & _INSTALLMENT_MASK


def purchase_token_ids(purchase_id: int, installments: int) -> list[int]:
    """Token ids of every installment of a purchase, in due order."""
    return [receivable_id(purchase_id, i) for i in range(installments)]
