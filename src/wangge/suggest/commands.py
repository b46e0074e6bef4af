"""Subcommands of `wangge` for this app (no Django imports at module level)."""

import argparse
import sys
from pathlib import Path


def cmd_train(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    if args.evaluate_tipdm:
        return _evaluate(Path(args.evaluate_tipdm), args.limit)
    from wangge.errors import DomainError
    from wangge.suggest.services import train

    try:
        model = train(limit=args.limit)
    except DomainError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(
        _("Model v%(v)s trained in %(s).1f s (scikit-learn %(sk)s).")
        % {"v": model.version, "s": model.seconds, "sk": model.sklearn_version}
    )
    print(
        _("  category: %(n)s events, %(k)s categories, top-1 %(a)s, top-3 %(b)s")
        % {
            "n": model.category_samples,
            "k": model.category_classes,
            "a": _pct(model.category_accuracy),
            "b": _pct(model.category_top3),
        }
    )
    if model.department_blob:
        print(
            _("  department: %(n)s events, %(k)s departments, top-1 %(a)s, top-3 %(b)s")
            % {
                "n": model.department_samples,
                "k": model.department_classes,
                "a": _pct(model.department_accuracy),
                "b": _pct(model.department_top3),
            }
        )
    else:
        print(_("  department: too few dispatched events yet; routing rules apply."))
    return 0


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _evaluate(folder: Path, limit: int | None) -> int:
    from django.utils.translation import gettext as _

    from wangge.suggest import tipdm

    if not (folder / tipdm.LABELLED_FILE).is_file():
        print(_("No such file: %(file)s") % {"file": folder / tipdm.LABELLED_FILE}, file=sys.stderr)
        return 2
    result = tipdm.evaluate(folder, limit=limit, departments=(folder / tipdm.REPLIES_FILE).exists())
    scores = result.categories
    print(
        _("7 classes (attachment2): %(n)s messages, %(k)s classes, %(f)s-fold CV")
        % {"n": scores.samples, "k": result.category_classes, "f": scores.folds}
    )
    print(f"  top-1 {scores.top1:.3f}  top-3 {scores.top3:.3f}")
    if result.departments is not None:
        scores = result.departments
        print(
            _(
                "Department from text (attachment4): %(n)s messages, %(k)s departments, "
                "%(f)s-fold CV"
            )
            % {"n": scores.samples, "k": result.department_classes, "f": scores.folds}
        )
        print(f"  top-1 {scores.top1:.3f}  top-3 {scores.top3:.3f}")
    return 0


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    train = sub.add_parser(
        "train", help="learn dispatch suggestions from closed events (or evaluate on tipdm data)"
    )
    train.add_argument(
        "--limit", type=int, help="learn from at most this many of the latest events"
    )
    train.add_argument(
        "--evaluate-tipdm",
        metavar="PATH",
        help="instead: cross-validate on the 泰迪杯 messages folder and print the accuracy",
    )
    train.set_defaults(func=cmd_train)
