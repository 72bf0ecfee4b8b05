"""The Chroma store: opening it, its two collections ("chunks", "documents") and turning its outages into 503s."""
from __future__ import annotations

import contextlib
import threading

import httpx

from errors import ServiceUnavailable
from settings import Settings

INDEX_UNREACHABLE = "The document index is not reachable right now; please try again in a minute."
CHROMA_TIMEOUT = httpx.Timeout(60.0, connect=5.0)  # a Chroma server that hangs must not hang a request for ever


def open_chroma(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        with chroma_errors():
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
        session = getattr(getattr(client, "_server", None), "_session", None)  # chromadb's httpx client: no timeout
        if isinstance(session, httpx.Client):
            session.timeout = CHROMA_TIMEOUT
        return client
    path = settings.data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


@contextlib.contextmanager
def chroma_errors():
    """A Chroma server that is down, restarting or unreachable becomes a clear 503, never a 500 or a stack trace."""
    try:
        yield
    except (httpx.TransportError, ConnectionError) as error:
        raise ServiceUnavailable(INDEX_UNREACHABLE) from error
    except ValueError as error:
        # chromadb.HttpClient() turns httpx.ConnectError into ValueError("Could not connect to a Chroma server ...")
        if isinstance(error.__context__, (httpx.TransportError, ConnectionError)):
            raise ServiceUnavailable(INDEX_UNREACHABLE) from error
        raise


class Store:
    def __init__(self, client):
        """client: a Chroma client, or a function that opens one. The collections are opened on first use, so
        an app whose Chroma server is down starts anyway (health says so) and connects once the server is up."""
        self._client = client
        self._collections = None
        self._opening = threading.Lock()

    @property
    def chunks(self):
        """One row per chunk: its vector, its text and where it sits (owner, doc_id, section, page, offsets)."""
        return self._open()[0]

    @property
    def documents(self):
        """One row per document: its record (metadata) and its whole extracted text."""
        return self._open()[1]

    def _open(self):
        if self._collections is None:
            with self._opening, chroma_errors():
                if self._collections is None:
                    client = self._client() if callable(self._client) else self._client
                    self._collections = (
                        client.get_or_create_collection(
                            "chunks", configuration={"hnsw": {"space": "cosine"}}, embedding_function=None),
                        client.get_or_create_collection("documents", embedding_function=None))
        return self._collections

    def call(self, method, *args, **kwargs):
        """Run one store operation, its outages turned into ServiceUnavailable."""
        with chroma_errors():
            return method(*args, **kwargs)
