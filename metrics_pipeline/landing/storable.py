"""What PostgreSQL refuses to store, caught per row before COPY.

A value the warehouse refuses fails the whole COPY, and with it the whole file: one NUL byte in
a creative name, or one amount too large for its numeric column, would cost every good row
beside it. The file parsers check for these here, as row problems, so such a row is quarantined
(`ops.rejected_rows`, with its file, row and field) and the rest of its file lands. What a parser
still misses is caught by the per-file savepoint: that file fails alone, the others land.
"""

from __future__ import annotations

from typing import Any

import polars as pl

NUL = "\x00"
NUL_REASON = "contains a NUL character, which the warehouse cannot store"


def has_nul(column: str) -> pl.Expr:
    """True where the text cell holds a NUL (Postgres text and jsonb cannot)."""
    return pl.col(column).str.contains(NUL, literal=True).fill_null(False)


def too_many_integer_digits(column: str | pl.Expr, integer_digits: int) -> pl.Expr:
    """True where a decimal literal (thousands commas allowed; a column name or an expression)
    has more digits before its point than a `numeric(precision, scale)` column keeps
    (`integer_digits` = precision - scale)."""
    text = pl.col(column) if isinstance(column, str) else column
    whole = text.str.replace_all(r"[,\s()+-]", "").str.split(".").list.first()
    return (whole.str.strip_chars_start("0").str.len_chars() > integer_digits).fill_null(False)


def storable_text(text: str) -> str:
    """`text` as Postgres text and jsonb can hold it: NUL becomes U+FFFD, lone surrogates too."""
    return text.replace(NUL, "\ufffd").encode("utf-8", "replace").decode("utf-8")


def storable_record(value: Any) -> Any:
    """A raw record (dicts, lists, strings) made storable the same way, keys included."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {storable_record(key): storable_record(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable_record(item) for item in value]
    return value
