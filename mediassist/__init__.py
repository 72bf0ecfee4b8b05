"""MediReportAssist: the components behind app.py, rag_system.py and document_processor.py."""
