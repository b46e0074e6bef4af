import pytest

from tests.people.factories import ID_A, PHONE_A
from wangge.people import crypto, pii, rotation
from wangge.people.models import Resident
from wangge.people.residents import selectors, services


def test_round_trip_and_authentication(tmp_path):
    ring = crypto.ring_from_file(tmp_path / "k")
    token = ring.encrypt(ID_A, "resident.id_number")
    assert ID_A not in token
    assert token.startswith(ring.current.kid + ":")
    assert ring.decrypt(token, "resident.id_number") == ID_A
    # Bound to its field: the same ciphertext does not open as a phone.
    with pytest.raises(crypto.KeyError_):
        ring.decrypt(token, "phone")
    # A flipped byte does not authenticate.
    kid, body = token.split(":")
    raw = bytearray(__import__("base64").b64decode(body))
    raw[-1] ^= 1
    forged = kid + ":" + __import__("base64").b64encode(bytes(raw)).decode()
    with pytest.raises(crypto.KeyError_):
        ring.decrypt(forged, "resident.id_number")


def test_same_value_encrypts_differently_but_indexes_equal(tmp_path):
    ring = crypto.ring_from_file(tmp_path / "k")
    assert ring.encrypt(PHONE_A, "phone") != ring.encrypt(PHONE_A, "phone")
    assert ring.blind_index(PHONE_A, "phone") == ring.blind_index(PHONE_A, "phone")
    assert ring.blind_index(PHONE_A, "phone") != ring.blind_index(PHONE_A, "other")


def test_key_from_environment(monkeypatch):
    key = crypto.new_key_line("env1").split(" ")[1]
    monkeypatch.setenv("WANGGE_PII_KEY", f"env1:{key}")
    ring = crypto.get_ring()
    assert ring.current.kid == "env1"
    assert ring.encrypt("x", "c").startswith("env1:")
    monkeypatch.setenv("WANGGE_PII_KEY", "nonsense")
    with pytest.raises(crypto.KeyError_):
        crypto.get_ring()


def test_rotation_re_encrypts_everything_and_search_keeps_working(people, settings):
    old_kid = crypto.get_ring().current.kid
    before = Resident.objects.get(pk=people.resident_a.pk)
    new_kid = crypto.add_key_to_file()
    assert crypto.get_ring().current.kid == new_kid
    # Mid-rotation (old rows under the old key), exact search still finds them.
    assert list(selectors.resident_search(people.admin, id_number=ID_A)) == [before]
    assert rotation.stale_count() == 4  # 2 IDs + 2 phones
    counts = rotation.rotate()
    assert counts["people.Resident.id_number"] == 2
    assert rotation.stale_count() == 0
    after = Resident.objects.get(pk=people.resident_a.pk)
    assert after.id_number_enc.startswith(new_kid + ":")
    assert after.id_number_index != before.id_number_index
    crypto.drop_old_keys_from_file(new_kid)
    assert old_kid not in settings.WANGGE_PII_KEY_FILE.read_text()
    assert services.reveal(actor=people.admin, resident=after, reason="核对身份") == {
        "id_number": ID_A,
        "phone": PHONE_A,
    }
    assert list(selectors.resident_search(people.admin, id_number=ID_A)) == [after]
    assert list(selectors.resident_search(people.admin, phone=PHONE_A)) == [after]
    # A second run has nothing left to do.
    assert set(rotation.rotate().values()) == {0}
    assert pii.open_sealed(after, "phone", pii.PHONE_CONTEXT) == PHONE_A
