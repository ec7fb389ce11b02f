/*
 * data_csv.c — numeric CSV: one sample per line, comma-separated fields.
 *
 * Accepted: decimal or exponent numbers (strtod syntax, "C" locale), spaces
 * or tabs around fields, \n or \r\n line ends, blank lines and '#' comment
 * lines (skipped), an optional header line.  Refused, with line and column:
 * empty fields, text that is not a number, lines with another field count,
 * NUL bytes, NaN/Inf and values outside the float32 range.
 *
 * Header detection (AEK_CSV_HEADER_AUTO): the first line is a header only
 * when none of its fields is a number.  A first line mixing numbers and
 * text ("id,1,2" or "1,2,x") is refused, not guessed at: taken as a header it
 * would drop a data row with a typo without a word, and the refusal says
 * how to mark a real header ('#' makes it a comment line).
 *
 * Two passes over the text: count the data lines and the fields of the first
 * one, allocate once, then parse.
 */
#include "data.h"
#include "fileio.h"
#include "../simd/error.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *begin, *end; /* the line without its '\n' (and '\r') */
    size_t number;           /* 1-based                              */
} line;

/* The next line of [*p, end), or 0 at the end of the text. */
static int next_line(const char **p, const char *end, line *l)
{
    if (*p >= end)
        return 0;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    l->begin = *p;
    l->end = nl ? nl : end;
    *p = nl ? nl + 1 : end;
    if (l->end > l->begin && l->end[-1] == '\r')
        l->end--;
    l->number++;
    return 1;
}

/* Blank or comment: not data. */
static int skippable(const line *l)
{
    const char *c = l->begin;
    while (c < l->end && (*c == ' ' || *c == '\t'))
        c++;
    return c == l->end || *c == '#';
}

static size_t count_fields(const line *l)
{
    size_t n = 1;
    for (const char *c = l->begin; c < l->end; c++)
        n += *c == ',';
    return n;
}

typedef enum { FIELD_OK, FIELD_EMPTY, FIELD_NOT_NUMBER, FIELD_NUL } field_result;

/* Parses the field at *c (inside line l); on success *c is past its comma
 * (or at the line end). */
static field_result parse_field(const char **c, const line *l, double *v)
{
    const char *s = *c;
    while (s < l->end && (*s == ' ' || *s == '\t'))
        s++;
    if (s == l->end || *s == ',')
        return FIELD_EMPTY;
    if (*s == 0)
        return FIELD_NUL;
    if (isspace((unsigned char)*s))
        return FIELD_NOT_NUMBER;
    char *after;
    *v = strtod(s, &after); /* stops at ',', '\r', '\n' or the final NUL */
    if (after == s || after > l->end)
        return FIELD_NOT_NUMBER;
    s = after;
    while (s < l->end && (*s == ' ' || *s == '\t'))
        s++;
    if (s < l->end && *s == 0)
        return FIELD_NUL;
    if (s < l->end && *s != ',')
        return FIELD_NOT_NUMBER;
    *c = s < l->end ? s + 1 : s;
    return FIELD_OK;
}

/* The raw text of field `col` of line l, for messages. */
static void field_text(const line *l, size_t col, char *out, size_t n)
{
    const char *c = l->begin;
    for (size_t k = 0; k < col && c < l->end; c++)
        k += *c == ',';
    size_t m = 0;
    while (c < l->end && *c != ',' && m + 1 < n) {
        char ch = *c++;
        out[m++] = isprint((unsigned char)ch) ? ch : '?';
    }
    out[m] = 0;
}

/* 1 if every field of the line fails to parse as a number (a header). */
static int looks_like_header(const line *l)
{
    const char *c = l->begin;
    size_t fields = count_fields(l);
    for (size_t k = 0; k < fields; k++) {
        double v;
        if (parse_field(&c, l, &v) == FIELD_OK)
            return 0;
        while (c < l->end && *c != ',') /* skip the rest of a bad field */
            c++;
        if (c < l->end)
            c++;
    }
    return 1;
}

