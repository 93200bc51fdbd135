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
import {ReceivableMath} from "./libraries/ReceivableMath.sol";

/// @title ReceivableLedger
/// @notice ERC-1155 ledger of installment receivables with O(1) pro-rata repayment distribution.
/// @dev Invariants:
/// - the supply of id is its face (principal_i), fixed at mint: units are never minted again nor burned;
/// - Σ over holders of (accruedScaled + balance * (index - snapshot)) + remainder + dust = distributed * SCALE,
///   so Σ claimed + Σ claimable + swept <= Σ distributed to holders;
/// - a holder's checkpoint is settled in `_update` before its balance changes;
/// - Defaulted and Repaid are terminal except Defaulted -> Repaid on full recovery.
contract ReceivableLedger is IReceivableLedger, ERC1155Pausable, AccessControl, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    bytes32 public constant ORIGINATOR_ROLE = keccak256("ORIGINATOR_ROLE");
    bytes32 public constant PLATFORM_ROLE = keccak256("PLATFORM_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    bytes32 public constant ACKNOWLEDGEMENT_TYPEHASH = keccak256(
        "Acknowledgement(address obligor,address supplier,uint256 principal,uint8 installments,uint16 feeBps,bytes32 documentHash,uint256 deadline)"
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
        uint128 principal;
        uint128 feePerInstallment;
        bytes32 documentHash;
    }

    /// @dev Per-installment repayment state; all zero at mint, so origination writes none of it.
    struct ReceivableState {
        uint128 index; // cumulative (penalty + principal) paid per unit, scaled by SCALE
        uint128 paid; // fee + principal paid (penalty excluded); fee is paid first
        uint128 remainder; // carry of index increments, < face
        uint128 penaltyOwed; // accrued and unpaid
        uint128 dustScaled; // claim residues after Repaid, swept to the platform
        uint40 accruedUntil; // last penalty accrual point; 0 = not started (due + grace)
        Status status; // Active, Defaulted or Repaid (Overdue is derived)
    }

    IERC20 public immutable settlementToken;
    IParticipantRegistry public immutable registry;

    Terms internal _terms;
    uint64 public nextPurchaseId = 1;
    uint256 public feesAccrued;

    mapping(uint256 purchaseId => Purchase) internal _purchases;
    mapping(bytes32 documentHash => uint256 purchaseId) public purchaseOfDocument;
    mapping(uint256 id => ReceivableState) internal _states;
    mapping(uint256 id => mapping(address holder => uint256)) internal _indexSnapshot;
    mapping(uint256 id => mapping(address holder => uint256)) internal _accruedScaled;
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
        returns (uint256 firstPurchaseId)
    {
        if (requests.length != signatures.length) revert LengthMismatch(requests.length, signatures.length);
        firstPurchaseId = nextPurchaseId;
        Terms memory terms_ = _terms;
        for (uint256 i; i < requests.length; ++i) {
            _originate(firstPurchaseId + i, requests[i], signatures[i], terms_);
        }
        // forge-lint: disable-next-line(unsafe-typecast) -- one id per purchase: 2^64 purchases cannot happen
        nextPurchaseId = uint64(firstPurchaseId + requests.length);
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
        uint256 usedBy = purchaseOfDocument[r.documentHash];
        if (usedBy != 0) revert DocumentAlreadyUsed(r.documentHash, usedBy);
        if (!SignatureChecker.isValidSignatureNow(r.obligor, acknowledgementDigest(r), signature)) {
            revert InvalidAcknowledgement(r.obligor);
        }
        _checkParties(r.obligor, r.supplier, r.principal);

        uint256 startDay = block.timestamp / DateLib.SECONDS_PER_DAY;
        uint256 fee = ReceivableMath.feePerInstallment(r.principal, n, r.feeBps, startDay, terms_.interestFreeDays);
        // Every installment's principal + penalty + fee must stay within uint128 accounting.
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
            principal: uint128(r.principal), // Safe cast: checked above.
            // forge-lint: disable-next-line(unsafe-typecast) -- safe: the cast bound is stated on the line
            feePerInstallment: uint128(fee), // Safe cast: fee * n + principal <= uint128 max.
            documentHash: r.documentHash
        });
        exposureOf[r.obligor] += r.principal;

        emit PurchaseOriginated(
            purchaseId,
            r.obligor,
            r.supplier,
            r.principal,
            n,
            fee,
            ReceivableMath.dueDate(startDay, 0),
            r.documentHash
        );

        uint256[] memory ids = new uint256[](n);
        uint256[] memory amounts = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            ids[i] = (purchaseId << 8) | i;
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
    }

    /* REPAYMENT */

    /// @inheritdoc IReceivableLedger
    function repay(uint256 id, uint256 maxAmount) external nonReentrant whenNotPaused returns (uint256 taken) {
        if (maxAmount == 0) revert ZeroAmount();
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        ReceivableState storage s = _states[id];
        if (s.status == Status.Repaid) revert InvalidStatus(id, Status.Repaid);
        _accrue(id, p, s, face);

        uint256 penalty = s.penaltyOwed;
        uint256 paid = s.paid;
        uint256 owed = penalty + face + p.feePerInstallment - paid;
        taken = maxAmount < owed ? maxAmount : owed;
        ReceivableMath.Allocation memory a = ReceivableMath.allocate(taken, penalty, p.feePerInstallment, paid);

        // Safe casts: what is left of the penalty <= penalty, and paid + fee + principal <= face + fee < 2^128.
        // forge-lint: disable-next-line(unsafe-typecast) -- see "Safe casts" above
        s.penaltyOwed = uint128(penalty - a.toPenalty);
        // forge-lint: disable-next-line(unsafe-typecast) -- see "Safe casts" above
        s.paid = uint128(paid + a.toFee + a.toPrincipal);
        _distribute(s, a.toPenalty + a.toPrincipal, face);
        if (a.toFee != 0) feesAccrued += a.toFee;
        if (a.toPrincipal != 0) exposureOf[p.obligor] -= a.toPrincipal;
        if (taken == owed) {
            s.status = Status.Repaid;
            emit ReceivableRepaid(id);
        }
        emit Repayment(id, msg.sender, taken, a.toPenalty, a.toFee, a.toPrincipal);

        settlementToken.safeTransferFrom(msg.sender, address(this), taken);
    }

    /// @dev Raises the paid-per-unit index by `amount` over the `face` units, carrying the remainder.
    function _distribute(ReceivableState storage s, uint256 amount, uint256 face) internal {
        if (amount == 0) return;
        (uint256 delta, uint256 remainder) = ReceivableMath.indexIncrement(amount, face, s.remainder);
        s.index = (s.index + delta).toUint128();
        // forge-lint: disable-next-line(unsafe-typecast) -- safe: the cast bound is stated on the line
        s.remainder = uint128(remainder); // Safe cast: remainder < face < 2^128.
    }

    /// @inheritdoc IReceivableLedger
    function accruePenalty(uint256 id) external whenNotPaused returns (uint256 penaltyOwed) {
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        ReceivableState storage s = _states[id];
        _accrue(id, p, s, face);
        return s.penaltyOwed;
    }

    /// @inheritdoc IReceivableLedger
    function markDefaulted(uint256 id) external onlyRole(PLATFORM_ROLE) whenNotPaused {
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        ReceivableState storage s = _states[id];
        if (s.status != Status.Active) revert InvalidStatus(id, s.status);
        uint256 defaultableAt = ReceivableMath.dueDate(p.startDay, id & 0xff) + uint256(p.defaultDays) * 1 days;
        // forge-lint: disable-next-line(block-timestamp) -- day-granular due dates; a validator's few seconds of drift cannot move a whole day
        if (block.timestamp < defaultableAt) revert DefaultTooEarly(id, defaultableAt);
        // Penalty accrues up to the default, then stops.
        _accrue(id, p, s, face);
        s.status = Status.Defaulted;
        address obligor = p.obligor;
        emit ReceivableDefaulted(id, obligor, s.penaltyOwed + face + p.feePerInstallment - s.paid);
        registry.setFrozen(obligor, true, "DEFAULT");
    }

    /// @dev Brings the penalty up to date: whole days since the last accrual point, partial days carried.
    function _accrue(uint256 id, Purchase storage p, ReceivableState storage s, uint256 face) internal {
        (uint256 added, uint256 newPoint) = _pendingPenalty(id, p, s, face);
        if (newPoint == 0) return;
        s.penaltyOwed = (s.penaltyOwed + added).toUint128();
        s.accruedUntil = newPoint.toUint40();
        emit PenaltyAccrued(id, added, newPoint);
    }

    /* CLAIMS */

    /// @inheritdoc IReceivableLedger
    function claim(uint256 id, address receiver) external nonReentrant whenNotPaused returns (uint256 amount) {
        if (receiver == address(0)) revert ZeroAddress();
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
        if (receiver == address(0)) revert ZeroAddress();
        for (uint256 i; i < ids.length; ++i) {
            total += _claim(ids[i], receiver);
        }
        if (total != 0) settlementToken.safeTransfer(receiver, total);
    }

    function _claim(uint256 id, address receiver) internal returns (uint256 amount) {
        ReceivableState storage s = _states[id];
        _settle(id, msg.sender, s.index);
        uint256 accrued = _accruedScaled[id][msg.sender];
        amount = accrued / ReceivableMath.SCALE;
        if (amount == 0) return 0;
        uint256 residue = accrued - amount * ReceivableMath.SCALE;
        if (s.status == Status.Repaid) {
            // Nothing more will ever be distributed on this id: the residue is dust for the platform.
            s.dustScaled = (s.dustScaled + residue).toUint128();
            residue = 0;
        }
        _accruedScaled[id][msg.sender] = residue;
        emit Claimed(id, msg.sender, receiver, amount);
    }

    /// @inheritdoc IReceivableLedger
    function sweepDust(uint256 id, address to) external onlyRole(PLATFORM_ROLE) nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert ZeroAddress();
        ReceivableState storage s = _states[id];
        if (s.status != Status.Repaid) revert InvalidStatus(id, s.status);
        uint256 total = uint256(s.remainder) + s.dustScaled;
        amount = total / ReceivableMath.SCALE;
        if (amount == 0) revert NothingToSweep(id);
        s.remainder = 0;
        // forge-lint: disable-next-line(unsafe-typecast) -- safe: the cast bound is stated on the line
        s.dustScaled = uint128(total - amount * ReceivableMath.SCALE); // Safe cast: < SCALE.
        emit DustSwept(id, to, amount);
        settlementToken.safeTransfer(to, amount);
    }

    /// @inheritdoc IReceivableLedger
    function withdrawFees(address to) external onlyRole(PLATFORM_ROLE) nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert ZeroAddress();
        amount = feesAccrued;
        if (amount == 0) revert ZeroAmount();
        feesAccrued = 0;
        emit FeesWithdrawn(to, amount);
        settlementToken.safeTransfer(to, amount);
    }

    /* ADMIN */

    /// @inheritdoc IReceivableLedger
    function setTerms(Terms calldata terms_) external onlyRole(PLATFORM_ROLE) {
        _setTerms(terms_);
    }

    function _setTerms(Terms memory terms_) internal {
        if (terms_.defaultDays <= terms_.graceDays || terms_.maxFeeBps > ReceivableMath.BPS) revert InvalidTerms();
        _terms = terms_;
        emit TermsSet(terms_);
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
    /// non-blacklisted holders. Mints are of fresh ids (index 0), so they need no checkpoint.
    function _update(address from, address to, uint256[] memory ids, uint256[] memory values)
        internal
        override
    {
        if (from != address(0)) {
            if (!registry.isEligibleHolder(from)) revert NotEligibleHolder(from);
            if (!registry.isEligibleHolder(to)) revert NotEligibleHolder(to);
            for (uint256 i; i < ids.length; ++i) {
                uint256 index = _states[ids[i]].index;
                if (index != 0) {
                    _settle(ids[i], from, index);
                    _settle(ids[i], to, index);
                }
            }
        }
        super._update(from, to, ids, values);
    }

    /// @dev Credits `holder` with its balance times the index growth since its snapshot.
    function _settle(uint256 id, address holder, uint256 index) internal {
        uint256 snapshot = _indexSnapshot[id][holder];
        if (snapshot == index) return;
        uint256 balance = balanceOf(holder, id);
        if (balance != 0) _accruedScaled[id][holder] += balance * (index - snapshot);
        _indexSnapshot[id][holder] = index;
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
                    r.deadline
                )
            )
        );
    }

    /// @inheritdoc IReceivableLedger
    function receivable(uint256 id) external view returns (ReceivableView memory v) {
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        ReceivableState storage s = _states[id];
        uint256 fee = p.feePerInstallment;
        (uint256 pending,) = _pendingPenalty(id, p, s, face);
        uint256 penalty = s.penaltyOwed + pending;
        v.purchaseId = id >> 8;
        // forge-lint: disable-next-line(unsafe-typecast) -- masked to 8 bits
        v.installment = uint8(id & 0xff);
        v.obligor = p.obligor;
        v.originator = p.originator;
        v.currency = address(settlementToken);
        v.face = face;
        v.fee = fee;
        v.dueDate = ReceivableMath.dueDate(p.startDay, id & 0xff);
        v.documentHash = p.documentHash;
        v.status = _statusOf(s.status, v.dueDate);
        v.feePaid = s.paid < fee ? s.paid : fee;
        v.principalPaid = s.paid - v.feePaid;
        v.penaltyOwed = penalty;
        v.amountDue = penalty + face + fee - s.paid;
        v.paidPerUnitScaled = s.index;
    }

    /// @inheritdoc IReceivableLedger
    function statusOf(uint256 id) external view returns (Status) {
        (Purchase storage p,) = _purchaseOf(id);
        return _statusOf(_states[id].status, ReceivableMath.dueDate(p.startDay, id & 0xff));
    }

    /// @inheritdoc IReceivableLedger
    function amountDue(uint256 id) external view returns (uint256) {
        (Purchase storage p, uint256 face) = _purchaseOf(id);
        ReceivableState storage s = _states[id];
        (uint256 pending,) = _pendingPenalty(id, p, s, face);
        return s.penaltyOwed + pending + face + p.feePerInstallment - s.paid;
    }

    /// @inheritdoc IReceivableLedger
    function claimable(uint256 id, address holder) external view returns (uint256) {
        uint256 index = _states[id].index;
        uint256 accrued =
            _accruedScaled[id][holder] + balanceOf(holder, id) * (index - _indexSnapshot[id][holder]);
        return accrued / ReceivableMath.SCALE;
    }

    /// @inheritdoc IReceivableLedger
    function financingTerms(uint256 id)
        external
        view
        returns (address obligor, Status status, uint256 dueDate, uint256 paidPerUnitScaled)
    {
        (Purchase storage p,) = _purchaseOf(id);
        ReceivableState storage s = _states[id];
        dueDate = ReceivableMath.dueDate(p.startDay, id & 0xff);
        return (p.obligor, _statusOf(s.status, dueDate), dueDate, s.index);
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
        p = _purchases[id >> 8];
        uint256 installment = id & 0xff;
        if (p.obligor == address(0) || installment >= p.installments) revert UnknownReceivable(id);
        face = ReceivableMath.principalOf(p.principal, p.installments, installment);
    }

    function _statusOf(Status stored, uint256 dueDate) internal view returns (Status) {
        // forge-lint: disable-next-line(block-timestamp) -- day-granular due dates; a validator's few seconds of drift cannot move a whole day
        if (stored == Status.Active && block.timestamp > dueDate) return Status.Overdue;
        return stored;
    }

    /// @dev Penalty accrued since the last accrual point and the new point; (0, 0) when no whole day has
    /// passed since it, or when the id is not Active (penalty stops at default).
    function _pendingPenalty(uint256 id, Purchase storage p, ReceivableState storage s, uint256 face)
        internal
        view
        returns (uint256 added, uint256 newPoint)
    {
        if (s.status != Status.Active) return (0, 0);
        uint256 point = s.accruedUntil;
        if (point == 0) point = ReceivableMath.dueDate(p.startDay, id & 0xff) + uint256(p.graceDays) * 1 days;
        // forge-lint: disable-next-line(block-timestamp) -- day-granular due dates; a validator's few seconds of drift cannot move a whole day
        if (block.timestamp < point + 1 days) return (0, 0);
        uint256 elapsedDays = (block.timestamp - point) / 1 days;
        added = ReceivableMath.penaltyFor(face + p.feePerInstallment - s.paid, p.penaltyBpsPerDay, elapsedDays);
        newPoint = point + elapsedDays * 1 days;
    }
}
