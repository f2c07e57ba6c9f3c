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
    # refusing the unanswerable 0.75 and the wrong 0.7 answer: utility (2 - 0) / 3
    conf = [0.9, 0.75, 0.7]
    answerable = [True, False, True]
    contained = [True, False, False]
    r = best_threshold(conf, answerable, contained)
    assert r["threshold"] == pytest.approx(0.825)
    assert r["accuracy"] == pytest.approx(2 / 3)
    assert r["utility"] == pytest.approx(2 / 3)


def test_penalty_zero_prefers_answering():
    # without a penalty, answering a likely-wrong question costs nothing
    conf = [0.9, 0.6, 0.5]
    answerable = [True, True, False]
    contained = [True, False, False]
    assert best_threshold(conf, answerable, contained, wrong_penalty=0.0)["threshold"] == 0.55
    # with the default penalty, the wrong 0.6 answer is refused too
    assert best_threshold(conf, answerable, contained)["threshold"] == pytest.approx(0.75)


def test_all_answerable_keeps_threshold_zero():
    r = best_threshold([0.1, 0.2], [True, True], [True, True])
    assert r["threshold"] == 0.0
    assert r["accuracy"] == 1.0


def test_bad_input():
    with pytest.raises(ValueError):
        best_threshold([], [], [])
    with pytest.raises(ValueError):
        best_threshold([0.1], [True, False], [True])
