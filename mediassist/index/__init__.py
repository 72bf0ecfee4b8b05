"""The index: uploads read, chunked, embedded and stored in Chroma; a caller's documents listed, deleted and
expired; passages retrieved for a question. `rag_system.RagSystem` builds these parts once."""
from .embedder import Embedder, default_embedding_model
from .ingest import BulkResult, Ingester, PreparedUpload
from .library import DocumentLibrary
from .records import DocumentRecord, embedding_text
from .retrieval import CHARS_PER_TOKEN, Retriever
from .store import INDEX_UNREACHABLE, Store, open_chroma
from .uploads import UploadFolder

__all__ = ["Embedder", "default_embedding_model", "BulkResult", "Ingester", "PreparedUpload", "DocumentLibrary",
           "DocumentRecord", "embedding_text", "CHARS_PER_TOKEN", "Retriever", "INDEX_UNREACHABLE", "Store",
           "open_chroma", "UploadFolder"]
