// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {DateLib} from "./DateLib.sol";

/// @title ReceivableMath
/// @notice The money rules of DESIGN §3, shared by the ledger and the market and mirrored to the base
/// unit by `scf_ledger.domain.money`. Every division rounds down unless its name says otherwise, so
/// rounding never creates money.
library ReceivableMath {
    /// @dev Scale of the cumulative paid-per-unit index.
    uint256 internal constant SCALE = 1e27;
    uint256 internal constant BPS = 10_000;
    /// @dev ACT/360 year in seconds.
    uint256 internal constant YEAR_360 = 360 * 86_400;

    /* TERMS' BOUNDS (setTerms refuses anything beyond them) */

    uint16 internal constant MAX_GRACE_DAYS = 30;
    uint16 internal constant MAX_PENALTY_BPS_PER_DAY = 100; // 1 % of what is outstanding a day
    uint16 internal constant MAX_DEFAULT_DAYS = 365;
    uint16 internal constant MAX_INTEREST_FREE_DAYS = 62;
    uint16 internal constant MAX_FEE_BPS = 1_000; // 10 % of the principal per installment

    /* SCHEDULE */

    /// @notice True for the plans the product sells: 1, 3, 6, 12 or 24 installments.
    function isValidInstallmentCount(uint8 n) internal pure returns (bool) {
        return n == 1 || n == 3 || n == 6 || n == 12 || n == 24;
    }

    /// @notice floor(P / n) for every installment but the last, which takes the rest.
    function principalOf(uint256 principal, uint8 n, uint256 index) internal pure returns (uint256) {
        // The last installment takes what the floor leaves: the sum is exactly the principal.
        // slither-disable-next-line divide-before-multiply
        uint256 regular = principal / n;
        return index + 1 == n ? principal - regular * (n - 1) : regular;
    }

    /// @notice fee_i = round_half_up(P * f / 10_000); zero for a single installment due within the
    /// interest-free period.
    function feePerInstallment(uint256 principal, uint8 n, uint16 feeBps, uint256 startDay, uint16 interestFreeDays)
        internal
        pure
        returns (uint256)
    {
        if (n == 1 && DateLib.addMonths(startDay, 1) - startDay <= interestFreeDays) return 0;
        return (principal * feeBps + BPS / 2) / BPS;
    }

    /// @notice Due timestamp (00:00 UTC) of installment `index` (0-based) of a purchase confirmed on `startDay`.
    function dueDate(uint256 startDay, uint256 index) internal pure returns (uint256) {
        return DateLib.addMonths(startDay, index + 1) * DateLib.SECONDS_PER_DAY;
    }

    /* REPAYMENT */

    /// @notice How one repayment splits: penalty first, then fee, then principal.
    struct Allocation {
        uint256 toPenalty;
        uint256 toFee;
        uint256 toPrincipal;
    }

    /// @notice Splits `amount` (at most what is owed) given the penalty owed, the installment's fee and
    /// what was paid of fee + principal before.
    function allocate(uint256 amount, uint256 penaltyOwed, uint256 fee, uint256 paid)
        internal
        pure
        returns (Allocation memory a)
    {
        a.toPenalty = amount < penaltyOwed ? amount : penaltyOwed;
        uint256 rest = amount - a.toPenalty;
        uint256 feeLeft = paid >= fee ? 0 : fee - paid;
        a.toFee = rest < feeLeft ? rest : feeLeft;
        a.toPrincipal = rest - a.toFee;
    }

    /// @notice What is left of an installment's fee and principal: `paid` (fee first, then principal, within its
    /// period) counts against the fee net of `feeWaived`, and principal settled apart from it (`settledApart`:
    /// credited by credit notes, repaid before the period) against the face.
    /// @dev Invariant (proved by halmos for repayments, credit notes and early repayments: a change of what is
    /// left is what the operation settles): feeWaived <= fee and paid + settledApart <= fee - feeWaived + face.
    function unpaid(uint256 face, uint256 fee, uint256 paid, uint256 feeWaived, uint256 settledApart)
        internal
        pure
        returns (uint256 feeLeft, uint256 principalLeft)
    {
        fee -= feeWaived;
        uint256 feePaid = paid < fee ? paid : fee;
        feeLeft = fee - feePaid;
        principalLeft = face - settledApart - (paid - feePaid);
    }

    /* PENALTY */

    /// @notice Penalty for `elapsedDays` whole days on `outstanding` at `bpsPerDay`, with the remainder (in
    /// 1/10_000 of a base unit) carried from earlier accruals: the new remainder is carried to the next, so
    /// accruing every day or once gives the same penalty while `outstanding` is unchanged (DESIGN §14).
    /// @dev No overflow: outstanding < 2^128, bpsPerDay <= MAX_PENALTY_BPS_PER_DAY, elapsedDays < 2^40.
    function penaltyFor(uint256 outstanding, uint256 bpsPerDay, uint256 elapsedDays, uint256 remainder)
        internal
        pure
        returns (uint256 penalty, uint256 newRemainder)
    {
        uint256 numerator = outstanding * bpsPerDay * elapsedDays + remainder;
        // slither-disable-next-line divide-before-multiply
        penalty = numerator / BPS;
        newRemainder = numerator - penalty * BPS;
    }

    /* PRO RATA */

    /// @notice A holder's share of what was distributed on an id since its snapshot: `balance * delta / face`
    /// plus the residue carried from before, as whole units and a new residue (< face).
    /// @dev The cumulative distributed amount is an index scaled by the face itself, so the split is exact:
    /// nothing rounds at distribution, and each holder's rounding (< 1 unit) is carried, never lost.
    function shareOf(uint256 balance, uint256 delta, uint256 residue, uint256 face)
        internal
        pure
        returns (uint256 units, uint256 newResidue)
    {
        uint256 numerator = balance * delta + residue;
        // Whole units, and the exact remainder kept as the residue: nothing is lost.
        // slither-disable-next-line divide-before-multiply
        units = numerator / face;
        newResidue = numerator - units * face;
    }

    /// @notice Amount distributed per unit, scaled by SCALE (1e27), rounded down.
    function paidPerUnitScaled(uint256 distributed, uint256 face) internal pure returns (uint256) {
        return Math.mulDiv(distributed, SCALE, face);
    }

    /* PRICE */

    /// @notice Value bought with `units`: the units less what was already paid on them, that part rounded up
    /// so that a sale split in parts never values more than the whole (DESIGN §14).
    function valueOfUnits(uint256 units, uint256 paidPerUnitScaled) internal pure returns (uint256) {
        uint256 paid = Math.mulDiv(units, paidPerUnitScaled, SCALE, Math.Rounding.Ceil);
        return paid >= units ? 0 : units - paid;
    }

    /// @notice price = v - ceil(v * r * (T - t) / (10_000 * 360 days)), at least 0; v at or after T. The
    /// discount rounds up, so splitting a sale into fills never pays the seller more than one fill would.
    function priceForUnits(uint256 units, uint256 paidPerUnitScaled, uint256 rateBps, uint256 due, uint256 nowTs)
        internal
        pure
        returns (uint256)
    {
        uint256 value = valueOfUnits(units, paidPerUnitScaled);
        if (nowTs >= due) return value;
        uint256 discount = Math.mulDiv(value, rateBps * (due - nowTs), BPS * YEAR_360, Math.Rounding.Ceil);
        // A rate high enough to discount more than the value prices the units at zero, never below.
        return discount >= value ? 0 : value - discount;
    }
}
