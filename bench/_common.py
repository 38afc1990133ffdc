"""Shared helpers of the benchmarks: data, model and timing. Benchmarks print ratios measured in one run."""
import ctypes, json, os, platform, subprocess, sys, time
from pathlib import Path
import torch
from spert_nb.data import dataset_paths, load_types, load_documents
from spert_nb.model import SpERT, collate_encodings
from spert_nb.tokenization import encode_words

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = ROOT / "runs" / "conll04-seed0"


def machine() -> str:
    "One line naming the machine the figures come from."
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.get_num_threads()} threads, {gpu}"


def conll04(split: str):
    "Documents of a CoNLL04 split (needs SPERT_DATA)."
    paths = dataset_paths("conll04")
    return load_documents(paths[split], load_types(paths["types"]))


def load_model(path) -> SpERT:
    path = Path(path)
    if not (path / "config.json").exists():
        sys.exit(f"{path}: no trained model. Train one first, e.g.\n  spert_nb_train --train $SPERT_DATA/conll04/train.json "
                 f"--types $SPERT_DATA/conll04/types.json --out {path}")
    return SpERT.from_pretrained(path).eval()


def batches(model: SpERT, sentences, batch_size: int):
    "Collated model inputs, in the given order."
    enc = [encode_words(model.tokenizer, s) for s in sentences]
    return [collate_encodings(enc[i:i + batch_size], model.tokenizer.pad_token_id or 0) for i in range(0, len(enc), batch_size)]


def spert_run(model: SpERT, batch: dict) -> list[dict]:
    "One SpERT inference pass over a collated batch, decoded to SpERT JSON (placeholder words: decoding cost only)."
    return model.decode(model(**batch), [[""] * n for n in batch["n_words"].tolist()])


def _sync():
    "Wait for queued GPU work, so wall time covers it."
    if torch.cuda.is_initialized(): torch.cuda.synchronize()


def best_of(fn, runs: int = 3) -> float:
    "Minimum wall time of `runs` calls (seconds), GPU work included."
    times = []
    for _ in range(runs):
        _sync(); t0 = time.perf_counter(); fn(); _sync(); times.append(time.perf_counter() - t0)
    return min(times)


def _status_mb(key: str) -> float:
    "VmRSS (now) or VmHWM (peak since the last reset) of this process, in MB."
    line = next(l for l in open("/proc/self/status") if l.startswith(key))
    return int(line.split()[1]) / 1024


def peak_rss_mb() -> float:
    "Peak resident memory of this process (VmHWM: unlike ru_maxrss, it starts afresh at exec, not at the parent's peak)."
    return _status_mb("VmHWM")


def peak_growth_mb(fn) -> float:
    "Growth of the peak resident set while `fn` runs once (after a warm-up run), in MB."
    fn(); ctypes.CDLL("libc.so.6").malloc_trim(0)        # warm-up: allocator pools, lazy init; then give back
    open("/proc/self/clear_refs", "w").write("5")         # reset the peak (VmHWM) to the current RSS
    base = _status_mb("VmRSS"); fn()
    return _status_mb("VmHWM") - base


def in_subprocess(code: str) -> dict:
    "Run `code` (which prints one JSON line last) in a fresh interpreter, so peak memory is its own."
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])
