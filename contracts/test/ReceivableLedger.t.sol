// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IReceivableLedger} from "../interfaces/IReceivableLedger.sol";
import {ReceivableMath} from "../libraries/ReceivableMath.sol";
import {Fixture} from "./utils/Fixture.sol";
import {ReceivableId} from "../libraries/ReceivableId.sol";

contract ReceivableLedgerTest is Fixture {
    function test_originate_twelveInstallments_withinGasBudget() public {
        originate(1_200e6, 12, 100); // the obligor already has exposure
        IReceivableLedger.OriginationRequest memory r = request(1_200e6, 12, 100);
        bytes memory signature = signDigest(OBLIGOR_KEY, ledger.acknowledgementDigest(r));
        uint256 before = gasleft();
        ledger.originate(r, signature);
        uint256 perInstallment = (before - gasleft()) / 12;
        emit log_named_uint("originate gas per installment (execution only)", perInstallment);
        vm.assertLe(perInstallment, 55_000 - 21_000 / 12, "origination gas per installment");
    }

    function test_repay_distributesProRata() public {
        uint256 id = ReceivableId.encode(originate(3_000e6, 3, 0), 0);
        vm.prank(supplier);
        ledger.safeTransferFrom(supplier, supplier2, id, 250e6, "");
        vm.prank(obligor);
        ledger.repay(id, 400e6);
        vm.assertEq(ledger.claimable(id, supplier), 300e6, "three quarters to the supplier");
        vm.assertEq(ledger.claimable(id, supplier2), 100e6, "one quarter to tier 2");
    }

    function test_transfer_settlesCheckpointBeforeBalanceChanges() public {
        uint256 id = ReceivableId.encode(originate(3_000e6, 3, 0), 0);
        vm.prank(obligor);
        ledger.repay(id, 400e6);
        vm.prank(supplier);
        ledger.safeTransferFrom(supplier, supplier2, id, 500e6, "");
        vm.assertEq(ledger.claimable(id, supplier2), 0, "new holder gets nothing paid before it held");
        vm.assertEq(ledger.claimable(id, supplier), 400e6, "old holder keeps it");
    }

    function test_transfer_revertsForUnregisteredReceiver() public {
        uint256 id = ReceivableId.encode(originate(3_000e6, 3, 0), 0);
        vm.expectRevert(abi.encodeWithSelector(IReceivableLedger.NotEligibleHolder.selector, address(0xBAD)));
        vm.prank(supplier);
        ledger.safeTransferFrom(supplier, address(0xBAD), id, 1, "");
    }

    function test_originate_revertsOnReusedDocument() public {
        IReceivableLedger.OriginationRequest memory r = request(3_000e6, 3, 0);
        bytes memory signature = signDigest(OBLIGOR_KEY, ledger.acknowledgementDigest(r));
        uint256 purchaseId = ledger.originate(r, signature);
        vm.expectRevert(
            abi.encodeWithSelector(IReceivableLedger.DocumentAlreadyUsed.selector, r.documentHash, purchaseId)
        );
        ledger.originate(r, signature);
    }

    /// @dev Claim cost must not depend on the number of holders: 1 versus 1,000.
    function test_claimGas_sameWithOneAndThousandHolders() public {
        uint256 warm = ReceivableId.encode(originate(3_000e6, 3, 0), 0);
        uint256 alone = ReceivableId.encode(originate(3_000e6, 3, 0), 0);
        uint256 crowded = ReceivableId.encode(originate(3_000e6, 3, 0), 0);
        address other = address(0x7777);
        register(other);
        vm.startPrank(supplier);
        ledger.safeTransferFrom(supplier, other, alone, 1_000e6, ""); // `other` is alone on `alone`
        ledger.safeTransferFrom(supplier, other, crowded, 1e6, "");
        for (uint256 i = 1; i <= 998; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast) -- i <= 998 fits 160 bits
            address holder = address(uint160(0x100000 + i));
            vm.stopPrank();
            register(holder);
            vm.startPrank(supplier);
            ledger.safeTransferFrom(supplier, holder, crowded, 1e6, "");
        }
        vm.stopPrank();
        address holderOfCrowded = address(uint160(0x100000 + 1));
        vm.startPrank(obligor);
        ledger.repay(warm, 100e6);
        ledger.repay(alone, 100e6);
        ledger.repay(crowded, 100e6);
        vm.stopPrank();
        vm.prank(supplier);
        ledger.claim(warm, supplier); // warms the ledger's token balance for both measurements
        token.mint(other, 1);
        token.mint(holderOfCrowded, 1);

        vm.prank(other);
        uint256 before = gasleft();
        ledger.claim(alone, other);
        uint256 gasAlone = before - gasleft();
        vm.prank(holderOfCrowded);
        before = gasleft();
        ledger.claim(crowded, holderOfCrowded);
        uint256 gasCrowded = before - gasleft();
        emit log_named_uint("claim gas, 1 holder", gasAlone);
        emit log_named_uint("claim gas, 1000 holders", gasCrowded);
        vm.assertLe(gasCrowded * 100, gasAlone * 102, "claim ratio 1000 vs 1 <= 1.02");
    }

    function testFuzz_repay_neverTakesMoreThanDue(uint256 principal, uint256 amount, uint256 daysLate) public {
        principal = bound(principal, 3, 1e24);
        uint256 id = ReceivableId.encode(originate(principal, 3, 100), 0);
        vm.warp(ledger.receivable(id).dueDate + bound(daysLate, 0, 200) * 1 days);
        uint256 due = ledger.amountDue(id);
        amount = bound(amount, 1, type(uint128).max);
        uint256 balanceBefore = token.balanceOf(obligor);
        vm.prank(obligor);
        uint256 taken = ledger.repay(id, amount);
        vm.assertEq(taken, amount < due ? amount : due, "min(maxAmount, due)");
        vm.assertEq(balanceBefore - token.balanceOf(obligor), taken, "pulled exactly what was taken");
        vm.assertLe(ledger.claimable(id, supplier), taken, "claims never exceed what was paid in");
    }

    function testFuzz_allocation_conservesMoney(uint256 amount, uint256 penalty, uint256 fee, uint256 paid)
        public
        pure
    {
        amount = bound(amount, 0, type(uint128).max);
        penalty = bound(penalty, 0, type(uint128).max);
        fee = bound(fee, 0, type(uint128).max);
        paid = bound(paid, 0, type(uint128).max);
        ReceivableMath.Allocation memory a = ReceivableMath.allocate(amount, penalty, fee, paid);
        vm.assertEq(a.toPenalty + a.toFee + a.toPrincipal, amount, "allocation sums to the amount");
        vm.assertLe(a.toPenalty, penalty, "no more penalty than owed");
    }

    /// @dev The penalty of a late installment against the reference formula of DESIGN §3, to the unit.
    function testFuzz_penalty_matchesReferenceFormula(uint256 principal, uint256 daysLate, uint256 extraSeconds)
        public
    {
        principal = bound(principal, 3, 1e24);
        uint256 id = ReceivableId.encode(originate(principal, 3, 100), 0);
        IReceivableLedger.ReceivableView memory v = ledger.receivable(id);
        daysLate = bound(daysLate, 0, 80); // before the default, penalty keeps accruing
        vm.warp(v.dueDate + 3 days + daysLate * 1 days + bound(extraSeconds, 0, 86_399));
        uint256 outstanding = v.face + v.fee;
        vm.assertEq(ledger.receivable(id).penaltyOwed, outstanding * 5 * daysLate / 10_000, "penalty");
    }

    function testFuzz_price_betweenZeroAndValue(uint256 units, uint256 paid, uint256 rate, uint256 due, uint256 t)
        public
        pure
    {
        units = bound(units, 0, type(uint128).max);
        paid = bound(paid, 0, ReceivableMath.SCALE);
        rate = bound(rate, 0, type(uint16).max);
        due = bound(due, 0, type(uint40).max);
        t = bound(t, 0, type(uint40).max);
        uint256 price = ReceivableMath.priceForUnits(units, paid, rate, due, t);
        vm.assertLe(price, ReceivableMath.valueOfUnits(units, paid), "price <= value");
        vm.assertLe(ReceivableMath.valueOfUnits(units, paid), units, "value <= units");
    }

    /// The property halmos does not finish (ReceivableMathProofs), sampled over the full range instead.
    function testFuzz_price_neverRisesWithTimeToMaturity(
        uint256 units,
        uint256 paid,
        uint256 rate,
        uint256 due,
        uint256 t1,
        uint256 t2
    ) public pure {
        units = bound(units, 0, type(uint128).max);
        paid = bound(paid, 0, ReceivableMath.SCALE);
        rate = bound(rate, 0, type(uint16).max);
        due = bound(due, 0, type(uint40).max);
        t1 = bound(t1, 0, type(uint40).max);
        t2 = bound(t2, t1, type(uint40).max);
        uint256 early = ReceivableMath.priceForUnits(units, paid, rate, due, t1);
        vm.assertLe(early, ReceivableMath.priceForUnits(units, paid, rate, due, t2), "more time, no higher price");
    }

    /// Two holders whose balances fit in the face never get more than was distributed between them (halmos
    /// proves each share exact and each residue below a unit; this samples the sum over the full range).
    function testFuzz_shareOf_twoHoldersNeverGetMoreThanDistributed(uint256 a, uint256 b, uint256 delta, uint256 face)
        public
        pure
    {
        face = bound(face, 1, type(uint128).max);
        a = bound(a, 0, face);
        b = bound(b, 0, face - a);
        delta = bound(delta, 0, type(uint128).max);
        (uint256 first,) = ReceivableMath.shareOf(a, delta, 0, face);
        (uint256 second,) = ReceivableMath.shareOf(b, delta, 0, face);
        vm.assertLe(first + second, delta, "two shares <= distributed");
    }
}
