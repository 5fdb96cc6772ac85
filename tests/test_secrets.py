"""Secrets are found by name, by folder and by content; --allow lets one through."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from jobdeps.bundler.secrets import CONTENT_LIMIT, check_secrets, find_secret, is_allowed

DASHES = "-" * 5  # so that this test file is not itself a private-key block


def _fake_key(kind: str = "RSA ") -> str:
    body = base64.b64encode(os.urandom(300)).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (
        "\n".join(
            [
                f"{DASHES}BEGIN {kind}PRIVATE KEY{DASHES}",
                *lines,
                f"{DASHES}END {kind}PRIVATE KEY{DASHES}",
            ]
        )
        + "\n"
    )


def _file(tmp_path: Path, rel: str, content: str | bytes = "x = 1\n") -> Path:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


@pytest.mark.parametrize(
    ("rel", "reason"),
    [
        (".env", "dotenv file"),
        ("deploy/.env.production", "dotenv file"),
        (".env.local", "dotenv file"),
        ("certs/server.pem", "PEM key or certificate file"),
        ("tls.KEY", "private key file"),
        ("id_rsa", "SSH private key"),
        ("keys/id_ed25519", "SSH private key"),
        ("id_ecdsa_work", "SSH private key"),
        (".netrc", "netrc credentials"),
        (".pypirc", "PyPI credentials"),
        ("credentials.json", "credentials JSON file"),
        ("gcp/credentials-prod.json", "credentials JSON file"),
        ("my-service-account.json", "service account key JSON file"),
        ("Service_Account_key.json", "service account key JSON file"),
        ("client_secret_123.apps.json", "OAuth client secret JSON file"),
        (".aws/config", "file under .aws/"),
        ("home/.ssh/known_hosts", "file under .ssh/"),
        (".config/yandex-cloud/config.yaml", "Yandex Cloud CLI profile"),
    ],
)
def test_secret_names(tmp_path: Path, rel: str, reason: str) -> None:
    assert find_secret(rel, _file(tmp_path, rel)) == reason


@pytest.mark.parametrize(
    "rel",
    [
        "main.py",
        ".env.example",
        ".env.sample",
        ".env.template",
        "id_rsa.pub",
        "keys/id_ed25519.pub",
        "config.json",
        "keyboard.py",
        "environment.yml",
        "monkey.json",
        "aws/helpers.py",
    ],
)
def test_ordinary_files_pass(tmp_path: Path, rel: str) -> None:
    assert find_secret(rel, _file(tmp_path, rel, '{"a": 1}\n')) is None


@pytest.mark.parametrize("kind", ["RSA ", "", "OPENSSH ", "EC ", "ENCRYPTED "])
def test_private_key_block_in_any_file(tmp_path: Path, kind: str) -> None:
    path = _file(tmp_path, "notes/deploy.txt", "how to log in:\n" + _fake_key(kind))
    assert find_secret("notes/deploy.txt", path) == "private key block"


def test_private_key_block_inside_binary_data(tmp_path: Path) -> None:
    blob = os.urandom(4096) + _fake_key().encode() + b"\x00\xff" * 100
    assert find_secret("model.bin", _file(tmp_path, "model.bin", blob)) == "private key block"


def test_key_header_in_code_without_a_key_is_not_a_secret(tmp_path: Path) -> None:
    code = (
        f'HEADER = "{DASHES}BEGIN RSA PRIVATE KEY{DASHES}"\n'
        "\n"
        "def is_key(text):\n"
        "    return HEADER in text\n"
    )
    assert find_secret("pem_utils.py", _file(tmp_path, "pem_utils.py", code)) is None


def test_only_the_first_mib_is_read(tmp_path: Path) -> None:
    path = _file(tmp_path, "big.txt", "a" * CONTENT_LIMIT + _fake_key())
    assert find_secret("big.txt", path) is None


def test_env_template_holding_a_key_is_still_caught(tmp_path: Path) -> None:
    path = _file(tmp_path, ".env.example", "KEY=" + _fake_key())
    assert find_secret(".env.example", path) == "private key block"


def test_service_account_json_by_content(tmp_path: Path) -> None:
    gcp = {
        "type": "service_account",
        "project_id": "p",
        "private_key_id": "abc",
        "private_key": "not really a key, but present",
    }
    path = _file(tmp_path, "conf/gcp.json", json.dumps(gcp))
    assert find_secret("conf/gcp.json", path) == "credentials JSON with a private_key"


def test_yandex_cloud_authorized_key_json(tmp_path: Path) -> None:
    key = {
        "id": "aje0000000000000000",
        "service_account_id": "aje1111111111111111",
        "key_algorithm": "RSA_2048",
        "private_key": "PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <x>\n"
        + _fake_key(""),
    }
    path = _file(tmp_path, "authorized_key.json", json.dumps(key, indent=2))
    assert find_secret("authorized_key.json", path) in {
        "private key block",
        "credentials JSON with a private_key",
    }
    # Even with the key block gone, the private_key field gives it away.
    key["private_key"] = "redacted-but-present"
    path.write_text(json.dumps(key))
    assert find_secret("authorized_key.json", path) == "credentials JSON with a private_key"


def test_json_with_empty_private_key_passes(tmp_path: Path) -> None:
    path = _file(tmp_path, "schema.json", json.dumps({"private_key": "", "type": "x"}))
    assert find_secret("schema.json", path) is None


def test_unreadable_file_is_judged_by_name(tmp_path: Path) -> None:
    assert find_secret("gone.py", tmp_path / "gone.py") is None
    assert find_secret(".env", tmp_path / ".env") == "dotenv file"


def test_is_allowed() -> None:
    assert is_allowed("certs/ca.pem", ["certs/ca.pem"])
    assert is_allowed("certs/ca.pem", ["certs"])
    assert is_allowed("certs/ca.pem", ["certs/"])
    assert not is_allowed("certs/ca.pem", ["cert"])
    assert not is_allowed("certs/ca.pem", [])


def test_check_secrets_reports_each_secret_unless_allowed(tmp_path: Path) -> None:
    files = [
        (rel, _file(tmp_path, rel, text))
        for rel, text in [
            ("main.py", "print(1)\n"),
            (".env", "TOKEN=abc\n"),
            ("certs/ca.pem", "public cert\n"),
            ("notes.txt", _fake_key()),
        ]
    ]
    found = check_secrets(files, allow=["certs/ca.pem"])
    assert [(f.code, f.path, f.severity.value) for f in found] == [
        ("BND001", ".env", "error"),
        ("BND001", "notes.txt", "error"),
    ]
    assert found[0].message == "refusing to ship .env: dotenv file"
    assert "--allow" in found[0].hint


def test_a_link_to_a_secret_is_a_secret(tmp_path: Path) -> None:
    """`conf/settings.cfg -> ../.env` once shipped the .env: only the link's name was read."""
    (tmp_path / "conf").mkdir()
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".env").write_text("API_KEY=x\n")
    (tmp_path / ".aws" / "credentials").write_text("[default]\n")
    (tmp_path / "conf" / "settings.cfg").symlink_to("../.env")
    (tmp_path / "conf" / "aws.ini").symlink_to("../.aws/credentials")
    (tmp_path / "conf" / "plain.cfg").write_text("lr = 1\n")
    (tmp_path / "conf" / "alias.cfg").symlink_to("plain.cfg")
    assert find_secret("conf/settings.cfg", tmp_path / "conf" / "settings.cfg") == "dotenv file"
    assert find_secret("conf/aws.ini", tmp_path / "conf" / "aws.ini") is not None
    assert find_secret("conf/alias.cfg", tmp_path / "conf" / "alias.cfg") is None


def test_a_file_in_a_linked_folder_is_judged_by_where_it_is(tmp_path: Path) -> None:
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "credentials").write_text("[default]\n")
    (tmp_path / "conf").symlink_to(".aws")
    assert find_secret("conf/credentials", tmp_path / "conf" / "credentials") is not None
