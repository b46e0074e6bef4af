"""`wangge channels …`: list, create, keys and secrets, cameras."""

import pytest

from tests.intake.conftest import INSIDE, OUTSIDE, Intake
from wangge import cli
from wangge.intake import services
from wangge.intake.models import Camera, Channel

pytestmark = pytest.mark.django_db


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_create_list_key_and_secret(intake: Intake, capsys):
    code, _out, _err = run(
        capsys,
        "channels",
        "create",
        "city_ops",
        "城运中心",
        "--skips-acceptance",
        "--default-category",
        "0102",
        "--webhook-url",
        "https://ops.example/hook",
    )
    assert code == 0
    channel = Channel.objects.get(code="city_ops")
    assert channel.skips_acceptance and channel.default_category.code == "0102"
    code, out, _err = run(capsys, "channels", "list")
    assert code == 0 and "city_ops" in out and "hotline" in out
    code, out, _err = run(capsys, "channels", "key", "city_ops")
    key = out.strip().splitlines()[-1]
    assert code == 0 and services.channel_for_key(key) == channel
    code, out, _err = run(capsys, "channels", "secret", "city_ops")
    channel.refresh_from_db()
    assert code == 0 and out.strip().splitlines()[-1] == channel.secret


def test_refusals(intake: Intake, capsys):
    assert run(capsys, "channels", "create", "hotline", "又一个")[0] == 1  # exists
    assert run(capsys, "channels", "create", "bad code!", "x")[0] == 1
    assert run(capsys, "channels", "create", "x", "y", "--default-category", "zz")[0] == 1
    assert run(capsys, "channels", "key", "nope")[0] == 1


def test_cameras_are_registered_and_moved(intake: Intake, capsys):
    code, _out, _err = run(
        capsys, "channels", "camera", "video", "CAM-9", "路口", *map(str, INSIDE)
    )
    assert code == 0 and Camera.objects.get(camera_id="CAM-9").area.code == "330103001001001001"
    code, _out, err = run(
        capsys, "channels", "camera", "video", "CAM-9", "外滩", *map(str, OUTSIDE)
    )
    assert code == 1 and err
    assert Camera.objects.get(camera_id="CAM-9").name == "路口"
