"""Optuna baseline for bench/engine-overhead: no-op trials under RandomSampler + SuccessiveHalvingPruner.

Usage: optuna_noop.py <trials> <reports per trial> <memory | journal file> <seed>
Each trial draws x in [0, 1) and reports value(x, step) = x * step / (step + 3) at steps 1..reports,
asking the pruner after each report: the same curves and rungs (1, 3, 9, ... steps, eta 3) as the
batchtune side. Prints one JSON line: trials, reports, pruned, complete, peak_rss_kb.
"""
import json
import resource
import sys

import optuna

trials, reports, storage_arg, seed = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
optuna.logging.set_verbosity(optuna.logging.WARNING)

storage = None
if storage_arg != "memory":
    storage = optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(storage_arg))

study = optuna.create_study(
    direction="maximize",
    sampler=optuna.samplers.RandomSampler(seed=seed),
    pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3, min_early_stopping_rate=0),
    storage=storage,
)
counted = {"reports": 0}


def objective(trial):
    x = trial.suggest_float("x", 0.0, 1.0)
    value = 0.0
    for step in range(1, reports + 1):
        value = x * step / (step + 3)
        trial.report(value, step)
        counted["reports"] += 1
        if trial.should_prune():
            raise optuna.TrialPruned()
    return value


study.optimize(objective, n_trials=trials)
states = [t.state for t in study.get_trials(deepcopy=False)]
print(json.dumps({
    "trials": len(states),
    "reports": counted["reports"],
    "pruned": sum(s == optuna.trial.TrialState.PRUNED for s in states),
    "complete": sum(s == optuna.trial.TrialState.COMPLETE for s in states),
    "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
}))
