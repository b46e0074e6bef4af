from wangge.people import selectors


def test_world(people):
    assert people.resident_a.area == people.micro_a
    assert list(selectors.resident_search(people.worker_a, q="张")) == [people.resident_a]
