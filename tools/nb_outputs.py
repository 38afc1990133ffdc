"""Store and check the notebooks' outputs: the lessons are committed executed.

    python tools/nb_outputs.py run   [NB ...]   execute (as nbdev_test does) and store the cleaned outputs
    python tools/nb_outputs.py check [NB ...]   execute afresh; fail where a cell's stored outputs are missing or stale
    python tools/nb_outputs.py selftest         show that `check` fails on a copy of a notebook stripped of outputs

Notebooks run the way `nbdev_test` runs them (execnb's CaptureShell, working directory nbs/, cells flagged
slow/gpu/notest skipped), with progress bars off (TQDM_DISABLE=1) and figures as PNG at 100 dpi. Stored outputs are
cleaned: no stderr (warnings, progress bars), no execution counts, no widget state, and no machine paths (the
repository, $SPERT_DATA, the model cache, temporary folders and the home folder are replaced by placeholders).

`check` compares, cell by cell: a cell whose fresh run prints or draws something must have stored outputs, a cell
that draws a picture must have a stored picture (and the other way round), and a cell with stored outputs must still
produce some. With --strict it also compares the text of every output (same machine, same numbers).
Default notebooks: nbs/*.ipynb without those starting with "_". Ends with one line "N passed, N failed".
"""
from __future__ import annotations
import argparse, json, os, re, subprocess, sys, tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_FLAGS = ("notest", "slow", "gpu")
DROP_MIME = ("application/vnd.jupyter.widget-view+json", "application/vnd.jupyter.widget-state+json")


def _execute(path: str) -> tuple[dict | None, str | None]:
    "Run one notebook as nbdev_test does; returns ({cell id: outputs}, None) or (None, traceback)."
    os.environ["IN_TEST"] = "1"
    os.environ["TQDM_DISABLE"] = "1"
    sys.path.insert(0, str(ROOT))
    from execnb.shell import CaptureShell
    from fastcore.xtras import working_directory
    from nbdev.frontmatter import FrontmatterProc
    from nbdev.process import NBProcessor
    fn = Path(path)
    nb = NBProcessor(fn, procs=FrontmatterProc, process=True).nb

    def skip(cell):
        if cell.cell_type != "code": return True
        if "nbdev_export" + "(" in cell.source: return True
        direc = getattr(cell, "directives_", {}) or {}
        if direc.get("eval:", [""])[0].lower() == "false": return True
        return bool(set(SKIP_FLAGS) & direc.keys())

    shell = CaptureShell(fn, mpl_format="png")
    shell.run_cell("import matplotlib as _m; _m.rcParams['figure.dpi'] = 100; del _m")
    try:
        with working_directory(fn.parent):
            shell.run_all(nb, exc_stop=True, preproc=skip)
    except BaseException:
        return None, shell.prettytb(fname=fn)
    return {c.id: json.loads(json.dumps(c.get("outputs", []))) for c in nb.cells if c.cell_type == "code"}, None


def _placeholders() -> list[tuple[str, str]]:
    "Machine paths and what replaces them in stored outputs, longest first."
    subs = [(str(ROOT), "<repo>"), (str(Path.home()), "~"), (tempfile.gettempdir().rstrip("/") + "/", "<tmp>/")]
    sys.path.insert(0, str(ROOT))
    from spert_nb.data import data_root
    from spert_nb.demo import cache_dir
    if os.environ.get("SPERT_DATA"): subs.append((str(data_root()), "$SPERT_DATA"))
    subs.append((str(cache_dir()), "<cache>"))
    return sorted(set(subs), key=lambda s: -len(s[0]))


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]{6,}")
_TMPNAME = re.compile(r"<tmp>/[A-Za-z0-9_.\-]+")


def _clean_text(text: str, subs) -> str:
    for path, name in subs: text = text.replace(path, name)
    text = _TMPNAME.sub("<tmp>/…", text)
    return _ADDRESS.sub(" at 0x…", text)


def _clean_outputs(outputs: list[dict], subs) -> list[dict]:
    "Outputs as stored: stderr, widget views and execution counts gone, paths replaced."
    kept = []
    for o in outputs:
        o = dict(o)
        if o.get("output_type") == "stream":
            if o.get("name") == "stderr": continue
            text = "".join(o["text"]) if isinstance(o["text"], list) else o["text"]
            o["text"] = _clean_text(text, subs)
        if "data" in o:
            data = {k: v for k, v in o["data"].items() if k not in DROP_MIME}
            for k, v in data.items():
                if k.startswith("text/"): data[k] = _clean_text("".join(v) if isinstance(v, list) else v, subs)
            if not data: continue
            o["data"] = data
            o["metadata"] = {}
        if "execution_count" in o: o["execution_count"] = None
        if o.get("output_type") == "error": continue
        kept.append(o)
    # consecutive stdout pieces become one output, as Jupyter shows them
    merged = []
    for o in kept:
        if merged and o.get("output_type") == "stream" and merged[-1].get("output_type") == "stream" \
                and merged[-1]["name"] == o["name"]:
            merged[-1] = {**merged[-1], "text": merged[-1]["text"] + o["text"]}
        else:
            merged.append(o)
    for o in merged:
        if o.get("output_type") == "stream": o["text"] = o["text"].splitlines(keepends=True)
        for k, v in o.get("data", {}).items():
            if k.startswith("text/") or k == "image/svg+xml":
                o["data"][k] = v.splitlines(keepends=True) if isinstance(v, str) else v
    return merged


