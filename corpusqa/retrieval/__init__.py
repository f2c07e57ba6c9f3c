"""Query -> lexical hits + dense hits -> fusion -> (rerank) -> Hit list."""
