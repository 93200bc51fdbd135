// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {FinancingMarket} from "../../FinancingMarket.sol";
import {IFinancingMarket} from "../../interfaces/IFinancingMarket.sol";
import {IParticipantRegistry} from "../../interfaces/IParticipantRegistry.sol";
import {IReceivableLedger} from "../../interfaces/IReceivableLedger.sol";
import {ParticipantRegistry} from "../../ParticipantRegistry.sol";
import {LedgerAdjustments} from "../../LedgerAdjustments.sol";
import {ReceivableLedger} from "../../ReceivableLedger.sol";
import {SettlementToken} from "../../SettlementToken.sol";
import {Test} from "../utils/Test.sol";

/// @notice Drives the whole system with bounded inputs: every action either does something meaningful or
/// returns early for a boring reason, so the invariant run can fail on any revert (fail_on_revert).
/// Ghost variables record what went in and out, for the invariants to compare with the contracts.
contract LedgerHandler is Test {
    uint256 internal constant OBLIGORS = 2;
    uint256 internal constant HOLDERS = 4; // suppliers 0..2, financier 3
    uint256 internal constant FINANCIER_KEY = 0xF1A;

    SettlementToken public token;
    ParticipantRegistry public registry;
    ReceivableLedger public ledger;
    FinancingMarket public market;

    address[] public holders;
    address[] public obligors;
    uint256[] internal obligorKeys;
    uint256[] public ids;
    mapping(uint256 id => bool) public terminal; // seen Defaulted or Repaid

    // Ghosts.
    uint256 public minted;
    uint256 public repaidTotal;
    uint256 public toHoldersTotal;
    uint256 public feesTotal;
    uint256 public claimedTotal;
    uint256 public creditedTotal; // paid in by originators for their credit notes
    uint256 public sweptTotal;
    uint256 public feesWithdrawn;
    uint256 public originations;
    uint256 public nonce;
    bool public limitBreachedAtOrigination;
    bool public documentReused;
    mapping(address obligor => uint256) public principalOut;

    /// @dev The token, the registry and the ledger's extension are made by the test (this contract's creation
    /// code would exceed the EIP-3860 limit with theirs), which then gives it their admin roles and calls `init`.
    constructor(SettlementToken token_, ParticipantRegistry registry_, LedgerAdjustments adjustments) {
        vm.warp(1_801_915_200); // 2027-02-06 12:00 UTC
        token = token_;
        registry = registry_;
        ledger = new ReceivableLedger(
            IERC20(address(token)),
            registry,
            address(this),
            IReceivableLedger.Terms({
                graceDays: 3, penaltyBpsPerDay: 5, defaultDays: 90, interestFreeDays: 30, maxFeeBps: 1_000
            }),
            adjustments
        );
        market = new FinancingMarket(IERC20(address(token)), ledger, registry, address(this));
    }

    /// @notice Registers and funds the cast, once this handler holds the token's and the registry's roles.
    function init() external {
        if (holders.length != 0) return; // once (the fuzzer calls it too)
        registry.grantRole(registry.RISK_ROLE(), address(ledger));
        for (uint256 i; i < HOLDERS; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast) -- i < HOLDERS fits 160 bits
            address holder = i == HOLDERS - 1 ? vm.addr(FINANCIER_KEY) : address(uint160(0x5000 + i));
            holders.push(holder);
            registry.register(
                holder, i == HOLDERS - 1 ? IParticipantRegistry.Kind.Financier : IParticipantRegistry.Kind.Supplier
            );
            vm.prank(holder);
            ledger.setApprovalForAll(address(market), true);
        }
        _fund(holders[HOLDERS - 1], 1e30);
        vm.prank(holders[HOLDERS - 1]);
        token.approve(address(market), type(uint256).max);
        _fund(holders[0], 1e30); // the originator pays its credit notes
        vm.prank(holders[0]);
        token.approve(address(ledger), type(uint256).max);
        for (uint256 i; i < OBLIGORS; ++i) {
            uint256 key = 0xB0B + i;
            address obligor = vm.addr(key);
            obligors.push(obligor);
            obligorKeys.push(key);
            registry.register(obligor, IParticipantRegistry.Kind.Obligor);
            registry.setCreditLimit(obligor, 1e15, "");
            _fund(obligor, 1e30);
            vm.prank(obligor);
            token.approve(address(ledger), type(uint256).max);
        }
    }

    function _fund(address to, uint256 amount) internal {
        token.mint(to, amount);
        minted += amount;
    }

    /* ACTIONS */

    function originate(uint256 obligorSeed, uint256 principal, uint256 nSeed, uint256 feeBps, bool reuseDocument)
        public
    {
        uint256 o = obligorSeed % OBLIGORS;
        address obligor = obligors[o];
        if (_restricted(obligor) || _restricted(holders[0])) return;
        uint8[5] memory counts = [1, 3, 6, 12, 24];
        uint8 n = counts[nSeed % 5];
        principal = bound(principal, n, 1e13);
        uint256 limit = registry.participant(obligor).creditLimit;
        if (ledger.exposureOf(obligor) + principal > limit) return;
        bytes32 document = keccak256(abi.encode("invoice", originations));
        IReceivableLedger.Terms memory terms = ledger.terms();
        IReceivableLedger.OriginationRequest memory r = IReceivableLedger.OriginationRequest({
            obligor: obligor,
            supplier: holders[0],
            principal: principal,
            installments: n,
            feeBps: uint16(bound(feeBps, 0, 1_000)),
            documentHash: document,
            deadline: type(uint256).max,
            graceDays: terms.graceDays,
            penaltyBpsPerDay: terms.penaltyBpsPerDay,
            defaultDays: terms.defaultDays,
            interestFreeDays: terms.interestFreeDays
        });
        uint256 purchaseId = ledger.originate(r, signDigest(obligorKeys[o], ledger.acknowledgementDigest(r)));
        originations++;
        principalOut[obligor] += principal;
        if (ledger.exposureOf(obligor) > limit) limitBreachedAtOrigination = true;
        for (uint256 i; i < n; ++i) {
            ids.push((purchaseId << 8) | i);
        }
        if (reuseDocument) {
            // The same document once more must be refused; record it if it ever is not.
            try ledger.originate(r, signDigest(obligorKeys[o], ledger.acknowledgementDigest(r))) {
                documentReused = true;
            } catch {}
        }
    }

    function transfer(uint256 idSeed, uint256 fromSeed, uint256 toSeed, uint256 units) public {
        if (ids.length == 0) return;
        uint256 id = ids[idSeed % ids.length];
        address from = holders[fromSeed % HOLDERS];
        address to = holders[toSeed % HOLDERS];
        uint256 balance = ledger.balanceOf(from, id);
        if (balance == 0 || from == to || _blacklisted(from) || _blacklisted(to)) return;
        units = bound(units, 1, balance);
        vm.prank(from);
        ledger.safeTransferFrom(from, to, id, units, "");
    }

    function repay(uint256 idSeed, uint256 amount) public {
        if (ids.length == 0) return;
        uint256 id = ids[idSeed % ids.length];
        uint256 due = ledger.amountDue(id);
        if (due == 0) return;
        amount = bound(amount, 1, due);
        IReceivableLedger.ReceivableView memory v = ledger.receivable(id);
        uint256 principalBefore = v.principalPaid;
        uint256 feeBefore = v.feePaid;
        vm.prank(v.obligor);
        uint256 taken = ledger.repay(id, amount);
        IReceivableLedger.ReceivableView memory after_ = ledger.receivable(id);
        repaidTotal += taken;
        uint256 toFee = after_.feePaid - feeBefore;
        uint256 toPrincipal = after_.principalPaid - principalBefore;
        feesTotal += toFee;
        toHoldersTotal += taken - toFee;
        principalOut[v.obligor] -= toPrincipal;
        _noteTerminal(id);
    }

    function warp(uint256 daysAhead) public {
        vm.warp(block.timestamp + bound(daysAhead, 0, 45) * 1 days + bound(daysAhead >> 8, 0, 86_399));
    }

    function markDefaulted(uint256 idSeed) public {
        if (ids.length == 0) return;
        uint256 id = ids[idSeed % ids.length];
        IReceivableLedger.ReceivableView memory v = ledger.receivable(id);
        if (
            v.status == IReceivableLedger.Status.Repaid || v.status == IReceivableLedger.Status.Defaulted
                || v.status == IReceivableLedger.Status.Disputed
        ) return;
        // forge-lint: disable-next-line(block-timestamp) -- a test handler on a test chain
        if (block.timestamp < v.dueDate + (90 + v.disputeDays) * 1 days) return;
        ledger.markDefaulted(id);
        _noteTerminal(id);
    }

    /// The platform records a credit note (the originator pays it in) with a fee waiver, within what is unpaid.
    function creditNote(uint256 idSeed, uint256 credit, uint256 waiver) public {
        if (ids.length == 0) return;
        uint256 id = ids[idSeed % ids.length];
        IReceivableLedger.ReceivableView memory v = ledger.receivable(id);
        if (v.status == IReceivableLedger.Status.Repaid) return;
        credit = bound(credit, 0, v.face - v.principalPaid - v.principalCredited);
        waiver = bound(waiver, 0, v.fee - v.feePaid - v.feeWaived);
        if (credit + waiver == 0) return;
        ledger.creditNote(id, credit, waiver);
        _credited(v.obligor, credit);
        _noteTerminal(id);
    }

    /// Goods returned: part of a purchase's unpaid principal, or all of it.
    function refund(uint256 idSeed, uint256 amount, bool full) public {
        if (ids.length == 0) return;
        uint256 purchaseId = ids[idSeed % ids.length] >> 8;
        IReceivableLedger.ReceivableView memory v = ledger.receivable(ids[idSeed % ids.length]);
        uint256 unpaid;
        uint256 n = ledger.purchase(purchaseId).installments;
        for (uint256 i; i < n; ++i) {
            IReceivableLedger.ReceivableView memory w = ledger.receivable((purchaseId << 8) | i);
            if (w.status != IReceivableLedger.Status.Repaid) unpaid += w.face - w.principalPaid - w.principalCredited;
        }
        if (unpaid == 0) return;
        uint256 credited = ledger.refund(purchaseId, full ? type(uint256).max : bound(amount, 1, unpaid));
        _credited(v.obligor, credited);
        for (uint256 i; i < n; ++i) {
            _noteTerminal((purchaseId << 8) | i);
        }
    }

    /// The platform opens a dispute on an Active or Overdue installment, or closes an open one (rejected, or
    /// upheld with a credit note).
    function dispute(uint256 idSeed, bool upheld, uint256 credit) public {
        if (ids.length == 0) return;
        uint256 id = ids[idSeed % ids.length];
        IReceivableLedger.ReceivableView memory v = ledger.receivable(id);
        if (v.status == IReceivableLedger.Status.Active || v.status == IReceivableLedger.Status.Overdue) {
            ledger.openDispute(id, "TEST");
        } else if (v.status == IReceivableLedger.Status.Disputed) {
            credit = upheld ? bound(credit, 0, v.face - v.principalPaid - v.principalCredited) : 0;
            ledger.closeDispute(id, upheld, credit, 0);
            _credited(v.obligor, credit);
            _noteTerminal(id);
        }
    }

    function _credited(address obligor, uint256 credit) internal {
        creditedTotal += credit;
        toHoldersTotal += credit;
        principalOut[obligor] -= credit;
    }

    function claim(uint256 idSeed, uint256 holderSeed) public {
        if (ids.length == 0) return;
        uint256 id = ids[idSeed % ids.length];
        address holder = holders[holderSeed % HOLDERS];
        if (ledger.claimable(id, holder) == 0 || _blacklisted(holder)) return; // a blacklisted holder's share waits
        vm.prank(holder);
        claimedTotal += ledger.claim(id, holder);
    }

    /// Anyone may bring a penalty up to date, as often as it likes: the total must not depend on it.
    function accrue(uint256 idSeed) public {
        if (ids.length == 0) return;
        ledger.accruePenalty(ids[idSeed % ids.length]);
    }

    /// A holder's residue on a Repaid id moves to the dust (permissionless).
    function releaseResidue(uint256 idSeed, uint256 holderSeed) public {
        if (ids.length == 0) return;
        uint256 id = ids[idSeed % ids.length];
        if (ledger.statusOf(id) != IReceivableLedger.Status.Repaid) return;
        try ledger.releaseResidue(id, holders[holderSeed % HOLDERS]) {} catch {} // NoResidue: nothing to move
    }

    /// The platform freezes or blacklists a party, or lifts the flag.
    function flag(uint256 accountSeed, bool blacklist, bool on) public {
        uint256 k = accountSeed % (HOLDERS + OBLIGORS);
        address account = k < HOLDERS ? holders[k] : obligors[k - HOLDERS];
        if (blacklist) registry.setBlacklisted(account, on, "TEST");
        else registry.setFrozen(account, on, "TEST");
    }

    function sweep(uint256 idSeed) public {
        if (ids.length == 0) return;
        uint256 id = ids[idSeed % ids.length];
        if (ledger.statusOf(id) != IReceivableLedger.Status.Repaid) return;
        try ledger.sweepDust(id, address(this)) returns (uint256 amount) {
            sweptTotal += amount;
        } catch {} // NothingToSweep: no whole unit of dust yet
    }

    function withdrawFees() public {
        uint256 fees = ledger.feesAccrued();
        if (fees == 0) return;
        feesWithdrawn += ledger.withdrawFees(address(this));
    }

    function finance(uint256 idSeed, uint256 sellerSeed, uint256 units, uint256 rate) public {
        if (ids.length == 0) return;
        uint256 id = ids[idSeed % ids.length];
        address seller = holders[sellerSeed % (HOLDERS - 1)];
        uint256 balance = ledger.balanceOf(seller, id);
        if (balance == 0 || !_forSale(id) || _restricted(seller) || _restricted(holders[HOLDERS - 1])) return;
        units = bound(units, 1, balance);
        IFinancingMarket.Offer memory offer = IFinancingMarket.Offer({
            financier: holders[HOLDERS - 1],
            receivableId: id,
            obligor: address(0),
            rateBps: uint16(bound(rate, 0, 5_000)),
            minUnits: 1,
            // forge-lint: disable-next-line(unsafe-typecast) -- units <= a face < 2^128
            maxUnits: uint128(units),
            expiry: uint64(block.timestamp),
            nonce: ++nonce
        });
        bytes memory signature = signDigest(FINANCIER_KEY, market.offerDigest(offer));
        vm.prank(seller);
        market.acceptOffer(offer, signature, id, units);
    }

    /// @dev Active, its purchase not in arrears, its obligor neither frozen nor blacklisted (the market's rule).
    function _forSale(uint256 id) internal view returns (bool) {
        (address obligor, IReceivableLedger.Status status,,, bool inArrears) = ledger.financingTerms(id);
        return status == IReceivableLedger.Status.Active && !inArrears && !_restricted(obligor);
    }

    function _restricted(address account) internal view returns (bool) {
        IParticipantRegistry.Participant memory p = registry.participant(account);
        return p.frozen || p.blacklisted;
    }

    function _blacklisted(address account) internal view returns (bool) {
        return registry.participant(account).blacklisted;
    }

    function _noteTerminal(uint256 id) internal {
        IReceivableLedger.Status s = ledger.statusOf(id);
        if (s == IReceivableLedger.Status.Repaid || s == IReceivableLedger.Status.Defaulted) terminal[id] = true;
    }

    /* VIEWS FOR THE INVARIANTS */

    function idCount() external view returns (uint256) {
        return ids.length;
    }

    function holderCount() external pure returns (uint256) {
        return HOLDERS;
    }

    function obligorCount() external pure returns (uint256) {
        return OBLIGORS;
    }
}
