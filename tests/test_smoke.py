from lotse.validator import load


def test_mini_data_is_valid(mini_data):
    ds, problems = load(mini_data)
    assert [str(p) for p in problems] == []
    assert set(ds.leistungen) == {"analoge-leistung", "online-leistung"}
