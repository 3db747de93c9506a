"""Replays a batchtune tabular file (learning curves recorded from real training) under Optuna 3.x.

Driven by bench/search-quality-optuna.ts, which passes one JSON job on stdin:
  {"file": ..., "metric": ..., "mode": "max"|"min", "minResource": k, "eta": 3,
   "runs": [{"seed": s, "budget": examples}], "variants": [{"sampler": "tpe"|"random", "pruner": "sh"|"hyperband"}]}
and prints one JSON result per variant and run: the configuration Optuna returns (study.best_trial), the
examples it trained and its trial count.

The space is given to Optuna as two ordinal integers (the index of the batch size, which are powers of two,
and of the learning rate, which are log-spaced), so TPE sees the same order batchtune's sampler sees. A
trial reads one of the configuration's recorded seeds, chosen by a seeded stream; it reports at every
recorded point (step = the point's index, so pruner rungs fall on report points); the budget counts
examples and ends the study mid-trial exactly as batchtune's engine does. A diverged point fails the trial.
"""
import json
import math
import random
import sys

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def run(job, table, variant, seed, budget):
    metric, mode = job["metric"], job["mode"]
    configs = {(c["params"]["batchSize"], c["params"]["learningRate"]): c["curves"] for c in table["configs"]}
    sizes = sorted({k[0] for k in configs})
    rates = sorted({k[1] for k in configs})
    points = max(len(curve) for curves in configs.values() for curve in curves)
    sampler = optuna.samplers.TPESampler(seed=seed) if variant["sampler"] == "tpe" else optuna.samplers.RandomSampler(seed=seed)
    if variant["pruner"] == "sh":
        pruner = optuna.pruners.SuccessiveHalvingPruner(min_resource=job["minResource"], reduction_factor=job["eta"])
    else:
        pruner = optuna.pruners.HyperbandPruner(min_resource=job["minResource"], max_resource=points, reduction_factor=job["eta"])
    # HyperbandPruner assigns trials to brackets by hashing the study name with the trial number: a fixed
    # name makes each seed's run reproducible.
    name = f"replay-{variant['sampler']}-{variant['pruner']}-{seed}"
    study = optuna.create_study(study_name=name, direction="maximize" if mode == "max" else "minimize", sampler=sampler, pruner=pruner)
    curves_rng = random.Random(seed)
    spent = 0
    trials = 0
    while spent < budget:
        trial = study.ask()
        trials += 1
        i = trial.suggest_int("batchSizeIndex", 0, len(sizes) - 1)
        j = trial.suggest_int("learningRateIndex", 0, len(rates) - 1)
        curves = configs.get((sizes[i], rates[j]))
        if curves is None:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            continue
        curve = curves[curves_rng.randrange(len(curves))]
        done = 0
        value = None
        state = optuna.trial.TrialState.COMPLETE
        for k, point in enumerate(curve, start=1):
            cost = point["examples"] - done
            if spent + cost > budget:
                spent = budget
                state = optuna.trial.TrialState.PRUNED
                break
            spent += cost
            done = point["examples"]
            value = point["metrics"].get(metric)
            if value is None or not math.isfinite(value):
                state = optuna.trial.TrialState.FAIL
                break
            trial.report(value, k)
            if trial.should_prune():
                state = optuna.trial.TrialState.PRUNED
                break
        if state == optuna.trial.TrialState.COMPLETE:
            study.tell(trial, value)
        else:
            study.tell(trial, state=state)
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    best = None
    if complete:
        t = study.best_trial
        best = {"batchSize": sizes[t.params["batchSizeIndex"]], "learningRate": rates[t.params["learningRateIndex"]]}
    return {"best": best, "spent": spent, "trials": trials}


def main():
    job = json.load(sys.stdin)
    with open(job["file"]) as f:
        table = json.load(f)
    out = []
    for variant in job["variants"]:
        for r in job["runs"]:
            result = run(job, table, variant, r["seed"], r["budget"])
            out.append({"variant": variant, "seed": r["seed"], **result})
    json.dump({"optuna": optuna.__version__, "results": out}, sys.stdout)


if __name__ == "__main__":
    main()
