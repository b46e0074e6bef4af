"""`wangge train` on the command line, the evaluation on the real 泰迪杯 messages, and the
demo's letters built from them."""

from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.conftest import shared_data
from wangge import cli
from wangge.dev import events as demo
from wangge.events.models import BuiltinChannel, Event, OrderRole, Status
from wangge.suggest import tipdm
from wangge.suggest.models import SuggestionModel

pytestmark = pytest.mark.django_db
TIPDM = "cn_messages_tipdm2020c"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_wangge_train_adds_a_version(trained, capsys):
    code, out, _err = run(capsys, "train")
    assert code == 0
    assert "v2" in out and "scikit-learn" in out
    assert SuggestionModel.objects.filter(version=2, category_samples=18).exists()


def test_wangge_train_with_too_little_history_fails_and_keeps_the_model(trained, capsys, settings):
    settings.WANGGE_SUGGEST_MIN_SAMPLES = 1000
    code, _out, err = run(capsys, "train")
    assert code == 1 and "1000" in err
    assert list(SuggestionModel.objects.values_list("version", flat=True)) == [1]


def test_departments_named_in_replies():
    assert tipdm.department_in_reply("您反映的问题已转县人社局核查、办复") == "人社"
    assert tipdm.department_in_reply("交由J5县交通运输局办理，经区住建局核实") == "交通运输"
    assert tipdm.department_in_reply("经A5区规划分局核查") == "自然资源规划"
    assert tipdm.department_in_reply("市交警支队已安排警力") == "交警"
    assert tipdm.department_in_reply("感谢您的留言") == ""


def test_evaluation_on_the_real_messages_is_sane():
    folder = shared_data(TIPDM)
    result = tipdm.evaluate(folder, limit=250, departments=False)
    assert result.category_classes == 7 and result.categories.samples == 250
    assert result.categories.top1 > 0.7
    assert result.categories.top3 > result.categories.top1


def test_replies_give_departments_to_learn():
    replied = tipdm.with_departments(shared_data(TIPDM))
    counts = Counter(m.label for m in replied)
    assert len(replied) > 500 and len(counts) >= 5
    assert min(counts.values()) >= 20 and all(m.full_text for m in replied)


def test_wangge_train_evaluates_on_the_tipdm_folder(capsys):
    folder = shared_data(TIPDM)
    code, out, _err = run(capsys, "train", "--evaluate-tipdm", str(folder), "--limit", "150")
    assert code == 0
    assert out.count("top-1") == 2 and "150" in out
    code, _out, err = run(capsys, "train", "--evaluate-tipdm", "/nonexistent")
    assert code == 2 and "/nonexistent" in err


def test_demo_letters_come_from_the_messages_and_run_through_the_workflow(trained):
    folder = shared_data(TIPDM)
    demo.build_departments("!")
    # The demo's ninety days of history start after the world's posts (made today) do.
    with time_machine.travel(timezone.now() + timedelta(days=95), tick=True):
        assert demo.build_message_events(folder, count=30) == 30
    letters = Event.objects.filter(channel=BuiltinChannel.MAYOR_LETTER)
    titles = {m.title[:200] for m in tipdm.labelled(folder)}
    assert letters.count() == 30 and all(e.title in titles for e in letters)
    assert len({e.area_id for e in letters}) > 10 and all(e.area.level == 5 for e in letters)
    assert len({e.reported_at.date() for e in letters}) > 15  # spread over the months
    statuses = Counter(letters.values_list("status", flat=True))
    assert statuses[Status.CLOSED] >= 15 and len(statuses) >= 3, statuses
    for event in letters.filter(status=Status.CLOSED):
        lead = event.orders.get(role=OrderRole.LEAD).department.code
        assert lead in {d for _c, d in demo.TIPDM_CLASSES.values()}
    # The same demo each time: loading again adds nothing (client keys).
    assert demo.build_message_events(folder, count=30) == 30
    assert letters.count() == 30
