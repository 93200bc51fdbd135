// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IReceivableLedger
/// @notice ERC-1155 ledger of tokenized installments. Token id = purchaseId << 8 | installment index
/// (libraries/ReceivableId.sol); one unit = one base unit of the installment's principal. Repayments are
/// distributed pro rata to the holders at the time of repayment through a cumulative index of what was paid
/// to holders, scaled by the face itself (exact); `paidPerUnitScaled` (1e27) is a view derived from it.
interface IReceivableLedger {
    /// @notice Status of an installment, derived on read: Repaid when principal, fee and penalty are settled
    /// (paid, credited or waived), Defaulted once marked, Disputed while a dispute is open, Overdue when Active
    /// past its due date (see `statusOf`). Repaid and Defaulted are terminal.
    enum Status {
        Active,
        Overdue,
        Defaulted,
        Repaid,
        Disputed
    }

    /// @notice What the gateway and the obligor agree on; the obligor signs it as EIP-712
    /// `Acknowledgement(address obligor,address supplier,uint256 principal,uint8 installments,uint16 feeBps,bytes32 documentHash,uint256 deadline)`.
    struct OriginationRequest {
        address obligor;
        address supplier;
        uint256 principal;
        uint8 installments;
        uint16 feeBps;
        bytes32 documentHash;
        uint256 deadline;
        // The late terms the obligor accepts: they must be the ledger's terms when the purchase is originated.
        uint16 graceDays;
        uint16 penaltyBpsPerDay;
        uint16 defaultDays;
        uint16 interestFreeDays;
    }

    /// @notice Deployment-wide terms, snapshotted into each purchase at origination.
    struct Terms {
        uint16 graceDays;
        uint16 penaltyBpsPerDay;
        uint16 defaultDays;
        uint16 interestFreeDays;
        uint16 maxFeeBps;
    }

    /// @notice Everything about one installment, as of the current block (penalty accrued virtually).
    struct ReceivableView {
        uint256 purchaseId;
        uint8 installment;
        address obligor;
        address originator;
        address currency;
        uint256 face;
        uint256 fee;
        uint256 dueDate;
        bytes32 documentHash;
        Status status;
        uint256 principalPaid;
        uint256 feePaid;
        uint256 penaltyOwed;
        uint256 amountDue;
        uint256 paidPerUnitScaled;
        uint256 principalCredited; // by credit notes, paid in by the originator
        uint256 feeWaived; // by the platform: with a credit note, or by an early repayment in full
        uint256 disputeDays; // whole days of disputes after due + grace: the penalty and default clocks moved by them
    }

    /* ERRORS */

    error InvalidInstallmentCount(uint8 installments);
    error InvalidPrincipal(uint256 principal, uint8 installments);
    error FeeTooHigh(uint16 feeBps, uint16 maxFeeBps);
    error AcknowledgementExpired(uint256 deadline, uint256 timestamp);
    error InvalidAcknowledgement(address obligor);
    error ZeroDocumentHash();
    error DocumentAlreadyUsed(bytes32 documentHash, uint256 purchaseId);
    error NotAnObligor(address account);
    error NotASupplier(address account);
    error ObligorFrozen(address obligor);
    error ParticipantBlacklisted(address account);
    error CreditLimitExceeded(address obligor, uint256 exposure, uint256 principal, uint256 limit);
    error UnknownReceivable(uint256 id);
    error InvalidStatus(uint256 id, Status status);
    error ZeroAmount();
    error NotEligibleHolder(address account);
    error DefaultTooEarly(uint256 id, uint256 defaultableAt);
    error NothingToClaim(uint256 id, address holder);
    error NothingToSweep(uint256 id);
    error LengthMismatch(uint256 left, uint256 right);
    error InvalidTerms();
    error TermsNotCurrent();
    error ParticipantFrozen(address account);
    error NoResidue(uint256 id, address holder);
    error ZeroAddress();
    error UnknownPurchase(uint256 purchaseId);
    error CreditAboveUnpaidPrincipal(uint256 id, uint256 credit, uint256 unpaidPrincipal);
    error WaiverAboveUnpaidFee(uint256 id, uint256 waiver, uint256 unpaidFee);
    error RefundAboveUnpaidPrincipal(uint256 purchaseId, uint256 amount, uint256 unpaidPrincipal);
    error OriginatorUnfunded(address originator, uint256 amount);
    error NotDisputed(uint256 id);
    error CreditWithoutUpheldDispute(uint256 id);
    error AdjustmentsMismatch();

