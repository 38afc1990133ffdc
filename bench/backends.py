"""SpERT on ONNX Runtime (fp32, int8) and torch int8 against the torch fp32 bare encoder, with the F1 each keeps.

usage: python bench/backends.py [MODEL_DIR] [EXPORT_DIR]
    MODEL_DIR   a trained CoNLL04 model (default runs/conll04-seed0); needs SPERT_DATA
    EXPORT_DIR  its export with int8 (default MODEL_DIR-onnx; written with export_onnx the first time)
On the CoNLL04 test sentences, in file order, in one run: sentences per second at batch 1 and 8 relative to the torch
fp32 bare encoder (the baseline, 1.0), timed batch by batch with every backend in turn (so a machine whose speed
drifts slows all alike; each batch's best of 3), peak resident memory at batch 8, the test F1 (entities, strict relations,
micro) and how many test sentences each backend predicts exactly as torch fp32 does. Then what limits batch 8, all
timed together on one batch of the mean batch-8 size: the encoder's matrix products in each arithmetic (ONNX Runtime
fp32 and int8, torch fp32 and int8; six layers' weights in turn), the GFLOPS of each whole encoder, and the most int8
(or the best arithmetic) could give if every other operation were free. Prints a table and, last, one line of JSON.
"""
import contextlib, json, logging, sys, time
from functools import partial
from pathlib import Path
import torch
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import DEFAULT_MODEL, batches, conll04, in_subprocess, machine, spert_run

BACKENDS = ("torch fp32 encoder", "torch fp32", "torch int8", "onnx fp32", "onnx int8")

def build(name: str, model_dir: str, export_dir: str):
    "The model of a benchmark row (the bare encoder row uses the torch fp32 model's encoder)."
    from spert_nb.onnx_backend import load_model
    if name.startswith("onnx"): return load_model(export_dir, "onnx-int8" if name.endswith("int8") else "onnx")
    model = load_model(model_dir, "torch", "cpu")
    if name == "torch int8":                       # torch's dynamic int8 on the encoder's linear layers
        model.encoder = torch.ao.quantization.quantize_dynamic(model.encoder, {torch.nn.Linear}, dtype=torch.qint8)
    return model.eval()

def runner(name: str, model, data) -> list:
    "One call per batch: the bare encoder, or SpERT's forward and decoding."
    if name == "torch fp32 encoder":
        return [lambda b=b: model.encoder(input_ids=b["input_ids"], attention_mask=b["attention_mask"]) for b in data]
    return [lambda b=b: spert_run(model, b) for b in data]

def passes(runs: dict, repeats: int = 3) -> dict:
    """Seconds per pass of each backend over its batches: batch by batch, each backend runs the batch in turn, `repeats`
    times, and keeps its best; so a machine whose speed drifts (this one does, by up to 4x) slows all alike."""
    for calls in runs.values():
        for f in calls: f()                                                # warm-up pass
    total = dict.fromkeys(runs, 0.0)
    for i in range(len(next(iter(runs.values())))):
        best = dict.fromkeys(runs, float("inf"))
        for _ in range(repeats):
            for k, calls in runs.items():
                t = time.perf_counter(); calls[i](); best[k] = min(best[k], time.perf_counter() - t)
        for k in runs: total[k] += best[k]
    return total

MEMORY_CODE = """
import json, sys, torch
sys.path.insert(0, "bench")
from backends import build, runner
from _common import batches, conll04, peak_rss_mb
model = build({name!r}, {model!r}, {export!r}); words = [d.tokens for d in conll04("test")]
with torch.inference_mode(): [f() for f in runner({name!r}, model, batches(model, words, 8))]
print(json.dumps({{"peak_mb": peak_rss_mb()}}))
"""

def encoder_gflop(config, data) -> tuple[float, float]:
    "GFLOP of one encoder pass over the batches: (linear layers, all of it with attention's two batched products)."
    h, i, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    tokens = sum(b["input_ids"].numel() for b in data)
    linear = 2 * tokens * (4 * h * h + 2 * h * i) * layers
    attention = sum(4 * b["input_ids"].shape[0] * b["input_ids"].shape[1] ** 2 * h for b in data) * layers
    return linear / 1e9, (linear + attention) / 1e9

def sorted_slots(single: list, batch_size: int) -> int:
    "Subword slots of a pass at `batch_size` with the sentences sorted by length, as `predict` batches them."
    lengths = sorted((int(b["attention_mask"].sum()) for b in single), reverse=True)
    return sum(len(g) * g[0] for g in (lengths[i:i + batch_size] for i in range(0, len(lengths), batch_size)))

@contextlib.contextmanager
def quiet_root():
    "The quantizer's advice to pre-process (a root-logger warning) kept out of the benchmark's output."
    root = logging.getLogger(); level = root.level; root.setLevel(logging.ERROR)
    try: yield
    finally: root.setLevel(level)

