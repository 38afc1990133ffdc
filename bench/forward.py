"""Inference speed and memory of SpERT against its bare encoder, on the CoNLL04 test sentences.

usage: python bench/forward.py [MODEL_DIR]      (default runs/conll04-seed0; needs SPERT_DATA)
Prints a table and, last, one line of JSON with every figure.
"""
import json, sys
import torch
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import DEFAULT_MODEL, best_of, batches, conll04, in_subprocess, load_model, machine, spert_run

MEMORY_CODE = """
import json, sys, torch
sys.path.insert(0, "bench")
from _common import batches, conll04, load_model, peak_growth_mb, peak_rss_mb, spert_run
model = load_model({model!r}); words = [d.tokens for d in conll04("test")]
what, batch_size = {what!r}, {batch_size}
run = (lambda b: spert_run(model, b)) if what == "spert" else \\
      (lambda b: model.encoder(input_ids=b["input_ids"], attention_mask=b["attention_mask"]))
with torch.inference_mode():
    if batch_size:                   # the whole test set at this batch size: peak resident memory of the process
        for b in batches(model, words, batch_size): run(b)
        print(json.dumps({{"peak_mb": peak_rss_mb()}}))
    else:                            # one 250-word sentence: growth of the peak over the resident baseline
        long = batches(model, [[w for s in words for w in s][:250]], 1)[0]
        print(json.dumps({{"growth_mb": peak_growth_mb(lambda: run(long))}}))
"""


def main(model_dir=DEFAULT_MODEL):
    model = load_model(model_dir)
    words = [d.tokens for d in conll04("test")]
    figures = {"machine": machine(), "sentences": len(words), "model": str(model_dir)}
    with torch.inference_mode():
        for bs in (1, 8):
            data = batches(model, words, bs)
            spert = lambda: [spert_run(model, b) for b in data]
            enc = lambda: [model.encoder(input_ids=b["input_ids"], attention_mask=b["attention_mask"]) for b in data]
            spert(); enc()                                      # warm-up
            t_spert, t_enc = best_of(spert, 5), best_of(enc, 5)
            figures[f"batch{bs}"] = {"spert_sent_per_s": round(len(words) / t_spert, 1),
                                     "encoder_sent_per_s": round(len(words) / t_enc, 1),
                                     "ratio": round(t_spert / t_enc, 3)}
    for what in ("spert", "encoder"):
        figures[f"peak_mb_batch8_{what}"] = round(in_subprocess(MEMORY_CODE.format(model=str(model_dir), what=what, batch_size=8))["peak_mb"])
        figures[f"growth_mb_250words_{what}"] = round(in_subprocess(MEMORY_CODE.format(model=str(model_dir), what=what, batch_size=0))["growth_mb"], 1)
    enc_growth = max(figures["growth_mb_250words_encoder"], 1.0)
    figures["memory_ratio_250words"] = round(figures["growth_mb_250words_spert"] / enc_growth, 2)
    for bs in (1, 8):
        f = figures[f"batch{bs}"]
        print(f"batch {bs}: SpERT {f['spert_sent_per_s']} sent/s, encoder {f['encoder_sent_per_s']} sent/s, ratio {f['ratio']}")
    print(f"peak RSS at batch 8: SpERT {figures['peak_mb_batch8_spert']} MB, encoder {figures['peak_mb_batch8_encoder']} MB")
    print(f"one 250-word sentence, peak growth: SpERT {figures['growth_mb_250words_spert']} MB, encoder {figures['growth_mb_250words_encoder']} MB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main(*sys.argv[1:])
