"""Staff onboarding: the roster import, audited grants, and deactivation."""

import io

import pytest
from django.contrib.auth import get_user_model
from openpyxl import Workbook

from tests.cli import run
from tests.events.factories import make_world, report
from tests.factories import make_user, post
from tests.staff.rosters import GRID, HEADERS, ID, OTHER, ROWS, roster_csv
from wangge.accounts.models import AuditEntry, LoginProfile, Post
from wangge.events.models import Department
from wangge.staff import grants, roster
from wangge.staff.deactivate import user_deactivate


@pytest.fixture
def world(db):
    return make_world()


def _state() -> tuple:
    users = list(get_user_model().objects.order_by("pk").values_list("username", "first_name"))
    posts = list(Post.objects.order_by("pk").values_list("user_id", "area_id", "role", "ended_on"))
    handlers = sorted(
        (d.code, u)
        for d in Department.objects.all()
        for u in d.handlers.values_list("pk", flat=True)
    )
    return users, posts, handlers


def test_import_creates_accounts_posts_and_handlers_once(world):
    data = roster_csv(ROWS)
    audit_before = AuditEntry.objects.count()
    result = roster.import_roster(world.operator, data, "roster.csv")
    assert result.committed and not result.problems
    assert vars(result.counts["user"]) == vars(roster.Counts(created=2, unchanged=1))
    assert result.counts["post"].created == 3 and result.counts["handler"].created == 2
    zhang = get_user_model().objects.get(username="13800000001")
    assert zhang.first_name == "张三"
    assert sorted(zhang.posts.values_list("area__code", "role")) == [
        (GRID, "full_time"),
        (OTHER, "part_time"),
    ]
    assert world.city.handlers.filter(pk=zhang.pk).exists()
    li = get_user_model().objects.get(username="13900000002")
    assert world.market.handlers.filter(pk=li.pk).exists()
    # Generated passwords: usable once, then a forced change.
    assert dict(result.passwords).keys() == {"13800000001", "13900000002"}
    assert zhang.check_password(dict(result.passwords)["13800000001"])
    assert LoginProfile.objects.get(user=zhang).must_change_password
    actions = list(
        AuditEntry.objects.filter(seq__gt=audit_before)
        .order_by("seq")
        .values_list("action", "object_type")
    )
    assert actions.count(("grant", "post")) == 3
    assert actions.count(("grant", "department_handler")) == 2
    assert actions.count(("create", "user")) == 2
    assert actions[-1] == ("import", "staff_roster")
    # The ID number is checked but stored nowhere, not even in the audit log.
    assert not AuditEntry.objects.filter(detail__icontains=ID).exists()

    before, audit_count = _state(), AuditEntry.objects.count()
    again = roster.import_roster(world.operator, data, "roster.csv")
    assert again.committed and not again.passwords
    assert again.counts["post"].created == 0 and again.counts["handler"].created == 0
    assert _state() == before
    # Only the import itself is recorded the second time.
    assert AuditEntry.objects.count() == audit_count + 1


