"""Prediction speed on CPU: `model.predict` end to end against the bare encoder forward on the same batches.

usage: python bench/predict.py [MODEL_DIR] [--limit N] [--runs 3] [--batch-size 8]
       (default MODEL_DIR runs/conll04-seed0; needs SPERT_DATA for the CoNLL04 test set)

Three timings over the CoNLL04 test sentences, each the minimum of `--runs` runs after one warm-up:
  predict (words)  `predict(model, tokens)`: encode, length-sorted batches, forward, decode, input order restored;
  predict (text)   `predict(model, " ".join(tokens))`: the same plus `split_words` and character offsets;
  encoder          `model.encoder(...)` alone on the batches `predict` forms (same sentences, same order, pre-collated).
Prints the figures and, last, one line of JSON with every figure.
"""
import argparse, json, sys
import torch
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import DEFAULT_MODEL, best_of, batches, conll04, load_model, machine
from spert_nb.inference import length_batches, predict


def main(argv=None):
    p = argparse.ArgumentParser(description="Sentences per second of model.predict vs the bare encoder (CPU).")
    p.add_argument("model", nargs="?", default=str(DEFAULT_MODEL), help="trained model folder (default runs/conll04-seed0)")
    p.add_argument("--limit", type=int, help="only the first N test sentences (a smoke test, not for figures)")
    p.add_argument("--runs", type=int, default=3, help="timed runs per figure; the minimum is reported (default 3)")
    p.add_argument("--batch-size", type=int, default=8, help="sentences per forward pass (default 8)")
    a = p.parse_args(argv)
    model = load_model(a.model)                                   # on the CPU
    words = [d.tokens for d in conll04("test")][:a.limit]
    texts = [" ".join(w) for w in words]
    order = [i for b in length_batches([len(w) for w in words], a.batch_size) for i in b]
    data = batches(model, [words[i] for i in order], a.batch_size)  # the batches predict forms from `words`
    runs = {"predict_words": lambda: predict(model, words, a.batch_size, progress=False),
            "predict_text": lambda: predict(model, texts, a.batch_size, progress=False),
            "encoder": lambda: [model.encoder(input_ids=b["input_ids"], attention_mask=b["attention_mask"]) for b in data]}
    seconds = {}
    with torch.inference_mode():
        for name, run in runs.items():
            run()                                                 # warm-up
            seconds[name] = best_of(run, a.runs)
    figures = {"machine": machine(), "device": str(model.device), "model": str(a.model), "sentences": len(words),
               "batch_size": a.batch_size, "runs": a.runs,
               **{f"{k}_sent_per_s": round(len(words) / t, 1) for k, t in seconds.items()},
               "ratio_predict_words_to_encoder": round(seconds["predict_words"] / seconds["encoder"], 3),
               "ratio_predict_text_to_encoder": round(seconds["predict_text"] / seconds["encoder"], 3)}
    print(f"{figures['machine']}; {len(words)} CoNLL04 test sentences, batch {a.batch_size}, min of {a.runs} runs")
    for k in runs:
        print(f"  {k:14} {figures[f'{k}_sent_per_s']:8.1f} sentences/s")
    print(f"  time ratio to the encoder: predict (words) {figures['ratio_predict_words_to_encoder']}, "
          f"predict (text) {figures['ratio_predict_text_to_encoder']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
