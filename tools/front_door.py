"""Draw the README's two pictures into nbs/images/ (run from the repository root after a change to plots or the demo):

    python tools/front_door.py

task_example.png: the paper's §1 example sentence with its entities and relations (gold, drawn by hand).
demo_prediction.png: the same model on the demo dev sentence that 08a_learning follows through training.
walkthrough_result.png: what the lessons' trained model (spert_nb.demo.lesson_model) extracts from the walkthrough's
sentence, CoNLL04 dev[0]. Prints the walkthrough result as text for the README.
"""
from pathlib import Path

from spert_nb.demo import lesson_model
from spert_nb.plots import plot_annotated

IMAGES = Path(__file__).resolve().parent.parent / "nbs" / "images"
TYPES = ["Peop", "Loc", "Org", "Other"]

task = {"tokens": "Leonardo DiCaprio starred in Christopher Nolan 's thriller Inception".split(),
        "entities": [{"type": "Peop", "start": 0, "end": 2}, {"type": "Peop", "start": 4, "end": 6},
                     {"type": "Other", "start": 8, "end": 9}],
        "relations": [{"type": "Plays-In", "head": 0, "tail": 2}, {"type": "Director", "head": 2, "tail": 1}]}
plot_annotated(task, "Entities (bars) and relations (arrows) in the paper's example sentence (§1)",
               entity_types=TYPES).savefig(IMAGES / "task_example.png", dpi=100)

words = "John Wilkes Booth , who assassinated President Lincoln , was an actor .".split()   # CoNLL04 dev[0]
pred = lesson_model().predict_batch([words])[0]
plot_annotated(pred, "The trained demo model on the walkthrough's sentence (CoNLL04 dev[0]), with its scores",
               scores=True, entity_types=TYPES).savefig(IMAGES / "walkthrough_result.png", dpi=100)
from spert_nb.demo import PROBE_INDEX, demo_corpus
probe = demo_corpus()[1]["dev"][PROBE_INDEX]
plot_annotated(lesson_model().predict_batch([probe.tokens])[0],
               f"The trained demo model on a demo dev sentence it never trained on (dev[{PROBE_INDEX}])",
               scores=True, entity_types=TYPES).savefig(IMAGES / "demo_prediction.png", dpi=100)
ents = pred["entities"]
print("entities:", [(" ".join(words[e["start"]:e["end"]]), e["type"], round(e["score"], 2)) for e in ents])
print("relations:", [(" ".join(words[ents[r["head"]]["start"]:ents[r["head"]]["end"]]), r["type"],
                      " ".join(words[ents[r["tail"]]["start"]:ents[r["tail"]]["end"]]), round(r["score"], 2))
                     for r in pred["relations"]])
