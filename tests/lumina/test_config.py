"""Configuration: the seed's names and defaults, and refusing weak secrets outside demo and development."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from lumina.config import ConfigError, Environment, Settings


def settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, **values)  # type: ignore[arg-type, call-arg]


def test_seed_defaults(tmp_path: Path) -> None:
    s = settings(tmp_path)
    assert (s.sync_interval, s.sync_days_back, s.port, s.retention_days) == (30, 30, 3001, 90)
    assert s.async_database_url == f"sqlite+aiosqlite:///{(tmp_path / 'lumina.db').as_posix()}"
    assert not s.shop_configured


def test_seed_env_names_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WC_STORE_URL", "https://shop.example")
    monkeypatch.setenv("WC_CONSUMER_KEY", "ck_abc")
    monkeypatch.setenv("WC_CONSUMER_SECRET", "cs_def")
    monkeypatch.setenv("SYNC_INTERVAL", "5")
    monkeypatch.setenv("SYNC_DAYS_BACK", "7")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/lumina")
    s = settings(tmp_path)
    assert s.shop_configured
    assert (s.sync_interval, s.sync_days_back) == (5, 7)
    assert s.async_database_url == "postgresql+asyncpg://u@db/lumina"
    assert "cs_def" not in repr(s)


@pytest.mark.parametrize("weak", ["change-me", "short", "x" * 31])
def test_production_refuses_a_weak_secret_and_names_the_variable(tmp_path: Path, weak: str) -> None:
    s = settings(tmp_path, jwt_secret=weak, encryption_key="k" * 40)
    with pytest.raises(ConfigError, match="JWT_SECRET"):
        s.check()


def test_demo_and_development_accept_a_weak_secret(tmp_path: Path) -> None:
    for env in (Environment.DEMO, Environment.DEVELOPMENT):
        settings(tmp_path, lumina_env=env, jwt_secret="change-me", encryption_key="dev").check()


def test_production_on_postgresql_requires_explicit_secrets(tmp_path: Path) -> None:
    s = settings(tmp_path, database_url="postgresql://u@db/lumina", encryption_key="k" * 40)
    with pytest.raises(ConfigError, match="JWT_SECRET is not set"):
        s.check()


def test_single_node_generates_a_strong_secret_once_and_keeps_it_private(tmp_path: Path) -> None:
    first = settings(tmp_path).resolve_secret("jwt_secret")
    again = settings(tmp_path).resolve_secret("jwt_secret")
    assert first == again
    assert len(first) >= 32
    mode = os.stat(tmp_path / "secrets" / "jwt_secret").st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_shop_variables_go_together(tmp_path: Path) -> None:
    s = settings(tmp_path, wc_store_url="https://shop.example", jwt_secret="j" * 40, encryption_key="k" * 40)
    with pytest.raises(ConfigError, match="WC_CONSUMER_KEY"):
        s.check()


def test_env_example_documents_every_setting_and_parses(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / ".env.example"
    documented = {
        line.split("=", 1)[0].lstrip("# ").strip() for line in example.read_text().splitlines() if "=" in line
    }
    assert {name.upper() for name in Settings.model_fields} <= documented
    s = Settings(_env_file=example, data_dir=tmp_path)  # type: ignore[call-arg]
    assert (s.sync_interval, s.sync_days_back, s.retention_days, s.port) == (30, 30, 90, 3001)
    assert s.wc_store_url == "https://your-store.com"
    assert s.cors_origins == []


def test_encryption_key_may_list_several_strong_keys(tmp_path: Path) -> None:
    new, old = "n" * 40, "o" * 40
    s = settings(tmp_path, jwt_secret="j" * 40, encryption_key=f"{new}, {old}")

    s.check()

    assert s.resolve_secret("encryption_key") == f"{new}, {old}"


@pytest.mark.parametrize("listed", ["k" * 40 + ",short", "change-me," + "k" * 40, ", ,"])
def test_production_refuses_a_weak_or_empty_key_in_the_list(tmp_path: Path, listed: str) -> None:
    s = settings(tmp_path, jwt_secret="j" * 40, encryption_key=listed)
    with pytest.raises(ConfigError, match="ENCRYPTION_KEY"):
        s.check()


@pytest.mark.parametrize("value", ["lumina.example.org", "ftp://lumina.example.org", "https://", "https://a b"])
def test_a_malformed_public_url_is_refused_with_one_line_naming_it(tmp_path: Path, value: str) -> None:
    configured = settings(tmp_path, lumina_env="test", public_url=value)
    with pytest.raises(ConfigError, match=r"^PUBLIC_URL must be") as refused:
        configured.check()
    assert "\n" not in str(refused.value)


def test_public_url_loses_its_trailing_slash(tmp_path: Path) -> None:
    configured = settings(tmp_path, lumina_env="test", public_url=" https://lumina.example.org/sync/ ")
    configured.check()
    assert configured.public_url == "https://lumina.example.org/sync"
