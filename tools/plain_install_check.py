"""Run by CI in a plain install (`pip install .`, no extras, not editable), outside the repository:
import the package, take training steps on a tiny random model built in code, predict with it, load it back
with SpERT.from_pretrained and with transformers' AutoModel (registered by `import spert_nb`)."""
import tempfile
from pathlib import Path

import torch
from transformers import AutoModel, BertConfig

import spert_nb
from spert_nb.data import demo_paths, load_documents, load_types
from spert_nb.model import SpERT, SpERTConfig
from spert_nb.tokenization import load_tokenizer
from spert_nb.training import TrainConfig, train

assert "site-packages" in spert_nb.__file__, f"not the installed package: {spert_nb.__file__}"
paths = demo_paths()                                  # the demo corpus ships inside the package
types = load_types(paths["types"])
docs = load_documents(paths["train"], types)[:4]
tiny = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=1, num_attention_heads=4,
                  intermediate_size=37, max_position_embeddings=128)
torch.manual_seed(0)
model = SpERT(SpERTConfig(encoder_config=tiny.to_dict(), types=types.to_dict(), max_subwords=128),
              tokenizer=load_tokenizer())
with tempfile.TemporaryDirectory() as out:
    history = train(model, docs, out, TrainConfig(epochs=1, lr=1e-3, neg_entities=5, neg_relations=5), progress=False)
    assert history and history[0]["loss"] > 0, history
    reloaded = SpERT.from_pretrained(out)
    auto = AutoModel.from_pretrained(out)
    assert (Path(out) / "README.md").is_file() and not (Path(out) / "checkpoint").exists()
text = "Maria Okonkwo works for Talvern Systems in Tampere."
pred = reloaded.predict(text)
assert pred["tokens"][:2] == ["Maria", "Okonkwo"], pred
assert type(auto) is SpERT and auto.predict(text) == pred, "AutoModel gives another model"
print(f"plain install {spert_nb.__version__} ({Path(spert_nb.__file__).parent}): "
      f"imported, trained {len(docs)} documents for one epoch (loss {history[0]['loss']:.3f}), predicted {len(pred['entities'])} entities; AutoModel gives the same")
