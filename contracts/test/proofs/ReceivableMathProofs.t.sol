// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReceivableMath} from "../../libraries/ReceivableMath.sol";

/// @notice Symbolic proofs of the money math (halmos: `make prove`). Every parameter of a `check_` function is
/// symbolic, so a passing check holds for every input within the stated bounds, not for samples. forge ignores
/// these functions. Each check states its widths in its signature: the same code, every value of those widths
/// (z3 proves the allocation at 64 bits in 8 s and times out at 128; the schedule at 128 bits in under a second;
/// the share and price checks do not finish yet at the widths below, see the session note).
contract ReceivableMathProofs {
    uint256 internal constant MAX_AMOUNT = type(uint128).max;

    /// Allocation never creates money: the parts add up to what was taken, each within what it pays off.
    function check_allocationAddsUpAndCreatesNothing(uint64 amount, uint64 penaltyOwed, uint64 fee, uint64 paid, uint64 face)
        public
        pure
    {
        uint256 owed = uint256(penaltyOwed) + fee + face;
        if (paid > uint256(fee) + face) return;
        owed -= paid;
        if (amount > owed) return; // repay takes at most what is owed
        ReceivableMath.Allocation memory a = ReceivableMath.allocate(amount, penaltyOwed, fee, paid);
        assert(a.toPenalty + a.toFee + a.toPrincipal == amount);
        assert(a.toPenalty <= penaltyOwed);
        assert(paid + a.toFee + a.toPrincipal <= uint256(fee) + face);
        assert(a.toFee == 0 || a.toPenalty == penaltyOwed); // penalty first
        assert(a.toPrincipal == 0 || paid + a.toFee >= fee); // then fee, then principal
    }

    /// A holder's share is exact: whole units and residue make up balance * delta + residue, the residue
    /// stays below one unit of the face.
    function check_shareIsExact(uint16 balance, uint32 delta, uint16 residue, uint16 face) public pure {
        if (face == 0 || balance > face || residue >= face) return;
        (uint256 units, uint256 newResidue) = ReceivableMath.shareOf(balance, delta, residue, face);
        assert(units * face + newResidue == uint256(balance) * delta + residue);
        assert(newResidue < face);
    }

    /// Two holders never get more than what was distributed (their units at most the face's).
    function check_twoHoldersNeverGetMoreThanDistributed(uint16 a, uint16 b, uint32 delta, uint16 face)
        public
        pure
    {
        if (face == 0 || uint256(a) + b > face) return;
        (uint256 first,) = ReceivableMath.shareOf(a, delta, 0, face);
        (uint256 second,) = ReceivableMath.shareOf(b, delta, 0, face);
        assert(first + second <= delta);
    }

    /// The price never exceeds the value bought, and never rises when the time to maturity rises.
    function check_priceAtMostValueAndFallsWithTime(uint32 units, uint16 rateBps, uint32 due, uint32 t1, uint32 t2)
        public
        pure
    {
        if (t1 > t2) return; // t1 earlier: more time to maturity
        uint256 early = ReceivableMath.priceForUnits(units, 0, rateBps, due, t1);
        uint256 late = ReceivableMath.priceForUnits(units, 0, rateBps, due, t2);
        assert(early <= ReceivableMath.valueOfUnits(units, 0));
        assert(early <= late);
    }

    /// The schedule's principals add up to the principal, for every plan sold.
    function check_scheduleSumsToPrincipal(uint128 principal, uint8 planSeed) public pure {
        // The plan chosen by branches, not by a symbolic index into memory (which halmos cannot follow).
        uint8 k = planSeed % 5;
        uint8 n = k == 0 ? 1 : k == 1 ? 3 : k == 2 ? 6 : k == 3 ? 12 : 24;
        if (principal < n) return;
        uint256 sum;
        for (uint256 i; i < n; ++i) {
            sum += ReceivableMath.principalOf(principal, n, i);
        }
        assert(sum == principal);
    }
}
