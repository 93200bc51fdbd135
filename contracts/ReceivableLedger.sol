// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {ERC1155Pausable} from "@openzeppelin/contracts/token/ERC1155/extensions/ERC1155Pausable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {IReceivableLedger} from "./interfaces/IReceivableLedger.sol";
import {DateLib} from "./libraries/DateLib.sol";
import {ReceivableId} from "./libraries/ReceivableId.sol";
import {ReceivableMath} from "./libraries/ReceivableMath.sol";

/// @title ReceivableLedger
/// @notice ERC-1155 ledger of installment receivables with O(1) pro-rata repayment distribution.
/// @dev Pro rata without loops: each id keeps `distributed`, the cumulative penalty + principal paid to its
/// holders. A holder is owed `balance * (distributed - snapshot) / face` since its snapshot: the index is
/// scaled by the face itself, so nothing rounds when money comes in; each holder's rounding (< 1 unit) is
/// carried as a residue and divided once, at claim.
/// Invariants:
/// - the supply of id is its face (principal_i), fixed at mint: units are never minted again nor burned;
/// - Σ over holders of (accruedUnits * face + residue + balance * (distributed - snapshot)) + dust = distributed * face,
///   so Σ claimed + Σ claimable + swept <= Σ distributed;
/// - a holder's checkpoint is settled in `_update` before its balance changes;
/// - paid == face + fee is Repaid, terminal; Defaulted never returns to Active (full recovery makes it Repaid);
/// - distributed + penaltyOwed + (face + fee - paid) < 2^128: penalty is capped there, so every id can be repaid;
/// - a purchase's `inArrears` counts its installments seen past due + grace (or defaulted) and not Repaid.
contract ReceivableLedger is IReceivableLedger, ERC1155Pausable, AccessControl, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    bytes32 public constant ORIGINATOR_ROLE = keccak256("ORIGINATOR_ROLE");
    bytes32 public constant PLATFORM_ROLE = keccak256("PLATFORM_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    bytes32 public constant ACKNOWLEDGEMENT_TYPEHASH = keccak256(
        "Acknowledgement(address obligor,address supplier,uint256 principal,uint8 installments,uint16 feeBps,bytes32 documentHash,uint256 deadline,uint16 graceDays,uint16 penaltyBpsPerDay,uint16 defaultDays,uint16 interestFreeDays)"
    );

    /* STORAGE */

    /// @dev Purchase-level terms, stored once for all its installments (4 slots).
    struct Purchase {
        address obligor;
        uint32 startDay;
        uint8 installments;
        uint16 graceDays;
        uint16 penaltyBpsPerDay;
        uint16 defaultDays;
        address originator;
        uint8 inArrears; // installments seen past due + grace (or defaulted) and not Repaid; blocks sales
        uint128 principal;
        uint128 feePerInstallment;
        bytes32 documentHash;
    }

    /// @dev What every repayment writes: one slot, zero at mint, so origination writes none of it.
    struct ReceivableState {
        uint128 distributed; // Σ penalty + principal paid to holders
        uint128 paid; // Σ fee + principal paid (penalty excluded); fee is paid first; face + fee = Repaid
    }

    /// @dev Touched only once an installment is past due + grace, or defaulted.
    struct LateState {
        uint128 penaltyOwed; // accrued and unpaid
        uint40 accruedUntil; // last penalty accrual point; 0 = not started (due + grace)
        bool defaulted;
        uint16 penaltyRemainder; // 1/10_000 of a base unit carried between accruals (< 10_000)
    }

    /// @dev A holder's checkpoint on one id: one slot.
    struct Checkpoint {
        uint128 snapshot; // `distributed` when last settled
        uint128 residue; // numerator carried below one unit, < face
    }

    IERC20 public immutable settlementToken;
    IParticipantRegistry public immutable registry;

    Terms internal _terms;
    uint64 public nextPurchaseId = 1;
    /// @dev One slot for the pause flag and the fee counter (OpenZeppelin's own `_paused` slot is left unused):
    /// packed when repayment still checked the pause; repayment is now open under pause, so no call reads both
    /// and the packing only keeps the storage layout.
    uint248 internal _feesAccrued;
    bool internal _halted;

    mapping(uint256 purchaseId => Purchase) internal _purchases;
    mapping(bytes32 documentHash => uint256 purchaseId) public purchaseOfDocument;
    mapping(uint256 id => ReceivableState) internal _states;
    mapping(uint256 id => LateState) internal _late;
    mapping(uint256 id => uint256 residues) internal _dust;
    mapping(uint256 id => mapping(address holder => Checkpoint)) internal _checkpoints;
    mapping(uint256 id => mapping(address holder => uint256 units)) internal _accruedUnits;
    mapping(address obligor => uint256) public exposureOf;

    constructor(IERC20 settlementToken_, IParticipantRegistry registry_, address admin, Terms memory terms_)
        ERC1155("")
        EIP712("ReceivableLedger", "1")
    {
        if (address(settlementToken_) == address(0) || address(registry_) == address(0) || admin == address(0)) {
            revert ZeroAddress();
        }
        settlementToken = settlementToken_;
        registry = registry_;
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
            originator: r.supplier,
            inArrears: 0,
            principal: uint128(r.principal), // Safe cast: checked above.
            // forge-lint: disable-next-line(unsafe-typecast) -- safe: the cast bound is stated on the line
            feePerInstallment: uint128(fee), // Safe cast: fee * n + principal <= uint128 max.
            documentHash: r.documentHash
        });
        exposureOf[r.obligor] += r.principal;

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
        uint256 exposure = exposureOf[obligor];
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
    /// claims resume.
    function repay(uint256 id, uint256 maxAmount) external nonReentrant returns (uint256 taken) {
        if (maxAmount == 0) revert ZeroAmount();
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        ReceivableState memory s = _states[id];
        uint256 fee = p.feePerInstallment;
        if (s.paid == face + fee) revert InvalidStatus(id, Status.Repaid);
        // On time (before due + grace + 1 day) there is no penalty and no default: the late slot is not read.
        bool late = _isLate(id, p);
        uint256 penalty = late ? _accrue(id, p, face, fee, s.paid) : 0;

        uint256 owed = penalty + face + fee - s.paid;
        taken = maxAmount < owed ? maxAmount : owed;
        ReceivableMath.Allocation memory a = ReceivableMath.allocate(taken, penalty, fee, s.paid);

        // Safe casts: distributed <= face + all penalty, checked by toUint128; paid <= face + fee < 2^128.
        _states[id] = ReceivableState({
            distributed: (uint256(s.distributed) + a.toPenalty + a.toPrincipal).toUint128(),
            paid: uint128(s.paid + a.toFee + a.toPrincipal)
        });
        // forge-lint: disable-next-line(unsafe-typecast) -- penalty - toPenalty <= penalty, stored as uint128
        if (a.toPenalty != 0) _late[id].penaltyOwed = uint128(penalty - a.toPenalty);
        if (a.toFee != 0) _feesAccrued = (uint256(_feesAccrued) + a.toFee).toUint248();
        if (a.toPrincipal != 0) exposureOf[p.obligor] -= a.toPrincipal;
        if (taken == owed) {
            // A late one was counted in its purchase's arrears when first seen late (by this accrual at the latest).
            if (late) p.inArrears -= 1;
            emit ReceivableRepaid(id);
        }
        emit Repayment(id, msg.sender, taken, a.toPenalty, a.toFee, a.toPrincipal);

        settlementToken.safeTransferFrom(msg.sender, address(this), taken);
    }

    /// @inheritdoc IReceivableLedger
    function accruePenalty(uint256 id) external whenNotPaused returns (uint256 penaltyOwed) {
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        if (!_isLate(id, p)) return 0;
        return _accrue(id, p, face, p.feePerInstallment, _states[id].paid);
    }

    /// @inheritdoc IReceivableLedger
    function markDefaulted(uint256 id) external onlyRole(PLATFORM_ROLE) whenNotPaused {
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        uint256 fee = p.feePerInstallment;
        uint256 paid = _states[id].paid;
        LateState storage late = _late[id];
        if (paid == face + fee) revert InvalidStatus(id, Status.Repaid);
        if (late.defaulted) revert InvalidStatus(id, Status.Defaulted);
        uint256 defaultableAt =
            ReceivableMath.dueDate(p.startDay, ReceivableId.installmentOf(id)) + uint256(p.defaultDays) * 1 days;
        // forge-lint: disable-next-line(block-timestamp) -- day-granular due dates; a validator's few seconds of drift cannot move a whole day
        if (block.timestamp < defaultableAt) revert DefaultTooEarly(id, defaultableAt);
        // Penalty accrues up to the default, then stops.
        uint256 penalty = _accrue(id, p, face, fee, paid);
        late.defaulted = true;
        address obligor = p.obligor;
        emit ReceivableDefaulted(id, obligor, penalty + face + fee - paid);
        registry.setFrozen(obligor, true, "DEFAULT");
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
    /// partial days carried by the point. Nothing accrues once defaulted or fully paid.
    function _accrue(uint256 id, Purchase storage p, uint256 face, uint256 fee, uint256 paid)
        internal
        returns (uint256 penaltyOwed)
    {
        LateState storage late = _late[id];
        (uint256 added, uint256 newPoint, uint256 remainder) = _pendingPenalty(id, p, late, face + fee - paid);
        penaltyOwed = late.penaltyOwed + added;
        if (newPoint == 0) return penaltyOwed;
        if (late.accruedUntil == 0) p.inArrears += 1; // first seen late
        late.penaltyOwed = penaltyOwed.toUint128();
        late.accruedUntil = newPoint.toUint40();
        // forge-lint: disable-next-line(unsafe-typecast) -- remainder < 10_000
        late.penaltyRemainder = uint16(remainder);
        emit PenaltyAccrued(id, added, newPoint);
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
        if (s.paid == face + p.feePerInstallment) {
            // Nothing more will ever be distributed on this id: the residue is dust for the platform.
            _dust[id] += residue;
            residue = 0;
        }
        // forge-lint: disable-next-line(unsafe-typecast) -- residue < face < 2^128
        _checkpoints[id][msg.sender] = Checkpoint({snapshot: s.distributed, residue: uint128(residue)});
        emit Claimed(id, msg.sender, receiver, amount);
    }

    /// @inheritdoc IReceivableLedger
    function releaseResidue(uint256 id, address holder) external nonReentrant returns (uint256 residue) {
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        Status status = _statusOf(id, p, face);
        if (status != Status.Repaid) revert InvalidStatus(id, status);
        _settle(id, holder, _states[id].distributed, face);
        residue = _checkpoints[id][holder].residue;
        if (residue == 0) revert NoResidue(id, holder);
        _checkpoints[id][holder].residue = 0;
        _dust[id] += residue;
        emit ResidueReleased(id, holder, residue);
    }

    /// @inheritdoc IReceivableLedger
    function sweepDust(uint256 id, address to) external onlyRole(PLATFORM_ROLE) nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert ZeroAddress();
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        Status status = _statusOf(id, p, face);
        if (status != Status.Repaid) revert InvalidStatus(id, status);
        uint256 dust = _dust[id];
        // Whole units of dust go out; the remainder below one unit stays, exactly.
        // slither-disable-next-line divide-before-multiply
        amount = dust / face;
        if (amount == 0) revert NothingToSweep(id);
        _dust[id] = dust - amount * face;
        emit DustSwept(id, to, amount);
        settlementToken.safeTransfer(to, amount);
    }

    /// @inheritdoc IReceivableLedger
    function withdrawFees(address to) external onlyRole(PLATFORM_ROLE) nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert ZeroAddress();
        amount = _feesAccrued;
        if (amount == 0) revert ZeroAmount();
        _feesAccrued = 0;
        emit FeesWithdrawn(to, amount);
        settlementToken.safeTransfer(to, amount);
    }

    /* ADMIN */

    /// @inheritdoc IReceivableLedger
    function setTerms(Terms calldata terms_) external onlyRole(PLATFORM_ROLE) {
        _setTerms(terms_);
    }

    function _setTerms(Terms memory terms_) internal {
        if (
            terms_.defaultDays <= terms_.graceDays || terms_.graceDays > ReceivableMath.MAX_GRACE_DAYS
                || terms_.penaltyBpsPerDay > ReceivableMath.MAX_PENALTY_BPS_PER_DAY
                || terms_.defaultDays > ReceivableMath.MAX_DEFAULT_DAYS
                || terms_.interestFreeDays > ReceivableMath.MAX_INTEREST_FREE_DAYS
                || terms_.maxFeeBps > ReceivableMath.MAX_FEE_BPS
        ) revert InvalidTerms();
        _terms = terms_;
        emit TermsSet(terms_);
    }

    /// @inheritdoc IReceivableLedger
    function feesAccrued() external view returns (uint256) {
        return _feesAccrued;
    }

    /// @notice True while the platform has paused the ledger.
    function paused() public view override returns (bool) {
        return _halted;
    }

    /// @dev Pausable's hooks, on the flag packed with the fee counter.
    function _pause() internal override whenNotPaused {
        _halted = true;
        emit Paused(_msgSender());
    }

    function _unpause() internal override whenPaused {
        _halted = false;
        emit Unpaused(_msgSender());
    }

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
        uint256 fee = p.feePerInstallment;
        v.purchaseId = ReceivableId.purchaseOf(id);
        // forge-lint: disable-next-line(unsafe-typecast) -- masked to 8 bits
        v.installment = uint8(ReceivableId.installmentOf(id));
        v.obligor = p.obligor;
        v.originator = p.originator;
        v.currency = address(settlementToken);
        v.face = face;
        v.fee = fee;
        v.dueDate = ReceivableMath.dueDate(p.startDay, ReceivableId.installmentOf(id));
        v.documentHash = p.documentHash;
        v.status = _statusOf(id, p, face);
        v.feePaid = s.paid < fee ? s.paid : fee;
        v.principalPaid = s.paid - v.feePaid;
        v.penaltyOwed = _penaltyNow(id, p, face + fee - s.paid);
        v.amountDue = v.penaltyOwed + face + fee - s.paid;
        v.paidPerUnitScaled = ReceivableMath.paidPerUnitScaled(s.distributed, face);
    }

    /// @inheritdoc IReceivableLedger
    function statusOf(uint256 id) external view returns (Status) {
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        return _statusOf(id, p, face);
    }

    /// @inheritdoc IReceivableLedger
    function amountDue(uint256 id) external view returns (uint256) {
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        uint256 outstanding = face + p.feePerInstallment - _states[id].paid;
        return _penaltyNow(id, p, outstanding) + outstanding;
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

    /// @inheritdoc ERC1155
    function supportsInterface(bytes4 interfaceId) public view override(ERC1155, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    /* INTERNAL VIEWS */

    /// @dev The purchase of `id` and the installment's face (its fixed unit supply); reverts for unknown ids.
    function _purchaseOf(uint256 id) internal view returns (Purchase storage p, uint256 face) {
        p = _purchases[ReceivableId.purchaseOf(id)];
        uint256 installment = ReceivableId.installmentOf(id);
        if (p.obligor == address(0) || installment >= p.installments) revert UnknownReceivable(id);
        face = ReceivableMath.principalOf(p.principal, p.installments, installment);
    }

    function _statusOf(uint256 id, Purchase storage p, uint256 face) internal view returns (Status) {
        if (_states[id].paid == face + p.feePerInstallment) return Status.Repaid;
        if (_late[id].defaulted) return Status.Defaulted;
        // forge-lint: disable-next-line(block-timestamp) -- day-granular due dates; a validator's few seconds of drift cannot move a whole day
        if (block.timestamp <= _earliestDueDate(id, p)) return Status.Active;
        // forge-lint: disable-next-line(block-timestamp) -- day-granular due dates; a validator's few seconds of drift cannot move a whole day
        if (block.timestamp > ReceivableMath.dueDate(p.startDay, ReceivableId.installmentOf(id))) {
            return Status.Overdue;
        }
        return Status.Active;
    }

    /// @dev Penalty owed if accrued at this block, without writing it.
    function _penaltyNow(uint256 id, Purchase storage p, uint256 outstanding) internal view returns (uint256) {
        LateState storage late = _late[id];
        // slither-disable-next-line unused-return
        (uint256 added,,) = _pendingPenalty(id, p, late, outstanding);
        return late.penaltyOwed + added;
    }

    /// @dev Penalty accrued since the last accrual point, the new point and the carried remainder; zeros when
    /// no whole day has passed since it, or when the id is defaulted (penalty stops at default). Capped so that
    /// distributed + penalty owed + outstanding stays below 2^128: every id can always be repaid in full.
    function _pendingPenalty(uint256 id, Purchase storage p, LateState storage late, uint256 outstanding)
        internal
        view
        returns (uint256 added, uint256 newPoint, uint256 remainder)
    {
        if (late.defaulted || outstanding == 0) return (0, 0, 0);
        uint256 point = late.accruedUntil;
        if (point == 0) {
            point = ReceivableMath.dueDate(p.startDay, ReceivableId.installmentOf(id)) + uint256(p.graceDays) * 1 days;
        }
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
}
