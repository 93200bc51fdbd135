// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IFinancingMarket} from "../interfaces/IFinancingMarket.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IReceivableLedger} from "../interfaces/IReceivableLedger.sol";
import {ReceivableId} from "../libraries/ReceivableId.sol";
import {ReceivableLedger} from "../ReceivableLedger.sol";
import {Fixture} from "./utils/Fixture.sol";

/// @notice A supplier that also originates (a platform's own supplier arm) and whose batch receiver hook
/// originates again while the batch that pays it is in flight.
contract ReenteringSupplier is IERC1155Receiver {
    ReceivableLedger internal immutable ledger;
    IReceivableLedger.OriginationRequest internal inner;
    bytes internal innerSignature;
    bool internal armed;

    constructor(ReceivableLedger ledger_) {
        ledger = ledger_;
    }

    function arm(IReceivableLedger.OriginationRequest memory request, bytes memory signature) external {
        inner = request;
        innerSignature = signature;
        armed = true;
    }

    function onERC1155Received(address, address, uint256, uint256, bytes calldata) external pure returns (bytes4) {
        return IERC1155Receiver.onERC1155Received.selector;
    }

    function onERC1155BatchReceived(address, address, uint256[] calldata, uint256[] calldata, bytes calldata)
        external
        returns (bytes4)
    {
        if (armed) {
            armed = false;
            ledger.originate(inner, innerSignature);
        }
        return IERC1155Receiver.onERC1155BatchReceived.selector;
    }

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC1155Receiver).interfaceId;
    }
}

