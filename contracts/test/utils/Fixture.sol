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
import {Test} from "./Test.sol";

/// @notice Deploys the system as `scf deploy` does and registers a small cast of parties.
abstract contract Fixture is Test {
    uint256 internal constant OBLIGOR_KEY = 0xB0B;
    uint256 internal constant FINANCIER_KEY = 0xF1A;
    uint256 internal constant START = 1_801_915_200; // 2027-02-06 12:00:00 UTC

    SettlementToken internal token;
    ParticipantRegistry internal registry;
    ReceivableLedger internal ledger;
    FinancingMarket internal market;

    address internal platform = address(this);
    address internal obligor;
    address internal financier;
    address internal supplier = address(0x5001);
    address internal supplier2 = address(0x5002);
    uint256 internal documents;

    function setUp() public virtual {
        vm.warp(START);
        obligor = vm.addr(OBLIGOR_KEY);
        financier = vm.addr(FINANCIER_KEY);
        token = new SettlementToken("Settlement USD", "sUSD", platform);
        registry = new ParticipantRegistry(platform);
        ledger = new ReceivableLedger(
            IERC20(address(token)),
            registry,
            platform,
            IReceivableLedger.Terms({
                graceDays: 3, penaltyBpsPerDay: 5, defaultDays: 90, interestFreeDays: 30, maxFeeBps: 1_000
            }),
            new LedgerAdjustments(IERC20(address(token)), registry)
        );
        market = new FinancingMarket(IERC20(address(token)), ledger, registry, platform);
        registry.grantRole(registry.RISK_ROLE(), address(ledger));

        registry.register(platform, IParticipantRegistry.Kind.Platform);
        registry.register(obligor, IParticipantRegistry.Kind.Obligor);
        registry.register(financier, IParticipantRegistry.Kind.Financier);
        registry.register(supplier, IParticipantRegistry.Kind.Supplier);
        registry.register(supplier2, IParticipantRegistry.Kind.Supplier);
        registry.setCreditLimit(obligor, type(uint128).max, "");

        token.mint(obligor, 1e30);
        token.mint(financier, 1e30);
        vm.prank(obligor);
        token.approve(address(ledger), type(uint256).max);
        vm.prank(financier);
        token.approve(address(market), type(uint256).max);
        vm.prank(supplier);
        ledger.setApprovalForAll(address(market), true);
    }

    function request(uint256 principal, uint8 n, uint16 feeBps)
        internal
        returns (IReceivableLedger.OriginationRequest memory r)
    {
        documents++;
        IReceivableLedger.Terms memory terms = ledger.terms();
        r = IReceivableLedger.OriginationRequest({
            obligor: obligor,
            supplier: supplier,
            principal: principal,
            installments: n,
            feeBps: feeBps,
            documentHash: keccak256(abi.encode("invoice", documents)),
            deadline: type(uint256).max,
            graceDays: terms.graceDays,
            penaltyBpsPerDay: terms.penaltyBpsPerDay,
            defaultDays: terms.defaultDays,
            interestFreeDays: terms.interestFreeDays
        });
    }

    function originate(uint256 principal, uint8 n, uint16 feeBps) internal returns (uint256 purchaseId) {
        IReceivableLedger.OriginationRequest memory r = request(principal, n, feeBps);
        purchaseId = ledger.originate(r, signDigest(OBLIGOR_KEY, ledger.acknowledgementDigest(r)));
    }

    /// @dev A 12 %/year offer for up to 1,000 tokens of `id`, valid for a day, nonce 1.
    function offerFor(address buyer, uint256 id) internal view returns (IFinancingMarket.Offer memory) {
        return IFinancingMarket.Offer({
            financier: buyer,
            receivableId: id,
            obligor: address(0),
            rateBps: 1_200,
            minUnits: 1,
            maxUnits: 1_000e6,
            expiry: uint64(block.timestamp + 1 days),
            nonce: 1
        });
    }

    function register(address account) internal {
        registry.register(account, IParticipantRegistry.Kind.Supplier);
    }
}
