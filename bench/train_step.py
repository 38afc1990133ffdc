"""Training-step cost of SpERT against its bare encoder, on the same CoNLL04 training batches.

usage: python bench/train_step.py [N_BATCHES] [--device cuda] [--no-amp]
  (default 60 batches of 2 sentences, on cuda when available; needs SPERT_DATA)
A SpERT step = forward (sampled spans and pairs), loss, backward, clip, AdamW step; the encoder step = encoder forward,
a scalar of its output, backward, clip, AdamW step over the encoder's parameters. On CUDA both forwards run under bf16
autocast, as training does (--no-amp: fp32). Min of 3 runs. Last line: JSON.
"""
import argparse, json, sys
import torch
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import best_of, conll04, machine
from spert_nb.model import SpERT
from spert_nb.data import load_types, dataset_paths
from spert_nb.sampling import SpERTDataset, collate_samples
from spert_nb.loss import spert_loss
from spert_nb.training import make_optimizer


def main(n_batches: int = 60, device: str | None = None, amp: bool = True):
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    amp = amp and device.type == "cuda"
    autocast = lambda: torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp)
    torch.manual_seed(0)
    types = load_types(dataset_paths("conll04")["types"])
    docs = conll04("train")[:2 * n_batches]
    model = SpERT.from_encoder(types).to(device).train()
    data = SpERTDataset(docs, model.tokenizer, types)
    batches = [{k: v.to(device) for k, v in collate_samples([data[i], data[i + 1]]).items()}
               for i in range(0, len(docs) - 1, 2)]
    opt = make_optimizer(model, 5e-5, 0.01)
    enc_opt = make_optimizer(model.encoder, 5e-5, 0.01)

    def spert_steps():
        for b in batches:
            b = dict(b); labels = {k: b.pop(k) for k in ("entity_labels", "relation_labels")}
            with autocast(): out = model(**b)
            loss = spert_loss(out.entity_logits, labels["entity_labels"], b["entity_sample_mask"],
                              out.relation_logits, labels["relation_labels"], b["relation_sample_mask"]).loss
            loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step(); opt.zero_grad()

    def encoder_steps():
        for b in batches:
            with autocast(): h = model.encoder(input_ids=b["input_ids"], attention_mask=b["attention_mask"]).last_hidden_state
            h.float().square().mean().backward(); torch.nn.utils.clip_grad_norm_(model.encoder.parameters(), 1.0)
            enc_opt.step(); enc_opt.zero_grad()

    spert_steps(); encoder_steps()                              # warm-up
    t_spert, t_enc = best_of(spert_steps), best_of(encoder_steps)
    figures = {"machine": machine(), "device": str(device), "bf16_autocast": amp, "batches": len(batches), "batch_size": 2,
               "spert_s_per_step": round(t_spert / len(batches), 4), "encoder_s_per_step": round(t_enc / len(batches), 4),
               "ratio": round(t_spert / t_enc, 3),
               "est_s_per_conll04_epoch": round(t_spert / len(batches) * 461, 1)}
    print(f"SpERT step {figures['spert_s_per_step']} s, encoder step {figures['encoder_s_per_step']} s, ratio {figures['ratio']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description="Training-step cost of SpERT against its bare encoder.")
    p.add_argument("n_batches", nargs="?", type=int, default=60, help="batches of 2 CoNLL04 training sentences")
    p.add_argument("--device", help="cpu, cuda, ... (default: cuda when available)")
    p.add_argument("--no-amp", action="store_true", help="fp32 on CUDA too (default there: bf16 autocast, as training)")
    a = p.parse_args()
    main(a.n_batches, a.device, not a.no_amp)
