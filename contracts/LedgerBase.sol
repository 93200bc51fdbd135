// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {ERC1155Pausable} from "@openzeppelin/contracts/token/ERC1155/extensions/ERC1155Pausable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {IReceivableLedger} from "./interfaces/IReceivableLedger.sol";
import {DateLib} from "./libraries/DateLib.sol";
import {ReceivableId} from "./libraries/ReceivableId.sol";
import {ReceivableMath} from "./libraries/ReceivableMath.sol";

/// @title LedgerBase
/// @notice The storage of the receivable ledger and the rules every part of it shares. Two contracts inherit
/// it and nothing else declares storage: `ReceivableLedger` (origination, repayment, claims, views) and
/// `LedgerAdjustments` (the platform's corrections: defaults, credit notes, refunds, disputes, fees, dust,
/// terms), which the ledger runs by DELEGATECALL on its own storage, so one layout serves both and the ledger
/// stays within the contract size limit.
/// Invariants (beside ReceivableLedger's):
/// - unpaid principal = face - credited - paidEarly - (paid - feePaid) >= 0, unpaid fee = fee - waived - feePaid
///   >= 0, with feePaid = min(paid, fee - waived): repayments within the period pay the fee first;
/// - exposure of an obligor = Σ unpaid principal of its installments;
/// - a purchase's `adjusted` is set before any installment of it has a credit, a waiver or an early payment.
abstract contract LedgerBase is ERC1155Pausable, AccessControl, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    bytes32 public constant ORIGINATOR_ROLE = keccak256("ORIGINATOR_ROLE");
    bytes32 public constant PLATFORM_ROLE = keccak256("PLATFORM_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /* STORAGE */

    /// @dev Purchase-level terms, stored once for all its installments (4 slots).
    struct Purchase {
        address obligor;
        uint32 startDay;
        uint8 installments;
        uint16 graceDays;
        uint16 penaltyBpsPerDay;
        uint16 defaultDays;
        bool adjusted; // an installment has a credit, a waiver or an early payment: read `_adjustments`
        address originator;
        uint8 inArrears; // installments seen past due + grace (or defaulted) and not Repaid; blocks sales
        uint128 principal;
        uint128 feePerInstallment;
        bytes32 documentHash;
    }

    /// @dev What every repayment writes: one slot, zero at mint, so origination writes none of it.
    struct ReceivableState {
        uint128 distributed; // Σ penalty + principal paid or credited to holders
        uint128 paid; // Σ fee + principal repaid within the installment's period, fee first
    }

    /// @dev Touched only once an installment is past due + grace, defaulted or disputed.
    struct LateState {
        uint128 penaltyOwed; // accrued and unpaid
        uint40 accruedUntil; // last penalty accrual point; 0 = not started (due + grace + disputeDays)
        bool defaulted;
        uint16 penaltyRemainder; // 1/10_000 of a base unit carried between accruals (< 10_000)
        uint40 disputedSince; // 0 = no dispute open
        uint16 disputeDays; // whole days of closed disputes after due + grace: the clocks moved by them
    }

    /// @dev Rare corrections, read only when the purchase is `adjusted` (2 slots).
    struct Adjustment {
        uint128 credited; // principal settled by credit notes (paid in by the originator)
        uint128 feeWaived; // fee the platform waived
        uint128 paidEarly; // principal repaid before the installment's period started
    }

    /// @dev A holder's checkpoint on one id: one slot.
    struct Checkpoint {
        uint128 snapshot; // `distributed` when last settled
        uint128 residue; // numerator carried below one unit, < face
    }

    IERC20 public immutable settlementToken;
    IParticipantRegistry public immutable registry;

    IReceivableLedger.Terms internal _terms;
    uint64 public nextPurchaseId = 1;
    /// @dev One slot for the pause flag and the fee counter (OpenZeppelin's own `_paused` slot is left unused).
    uint248 internal _feesAccrued;
    bool internal _halted;

    // Written by ReceivableLedger, read by LedgerAdjustments on the same storage (slither sees each apart).
    // slither-disable-next-line uninitialized-state
    mapping(uint256 purchaseId => Purchase) internal _purchases;
    mapping(bytes32 documentHash => uint256 purchaseId) public purchaseOfDocument;
    mapping(uint256 id => ReceivableState) internal _states;
    mapping(uint256 id => LateState) internal _late;
    mapping(uint256 id => uint256 residues) internal _dust;
    mapping(uint256 id => mapping(address holder => Checkpoint)) internal _checkpoints;
    mapping(uint256 id => mapping(address holder => uint256 units)) internal _accruedUnits;
    mapping(address obligor => uint256) internal _exposure;
    // slither-disable-next-line uninitialized-state
    mapping(uint256 id => Adjustment) internal _adjustments;

    constructor(IERC20 settlementToken_, IParticipantRegistry registry_) ERC1155("") EIP712("ReceivableLedger", "1") {
        if (address(settlementToken_) == address(0) || address(registry_) == address(0)) {
            revert IReceivableLedger.ZeroAddress();
        }
        settlementToken = settlementToken_;
        registry = registry_;
    }

    /* PAUSE: the flag packed with the fee counter */

    /// @notice True while the platform has paused the ledger.
    function paused() public view override returns (bool) {
        return _halted;
    }

    function _pause() internal override whenNotPaused {
        _halted = true;
        emit Paused(_msgSender());
    }

    function _unpause() internal override whenPaused {
        _halted = false;
        emit Unpaused(_msgSender());
    }

    /// @inheritdoc ERC1155
    function supportsInterface(bytes4 interfaceId) public view override(ERC1155, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    /* SHARED RULES */

    /// @dev The purchase of `id` and the installment's face (its fixed unit supply); reverts for unknown ids.
    function _purchaseOf(uint256 id) internal view returns (Purchase storage p, uint256 face) {
        p = _purchases[ReceivableId.purchaseOf(id)];
        uint256 installment = ReceivableId.installmentOf(id);
        if (p.obligor == address(0) || installment >= p.installments) revert IReceivableLedger.UnknownReceivable(id);
        face = ReceivableMath.principalOf(p.principal, p.installments, installment);
    }

    /// @dev The unpaid fee and principal of `id` (penalty apart), given what was repaid within its period.
    function _unpaid(uint256 id, Purchase storage p, uint256 face, uint256 paid)
        internal
        view
        returns (uint256 feeLeft, uint256 principalLeft)
    {
        if (!p.adjusted) return ReceivableMath.unpaid(face, p.feePerInstallment, paid, 0, 0);
        Adjustment memory adj = _adjustments[id];
        return
            ReceivableMath.unpaid(face, p.feePerInstallment, paid, adj.feeWaived, uint256(adj.credited) + adj.paidEarly);
    }

    /// @dev Repaid: fee and principal settled, and no penalty owed (penalty is brought up to date whenever what is
    /// outstanding changes, so none is pending once nothing is).
    function _isRepaid(uint256 id, Purchase storage p, uint256 face) internal view returns (bool) {
        uint256 paid = _states[id].paid;
        if (!p.adjusted) return paid == face + p.feePerInstallment;
        (uint256 feeLeft, uint256 principalLeft) = _unpaid(id, p, face, paid);
        return feeLeft + principalLeft == 0 && _late[id].penaltyOwed == 0;
    }

    function _statusOf(uint256 id, Purchase storage p, uint256 face) internal view returns (IReceivableLedger.Status) {
        if (_isRepaid(id, p, face)) return IReceivableLedger.Status.Repaid;
        LateState storage late = _late[id];
        if (late.defaulted) return IReceivableLedger.Status.Defaulted;
        if (late.disputedSince != 0) return IReceivableLedger.Status.Disputed;
        // forge-lint: disable-next-line(block-timestamp) -- day-granular due dates; a validator's few seconds of drift cannot move a whole day
        if (block.timestamp <= _earliestDueDate(id, p)) return IReceivableLedger.Status.Active;
        // forge-lint: disable-next-line(block-timestamp) -- day-granular due dates; a validator's few seconds of drift cannot move a whole day
        if (block.timestamp > ReceivableMath.dueDate(p.startDay, ReceivableId.installmentOf(id))) {
            return IReceivableLedger.Status.Overdue;
        }
        return IReceivableLedger.Status.Active;
    }

    /// @dev Marks `id` Repaid: emitted once, and uncounted from its purchase's arrears if it was counted there
    /// (when first seen late by an accrual).
    function _repaid(uint256 id, Purchase storage p, bool late) internal {
        if (late && _late[id].accruedUntil != 0) p.inArrears -= 1;
        emit IReceivableLedger.ReceivableRepaid(id);
    }

    /// @dev True once a whole day has passed after due + grace: only then can penalty or default exist
    /// (setTerms keeps defaultDays > graceDays).
    function _isLate(uint256 id, Purchase storage p) internal view returns (bool) {
        uint256 lateFrom = uint256(p.graceDays + 1) * 1 days;
        // Cheap lower bound first: no month is shorter than 28 days, so most on-time repayments skip the calendar.
        // forge-lint: disable-next-line(block-timestamp) -- day-granular due dates; a validator's few seconds of drift cannot move a whole day
        if (block.timestamp < _earliestDueDate(id, p) + lateFrom) return false;
        // forge-lint: disable-next-line(block-timestamp) -- day-granular due dates; a validator's few seconds of drift cannot move a whole day
        return block.timestamp >= ReceivableMath.dueDate(p.startDay, ReceivableId.installmentOf(id)) + lateFrom;
    }

    /// @dev A lower bound of the due date of `id`: 28 days per month since the purchase's start day.
    function _earliestDueDate(uint256 id, Purchase storage p) internal view returns (uint256) {
        return (uint256(p.startDay) + 28 * (ReceivableId.installmentOf(id) + 1)) * 1 days;
    }

    /// @dev Brings the penalty up to date and returns what is owed: whole days since the last accrual point,
    /// partial days carried by the point. Nothing accrues once defaulted, while disputed or once fully paid.
    function _accrue(uint256 id, Purchase storage p, uint256 outstanding) internal returns (uint256 penaltyOwed) {
        LateState storage late = _late[id];
        (uint256 added, uint256 newPoint, uint256 remainder) = _pendingPenalty(id, p, late, outstanding);
        penaltyOwed = late.penaltyOwed + added;
        if (newPoint == 0) return penaltyOwed;
        if (late.accruedUntil == 0) p.inArrears += 1; // first seen late
        late.penaltyOwed = penaltyOwed.toUint128();
        late.accruedUntil = newPoint.toUint40();
        // forge-lint: disable-next-line(unsafe-typecast) -- remainder < 10_000
        late.penaltyRemainder = uint16(remainder);
        emit IReceivableLedger.PenaltyAccrued(id, added, newPoint);
    }

    /// @dev Penalty owed if accrued at this block, without writing it.
    function _penaltyNow(uint256 id, Purchase storage p, uint256 outstanding) internal view returns (uint256) {
        LateState storage late = _late[id];
        // slither-disable-next-line unused-return
        (uint256 added,,) = _pendingPenalty(id, p, late, outstanding);
        return late.penaltyOwed + added;
    }

    /// @dev Penalty accrued since the last accrual point, the new point and the carried remainder; zeros when
    /// no whole day has passed since it, or when the id is defaulted or disputed (penalty stops). The first
    /// point is due + grace, moved by the days of closed disputes. Capped so that distributed + penalty owed +
    /// outstanding stays below 2^128: every id can always be repaid in full.
    function _pendingPenalty(uint256 id, Purchase storage p, LateState storage late, uint256 outstanding)
        internal
        view
        returns (uint256 added, uint256 newPoint, uint256 remainder)
    {
        if (late.defaulted || late.disputedSince != 0 || outstanding == 0) return (0, 0, 0);
        uint256 point = late.accruedUntil;
        if (point == 0) point = _lateFrom(id, p) + uint256(late.disputeDays) * 1 days;
        // forge-lint: disable-next-line(block-timestamp) -- day-granular due dates; a validator's few seconds of drift cannot move a whole day
        if (block.timestamp < point + 1 days) return (0, 0, 0);
        // Whole days only (DESIGN §3): the partial day is carried by the new accrual point, not lost.
        // slither-disable-next-line divide-before-multiply
        uint256 elapsedDays = (block.timestamp - point) / 1 days;
        (added, remainder) =
            ReceivableMath.penaltyFor(outstanding, p.penaltyBpsPerDay, elapsedDays, late.penaltyRemainder);
        newPoint = point + elapsedDays * 1 days;
        uint256 room = type(uint128).max - _states[id].distributed - late.penaltyOwed - outstanding;
        if (added > room) (added, remainder) = (room, 0);
    }

    /// @dev Due + grace of `id`: penalty starts a whole day after it.
    function _lateFrom(uint256 id, Purchase storage p) internal view returns (uint256) {
        return ReceivableMath.dueDate(p.startDay, ReceivableId.installmentOf(id)) + uint256(p.graceDays) * 1 days;
    }

    /// @dev Moves `holder`'s share since its snapshot into its accrued units and residue.
    function _settle(uint256 id, address holder, uint256 distributed, uint256 face) internal {
        Checkpoint memory c = _checkpoints[id][holder];
        if (c.snapshot == distributed) return;
        (uint256 units, uint256 residue) =
            ReceivableMath.shareOf(balanceOf(holder, id), distributed - c.snapshot, c.residue, face);
        if (units != 0) _accruedUnits[id][holder] += units;
        // forge-lint: disable-next-line(unsafe-typecast) -- distributed was read from a uint128; residue < face < 2^128
        _checkpoints[id][holder] = Checkpoint({snapshot: uint128(distributed), residue: uint128(residue)});
    }

    function _setTerms(IReceivableLedger.Terms memory terms_) internal {
        if (
            terms_.defaultDays <= terms_.graceDays || terms_.graceDays > ReceivableMath.MAX_GRACE_DAYS
                || terms_.penaltyBpsPerDay > ReceivableMath.MAX_PENALTY_BPS_PER_DAY
                || terms_.defaultDays > ReceivableMath.MAX_DEFAULT_DAYS
                || terms_.interestFreeDays > ReceivableMath.MAX_INTEREST_FREE_DAYS
                || terms_.maxFeeBps > ReceivableMath.MAX_FEE_BPS
        ) revert IReceivableLedger.InvalidTerms();
        _terms = terms_;
        emit IReceivableLedger.TermsSet(terms_);
    }

    /// @dev The period of installment `index` starts a calendar month before its due date (clamped like due
    /// dates): the purchase day for the first, so the first never starts late.
    function _beforePeriod(uint256 id, Purchase storage p) internal view returns (bool) {
        uint256 index = ReceivableId.installmentOf(id);
        if (index == 0) return false;
        // Cheap upper bound first: no month is longer than 31 days, so repayments near the due date skip the calendar.
        // forge-lint: disable-next-line(block-timestamp) -- day-granular due dates; a validator's few seconds of drift cannot move a whole day
        if (block.timestamp >= (uint256(p.startDay) + 31 * index) * 1 days) return false;
        // forge-lint: disable-next-line(block-timestamp) -- day-granular due dates; a validator's few seconds of drift cannot move a whole day
        return block.timestamp < DateLib.addMonths(p.startDay, index) * DateLib.SECONDS_PER_DAY;
    }

    /// @dev Sends `amount` of the settlement token from the ledger to `to`.
    function _send(address to, uint256 amount) internal {
        settlementToken.safeTransfer(to, amount);
    }
}
