#!/usr/bin/env bash
# Builds the operator's runtime virtualenv: the operator wheel WITHOUT the SageMaker
# emulator, plus only the runtime dependencies, pinned by scripts/runtime-requirements.txt.
# No pip, no build tools, no test or dev packages end up in it. The Dockerfile runs this
# script, and tests/packaging/test_runtime_venv.py runs it too, so what the image contains
# is tested without a container engine.
#
# Usage: scripts/build-runtime-venv.sh STEP VENV_DIR [SOURCE_DIR]
#   STEP deps  create VENV_DIR and install the pinned runtime dependencies
#        app   build the wheel from SOURCE_DIR, drop the emulator, install it, verify
#        all   both
# Environment: PYTHON (default python3), the interpreter the venv is based on; it needs
# pip >= 22.3 (for --python). PIP_* variables (cache, index) are honoured.
set -euo pipefail

usage() { sed -n '2,15p' "$0" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
step=$1
venv=$2
src=$(cd "${3:-$(dirname "$0")/..}" && pwd)
python=${PYTHON:-python3}
scripts="$src/scripts"
[[ -f "$scripts/runtime-requirements.txt" ]] || scripts=$(cd "$(dirname "$0")" && pwd)

# The venv has no pip of its own: the builder's pip installs into it with --python.
pip_into_venv() {
  "$python" -m pip --disable-pip-version-check --python "$venv/bin/python" "$@"
}

deps() {
  echo "==> Creating $venv (no pip inside) with the pinned runtime dependencies"
  "$python" -m venv --without-pip "$venv"
  # Wheels only: the slim runtime image has no compiler, and a wheel is what was locked.
  pip_into_venv install --no-deps --only-binary=:all: --requirement "$scripts/runtime-requirements.txt"
}

app() {
  local work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  echo "==> Building the wheel from $src"
  "$python" -m pip --disable-pip-version-check wheel --quiet --no-deps --wheel-dir "$work/dist" "$src"
  echo "==> Removing the SageMaker emulator from the wheel"
  local slim_wheel
  slim_wheel=$("$python" "$scripts/slim_wheel.py" "$work"/dist/model_deployment_operator-*.whl "$work/slim")
  echo "==> Installing $(basename "$slim_wheel")"
  # --no-deps: every dependency is already pinned in; `pip check` proves nothing is missing.
  pip_into_venv install --no-deps --no-index "$slim_wheel"
  pip_into_venv check
  # The image runs with PYTHONOPTIMIZE=2 (no docstrings in memory: 12 MiB less resident);
  # its bytecode is compiled here, since the running operator can write none.
  echo "==> Compiling the venv's bytecode for PYTHONOPTIMIZE=2"
  "$venv/bin/python" -OO -m compileall -q -j 0 "$venv/lib" >/dev/null
  verify
}

verify() {
  echo "==> Verifying the runtime venv"
  if [[ -e "$venv/bin/sagemaker-emulator" ]]; then
    echo "error: the sagemaker-emulator console script is in $venv" >&2; exit 1
  fi
  "$venv/bin/python" - <<'PY'
import importlib.util
import sys

absent = ["sagemaker_emulator", "moto", "werkzeug", "pytest", "mypy", "ruff", "hypothesis",
          "lupa", "pip", "setuptools", "hatchling", "awscli"]
present = ["model_deployment_operator.cli", "kopf", "boto3", "pydantic", "prometheus_client"]
unexpected = [name for name in absent if importlib.util.find_spec(name) is not None]
missing = [name for name in present if importlib.util.find_spec(name) is None]
if unexpected or missing:
    sys.exit(f"runtime venv is wrong: unexpected {unexpected}, missing {missing}")
PY
  "$venv/bin/model-deployment-operator" --version
  PYTHONOPTIMIZE=2 "$venv/bin/model-deployment-operator" --version >/dev/null
}

case "$step" in
  deps) deps ;;
  app) app ;;
  all) deps; app ;;
  *) usage ;;
esac
