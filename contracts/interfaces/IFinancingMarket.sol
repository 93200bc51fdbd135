// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IReceivableLedger} from "./IReceivableLedger.sol";

/// @title IFinancingMarket
/// @notice Financiers sign EIP-712 offers off-chain; a holder accepts one on-chain and units are swapped for
/// settlement money atomically at the discount price of DESIGN §3.
interface IFinancingMarket {
    /// @notice An offer to buy units at annual discount `rateBps` (ACT/360). Exactly one of `receivableId`
    /// (a given installment) and `obligor` (any installment of that obligor) is set. It may be filled in
    /// parts of at least `minUnits` until `maxUnits` are bought, until `expiry`, unless cancelled.
    struct Offer {
        address financier;
        uint256 receivableId;
        address obligor;
        uint16 rateBps;
        uint128 minUnits;
        uint128 maxUnits;
        uint64 expiry;
        uint256 nonce;
    }

    /* ERRORS */

    error OfferExpired(uint256 expiry, uint256 timestamp);
    error OfferWasCancelled(address financier, uint256 nonce);
    error OfferFilled(address financier, uint256 nonce);
    error InvalidOfferSignature(address financier);
    error InvalidOfferTarget();
    error OfferNotForReceivable(uint256 id);
    error UnitsOutOfRange(uint256 units, uint256 minUnits, uint256 available);
    error ReceivableNotActive(uint256 id, IReceivableLedger.Status status);
    error NotAFinancier(address account);
    error ParticipantFrozen(address account);
    error ParticipantBlacklisted(address account);
    error PurchaseInArrears(uint256 purchaseId);

    /* EVENTS */

    event OfferAccepted(
        address indexed financier,
        uint256 indexed nonce,
        address indexed seller,
        uint256 id,
        uint256 units,
        uint256 value,
        uint256 price
    );
    event OfferCancelled(address indexed financier, uint256 indexed nonce);

    /* FUNCTIONS */

    /// @notice Sells `units` of `id` from the caller to the offer's financier for the discount price.
    /// The caller must have approved this market as operator on the ledger; the financier must have
    /// approved it for the settlement token.
    /// @return price Settlement base units paid to the caller.
    function acceptOffer(Offer calldata offer, bytes calldata signature, uint256 id, uint256 units)
        external
        returns (uint256 price);

    /// @notice Cancels the caller's offer with `nonce`; the nonce can never be used again.
    function cancelOffer(uint256 nonce) external;

    /// @notice Price of `units` of `id` under `rateBps` at this block.
    function quote(uint256 id, uint256 units, uint16 rateBps) external view returns (uint256 price);

    /// @notice Units already bought under (financier, nonce); type(uint256).max when cancelled.
    function filledUnits(address financier, uint256 nonce) external view returns (uint256);

    /// @notice The EIP-712 digest the financier signs for `offer`.
    function offerDigest(Offer calldata offer) external view returns (bytes32);

    /// @notice Pauses acceptance. Caller needs PAUSER_ROLE.
    function pause() external;

    /// @notice Resumes acceptance. Caller needs PAUSER_ROLE.
    function unpause() external;
}
