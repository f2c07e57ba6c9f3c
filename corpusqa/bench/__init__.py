"""Benchmarks and load tools: tools, not product code; one click group, ``corpusqa bench``.

They sit above every product layer (they may reach into corpus/, index/ and eval/ to
time a stage alone) and nothing in the product imports them.
"""
