// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ReceivableId
/// @notice The token id of an installment: `purchaseId << 8 | installment`. The one place the contracts
/// encode or split an id (src/scf_ledger/domain/ids.py is the same rule off-chain).
library ReceivableId {
    uint256 internal constant INSTALLMENT_BITS = 8;
    uint256 internal constant INSTALLMENT_MASK = 0xff; // 2^INSTALLMENT_BITS - 1

    /// @notice The id of installment `installment` (0-based, < 256) of purchase `purchaseId`.
    function encode(uint256 purchaseId, uint256 installment) internal pure returns (uint256) {
        return (purchaseId << INSTALLMENT_BITS) | installment;
    }

    /// @notice The purchase an id belongs to.
    function purchaseOf(uint256 id) internal pure returns (uint256) {
        return id >> INSTALLMENT_BITS;
    }

    /// @notice The installment index (0-based) of an id.
    function installmentOf(uint256 id) internal pure returns (uint256) {
        return id & INSTALLMENT_MASK;
    }
}
