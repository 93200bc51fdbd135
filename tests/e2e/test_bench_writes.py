"""The writes benchmark on a small scale (the figures themselves come from `scf bench`): every write through
two workers on PostgreSQL answers 201, the raw side runs, and the pending operations all end after a restart."""

from __future__ import annotations

from pathlib import Path

from scf_ledger.bench.writes import measure_writes
from scf_ledger.chain.anvil import AnvilNode
from scf_ledger.chain.client import ScfChain
from scf_ledger.chain.connection import connect
from scf_ledger.chain.keys import deployer_account
from tests.utils.postgres import PostgresCluster


def test_the_writes_benchmark_runs_and_every_write_lands(postgres: PostgresCluster, tmp_path: Path) -> None:
    with AnvilNode.start() as node:
        w3 = connect(node.url)
        deployment = tmp_path / "deployment.json"
        ScfChain.deploy_new(w3, deployer_account(w3, None)).deployment.write(deployment)
        figures = measure_writes(
            node.url,
            deployment,
            postgres.new_database(),
            workers=(2,),
            signers=2,
            clients_per_signer=1,
            seconds=1.5,
            raw_per_signer=5,
            pending=6,
        )
    assert figures["writes.workers_2_rps"] > 0 and figures["writes.workers_2_not_201"] == 0
    assert figures["writes.raw_pipelined_rps"] > 0
    assert figures["recovery.pending"] == 6 and figures["recovery.failed"] == 0
    assert figures["recovery.restart_to_done_s"] > 0
