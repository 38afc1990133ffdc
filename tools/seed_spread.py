"""Test F1 of the CoNLL04 runs with the current defaults, one point per seed, against the original code's reference.

usage: python tools/seed_spread.py      reads data/results/conll04_cpu_bertadam_seed*.json,
writes nbs/images/conll04_seeds.png and prints one line of JSON (per metric: seeds, mean, sd, min, max).
"""
import json, statistics
from pathlib import Path
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = {"entities": 84.21, "relations": 61.56, "relations_spans": 62.04}  # original SpERT, same encoder/data (issue #4)
LABELS = {"entities": "entities", "relations": "relations (strict)", "relations_spans": "relations (spans only)"}


def main():
    runs = {}
    for f in sorted(ROOT.glob("data/results/conll04_cpu_bertadam_seed*.json")):
        seed = int(f.stem.rsplit("seed", 1)[1])
        runs[seed] = {k: json.load(open(f))["test"][k]["micro"]["f1"] for k in REFERENCE}
    summary = {}
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
    for ax, key in zip(axes, REFERENCE):
        seeds = sorted(runs)
        vals = [runs[s][key] for s in seeds]
        mean = statistics.mean(vals)
        summary[key] = {"seeds": len(vals), "mean": round(mean, 2), "sd": round(statistics.stdev(vals), 2),
                        "min": round(min(vals), 2), "max": round(max(vals), 2), "reference": REFERENCE[key]}
        ax.scatter(seeds, vals, color="tab:blue", zorder=3, label="one seed")
        ax.axhline(mean, color="tab:blue", ls="--", label="mean of the seeds")
        ax.axhline(REFERENCE[key], color="tab:red", label="original code, one run")
        ax.set(title=f"{LABELS[key]}\nmean {mean:.2f}, original {REFERENCE[key]:.2f}", xlabel="seed", xticks=seeds)
        ax.title.set_fontsize(9)
    axes[0].set_ylabel("test micro F1 (%)")
    fig.suptitle("CoNLL04 test, MiniLM encoder, paper hyperparameters: spread over seeds", fontsize=10)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=3, fontsize=8)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    out = ROOT / "nbs" / "images" / "conll04_seeds.png"
    fig.savefig(out, dpi=110)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