def gemm_probe(rows: int, hidden: int, inner: int, layers: int, encoders: dict, rounds: int = 5) -> dict:
    """GFLOPS of one encoder layer's matrix products at `rows` tokens in four arithmetics, each shape and a layer's
    FLOP-weighted whole. Like the encoder, each call goes through `layers` distinct weight matrices in turn, so the
    weights are as (un)cached as in a real pass (one matrix, called again and again, stays hot and flatters fp32).
    `encoders` ({name: (call, FLOP)}, whole encoders on one batch) are timed in the same passes, so that products and
    encoders are measured at the same speed of the machine."""
    import tempfile, numpy as np, onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
    from onnxruntime.quantization import QuantType, quantize_dynamic
    rng, fns, flop = np.random.default_rng(0), {}, {}
    shapes = {"qkv": (hidden, 3 * hidden), "out": (hidden, hidden),    # q, k, v in one product, as in ONNX Runtime's
              "ffn_in": (hidden, inner), "ffn_out": (inner, hidden)}   # (Q)Attention kernel
    opts = ort.SessionOptions()                       # as in OrtEncoder: idle sessions' threads must not spin
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    def timed(calls, x): return lambda: [f(x) for _ in range(rounds) for f in calls]
    with tempfile.TemporaryDirectory() as d:
        for shape, (k, n) in shapes.items():
            x = rng.standard_normal((rows, k)).astype(np.float32); xt = torch.from_numpy(x)
            calls = {arith: [] for arith in ("onnx fp32", "onnx int8", "torch fp32", "torch int8")}
            for layer in range(layers):
                w = rng.standard_normal((k, n)).astype(np.float32) / k ** 0.5
                graph = helper.make_graph([helper.make_node("MatMul", ["x", "W"], ["y"])], "probe",
                                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", k])],
                                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", n])],
                                          [numpy_helper.from_array(w, "W")])
                fp32, int8 = f"{d}/{shape}{layer}.onnx", f"{d}/{shape}{layer}.int8.onnx"
                onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), fp32)
                with quiet_root(): quantize_dynamic(fp32, int8, weight_type=QuantType.QInt8, per_channel=True)
                for arith, file in (("onnx fp32", fp32), ("onnx int8", int8)):
                    sess = ort.InferenceSession(file, opts, providers=["CPUExecutionProvider"])
                    calls[arith].append(lambda x, sess=sess: sess.run(None, {"x": x}))
                lin = torch.nn.Linear(k, n, bias=False); lin.weight.data = torch.from_numpy(w.T.copy())
                calls["torch fp32"].append(lin)
                calls["torch int8"].append(torch.ao.quantization.quantize_dynamic(torch.nn.Sequential(lin), {torch.nn.Linear}, dtype=torch.qint8))
            for arith, c in calls.items(): fns[arith, shape] = timed(c, xt if arith.startswith("torch") else x)
            flop[shape] = 2 * rows * k * n * layers * rounds                # FLOP of one timed call
        fns.update({name: call for name, (call, _) in encoders.items()})
        with torch.inference_mode(): best = passes({k: [f] for k, f in fns.items()}, 5)
    out = {"encoders": {name: round(f / best[name] / 1e9, 1) for name, (_, f) in encoders.items()}}
    for arith in ("onnx fp32", "onnx int8", "torch fp32", "torch int8"):
        row = {shape: round(flop[shape] / best[arith, shape] / 1e9, 1) for shape in shapes}
        row["layer"] = round(sum(flop.values()) / sum(best[arith, s] for s in shapes) / 1e9, 1)
        out[arith] = row
    return out

