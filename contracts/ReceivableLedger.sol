// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {IReceivableLedger} from "./interfaces/IReceivableLedger.sol";
import {LedgerAdjustments} from "./LedgerAdjustments.sol";
import {LedgerBase} from "./LedgerBase.sol";
import {DateLib} from "./libraries/DateLib.sol";
import {ReceivableId} from "./libraries/ReceivableId.sol";
import {ReceivableMath} from "./libraries/ReceivableMath.sol";

/// @title ReceivableLedger
/// @notice ERC-1155 ledger of installment receivables with O(1) pro-rata repayment distribution.
/// @dev Pro rata without loops: each id keeps `distributed`, the cumulative penalty + principal paid (or
/// credited) to its holders. A holder is owed `balance * (distributed - snapshot) / face` since its snapshot:
/// the index is scaled by the face itself, so nothing rounds when money comes in; each holder's rounding
/// (< 1 unit) is carried as a residue and divided once, at claim. Storage and shared rules: LedgerBase; the
/// platform's corrections run in LedgerAdjustments, by DELEGATECALL on this storage.
/// Invariants:
/// - the supply of id is its face (principal_i), fixed at mint: units are never minted again nor burned;
/// - Σ over holders of (accruedUnits * face + residue + balance * (distributed - snapshot)) + dust = distributed * face,
///   so Σ claimed + Σ claimable + swept <= Σ distributed;
/// - a holder's checkpoint is settled in `_update` before its balance changes;
/// - Repaid (principal, fee and penalty settled) is terminal; Defaulted never returns to Active (full recovery
///   makes it Repaid);
/// - distributed + penaltyOwed + outstanding < 2^128: penalty is capped there, so every id can be repaid;
/// - a purchase's `inArrears` counts its installments seen past due + grace (or defaulted) and not Repaid.
contract ReceivableLedger is IReceivableLedger, LedgerBase {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    bytes32 public constant ACKNOWLEDGEMENT_TYPEHASH = keccak256(
        "Acknowledgement(address obligor,address supplier,uint256 principal,uint8 installments,uint16 feeBps,bytes32 documentHash,uint256 deadline,uint16 graceDays,uint16 penaltyBpsPerDay,uint16 defaultDays,uint16 interestFreeDays)"
    );

    /// @notice The extension that runs the platform's corrections on this ledger's storage.
    address public immutable adjustments;

    constructor(
        IERC20 settlementToken_,
        IParticipantRegistry registry_,
        address admin,
        Terms memory terms_,
        LedgerAdjustments adjustments_
    ) LedgerBase(settlementToken_, registry_) {
        if (admin == address(0)) revert ZeroAddress();
        // The extension reads the same immutables from its own code: they must be these.
        if (adjustments_.settlementToken() != settlementToken_ || adjustments_.registry() != registry_) {
            revert AdjustmentsMismatch();
        }
        adjustments = address(adjustments_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ORIGINATOR_ROLE, admin);
        _grantRole(PLATFORM_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        _setTerms(terms_);
    }

    /* ORIGINATION */

    /// @inheritdoc IReceivableLedger
    function originate(OriginationRequest calldata request, bytes calldata signature)
        external
        onlyRole(ORIGINATOR_ROLE)
        whenNotPaused
        nonReentrant
        returns (uint256 purchaseId)
    {
        purchaseId = nextPurchaseId;
        // forge-lint: disable-next-line(unsafe-typecast) -- one id per purchase: 2^64 purchases cannot happen
        nextPurchaseId = uint64(purchaseId + 1);
        _originate(purchaseId, request, signature, _terms);
    }

    /// @inheritdoc IReceivableLedger
    function originateBatch(OriginationRequest[] calldata requests, bytes[] calldata signatures)
        external
        onlyRole(ORIGINATOR_ROLE)
        whenNotPaused
        nonReentrant
        returns (uint256 firstPurchaseId)
    {
        if (requests.length != signatures.length) revert LengthMismatch(requests.length, signatures.length);
        firstPurchaseId = nextPurchaseId;
        // The counter is written before any receiver hook can run.
        // forge-lint: disable-next-line(unsafe-typecast) -- one id per purchase: 2^64 purchases cannot happen
        nextPurchaseId = uint64(firstPurchaseId + requests.length);
        Terms memory terms_ = _terms;
        for (uint256 i; i < requests.length; ++i) {
            _originate(firstPurchaseId + i, requests[i], signatures[i], terms_);
        }
    }

    function _originate(
        uint256 purchaseId,
        OriginationRequest calldata r,
        bytes calldata signature,
        Terms memory terms_
    ) internal {
        uint8 n = r.installments;
        if (!ReceivableMath.isValidInstallmentCount(n)) revert InvalidInstallmentCount(n);
        if (r.principal < n || r.principal > type(uint128).max) revert InvalidPrincipal(r.principal, n);
        if (r.feeBps > terms_.maxFeeBps) revert FeeTooHigh(r.feeBps, terms_.maxFeeBps);
        // forge-lint: disable-next-line(block-timestamp) -- day-granular due dates; a validator's few seconds of drift cannot move a whole day
        if (block.timestamp > r.deadline) revert AcknowledgementExpired(r.deadline, block.timestamp);
        if (r.documentHash == bytes32(0)) revert ZeroDocumentHash();
        if (
            r.graceDays != terms_.graceDays || r.penaltyBpsPerDay != terms_.penaltyBpsPerDay
                || r.defaultDays != terms_.defaultDays || r.interestFreeDays != terms_.interestFreeDays
        ) revert TermsNotCurrent();
        uint256 usedBy = purchaseOfDocument[r.documentHash];
        if (usedBy != 0) revert DocumentAlreadyUsed(r.documentHash, usedBy);
        if (!SignatureChecker.isValidSignatureNow(r.obligor, acknowledgementDigest(r), signature)) {
            revert InvalidAcknowledgement(r.obligor);
        }
        _checkParties(r.obligor, r.supplier, r.principal);

        uint256 startDay = block.timestamp / DateLib.SECONDS_PER_DAY;
        uint256 fee = ReceivableMath.feePerInstallment(r.principal, n, r.feeBps, startDay, terms_.interestFreeDays);
        // Principal + fees within uint128 accounting; penalty is capped to stay within it (`_pendingPenalty`).
        if (r.principal + fee * n > type(uint128).max) revert InvalidPrincipal(r.principal, n);

        purchaseOfDocument[r.documentHash] = purchaseId;
        _purchases[purchaseId] = Purchase({
            obligor: r.obligor,
            // forge-lint: disable-next-line(unsafe-typecast) -- safe: the cast bound is stated on the line
            startDay: uint32(startDay), // Safe cast: day numbers fit 32 bits for 11 million years.
            installments: n,
            graceDays: terms_.graceDays,
            penaltyBpsPerDay: terms_.penaltyBpsPerDay,
            defaultDays: terms_.defaultDays,
            adjusted: false,
            originator: r.supplier,
            inArrears: 0,
            principal: uint128(r.principal), // Safe cast: checked above.
            // forge-lint: disable-next-line(unsafe-typecast) -- safe: the cast bound is stated on the line
            feePerInstallment: uint128(fee), // Safe cast: fee * n + principal <= uint128 max.
            documentHash: r.documentHash
        });
        _exposure[r.obligor] += r.principal;

        emit PurchaseOriginated(
            purchaseId, r.obligor, r.supplier, r.principal, n, fee, ReceivableMath.dueDate(startDay, 0), r.documentHash
        );

        uint256[] memory ids = new uint256[](n);
        uint256[] memory amounts = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            ids[i] = ReceivableId.encode(purchaseId, i);
            amounts[i] = ReceivableMath.principalOf(r.principal, n, i);
        }
        // Receiver hook runs last, after every state change above.
        _mintBatch(r.supplier, ids, amounts, "");
    }

    function _checkParties(address obligor, address supplier, uint256 principal) internal view {
        IParticipantRegistry.Participant memory o = registry.participant(obligor);
        if (o.kind != IParticipantRegistry.Kind.Obligor) revert NotAnObligor(obligor);
        if (o.blacklisted) revert ParticipantBlacklisted(obligor);
        if (o.frozen) revert ObligorFrozen(obligor);
        uint256 exposure = _exposure[obligor];
        if (exposure + principal > o.creditLimit) {
            revert CreditLimitExceeded(obligor, exposure, principal, o.creditLimit);
        }
        IParticipantRegistry.Participant memory s = registry.participant(supplier);
        if (s.kind != IParticipantRegistry.Kind.Supplier) revert NotASupplier(supplier);
        if (s.blacklisted) revert ParticipantBlacklisted(supplier);
        if (s.frozen) revert ParticipantFrozen(supplier);
    }

    /* REPAYMENT */

    /// @inheritdoc IReceivableLedger
    /// @dev Not paused with the rest: an obligor can always pay what it owes, so a pause never pushes anyone
    /// into penalty or default (as Compound never pauses repayment). The money waits in the ledger until
    /// claims resume. Before the installment's period starts its fee is not owed yet: a repayment then goes to
    /// principal, and one that pays it in full waives the fee (DESIGN §11).
    function repay(uint256 id, uint256 maxAmount) external nonReentrant returns (uint256 taken) {
        if (maxAmount == 0) revert ZeroAmount();
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        ReceivableState memory s = _states[id];
        (uint256 feeLeft, uint256 principalLeft) = _unpaid(id, p, face, s.paid);
        // On time (before due + grace + 1 day) there is no penalty and no default: the late slot is not read.
        bool late = _isLate(id, p);
        uint256 penalty = late ? _accrue(id, p, feeLeft + principalLeft) : 0;
        uint256 owed = penalty + feeLeft + principalLeft;
        if (owed == 0) revert InvalidStatus(id, Status.Repaid);
        if (!late && principalLeft != 0 && _beforePeriod(id, p)) {
            return _repayEarly(id, p, maxAmount, s, feeLeft, principalLeft);
        }

        taken = maxAmount < owed ? maxAmount : owed;
        ReceivableMath.Allocation memory a = ReceivableMath.allocate(taken, penalty, feeLeft, 0);

        // Safe casts: distributed <= face + all penalty, checked by toUint128; paid <= face + fee < 2^128.
        _states[id] = ReceivableState({
            distributed: (uint256(s.distributed) + a.toPenalty + a.toPrincipal).toUint128(),
            paid: uint128(s.paid + a.toFee + a.toPrincipal)
        });
        // forge-lint: disable-next-line(unsafe-typecast) -- penalty - toPenalty <= penalty, stored as uint128
        if (a.toPenalty != 0) _late[id].penaltyOwed = uint128(penalty - a.toPenalty);
        if (a.toFee != 0) _feesAccrued = (uint256(_feesAccrued) + a.toFee).toUint248();
        if (a.toPrincipal != 0) _exposure[p.obligor] -= a.toPrincipal;
        if (taken == owed) _repaid(id, p, late);
        emit Repayment(id, msg.sender, taken, a.toPenalty, a.toFee, a.toPrincipal);

        settlementToken.safeTransferFrom(msg.sender, address(this), taken);
    }

    /// @dev A repayment before the period starts: principal only, the fee waived once the principal is paid.
    function _repayEarly(
        uint256 id,
        Purchase storage p,
        uint256 maxAmount,
        ReceivableState memory s,
        uint256 feeLeft,
        uint256 principalLeft
    ) internal returns (uint256 taken) {
        taken = maxAmount < principalLeft ? maxAmount : principalLeft;
        if (!p.adjusted) p.adjusted = true;
        Adjustment storage adj = _adjustments[id];
        adj.paidEarly += taken.toUint128();
        _states[id].distributed = (uint256(s.distributed) + taken).toUint128();
        _exposure[p.obligor] -= taken;
        if (taken == principalLeft) {
            adj.feeWaived += feeLeft.toUint128();
            emit FeeWaivedForEarlyRepayment(id, feeLeft);
            _repaid(id, p, false);
        }
        emit Repayment(id, msg.sender, taken, 0, 0, taken);
        settlementToken.safeTransferFrom(msg.sender, address(this), taken);
    }

    /// @inheritdoc IReceivableLedger
    function accruePenalty(uint256 id) external whenNotPaused returns (uint256 penaltyOwed) {
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        if (!_isLate(id, p)) return 0;
        (uint256 feeLeft, uint256 principalLeft) = _unpaid(id, p, face, _states[id].paid);
        return _accrue(id, p, feeLeft + principalLeft);
    }

    /* THE PLATFORM'S CORRECTIONS: run by LedgerAdjustments on this storage */

    /// @inheritdoc IReceivableLedger
    function markDefaulted(uint256) external {
        _delegate();
    }

    /// @inheritdoc IReceivableLedger
    function creditNote(uint256, uint256, uint256) external {
        _delegate();
    }

    /// @inheritdoc IReceivableLedger
    function refund(uint256, uint256) external returns (uint256) {
        _delegate();
    }

    /// @inheritdoc IReceivableLedger
    function openDispute(uint256, bytes32) external {
        _delegate();
    }

    /// @inheritdoc IReceivableLedger
    function closeDispute(uint256, bool, uint256, uint256) external {
        _delegate();
    }

    /// @inheritdoc IReceivableLedger
    function releaseResidue(uint256, address) external returns (uint256) {
        _delegate();
    }

    /// @inheritdoc IReceivableLedger
    function sweepDust(uint256, address) external returns (uint256) {
        _delegate();
    }

    /// @inheritdoc IReceivableLedger
    function withdrawFees(address) external returns (uint256) {
        _delegate();
    }

    /// @inheritdoc IReceivableLedger
    function setTerms(Terms calldata) external {
        _delegate();
    }

    /// @dev Runs this call in the extension on this storage, answering what it answers (or its revert).
    function _delegate() internal {
        address target = adjustments;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    /* CLAIMS */

    /// @inheritdoc IReceivableLedger
    function claim(uint256 id, address receiver) external nonReentrant whenNotPaused returns (uint256 amount) {
        _checkClaimant(receiver);
        amount = _claim(id, receiver);
        if (amount == 0) revert NothingToClaim(id, msg.sender);
        settlementToken.safeTransfer(receiver, amount);
    }

    /// @inheritdoc IReceivableLedger
    function claimMany(uint256[] calldata ids, address receiver)
        external
        nonReentrant
        whenNotPaused
        returns (uint256 total)
    {
        _checkClaimant(receiver);
        for (uint256 i; i < ids.length; ++i) {
            total += _claim(ids[i], receiver);
        }
        if (total != 0) settlementToken.safeTransfer(receiver, total);
    }

    /// @dev Neither the holder nor the receiver may be blacklisted: the share waits, claimable, until the flag
    /// is lifted (SECURITY.md).
    function _checkClaimant(address receiver) internal view {
        if (receiver == address(0)) revert ZeroAddress();
        if (registry.participant(msg.sender).blacklisted) revert ParticipantBlacklisted(msg.sender);
        if (receiver != msg.sender && registry.participant(receiver).blacklisted) {
            revert ParticipantBlacklisted(receiver);
        }
    }

    function _claim(uint256 id, address receiver) internal returns (uint256 amount) {
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        ReceivableState memory s = _states[id];
        Checkpoint memory c = _checkpoints[id][msg.sender];
        uint256 residue;
        (amount, residue) =
            ReceivableMath.shareOf(balanceOf(msg.sender, id), s.distributed - c.snapshot, c.residue, face);
        uint256 settled = _accruedUnits[id][msg.sender];
        amount += settled;
        if (amount == 0) return 0;
        if (settled != 0) _accruedUnits[id][msg.sender] = 0;
        if (_isRepaid(id, p, face)) {
            // Nothing more will ever be distributed on this id: the residue is dust for the platform.
            _dust[id] += residue;
            residue = 0;
        }
        // forge-lint: disable-next-line(unsafe-typecast) -- residue < face < 2^128
        _checkpoints[id][msg.sender] = Checkpoint({snapshot: s.distributed, residue: uint128(residue)});
        emit Claimed(id, msg.sender, receiver, amount);
    }

    /// @inheritdoc IReceivableLedger
    function feesAccrued() external view returns (uint256) {
        return _feesAccrued;
    }

    /* PAUSE */

    /// @inheritdoc IReceivableLedger
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IReceivableLedger
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /* TRANSFER HOOK */

    /// @dev Settles both holders' checkpoints before balances move, and admits only registered,
    /// non-blacklisted holders. Mints are of fresh ids (nothing distributed yet), so they need no checkpoint.
    function _update(address from, address to, uint256[] memory ids, uint256[] memory values) internal override {
        if (from != address(0)) {
            if (!registry.isEligibleHolder(from)) revert NotEligibleHolder(from);
            if (!registry.isEligibleHolder(to)) revert NotEligibleHolder(to);
            for (uint256 i; i < ids.length; ++i) {
                uint256 id = ids[i];
                uint256 distributed = _states[id].distributed;
                if (distributed != 0) {
                    (, uint256 face) = _purchaseOf(id);
                    _settle(id, from, distributed, face);
                    _settle(id, to, distributed, face);
                }
            }
        }
        super._update(from, to, ids, values);
    }

    /* VIEWS */

    /// @inheritdoc IReceivableLedger
    function acknowledgementDigest(OriginationRequest calldata r) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    ACKNOWLEDGEMENT_TYPEHASH,
                    r.obligor,
                    r.supplier,
                    r.principal,
                    r.installments,
                    r.feeBps,
                    r.documentHash,
                    r.deadline,
                    r.graceDays,
                    r.penaltyBpsPerDay,
                    r.defaultDays,
                    r.interestFreeDays
                )
            )
        );
    }

    /// @inheritdoc IReceivableLedger
    function receivable(uint256 id) external view returns (ReceivableView memory v) {
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        ReceivableState memory s = _states[id];
        Adjustment memory adj = _adjustments[id];
        (uint256 feeLeft, uint256 principalLeft) = _unpaid(id, p, face, s.paid);
        v.purchaseId = ReceivableId.purchaseOf(id);
        // forge-lint: disable-next-line(unsafe-typecast) -- masked to 8 bits
        v.installment = uint8(ReceivableId.installmentOf(id));
        v.obligor = p.obligor;
        v.originator = p.originator;
        v.currency = address(settlementToken);
        v.face = face;
        v.fee = p.feePerInstallment;
        v.dueDate = ReceivableMath.dueDate(p.startDay, ReceivableId.installmentOf(id));
        v.documentHash = p.documentHash;
        v.status = _statusOf(id, p, face);
        v.principalCredited = adj.credited;
        v.feeWaived = adj.feeWaived;
        v.feePaid = v.fee - adj.feeWaived - feeLeft;
        v.principalPaid = face - adj.credited - principalLeft;
        v.penaltyOwed = _penaltyNow(id, p, feeLeft + principalLeft);
        v.amountDue = v.penaltyOwed + feeLeft + principalLeft;
        v.paidPerUnitScaled = ReceivableMath.paidPerUnitScaled(s.distributed, face);
        v.disputeDays = _late[id].disputeDays;
    }

    /// @inheritdoc IReceivableLedger
    function statusOf(uint256 id) external view returns (Status) {
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        return _statusOf(id, p, face);
    }

    /// @inheritdoc IReceivableLedger
    /// @dev Before the installment's period starts, only the unpaid principal (the fee is not owed yet).
    function amountDue(uint256 id) external view returns (uint256) {
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        (uint256 feeLeft, uint256 principalLeft) = _unpaid(id, p, face, _states[id].paid);
        if (principalLeft != 0 && !_isLate(id, p) && _beforePeriod(id, p)) return principalLeft;
        return _penaltyNow(id, p, feeLeft + principalLeft) + feeLeft + principalLeft;
    }

    /// @inheritdoc IReceivableLedger
    function exposureOf(address obligor) external view returns (uint256) {
        return _exposure[obligor];
    }

    /// @inheritdoc IReceivableLedger
    function claimable(uint256 id, address holder) external view returns (uint256) {
        (, uint256 face) = _purchaseOf(id);
        Checkpoint memory c = _checkpoints[id][holder];
        // The residue matters only when settling, not to a view.
        // slither-disable-next-line unused-return
        (uint256 units,) =
            ReceivableMath.shareOf(balanceOf(holder, id), _states[id].distributed - c.snapshot, c.residue, face);
        return units + _accruedUnits[id][holder];
    }

    /// @inheritdoc IReceivableLedger
    function financingTerms(uint256 id)
        external
        view
        returns (address obligor, Status status, uint256 dueDate, uint256 paidPerUnitScaled, bool inArrears)
    {
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        dueDate = ReceivableMath.dueDate(p.startDay, ReceivableId.installmentOf(id));
        paidPerUnitScaled = ReceivableMath.paidPerUnitScaled(_states[id].distributed, face);
        return (p.obligor, _statusOf(id, p, face), dueDate, paidPerUnitScaled, p.inArrears != 0);
    }

    /// @inheritdoc IReceivableLedger
    function terms() external view returns (Terms memory) {
        return _terms;
    }

    /// @notice Purchase-level terms of `purchaseId`.
    function purchase(uint256 purchaseId) external view returns (Purchase memory) {
        return _purchases[purchaseId];
    }
}
