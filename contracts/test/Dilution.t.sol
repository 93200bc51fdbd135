// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IFinancingMarket} from "../interfaces/IFinancingMarket.sol";
import {IReceivableLedger} from "../interfaces/IReceivableLedger.sol";
import {ReceivableId} from "../libraries/ReceivableId.sol";
import {Fixture} from "./utils/Fixture.sol";

/// @notice Dilution, refunds, disputes and early repayment (DESIGN §11, §14), each with amounts to the base
/// unit. The purchase day is 6 Feb 2027 (the fixture's START): installment i is due on the 6th, i + 1 months
/// later, and its period starts a month before that.
contract DilutionTest is Fixture {
    uint256 internal constant DAY = 1 days;
    uint256 internal constant FIRST_DUE = 1_804_291_200; // 2027-03-06 00:00 UTC: installment 0 due

    function setUp() public override {
        super.setUp();
        token.mint(supplier, 1e30); // the originator pays its credit notes
        vm.prank(supplier);
        token.approve(address(ledger), type(uint256).max);
    }

    function id(uint256 purchaseId, uint256 index) internal pure returns (uint256) {
        return ReceivableId.encode(purchaseId, index);
    }

    /// @dev The obligor pays (it approved the ledger in the fixture).
    function pay(uint256 tokenId, uint256 amount) internal {
        vm.prank(obligor);
        ledger.repay(tokenId, amount);
    }

    function status(uint256 tokenId) internal view returns (uint256) {
        return uint256(ledger.statusOf(tokenId));
    }

    /* CREDIT NOTES */

    function test_aCreditNoteReachesEveryHolderProRataAndTheObligorOwesLess() public {
        uint256 pid = originate(3_000e6, 3, 100); // 1,000 sUSD a month, fee 30 each
        uint256 first = id(pid, 0);
        vm.prank(supplier);
        ledger.safeTransferFrom(supplier, supplier2, first, 250e6, "");
        uint256 originatorBefore = token.balanceOf(supplier);

        ledger.creditNote(first, 400e6, 0); // goods worth 400 returned

        vm.assertEq(token.balanceOf(supplier), originatorBefore - 400e6, "the originator paid the credit in");
        vm.assertEq(ledger.claimable(first, supplier), 300e6, "750 of 1,000 units: 300");
        vm.assertEq(ledger.claimable(first, supplier2), 100e6, "250 of 1,000 units: 100");
        vm.assertEq(ledger.amountDue(first), 630e6, "600 principal + the 30 fee still owed");
        vm.assertEq(ledger.exposureOf(obligor), 2_600e6, "exposure falls by the credit");
        IReceivableLedger.ReceivableView memory v = ledger.receivable(first);
        vm.assertEq(v.principalCredited, 400e6, "credited");
        vm.assertEq(v.principalPaid, 0, "nothing paid by the obligor");

        pay(first, type(uint256).max);
        vm.assertEq(status(first), uint256(IReceivableLedger.Status.Repaid), "repaid: 30 fee + 600 principal");
        vm.assertEq(ledger.feesAccrued(), 30e6, "the fee, untouched by the credit");
        vm.assertEq(ledger.exposureOf(obligor), 2_000e6, "two installments left");
    }

    function test_aCreditNoteWithTheFeeWaivedSettlesTheInstallment() public {
        uint256 pid = originate(3_000e6, 3, 100);
        uint256 first = id(pid, 0);
        ledger.creditNote(first, 1_000e6, 30e6);
        vm.assertEq(status(first), uint256(IReceivableLedger.Status.Repaid), "principal credited, fee waived");
        vm.assertEq(ledger.claimable(first, supplier), 1_000e6, "the holder has the whole principal");
        vm.expectRevert(
            abi.encodeWithSelector(IReceivableLedger.InvalidStatus.selector, first, IReceivableLedger.Status.Repaid)
        );
        ledger.creditNote(first, 1, 0);
    }

    function test_aCreditNoteBeyondWhatIsOwedOrUnfundedIsRefusedAndChangesNothing() public {
        uint256 pid = originate(3_000e6, 3, 100);
        uint256 first = id(pid, 0);
        pay(first, 130e6); // fee 30, principal 100
        vm.expectRevert(
            abi.encodeWithSelector(IReceivableLedger.CreditAboveUnpaidPrincipal.selector, first, 900e6 + 1, 900e6)
        );
        ledger.creditNote(first, 900e6 + 1, 0);
        vm.expectRevert(abi.encodeWithSelector(IReceivableLedger.WaiverAboveUnpaidFee.selector, first, 1, 0));
        ledger.creditNote(first, 0, 1);
        vm.prank(supplier);
        token.approve(address(ledger), 10e6);
        vm.expectRevert(abi.encodeWithSelector(IReceivableLedger.OriginatorUnfunded.selector, supplier, 11e6));
        ledger.creditNote(first, 11e6, 0);
        vm.prank(obligor);
        vm.expectRevert(); // AccessControlUnauthorizedAccount: the platform's alone
        ledger.creditNote(first, 1e6, 0);
        vm.assertEq(ledger.amountDue(first), 900e6, "unchanged");
        vm.assertEq(ledger.exposureOf(obligor), 2_900e6, "unchanged");
    }

    function test_aLateInstallmentsPenaltyIsAccruedBeforeTheCreditAndStaysOwed() public {
        uint256 pid = originate(3_000e6, 3, 0);
        uint256 first = id(pid, 0);
        vm.warp(FIRST_DUE + 13 * DAY); // due + grace 3 + 10 whole days: 10 days x 5 bps of 1,000 = 5 sUSD
        ledger.creditNote(first, 1_000e6, 0);
        vm.assertEq(ledger.amountDue(first), 5e6, "the penalty of the days before the credit");
        vm.assertEq(status(first), uint256(IReceivableLedger.Status.Overdue), "not Repaid while penalty is owed");
        vm.warp(FIRST_DUE + 40 * DAY);
        vm.assertEq(ledger.amountDue(first), 5e6, "nothing outstanding: no more penalty");
        pay(first, type(uint256).max);
        vm.assertEq(status(first), uint256(IReceivableLedger.Status.Repaid), "penalty paid");
        vm.assertEq(ledger.claimable(first, supplier), 1_005e6, "credit and penalty to the holder");
    }

    /* REFUNDS */

    /// DESIGN §14's example: P 1,200,000, n = 12, f = 100 (fee 12,000 each), half the goods returned.
    function test_halfTheGoodsReturnedCreditsTheLatestSixInstallmentsAndWaivesTheirFees() public {
        uint256 pid = originate(1_200_000e6, 12, 100);
        uint256 credited = ledger.refund(pid, 600_000e6);
        vm.assertEq(credited, 600_000e6, "credited");
        for (uint256 i = 6; i < 12; ++i) {
            vm.assertEq(status(id(pid, i)), uint256(IReceivableLedger.Status.Repaid), "12..7 settled");
        }
        for (uint256 i; i < 6; ++i) {
            vm.assertEq(ledger.amountDue(id(pid, i)), i == 0 ? 112_000e6 : 100_000e6, "1..6 owe 100,000 + 12,000");
            vm.assertEq(ledger.receivable(id(pid, i)).fee, 12_000e6, "the fee stays");
        }
        vm.assertEq(ledger.exposureOf(obligor), 600_000e6, "exposure halved");
    }

    function test_aFullRefundCreditsEveryUnpaidPrincipalAndWaivesEveryFee() public {
        uint256 pid = originate(3_000e6, 3, 100);
        pay(id(pid, 0), 530e6); // fee 30, principal 500
        uint256 before = token.balanceOf(supplier);
        vm.assertEq(ledger.refund(pid, type(uint256).max), 2_500e6, "500 + 1,000 + 1,000 unpaid");
        vm.assertEq(token.balanceOf(supplier), before - 2_500e6, "paid by the originator once");
        for (uint256 i; i < 3; ++i) {
            vm.assertEq(status(id(pid, i)), uint256(IReceivableLedger.Status.Repaid), "every installment settled");
        }
        vm.assertEq(ledger.exposureOf(obligor), 0, "nothing owed");
        vm.assertEq(ledger.feesAccrued(), 30e6, "the fee paid stays the platform's");
    }

    function test_aRefundAboveWhatIsUnpaidIsRefused() public {
        uint256 pid = originate(3_000e6, 3, 100);
        vm.expectRevert(
            abi.encodeWithSelector(IReceivableLedger.RefundAboveUnpaidPrincipal.selector, pid, 3_000e6 + 1, 3_000e6)
        );
        ledger.refund(pid, 3_000e6 + 1);
        vm.expectRevert(abi.encodeWithSelector(IReceivableLedger.UnknownPurchase.selector, pid + 1));
        ledger.refund(pid + 1, 1);
    }

    /* DISPUTES */

    function test_aDisputeStopsFinancingDefaultAndPenaltyAndMovesTheClocksWhenRejected() public {
        uint256 pid = originate(3_000e6, 3, 0);
        uint256 first = id(pid, 0);
        vm.warp(FIRST_DUE + 5 * DAY); // 2 whole days past due + grace: 2 x 5 bps of 1,000 = 1 sUSD
        ledger.openDispute(first, "GOODS_NOT_RECEIVED");
        vm.assertEq(status(first), uint256(IReceivableLedger.Status.Disputed), "disputed");
        vm.assertEq(ledger.amountDue(first), 1_001e6, "penalty up to the opening");

        IFinancingMarket.Offer memory offer = offerFor(financier, first);
        bytes memory signature = signDigest(FINANCIER_KEY, market.offerDigest(offer));
        vm.prank(supplier);
        vm.expectRevert(
            abi.encodeWithSelector(
                IFinancingMarket.ReceivableNotActive.selector, first, IReceivableLedger.Status.Disputed
            )
        );
        market.acceptOffer(offer, signature, first, 100e6);

        vm.warp(FIRST_DUE + 95 * DAY); // past due + 90 days, but disputed
        vm.expectRevert(
            abi.encodeWithSelector(IReceivableLedger.InvalidStatus.selector, first, IReceivableLedger.Status.Disputed)
        );
        ledger.markDefaulted(first);
        vm.assertEq(ledger.amountDue(first), 1_001e6, "no penalty while disputed");

        ledger.closeDispute(first, false, 0, 0); // rejected after 90 days
        vm.assertEq(ledger.receivable(first).disputeDays, 90, "from the opening (after due + grace) to the close");
        vm.assertEq(ledger.amountDue(first), 1_001e6, "the clock restarts where it stopped");
        vm.warp(FIRST_DUE + 97 * DAY); // two more whole days
        vm.assertEq(ledger.amountDue(first), 1_002e6, "two more days: 1 sUSD");
        vm.warp(FIRST_DUE + 179 * DAY);
        vm.expectRevert(
            abi.encodeWithSelector(IReceivableLedger.DefaultTooEarly.selector, first, FIRST_DUE + 180 * DAY)
        );
        ledger.markDefaulted(first); // due + 90 + the 90 disputed days
        vm.warp(FIRST_DUE + 180 * DAY);
        ledger.markDefaulted(first);
    }

    function test_anUpheldDisputeEndsWithACreditNote() public {
        uint256 pid = originate(3_000e6, 3, 100);
        uint256 second = id(pid, 1);
        ledger.openDispute(second, "PRICE_DISPUTE");
        vm.expectRevert(abi.encodeWithSelector(IReceivableLedger.CreditWithoutUpheldDispute.selector, second));
        ledger.closeDispute(second, false, 100e6, 0);
        ledger.closeDispute(second, true, 100e6, 0);
        vm.assertEq(status(second), uint256(IReceivableLedger.Status.Active), "back to normal, owing less");
        vm.assertEq(ledger.receivable(second).disputeDays, 0, "closed before due + grace: no clock moved");
        vm.assertEq(ledger.exposureOf(obligor), 2_900e6, "credited 100");
    }

    function test_aDisputeOnATerminalInstallmentOrNoneOpenIsRefused() public {
        uint256 pid = originate(3_000e6, 3, 0);
        uint256 first = id(pid, 0);
        pay(first, type(uint256).max);
        vm.expectRevert(
            abi.encodeWithSelector(IReceivableLedger.InvalidStatus.selector, first, IReceivableLedger.Status.Repaid)
        );
        ledger.openDispute(first, "LATE_NOTICE");
        vm.expectRevert(abi.encodeWithSelector(IReceivableLedger.NotDisputed.selector, id(pid, 1)));
        ledger.closeDispute(id(pid, 1), false, 0, 0);
        ledger.openDispute(id(pid, 1), "X");
        vm.expectRevert(
            abi.encodeWithSelector(
                IReceivableLedger.InvalidStatus.selector, id(pid, 1), IReceivableLedger.Status.Disputed
            )
        );
        ledger.openDispute(id(pid, 1), "TWICE");
    }

    /* EARLY REPAYMENT */

    function test_aPrincipalRepaidInFullBeforeItsPeriodOwesNoFee() public {
        uint256 pid = originate(3_000e6, 3, 100);
        uint256 third = id(pid, 2); // due 6 May, its period starts 6 Apr
        vm.assertEq(ledger.amountDue(third), 1_000e6, "before its period: the principal only");
        pay(third, 400e6);
        vm.assertEq(ledger.receivable(third).principalPaid, 400e6, "early: to principal");
        vm.assertEq(ledger.feesAccrued(), 0, "no fee taken");
        pay(third, type(uint256).max);
        vm.assertEq(status(third), uint256(IReceivableLedger.Status.Repaid), "repaid without its fee");
        vm.assertEq(ledger.receivable(third).feeWaived, 30e6, "the fee waived");
        vm.assertEq(ledger.claimable(third, supplier), 1_000e6, "the holder has the principal");
    }

    function test_withinItsPeriodTheFeeIsOwedInFullEvenAfterAnEarlyPart() public {
        uint256 pid = originate(3_000e6, 3, 100);
        uint256 second = id(pid, 1); // due 6 Apr, its period starts 6 Mar
        pay(second, 300e6); // early: principal
        vm.warp(FIRST_DUE + 1 hours);
        vm.assertEq(ledger.amountDue(second), 730e6, "30 fee + the 700 principal left");
        pay(second, 30e6);
        vm.assertEq(ledger.feesAccrued(), 30e6, "fee first within the period");
        IReceivableLedger.ReceivableView memory v = ledger.receivable(second);
        vm.assertEq(v.principalPaid, 300e6, "the early part");
        vm.assertEq(v.feePaid, 30e6, "the fee");
        pay(second, type(uint256).max);
        vm.assertEq(status(second), uint256(IReceivableLedger.Status.Repaid), "repaid");
        vm.assertEq(ledger.exposureOf(obligor), 2_000e6, "two installments left");
    }

    function test_theFirstInstallmentIsNeverEarly() public {
        uint256 pid = originate(3_000e6, 3, 100);
        vm.assertEq(ledger.amountDue(id(pid, 0)), 1_030e6, "its period starts on the purchase day");
    }
}
