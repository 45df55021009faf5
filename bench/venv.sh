# Sourced by the benchmark runners (from the repository root): the Python
# peers' virtual environment (pandas, numpy, onnxruntime, statsmodels).
[ -x bench/.venv/bin/python ] || python3 -m venv bench/.venv
bench/.venv/bin/pip install -q -r bench/requirements.txt
export ANIMOV_BENCH_PYTHON=$PWD/bench/.venv/bin/python