    /* EVENTS */

    event PurchaseOriginated(
        uint256 indexed purchaseId,
        address indexed obligor,
        address indexed originator,
        uint256 principal,
        uint8 installments,
        uint256 feePerInstallment,
        uint256 firstDueDate,
        bytes32 documentHash
    );
    event Repayment(
        uint256 indexed id, address indexed payer, uint256 amount, uint256 toPenalty, uint256 toFee, uint256 toPrincipal
    );
    event PenaltyAccrued(uint256 indexed id, uint256 amount, uint256 accruedUntil);
    event ReceivableRepaid(uint256 indexed id);
    event ReceivableDefaulted(uint256 indexed id, address indexed obligor, uint256 outstanding);
    event Claimed(uint256 indexed id, address indexed holder, address receiver, uint256 amount);
    event DustSwept(uint256 indexed id, address indexed to, uint256 amount);
    event ResidueReleased(uint256 indexed id, address indexed holder, uint256 residue);
    event FeesWithdrawn(address indexed to, uint256 amount);
    event TermsSet(Terms terms);
    /// @notice Dilution: the originator paid `credit` of the principal in (distributed to the holders like a
    /// repayment of principal) and the platform waived `feeWaived` of the fee; the obligor owes that much less.
    event CreditNote(uint256 indexed id, address indexed originator, uint256 credit, uint256 feeWaived);
    /// @notice A purchase's refund: `amount` of principal credited, latest installment first.
    event PurchaseRefunded(uint256 indexed purchaseId, uint256 amount);
    /// @notice Principal repaid in full before the installment's period started: its fee is not owed.
    event FeeWaivedForEarlyRepayment(uint256 indexed id, uint256 fee);
    event DisputeOpened(uint256 indexed id, bytes32 reason);
    /// @notice `days` whole days of the dispute after due + grace: penalty, default date and aging moved by them.
    event DisputeClosed(uint256 indexed id, bool upheld, uint256 days_);

    /* ORIGINATION */

    /// @notice Originates one credit purchase: one token id per installment, minted to the supplier in one
    /// batch. Checks the obligor's EIP-712 acknowledgement, its registration, freeze, blacklist and credit
    /// limit, and that the document hash was never used. Caller needs ORIGINATOR_ROLE.
    /// @return purchaseId The purchase; its token ids are `purchaseId << 8 | i` for i < installments.
    function originate(OriginationRequest calldata request, bytes calldata signature)
        external
        returns (uint256 purchaseId);

    /// @notice Originates many purchases in one transaction; all or none. Caller needs ORIGINATOR_ROLE.
    function originateBatch(OriginationRequest[] calldata requests, bytes[] calldata signatures)
        external
        returns (uint256 firstPurchaseId);

    /* REPAYMENT */

    /// @notice Pays up to `maxAmount` of what installment `id` owes now, pulled from the caller.
    /// Allocation: accrued penalty, then fee (to the platform), then principal; penalty and principal go
    /// to the unit holders pro rata. Open while the ledger is paused.
    /// @return taken min(maxAmount, amount due now), so a day boundary never makes it fail.
    function repay(uint256 id, uint256 maxAmount) external returns (uint256 taken);

    /// @notice Brings the lazily accrued late penalty of `id` up to date. Anyone may call.
    function accruePenalty(uint256 id) external returns (uint256 penaltyOwed);

    /// @notice Marks `id` Defaulted at or after `defaultDays` past due: penalty stops and the obligor is
    /// frozen. Recovery payments still reach the holders. Caller needs PLATFORM_ROLE.
    function markDefaulted(uint256 id) external;

    /* DILUTION AND DISPUTES (PLATFORM_ROLE; the ledger runs them in its LedgerAdjustments extension) */

