"""Place names in English questions matched through pinyin (retrieval/romanized.py)."""

from corpusqa.retrieval.romanized import names_match, pinyin_forms, question_names


def test_question_names_are_the_capitalised_words_and_runs():
    names = question_names("How many party education bases has Tongliao built in Inner Mongolia?")
    assert {"tongliao", "inner", "mongolia", "innermongolia"} <= names
    assert "how" not in names  # under MIN_LETTERS
    assert question_names("全区建成了多少个党群服务中心？") == frozenset()
    assert question_names("what about li?") == frozenset()


def test_pinyin_forms_drop_the_administrative_suffix():
    assert pinyin_forms("通辽市") == {"tongliaoshi", "tongliao"}
    assert "baotou" in pinyin_forms("包头")
    assert "xinganmeng" in pinyin_forms("兴安盟") and "xingan" in pinyin_forms("兴安盟")
    assert pinyin_forms("区") == frozenset()


def test_names_match_pinyin_and_the_english_names_of_the_table():
    assert names_match(question_names("What did Tongliao build?"), ["通辽市", "赤峰"])
    # not pinyin: the exonym table (data/exonyms.txt)
    assert names_match(question_names("What did Hohhot build?"), ["呼和浩特市"])
    assert names_match(question_names("How many lectures were given in Hinggan League?"), ["兴安盟"])
    assert names_match(question_names("Who is the volunteer from Horqin Left Rear Banner?"), ["科左后旗"])
    assert names_match(question_names("What did Inner Mongolia build?"), ["内蒙古自治区"])
    assert names_match(question_names("Where is Oroqen Banner?"), ["鄂伦春自治旗"])
    assert not names_match(question_names("What did Hohhot build?"), ["包头市", "通辽"])
    assert not names_match(question_names("What did Warsaw build?"), ["华沙"])  # in neither


def test_every_stretch_of_a_name_run_is_a_name():
    names = question_names("From Horqin Left Rear Banner?")
    assert {"horqinleftrear", "horqinleftrearbanner", "fromhorqinleftrear", "horqin"} <= names
    assert "xilinhot" in question_names("what happened in Xilinhot City?")


def test_every_line_of_the_exonym_table_is_well_formed():
    from corpusqa.retrieval import romanized

    table = romanized.load_exonyms()
    assert len(table) > 50 and all(table.values())
    for place, names in table.items():
        assert place and all("\u4e00" <= ch <= "\u9fff" for ch in place), place
        assert all(n.isascii() and n.isalpha() and n.islower() and len(n) >= romanized.MIN_LETTERS for n in names), place


def test_the_shipped_pinyin_table_is_what_the_script_writes():
    """Regenerated with pypinyin (a dev dependency): the product never imports it."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "pinyin-table.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_matching_does_not_import_pypinyin():
    import subprocess
    import sys

    code = ("import sys; from corpusqa.retrieval.romanized import pinyin_forms; "
            "assert 'tongliao' in pinyin_forms('通辽市'); assert 'pypinyin' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_newsroom_adds_its_own_english_names_and_bad_files_say_so(tmp_path):
    import pytest

    from corpusqa.errors import InputError
    from corpusqa.retrieval.romanized import load_exonyms

    extra = tmp_path / "places.txt"
    extra.write_text("# ours\n华沙\tWarsaw, Warszawa\n呼和浩特\tQingcheng\n", encoding="utf-8")
    table = load_exonyms(extra)
    names = question_names("What did Warsaw build?")
    assert names_match(names, ["华沙"], table) and not names_match(names, ["华沙"])
    assert names_match(question_names("What did Hohhot build?"), ["呼和浩特市"], table)  # bundled kept
    assert names_match(question_names("What did Qingcheng build?"), ["呼和浩特市"], table)
    extra.write_text("华沙 Warsaw\n", encoding="utf-8")  # no tab: an edit is read again, and refused
    with pytest.raises(InputError) as bad:
        load_exonyms(extra)
    assert "line 1" in str(bad.value) and "CORPUSQA_EXONYMS" in str(bad.value)
    with pytest.raises(InputError):
        load_exonyms(tmp_path / "missing.txt")


def test_the_exonym_file_comes_from_the_environment(tmp_path):
    from corpusqa.settings import Settings

    assert Settings.from_env({"CORPUSQA_EXONYMS": str(tmp_path / "p.txt")}).exonyms == tmp_path / "p.txt"
    assert Settings.from_env({}).exonyms is None
