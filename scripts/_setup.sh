# Shared by demo.sh and test.sh: a virtualenv with the pinned requirements. Sourced, not run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> 创建虚拟环境 .venv"
  "$PYTHON" -m venv .venv
fi
echo "==> 安装依赖（requirements.txt）"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
export PATH="$PWD/.venv/bin:$PATH"
