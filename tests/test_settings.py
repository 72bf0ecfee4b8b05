from pathlib import Path

import pytest

from settings import ENV_NAMES, ConfigError, Settings

ROOT = Path(__file__).resolve().parents[1]


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text()
    assert not [name for name in ENV_NAMES if f"`{name}`" not in readme]


def test_defaults_work_on_a_laptop():
    settings = Settings.from_env({})
    assert settings.llm_backend == "ollama" and settings.llm_model == "mediassist"
    assert settings.ollama_host == "http://127.0.0.1:11434" and settings.max_upload_mb == 20
    assert settings.data_dir == Path("data") and settings.api_keys == ()


def test_environment_overrides():
    settings = Settings.from_env({"LLM_BACKEND": "Extractive", "MAX_UPLOAD_MB": "5", "LLM_TIMEOUT": "9.5",
                                  "MEDIASSIST_API_KEYS": " a, b ,,", "DATA_DIR": "/tmp/x"})
    assert settings.llm_backend == "extractive" and settings.max_upload_bytes == 5 * 1024 * 1024
    assert settings.llm_timeout == 9.5 and settings.api_keys == ("a", "b")


@pytest.mark.parametrize("env", [{"LLM_BACKEND": "gpt"}, {"MAX_UPLOAD_MB": "lots"},
                                 {"LLM_BACKEND": "openai"}])
def test_bad_settings_are_refused_with_the_variable_named(env):
    with pytest.raises(ConfigError, match=next(iter(env))):
        Settings.from_env(env)
