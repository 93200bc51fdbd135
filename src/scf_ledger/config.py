"""Settings of `scf serve`, from arguments or SCF_* environment variables (pydantic-settings)."""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOCAL_MASTER_KEY = "local-development-master-key-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCF_", extra="ignore")

    mode: str = Field(default="local", pattern="^(local|production)$")
    rpc_url: str | None = None  # None: a fresh embedded chain, deployed at start
    deployment: str = "deployment.json"
    db_url: str | None = None  # None with the embedded chain: a fresh temporary SQLite file
    master_key: str = LOCAL_MASTER_KEY  # encrypts custodial signing keys
    admin_key_file: str | None = None
    confirmations: int = 0
    index_interval: float = 1.0
    private_key_file: str | None = None  # the platform's key on a real node
    lease_seconds: float = Field(default=60.0, gt=0)  # a worker owns an operation it runs this long at most
    # Without a receipt this long, a transaction is looked up: sent again if dropped, re-priced if stuck.
    replace_after: float = Field(default=30.0, gt=0)
    auto_default: bool = True  # the scheduled job marks defaults when due; off: the platform marks each by hand
    session_seconds: int = Field(default=8 * 3_600, gt=0)  # a dashboard session ends this long after log-in
    # Webhooks (DESIGN §13): the wait before each attempt of a delivery, in seconds (the first is immediate), how
    # long a receiver may take to answer, how often due deliveries are looked for, and how many are sent at once.
    webhook_retry_schedule: tuple[float, ...] = (0, 5, 300, 1_800, 7_200, 18_000, 36_000)
    webhook_timeout: float = Field(default=10.0, gt=0)
    webhook_interval: float = Field(default=1.0, gt=0)
    webhook_concurrency: int = Field(default=16, ge=1)
    # Endpoints on loopback, private, link-local or reserved addresses (the service's own network, a cloud's
    # metadata address): refused outside local mode unless allowed here.
    webhook_private_targets: bool | None = None  # None: allowed in local mode only

    @property
    def private_webhook_targets(self) -> bool:
        return self.mode == "local" if self.webhook_private_targets is None else self.webhook_private_targets

    @model_validator(mode="after")
    def _no_default_secret_outside_local(self) -> Settings:
        if self.mode != "local" and self.master_key == LOCAL_MASTER_KEY:
            raise ValueError("SCF_MASTER_KEY must be set to a secret of your own outside local mode")
        if len(self.master_key) < 16:
            raise ValueError("SCF_MASTER_KEY must be at least 16 characters")
        return self
