"""A run's final AP: read back from its metrics.json, and shown as one line."""

import json


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


def task_ap(results):
    """{"bbox": AP, "segm": AP} from detectron2 evaluation results of one dataset."""
    return {task: results[task]["AP"] for task in ("bbox", "segm") if task in results}


def final_ap_line(ap, label):
    """One line such as ``demo: bbox AP 55.2 segm AP 51.0`` from {"bbox": AP, "segm": AP}."""
    return f"{label}: " + " ".join(f"{t} AP {ap[t]:.1f}" for t in ("bbox", "segm") if t in ap)
