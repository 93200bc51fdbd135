"""A sandbox: a deployed system with registered, funded development parties and short verbs for the
whole lifecycle. Used by `scf demo`, the tests and the benchmarks; keys are derived at run time."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3
from web3.types import TxReceipt

from scf_ledger.chain.client import OriginationRequest, ScfChain
from scf_ledger.chain.connection import dev_account, fund_gas, time_travel
from scf_ledger.chain.gateways import Gateways
from scf_ledger.domain.constants import MAX_UINT256, UNIT
from scf_ledger.domain.enums import Kind
from scf_ledger.domain.ids import purchase_token_ids


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> int:
    return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))


@dataclass
class World:
    w3: Web3
    chain: ScfChain
    platform: LocalAccount
    gateway: LocalAccount
    suppliers: list[LocalAccount]
    financier: LocalAccount
    obligor: LocalAccount
    obligor2: LocalAccount
    outsider: LocalAccount
    gw: Gateways
    docs: int = 0

    def account_of(self, address: str) -> LocalAccount:
        """The development account behind `address`."""
        everyone = [self.platform, self.gateway, *self.suppliers, self.financier, self.obligor, self.obligor2]
        return next(a for a in [*everyone, self.outsider] if a.address == address)

    # TIME

    def at(self, timestamp: int) -> None:
        """The next transaction is mined exactly at `timestamp`."""
        self.chain.sender.run(lambda: time_travel(self.w3, timestamp))

    # VERBS (on the gateways; receipts returned, for the gas they used)

    def request(
        self,
        principal: int,
        installments: int,
        fee_bps: int = 100,
        *,
        obligor: LocalAccount | None = None,
        supplier: LocalAccount | None = None,
        document: bytes | None = None,
        deadline: int | None = None,
    ) -> OriginationRequest:
        self.docs += 1
        return OriginationRequest(
            obligor=(obligor or self.obligor).address,
            supplier=(supplier or self.suppliers[0]).address,
            principal=principal,
            installments=installments,
            fee_bps=fee_bps,
            document_hash=document if document is not None else keccak(text=f"invoice-{self.docs}"),
            deadline=deadline if deadline is not None else MAX_UINT256,
            terms=self.gw.ledger.terms(),
        )

    def originate(self, request: OriginationRequest, signer: LocalAccount | None = None) -> tuple[int, TxReceipt]:
        signature = self.chain.sign_acknowledgement(signer or self.account_of(request.obligor), request)
        receipt = self.gw.ledger.transact(self.platform, "originate", request.as_tuple(), signature)
        return int(self.gw.ledger.event(receipt, "PurchaseOriginated")["purchaseId"]), receipt

    def buy(self, principal: int, installments: int, fee_bps: int = 100, **kw: Any) -> list[int]:
        """Originates a purchase and returns its token ids."""
        purchase_id, _ = self.originate(self.request(principal, installments, fee_bps, **kw))
        return purchase_token_ids(purchase_id, installments)

    def transfer(self, frm: LocalAccount, to: LocalAccount, token_id: int, units: int) -> TxReceipt:
        return self.gw.ledger.transact(frm, "safeTransferFrom", frm.address, to.address, token_id, units, b"")

    def repay(self, token_id: int, amount: int, payer: LocalAccount | None = None) -> TxReceipt:
        return self.gw.ledger.transact(payer or self.obligor, "repay", token_id, amount)

    def claim(self, holder: LocalAccount, token_id: int) -> int:
        return self.gw.ledger.claim(holder, token_id)

    def units(self, holder: LocalAccount, token_id: int) -> int:
        return self.gw.ledger.balance(holder.address, token_id)

    def cash(self, account: LocalAccount | str) -> int:
        return self.gw.token.balance_of(account if isinstance(account, str) else account.address)


def build_world(w3: Web3, chain: ScfChain, platform: LocalAccount) -> World:
    """Registers, funds and approves the development parties on a fresh deployment."""
    names = ["gateway", "supplier1", "supplier2", "supplier3", "financier", "obligor", "obligor2", "outsider"]
    accounts = {name: dev_account(name) for name in names}
    for account in accounts.values():
        chain.sender.run(lambda a=account: fund_gas(w3, a.address))
    world = World(
        w3=w3,
        chain=chain,
        platform=platform,
        gateway=accounts["gateway"],
        suppliers=[accounts["supplier1"], accounts["supplier2"], accounts["supplier3"]],
        financier=accounts["financier"],
        obligor=accounts["obligor"],
        obligor2=accounts["obligor2"],
        outsider=accounts["outsider"],
        gw=Gateways.of(chain),
    )
    gw = world.gw
    kinds = [(world.gateway, Kind.GATEWAY), (world.financier, Kind.FINANCIER)]
    kinds += [(s, Kind.SUPPLIER) for s in world.suppliers]
    kinds += [(world.obligor, Kind.OBLIGOR), (world.obligor2, Kind.OBLIGOR)]
    for account, kind in kinds:
        gw.registry.register(platform, account.address, kind)
    for obligor in (world.obligor, world.obligor2):
        gw.registry.set_credit_limit(platform, obligor.address, 100_000 * UNIT, "SANDBOX")
    # Buyers and the financier hold settlement money and let the contracts pull it.
    for payer in (world.obligor, world.obligor2, world.financier):
        gw.token.mint(platform, payer.address, 1_000_000 * UNIT)
        gw.token.approve(payer, gw.ledger.address, MAX_UINT256)
        gw.token.approve(payer, gw.market.address, MAX_UINT256)
    for holder in world.suppliers:
        gw.ledger.set_operator(holder, gw.market.address, True)
        gw.token.approve(holder, gw.ledger.address, MAX_UINT256)  # an originator pays its credit notes in
    return world


def create_world(w3: Web3, start: int | None = None) -> World:
    """Deploys a fresh system on `w3` (funding a derived platform key) and sets up the parties.
    With `start`, the chain clock is first moved to an hour before it."""
    platform = dev_account("platform")
    fund_gas(w3, platform.address)
    if start is not None:
        time_travel(w3, start - 3600)
    chain = ScfChain.deploy_new(w3, platform)
    return build_world(w3, chain, platform)
