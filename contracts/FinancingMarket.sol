// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IFinancingMarket} from "./interfaces/IFinancingMarket.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {IReceivableLedger} from "./interfaces/IReceivableLedger.sol";
import {ReceivableId} from "./libraries/ReceivableId.sol";
import {ReceivableMath} from "./libraries/ReceivableMath.sol";

/// @title FinancingMarket
/// @notice Delivery versus payment of receivable units against signed financier offers.
/// @dev Invariants: units filled under (financier, nonce) never exceed the offer's maxUnits; a cancelled
/// nonce stays cancelled. The EIP-712 domain (chain id, this address) is rebuilt by OpenZeppelin's EIP712
/// if the chain id changes, so a signature cannot be replayed on a fork.
contract FinancingMarket is IFinancingMarket, AccessControl, Pausable, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    bytes32 public constant OFFER_TYPEHASH = keccak256(
        "Offer(address financier,uint256 receivableId,address obligor,uint16 rateBps,uint128 minUnits,uint128 maxUnits,uint64 expiry,uint256 nonce)"
    );
    uint256 internal constant CANCELLED = type(uint256).max;

    IERC20 public immutable settlementToken;
    IReceivableLedger public immutable ledger;
    IParticipantRegistry public immutable registry;

    mapping(address financier => mapping(uint256 nonce => uint256 units)) internal _filled;

    constructor(IERC20 settlementToken_, IReceivableLedger ledger_, IParticipantRegistry registry_, address admin)
        EIP712("FinancingMarket", "1")
    {
        settlementToken = settlementToken_;
        ledger = ledger_;
        registry = registry_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
    }

    /// @inheritdoc IFinancingMarket
    function acceptOffer(Offer calldata offer, bytes calldata signature, uint256 id, uint256 units)
        external
        nonReentrant
        whenNotPaused
        returns (uint256 price)
    {
        // forge-lint: disable-next-line(block-timestamp) -- day-granular due dates; a validator's few seconds of drift cannot move a whole day
        if (block.timestamp > offer.expiry) revert OfferExpired(offer.expiry, block.timestamp);
        uint256 filled = _filled[offer.financier][offer.nonce];
        if (filled == CANCELLED) revert OfferWasCancelled(offer.financier, offer.nonce);
        if (filled >= offer.maxUnits) revert OfferFilled(offer.financier, offer.nonce);
        uint256 available = offer.maxUnits - filled;
        if (units == 0 || units < offer.minUnits || units > available) {
            revert UnitsOutOfRange(units, offer.minUnits, available);
        }
        if (!SignatureChecker.isValidSignatureNow(offer.financier, offerDigest(offer), signature)) {
            revert InvalidOfferSignature(offer.financier);
        }
        (uint256 dueDate, uint256 paidPerUnit) = _checkSale(offer, id);

        uint256 value = ReceivableMath.valueOfUnits(units, paidPerUnit);
        price = ReceivableMath.priceForUnits(units, paidPerUnit, offer.rateBps, dueDate, block.timestamp);

        _filled[offer.financier][offer.nonce] = filled + units;
        emit OfferAccepted(offer.financier, offer.nonce, msg.sender, id, units, value, price);

        // Pulling from offer.financier is safe: its EIP-712 signature over this very offer was checked above.
        // slither-disable-next-line arbitrary-send-erc20
        settlementToken.safeTransferFrom(offer.financier, msg.sender, price);
        IERC1155(address(ledger)).safeTransferFrom(msg.sender, offer.financier, id, units, "");
    }

    /// @dev Who buys, who sells and what: the due date and paid-per-unit index of `id` if the sale may happen.
    function _checkSale(Offer calldata offer, uint256 id) internal view returns (uint256 dueDate, uint256 paidPerUnit) {
        IParticipantRegistry.Participant memory buyer = registry.participant(offer.financier);
        if (buyer.kind != IParticipantRegistry.Kind.Financier) revert NotAFinancier(offer.financier);
        _checkNotRestricted(offer.financier, buyer);
        _checkNotRestricted(msg.sender, registry.participant(msg.sender));
        address obligor;
        IReceivableLedger.Status status;
        bool inArrears;
        (obligor, status, dueDate, paidPerUnit, inArrears) = ledger.financingTerms(id);
        if (offer.receivableId != 0 ? offer.receivableId != id : offer.obligor != obligor) {
            revert OfferNotForReceivable(id);
        }
        if (status != IReceivableLedger.Status.Active) revert ReceivableNotActive(id, status);
        // Nothing of an obligor that is frozen (by default or by hand) or blacklisted, nor of a purchase one of
        // whose installments is in arrears, is sold: its later installments are no better than the late one.
        _checkNotRestricted(obligor, registry.participant(obligor));
        if (inArrears) revert PurchaseInArrears(ReceivableId.purchaseOf(id));
    }

    /// @dev Frozen or blacklisted parties neither buy nor sell, and their receivables are not sold (SECURITY.md).
    function _checkNotRestricted(address account, IParticipantRegistry.Participant memory p) internal pure {
        if (p.blacklisted) revert ParticipantBlacklisted(account);
        if (p.frozen) revert ParticipantFrozen(account);
    }

    /// @inheritdoc IFinancingMarket
    function cancelOffer(uint256 nonce) external {
        if (_filled[msg.sender][nonce] == CANCELLED) revert OfferWasCancelled(msg.sender, nonce);
        _filled[msg.sender][nonce] = CANCELLED;
        emit OfferCancelled(msg.sender, nonce);
    }

    /// @inheritdoc IFinancingMarket
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IFinancingMarket
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// @inheritdoc IFinancingMarket
    function quote(uint256 id, uint256 units, uint16 rateBps) external view returns (uint256) {
        // A quote needs only the due date and what was paid; status is checked at acceptance.
        // slither-disable-next-line unused-return
        (,, uint256 dueDate, uint256 paidPerUnit,) = ledger.financingTerms(id);
        return ReceivableMath.priceForUnits(units, paidPerUnit, rateBps, dueDate, block.timestamp);
    }

    /// @inheritdoc IFinancingMarket
    function filledUnits(address financier, uint256 nonce) external view returns (uint256) {
        return _filled[financier][nonce];
    }

    /// @inheritdoc IFinancingMarket
    function offerDigest(Offer calldata offer) public view returns (bytes32) {
        if ((offer.receivableId == 0) == (offer.obligor == address(0))) revert InvalidOfferTarget();
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    OFFER_TYPEHASH,
                    offer.financier,
                    offer.receivableId,
                    offer.obligor,
                    offer.rateBps,
                    offer.minUnits,
                    offer.maxUnits,
                    offer.expiry,
                    offer.nonce
                )
            )
        );
    }
}
