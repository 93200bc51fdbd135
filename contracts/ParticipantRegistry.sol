// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";

/// @title ParticipantRegistry
/// @notice Registered participants with their kind, freeze and blacklist flags, and obligors' credit limits.
/// @dev Exposure is kept by the ledger, which is its only writer, so a repayment costs no cross-contract
/// call; the ledger compares it with the limit stored here at origination.
contract ParticipantRegistry is IParticipantRegistry, AccessControl {
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    bytes32 public constant RISK_ROLE = keccak256("RISK_ROLE");

    /* STORAGE */

    mapping(address account => Participant) internal _participants;

    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(REGISTRAR_ROLE, admin);
        _grantRole(RISK_ROLE, admin);
    }

    /* PARTICIPANTS */

    /// @inheritdoc IParticipantRegistry
    function register(address account, Kind kind) external onlyRole(REGISTRAR_ROLE) {
        if (account == address(0)) revert ZeroAddress();
        if (kind == Kind.None) revert InvalidKind(kind);
        Kind current = _participants[account].kind;
        if (current != Kind.None) revert AlreadyRegistered(account, current);
        _participants[account].kind = kind;
        emit ParticipantRegistered(account, kind);
    }

    /* RISK CONTROLS */

    /// @inheritdoc IParticipantRegistry
    function setCreditLimit(address obligor, uint128 limit, bytes32 reason) external onlyRole(RISK_ROLE) {
        Participant storage p = _participants[obligor];
        if (p.kind != Kind.Obligor) revert NotAnObligor(obligor);
        uint256 previous = p.creditLimit;
        p.creditLimit = limit;
        emit CreditLimitSet(obligor, previous, limit, reason);
    }

    /// @inheritdoc IParticipantRegistry
    function setFrozen(address account, bool frozen, bytes32 reason) external onlyRole(RISK_ROLE) {
        Participant storage p = _participants[account];
        if (p.kind == Kind.None) revert NotRegistered(account);
        p.frozen = frozen;
        emit FrozenSet(account, frozen, reason);
    }

    /// @inheritdoc IParticipantRegistry
    function setBlacklisted(address account, bool blacklisted, bytes32 reason) external onlyRole(RISK_ROLE) {
        if (account == address(0)) revert ZeroAddress();
        // Unregistered addresses may be blacklisted too, before they ever register.
        _participants[account].blacklisted = blacklisted;
        emit BlacklistedSet(account, blacklisted, reason);
    }

    /* VIEWS */

    /// @inheritdoc IParticipantRegistry
    function participant(address account) external view returns (Participant memory) {
        return _participants[account];
    }

    /// @inheritdoc IParticipantRegistry
    function isEligibleHolder(address account) external view returns (bool) {
        Participant storage p = _participants[account];
        return p.kind != Kind.None && !p.blacklisted;
    }
}
