"""HTTPS, HSTS and the proxy header come from the environment, and the README's production settings pass
`check --deploy` (issue 9, point 19)."""

import re

import pytest

from tests.processes import PROJECT, Server, SubprocessDatabase, manage, process_env

README = PROJECT / "README.md"


def readme_production_settings() -> dict[str, str]:
    """The KEY=VALUE lines of the README's block that starts with `# production settings`."""
    block = re.search(r"```sh\n# production settings\n(.*?)```", README.read_text(), re.S)
    assert block, "README.md has no production settings block"
    values = {}
    for line in block.group(1).splitlines():
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"')
    return values


def test_the_readme_production_settings_pass_check_deploy():
    production = readme_production_settings()
    assert {"SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER"} <= production.keys()
    env = process_env("", **production)
    del env["SECURE_COOKIES"]  # the tests' servers speak plain HTTP; production keeps the secure default
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_development_defaults_are_reported_by_check_deploy(tmp_path):
    result = manage(process_env(f"sqlite:///{tmp_path / 'db.sqlite3'}"), "check", "--deploy", check=False)
    for warning in ("security.W004", "security.W008"):
        assert warning in result.stdout + result.stderr


@pytest.mark.django_db(transaction=True)
def test_https_redirect_hsts_and_the_proxy_header_follow_the_environment(tmp_path):
    production = readme_production_settings()
    https_settings = {key: value for key, value in production.items() if key.startswith("SECURE_")}
    with SubprocessDatabase(tmp_path) as database, Server(database.env(**https_settings)) as server:
        status, headers = server.headers("/tentang/")
        assert (status, headers["Location"]) == (301, f"https://127.0.0.1:{server.port}/tentang/")

        status, headers = server.headers("/tentang/", {"X-Forwarded-Proto": "https"})  # what the proxy adds
        assert status == 200
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert "default-src 'self'" in headers["Content-Security-Policy"]
