// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title NaiveReceivable721
/// @notice Benchmark baseline only (never deployed by `scf deploy`): the common first design of tokenized
/// receivables, one ERC-721 per installment with its terms in a struct, repaid straight to the current
/// owner. It cannot be split, so a tier-1 supplier cannot pass part of an installment upstream.
contract NaiveReceivable721 is ERC721 {
    using SafeERC20 for IERC20;

    struct Installment {
        address obligor;
        uint64 dueDate;
        uint128 face;
        uint128 fee;
        uint128 paid;
        bytes32 documentHash;
    }

    IERC20 public immutable settlementToken;
    uint256 public nextId = 1;
    mapping(uint256 id => Installment) public installments;

    constructor(IERC20 token) ERC721("Naive receivable", "NRCV") {
        settlementToken = token;
    }

    /// @notice Mints one token per installment, each with its own copy of the terms.
    function originate(address obligor, address supplier, uint256 principal, uint8 n, uint256 fee, bytes32 doc)
        external
        returns (uint256 firstId)
    {
        firstId = nextId;
        for (uint256 i; i < n; ++i) {
            uint256 id = firstId + i;
            installments[id] = Installment({
                obligor: obligor,
                // forge-lint: disable-next-line(unsafe-typecast) -- benchmark baseline, bounded inputs
                dueDate: uint64(block.timestamp + (i + 1) * 30 days),
                // forge-lint: disable-next-line(unsafe-typecast) -- benchmark baseline, bounded inputs
                face: uint128(principal / n),
                // forge-lint: disable-next-line(unsafe-typecast) -- benchmark baseline, bounded inputs
                fee: uint128(fee),
                paid: 0,
                documentHash: doc
            });
            _mint(supplier, id);
        }
        nextId = firstId + n;
    }

    /// @notice Pays the current owner directly.
    function repay(uint256 id, uint256 amount) external {
        Installment storage it = installments[id];
        // forge-lint: disable-next-line(unsafe-typecast) -- benchmark baseline, bounded inputs
        it.paid += uint128(amount);
        settlementToken.safeTransferFrom(msg.sender, ownerOf(id), amount);
    }
}
