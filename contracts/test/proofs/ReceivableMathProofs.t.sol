// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReceivableMath} from "../../libraries/ReceivableMath.sol";

/// @notice Symbolic proofs of the money math (halmos: `make prove`). Every parameter of a `check_` function is
/// symbolic, so a passing check holds for every input of the widths in its signature, not for samples. forge
/// ignores these functions. The widths are the widest the solvers finish at (times in SECURITY.md): 256-bit
/// multiplication and division are what make a check hard, so a check that needs the semantics of division is
/// stated at narrow widths, and one that follows from the code's own checked arithmetic at the full range.
contract ReceivableMathProofs {
    /// Allocation never creates money: the parts add up to what was taken, each within what it pays off.
    function check_allocationAddsUpAndCreatesNothing(
        uint64 amount,
        uint64 penaltyOwed,
        uint64 fee,
        uint64 paid,
        uint64 face
    ) public pure {
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

    /// A holder's share is exact: its whole units and new residue make up balance * delta + the old residue,
    /// so nothing is created or lost by the split (whatever the face, at the ledger's full 128-bit range).
    function check_shareAddsUpExactly(uint128 balance, uint128 delta, uint128 residue, uint128 face) public pure {
        if (face == 0 || balance > face || residue >= face) return;
        (uint256 units, uint256 newResidue) = ReceivableMath.shareOf(balance, delta, residue, face);
        assert(units * face + newResidue == uint256(balance) * delta + residue);
    }

    /// The residue a holder carries stays below one unit of the face: together with the check above, a holder
    /// gets floor((balance * delta + residue) / face) units, so holders whose balances sum to at most the face
    /// never get more than delta between them.
    function check_shareResidueBelowOneUnit(uint8 balance, uint8 delta, uint8 residue, uint8 face) public pure {
        if (face == 0 || balance > face || residue >= face) return;
        (, uint256 newResidue) = ReceivableMath.shareOf(balance, delta, residue, face);
        assert(newResidue < face);
    }

    /// The price never exceeds the value bought, whatever was already paid on the units, the rate and the time.
    function check_priceAtMostValue(uint128 units, uint128 paidPerUnitScaled, uint16 rateBps, uint40 due, uint40 nowTs)
        public
        pure
    {
        uint256 price = ReceivableMath.priceForUnits(units, paidPerUnitScaled, rateBps, due, nowTs);
        assert(price <= ReceivableMath.valueOfUnits(units, paidPerUnitScaled));
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

    /* DILUTION: what is left of an installment moves by exactly what each operation settles (DESIGN §11, §14) */

    struct Installment {
        uint256 face;
        uint256 fee;
        uint256 paid; // within the period: fee first, then principal
        uint256 feeWaived;
        uint256 settledApart; // principal credited or repaid before the period
    }

    /// The states an installment can be in: the fee waived within the fee, what was paid and settled apart
    /// within what is owed (the invariant stated at `ReceivableMath.unpaid`).
    function _reachable(Installment memory i) internal pure returns (bool) {
        return i.feeWaived <= i.fee && i.paid + i.settledApart <= i.fee - i.feeWaived + i.face;
    }

    function _left(Installment memory i) internal pure returns (uint256 feeLeft, uint256 principalLeft) {
        return ReceivableMath.unpaid(i.face, i.fee, i.paid, i.feeWaived, i.settledApart);
    }

    /// A repayment within the period settles its fee part against the fee and its principal part against the
    /// principal, and nothing else: the ledger lowers exposure by `toPrincipal`, so exposure = Σ unpaid
    /// principal holds, and the parts add up to what was taken.
    function check_repaymentSettlesWhatItAllocates(
        uint64 face,
        uint64 fee,
        uint64 paid,
        uint64 feeWaived,
        uint64 settledApart,
        uint64 penalty,
        uint64 amount
    ) public pure {
        Installment memory i = Installment(face, fee, paid, feeWaived, settledApart);
        if (!_reachable(i)) return;
        (uint256 feeLeft, uint256 principalLeft) = _left(i);
        uint256 owed = uint256(penalty) + feeLeft + principalLeft;
        uint256 taken = amount < owed ? amount : owed;
        ReceivableMath.Allocation memory a = ReceivableMath.allocate(taken, penalty, feeLeft, 0);
        assert(a.toPenalty + a.toFee + a.toPrincipal == taken);
        i.paid += a.toFee + a.toPrincipal;
        (uint256 feeAfter, uint256 principalAfter) = _left(i);
        assert(feeAfter == feeLeft - a.toFee);
        assert(principalAfter == principalLeft - a.toPrincipal);
        assert(taken < owed || feeAfter + principalAfter == 0); // paid in full: nothing is left of it
    }

    /// A credit note settles principal only and a waiver fee only, each within what is left of it: the obligor
    /// owes exactly `credit` + `waiver` less, exposure falls by `credit`, and penalty is not touched. (At 32
    /// bits: at 64 Bitwuzla does not finish within 300 s; the arithmetic is only additions, subtractions and
    /// minima, whose bugs show at any width.)
    function check_creditNoteSettlesPrincipalOnly(
        uint32 face,
        uint32 fee,
        uint32 paid,
        uint32 feeWaived,
        uint32 settledApart,
        uint32 credit,
        uint32 waiver
    ) public pure {
        Installment memory i = Installment(face, fee, paid, feeWaived, settledApart);
        if (!_reachable(i)) return;
        (uint256 feeLeft, uint256 principalLeft) = _left(i);
        if (credit > principalLeft || waiver > feeLeft) return; // refused by name
        i.feeWaived += waiver;
        i.settledApart += credit;
        (uint256 feeAfter, uint256 principalAfter) = _left(i);
        assert(feeAfter == feeLeft - waiver);
        assert(principalAfter == principalLeft - credit);
        assert(_reachable(i));
    }

    /// An early repayment takes principal only; paid in full, the fee left is waived and nothing is owed.
    function check_earlyRepaymentOwesNoFee(
        uint64 face,
        uint64 fee,
        uint64 paid,
        uint64 feeWaived,
        uint64 settledApart,
        uint64 amount
    ) public pure {
        Installment memory i = Installment(face, fee, paid, feeWaived, settledApart);
        if (!_reachable(i)) return;
        (uint256 feeLeft, uint256 principalLeft) = _left(i);
        uint256 taken = amount < principalLeft ? amount : principalLeft;
        i.settledApart += taken;
        if (taken == principalLeft) i.feeWaived += feeLeft;
        (uint256 feeAfter, uint256 principalAfter) = _left(i);
        assert(principalAfter == principalLeft - taken);
        assert(taken < principalLeft || feeAfter + principalAfter == 0);
        assert(taken == principalLeft || feeAfter == feeLeft);
        assert(_reachable(i));
    }
}
