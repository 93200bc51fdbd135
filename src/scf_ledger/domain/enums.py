"""The ledger's enumerations, numbered as the contracts number them, and the API's roles."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Kind(IntEnum):
    """A participant's kind in the registry (IParticipantRegistry.Kind)."""

    NONE = 0
    PLATFORM = 1
    GATEWAY = 2
    SUPPLIER = 3
    FINANCIER = 4
    OBLIGOR = 5


class Status(IntEnum):
    """A receivable's status (IReceivableLedger.Status). Repaid and Defaulted are terminal."""

    ACTIVE = 0
    OVERDUE = 1
    DEFAULTED = 2
    REPAID = 3
    DISPUTED = 4

    @property
    def label(self) -> str:
        """The lowercase name the API and reports use."""
        return self.name.lower()


class Role(StrEnum):
    """What an API party is; each but the platform registers on-chain as the kind of the same name."""

    PLATFORM = "platform"
    GATEWAY = "gateway"
    SUPPLIER = "supplier"
    FINANCIER = "financier"
    OBLIGOR = "obligor"

    @property
    def kind(self) -> Kind:
        return Kind[self.name]


class EventType(StrEnum):
    """What a webhook endpoint may subscribe to (DESIGN §13): from the indexed chain, from the chain-time job
    (`receivable.overdue`), and from the service (`order.decided`, `operation.finished`)."""

    ORDER_DECIDED = "order.decided"
    RECEIVABLE_ORIGINATED = "receivable.originated"
    RECEIVABLE_TRANSFERRED = "receivable.transferred"
    FINANCING_COMPLETED = "financing.completed"
    REPAYMENT_RECEIVED = "repayment.received"
    CLAIM_AVAILABLE = "claim.available"
    RECEIVABLE_OVERDUE = "receivable.overdue"
    RECEIVABLE_DEFAULTED = "receivable.defaulted"
    DISPUTE_OPENED = "dispute.opened"
    DISPUTE_CLOSED = "dispute.closed"
    OPERATION_FINISHED = "operation.finished"


# Sent, whatever an endpoint subscribed to, when an event it may have received was on a block a reorg orphaned.
EVENT_RETRACTED = "event.retracted"
