// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title DateLib
/// @notice Proleptic Gregorian calendar on day numbers (days since 1970-01-01), after H. Hinnant's
/// `days_from_civil` / `civil_from_days`. Only dates from 1970 on are used, so all terms stay non-negative.
/// Arithmetic is unchecked: inputs are day numbers below 2^32 and month offsets below 2^8 (purchases store
/// uint32 days and uint8 installments), far from any overflow, and every subtraction is of a smaller term.
// slither-disable-start divide-before-multiply
// Integer division is the calendar algorithm itself (eras, years of era, months): nothing is rounded away.
library DateLib {
    uint256 internal constant SECONDS_PER_DAY = 86_400;

    /// @dev Day number -> (year, month 1..12, day 1..31).
    function toCivil(uint256 dayNumber) internal pure returns (uint256 year, uint256 month, uint256 day) {
        unchecked {
            uint256 z = dayNumber + 719_468;
            uint256 era = z / 146_097;
            uint256 doe = z - era * 146_097;
            uint256 yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
            uint256 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            uint256 mp = (5 * doy + 2) / 153;
            day = doy - (153 * mp + 2) / 5 + 1;
            month = mp < 10 ? mp + 3 : mp - 9;
            year = yoe + era * 400 + (month <= 2 ? 1 : 0);
        }
    }

    /// @dev (year >= 1970, month 1..12, day 1..31) -> day number.
    function fromCivil(uint256 year, uint256 month, uint256 day) internal pure returns (uint256) {
        unchecked {
            uint256 y = month <= 2 ? year - 1 : year;
            uint256 era = y / 400;
            uint256 yoe = y - era * 400;
            uint256 doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
            uint256 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            return era * 146_097 + doe - 719_468;
        }
    }

    function daysInMonth(uint256 year, uint256 month) internal pure returns (uint256) {
        if (month == 2) {
            bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            return leap ? 29 : 28;
        }
        return (month == 4 || month == 6 || month == 9 || month == 11) ? 30 : 31;
    }

    /// @notice The same day of the month `months` calendar months after `dayNumber`, clamped to the
    /// month's last day (31 Jan + 1 month = 28/29 Feb).
    function addMonths(uint256 dayNumber, uint256 months) internal pure returns (uint256) {
        (uint256 year, uint256 startMonth, uint256 day) = toCivil(dayNumber);
        uint256 monthIndex = startMonth - 1 + months;
        uint256 dueYear = year + monthIndex / 12;
        uint256 dueMonth = monthIndex % 12 + 1;
        uint256 lastDay = daysInMonth(dueYear, dueMonth);
        return fromCivil(dueYear, dueMonth, day < lastDay ? day : lastDay);
    }
}
// slither-disable-end divide-before-multiply