    /// @notice A credit note on `id`: the originator pays `credit` (at most the unpaid principal) into the ledger,
    /// distributed to the holders pro rata like principal, and the platform waives `feeWaiver` (at most the unpaid
    /// fee); penalty is brought up to date first and stays owed. Refused when Repaid, or when the originator has
    /// not the funds or the allowance (`OriginatorUnfunded`).
    function creditNote(uint256 id, uint256 credit, uint256 feeWaiver) external;

    /// @notice Goods returned: credits `amount` of unpaid principal, latest installment first, waiving the fee of
    /// each installment it credits in full; `type(uint256).max` refunds every unpaid principal (a full refund).
    /// One payment by the originator. Returns the amount credited.
    function refund(uint256 purchaseId, uint256 amount) external returns (uint256 credited);

    /// @notice Opens a dispute on an Active or Overdue installment (on the obligor's or the gateway's notice):
    /// while open, no financing, no default and no penalty; penalty is brought up to date first.
    function openDispute(uint256 id, bytes32 reason) external;

    /// @notice Closes the dispute on `id`: the penalty and default clocks move by its whole days (rounded up)
    /// after due + grace; upheld, with a credit note of `credit` and `feeWaiver`; rejected, with neither.
    function closeDispute(uint256 id, bool upheld, uint256 credit, uint256 feeWaiver) external;

    /* CLAIMS */

    /// @notice Pays the caller's share of repayments of `id` to `receiver`. Refused while the caller or the
    /// receiver is blacklisted: the share stays claimable until the flag is lifted.
    function claim(uint256 id, address receiver) external returns (uint256 amount);

    /// @notice Claims several ids at once to `receiver`; ids with nothing to claim are skipped.
    function claimMany(uint256[] calldata ids, address receiver) external returns (uint256 total);

    /// @notice Moves `holder`'s rounding residue on a Repaid id (below one base unit, which no claim of its can
    /// ever pay out) into the id's dust, its whole units staying claimable. Anyone may call.
    function releaseResidue(uint256 id, address holder) external returns (uint256 residue);

    /// @notice Sends the rounding dust of a Repaid id to `to`. Caller needs PLATFORM_ROLE.
    function sweepDust(uint256 id, address to) external returns (uint256 amount);

    /// @notice Sends the platform fees collected so far to `to`. Caller needs PLATFORM_ROLE.
    function withdrawFees(address to) external returns (uint256 amount);

    /* ADMIN */

    /// @notice Sets the terms used for purchases originated from now on, each within ReceivableMath's bounds
    /// (and default after grace). Caller needs PLATFORM_ROLE.
    function setTerms(Terms calldata terms) external;

    /// @notice Stops origination, transfers, claims, accrual and defaults; repayment stays open so that a pause
    /// never pushes an obligor into penalty or default. Caller needs PAUSER_ROLE.
    function pause() external;

    /// @notice Resumes. Caller needs PAUSER_ROLE.
    function unpause() external;

    /* VIEWS */

    /// @notice Full view of installment `id` as of this block.
    function receivable(uint256 id) external view returns (ReceivableView memory);

    /// @notice Status of `id` now: Active, Overdue (Active past due), Defaulted or Repaid.
    function statusOf(uint256 id) external view returns (Status);

    /// @notice What `repay(id, type(uint256).max)` would take now.
    function amountDue(uint256 id) external view returns (uint256);

    /// @notice What `holder` could claim on `id` now.
    function claimable(uint256 id, address holder) external view returns (uint256);

    /// @notice The obligor's unpaid principal over all its receivables.
    function exposureOf(address obligor) external view returns (uint256);

    /// @notice Obligor, status, due date and paid-per-unit index of `id`, and whether an installment of its
    /// purchase is in arrears (seen past due + grace, or defaulted, and not repaid), for the financing market.
    function financingTerms(uint256 id)
        external
        view
        returns (address obligor, Status status, uint256 dueDate, uint256 paidPerUnitScaled, bool inArrears);

    /// @notice The EIP-712 digest the obligor signs for `request`.
    function acknowledgementDigest(OriginationRequest calldata request) external view returns (bytes32);

    /// @notice Platform fees collected and not yet withdrawn.
    function feesAccrued() external view returns (uint256);

    /// @notice Current deployment-wide terms.
    function terms() external view returns (Terms memory);
}
