"""projects/BatchSizeStudy/run_gpu.sh without a GPU: a stand-in Python plays tools/sweep.py.
The steps run side by side with run folders of their own, each finds the carried backbone
where MODEL.WEIGHTS points, a step past DEADLINE is stopped, and what finished comes back."""

import os
import pathlib
import stat
import subprocess
import tarfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "projects" / "BatchSizeStudy" / "run_gpu.sh"

# Records each call; a sweep checks its backbone, the doubled schedule outlasts the deadline.
FAKE_PYTHON = r"""#!/usr/bin/env bash
echo "$*" >> "$CALLS"
[ "$1" = -c ] && exit 0
case "$*" in *--report-only*) exit 0 ;; esac
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case ${args[i]} in
    --results-dir) res=${args[i+1]} ;;
    MODEL.WEIGHTS) weights=${args[i+1]//\{norm\}/GN} ;;
  esac
done
test -f "${weights//\{pretrain_seed\}/$DET_PRE_SEEDS}" || exit 1
case "$*" in *"--schedule-scale 2"*) echo $$ > "$SLOW_PID"; sleep 60 ;; esac
mkdir -p "$res"
echo "detection,GN,8,,,epochs,0,1200it,bbox_ap,80.0,1.0,,0,done," >> "$res/runs.csv"
"""


@pytest.mark.skipif(not SCRIPT.exists(), reason="run from a checkout")
def test_steps_run_apart_stop_at_the_deadline_and_come_back(tmp_path):
    python = tmp_path / "python"
    python.write_text(FAKE_PYTHON)
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    backbone = tmp_path / "backbone.pkl"
    backbone.write_bytes(b"weights")
    out = tmp_path / "out"
    env = dict(
        os.environ,
        PY=str(python),
        NORM="GN",
        DET_PRE_SEEDS="1",  # the carried backbone goes where that seed's MODEL.WEIGHTS points
        BACKBONE=str(backbone),
        DEADLINE="1",
        OUT=str(out),
        SCRATCH=str(tmp_path / "scratch"),
        RES=str(tmp_path / "res"),
        CALLS=str(tmp_path / "calls.txt"),
        SLOW_PID=str(tmp_path / "slow.pid"),
    )
    done = subprocess.run(
        ["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "1 done rows" in done.stdout
    sweeps = [c for c in (tmp_path / "calls.txt").read_text().splitlines() if "sweep.py" in c]
    outputs = {c.split("--output-dir ")[1].split()[0] for c in sweeps if "--output-dir" in c}
    assert len(outputs) == 2  # two sweeps in one folder would refuse each other
    slow = int((tmp_path / "slow.pid").read_text())
    with pytest.raises(ProcessLookupError):  # stopped at the deadline, not left running
        os.kill(slow, 0)
    with tarfile.open(out / "results.tgz") as tar:
        runs = tar.extractfile("./detection_finetune/runs.csv").read().decode()
    assert runs.count(",done,") == 1
