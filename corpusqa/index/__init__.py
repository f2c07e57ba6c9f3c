"""Chunk articles (with offsets), embed them, and build FAISS + lexical indexes."""
