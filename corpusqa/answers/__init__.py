"""Hits -> sentences -> verbatim answer -> highlight -> citations -> Answer."""
