#!/usr/bin/env bash
# Creates the Python environment of the external-optimizer clients: a venv at .venv in the project root with
# numpy, scipy, optax (which brings jax and jaxlib), cma (pycma), jaxopt and optimistix (for the examples that
# drive them), and the client library itself
# (`pip install clients/python`, so that `import optzoo_client` works from anywhere). Idempotent: a second run
# only checks the imports.
#
#   scripts/setup-python.sh            # numpy, scipy, optax
#   scripts/setup-python.sh --torch    # also torch (optional, for clients/python/torch_optim.py; a large download)
#
# PYTHON selects the interpreter that creates the venv (default python3, 3.9 or newer). The last line printed
# is the venv's python, e.g. for `command = [".../.venv/bin/python", "clients/python/scipy_minimize.py", ...]`,
# or activate the venv (`. .venv/bin/activate`) so that `python3` in a config's command finds the packages.
set -euo pipefail
cd "$(dirname "$0")/.."

torch=0
for arg in "$@"; do
    case "$arg" in
        --torch) torch=1 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "setup-python.sh: unknown argument '$arg' (known: --torch)" >&2; exit 2 ;;
    esac
done

root=$PWD
venv=.venv
py="$venv/bin/python"
if [ ! -x "$py" ]; then
    echo "== creating $venv"
    "${PYTHON:-python3}" -m venv "$venv"
fi

pip_install() {
    "$py" -m pip install --quiet --disable-pip-version-check "$@"
}

if "$py" -c "import numpy, scipy, optax, jax, cma, jaxopt, optimistix" 2>/dev/null; then
    echo "== numpy, scipy, optax, cma, jaxopt, optimistix: already installed"
else
    echo "== installing numpy, scipy, optax (jax, jaxlib), cma, jaxopt, optimistix, as pinned in clients/python/requirements.txt"
    pip_install -r clients/python/requirements.txt
fi
installed=$(cd / && "$root/$py" -c "import optzoo_client; print(optzoo_client.__file__)" 2>/dev/null || true)
if [ -n "$installed" ] && cmp -s clients/python/optzoo_client.py "$installed"; then
    echo "== optzoo_client: installed and current"
else
    echo "== installing the client library (pip install clients/python)"
    pip_install --force-reinstall --no-deps ./clients/python
fi

if [ "$torch" = 1 ]; then
    if "$py" -c "import torch" 2>/dev/null; then
        echo "== torch: already installed"
    else
        echo "== installing torch (large)"
        pip_install torch
    fi
fi

PYTHONWARNINGS=ignore "$py" - <<'PY'
import importlib
import importlib.metadata
for name in ("numpy", "scipy", "jax", "optax", "cma", "jaxopt", "optimistix", "optzoo_client", "torch"):
    try:
        m = importlib.import_module(name)
        if name == "optzoo_client":
            version = f"protocol version {m.VERSION}"
        else:
            version = getattr(m, "__version__", None) or importlib.metadata.version(name)
        print(f"   {name} {version}")
    except ImportError:
        if name != "torch":
            raise
PY
echo "$(cd "$(dirname "$py")" && pwd)/$(basename "$py")"
