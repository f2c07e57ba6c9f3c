import numpy as np

from corpusqa.retrieval.filters import Filters, allowed_rows

META = {
    "a": {"date": "2022-06-28", "source": "x.txt", "title": "支线供水工程开工", "section": "要闻"},
    "b": {"date": None, "source": "y.txt", "title": "那达慕", "section": None},
}


def test_from_mapping_ignores_empty_values():
    assert Filters.from_mapping(None) is None
    assert Filters.from_mapping({"date_from": "", "sources": []}) is None
    f = Filters.from_mapping({"source": "x.txt, y.txt", "title": "工程"})
    assert f.sources == ("x.txt", "y.txt") and f.title_contains == "工程"


def test_date_range_excludes_undated_articles():
    f = Filters(date_from="2022-01-01", date_to="2022-12-31")
    assert f.matches(META["a"]) and not f.matches(META["b"])
    assert not Filters(date_to="2022-06-27").matches(META["a"])


def test_allowed_rows():
    rows = allowed_rows(["a", "b", "a"], META, Filters(sources=("x.txt",)))
    assert rows.tolist() == [0, 2]
    assert allowed_rows(["a"], META, None) is None
    assert allowed_rows(["a"], META, Filters(section_contains="体育")).tolist() == []
    assert isinstance(allowed_rows(["a"], META, Filters(title_contains="工程")), np.ndarray)
