"""Accuracy of the dispatch-suggestion models on the 泰迪杯 2020 C题 citizens' messages.

5-fold cross-validated top-1 and top-3 accuracy of the platform's own pipelines
(wangge.suggest.learn: character 1–2-gram TF-IDF of the title and of the whole text, its
vocabulary and IDF fitted also on the folder's other messages as unlabelled background,
calibrated linear SVM) for
  - the 7 first-level classes of attachment2 (495 labelled messages; aim: top-1 ≥ 0.85),
  - the handling department named in attachment4's official replies (text → department),
side by side with always guessing the most frequent classes (the floor), and the saved
baseline run. No database needed.

    .venv/bin/python benchmarks/suggest_eval.py [--data PATH] [--limit N] [--save-baseline]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from common import Metric, print_table

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from wangge.suggest import learn, tipdm  # noqa: E402

BASELINE = HERE / "baseline" / "suggest_eval.json"
DEFAULT_DATA = ROOT / ".." / "shared" / "data" / "cn_messages_tipdm2020c"


def floor(labels: list[str]) -> tuple[float, float]:
    """Top-1 and top-3 accuracy of always answering the most frequent classes."""
    counts = [n for _label, n in Counter(labels).most_common(learn.TOP_K)]
    return counts[0] / len(labels), sum(counts) / len(labels)


def measure(
    name: str, messages: list[tipdm.Message], background: list[tuple[str, str]]
) -> list[Metric]:
    texts, labels = learn.rows([m.row for m in messages]), [m.label for m in messages]
    started = time.process_time()
    scores = learn.cross_validate(learn.category_pipeline(background), texts, labels)
    cpu = time.process_time() - started
    top1_floor, top3_floor = floor(labels)
    note = f"{len(messages)} messages, {len(set(labels))} classes, {len(background)} unlabelled"
    return [
        Metric(f"{name} top-1", scores.top1, "share", note=note),
        Metric(f"{name} top-3", scores.top3, "share"),
        Metric(f"{name} top-1, most frequent class", top1_floor, "share"),
        Metric(f"{name} top-3, most frequent classes", top3_floor, "share"),
        Metric(f"{name} 5-fold CV CPU time", cpu, "s"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, help="at most this many messages of each set")
    parser.add_argument("--save-baseline", action="store_true", help=f"write {BASELINE}")
    args = parser.parse_args(argv)
    if not (args.data / tipdm.LABELLED_FILE).exists():
        print(f"{args.data}: no {tipdm.LABELLED_FILE}", file=sys.stderr)
        return 2
    classes = tipdm._spread(tipdm.labelled(args.data), args.limit)
    departments = tipdm._spread(tipdm.with_departments(args.data), args.limit)
    metrics = measure(
        "7 classes", classes, tipdm.background(args.data, classes, limit=args.limit)
    ) + measure(
        "department", departments, tipdm.background(args.data, departments, limit=args.limit)
    )
    baseline = json.loads(BASELINE.read_text())["metrics"] if BASELINE.exists() else {}
    print_table(metrics, baseline)
    print("department kinds:", dict(Counter(m.label for m in departments).most_common()))
    if args.save_baseline:
        BASELINE.write_text(
            json.dumps(
                {"metrics": {m.name: {"value": m.value, "unit": m.unit} for m in metrics}},
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
        print(f"saved baseline {BASELINE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
