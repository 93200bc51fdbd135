// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IParticipantRegistry
/// @notice Who may take part in the ledger, and the obligors' on-chain credit lines.
/// @dev The off-chain risk engine pushes limits here; the ledger treats them as a hard cap at origination.
interface IParticipantRegistry {
    /// @notice The kinds of party. `None` means not registered.
    enum Kind {
        None,
        Platform,
        Gateway,
        Supplier,
        Financier,
        Obligor
    }

    /// @notice One participant, packed in a single storage slot.
    struct Participant {
        Kind kind;
        bool frozen;
        bool blacklisted;
        uint128 creditLimit;
    }

    /* ERRORS */

    /// @notice Raised when the zero address is given where a participant is expected.
    error ZeroAddress();
    /// @notice Raised when `kind` is `None` where a real kind is required.
    error InvalidKind(Kind kind);
    /// @notice Raised when registering an account that is registered already.
    error AlreadyRegistered(address account, Kind kind);
    /// @notice Raised when an account must be registered and is not.
    error NotRegistered(address account);
    /// @notice Raised when a credit limit is set for an account that is not an obligor.
    error NotAnObligor(address account);

    /* EVENTS */

    event ParticipantRegistered(address indexed account, Kind kind);
    event CreditLimitSet(address indexed obligor, uint256 previousLimit, uint256 newLimit, bytes32 reason);
    event FrozenSet(address indexed account, bool frozen, bytes32 reason);
    event BlacklistedSet(address indexed account, bool blacklisted, bytes32 reason);

    /* FUNCTIONS */

    /// @notice Registers `account` as a participant of `kind`. Caller needs REGISTRAR_ROLE.
    function register(address account, Kind kind) external;

    /// @notice Sets the credit limit of obligor `obligor` (base units). Caller needs RISK_ROLE.
    /// @dev Lowering a limit below the current exposure forces nothing on what is already originated.
    function setCreditLimit(address obligor, uint128 limit, bytes32 reason) external;

    /// @notice Freezes or unfreezes `account`: a frozen obligor cannot originate. Caller needs RISK_ROLE.
    function setFrozen(address account, bool frozen, bytes32 reason) external;

    /// @notice Blacklists or clears `account`: a blacklisted party can neither originate, send nor receive units.
    /// Caller needs RISK_ROLE.
    function setBlacklisted(address account, bool blacklisted, bytes32 reason) external;

    /// @notice The full record of `account` (kind `None` when unregistered).
    function participant(address account) external view returns (Participant memory);

    /// @notice True when `account` may hold receivable units: registered and not blacklisted.
    function isEligibleHolder(address account) external view returns (bool);
}
