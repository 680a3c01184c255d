"""A run's metrics read back from its metrics.json (final AP, every logged value), and the
final AP shown as one line."""

import json
import os


def read_final_metrics(metrics_json):
    """The last bbox/segm AP logged to a run's metrics.json, as {"bbox": AP, "segm": AP}."""
    final = {}
    with open(metrics_json) as f:
        for line in f:
            record = json.loads(line)
            for task in ("bbox", "segm"):
                if f"{task}/AP" in record:
                    final[task] = record[f"{task}/AP"]
    return final


def logged_values(metrics_json, keys, max_iter=0):
    """{key: {iterations done: value}} of the numbers logged under ``keys`` in a run's
    metrics.json (the learning curves): the last record of an iteration wins, as after a
    resume, and a line cut short by a kill is skipped. detectron2 logs an evaluation during
    training at the iteration index (done - 1), the final one at ``max_iter``."""
    values = {key: {} for key in keys}
    if not os.path.isfile(metrics_json):
        return values
    with open(metrics_json, errors="replace") as f:
        for line in f:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(record, dict) or not isinstance(record.get("iteration"), int):
                continue
            done = record["iteration"] + 1
            for key in keys:
                if isinstance(record.get(key), (int, float)):
                    values[key][min(done, max_iter) if max_iter else done] = float(record[key])
    return values


def task_ap(results):
    """{"bbox": AP, "segm": AP} from detectron2 evaluation results of one dataset."""
    return {task: results[task]["AP"] for task in ("bbox", "segm") if task in results}


def final_ap_line(ap, label):
    """One line such as ``demo: bbox AP 55.2 segm AP 51.0`` from {"bbox": AP, "segm": AP}."""
    return f"{label}: " + " ".join(f"{t} AP {ap[t]:.1f}" for t in ("bbox", "segm") if t in ap)
