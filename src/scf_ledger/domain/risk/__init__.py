"""The risk engine: a data-driven points scorecard, dynamic limits, and rules that override the score."""

from scf_ledger.domain.risk.config import RiskConfig, load_risk_config
from scf_ledger.domain.risk.engine import RiskEngine
from scf_ledger.domain.risk.model import (
    ApplicantProfile,
    BuyerHistory,
    Decision,
    GeoPoint,
    LimitReview,
    OrderRequest,
    PastOrder,
    RepaymentRecord,
    Standing,
)

__all__ = [
    "ApplicantProfile",
    "BuyerHistory",
    "Decision",
    "GeoPoint",
    "LimitReview",
    "OrderRequest",
    "PastOrder",
    "RepaymentRecord",
    "RiskConfig",
    "RiskEngine",
    "Standing",
    "load_risk_config",
]
