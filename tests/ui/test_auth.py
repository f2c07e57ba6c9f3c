"""Optional login: credentials from CORPUSQA_AUTH or a file."""

import pytest

from corpusqa.errors import InputError
from corpusqa.ui.auth import is_local, load_credentials, make_checker, parse_credentials


def test_env_credentials_and_constant_time_checker():
    check = make_checker(load_credentials({"CORPUSQA_AUTH": "editor:s3cret:with:colons, admin:pw"}))
    assert check("editor", "s3cret:with:colons") and check("admin", "pw")
    assert not check("editor", "wrong") and not check("nobody", "pw") and not check("", "")


def test_no_credentials_means_no_login():
    assert make_checker(load_credentials({})) is None


def test_file_credentials_with_comments(tmp_path):
    f = tmp_path / "auth.txt"
    f.write_text("# newsroom\n编辑:密码一\n\nchief:pw2\n", encoding="utf-8")
    f.chmod(0o600)
    creds = load_credentials({"CORPUSQA_AUTH": "chief:old"}, f)
    assert creds == {"编辑": "密码一", "chief": "pw2"}  # the file wins


@pytest.mark.parametrize("spec", ["nopassword", ":pw", "user:"])
def test_malformed_entries_are_refused(spec):
    with pytest.raises(InputError) as e:
        parse_credentials(spec, "CORPUSQA_AUTH")
    assert "用户名:密码" in e.value.message("zh")


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(InputError):
        load_credentials({"CORPUSQA_AUTH_FILE": str(tmp_path / "none.txt")})


def test_is_local():
    assert is_local("127.0.0.1") and is_local("localhost")
    assert not is_local("0.0.0.0")
