"""Is a file cut short? What the text of a CSV or JSON Lines export can honestly tell.

An upload or a copy that stopped early leaves a shorter object whose size the listing
reports truthfully, so the size check of `exports.open_checked` (bytes read = bytes listed)
only catches a download cut off, or a file replaced while it was read. What the object
itself shows:

- a gzip stream cut anywhere fails its end-of-stream and CRC check (pixel's parser);
- a CSV cut inside a quoted field leaves an opening quote never closed, whether or not a
  line break follows (a quoted field may hold line breaks);
- a CSV cut inside the last row, with no line break after it, leaves fewer fields than the
  header (cut before a comma) or, cut inside the last field, usually a value that does not
  validate ("12." for "12.50", "2026-09-" for a date): a last row without a line break that
  would be quarantined is judged a cut, and the file fails instead of landing `partial`;
- a JSON Lines file cut inside its last line leaves a line that is not JSON;
- a zip archive (an .xlsx workbook) cut anywhere loses its end-of-central-directory record,
  which a zip keeps in its last bytes (APPNOTE.TXT 4.3.16): nothing of it can be read.

What no check can see: a file cut exactly at a line break, or inside the last field where
the prefix is itself a valid value ("1234" cut to "12"). It looks complete. None of the
four formats carries a trailer row or a row count to check against (the Amazon console,
Helium 10 and ZonGuru exports end with their last data row; so do the partner's), so those
cuts land as a complete, shorter file: the partner's corrected re-upload replaces it.
"""

from __future__ import annotations

import csv
import io


def ends_without_line_break(text: str) -> bool:
    return bool(text) and not text.endswith(("\n", "\r"))


def csv_cut_short(text: str, header_fields: int) -> str | None:
    """Why `text` looks cut short, or None. `text` is the whole file, or a run of whole
    records ending where the file ends (it must not start inside a quoted field)."""
    if text.count('"') % 2:
        return "ends inside a quoted field (truncated?): a quote is opened and never closed"
    if not ends_without_line_break(text):
        return None
    last_line = text.rsplit("\n", 1)[-1]
    fields = next(csv.reader(io.StringIO(last_line)), [])
    if len(fields) < header_fields:
        return f"ends mid-row (truncated?): the last line has {len(fields)} of {header_fields} fields and no line break"
    return None


_ZIP_LOCAL_HEADER = b"PK\x03\x04"
_ZIP_END_OF_DIRECTORY = b"PK\x05\x06"
_ZIP_END_MAX = 22 + 0xFFFF  # the record is 22 bytes, followed by a comment of at most 64 KiB


def zip_cut_short(data: bytes) -> str | None:
    """Why a zip archive (an .xlsx workbook) looks cut short, or None (not a zip at all is for
    the reader to say)."""
    if not data.startswith(_ZIP_LOCAL_HEADER):
        return None
    end = data.rfind(_ZIP_END_OF_DIRECTORY, max(0, len(data) - _ZIP_END_MAX))
    # The record's last field (offset 20) is the comment's length: the archive ends after it.
    if end < 0 or end + 22 > len(data) or end + 22 + int.from_bytes(data[end + 20 : end + 22], "little") > len(data):
        return "ends before its zip directory does (truncated?): the end-of-central-directory record is cut or missing"
    return None


def last_row_cut_short(row_number: int, reason: str) -> str:
    """The message of a file whose last row, with no line break after it, does not validate."""
    return (
        f"ends without a line break in row {row_number}, which does not validate ({reason}): "
        "truncated inside its last field?"
    )
