import pytest

from corpusqa.eval.calibrate import best_threshold


def test_threshold_separates_answerable_from_unanswerable():
    conf = [0.9, 0.8, 0.3, 0.2]
    answerable = [True, True, False, False]
    contained = [True, True, False, False]
    r = best_threshold(conf, answerable, contained)
    assert 0.3 < r["threshold"] <= 0.8
    assert r["threshold"] == pytest.approx(0.55)  # midpoint between 0.3 and 0.8
    assert r["accuracy"] == 1.0
    assert r["abstention"]["f1"] == 1.0


def test_wrong_answers_are_better_refused():
    # a confident but wrong answer (0.7, not contained) costs the same as a refusal,
    # so the tie goes to the higher abstention F1, i.e. refusing the unanswerable 0.75 one.
    conf = [0.9, 0.75, 0.7]
    answerable = [True, False, True]
    contained = [True, False, False]
    r = best_threshold(conf, answerable, contained)
    assert r["threshold"] == pytest.approx(0.825)
    assert r["accuracy"] == pytest.approx(2 / 3)


def test_all_answerable_keeps_threshold_zero():
    r = best_threshold([0.1, 0.2], [True, True], [True, True])
    assert r["threshold"] == 0.0
    assert r["accuracy"] == 1.0


def test_bad_input():
    with pytest.raises(ValueError):
        best_threshold([], [], [])
    with pytest.raises(ValueError):
        best_threshold([0.1], [True, False], [True])