def _notebooks(names: list[str]) -> list[Path]:
    if names: return [Path(n).resolve() for n in names]
    return sorted(p for p in (ROOT / "nbs").glob("*.ipynb") if not p.name.startswith(("_", ".")))


def _run_all(paths: list[Path], workers: int) -> dict[Path, tuple]:
    with ProcessPoolExecutor(max_workers=workers, max_tasks_per_child=1) as ex:
        futures = {p: ex.submit(_execute, str(p)) for p in paths}
        return {p: f.result() for p, f in futures.items()}


def _has_image(outputs) -> bool: return any("image/png" in o.get("data", {}) for o in outputs)


def _text(outputs) -> str:
    parts = []
    for o in outputs:
        if o.get("output_type") == "stream": parts.append("".join(o["text"]))
        for k, v in sorted(o.get("data", {}).items()):          # nbdev_clean stores the mime types sorted
            if k.startswith("text/"): parts.append("".join(v))
    return "".join(parts)


def compare(stored_nb: dict, fresh: dict, strict: bool = False) -> list[str]:
    "Problems between a notebook's stored outputs and a fresh run's ({cell id: cleaned outputs})."
    problems = []
    for i, cell in enumerate(stored_nb["cells"]):
        if cell["cell_type"] != "code": continue
        stored, new = cell.get("outputs", []), fresh.get(cell.get("id"), [])
        where = f"cell {i} (id {cell.get('id')}, first line {''.join(cell['source']).splitlines()[:1]})"
        if new and not stored: problems.append(f"{where}: the run produces output but none is stored")
        elif stored and not new: problems.append(f"{where}: outputs are stored but the run produces none")
        elif _has_image(new) and not _has_image(stored): problems.append(f"{where}: the run draws a picture, none is stored")
        elif _has_image(stored) and not _has_image(new): problems.append(f"{where}: a picture is stored, the run draws none")
        elif strict and _text(stored) != _text(new): problems.append(f"{where}: stored text differs from the run's")
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("run", "check", "selftest"))
    ap.add_argument("notebooks", nargs="*")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--strict", action="store_true", help="check: compare output text too")
    a = ap.parse_args(argv)
    if not os.environ.get("SPERT_DATA"):
        print("nb_outputs: warning: SPERT_DATA is not set; the stored outputs are those of a run with CoNLL04")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")   # two notebook processes on few cores: no busy-waiting
    if a.mode == "selftest": return _selftest()
    paths = _notebooks(a.notebooks)
    results = _run_all(paths, a.workers)
    subs = _placeholders()
    failed = []
    for p, (outs, err) in results.items():
        if err is not None:
            print(f"{p.name}: FAILED to run\n{err}"); failed.append(p); continue
        nb = json.loads(p.read_text(encoding="utf-8"))
        fresh = {cid: _clean_outputs(o, subs) for cid, o in outs.items()}
        if a.mode == "run":
            for cell in nb["cells"]:
                if cell["cell_type"] == "code":
                    cell["outputs"], cell["execution_count"] = fresh.get(cell.get("id"), []), None
            p.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            subprocess.run(["nbdev_clean", "--fname", str(p)], check=True)   # the layout nbdev_clean keeps
            n = sum(bool(c.get("outputs")) for c in nb["cells"] if c["cell_type"] == "code")
            print(f"{p.name}: stored the outputs of {n} cells")
        else:
            problems = compare(nb, fresh, a.strict)
            for q in problems: print(f"{p.name}: {q}")
            if problems: failed.append(p)
            else: print(f"{p.name}: outputs stored and current")
    print(f"{len(paths) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def _selftest() -> int:
    "A stripped copy of a notebook must fail `check`, and the notebook itself must pass."
    src = ROOT / "nbs" / "02_spans.ipynb"
    copy = src.with_name("_stripped_selftest.ipynb")
    nb = json.loads(src.read_text(encoding="utf-8"))
    for c in nb["cells"]:
        if c["cell_type"] == "code": c["outputs"] = []
    copy.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    try:
        results = _run_all([src, copy], 2)
    finally:
        copy.unlink()
    subs = _placeholders()
    verdict = {}
    for p, (outs, err) in results.items():
        if err is not None: print(f"{p.name}: FAILED to run\n{err}"); return 1
        fresh = {cid: _clean_outputs(o, subs) for cid, o in outs.items()}
        stored = nb if p == copy else json.loads(src.read_text(encoding="utf-8"))
        verdict[p.name] = compare(stored, fresh)
    ok = bool(verdict[copy.name]) and not verdict[src.name]
    print(f"selftest: the stripped copy of {src.name} fails the check with {len(verdict[copy.name])} problems "
          f"(first: {verdict[copy.name][:1]}); the notebook itself has {len(verdict[src.name])}: "
          + ("as it should" if ok else "WRONG"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
