// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {FinancingMarket} from "../FinancingMarket.sol";
import {IFinancingMarket} from "../interfaces/IFinancingMarket.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IReceivableLedger} from "../interfaces/IReceivableLedger.sol";
import {Fixture} from "./utils/Fixture.sol";
import {ReceivableId} from "../libraries/ReceivableId.sol";

/// @notice A financier contract (EIP-1271 signer) whose ERC-1155 receiver hook tries to buy again.
contract GreedyFinancier is IERC1155Receiver, IERC1271 {
    FinancingMarket internal immutable market;
    IFinancingMarket.Offer internal offer;
    uint256 internal id;
    bool internal attack;

    constructor(FinancingMarket market_) {
        market = market_;
    }

    function arm(IFinancingMarket.Offer memory offer_, uint256 id_) external {
        offer = offer_;
        id = id_;
        attack = true;
    }

    function approve(IERC20 token, address spender) external {
        token.approve(spender, type(uint256).max);
    }

    function isValidSignature(bytes32, bytes memory) external pure returns (bytes4) {
        return IERC1271.isValidSignature.selector;
    }

    function onERC1155Received(address, address, uint256, uint256, bytes calldata) external returns (bytes4) {
        if (attack) {
            attack = false;
            market.acceptOffer(offer, "", id, 1); // re-entry while the first sale is in flight
        }
        return IERC1155Receiver.onERC1155Received.selector;
    }

    IReceivableLedger internal watchedLedger;
    address internal watchedObligor;
    uint256 public exposureSeenInHook;

    function watch(IReceivableLedger ledger_, address obligor_) external {
        watchedLedger = ledger_;
        watchedObligor = obligor_;
    }

    function onERC1155BatchReceived(address, address, uint256[] calldata, uint256[] calldata, bytes calldata)
        external
        returns (bytes4)
    {
        if (address(watchedLedger) != address(0)) {
            exposureSeenInHook = watchedLedger.exposureOf(watchedObligor);
        }
        return IERC1155Receiver.onERC1155BatchReceived.selector;
    }

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC1155Receiver).interfaceId;
    }
}

contract ReentrancyTest is Fixture {
    function test_acceptOffer_reentrantReceiverIsRefused() public {
        GreedyFinancier greedy = new GreedyFinancier(market);
        registry.register(address(greedy), IParticipantRegistry.Kind.Financier);
        token.mint(address(greedy), 1e12);
        greedy.approve(IERC20(address(token)), address(market));
        uint256 id = ReceivableId.encode(originate(3_000e6, 3, 0), 0);
        IFinancingMarket.Offer memory offer = offerFor(address(greedy), id);
        greedy.arm(offer, id);
        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        vm.prank(supplier);
        market.acceptOffer(offer, "", id, 100e6);
        vm.assertEq(market.filledUnits(address(greedy), 1), 0, "nothing sold");
        vm.assertEq(ledger.balanceOf(supplier, id), 1_000e6, "units stay with the seller");
    }

    function test_originate_mintsToContractSupplierAfterAllStateChanges() public {
        GreedyFinancier receiver = new GreedyFinancier(market);
        registry.register(address(receiver), IParticipantRegistry.Kind.Supplier);
        receiver.watch(ledger, obligor);
        IReceivableLedger.OriginationRequest memory r = request(3_000e6, 3, 0);
        r.supplier = address(receiver);
        uint256 purchaseId = ledger.originate(r, signDigest(OBLIGOR_KEY, ledger.acknowledgementDigest(r)));
        vm.assertEq(
            ledger.balanceOf(address(receiver), ReceivableId.encode(purchaseId, 0)), 1_000e6, "minted to the contract"
        );
        vm.assertEq(receiver.exposureSeenInHook(), 3_000e6, "the receiver hook already sees the new exposure");
    }
}
