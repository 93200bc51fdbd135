// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IParticipantRegistry} from "../../interfaces/IParticipantRegistry.sol";
import {IReceivableLedger} from "../../interfaces/IReceivableLedger.sol";
import {LedgerAdjustments} from "../../LedgerAdjustments.sol";
import {ParticipantRegistry} from "../../ParticipantRegistry.sol";
import {SettlementToken} from "../../SettlementToken.sol";
import {Test} from "../utils/Test.sol";
import {LedgerHandler} from "./LedgerHandler.sol";

/// @notice The ledger's guarantees, checked after every random sequence of actions of the handler.
contract LedgerInvariantTest is Test {
    LedgerHandler internal handler;

    function setUp() public {
        SettlementToken token = new SettlementToken("Settlement USD", "sUSD", address(this));
        ParticipantRegistry registry = new ParticipantRegistry(address(this));
        handler = new LedgerHandler(token, registry, new LedgerAdjustments(IERC20(address(token)), registry));
        token.grantRole(token.MINTER_ROLE(), address(handler));
        registry.grantRole(registry.DEFAULT_ADMIN_ROLE(), address(handler));
        registry.grantRole(registry.REGISTRAR_ROLE(), address(handler));
        registry.grantRole(registry.RISK_ROLE(), address(handler));
        handler.init();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// Settlement money is conserved: everything minted sits with a known party or the ledger.
    function invariant_moneyIsConserved() public view {
        uint256 sum = handler.token().balanceOf(address(handler.ledger())) + handler.token().balanceOf(address(handler));
        for (uint256 i; i < handler.holderCount(); ++i) {
            sum += handler.token().balanceOf(handler.holders(i));
        }
        for (uint256 i; i < handler.obligorCount(); ++i) {
            sum += handler.token().balanceOf(handler.obligors(i));
        }
        vm.assertEq(sum, handler.minted(), "every base unit minted is accounted for");
        vm.assertEq(handler.token().totalSupply(), handler.minted(), "no money created elsewhere");
    }

    /// The ledger holds exactly what came in and did not go out, and that covers every claim still open.
    function invariant_ledgerCoversClaims() public view {
        uint256 held = handler.token().balanceOf(address(handler.ledger()));
        uint256 expected = handler.repaidTotal() + handler.creditedTotal() - handler.claimedTotal()
            - handler.sweptTotal() - handler.feesWithdrawn();
        vm.assertEq(held, expected, "ledger balance = repaid + credited - claimed - swept - fees withdrawn");
        uint256 claimable;
        for (uint256 i; i < handler.idCount(); ++i) {
            uint256 id = handler.ids(i);
            for (uint256 h; h < handler.holderCount(); ++h) {
                claimable += handler.ledger().claimable(id, handler.holders(h));
            }
        }
        vm.assertLe(
            handler.claimedTotal() + claimable + handler.sweptTotal(), handler.toHoldersTotal(), "claims <= distributed"
        );
        vm.assertLe(claimable + handler.ledger().feesAccrued(), held, "the ledger can pay every claim and fee");
        // Rounding dust is at most one base unit per holder per id.
        vm.assertLe(
            handler.toHoldersTotal() - handler.claimedTotal() - claimable - handler.sweptTotal(),
            handler.idCount() * handler.holderCount(),
            "dust <= 1 unit per holder per id"
        );
    }

    /// Every id can still be repaid in full (penalty is capped within the accounting range), and no
    /// penalty is owed on an id that is Repaid.
    function invariant_everyIdRepayable() public view {
        for (uint256 i; i < handler.idCount(); ++i) {
            IReceivableLedger.ReceivableView memory v = handler.ledger().receivable(handler.ids(i));
            vm.assertLe(v.amountDue, type(uint128).max, "what is due fits the accounting range");
            if (v.status == IReceivableLedger.Status.Repaid) vm.assertEq(v.amountDue, 0, "nothing due once Repaid");
        }
    }

    /// Every id's units add up to its face, and only registered participants hold any.
    function invariant_supplyEqualsFace() public view {
        for (uint256 i; i < handler.idCount(); ++i) {
            uint256 id = handler.ids(i);
            uint256 total;
            for (uint256 h; h < handler.holderCount(); ++h) {
                address holder = handler.holders(h);
                uint256 units = handler.ledger().balanceOf(holder, id);
                total += units;
                // Registered (a holder blacklisted later keeps its units, frozen in place).
                if (units != 0) {
                    vm.assertTrue(
                        handler.registry().participant(holder).kind != IParticipantRegistry.Kind.None,
                        "holder registered"
                    );
                }
            }
            vm.assertEq(total, handler.ledger().receivable(id).face, "supply = face");
        }
    }

    /// Exposure is the unpaid principal (face less what was repaid and credited, summed over the obligor's
    /// installments); it never exceeded the limit when a purchase was originated; a document never originated
    /// twice.
    function invariant_exposureAndDocuments() public view {
        uint256[] memory unpaid = new uint256[](handler.obligorCount());
        for (uint256 i; i < handler.idCount(); ++i) {
            IReceivableLedger.ReceivableView memory v = handler.ledger().receivable(handler.ids(i));
            for (uint256 o; o < handler.obligorCount(); ++o) {
                if (handler.obligors(o) == v.obligor) unpaid[o] += v.face - v.principalPaid - v.principalCredited;
            }
        }
        for (uint256 i; i < handler.obligorCount(); ++i) {
            address obligor = handler.obligors(i);
            vm.assertEq(
                handler.ledger().exposureOf(obligor), handler.principalOut(obligor), "exposure = unpaid principal"
            );
            vm.assertEq(
                handler.ledger().exposureOf(obligor), unpaid[i], "exposure = the sum of its ids unpaid principal"
            );
        }
        vm.assertTrue(!handler.limitBreachedAtOrigination(), "origination within the limit");
        vm.assertTrue(!handler.documentReused(), "one document, one purchase");
    }

    /// A Defaulted or Repaid receivable never becomes Active (or Overdue) again.
    function invariant_terminalStatusesStay() public view {
        for (uint256 i; i < handler.idCount(); ++i) {
            uint256 id = handler.ids(i);
            if (!handler.terminal(id)) continue;
            IReceivableLedger.Status s = handler.ledger().statusOf(id);
            vm.assertTrue(
                s == IReceivableLedger.Status.Repaid || s == IReceivableLedger.Status.Defaulted,
                "terminal stays terminal"
            );
        }
    }
}
