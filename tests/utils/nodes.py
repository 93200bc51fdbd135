"""Which chain the tests run on: `SCF_TEST_CHAIN=anvil` (make test-anvil) or `hardhat` (make test-hardhat) runs
the chain-facing tests on that real node instead of the embedded chain; the tests that always need a real node
(the served stories, faults, workers) use SCF_TEST_NODE's, else the chain's when it is a node, else anvil."""

from __future__ import annotations

import os

from scf_ledger.chain.anvil import NODES, AnvilNode

TEST_CHAIN = os.environ.get("SCF_TEST_CHAIN", "embedded")
TEST_NODE: type[AnvilNode] = NODES[os.environ.get("SCF_TEST_NODE", TEST_CHAIN if TEST_CHAIN in NODES else "anvil")]
