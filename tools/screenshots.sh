#!/usr/bin/env bash
# Screenshots for the notebooks, taken with headless Chromium (apt-get install chromium):
#   nbs/images/render_conll04.png        a CoNLL04 test sentence rendered by spert_nb.viz.render, gold vs predicted
#   nbs/images/walkthrough_jupyterlab.png nbs/12_walkthrough.ipynb, executed, open in JupyterLab
# Needs the CoNLL04 data ($SPERT_DATA, default ../shared/data) and the trained model runs/conll04-seed0.
# JupyterLab listens on 127.0.0.1 only, on a free port, with a random token, for at most LAB_SECONDS, and is stopped
# at the end (also on errors). Run from anywhere: tools/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
IMAGES=$ROOT/nbs/images
LAB_SECONDS=${LAB_SECONDS:-240}      # JupyterLab's whole lifetime
export SPERT_DATA=${SPERT_DATA:-$ROOT/../shared/data}
export SPERT_RUN=${SPERT_RUN:-$ROOT/runs/conll04-seed0}
command -v chromium >/dev/null || { echo "chromium not found: apt-get install -y chromium" >&2; exit 1; }
[ -f "$SPERT_RUN/config.json" ] || { echo "no trained model in $SPERT_RUN" >&2; exit 1; }
[ -d "$SPERT_DATA/conll04" ] || { echo "no CoNLL04 data in $SPERT_DATA/conll04" >&2; exit 1; }

TMP=$(mktemp -d)
LAB_PID=
cleanup() {
  if [ -n "$LAB_PID" ] && kill -0 "$LAB_PID" 2>/dev/null; then
    kill "$LAB_PID"; wait "$LAB_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
mkdir -p "$IMAGES"

# shot URL WIDTH,HEIGHT OUT.png [extra chromium flags]: one headless screenshot, then a palette PNG (small files)
shot() {
  local url=$1 size=$2 out=$3; shift 3
  timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-extensions \
    --user-data-dir="$TMP/chromium" --window-size="$size" --screenshot="$TMP/shot.png" "$@" "$url" 2>>"$TMP/chromium.log"
  python - "$TMP/shot.png" "$out" <<'EOF'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
im.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(sys.argv[2], optimize=True)
print(f"{sys.argv[2]}: {im.size[0]}x{im.size[1]}")
EOF
}

# 1. A rendered CoNLL04 test sentence: gold (left) vs the trained model's prediction (right), as a standalone page.
python - "$TMP/render.html" <<'EOF'
import os, sys
from spert_nb.data import dataset_paths, load_documents, load_types
from spert_nb.model import SpERT
from spert_nb.viz import render, save_html
paths = dataset_paths("conll04")
types = load_types(paths["types"])
doc = next(d for d in load_documents(paths["test"], types) if d.orig_id == 2481)
model = SpERT.from_pretrained(os.environ["SPERT_RUN"])
pred = model.predict_batch([doc.tokens])[0]
save_html(render(pred, doc, types, title="CoNLL04 test sentence (orig_id 2481): gold vs runs/conll04-seed0"),
          sys.argv[1], title="SpERT: gold vs predicted")
EOF
shot "file://$TMP/render.html" 1100,310 "$IMAGES/render_conll04.png"

# 2. The walkthrough, executed (so that its outputs show), open in JupyterLab.
mkdir -p "$TMP/lab" "$TMP/settings/@jupyterlab/apputils-extension" "$TMP/runtime"
jupyter nbconvert --to notebook --execute nbs/12_walkthrough.ipynb --output-dir "$TMP/lab" \
  --ExecutePreprocessor.timeout=300 2>>"$TMP/nbconvert.log"
#    Collapse the code inputs of this copy (JupyterLab shows "..." for them), so that one screen shows more pictures.
python - "$TMP/lab/12_walkthrough.ipynb" <<'EOF'
import sys, nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
for c in nb.cells:
    if c.cell_type == "code": c.metadata["jupyter"] = {"source_hidden": True}
nbformat.write(nb, sys.argv[1])
EOF
echo '{"fetchNews": "false", "checkForUpdates": false}' \
  > "$TMP/settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
PORT=$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
TOKEN=$(python -c 'import secrets; print(secrets.token_hex(16))')
JUPYTER_RUNTIME_DIR="$TMP/runtime" timeout "$LAB_SECONDS" jupyter lab --no-browser --allow-root \
  --ServerApp.ip=127.0.0.1 --ServerApp.port="$PORT" --ServerApp.port_retries=0 --IdentityProvider.token="$TOKEN" \
  --ServerApp.root_dir="$TMP/lab" --LabApp.user_settings_dir="$TMP/settings" --LabApp.workspaces_dir="$TMP/ws" \
  >"$TMP/lab.log" 2>&1 &
LAB_PID=$!
for _ in $(seq 60); do
  python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/api/status?token=$TOKEN', timeout=2)" \
    2>/dev/null && break
  kill -0 "$LAB_PID" 2>/dev/null || { cat "$TMP/lab.log" >&2; exit 1; }
  sleep 1
done
shot "http://127.0.0.1:$PORT/lab/tree/12_walkthrough.ipynb?token=$TOKEN" 1600,3000 "$IMAGES/walkthrough_jupyterlab.png" \
  --virtual-time-budget=25000 --force-device-scale-factor=0.8
ls -l "$IMAGES"