def main(model_dir=DEFAULT_MODEL, export_dir=None):
    from spert_nb.onnx_backend import export_onnx, prediction_spans
    from spert_nb.training import evaluate_model, predict_documents, score_summary
    model_dir = Path(model_dir); export_dir = Path(export_dir or f"{model_dir}-onnx")
    if not (model_dir / "config.json").is_file(): sys.exit(f"{model_dir}: no trained model (see bench/forward.py)")
    if not export_dir.is_dir(): export_onnx(model_dir, export_dir, quantize="int8")
    docs = conll04("test"); words = [d.tokens for d in docs]
    figures = {"machine": machine(), "sentences": len(words), "model": str(model_dir), "export": str(export_dir),
               "fused": json.loads((export_dir / "onnx.json").read_text()).get("fused", False), "rows": {}}
    models = {name: build(name, str(model_dir), str(export_dir)) for name in BACKENDS}
    data = {bs: batches(models["torch fp32"], words, bs) for bs in (1, 8)}
    with torch.inference_mode():
        for bs in (1, 8):
            best = passes({name: runner(name, m, data[bs]) for name, m in models.items()})
            for name in BACKENDS: figures["rows"].setdefault(name, {})[f"batch{bs}_sent_per_s"] = round(len(words) / best[name], 1)
    reference = None
    for name, model in models.items():
        row = figures["rows"][name]
        if name != "torch fp32 encoder":
            preds = predict_documents(model, docs, 8, progress=False)
            scores = score_summary(evaluate_model(model, docs, progress=False))
            row.update(entities_f1=round(scores["entities_micro_f1"], 2), relations_f1=round(scores["relations_micro_f1"], 2))
            spans = [prediction_spans(p) for p in preds]
            reference = reference or spans
            row["same_as_torch_fp32"] = sum(a == b for a, b in zip(spans, reference))
    config = models["torch fp32"].encoder.config
    padded = sum(b["input_ids"].numel() for b in data[8])
    rows8 = round(padded / len(data[8]))
    rep = min(data[8], key=lambda b: abs(b["input_ids"].numel() - rows8))    # the batch nearest the mean size
    rep_linear, rep_total = encoder_gflop(config, [rep])
    encoders = {f"{n} encoder": (partial(models[n].encoder, input_ids=rep["input_ids"], attention_mask=rep["attention_mask"]),
                                 rep_total * 1e9) for n in ("torch fp32", "onnx fp32", "onnx int8")}
    probe = gemm_probe(rep["input_ids"].numel(), config.hidden_size, config.intermediate_size, config.num_hidden_layers, encoders)
    del models
    for name, row in figures["rows"].items():
        row["peak_mb_batch8"] = round(in_subprocess(MEMORY_CODE.format(name=name, model=str(model_dir), export=str(export_dir)))["peak_mb"])
    base = figures["rows"]["torch fp32 encoder"]
    for row in figures["rows"].values():
        for bs in (1, 8): row[f"batch{bs}_vs_baseline"] = round(row[f"batch{bs}_sent_per_s"] / base[f"batch{bs}_sent_per_s"], 2)
    linear, total = encoder_gflop(config, data[8])
    rates = probe.pop("encoders"); t_base = rep_total / rates["torch fp32 encoder"]   # seconds, the baseline on `rep`
    limits = {"batch8_tokens_per_batch": rows8, "batch8_real_tokens": sum(int(b["attention_mask"].sum()) for b in data[8]),
              "batch8_padded_tokens": padded, "batch8_padded_tokens_length_sorted": sorted_slots(data[1], 8),
              "encoder_gflop_per_pass": round(total, 1), "linear_share": round(linear / total, 3),
              "probe_batch_shape": list(rep["input_ids"].shape), "gemm_gflops": probe, "encoder_gflops": rates,
              "onnx_int8_encoder_vs_baseline": round(rates["onnx int8 encoder"] / rates["torch fp32 encoder"], 2),
              # the linear layers at a rate, everything else free: the most that arithmetic could give
              "int8_bound_vs_baseline": round(t_base / (rep_linear / probe["onnx int8"]["layer"]), 2),
              "any_arithmetic_bound_vs_baseline": round(t_base / (rep_linear / max(r["layer"] for r in probe.values())), 2)}
    figures["limits_batch8"] = limits
    print(f"{'backend':20} {'b1 sent/s':>9} {'x':>5} {'b8 sent/s':>9} {'x':>5} {'peak MB':>8} {'ent F1':>7} {'rel F1':>7} {'same':>5}")
    for name, r in figures["rows"].items():
        print(f"{name:20} {r['batch1_sent_per_s']:9} {r['batch1_vs_baseline']:5} {r['batch8_sent_per_s']:9} "
              f"{r['batch8_vs_baseline']:5} {r['peak_mb_batch8']:8} {r.get('entities_f1', '-'):>7} {r.get('relations_f1', '-'):>7} "
              f"{r.get('same_as_torch_fp32', '-'):>5}")
    print(f"batch 8: {limits['batch8_padded_tokens']} tokens per pass ({limits['batch8_real_tokens']} real), "
          f"{limits['encoder_gflop_per_pass']} GFLOP, {100 * limits['linear_share']:.0f}% of it in the linear layers")
    print(f"  (sorted by length, as predict() batches them: {limits['batch8_padded_tokens_length_sorted']} tokens per pass)")
    print(f"timed together on one batch of shape {tuple(rep['input_ids'].shape)}: matrix products (six layers' weights in turn), GFLOPS")
    print("  (qkv / out / ffn_in / ffn_out / a layer):")
    for arith, r in probe.items(): print(f"  {arith:11} " + " ".join(f"{r[k]:6}" for k in ("qkv", "out", "ffn_in", "ffn_out", "layer")))
    print("  whole encoders, GFLOPS: " + ", ".join(f"{k} {v}" for k, v in rates.items()) +
          f" (ONNX int8 {limits['onnx_int8_encoder_vs_baseline']}x the baseline)")
    print(f"linear layers at ONNX Runtime's int8 rate, everything else free: {limits['int8_bound_vs_baseline']}x the baseline; "
          f"at the best rate of any arithmetic: {limits['any_arithmetic_bound_vs_baseline']}x")
    print(json.dumps(figures))

if __name__ == "__main__":
    main(*sys.argv[1:])
