// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {IReceivableLedger} from "./interfaces/IReceivableLedger.sol";
import {LedgerBase} from "./LedgerBase.sol";
import {ReceivableId} from "./libraries/ReceivableId.sol";
import {ReceivableMath} from "./libraries/ReceivableMath.sol";

/// @title LedgerAdjustments
/// @notice The platform's corrections of the ledger: defaults, credit notes (dilution), refunds, disputes, fee
/// withdrawal, dust and terms. Only `ReceivableLedger` uses it, by DELEGATECALL, so every function here runs on
/// the ledger's storage, with the ledger's roles and pause; called directly it works on an empty storage in
/// which nobody holds a role. NatSpec of each function: IReceivableLedger.
contract LedgerAdjustments is LedgerBase {
    using SafeCast for uint256;
    using SafeERC20 for IERC20;

    constructor(IERC20 settlementToken_, IParticipantRegistry registry_) LedgerBase(settlementToken_, registry_) {}

    /* DEFAULT */

    function markDefaulted(uint256 id) external onlyRole(PLATFORM_ROLE) whenNotPaused {
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        IReceivableLedger.Status status = _statusOf(id, p, face);
        if (
            status == IReceivableLedger.Status.Repaid || status == IReceivableLedger.Status.Defaulted
                || status == IReceivableLedger.Status.Disputed
        ) revert IReceivableLedger.InvalidStatus(id, status);
        LateState storage late = _late[id];
        uint256 defaultableAt = ReceivableMath.dueDate(p.startDay, ReceivableId.installmentOf(id))
            + (uint256(p.defaultDays) + late.disputeDays) * 1 days;
        // forge-lint: disable-next-line(block-timestamp) -- day-granular due dates; a validator's few seconds of drift cannot move a whole day
        if (block.timestamp < defaultableAt) revert IReceivableLedger.DefaultTooEarly(id, defaultableAt);
        (uint256 feeLeft, uint256 principalLeft) = _unpaid(id, p, face, _states[id].paid);
        // Penalty accrues up to the default, then stops.
        uint256 penalty = _accrue(id, p, feeLeft + principalLeft);
        late.defaulted = true;
        address obligor = p.obligor;
        emit IReceivableLedger.ReceivableDefaulted(id, obligor, penalty + feeLeft + principalLeft);
        registry.setFrozen(obligor, true, "DEFAULT");
    }

    /* DILUTION */

    function creditNote(uint256 id, uint256 credit, uint256 feeWaiver)
        external
        onlyRole(PLATFORM_ROLE)
        whenNotPaused
        nonReentrant
    {
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        _credit(id, p, face, credit, feeWaiver);
        _collect(p.originator, credit);
    }

    function refund(uint256 purchaseId, uint256 amount)
        external
        onlyRole(PLATFORM_ROLE)
        whenNotPaused
        nonReentrant
        returns (uint256 credited)
    {
        Purchase storage p = _purchases[purchaseId];
        if (p.obligor == address(0)) revert IReceivableLedger.UnknownPurchase(purchaseId);
        if (amount == 0) revert IReceivableLedger.ZeroAmount();
        // Latest installment first: the goods returned are the ones the last installments would have paid for.
        for (uint256 i = p.installments; i > 0 && credited < amount; --i) {
            uint256 id = ReceivableId.encode(purchaseId, i - 1);
            uint256 face = ReceivableMath.principalOf(p.principal, p.installments, i - 1);
            if (_isRepaid(id, p, face)) continue;
            (uint256 feeLeft, uint256 principalLeft) = _unpaid(id, p, face, _states[id].paid);
            if (principalLeft == 0) continue;
            uint256 credit = Math.min(amount - credited, principalLeft);
            _credit(id, p, face, credit, credit == principalLeft ? feeLeft : 0);
            credited += credit;
        }
        if (amount != type(uint256).max && credited < amount) {
            revert IReceivableLedger.RefundAboveUnpaidPrincipal(purchaseId, amount, credited);
        }
        if (credited == 0) revert IReceivableLedger.ZeroAmount();
        emit IReceivableLedger.PurchaseRefunded(purchaseId, credited);
        _collect(p.originator, credited);
    }

    /// @dev A credit of principal (paid in by the originator, distributed like principal) and a waiver of fee on
    /// one installment; penalty is brought up to date first and stays owed.
    function _credit(uint256 id, Purchase storage p, uint256 face, uint256 credit, uint256 feeWaiver) internal {
        if (_isRepaid(id, p, face)) revert IReceivableLedger.InvalidStatus(id, IReceivableLedger.Status.Repaid);
        ReceivableState memory s = _states[id];
        (uint256 feeLeft, uint256 principalLeft) = _unpaid(id, p, face, s.paid);
        if (credit > principalLeft) revert IReceivableLedger.CreditAboveUnpaidPrincipal(id, credit, principalLeft);
        if (feeWaiver > feeLeft) revert IReceivableLedger.WaiverAboveUnpaidFee(id, feeWaiver, feeLeft);
        if (credit + feeWaiver == 0) revert IReceivableLedger.ZeroAmount();
        bool late = _isLate(id, p);
        uint256 penalty = late ? _accrue(id, p, feeLeft + principalLeft) : 0;
        if (!p.adjusted) p.adjusted = true;
        Adjustment storage adj = _adjustments[id];
        if (credit != 0) {
            adj.credited += credit.toUint128();
            _states[id].distributed = (uint256(s.distributed) + credit).toUint128();
            _exposure[p.obligor] -= credit;
        }
        if (feeWaiver != 0) adj.feeWaived += feeWaiver.toUint128();
        emit IReceivableLedger.CreditNote(id, p.originator, credit, feeWaiver);
        if (credit == principalLeft && feeWaiver == feeLeft && penalty == 0) _repaid(id, p, late);
    }

    /// @dev The originator pays what it credited: refused with a name when it has not the funds or the allowance.
    function _collect(address originator, uint256 amount) internal {
        if (amount == 0) return;
        if (
            settlementToken.balanceOf(originator) < amount
                || settlementToken.allowance(originator, address(this)) < amount
        ) revert IReceivableLedger.OriginatorUnfunded(originator, amount);
        // The purchase's own originator, on the platform's credit note: dilution is its risk (DESIGN §11).
        // slither-disable-next-line arbitrary-send-erc20
        settlementToken.safeTransferFrom(originator, address(this), amount);
    }

    /* DISPUTES */

    function openDispute(uint256 id, bytes32 reason) external onlyRole(PLATFORM_ROLE) whenNotPaused {
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        IReceivableLedger.Status status = _statusOf(id, p, face);
        if (status != IReceivableLedger.Status.Active && status != IReceivableLedger.Status.Overdue) {
            revert IReceivableLedger.InvalidStatus(id, status);
        }
        if (_isLate(id, p)) {
            (uint256 feeLeft, uint256 principalLeft) = _unpaid(id, p, face, _states[id].paid);
            _accrue(id, p, feeLeft + principalLeft); // penalty up to the opening; none while it is open
        }
        _late[id].disputedSince = block.timestamp.toUint40();
        emit IReceivableLedger.DisputeOpened(id, reason);
    }

    function closeDispute(uint256 id, bool upheld, uint256 credit, uint256 feeWaiver)
        external
        onlyRole(PLATFORM_ROLE)
        whenNotPaused
        nonReentrant
    {
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        LateState storage late = _late[id];
        uint256 since = late.disputedSince;
        if (since == 0) revert IReceivableLedger.NotDisputed(id);
        if (!upheld && credit + feeWaiver != 0) revert IReceivableLedger.CreditWithoutUpheldDispute(id);
        // The whole days (rounded up) of the dispute after due + grace move the penalty and default clocks.
        uint256 from = Math.max(since, _lateFrom(id, p));
        uint256 days_ = block.timestamp > from ? Math.ceilDiv(block.timestamp - from, 1 days) : 0;
        late.disputedSince = 0;
        if (days_ != 0) {
            late.disputeDays = (uint256(late.disputeDays) + days_).toUint16();
            if (late.accruedUntil != 0) late.accruedUntil = (uint256(late.accruedUntil) + days_ * 1 days).toUint40();
        }
        emit IReceivableLedger.DisputeClosed(id, upheld, days_);
        if (upheld && credit + feeWaiver != 0) {
            _credit(id, p, face, credit, feeWaiver);
            _collect(p.originator, credit);
        }
    }

    /* FEES, DUST, TERMS */

    function releaseResidue(uint256 id, address holder) external nonReentrant returns (uint256 residue) {
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        IReceivableLedger.Status status = _statusOf(id, p, face);
        if (status != IReceivableLedger.Status.Repaid) revert IReceivableLedger.InvalidStatus(id, status);
        _settle(id, holder, _states[id].distributed, face);
        residue = _checkpoints[id][holder].residue;
        if (residue == 0) revert IReceivableLedger.NoResidue(id, holder);
        _checkpoints[id][holder].residue = 0;
        _dust[id] += residue;
        emit IReceivableLedger.ResidueReleased(id, holder, residue);
    }

    function sweepDust(uint256 id, address to) external onlyRole(PLATFORM_ROLE) nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert IReceivableLedger.ZeroAddress();
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        IReceivableLedger.Status status = _statusOf(id, p, face);
        if (status != IReceivableLedger.Status.Repaid) revert IReceivableLedger.InvalidStatus(id, status);
        uint256 dust = _dust[id];
        // Whole units of dust go out; the remainder below one unit stays, exactly.
        // slither-disable-next-line divide-before-multiply
        amount = dust / face;
        if (amount == 0) revert IReceivableLedger.NothingToSweep(id);
        _dust[id] = dust - amount * face;
        emit IReceivableLedger.DustSwept(id, to, amount);
        _send(to, amount);
    }

    function withdrawFees(address to) external onlyRole(PLATFORM_ROLE) nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert IReceivableLedger.ZeroAddress();
        amount = _feesAccrued;
        if (amount == 0) revert IReceivableLedger.ZeroAmount();
        _feesAccrued = 0;
        emit IReceivableLedger.FeesWithdrawn(to, amount);
        _send(to, amount);
    }

    function setTerms(IReceivableLedger.Terms calldata terms_) external onlyRole(PLATFORM_ROLE) {
        _setTerms(terms_);
    }
}
