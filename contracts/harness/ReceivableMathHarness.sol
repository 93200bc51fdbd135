// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DateLib} from "../libraries/DateLib.sol";
import {ReceivableMath} from "../libraries/ReceivableMath.sol";

/// @title ReceivableMathHarness
/// @notice Exposes the shared money rules for cross-checking against Python and for forge tests.
/// Test-only: never deployed by `scf deploy`.
contract ReceivableMathHarness {
    function principalOf(uint256 principal, uint8 n, uint256 index) external pure returns (uint256) {
        return ReceivableMath.principalOf(principal, n, index);
    }

    function feePerInstallment(uint256 principal, uint8 n, uint16 feeBps, uint256 startDay, uint16 freeDays)
        external
        pure
        returns (uint256)
    {
        return ReceivableMath.feePerInstallment(principal, n, feeBps, startDay, freeDays);
    }

    function dueDate(uint256 startDay, uint256 index) external pure returns (uint256) {
        return ReceivableMath.dueDate(startDay, index);
    }

    function addMonths(uint256 dayNumber, uint256 months) external pure returns (uint256) {
        return DateLib.addMonths(dayNumber, months);
    }

    function penaltyFor(uint256 outstanding, uint256 bpsPerDay, uint256 elapsedDays, uint256 remainder)
        external
        pure
        returns (uint256 penalty, uint256 newRemainder)
    {
        return ReceivableMath.penaltyFor(outstanding, bpsPerDay, elapsedDays, remainder);
    }

    function allocate(uint256 amount, uint256 penaltyOwed, uint256 fee, uint256 paid)
        external
        pure
        returns (ReceivableMath.Allocation memory)
    {
        return ReceivableMath.allocate(amount, penaltyOwed, fee, paid);
    }

    function shareOf(uint256 balance, uint256 delta, uint256 residue, uint256 face)
        external
        pure
        returns (uint256 units, uint256 newResidue)
    {
        return ReceivableMath.shareOf(balance, delta, residue, face);
    }

    function paidPerUnitScaled(uint256 distributed, uint256 face) external pure returns (uint256) {
        return ReceivableMath.paidPerUnitScaled(distributed, face);
    }

    function priceForUnits(uint256 units, uint256 paidPerUnitScaled, uint256 rateBps, uint256 due, uint256 nowTs)
        external
        pure
        returns (uint256)
    {
        return ReceivableMath.priceForUnits(units, paidPerUnitScaled, rateBps, due, nowTs);
    }
}
