// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IFinancingMarket} from "../interfaces/IFinancingMarket.sol";
import {Fixture} from "./utils/Fixture.sol";
import {ReceivableId} from "../libraries/ReceivableId.sol";

contract FinancingMarketTest is Fixture {
    function test_acceptOffer_swapsAtDiscountPrice() public {
        uint256 id = ReceivableId.encode(originate(3_000e6, 3, 0), 0); // due 2027-03-01, 27.5 days away
        IFinancingMarket.Offer memory offer = offerFor(financier, id);
        bytes memory signature = signDigest(FINANCIER_KEY, market.offerDigest(offer));
        uint256 expected = market.quote(id, 500e6, 1_200);
        vm.prank(supplier);
        uint256 price = market.acceptOffer(offer, signature, id, 500e6);
        vm.assertEq(price, expected, "quote equals the executed price");
        vm.assertEq(token.balanceOf(supplier), price, "seller paid");
        vm.assertEq(ledger.balanceOf(financier, id), 500e6, "financier holds the units");
    }

    function test_acceptOffer_refusedAfterCancel() public {
        uint256 id = ReceivableId.encode(originate(3_000e6, 3, 0), 0);
        IFinancingMarket.Offer memory offer = offerFor(financier, id);
        bytes memory signature = signDigest(FINANCIER_KEY, market.offerDigest(offer));
        vm.prank(financier);
        market.cancelOffer(1);
        vm.expectRevert(abi.encodeWithSelector(IFinancingMarket.OfferWasCancelled.selector, financier, 1));
        vm.prank(supplier);
        market.acceptOffer(offer, signature, id, 1);
    }

    /// @dev A fork with another chain id must not accept signatures made for this one.
    function test_acceptOffer_refusedOnAnotherChainId() public {
        uint256 id = ReceivableId.encode(originate(3_000e6, 3, 0), 0);
        IFinancingMarket.Offer memory offer = offerFor(financier, id);
        bytes memory signature = signDigest(FINANCIER_KEY, market.offerDigest(offer));
        vm.chainId(999);
        vm.expectRevert(abi.encodeWithSelector(IFinancingMarket.InvalidOfferSignature.selector, financier));
        vm.prank(supplier);
        market.acceptOffer(offer, signature, id, 1);
    }

    function testFuzz_acceptOffer_neverOversells(uint256 first, uint256 second) public {
        uint256 id = ReceivableId.encode(originate(3_000e6, 3, 0), 0);
        IFinancingMarket.Offer memory offer = offerFor(financier, id);
        bytes memory signature = signDigest(FINANCIER_KEY, market.offerDigest(offer));
        first = bound(first, 1, 1_000e6);
        second = bound(second, 1, 1_000e6);
        vm.prank(supplier);
        market.acceptOffer(offer, signature, id, first);
        if (first == 1_000e6) {
            vm.expectRevert(abi.encodeWithSelector(IFinancingMarket.OfferFilled.selector, financier, 1));
        } else if (first + second > 1_000e6) {
            vm.expectRevert(
                abi.encodeWithSelector(IFinancingMarket.UnitsOutOfRange.selector, second, 1, 1_000e6 - first)
            );
        }
        vm.prank(supplier);
        market.acceptOffer(offer, signature, id, second);
        vm.assertLe(market.filledUnits(financier, 1), 1_000e6, "filled <= maxUnits");
    }
}