/* hint: a note appended to the "is not a number" message ("" for none). */
static aek_status field_error(const char *path, const line *l, size_t col, field_result r,
                              const char *hint)
{
    char text[24];
    field_text(l, col, text, sizeof text);
    switch (r) {
    case FIELD_EMPTY:
        return aek_error(AEK_ERR_FORMAT, "%s: line %zu, column %zu (0-based): empty field", path,
                         l->number, col);
    case FIELD_NUL:
        return aek_error(AEK_ERR_FORMAT,
                         "%s: line %zu, column %zu (0-based): NUL byte (is this a binary file?)",
                         path, l->number, col);
    default:
        return aek_error(AEK_ERR_FORMAT,
                         "%s: line %zu, column %zu (0-based): '%s' is not a number%s", path,
                         l->number, col, text, hint);
    }
}

/* What a first line with both numbers and text gets told under automatic
 * header detection. */
static const char MIXED_FIRST_LINE[] =
    " (the first line mixes numbers and text: a header line must have no numeric field; "
    "start a header with '#' to skip it)";

/* One data line into dst[0..cols); mixed_hint: the line would have been a
 * header if it held no number (automatic detection, first line). */
static aek_status parse_row(const char *path, const line *l, size_t row, size_t cols,
                            size_t first_line, int mixed_hint, float *dst)
{
    size_t fields = count_fields(l);
    if (fields != cols)
        return aek_error(AEK_ERR_FORMAT,
                         "%s: line %zu has %zu fields, expected %zu (as on line %zu)", path,
                         l->number, fields, cols, first_line);
    const char *c = l->begin;
    for (size_t j = 0; j < cols; j++) {
        double v;
        field_result r = parse_field(&c, l, &v);
        if (r != FIELD_OK)
            return field_error(path, l, j, r, mixed_hint ? MIXED_FIRST_LINE : "");
        float f = (float)v;
        if (!isfinite(f)) {
            char text[24];
            field_text(l, j, text, sizeof text);
            const char *what = isnan(v)                   ? "is NaN"
                               : strpbrk(text, "iI") != NULL ? "is Inf"
                                                             : "is outside the float32 range";
            return aek_error(AEK_ERR_NUMERIC,
                             "%s: line %zu: row %zu, column %zu (0-based) '%s' %s", path,
                             l->number, row, j, text, what);
        }
        dst[j] = f;
    }
    return AEK_OK;
}

aek_status aek_parse_csv(const char *path, aek_csv_header header, const unsigned char *buf,
                         size_t len, aek_dataset *out)
{
    memset(out, 0, sizeof *out);
    aek_status s = AEK_OK;
    const char *text = (const char *)buf, *end = text + len;

    /* Pass 1: header, column count, data line count. */
    const char *p = text;
    line l = {0};
    size_t rows = 0, cols = 0, header_fields = 0, header_line = 0, first_line = 0;
    while (next_line(&p, end, &l)) {
        if (skippable(&l))
            continue;
        if (header_line == 0 && first_line == 0 && header != AEK_CSV_NO_HEADER &&
            (header == AEK_CSV_HEADER || looks_like_header(&l))) {
            header_line = l.number;
            header_fields = count_fields(&l);
            continue;
        }
        if (first_line == 0) {
            first_line = l.number;
            cols = count_fields(&l);
        }
        rows++;
    }
    if (len == 0)
        s = aek_error(AEK_ERR_FORMAT, "%s: file is empty", path);
    else if (rows == 0)
        s = aek_error(AEK_ERR_FORMAT, "%s: no data lines%s", path,
                      header_line ? " (only a header)" : "");
    else if (header_line && header_fields != cols)
        s = aek_error(AEK_ERR_FORMAT, "%s: header (line %zu) has %zu fields but line %zu has %zu",
                      path, header_line, header_fields, first_line, cols);
    if (s == AEK_OK && (s = aek_dataset_alloc(out, rows, cols)) != AEK_OK)
        s = aek_error_prefix(s, path);

    /* Pass 2: the numbers. */
    p = text;
    l.number = 0;
    size_t row = 0;
    while (s == AEK_OK && next_line(&p, end, &l)) {
        if (skippable(&l) || l.number == header_line)
            continue;
        int mixed_hint = header == AEK_CSV_HEADER_AUTO && header_line == 0 && row == 0;
        s = parse_row(path, &l, row, cols, first_line, mixed_hint, out->x + row * cols);
        row++;
    }
    if (s != AEK_OK)
        aek_dataset_free(out);
    return s;
}
