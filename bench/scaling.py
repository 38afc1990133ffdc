"""How SpERT inference time and memory grow with sentence length and batch size, against its bare encoder.

usage: python bench/scaling.py [MODEL_DIR]      (default runs/conll04-seed0; needs SPERT_DATA)
Lengths 10..500 words (one sentence cut from the CoNLL04 test text; past 512 subwords both sides use the same
overlapping windows of `SpERT.encode`) and batch sizes 1..32 (CoNLL04 test sentences). Time: min of 3 runs. Memory:
growth of the peak resident set over the resident baseline while the batches run. Writes data/results/bench_scaling.json and
nbs/images/bench_scaling.png; last line: JSON.
"""
import json, sys
from pathlib import Path
import torch
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import DEFAULT_MODEL, ROOT, best_of, batches, conll04, load_model, machine, peak_growth_mb, spert_run

LENGTHS = (10, 25, 50, 100, 250, 500)
BATCH_SIZES = (1, 2, 4, 8, 16, 32)


def measure(model, batch_list) -> dict:
    "Time (min of 3) and peak growth of SpERT (decoded) and of the encoder alone on the same batches."
    spert = lambda: [spert_run(model, b) for b in batch_list]
    enc = lambda: [model.encode(b["input_ids"], b["attention_mask"]) for b in batch_list]
    t_s, t_e = best_of(spert, 3), best_of(enc, 3)
    m_s, m_e = peak_growth_mb(spert), peak_growth_mb(enc)
    return {"spert_s": round(t_s, 5), "encoder_s": round(t_e, 5), "time_ratio": round(t_s / t_e, 3),
            "spert_mb": round(m_s, 1), "encoder_mb": round(m_e, 1), "memory_ratio": round(m_s / max(m_e, 1.0), 2)}


def plot(fig_path: Path, figures: dict):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    fig = Figure(figsize=(10, 6.4))
    axes = fig.subplots(2, 2)
    for col, (key, xs, xlabel, time_label) in enumerate([
            ("by_length", LENGTHS, "sentence length (words), batch 1", "time for the sentence (ms)"),
            ("by_batch_size", BATCH_SIZES, "batch size (64 CoNLL04 test sentences)", "time for 64 sentences (ms)")]):
        rows = figures[key]
        for row, (unit, s_key, e_key, ylabel) in enumerate([("s", "spert_s", "encoder_s", time_label),
                                                            ("mb", "spert_mb", "encoder_mb", "peak memory growth (MB)")]):
            ax = axes[row, col]
            scale = 1000 if unit == "s" else 1
            ax.plot(xs, [r[s_key] * scale for r in rows], marker="o", label="SpERT (encoder + heads + decoding)")
            ax.plot(xs, [r[e_key] * scale for r in rows], marker="s", label="encoder alone")
            ax.set(xscale="log", yscale="log", xlabel=xlabel, ylabel=ylabel)
            ax.legend(fontsize=8)
    ratios = [r["time_ratio"] for k in ("by_length", "by_batch_size") for r in figures[k]]
    fig.suptitle(f"SpERT takes {min(ratios):.2f}-{max(ratios):.2f}x its encoder's time at every length and batch size")
    fig.tight_layout()
    fig_path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(fig_path, dpi=80)


def main(model_dir=DEFAULT_MODEL):
    model = load_model(model_dir)
    test = [d.tokens for d in conll04("test")]
    text = [w for s in test for w in s]
    figures = {"machine": machine(), "model": str(model_dir), "lengths": LENGTHS, "batch_sizes": BATCH_SIZES,
               "by_length": [], "by_batch_size": []}
    with torch.inference_mode():
        for n in LENGTHS:
            r = measure(model, batches(model, [text[:n]], 1)); figures["by_length"].append({"words": n, **r})
            print(f"{n:4d} words: time ratio {r['time_ratio']}, memory {r['spert_mb']} vs {r['encoder_mb']} MB")
        for bs in BATCH_SIZES:
            r = measure(model, batches(model, test[:bs * (64 // bs)], bs))   # 64 sentences at every batch size
            r["spert_sent_per_s"], r["encoder_sent_per_s"] = round(64 / r["spert_s"], 1), round(64 / r["encoder_s"], 1)
            figures["by_batch_size"].append({"batch_size": bs, **r})
            print(f"batch {bs:2d}: {r['spert_sent_per_s']} vs {r['encoder_sent_per_s']} sent/s (ratio {r['time_ratio']}), "
                  f"peak memory growth {r['spert_mb']} vs {r['encoder_mb']} MB")
    out = ROOT / "data" / "results" / "bench_scaling.json"
    out.write_text(json.dumps(figures, indent=1) + "\n")
    plot(ROOT / "nbs" / "images" / "bench_scaling.png", figures)
    summary = {"machine": figures["machine"],
               "max_time_ratio_by_length": max(r["time_ratio"] for r in figures["by_length"]),
               "max_time_ratio_by_batch_size": max(r["time_ratio"] for r in figures["by_batch_size"]),
               "memory_ratio_500_words": figures["by_length"][-1]["memory_ratio"],
               "results": str(out.relative_to(ROOT))}
    print(json.dumps(summary))


if __name__ == "__main__":
    main(*sys.argv[1:])
