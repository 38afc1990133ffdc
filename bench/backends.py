"""SpERT on ONNX Runtime (fp32, int8) and torch int8 against the torch fp32 bare encoder, with the F1 each keeps.

usage: python bench/backends.py [MODEL_DIR] [EXPORT_DIR]
    MODEL_DIR   a trained CoNLL04 model (default runs/conll04-seed0); needs SPERT_DATA
    EXPORT_DIR  its export with int8 (default MODEL_DIR-onnx; written with export_onnx the first time)
On the CoNLL04 test sentences, in one run: sentences per second at batch 1 and 8 relative to the torch fp32 bare
encoder (the baseline, 1.0), peak resident memory at batch 8, the test F1 (entities, strict relations, micro) and how
many test sentences each backend predicts exactly as torch fp32 does; and, for what int8 can gain on this CPU at all,
the speed of one encoder-sized matrix product in ONNX Runtime in fp32 and in int8. Prints a table and, last, one
line of JSON.
"""
import json, sys
from pathlib import Path
import torch
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import DEFAULT_MODEL, best_of, batches, conll04, in_subprocess, machine, spert_run

BACKENDS = ("torch fp32 encoder", "torch fp32", "torch int8", "onnx fp32", "onnx int8")

def build(name: str, model_dir: str, export_dir: str):
    "The model of a benchmark row (the bare encoder row uses the torch fp32 model's encoder)."
    from spert_nb.onnx_backend import load_model
    if name.startswith("onnx"): return load_model(export_dir, "onnx-int8" if name.endswith("int8") else "onnx")
    model = load_model(model_dir, "torch", "cpu")
    if name == "torch int8":                       # torch's dynamic int8 on the encoder's linear layers
        model.encoder = torch.ao.quantization.quantize_dynamic(model.encoder, {torch.nn.Linear}, dtype=torch.qint8)
    return model.eval()

def runner(name: str, model, data):
    "One pass over the batches: the bare encoder, or SpERT's forward and decoding."
    if name == "torch fp32 encoder":
        return lambda: [model.encoder(input_ids=b["input_ids"], attention_mask=b["attention_mask"]) for b in data]
    return lambda: [spert_run(model, b) for b in data]

MEMORY_CODE = """
import json, sys, torch
sys.path.insert(0, "bench")
from backends import build, runner
from _common import batches, conll04, peak_rss_mb
model = build({name!r}, {model!r}, {export!r}); words = [d.tokens for d in conll04("test")]
with torch.inference_mode(): runner({name!r}, model, batches(model, words, 8))()
print(json.dumps({{"peak_mb": peak_rss_mb()}}))
"""

def gemm_probe(rows: int = 320, inner: int = 384, outer: int = 1536, runs: int = 200) -> dict:
    "GFLOPS of one encoder-sized matrix product in ONNX Runtime, fp32 against dynamic int8: what int8 can gain here."
    import tempfile, time, numpy as np, onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
    from onnxruntime.quantization import QuantType, quantize_dynamic
    rng = np.random.default_rng(0)
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "W"], ["y"])], "probe",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", inner])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", outer])],
                              [numpy_helper.from_array(rng.standard_normal((inner, outer)).astype(np.float32), "W")])
    out, x = {}, rng.standard_normal((rows, inner)).astype(np.float32)
    with tempfile.TemporaryDirectory() as d:
        onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), f"{d}/fp32.onnx")
        quantize_dynamic(f"{d}/fp32.onnx", f"{d}/int8.onnx", weight_type=QuantType.QInt8)
        for name in ("fp32", "int8"):
            s = ort.InferenceSession(f"{d}/{name}.onnx", providers=["CPUExecutionProvider"]); s.run(None, {"x": x})
            t = time.perf_counter()
            for _ in range(runs): s.run(None, {"x": x})
            out[f"{name}_gflops"] = round(2 * rows * inner * outer * runs / (time.perf_counter() - t) / 1e9, 1)
    return out

def _strip(p: dict) -> tuple:
    return ([(e["type"], e["start"], e["end"]) for e in p["entities"]], [(r["type"], r["head"], r["tail"]) for r in p["relations"]])

def main(model_dir=DEFAULT_MODEL, export_dir=None):
    from spert_nb.onnx_backend import export_onnx
    from spert_nb.training import evaluate_model, predict_documents, score_summary
    model_dir = Path(model_dir); export_dir = Path(export_dir or f"{model_dir}-onnx")
    if not (model_dir / "config.json").is_file(): sys.exit(f"{model_dir}: no trained model (see bench/forward.py)")
    if not export_dir.is_dir(): export_onnx(model_dir, export_dir, quantize="int8")
    docs = conll04("test"); words = [d.tokens for d in docs]
    figures = {"machine": machine(), "sentences": len(words), "model": str(model_dir), "rows": {}}
    reference = None
    for name in BACKENDS:
        model, row = build(name, str(model_dir), str(export_dir)), {}
        with torch.inference_mode():
            for bs in (1, 8):
                run = runner(name, model, batches(model, words, bs)); run()            # warm-up
                row[f"batch{bs}_sent_per_s"] = round(len(words) / best_of(run, 3), 1)
        if name != "torch fp32 encoder":
            preds = predict_documents(model, docs, 8, progress=False)
            scores = score_summary(evaluate_model(model, docs, progress=False))
            row.update(entities_f1=round(scores["entities_micro_f1"], 2), relations_f1=round(scores["relations_micro_f1"], 2))
            stripped = [_strip(p) for p in preds]
            reference = reference or stripped
            row["same_as_torch_fp32"] = sum(a == b for a, b in zip(stripped, reference))
        row["peak_mb_batch8"] = round(in_subprocess(MEMORY_CODE.format(name=name, model=str(model_dir), export=str(export_dir)))["peak_mb"])
        figures["rows"][name] = row
        del model
    figures["gemm_probe_320x384x1536"] = gemm_probe()
    base = figures["rows"]["torch fp32 encoder"]
    for row in figures["rows"].values():
        for bs in (1, 8): row[f"batch{bs}_vs_baseline"] = round(row[f"batch{bs}_sent_per_s"] / base[f"batch{bs}_sent_per_s"], 2)
    print(f"{'backend':20} {'b1 sent/s':>9} {'x':>5} {'b8 sent/s':>9} {'x':>5} {'peak MB':>8} {'ent F1':>7} {'rel F1':>7} {'same':>5}")
    for name, r in figures["rows"].items():
        print(f"{name:20} {r['batch1_sent_per_s']:9} {r['batch1_vs_baseline']:5} {r['batch8_sent_per_s']:9} "
              f"{r['batch8_vs_baseline']:5} {r['peak_mb_batch8']:8} {r.get('entities_f1', '-'):>7} {r.get('relations_f1', '-'):>7} "
              f"{r.get('same_as_torch_fp32', '-'):>5}")
    g = figures["gemm_probe_320x384x1536"]
    print(f"ONNX Runtime, one 320x384x1536 matrix product: fp32 {g['fp32_gflops']} GFLOPS, int8 {g['int8_gflops']} GFLOPS")
    print(json.dumps(figures))

if __name__ == "__main__":
    main(*sys.argv[1:])
