"""`scf risk fit | validate`: fit a points scorecard from labelled history and measure how well it ranks."""

from __future__ import annotations

import argparse
import json
import tomllib
from pathlib import Path
from statistics import mean
from typing import Any

from pydantic import ValidationError

from scf_ledger.domain.risk.config import FitOptions, RiskConfigError, dump_risk_config, load_risk_config

OVERRIDES = ("target", "bad", "pdo", "base_score", "base_odds", "min_iv", "max_bins")


def _fit_options(args: argparse.Namespace) -> FitOptions:
    """The spec file's options, with the command line's flags on top."""
    data: dict[str, Any] = {}
    if args.spec:
        try:
            data = tomllib.loads(Path(args.spec).read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise RiskConfigError(f"spec {args.spec}: {exc}") from None
    data |= {k: getattr(args, k) for k in OVERRIDES if getattr(args, k) is not None}
    if "target" not in data or "bad" not in data:
        raise RiskConfigError("--target and --bad are needed (or a --spec that names them)")
    try:
        return FitOptions.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise RiskConfigError(f"fit option {'.'.join(map(str, first['loc']))}: {first['msg']}") from None


def cmd_fit(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from scf_ledger.domain.risk.learn.dataset import load_dataset
    from scf_ledger.domain.risk.learn.fit import fit_scorecard

    options = _fit_options(args)
    dataset = load_dataset(args.data, options.target, options.bad)
    template = load_risk_config(args.base_config)
    config, report = fit_scorecard(dataset, options, template, carry_features=args.carry_features, version=args.version)
    command = " ".join(["scf", *args.argv])
    header = f"Fitted by `{command}`\non {dataset.name} ({dataset.rows} rows). Refit rather than edit the points."
    Path(args.out).write_text(dump_risk_config(config, header))
    if args.json:
        print(
            json.dumps(
                {
                    "out": args.out,
                    "intercept": report.intercept,
                    "coefficients": report.coefficients,
                    "information_values": report.information_values,
                    "version": config.version,
                },
                indent=2,
            )
        )
        return 0
    console = Console()
    table = Table(title=f"scorecard fitted on {dataset.rows} rows -> {args.out}")
    for column in ("feature", "IV", "coefficient", "points range"):
        table.add_column(column, justify="left" if column == "feature" else "right")
    features = {f.name: f for f in config.scorecard.features}
    for name, iv in sorted(report.information_values.items(), key=lambda kv: -kv[1]):
        coefficient = report.coefficients.get(name)
        points = [b.points for b in features[name].bins] if coefficient is not None else []
        table.add_row(
            name,
            f"{iv:.3f}",
            f"{coefficient:.3f}" if coefficient is not None else "dropped",
            f"{min(points)} .. {max(points)}" if points else "",
        )
    console.print(table)
    console.print(
        f"base points {config.scorecard.base_points}; bands "
        + ", ".join(f"{b.name} >= {b.min_score} ({b.outcome})" for b in config.scorecard.bands[:-1])
    )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from scf_ledger.domain.risk.learn.dataset import load_dataset
    from scf_ledger.domain.risk.learn.fit import cross_validate, feature_ivs, score_dataset
    from scf_ledger.domain.risk.learn.metrics import auc, band_table, gini, histogram, ks, psi, score_edges

    config = load_risk_config(args.scorecard)
    scorecard = config.scorecard
    fit = scorecard.fit
    target = args.target or (fit.target if fit else None)
    bad = args.bad or (fit.bad if fit else None)
    if not target or not bad:
        raise RiskConfigError(f"{args.scorecard} was not fitted from data: give --target and --bad")
    dataset = load_dataset(args.data, target, bad)
    scores, _, lacking = score_dataset(scorecard, dataset)
    area = auc(scores, dataset.bad)
    result: dict[str, Any] = {
        "rows": dataset.rows,
        "bad_rate": sum(dataset.bad) / dataset.rows,
        "auc": area,
        "gini": gini(area),
        "ks": ks(scores, dataset.bad),
        "bands": [
            {"band": r.band, "min_score": r.min_score, "rows": r.rows, "bads": r.bads, "bad_rate": r.bad_rate}
            for r in band_table(scores, dataset.bad, [(b.name, b.min_score) for b in scorecard.bands])
        ],
        "information_values": feature_ivs(scorecard, dataset),
        "features_not_in_data": lacking,
    }
    if args.folds:
        if fit is None:
            raise RiskConfigError(f"{args.scorecard} has no fit options to refit with --folds")
        folds = cross_validate(
            dataset, fit.model_copy(update={"target": target, "bad": bad}), config, args.folds, args.seed
        )
        cv_auc = mean(f.auc for f in folds)
        result["cross_validation"] = {
            "folds": args.folds,
            "seed": args.seed,
            "auc": cv_auc,
            "gini": gini(cv_auc),
            "ks": mean(f.ks for f in folds),
            "fold_auc": [f.auc for f in folds],
            "brier": mean(f.brier for f in folds),
            "reference_brier": mean(f.reference_brier for f in folds),
            "calibration": _calibration(folds),
        }
    if args.psi_against:
        baseline = load_dataset(args.psi_against, target, bad)
        base_scores, _, _ = score_dataset(scorecard, baseline)
        edges = score_edges(base_scores)
        result["psi"] = psi(histogram(base_scores, edges), histogram(scores, edges))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_validation(result)
    return 0


def _calibration(folds: list[Any]) -> list[dict[str, Any]]:
    """Per band over the held-out folds: rows, bads, the predicted PD (row-weighted) and the observed bad rate."""
    out = []
    for rows_of_band in zip(*(f.bands for f in folds), strict=True):
        rows = sum(b.rows for b in rows_of_band)
        bads = sum(b.bads for b in rows_of_band)
        predicted = sum(b.rows * b.predicted_ppm for b in rows_of_band) / rows / 1e6 if rows else 0.0
        out.append(
            {
                "band": rows_of_band[0].band,
                "rows": rows,
                "bads": bads,
                "predicted": predicted,
                "observed": bads / rows if rows else 0.0,
            }
        )
    return out


def _print_validation(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"{result['rows']} rows, bad rate {result['bad_rate']:.1%}: AUC {result['auc']:.4f}, "
        f"Gini {result['gini']:.4f}, KS {result['ks']:.4f}"
    )
    cv = result.get("cross_validation")
    if cv:
        console.print(
            f"{cv['folds']}-fold stratified cross-validation (seed {cv['seed']}): AUC {cv['auc']:.4f}, "
            f"Gini {cv['gini']:.4f}, KS {cv['ks']:.4f}; folds " + ", ".join(f"{a:.3f}" for a in cv["fold_auc"])
        )
    if cv:
        console.print(
            f"calibration on the held-out folds: Brier {cv['brier']:.4f} with the bands' PDs, "
            f"{cv['reference_brier']:.4f} with the logistic regression's own probabilities"
        )
        calibration = Table(title="12-month PD per band: predicted (fit on the other folds) vs observed")
        for column in ("band", "held-out rows", "bads", "predicted", "observed"):
            calibration.add_column(column, justify="right")
        for r in cv["calibration"]:
            calibration.add_row(
                r["band"], str(r["rows"]), str(r["bads"]), f"{r['predicted']:.1%}", f"{r['observed']:.1%}"
            )
        console.print(calibration)
    if "psi" in result:
        console.print(f"PSI of the score against the baseline: {result['psi']:.4f}")
    bands = Table(title="bad rate per band")
    for column in ("band", "min score", "rows", "bads", "bad rate"):
        bands.add_column(column, justify="right")
    for r in result["bands"]:
        bands.add_row(r["band"], str(r["min_score"]), str(r["rows"]), str(r["bads"]), f"{r['bad_rate']:.1%}")
    console.print(bands)
    ivs = Table(title="information value per feature")
    ivs.add_column("feature")
    ivs.add_column("IV", justify="right")
    for name, iv in sorted(result["information_values"].items(), key=lambda kv: -kv[1]):
        ivs.add_row(name, f"{iv:.3f}")
    console.print(ivs)
    if result["features_not_in_data"]:
        console.print("not in the data (scored 0): " + ", ".join(result["features_not_in_data"]))


def add_risk_parser(sub: Any) -> None:
    p = sub.add_parser("risk", help="fit and validate the risk scorecard from labelled data")
    risk = p.add_subparsers(dest="risk_command", required=True)

    fit = risk.add_parser("fit", help="fit a points scorecard (needs the [risk] extra)")
    fit.add_argument("--data", required=True, help="CSV with a header and one labelled applicant a row")
    fit.add_argument("--target", help="the outcome column")
    fit.add_argument("--bad", help="the target's value for a bad outcome")
    fit.add_argument("--out", required=True, help="write the risk configuration (TOML) here")
    fit.add_argument("--spec", help="TOML of fit options and column specs (see data/engine-spec.toml)")
    fit.add_argument("--pdo", type=float, help="points to double the odds (20)")
    fit.add_argument("--base-score", type=float, help="score at the base odds (600)")
    fit.add_argument("--base-odds", type=float, help="good:bad odds at the base score (50)")
    fit.add_argument("--min-iv", type=float, help="drop features under this information value (0.02)")
    fit.add_argument("--max-bins", type=int, help="bins per feature at most (6)")
    fit.add_argument("--base-config", help="bands, limits and rules come from this configuration (the shipped one)")
    fit.add_argument("--carry-features", action="store_true", help="keep the base's features the data lacks")
    fit.add_argument("--version", default="", help="the configuration's version (fitted-<data hash> by default)")
    fit.add_argument("--json", action="store_true", help="print the fit report as JSON")
    fit.set_defaults(func=cmd_fit)

    val = risk.add_parser("validate", help="AUC, Gini, KS, bad rate per band, IV, cross-validation, PSI")
    val.add_argument("--data", required=True, help="labelled CSV to score")
    val.add_argument("--scorecard", required=True, help="risk configuration (TOML or JSON)")
    val.add_argument("--target", help="the outcome column (the scorecard's fit target by default)")
    val.add_argument("--bad", help="the target's bad value (the scorecard's by default)")
    val.add_argument("--folds", type=int, default=0, help="also refit and score in k-fold stratified CV")
    val.add_argument("--seed", type=int, default=0, help="shuffle seed of the folds")
    val.add_argument("--psi-against", metavar="FILE", help="baseline CSV: population stability of the score")
    val.add_argument("--json", action="store_true", help="print the figures as JSON")
    val.set_defaults(func=cmd_validate)