def test_xlsx_roster_with_an_account_column(world):
    wb = Workbook()
    ws = wb.active
    ws.append([*HEADERS, "账号"])
    ws.append(["王五", 13700000003, "", int(GRID), "网格长", "", "wangwu"])
    buf = io.BytesIO()
    wb.save(buf)
    result = roster.import_roster(world.operator, buf.getvalue(), "roster.xlsx")
    assert result.committed, result.problems
    user = get_user_model().objects.get(username="wangwu")
    assert list(user.posts.values_list("role", flat=True)) == ["grid_leader"]


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (["", "13800000009", "", GRID, "专职网格员", ""], "姓名"),
        (["赵六", "12345", "", GRID, "专职网格员", ""], "手机号"),
        (["赵六", "13800000009", "110105194912310021", GRID, "专职网格员", ""], "身份证号"),
        (["赵六", "13800000009", "", "999", "专职网格员", ""], "网格编码"),
        (["赵六", "13800000009", "", GRID, "校长", ""], "岗位"),
        (["赵六", "13800000009", "", GRID, "专职网格员", "nope"], "部门"),
        (["张三丰", "13800000001", "", GRID, "专职网格员", ""], "姓名"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_written(world, row, column):
    before, audit_count = _state(), AuditEntry.objects.count()
    result = roster.import_roster(world.operator, roster_csv([ROWS[0], row]), "roster.csv")
    assert not result.committed
    assert [(p.row, p.column) for p in result.problems] == [(3, column)]
    assert _state() == before and AuditEntry.objects.count() == audit_count


def test_an_area_outside_the_importers_scope_is_a_row_error(world):
    result = roster.import_roster(world.street_operator, roster_csv([ROWS[1]]), "roster.csv")
    assert [(p.row, p.column) for p in result.problems] == [(2, "网格编码")]
    assert not get_user_model().objects.filter(username="13800000001").exists()


def test_unreadable_file_and_wrong_headers(world):
    assert roster.import_roster(world.operator, b"\x00\x01", "x.xlsx").problems
    result = roster.import_roster(world.operator, roster_csv([["a"]], ["名字"]), "x.csv")
    assert not result.committed and result.problems[0].row == 1


def test_dry_run_counts_and_writes_nothing(world):
    before, audit_count = _state(), AuditEntry.objects.count()
    result = roster.import_roster(world.operator, roster_csv(ROWS), "roster.csv", dry_run=True)
    assert not result.committed and not result.passwords and not result.problems
    assert result.counts["user"].created == 2
    assert _state() == before and AuditEntry.objects.count() == audit_count


def test_cli_import_and_dry_run(world, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster_csv(ROWS))
    code, out, err = run(capsys, "staff", "import", str(path), "--dry-run")
    assert code == 0, err
    assert not get_user_model().objects.filter(username="13800000001").exists()
    secrets_file = tmp_path / "pw.csv"
    code, out, err = run(capsys, "staff", "import", str(path), "--passwords", str(secrets_file))
    assert code == 0, err
    assert get_user_model().objects.filter(username="13800000001").exists()
    assert "13800000001" in secrets_file.read_text(encoding="utf-8-sig")
    assert secrets_file.stat().st_mode & 0o077 == 0
    password = secrets_file.read_text(encoding="utf-8-sig").splitlines()[1].split(",")[1]
    assert password not in out + err  # never on the terminal
    bad = tmp_path / "bad.csv"
    bad.write_bytes(roster_csv([["赵六", "1", "", GRID, "专职网格员", ""]]))
    code, _out, err = run(capsys, "staff", "import", str(bad))
    assert code == 1 and "手机号" in err


def test_grants_are_audited_and_revoking_twice_is_a_no_op(world):
    user = make_user("grantee")
    p = grants.post_grant(actor=world.admin, user=user, area=world.micro, role="liaison")
    assert grants.post_grant(actor=world.admin, user=user, area=world.micro, role="liaison") == p
    grants.post_revoke(actor=world.admin, post=p)
    grants.post_revoke(actor=world.admin, post=p)
    assert grants.handler_grant(actor=world.admin, user=user, department=world.city)
    assert not grants.handler_grant(actor=world.admin, user=user, department=world.city)
    assert grants.handler_revoke(actor=world.admin, user=user, department=world.city)
    entries = AuditEntry.objects.filter(actor_id=world.admin.pk).order_by("seq")
    assert [(e.action, e.object_type) for e in entries] == [
        ("grant", "post"),
        ("revoke", "post"),
        ("grant", "department_handler"),
        ("revoke", "department_handler"),
    ]


def test_deactivate_ends_posts_sessions_and_lists_open_tasks(world, client):
    worker = make_user("leaver")
    post(worker, world.micro, role="liaison")
    world.city.handlers.set([worker])  # the only handler of 城管
    event = report(world)
    client.force_login(worker)
    assert client.get("/events/").status_code == 200
    tasks = user_deactivate(actor=world.admin, user=worker, reason="left the job")
    assert event in tasks.events
    assert not Post.objects.filter(user=worker, ended_on__isnull=True).exists()
    worker.refresh_from_db()
    assert not worker.is_active
    assert client.get("/events/").status_code == 302  # the session is gone
    entry = AuditEntry.objects.filter(action="deactivate").get()
    assert entry.reason == "left the job" and event.code in entry.detail["open"]["events"]
    # Someone else still holding the area: the event is not theirs alone.
    other = make_user("stayer")
    post(other, world.micro, role="liaison")
    post(worker, world.micro, role="liaison")
    assert event not in user_deactivate(actor=world.admin, user=worker).events


def test_cli_deactivate_lists_open_events(world, capsys):
    leaver = make_user("leaver2")
    post(leaver, world.micro, role="liaison")
    event = report(world)
    code, out, err = run(capsys, "staff", "deactivate", "leaver2", "--reason", "调离")
    assert code == 0, err
    assert event.code in out
    leaver.refresh_from_db()
    assert not leaver.is_active
