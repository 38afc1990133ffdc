"""Every benchmark, one after the other (never two torch processes at once on a small machine).

usage: python bench/run_all.py [MODEL_DIR]      (default runs/conll04-seed0; needs SPERT_DATA and a trained model)
Runs forward.py, backends.py, predict.py, train_step.py and scaling.py, each in its own process, prints each one's headline ratios
and ends with one line of JSON holding all their figures.
"""
import json, subprocess, sys, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [("forward", ["MODEL"]), ("backends", ["MODEL"]), ("predict", ["MODEL"]), ("train_step", []), ("scaling", ["MODEL"])]


def main(model_dir=None):
    results = {}
    for name, args in BENCHES:
        argv = [model_dir if a == "MODEL" else a for a in args if not (a == "MODEL" and model_dir is None)]
        started = time.perf_counter()
        run = subprocess.run([sys.executable, str(HERE / f"{name}.py"), *argv], capture_output=True, text=True)
        lines = run.stdout.strip().splitlines()
        if run.returncode != 0 or not lines:
            sys.exit(f"bench/{name}.py failed (exit {run.returncode}):\n{run.stderr[-2000:]}")
        print(f"== bench/{name}.py ({time.perf_counter() - started:.0f} s)")
        print("\n".join(lines[:-1]))
        results[name] = json.loads(lines[-1])
    print(json.dumps(results))


if __name__ == "__main__":
    main(*sys.argv[1:])