/// @notice The findings of the outside review of the contracts (issue: contract hardening), one or more
/// tests each. Every one of them failed on the contracts before the fix.
contract HardeningTest is Fixture {
    address internal supplier3 = address(0x5003);

    function obligorOffer() internal view returns (IFinancingMarket.Offer memory offer, bytes memory signature) {
        offer = IFinancingMarket.Offer({
            financier: financier,
            receivableId: 0,
            obligor: obligor,
            rateBps: 1_200,
            minUnits: 1,
            maxUnits: 1_000_000e6,
            expiry: uint64(block.timestamp + 365 days),
            nonce: 7
        });
        signature = signDigest(FINANCIER_KEY, market.offerDigest(offer));
    }

    function sell(uint256 id, uint256 units) internal returns (uint256) {
        (IFinancingMarket.Offer memory offer, bytes memory signature) = obligorOffer();
        vm.prank(supplier);
        return market.acceptOffer(offer, signature, id, units);
    }

    /// @dev A sale by the supplier into the obligor-level offer, expected to revert with `error`.
    function refusedSale(uint256 id, uint256 units, bytes memory error) internal {
        (IFinancingMarket.Offer memory offer, bytes memory signature) = obligorOffer();
        vm.expectRevert(error);
        vm.prank(supplier);
        market.acceptOffer(offer, signature, id, units);
    }

    /* 1. The market finances installments of an obligor that defaulted, or is frozen or blacklisted. */

    function test_finding1_laterInstallmentsOfADefaultedPurchaseDoNotSell() public {
        uint256 purchaseId = originate(12_000e6, 12, 0);
        uint256 first = ReceivableId.encode(purchaseId, 0);
        uint256 later = ReceivableId.encode(purchaseId, 6);
        vm.warp(ledger.receivable(first).dueDate + 90 days);
        ledger.markDefaulted(first);
        vm.assertTrue(ledger.statusOf(later) == IReceivableLedger.Status.Active, "the later one is still Active");
        registry.setFrozen(obligor, false, "TEST"); // even with the freeze lifted: the purchase is in arrears
        refusedSale(later, 100e6, abi.encodeWithSelector(IFinancingMarket.PurchaseInArrears.selector, purchaseId));
    }

    function test_finding1_anInstallmentSeenLateBlocksTheSaleOfItsPurchaseUntilPaid() public {
        uint256 purchaseId = originate(12_000e6, 12, 0);
        uint256 first = ReceivableId.encode(purchaseId, 0);
        uint256 later = ReceivableId.encode(purchaseId, 6);
        vm.warp(ledger.receivable(first).dueDate + 5 days); // past due + grace
        ledger.accruePenalty(first);
        refusedSale(later, 100e6, abi.encodeWithSelector(IFinancingMarket.PurchaseInArrears.selector, purchaseId));
        vm.prank(obligor);
        ledger.repay(first, type(uint256).max);
        vm.assertGe(sell(later, 100e6), 1, "sells again once nothing of the purchase is late");
    }

    function test_finding1_installmentsOfAFrozenObligorDoNotSell() public {
        uint256 id = ReceivableId.encode(originate(3_000e6, 3, 0), 0);
        registry.setFrozen(obligor, true, "MANUAL");
        refusedSale(id, 100e6, abi.encodeWithSelector(IFinancingMarket.ParticipantFrozen.selector, obligor));
    }

    function test_finding1_installmentsOfABlacklistedObligorDoNotSell() public {
        uint256 id = ReceivableId.encode(originate(3_000e6, 3, 0), 0);
        registry.setBlacklisted(obligor, true, "FRAUD");
        refusedSale(id, 100e6, abi.encodeWithSelector(IFinancingMarket.ParticipantBlacklisted.selector, obligor));
    }

    /* 2. Penalty could push `distributed` past 2^128: a large late receivable could never be repaid. */

    function test_finding2_aHugeLateReceivableIsRepaidInFull() public {
        token.mint(obligor, 2 ** 130);
        uint256 id = ReceivableId.encode(originate(2 ** 127, 1, 0), 0);
        vm.warp(ledger.receivable(id).dueDate + 2_500 days);
        vm.prank(obligor);
        ledger.repay(id, type(uint256).max);
        vm.assertTrue(ledger.statusOf(id) == IReceivableLedger.Status.Repaid, "repaid");
        vm.assertEq(ledger.exposureOf(obligor), 0, "exposure back to zero");
    }

    /* 3. A holder's rounding residue below one unit could be locked for ever. */

    function test_finding3_everyResidueReachesTheDustOnceRepaid() public {
        uint256 id = ReceivableId.encode(originate(9, 3, 0), 0); // face 3
        vm.prank(supplier);
        ledger.safeTransferFrom(supplier, supplier2, id, 1, "");
        vm.prank(obligor);
        ledger.repay(id, 1); // a third of a unit to supplier2: its residue
        vm.prank(supplier2);
        ledger.safeTransferFrom(supplier2, supplier, id, 1, ""); // sold out: no claim of its ever pays again
        vm.prank(obligor);
        ledger.repay(id, type(uint256).max);
        vm.prank(supplier);
        vm.assertEq(ledger.claim(id, supplier), 2, "two whole units; its residue to the dust");
        vm.expectRevert(abi.encodeWithSelector(IReceivableLedger.NothingToSweep.selector, id));
        ledger.sweepDust(id, platform); // two thirds of a unit: nothing whole yet
        vm.assertEq(ledger.releaseResidue(id, supplier2), 1, "anyone moves the exited holder's residue");
        vm.assertEq(ledger.sweepDust(id, platform), 1, "the last unit is swept");
        vm.assertEq(token.balanceOf(address(ledger)), 0, "nothing is left in the ledger");
        vm.expectRevert(abi.encodeWithSelector(IReceivableLedger.NoResidue.selector, id, supplier2));
        ledger.releaseResidue(id, supplier2);
    }

    function test_finding3_aResidueIsReleasedOnlyOnceRepaid() public {
        uint256 id = ReceivableId.encode(originate(9, 3, 0), 0);
        vm.expectRevert(
            abi.encodeWithSelector(IReceivableLedger.InvalidStatus.selector, id, IReceivableLedger.Status.Active)
        );
        ledger.releaseResidue(id, supplier);
    }

    /* 4. The late terms were not signed, and setTerms had no bounds. */

    function test_finding4_termsChangedAfterTheSignatureRefuseTheOrigination() public {
        IReceivableLedger.OriginationRequest memory r = request(3_000e6, 3, 0);
        bytes memory signature = signDigest(OBLIGOR_KEY, ledger.acknowledgementDigest(r));
        ledger.setTerms(
            IReceivableLedger.Terms({
                graceDays: 3, penaltyBpsPerDay: 50, defaultDays: 90, interestFreeDays: 30, maxFeeBps: 1_000
            })
        );
        vm.expectRevert(IReceivableLedger.TermsNotCurrent.selector);
        ledger.originate(r, signature);
    }

    function test_finding4_setTermsIsBounded() public {
        vm.expectRevert(IReceivableLedger.InvalidTerms.selector);
        ledger.setTerms(
            IReceivableLedger.Terms({
                graceDays: 3, penaltyBpsPerDay: 65_535, defaultDays: 90, interestFreeDays: 30, maxFeeBps: 1_000
            })
        );
    }

    /* 5. originateBatch ran receiver hooks before writing its purchase counter. */

    function test_finding5_aReentrantOriginateFromABatchHookIsRefused() public {
        ReenteringSupplier reentering = new ReenteringSupplier(ledger);
        registry.register(address(reentering), IParticipantRegistry.Kind.Supplier);
        ledger.grantRole(ledger.ORIGINATOR_ROLE(), address(reentering));
        IReceivableLedger.OriginationRequest memory inner = request(1_000e6, 1, 0);
        reentering.arm(inner, signDigest(OBLIGOR_KEY, ledger.acknowledgementDigest(inner)));
        IReceivableLedger.OriginationRequest[] memory batch = new IReceivableLedger.OriginationRequest[](1);
        batch[0] = request(3_000e6, 3, 0);
        batch[0].supplier = address(reentering);
        bytes[] memory signatures = new bytes[](1);
        signatures[0] = signDigest(OBLIGOR_KEY, ledger.acknowledgementDigest(batch[0]));
        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        ledger.originateBatch(batch, signatures);
    }

    /* 6. frozen had no effect beyond the obligor's origination; blacklisted holders claimed to anyone. */

    function test_finding6_aFrozenSupplierNeitherOriginatesNorSells() public {
        uint256 id = ReceivableId.encode(originate(3_000e6, 3, 0), 0);
        registry.setFrozen(supplier, true, "MANUAL");
        IReceivableLedger.OriginationRequest memory r = request(3_000e6, 3, 0);
        bytes memory signature = signDigest(OBLIGOR_KEY, ledger.acknowledgementDigest(r));
        vm.expectRevert(abi.encodeWithSelector(IReceivableLedger.ParticipantFrozen.selector, supplier));
        ledger.originate(r, signature);
        refusedSale(id, 100e6, abi.encodeWithSelector(IFinancingMarket.ParticipantFrozen.selector, supplier));
    }

    function test_finding6_aFrozenFinancierDoesNotBuy() public {
        uint256 id = ReceivableId.encode(originate(3_000e6, 3, 0), 0);
        registry.setFrozen(financier, true, "MANUAL");
        refusedSale(id, 100e6, abi.encodeWithSelector(IFinancingMarket.ParticipantFrozen.selector, financier));
    }

    function test_finding6_aBlacklistedHolderIsPaidOnlyOnceTheFlagIsLifted() public {
        uint256 id = ReceivableId.encode(originate(3_000e6, 3, 0), 0);
        vm.prank(obligor);
        ledger.repay(id, 400e6);
        registry.setBlacklisted(supplier, true, "FRAUD");
        vm.expectRevert(abi.encodeWithSelector(IReceivableLedger.ParticipantBlacklisted.selector, supplier));
        vm.prank(supplier);
        ledger.claim(id, supplier2);
        vm.assertEq(ledger.claimable(id, supplier), 400e6, "still owed");
        registry.setBlacklisted(supplier, false, "CLEARED");
        vm.prank(supplier);
        vm.assertEq(ledger.claim(id, supplier), 400e6, "paid once lifted");
    }

    /* 7. Splitting a sale into one-unit fills removed the discount. */

    function test_finding7_oneUnitFillsPayNoMoreThanOneFill() public {
        uint256 id = ReceivableId.encode(originate(3_000e6, 3, 0), 0);
        uint256 whole = market.quote(id, 1_000, 1_200);
        uint256 split;
        for (uint256 i; i < 1_000; ++i) {
            split += sell(id, 1);
        }
        vm.assertLe(split, whole, "split fills pay no more than one fill");
    }

    function testFuzz_finding7_splittingNeverPaysMore(uint256 units, uint256 parts, uint16 rate) public {
        uint256 id = ReceivableId.encode(originate(3_000e6, 3, 0), 0);
        vm.prank(obligor);
        ledger.repay(id, 333_333_333);
        units = bound(units, 2, 1_000e6);
        parts = bound(parts, 2, 8);
        uint256 whole = market.quote(id, units, rate);
        uint256 split;
        for (uint256 i; i < parts; ++i) {
            split += market.quote(id, i + 1 == parts ? units - (units / parts) * (parts - 1) : units / parts, rate);
        }
        vm.assertLe(split, whole, "the parts' prices add up to no more than the whole's");
    }

    /* 8. Accruing every day rounded the penalty away. */

    function test_finding8_dailyAndLazyAccrualGiveTheSamePenalty() public {
        uint256 daily = ReceivableId.encode(originate(5_997, 3, 0), 0); // face 1,999
        uint256 lazy = ReceivableId.encode(originate(5_997, 3, 0), 0);
        uint256 from = ledger.receivable(daily).dueDate + 3 days;
        for (uint256 day = 1; day <= 100; ++day) {
            vm.warp(from + day * 1 days);
            ledger.accruePenalty(daily);
        }
        ledger.accruePenalty(lazy);
        vm.assertEq(ledger.receivable(lazy).penaltyOwed, 99, "lazy: 1,999 * 5 bps * 100 days, rounded down");
        vm.assertEq(ledger.receivable(daily).penaltyOwed, 99, "daily: the same");
    }
}

