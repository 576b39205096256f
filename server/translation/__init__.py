"""Languages: which the server offers, its catalogues (gettext, one for server and board), the
board's words in a language, the pseudo-locales for tests, and the catalogue pipeline."""
