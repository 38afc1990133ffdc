"""SpERT on ONNX Runtime (fp32, int8) and torch int8 against the torch fp32 bare encoder, with the F1 each keeps.

usage: python bench/backends.py [MODEL_DIR] [EXPORT_DIR]
    MODEL_DIR   a trained CoNLL04 model (default runs/conll04-seed0); needs SPERT_DATA
    EXPORT_DIR  its export with int8 (default MODEL_DIR-onnx; written with export_onnx the first time)
On the CoNLL04 test sentences, in file order, in one run: sentences per second at batch 1 and 8 relative to the torch
fp32 bare encoder (the baseline, 1.0), timed batch by batch with every backend in turn (so a machine whose speed
drifts slows all alike; each batch's best of 3), peak resident memory at batch 8, the test F1 (entities, strict relations,
micro) and how many test sentences each backend predicts exactly as torch fp32 does. Then what limits batch 8: the
encoder's matrix products at their batch-8 shapes in each arithmetic (ONNX Runtime fp32 and int8, torch fp32 and
int8), the GFLOPS each backend reaches on the whole encoder, and the most int8 could give if every other operation
were free. Prints a table and, last, one line of JSON.
"""
import json, sys, time
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

def gemm_probe(rows: int, hidden: int, inner: int, runs: int = 30) -> dict:
    "GFLOPS of the encoder's three matrix-product shapes at `rows` tokens in four arithmetics, FLOP-weighted over a layer."
    import tempfile, numpy as np, onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
    from onnxruntime.quantization import QuantType, quantize_dynamic
    rng, fns, flop = np.random.default_rng(0), {}, {}
    shapes = {"qkvo": (hidden, hidden, 4), "ffn_in": (hidden, inner, 1), "ffn_out": (inner, hidden, 1)}
    with tempfile.TemporaryDirectory() as d:
        for shape, (k, n, _) in shapes.items():
            w = rng.standard_normal((k, n)).astype(np.float32) / k ** 0.5
            x = rng.standard_normal((rows, k)).astype(np.float32)
            graph = helper.make_graph([helper.make_node("MatMul", ["x", "W"], ["y"])], "probe",
                                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", k])],
                                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", n])],
                                      [numpy_helper.from_array(w, "W")])
            onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), f"{d}/{shape}.onnx")
            quantize_dynamic(f"{d}/{shape}.onnx", f"{d}/{shape}.int8.onnx", weight_type=QuantType.QInt8, per_channel=True)
            for arith, file in (("onnx fp32", f"{shape}.onnx"), ("onnx int8", f"{shape}.int8.onnx")):
                s = ort.InferenceSession(f"{d}/{file}", providers=["CPUExecutionProvider"])
                fns[arith, shape] = (lambda s, x: lambda: [s.run(None, {"x": x}) for _ in range(runs)])(s, x)
            lin = torch.nn.Linear(k, n, bias=False); lin.weight.data = torch.from_numpy(w.T.copy()); xt = torch.from_numpy(x)
            q = torch.ao.quantization.quantize_dynamic(torch.nn.Sequential(lin), {torch.nn.Linear}, dtype=torch.qint8)
            fns["torch fp32", shape] = (lambda m, x: lambda: [m(x) for _ in range(runs)])(lin, xt)
            fns["torch int8", shape] = (lambda m, x: lambda: [m(x) for _ in range(runs)])(q, xt)
            flop[shape] = 2 * rows * k * n
        with torch.inference_mode(): best = passes({k: [f] for k, f in fns.items()}, 5)
    out, total = {}, sum(flop[s] * c for s, (_, _, c) in shapes.items())   # one layer: 4 of qkvo, 1 of each ffn
    for arith in ("onnx fp32", "onnx int8", "torch fp32", "torch int8"):
        row = {shape: round(flop[shape] * runs / best[arith, shape] / 1e9, 1) for shape in shapes}
        row["layer"] = round(total * runs / sum(best[arith, s] * c for s, (_, _, c) in shapes.items()) / 1e9, 1)
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
    del models
    for name, row in figures["rows"].items():
        row["peak_mb_batch8"] = round(in_subprocess(MEMORY_CODE.format(name=name, model=str(model_dir), export=str(export_dir)))["peak_mb"])
    base = figures["rows"]["torch fp32 encoder"]
    for row in figures["rows"].values():
        for bs in (1, 8): row[f"batch{bs}_vs_baseline"] = round(row[f"batch{bs}_sent_per_s"] / base[f"batch{bs}_sent_per_s"], 2)
    linear, total = encoder_gflop(config, data[8])
    padded = sum(b["input_ids"].numel() for b in data[8])
    rows8 = round(padded / len(data[8]))
    probe = gemm_probe(rows8, config.hidden_size, config.intermediate_size)
    limits = {"batch8_tokens_per_batch": rows8, "batch8_real_tokens": sum(int(b["attention_mask"].sum()) for b in data[8]),
              "batch8_padded_tokens": padded,
              "encoder_gflop_per_pass": round(total, 1), "linear_share": round(linear / total, 3), "gemm_gflops": probe,
              "achieved_gflops": {n: round(total * figures["rows"][n]["batch8_sent_per_s"] / len(words), 1)
                                  for n in ("torch fp32 encoder", "onnx fp32", "onnx int8")}}
    t_base = len(words) / base["batch8_sent_per_s"]                 # seconds per pass, baseline
    limits["int8_ceiling_batch8_vs_baseline"] = round(t_base / (linear / probe["onnx int8"]["layer"]), 2)
    figures["limits_batch8"] = limits
    print(f"{'backend':20} {'b1 sent/s':>9} {'x':>5} {'b8 sent/s':>9} {'x':>5} {'peak MB':>8} {'ent F1':>7} {'rel F1':>7} {'same':>5}")
    for name, r in figures["rows"].items():
        print(f"{name:20} {r['batch1_sent_per_s']:9} {r['batch1_vs_baseline']:5} {r['batch8_sent_per_s']:9} "
              f"{r['batch8_vs_baseline']:5} {r['peak_mb_batch8']:8} {r.get('entities_f1', '-'):>7} {r.get('relations_f1', '-'):>7} "
              f"{r.get('same_as_torch_fp32', '-'):>5}")
    print(f"batch 8: {limits['batch8_padded_tokens']} tokens per pass ({limits['batch8_real_tokens']} real), "
          f"{limits['encoder_gflop_per_pass']} GFLOP, {100 * limits['linear_share']:.0f}% of it in the linear layers")
    print(f"matrix products at {rows8} x hidden, GFLOPS (qkvo / ffn_in / ffn_out / a layer):")
    for arith, r in probe.items(): print(f"  {arith:11} {r['qkvo']:6} {r['ffn_in']:6} {r['ffn_out']:6} {r['layer']:6}")
    print("whole encoder at batch 8, GFLOPS: " + ", ".join(f"{k} {v}" for k, v in limits["achieved_gflops"].items()))
    print(f"int8 ceiling at batch 8 (linear layers at ONNX Runtime's int8 rate, everything else free): "
          f"{limits['int8_ceiling_batch8_vs_baseline']}x the baseline")
    print(json.dumps(figures))

if __name__ == "__main__":
    main(*sys.argv[1:])
