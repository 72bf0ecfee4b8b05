"""Every setting the app reads, read from the environment in one place."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

# The environment variables Settings.from_env reads; the README documents each one.
ENV_NAMES = (
    "DATA_DIR", "UPLOAD_DIR", "HOST", "PORT", "SECRET_KEY", "MAX_UPLOAD_MB", "MAX_PAGES", "MAX_QUESTION_CHARS",
    "MAX_OCR_PAGES", "TESSERACT_CMD",
    "EMBEDDING_MODEL", "EMBEDDING_DTYPE", "CHROMA_HOST", "CHROMA_PORT", "TOP_K", "CONTEXT_TOKENS",
    "LLM_BACKEND", "LLM_MODEL", "OLLAMA_HOST", "LLM_API_URL", "LLM_API_KEY",
    "LLM_TEMPERATURE", "LLM_MAX_TOKENS", "LLM_TIMEOUT", "MEDIASSIST_API_KEYS", "LOG_LEVEL",
    "EMERGENCY_NUMBER", "CRISIS_LINE", "AUDIT_LOG", "RETENTION_HOURS", "KEY_RETENTION_HOURS",
)

BACKEND_NAMES = ("ollama", "openai", "extractive")
EMBEDDING_DTYPES = ("auto", "float32", "bfloat16")


class ConfigError(ValueError):
    """A setting has a value the app cannot use."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    upload_dir: Path | None = None           # None: data_dir/uploads
    secret_key: str | None = None            # None: generated once and kept under data_dir
    max_upload_mb: float = 20
    max_pages: int = 500
    max_ocr_pages: int = 20                  # pages of a scanned PDF read with OCR; 0 turns OCR off
    tesseract_cmd: str | None = None         # the tesseract program (a path or a name on PATH); None: on PATH
    max_question_chars: int = 2000
    embedding_model: str | None = None       # None: the packaged all-MiniLM-L6-v2
    embedding_dtype: str = "auto"            # auto: bfloat16 where the CPU computes it natively, else float32
    chroma_host: str | None = None           # set: use a Chroma server instead of data_dir/chroma
    chroma_port: int = 8000
    top_k: int = 8                           # nearest chunks asked of the vector search (x3)
    context_tokens: int = 1200               # budget for summary text sent to an LLM
    llm_backend: str = "ollama"
    llm_model: str = "mediassist"
    ollama_host: str = "http://127.0.0.1:11434"
    llm_api_url: str | None = None
    llm_api_key: str | None = None
    llm_temperature: float = 0.1
    llm_max_tokens: int = 512
    llm_timeout: float = 120.0
    api_keys: tuple[str, ...] = field(default_factory=tuple)
    log_level: str = "INFO"
    emergency_number: str = "911"
    crisis_line: str = "988"
    audit_log: Path | None = None            # None: data_dir/audit.log
    retention_hours: float = 24              # browser-session documents older than this are deleted; 0 keeps them
    key_retention_hours: float = 0           # the same for API-key and command-line owners; 0 keeps them

    def __post_init__(self):
        if self.llm_backend not in BACKEND_NAMES:
            raise ConfigError(f"LLM_BACKEND={self.llm_backend!r}: choose one of {', '.join(BACKEND_NAMES)}")
        if self.llm_backend == "openai" and not self.llm_api_url:
            raise ConfigError("LLM_BACKEND=openai needs LLM_API_URL (e.g. http://127.0.0.1:8000/v1)")
        if self.embedding_dtype not in EMBEDDING_DTYPES:
            raise ConfigError(f"EMBEDDING_DTYPE={self.embedding_dtype!r}: choose one of {', '.join(EMBEDDING_DTYPES)}")
        if self.max_ocr_pages < 0:
            raise ConfigError(f"MAX_OCR_PAGES={self.max_ocr_pages!r}: give a number of pages, or 0 to turn OCR off")
        for name, hours in (("RETENTION_HOURS", self.retention_hours),
                            ("KEY_RETENTION_HOURS", self.key_retention_hours)):
            if hours < 0:
                raise ConfigError(f"{name}={hours!r}: give a number of hours, or 0 to keep documents until deleted")

    @property
    def uploads_dir(self) -> Path:
        return self.upload_dir or self.data_dir / "uploads"

    @property
    def audit_log_path(self) -> Path:
        return self.audit_log or self.data_dir / "audit.log"

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @classmethod
    def from_env(cls, env=os.environ) -> "Settings":
        def number(name, kind, default):
            raw = env.get(name)
            if raw in (None, ""):
                return default
            try:
                return kind(raw)
            except ValueError:
                raise ConfigError(f"{name}={raw!r} is not a valid {kind.__name__}") from None

        keys = tuple(k.strip() for k in env.get("MEDIASSIST_API_KEYS", "").split(",") if k.strip())
        return cls(
            data_dir=Path(env.get("DATA_DIR") or "data"),
            upload_dir=Path(env.get("UPLOAD_DIR") or "uploads"),
            secret_key=env.get("SECRET_KEY") or None,
            max_upload_mb=number("MAX_UPLOAD_MB", float, cls.max_upload_mb),
            max_pages=number("MAX_PAGES", int, cls.max_pages),
            max_ocr_pages=number("MAX_OCR_PAGES", int, cls.max_ocr_pages),
            tesseract_cmd=(env.get("TESSERACT_CMD") or "").strip() or None,
            max_question_chars=number("MAX_QUESTION_CHARS", int, cls.max_question_chars),
            embedding_model=env.get("EMBEDDING_MODEL") or None,
            embedding_dtype=(env.get("EMBEDDING_DTYPE") or "auto").strip().lower(),
            chroma_host=env.get("CHROMA_HOST") or None,
            chroma_port=number("CHROMA_PORT", int, cls.chroma_port),
            top_k=number("TOP_K", int, cls.top_k),
            context_tokens=number("CONTEXT_TOKENS", int, cls.context_tokens),
            llm_backend=(env.get("LLM_BACKEND") or "ollama").strip().lower(),
            llm_model=env.get("LLM_MODEL") or cls.llm_model,
            ollama_host=env.get("OLLAMA_HOST") or cls.ollama_host,
            llm_api_url=env.get("LLM_API_URL") or None,
            llm_api_key=env.get("LLM_API_KEY") or None,
            llm_temperature=number("LLM_TEMPERATURE", float, cls.llm_temperature),
            llm_max_tokens=number("LLM_MAX_TOKENS", int, cls.llm_max_tokens),
            llm_timeout=number("LLM_TIMEOUT", float, cls.llm_timeout),
            api_keys=keys,
            log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
            emergency_number=env.get("EMERGENCY_NUMBER") or cls.emergency_number,
            crisis_line=env.get("CRISIS_LINE") or cls.crisis_line,
            audit_log=Path(env["AUDIT_LOG"]) if env.get("AUDIT_LOG") else None,
            retention_hours=number("RETENTION_HOURS", float, cls.retention_hours),
            key_retention_hours=number("KEY_RETENTION_HOURS", float, cls.key_retention_hours),
        )
