/*
 * digest-c: the restriction digest of examples/digest, written in C for
 * clang + wasi-libc (wasm32-wasip1). Its outputs (fragments.json, the table
 * on stdout, the messages on stderr and the exit codes) are byte for byte
 * those of the Go package for the same input and parameters; the rules are
 * those of bio/restriction, and the enzyme table is generated from it
 * (enzymes.h). See ../doc.go for the differences that remain.
 *
 * Usage: digest [INPUTS_DIR OUTPUTS_DIR]; the directories default to the
 * sandbox's /inputs and /outputs (the native build for benchmarks passes
 * others).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enzymes.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the search's word loop assumes a little-endian machine (wasm32 is)"
#endif

enum {
	EXIT_PARAMS = 2, /* bad parameters */
	EXIT_INPUT = 3,  /* bad input */
	EXIT_OUTPUT = 4, /* failure writing fragments.json or stdout */
};

/* ---- growable byte strings ---------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static void oom(void) {
	static const char msg[] = "digest: out of memory\n";
	write(2, msg, sizeof msg - 1);
	exit(EXIT_INPUT);
}

static void buf_grow(struct buf *b, size_t n) {
	if (b->len + n <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + n)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p)
		oom();
	b->p = p;
	b->cap = cap;
}

static void buf_put(struct buf *b, const void *s, size_t n) {
	buf_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void buf_puts(struct buf *b, const char *s) { buf_put(b, s, strlen(s)); }

static void buf_putc(struct buf *b, char c) { buf_put(b, &c, 1); }

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void buf_printf(struct buf *b, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	buf_grow(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* ---- UTF-8 and Go's quoting --------------------------------------------- */

/* decode_rune decodes the UTF-8 sequence at s (n bytes available) like Go's
   utf8.DecodeRune: it returns the rune and sets *size; an invalid sequence
   gives 0xFFFD with size 1. */
static uint32_t decode_rune(const unsigned char *s, size_t n, int *size) {
	*size = 1;
	if (n == 0)
		return 0xFFFD;
	unsigned c = s[0];
	if (c < 0x80)
		return c;
	int need;
	uint32_t r, min;
	if (c >= 0xC2 && c <= 0xDF)
		need = 1, r = c & 0x1F, min = 0x80;
	else if (c >= 0xE0 && c <= 0xEF)
		need = 2, r = c & 0x0F, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4)
		need = 3, r = c & 0x07, min = 0x10000;
	else
		return 0xFFFD;
	if (n < (size_t)need + 1)
		return 0xFFFD;
	for (int i = 1; i <= need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0xFFFD;
		r = r << 6 | (s[i] & 0x3F);
	}
	if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
		return 0xFFFD;
	*size = need + 1;
	return r;
}

/* is_space is Go's unicode.IsSpace. */
static int is_space(uint32_t r) {
	switch (r) {
	case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
	case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
	case 0x202F: case 0x205F: case 0x3000:
		return 1;
	}
	return r >= 0x2000 && r <= 0x200A;
}

/* is_print approximates Go's strconv.IsPrint: ASCII exactly; of the other
   runes, the C1 controls, the soft hyphen, the line and paragraph
   separators, the format characters of general punctuation and the byte
   order mark, private use and non-characters are not printable. Runes that
   Unicode leaves unassigned are taken as printable (Go's tables know them). */
static int is_print(uint32_t r) {
	if (r < 0x80)
		return r >= 0x20 && r < 0x7F;
	if (r <= 0xA0 || r == 0xAD)
		return 0;
	if (r >= 0x2000 && r <= 0x200F) /* spaces and format characters */
		return 0;
	if (r >= 0x2028 && r <= 0x202F)
		return 0;
	if (r >= 0x205F && r <= 0x206F)
		return 0;
	if (r == 0xFEFF || (r >= 0xFFF9 && r <= 0xFFFB) || r == 0xFFFE || r == 0xFFFF)
		return 0;
	if (r >= 0xE000 && r <= 0xF8FF)
		return 0;
	if (r == 0x1680 || r == 0x3000)
		return 0;
	return 1;
}

static void put_rune(struct buf *b, uint32_t r) {
	char s[4];
	if (r < 0x80) {
		buf_putc(b, (char)r);
	} else if (r < 0x800) {
		s[0] = (char)(0xC0 | r >> 6), s[1] = (char)(0x80 | (r & 0x3F));
		buf_put(b, s, 2);
	} else if (r < 0x10000) {
		s[0] = (char)(0xE0 | r >> 12), s[1] = (char)(0x80 | (r >> 6 & 0x3F)), s[2] = (char)(0x80 | (r & 0x3F));
		buf_put(b, s, 3);
	} else {
		s[0] = (char)(0xF0 | r >> 18), s[1] = (char)(0x80 | (r >> 12 & 0x3F));
		s[2] = (char)(0x80 | (r >> 6 & 0x3F)), s[3] = (char)(0x80 | (r & 0x3F));
		buf_put(b, s, 4);
	}
}

/* quote_rune appends r quoted as by strconv's quoteWith, quote being '"' or
   '\''. */
static void quote_rune(struct buf *b, uint32_t r, char quote) {
	if (r == (uint32_t)quote || r == '\\') {
		buf_putc(b, '\\');
		buf_putc(b, (char)r);
		return;
	}
	if (is_print(r)) {
		put_rune(b, r);
		return;
	}
	switch (r) {
	case '\a': buf_puts(b, "\\a"); return;
	case '\b': buf_puts(b, "\\b"); return;
	case '\f': buf_puts(b, "\\f"); return;
	case '\n': buf_puts(b, "\\n"); return;
	case '\r': buf_puts(b, "\\r"); return;
	case '\t': buf_puts(b, "\\t"); return;
	case '\v': buf_puts(b, "\\v"); return;
	}
	if (r < ' ' || r == 0x7F)
		buf_printf(b, "\\x%02x", r);
	else if (r < 0x10000)
		buf_printf(b, "\\u%04x", r);
	else
		buf_printf(b, "\\U%08x", r);
}

/* quote appends s[:n] as Go's %q of a string (strconv.Quote). */
static void quote(struct buf *b, const char *s, size_t n) {
	buf_putc(b, '"');
	for (size_t i = 0; i < n;) {
		int size;
		uint32_t r = decode_rune((const unsigned char *)s + i, n - i, &size);
		if (size == 1 && r == 0xFFFD) {
			buf_printf(b, "\\x%02x", (unsigned char)s[i]);
			i++;
			continue;
		}
		quote_rune(b, r, '"');
		i += (size_t)size;
	}
	buf_putc(b, '"');
}

/* trim_space trims the white space of Go's strings.TrimSpace around s[:*n]
   and returns the new start. */
static const char *trim_space(const char *s, size_t *n) {
	size_t i = 0, j = *n;
	while (i < j) {
		int size;
		uint32_t r = decode_rune((const unsigned char *)s + i, j - i, &size);
		if (!is_space(r) || (r == 0xFFFD && size == 1))
			break;
		i += (size_t)size;
	}
	while (j > i) {
		/* find the start of the last rune */
		size_t k = j - 1;
		while (k > i && j - k < 4 && ((unsigned char)s[k] & 0xC0) == 0x80)
			k--;
		int size;
		uint32_t r = decode_rune((const unsigned char *)s + k, j - k, &size);
		if ((size_t)size != j - k) {
			k = j - 1;
			r = 0xFFFD;
		}
		if (!is_space(r))
			break;
		j = k;
	}
	*n = j - i;
	return s + i;
}

/* ---- parameters ----------------------------------------------------------- */

/* fold maps the rune to the lower-case ASCII letter it folds to under Go's
   simple case folding (strings.EqualFold), or returns it unchanged: the
   Kelvin sign folds to k and the long s to s. */
static uint32_t fold(uint32_t r) {
	if (r >= 'A' && r <= 'Z')
		return r + 32;
	if (r == 0x212A)
		return 'k';
	if (r == 0x17F)
		return 's';
	return r;
}

/* equal_fold is strings.EqualFold for a name of the table (ASCII). */
static int equal_fold(const char *s, size_t n, const char *name) {
	size_t i = 0;
	for (; *name; name++) {
		if (i >= n)
			return 0;
		int size;
		uint32_t r = decode_rune((const unsigned char *)s + i, n - i, &size);
		if (fold(r) != fold((unsigned char)*name))
			return 0;
		i += (size_t)size;
	}
	return i == n;
}

static int lookup(const char *s, size_t n) {
	for (int i = 0; i < ENZYME_COUNT; i++)
		if (equal_fold(s, n, enzyme_table[i].name))
			return i;
	return -1;
}

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

/* edit_distance is the Levenshtein distance between the lower-cased a and
   b, in bytes. */
static int edit_distance(const char *a, size_t na, const char *b) {
	size_t nb = strlen(b);
	int *prev = malloc((nb + 1) * sizeof(int)), *cur = malloc((nb + 1) * sizeof(int));
	if (!prev || !cur)
		oom();
	for (size_t j = 0; j <= nb; j++)
		prev[j] = (int)j;
	for (size_t i = 1; i <= na; i++) {
		cur[0] = (int)i;
		for (size_t j = 1; j <= nb; j++) {
			int cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
			int v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (prev[j - 1] + cost < v)
				v = prev[j - 1] + cost;
			cur[j] = v;
		}
		int *t = prev;
		prev = cur, cur = t;
	}
	int d = prev[nb];
	free(prev);
	free(cur);
	return d;
}

/* unknown_enzyme appends restriction.Closest's suggestion for an unknown
   name, as examples/digest words it. */
static void unknown_enzyme(struct buf *b, const char *s, size_t n) {
	int best[3], nbest = 0;
	for (int d = 0; d <= 2 && nbest < 3; d++)
		for (int i = 0; i < ENZYME_COUNT && nbest < 3; i++)
			if (edit_distance(s, n, enzyme_table[i].name) == d)
				best[nbest++] = i;
	buf_puts(b, "unknown enzyme ");
	quote(b, s, n);
	if (nbest > 0) {
		buf_puts(b, " (closest known: ");
		for (int i = 0; i < nbest; i++) {
			if (i)
				buf_puts(b, ", ");
			buf_puts(b, enzyme_table[best[i]].name);
		}
	} else {
		buf_puts(b, " (known: ");
		for (int i = 0; i < ENZYME_COUNT; i++) {
			if (i)
				buf_puts(b, ", ");
			buf_puts(b, enzyme_table[i].name);
		}
	}
	buf_putc(b, ')');
}

/* parse_enzymes parses ENZYMES into enzs (table indexes, first-given
   order, no duplicates) and returns their number, or -1 with the message
   in err. */
static int parse_enzymes(const char *value, int *enzs, struct buf *err) {
	size_t vn = value ? strlen(value) : 0;
	size_t tn = vn;
	if (!value || (trim_space(value, &tn), tn == 0)) {
		buf_puts(err, "ENZYMES is required: a comma-separated list of enzyme names, e.g. ENZYMES=EcoRI,BamHI");
		return -1;
	}
	int count = 0;
	struct buf unknown = {0};
	const char *field = value;
	for (int i = 1;; i++) {
		const char *comma = memchr(field, ',', (size_t)(value + vn - field));
		size_t fn = comma ? (size_t)(comma - field) : (size_t)(value + vn - field);
		const char *name = trim_space(field, &fn);
		if (fn == 0) {
			buf_puts(err, "ENZYMES ");
			quote(err, value, vn);
			buf_printf(err, ": name %d is empty", i);
			free(unknown.p);
			return -1;
		}
		int e = lookup(name, fn);
		if (e < 0) {
			if (unknown.len)
				buf_puts(&unknown, "; ");
			unknown_enzyme(&unknown, name, fn);
		} else {
			int dup = 0;
			for (int k = 0; k < count; k++)
				dup |= enzs[k] == e;
			if (!dup)
				enzs[count++] = e;
		}
		if (!comma)
			break;
		field = comma + 1;
	}
	if (unknown.len) {
		buf_puts(err, "ENZYMES: ");
		buf_put(err, unknown.p, unknown.len);
		free(unknown.p);
		return -1;
	}
	return count;
}

/* parse_topology returns 0 for linear, 1 for circular, -1 (with err) for
   anything else. */
static int parse_topology(const char *value, struct buf *err) {
	size_t n = value ? strlen(value) : 0;
	const char *s = value ? trim_space(value, &n) : "";
	char low[9];
	if (n < sizeof low) {
		for (size_t i = 0; i < n; i++)
			low[i] = lower(s[i]);
		low[n] = 0;
		if (n == 0 || strcmp(low, "linear") == 0)
			return 0;
		if (strcmp(low, "circular") == 0)
			return 1;
	}
	buf_puts(err, "TOPOLOGY ");
	quote(err, value, value ? strlen(value) : 0);
	buf_puts(err, ": must be linear or circular");
	return -1;
}

/* ---- IUPAC codes ------------------------------------------------------------ */

enum { BA = 1, BC = 2, BG = 4, BT = 8 };

static unsigned char canonical[256];
static unsigned char base_set[256];
static const char code_of[] = "-ACMGRSVTWYHKDBN";

static void init_codes(void) {
	static const char from[] = "ACGTUNRYSWKMBDHV";
	static const char to[] = "ACGTTNRYSWKMBDHV";
	for (int i = 0; from[i]; i++) {
		canonical[(unsigned char)from[i]] = (unsigned char)to[i];
		canonical[(unsigned char)from[i] + 32] = (unsigned char)to[i];
	}
	for (int s = 1; s < 16; s++)
		base_set[(unsigned char)code_of[s]] = (unsigned char)s;
}

static char complement(char c) {
	int s = base_set[(unsigned char)c], comp = 0;
	if (s & BA) comp |= BT;
	if (s & BC) comp |= BG;
	if (s & BG) comp |= BC;
	if (s & BT) comp |= BA;
	return code_of[comp];
}

static int code_matches(unsigned char g, unsigned char s) {
	int gs = base_set[g];
	return gs != 0 && (gs & ~base_set[s]) == 0;
}

/* ---- the search --------------------------------------------------------------- */

/* The sites are searched in the FASTA text itself, as it is read: no
   canonical copy of the sequence is made. A matcher's masks are indexed by
   the input byte (either case, U as T), and their top bit, NUC, is set for
   every nucleotide code and for nothing else, so the lookup that advances
   the search also validates the byte. */

struct pattern {
	int enzyme;      /* index into the digest's enzyme list */
	char site[65];   /* canonical codes on the strand searched */
	int len;         /* site length, bp */
	long offset;     /* top-strand cut, bp from the match's first base */
};

/* NUC is the bit of the masks that marks a nucleotide code; patterns use
   the 63 bits below it. */
#define NUC ((uint64_t)1 << 63)

struct matcher {
	uint64_t masks[256]; /* by input byte: bit j when it certainly matches word position j; NUC for a code */
	uint64_t starts, ends;
	uint64_t state;      /* after the codes read so far */
	int end_of[64];
	int first, count;    /* patterns[first : first+count] */
	int max_len;
};

struct hit {
	long position; /* top-strand cut, not yet reduced to the sequence (see search_finish) */
	int enzyme;
};

struct hits {
	struct hit *p;
	size_t len, cap;
};

/* A search is the digest in progress over the sequence read so far. */
struct search {
	struct pattern *pats;
	struct matcher *ms;
	int nm;
	struct hits hits;
	long len;                /* codes read so far, bp */
	unsigned char head[64];  /* the first codes as read, for the sites across the origin */
};

static void add_hit(struct hits *h, long position, int enzyme) {
	if (h->len == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 1024;
		struct hit *p = realloc(h->p, h->cap * sizeof *p);
		if (!p)
			oom();
		h->p = p;
	}
	h->p[h->len++] = (struct hit){position, enzyme};
}

/* report records the patterns whose last position is set in ends and whose
   match ends at sequence index i; a match starting at or after skip is one
   already found from the origin. */
static void report(const struct matcher *m, const struct pattern *pats, uint64_t ends, long i, long skip, struct hits *h) {
	while (ends) {
		int j = __builtin_ctzll(ends);
		ends &= ends - 1;
		const struct pattern *p = &pats[m->first + m->end_of[j]];
		long start = i - p->len + 1;
		if (start >= skip)
			continue;
		add_hit(h, start + p->offset, p->enzyme);
	}
}

/* rescan advances state s over the n codes at p, the first being sequence
   index pos, reporting every match: the slow path of scan_codes, taken
   only for a word in which a pattern ends. */
static void rescan(const struct matcher *m, const struct pattern *pats, uint64_t s, const unsigned char *p, int n, long pos, struct hits *h) {
	for (int k = 0; k < n; k++) {
		s = (s << 1 | m->starts) & m->masks[p[k]];
		if (s & m->ends)
			report(m, pats, s & m->ends, pos + k, LONG_MAX, h);
	}
}

/* scan_codes advances m over the nucleotide codes at the start of p, the
   first being sequence index pos, and returns their number: it stops at
   the first byte that is not a code, and reads the 64-bit word holding
   that byte, so p must be followed by such a byte and then 7 readable
   bytes. It is restriction's matcher.scan (Shift-And) eight bytes per loop
   round, so that the sandbox's loop instrumentation counts one iteration
   per eight bases, and a round with a match is read again byte by byte
   to report it; the last, partial word of a line is taken without a loop.
   scan_run is its body, which scan_lines repeats over lines. */
static inline __attribute__((always_inline)) size_t scan_run(struct matcher *m, const struct pattern *pats, const unsigned char *p, long pos, struct hits *h) {
	const uint64_t starts = m->starts, ends = m->ends;
	const uint64_t *masks = m->masks;
	uint64_t s = m->state, w;
	size_t k = 0;
	for (;; k += 8) {
		memcpy(&w, p + k, 8);
		uint64_t mk, t = s, any = 0, all = NUC;
#define STEP(j) (mk = masks[(w >> (8 * j)) & 0xFF], all &= mk, t = (t << 1 | starts) & mk, any |= t)
		STEP(0), STEP(1), STEP(2), STEP(3), STEP(4), STEP(5), STEP(6), STEP(7);
#undef STEP
		if (!all)
			break;
		if (__builtin_expect((any & ends) != 0, 0))
			rescan(m, pats, s, p + k, 8, pos + (long)k, h);
		s = t;
	}
	/* the word at k holds a byte that is not a code: take the codes
	   before it */
	uint64_t mk, t = s, any = 0;
	int n = 0;
#define STEP(j) (mk = masks[(w >> (8 * j)) & 0xFF], mk & NUC) && (t = (t << 1 | starts) & mk, any |= t, n = j + 1)
	STEP(0) && STEP(1) && STEP(2) && STEP(3) && STEP(4) && STEP(5) && STEP(6);
#undef STEP
	if (__builtin_expect((any & ends) != 0, 0))
		rescan(m, pats, s, p + k, n, pos + (long)k, h);
	m->state = t;
	return k + (size_t)n;
}

__attribute__((noinline)) static size_t scan_codes(struct matcher *m, const struct pattern *pats, const unsigned char *p, long pos, struct hits *h) {
	return scan_run(m, pats, p, pos, h);
}

/* scan_lines runs m over the lines at p[:avail] (p[avail:] as for
   scan_codes) as long as each is nucleotide codes ended by '\n' and
   followed by a line that starts with a code, the common case, without
   returning to the caller between lines (in WebAssembly a call costs
   far more than natively). It returns the bytes of those whole lines and
   sets *lines to their number and *codes to the codes it read at the
   start of the next line, whose end the caller checks. The first code is
   sequence index pos. */
__attribute__((noinline)) static size_t scan_lines(struct matcher *m, const struct pattern *pats, const unsigned char *p, size_t avail, long pos, struct hits *h, long *lines, size_t *codes) {
	size_t full = 0;
	long nl = 0;
	for (;;) {
		size_t k = scan_run(m, pats, p + full, pos, h);
		size_t e = full + k;
		pos += (long)k;
		if (e + 1 >= avail || p[e] != '\n' || !(m->masks[p[e + 1]] & NUC)) {
			*codes = k;
			break;
		}
		full = e + 1;
		nl++;
	}
	*lines = nl;
	return full;
}

/* search_init lays out the patterns of the enzymes enzs[:nenz] (each site
   and, unless palindromic, its reverse complement) in as few matchers as
   hold them. */
static void search_init(struct search *s, const int *enzs, int nenz) {
	struct pattern *pats = calloc((size_t)nenz * 2, sizeof *pats);
	if (!pats)
		oom();
	int np = 0;
	for (int i = 0; i < nenz; i++) {
		const struct enzyme *e = &enzyme_table[enzs[i]];
		int len = (int)strlen(e->site);
		struct pattern *p = &pats[np++];
		p->enzyme = i, p->len = len, p->offset = e->top;
		memcpy(p->site, e->site, (size_t)len + 1);
		char rc[65];
		for (int k = 0; k < len; k++)
			rc[len - 1 - k] = complement(e->site[k]);
		rc[len] = 0;
		if (strcmp(rc, e->site) != 0) {
			p = &pats[np++];
			p->enzyme = i, p->len = len, p->offset = len - e->bottom;
			memcpy(p->site, rc, (size_t)len + 1);
		}
	}
	struct matcher *ms = calloc((size_t)np, sizeof *ms);
	if (!ms)
		oom();
	int nm = 0, used = 0;
	struct matcher *m = NULL;
	for (int k = 0; k < np; k++) {
		struct pattern *p = &pats[k];
		if (!m || used + p->len > 63) {
			m = &ms[nm++];
			m->first = k;
			used = 0;
		}
		for (int j = 0; j < p->len; j++) {
			uint64_t bit = (uint64_t)1 << (used + j);
			for (int b = 0; b < 256; b++)
				if (canonical[b] && code_matches(canonical[b], (unsigned char)p->site[j]))
					m->masks[b] |= bit;
		}
		m->starts |= (uint64_t)1 << used;
		m->ends |= (uint64_t)1 << (used + p->len - 1);
		m->end_of[used + p->len - 1] = m->count++;
		if (p->len > m->max_len)
			m->max_len = p->len;
		used += p->len;
	}
	for (int k = 0; k < nm; k++)
		for (int b = 0; b < 256; b++)
			if (canonical[b])
				ms[k].masks[b] |= NUC;
	s->pats = pats;
	s->ms = ms;
	s->nm = nm;
}

/* search_codes searches the nucleotide codes at the start of p (see
   scan_codes for what must follow them) and returns their number. */
static size_t search_codes(struct search *s, const unsigned char *p) {
	size_t k = 0;
	for (int i = 0; i < s->nm; i++)
		k = scan_codes(&s->ms[i], s->pats, p, s->len, &s->hits);
	for (size_t j = 0; j < k && s->len + (long)j < (long)sizeof s->head; j++)
		s->head[s->len + (long)j] = p[j];
	s->len += (long)k;
	return k;
}

/* search_lines searches the lines at p[:avail] as scan_lines does, once
   the first codes are kept for the circle, and returns what it does. */
static size_t search_lines(struct search *s, const unsigned char *p, size_t avail, long *lines, size_t *codes) {
	size_t full = 0;
	for (int i = 0; i < s->nm; i++)
		full = scan_lines(&s->ms[i], s->pats, p, avail, s->len, &s->hits, lines, codes);
	s->len += (long)(full - (size_t)*lines + *codes);
	return full;
}

/* MERGE_SORT defines name(a, n), which sorts a[:n] of type T in the order
   of less with a bottom-up merge sort. libc's qsort is not used: wasi-libc's
   is a smoothsort, and with a call through a function pointer per
   comparison it costs several times more in WebAssembly than glibc's does
   natively. */
#define MERGE_SORT(name, T, less)                                                      \
	static void name(T *a, size_t n) {                                             \
		if (n < 2)                                                             \
			return;                                                        \
		T *tmp = malloc(n * sizeof *tmp);                                      \
		if (!tmp)                                                              \
			oom();                                                         \
		T *src = a, *dst = tmp;                                                \
		for (size_t w = 1; w < n; w *= 2) {                                    \
			for (size_t lo = 0; lo < n; lo += 2 * w) {                     \
				size_t mid = lo + w < n ? lo + w : n;                  \
				size_t hi = lo + 2 * w < n ? lo + 2 * w : n;           \
				size_t i = lo, j = mid, k = lo;                        \
				while (i < mid && j < hi)                              \
					dst[k++] = less(src[j], src[i]) ? src[j++] : src[i++]; \
				while (i < mid)                                        \
					dst[k++] = src[i++];                           \
				while (j < hi)                                         \
					dst[k++] = src[j++];                           \
			}                                                              \
			T *t = src;                                                    \
			src = dst, dst = t;                                            \
		}                                                                      \
		if (src != a)                                                          \
			memcpy(a, src, n * sizeof *a);                                 \
		free(tmp);                                                             \
	}

#define HIT_LESS(x, y) ((x).position < (y).position || ((x).position == (y).position && (x).enzyme < (y).enzyme))
MERGE_SORT(sort_hits, struct hit, HIT_LESS)

/* cuts: positions[k] with the enzymes enz[first[k] : first[k+1]] */
struct cuts {
	long *position;
	int *first; /* count+1 entries */
	int *enz;
	size_t count;
};

/* search_finish ends the search of a sequence of s->len > 0 bp: on a
   circle it reads on across the origin, then reduces the cuts to the
   sequence as restriction.FindCuts does (kept strictly inside a linear
   one, modulo the length on a circle), and sorts and groups them. */
static void search_finish(struct search *s, int circular, struct cuts *out) {
	long n = s->len;
	struct hits *h = &s->hits;
	if (circular) {
		for (int i = 0; i < s->nm; i++) {
			struct matcher *m = &s->ms[i];
			uint64_t state = m->state;
			for (long k = n; k < n + m->max_len - 1; k++) {
				state = (state << 1 | m->starts) & m->masks[s->head[k % n]];
				if (state & m->ends)
					report(m, s->pats, state & m->ends, k, n, h);
			}
		}
	}
	size_t kept = 0;
	for (size_t k = 0; k < h->len; k++) {
		long c = h->p[k].position;
		if (circular)
			c = ((c % n) + n) % n;
		else if (c <= 0 || c >= n)
			continue;
		h->p[kept++] = (struct hit){c, h->p[k].enzyme};
	}
	h->len = kept;
	sort_hits(h->p, h->len);

	out->position = malloc((h->len + 1) * sizeof(long));
	out->first = malloc((h->len + 1) * sizeof(int));
	out->enz = malloc((h->len + 1) * sizeof(int));
	if (!out->position || !out->first || !out->enz)
		oom();
	size_t c = 0;
	int ne = 0;
	for (size_t k = 0; k < h->len; k++) {
		if (c > 0 && out->position[c - 1] == h->p[k].position) {
			if (out->enz[ne - 1] != h->p[k].enzyme)
				out->enz[ne++] = h->p[k].enzyme;
			continue;
		}
		out->position[c] = h->p[k].position;
		out->first[c] = ne;
		out->enz[ne++] = h->p[k].enzyme;
		c++;
	}
	out->first[c] = ne;
	out->count = c;
}

/* ---- FASTA ------------------------------------------------------------------ */

struct record {
	struct buf id, desc;
	long len; /* bp */
};

/* go_errno is the text of an errno as Go's syscall package on wasip1 gives
   it, which is musl's (and wasi-libc's) strerror. */
static const char *go_errno(int e) { return strerror(e); }

/* PAD is the number of zero bytes read_file puts after the data, so that
   scan_codes finds a byte that is not a code and a whole word after the
   last line. */
enum { PAD = 8 };

/* read_file reads the whole file at path into *data, followed by PAD zero
   bytes. */
static int read_file(const char *path, unsigned char **data, size_t *n, int *err) {
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	struct stat st;
	size_t cap = 1 << 16;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size + 1;
	unsigned char *p = malloc(cap + PAD);
	if (!p)
		oom();
	size_t len = 0;
	for (;;) {
		if (len == cap) {
			cap *= 2;
			unsigned char *q = realloc(p, cap + PAD);
			if (!q)
				oom();
			p = q;
		}
		ssize_t r = read(fd, p + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			*err = errno;
			close(fd);
			free(p);
			return -2;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	memset(p + len, 0, PAD);
	*data = p;
	*n = len;
	return 0;
}

/* bad_code describes the invalid byte at line[i] as restriction's badCode. */
static void bad_code(struct buf *err, long line_no, const unsigned char *line, size_t n, size_t i) {
	/* every byte before i is a nucleotide code (ASCII), so the column in
	   runes is i + 1 */
	buf_printf(err, "line %ld, column %zu: ", line_no, i + 1);
	int size;
	uint32_t r = decode_rune(line + i, n - i, &size);
	if (r != 0xFFFD || size > 1) {
		buf_puts(err, "character '");
		quote_rune(err, r, '\'');
		buf_putc(err, '\'');
	} else {
		buf_printf(err, "byte 0x%02X", line[i]);
	}
	buf_puts(err, " is not a nucleotide code (allowed: ACGTUN and IUPAC codes RYSWKMBDHV, either case)");
}

/* parse_fasta parses data[:n] as restriction.ReadFASTA does, searching the
   sequence as it goes; data[n : n+PAD] must be zero bytes. */
static int parse_fasta(const unsigned char *data, size_t n, struct record *rec, struct search *s, struct buf *err) {
	long header_line = 0;
	size_t pos = 0;
	for (long line_no = 1; pos < n; line_no++) {
		const unsigned char *line = data + pos;
		if (header_line && line[0] != '>') {
			/* A sequence line (or a blank one), searched in one pass
			   with no search for its end first, up to the first byte
			   that is not a code; the line must end there, after
			   spaces, tabs and a CR at most. */
			size_t avail = n - pos, k;
			if (s->len >= (long)sizeof s->head) {
				long more;
				size_t full = search_lines(s, line, avail, &more, &k);
				line_no += more, pos += full, line += full, avail -= full;
			} else {
				k = search_codes(s, line);
			}
			size_t end = k;
			while (end < avail && (line[end] == ' ' || line[end] == '\t' || line[end] == '\r'))
				end++;
			if (end < avail && line[end] != '\n') {
				const unsigned char *nl = memchr(line + end, '\n', avail - end);
				size_t len = nl ? (size_t)(nl - line) : avail;
				while (len > k && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
					len--;
				bad_code(err, line_no, line, len, k);
				return -1;
			}
			pos += end < avail ? end + 1 : avail;
			continue;
		}
		const unsigned char *nl = memchr(line, '\n', n - pos);
		size_t len = nl ? (size_t)(nl - line) : n - pos;
		pos += len + (nl ? 1 : 0);
		while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r' || line[len - 1] == '\n'))
			len--;
		if (len == 0)
			continue;
		if (line[0] == '>') {
			if (header_line) {
				buf_printf(err, "expected one sequence, found a second record at line %ld (the first header is at line %ld)", line_no, header_line);
				return -1;
			}
			size_t tn = len - 1;
			const char *text = trim_space((const char *)line + 1, &tn);
			if (tn == 0) {
				buf_printf(err, "line %ld: header has no sequence identifier after '>'", line_no);
				return -1;
			}
			size_t i = 0;
			while (i < tn) {
				int size;
				uint32_t r = decode_rune((const unsigned char *)text + i, tn - i, &size);
				if (is_space(r) && !(r == 0xFFFD && size == 1))
					break;
				i += (size_t)size;
			}
			rec->id.len = rec->desc.len = 0;
			buf_put(&rec->id, text, i);
			size_t dn = tn - i;
			const char *desc = trim_space(text + i, &dn);
			buf_put(&rec->desc, desc, dn);
			header_line = line_no;
			continue;
		}
		if (!header_line) {
			buf_printf(err, "line %ld: sequence before any header: a FASTA file must start with a '>' header line", line_no);
			return -1;
		}
	}
	if (!header_line) {
		buf_puts(err, "no FASTA header: the input has no line starting with '>'");
		return -1;
	}
	if (s->len == 0) {
		buf_puts(err, "sequence ");
		quote(err, rec->id.p, rec->id.len);
		buf_printf(err, " (header at line %ld) is empty", header_line);
		return -1;
	}
	rec->len = s->len;
	return 0;
}

/* ---- the digest --------------------------------------------------------------- */

struct fragment {
	long start, end, length;
};

static struct fragment *fragments(const struct cuts *cuts, long length, int circular, size_t *count) {
	struct fragment *out = malloc((cuts->count + 1) * sizeof *out);
	if (!out)
		oom();
	if (cuts->count == 0) {
		out[0] = (struct fragment){1, length, length};
		*count = 1;
		return out;
	}
	size_t k = 0;
	if (!circular) {
		long start = 1;
		for (size_t i = 0; i < cuts->count; i++) {
			long c = cuts->position[i];
			out[k++] = (struct fragment){start, c, c - start + 1};
			start = c + 1;
		}
		out[k++] = (struct fragment){start, length, length - start + 1};
		*count = k;
		return out;
	}
	for (size_t i = 0; i < cuts->count; i++) {
		long start = cuts->position[i] + 1, end = cuts->position[(i + 1) % cuts->count];
		if (end == 0)
			end = length;
		long size = end - start + 1;
		if (end < start)
			size = length - start + 1 + end;
		out[k++] = (struct fragment){start, end, size};
	}
	*count = k;
	return out;
}

/* ---- output --------------------------------------------------------------------- */

/* An out is a buffered writer on a file descriptor with a sticky error. */
struct out {
	int fd;
	int err;
	size_t len;
	char b[1 << 16];
};

static void out_flush(struct out *o) {
	size_t off = 0;
	while (!o->err && off < o->len) {
		ssize_t r = write(o->fd, o->b + off, o->len - off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			o->err = errno;
			break;
		}
		off += (size_t)r;
	}
	o->len = 0;
}

/* out_slow writes s[:n] through the buffer, flushing it as it fills. */
static void out_slow(struct out *o, const char *s, size_t n) {
	while (n > 0) {
		if (o->len == sizeof o->b)
			out_flush(o);
		size_t k = sizeof o->b - o->len;
		if (k > n)
			k = n;
		memcpy(o->b + o->len, s, k);
		o->len += k, s += k, n -= k;
	}
}

/* out_write appends s[:n]. It is inlined so that the constant length of a
   literal (out_lit) lets the compiler copy it with a few moves instead of a
   call to memcpy; in WebAssembly a call and libc's byte loop cost far more
   than natively. */
static inline __attribute__((always_inline)) void out_write(struct out *o, const char *s, size_t n) {
	if (__builtin_expect(n <= sizeof o->b - o->len, 1)) {
		memcpy(o->b + o->len, s, n);
		o->len += n;
		return;
	}
	out_slow(o, s, n);
}

/* out_lit writes a string literal. */
#define out_lit(o, s) out_write(o, s "", sizeof s - 1)

static void out_puts(struct out *o, const char *s) { out_write(o, s, strlen(s)); }

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_printf(struct out *o, const char *fmt, ...) {
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < (int)sizeof tmp) {
		out_write(o, tmp, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big)
		oom();
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	out_write(o, big, (size_t)n);
	free(big);
}

/* udigits is the number of decimal digits of u, found by comparisons: a
   division in WebAssembly is a real divide instruction (clang keeps
   i32.div_u), where native code multiplies by a reciprocal. */
static int udigits(unsigned long u) {
	int n = 1;
	for (uint64_t p = 10; n < 20 && (uint64_t)u >= p; p *= 10)
		n++;
	return n;
}

/* div10 is u / 10, by a multiplication for any u below 2^32. */
static inline unsigned long div10(unsigned long u) {
	if ((uint64_t)u >> 32)
		return u / 10;
	return (unsigned long)(((uint64_t)u * 0xCCCCCCCDULL) >> 35);
}

/* out_long writes v in decimal, right-aligned in width columns (printf's
   %*ld without its cost, which the per-fragment lines would pay), its
   digits straight into the buffer. */
static void out_long(struct out *o, long v, int width) {
	unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
	int n = udigits(u) + (v < 0);
	for (int pad = width - n; pad > 0; pad--)
		out_lit(o, " ");
	if (sizeof o->b - o->len < (size_t)n)
		out_flush(o);
	char *d = o->b + o->len + n;
	do {
		unsigned long q = div10(u);
		*--d = (char)('0' + (u - q * 10));
		u = q;
	} while (u);
	if (v < 0)
		*--d = '-';
	o->len += (size_t)n;
}

/* json_string writes s[:n] as Go's encoding/json does with HTML escaping
   off. */
static void json_string(struct out *o, const char *s, size_t n) {
	static const char hex[] = "0123456789abcdef";
	out_write(o, "\"", 1);
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			if (c >= 0x20 && c != '"' && c != '\\') {
				out_write(o, (const char *)&s[i], 1);
			} else {
				char e[7] = {'\\', 0};
				switch (c) {
				case '"': case '\\': e[1] = (char)c; out_write(o, e, 2); break;
				case '\b': out_write(o, "\\b", 2); break;
				case '\f': out_write(o, "\\f", 2); break;
				case '\n': out_write(o, "\\n", 2); break;
				case '\r': out_write(o, "\\r", 2); break;
				case '\t': out_write(o, "\\t", 2); break;
				default:
					memcpy(e, "\\u00", 4);
					e[4] = hex[c >> 4], e[5] = hex[c & 0xF];
					out_write(o, e, 6);
				}
			}
			i++;
			continue;
		}
		int size;
		uint32_t r = decode_rune((const unsigned char *)s + i, n - i, &size);
		if (r == 0xFFFD && size == 1)
			out_lit(o, "\\ufffd");
		else if (r == 0x2028 || r == 0x2029)
			out_printf(o, "\\u%04x", r);
		else
			out_write(o, s + i, (size_t)size);
		i += (size_t)size;
	}
	out_write(o, "\"", 1);
}

static void write_json(struct out *o, const struct record *rec, const int *enzs, int nenz, int circular, const struct cuts *cuts, const struct fragment *frags, size_t nfrag) {
	out_printf(o, "{\n  \"length\": %ld,\n  \"enzymes\": [\n", rec->len);
	for (int i = 0; i < nenz; i++) {
		out_lit(o, "    ");
		out_lit(o, "\"");
		out_puts(o, enzyme_table[enzs[i]].name);
		if (i + 1 < nenz)
			out_lit(o, "\",\n");
		else
			out_lit(o, "\"\n");
	}
	out_printf(o, "  ],\n  \"topology\": \"%s\",\n  \"sequence\": ", circular ? "circular" : "linear");
	json_string(o, rec->id.p, rec->id.len);
	out_lit(o, ",\n  \"cuts\": [");
	if (cuts->count == 0)
		out_lit(o, "],\n");
	else
		out_lit(o, "\n");
	for (size_t k = 0; k < cuts->count; k++) {
		out_lit(o, "    {\n      \"position\": ");
		out_long(o, cuts->position[k], 0);
		out_lit(o, ",\n      \"enzymes\": [\n");
		for (int j = cuts->first[k]; j < cuts->first[k + 1]; j++) {
			out_lit(o, "        \"");
			out_puts(o, enzyme_table[enzs[cuts->enz[j]]].name);
			if (j + 1 < cuts->first[k + 1])
				out_lit(o, "\",\n");
			else
				out_lit(o, "\"\n");
		}
		if (k + 1 < cuts->count)
			out_lit(o, "      ]\n    },\n");
		else
			out_lit(o, "      ]\n    }\n  ],\n");
	}
	out_lit(o, "  \"fragments\": [\n");
	for (size_t k = 0; k < nfrag; k++) {
		out_lit(o, "    {\n      \"start\": ");
		out_long(o, frags[k].start, 0);
		out_lit(o, ",\n      \"end\": ");
		out_long(o, frags[k].end, 0);
		out_lit(o, ",\n      \"length\": ");
		out_long(o, frags[k].length, 0);
		if (k + 1 < nfrag)
			out_lit(o, "\n    },\n");
		else
			out_lit(o, "\n    }\n");
	}
	out_lit(o, "  ]\n}\n");
}

static int digits(long v) { return v < 0 ? 1 : udigits((unsigned long)v); }

#define LONG_GREATER(x, y) ((x) > (y))
MERGE_SORT(sort_desc, long, LONG_GREATER)

static void write_table(struct out *o, const struct record *rec, const int *enzs, int nenz, int circular, const struct cuts *cuts, const struct fragment *frags, size_t nfrag) {
	out_lit(o, "sequence   ");
	out_write(o, rec->id.p, rec->id.len);
	if (rec->desc.len) {
		out_lit(o, " ");
		out_write(o, rec->desc.p, rec->desc.len);
	}
	out_printf(o, "\nlength     %ld bp\ntopology   %s\nenzymes    ", rec->len, circular ? "circular" : "linear");
	for (int i = 0; i < nenz; i++)
		out_printf(o, "%s%s %s", i ? ", " : "", enzyme_table[enzs[i]].name, enzyme_table[enzs[i]].notation);
	out_printf(o, "\ncuts       %zu\nfragments  %zu\n\n", cuts->count, nfrag);
	int nw = digits((long)nfrag), cw = digits((long)rec->len);
	if (cw < 6)
		cw = 6;
	out_printf(o, "%*s  %*s  %*s  %*s\n", nw, "#", cw, "start", cw, "end", cw, "length");
	for (size_t k = 0; k < nfrag; k++) {
		out_long(o, (long)k + 1, nw);
		out_write(o, "  ", 2);
		out_long(o, frags[k].start, cw);
		out_write(o, "  ", 2);
		out_long(o, frags[k].end, cw);
		out_write(o, "  ", 2);
		out_long(o, frags[k].length, cw);
		out_write(o, "\n", 1);
	}
	long *sizes = malloc(nfrag * sizeof(long));
	if (!sizes)
		oom();
	for (size_t k = 0; k < nfrag; k++)
		sizes[k] = frags[k].length;
	sort_desc(sizes, nfrag);
	out_lit(o, "\nsizes, largest first (bp):\n");
	size_t line = 0;
	out_lit(o, "  ");
	for (size_t k = 0; k < nfrag; k++) {
		int w = digits(sizes[k]);
		if (line != 0 && line + 1 + (size_t)w > 72) {
			out_lit(o, "\n  ");
			line = 0;
		}
		if (line != 0) {
			out_lit(o, " ");
			line++;
		}
		out_long(o, sizes[k], 0);
		line += (size_t)w;
	}
	out_lit(o, "\n");
	free(sizes);
}

/* ---- main ------------------------------------------------------------------------- */

static int fail(int code, struct buf *msg) {
	struct buf b = {0};
	buf_puts(&b, "digest: ");
	buf_put(&b, msg->p, msg->len);
	buf_putc(&b, '\n');
	size_t off = 0;
	while (off < b.len) {
		ssize_t r = write(2, b.p + off, b.len - off);
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	return code;
}

static struct out stdout_buf, file_buf;

int main(int argc, char **argv) {
	const char *inputs = argc > 2 ? argv[1] : "/inputs";
	const char *outputs = argc > 2 ? argv[2] : "/outputs";
	struct buf err = {0};
	init_codes();

	int enzs[ENZYME_COUNT];
	int nenz = parse_enzymes(getenv("ENZYMES"), enzs, &err);
	if (nenz < 0)
		return fail(EXIT_PARAMS, &err);
	int circular = parse_topology(getenv("TOPOLOGY"), &err);
	if (circular < 0)
		return fail(EXIT_PARAMS, &err);

	struct buf path = {0};
	buf_printf(&path, "%s/genome", inputs);
	unsigned char *data;
	size_t n;
	int e;
	switch (read_file(path.p, &data, &n, &e)) {
	case -1:
		buf_printf(&err, "input \"genome\": open %s: %s", path.p, go_errno(e));
		return fail(EXIT_INPUT, &err);
	case -2:
		buf_printf(&err, "input \"genome\" (%s): line 1: read %s: %s", path.p, path.p, go_errno(e));
		return fail(EXIT_INPUT, &err);
	}
	struct record rec = {0};
	struct search search = {0};
	search_init(&search, enzs, nenz);
	struct buf ferr = {0};
	if (parse_fasta(data, n, &rec, &search, &ferr) < 0) {
		buf_printf(&err, "input \"genome\" (%s): ", path.p);
		buf_put(&err, ferr.p, ferr.len);
		return fail(EXIT_INPUT, &err);
	}

	struct cuts cuts;
	search_finish(&search, circular, &cuts);
	size_t nfrag;
	struct fragment *frags = fragments(&cuts, rec.len, circular, &nfrag);

	struct buf out_path = {0};
	buf_printf(&out_path, "%s/fragments.json", outputs);
	file_buf.fd = open(out_path.p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (file_buf.fd < 0) {
		buf_printf(&err, "write output: open %s: %s", out_path.p, go_errno(errno));
		return fail(EXIT_OUTPUT, &err);
	}
	write_json(&file_buf, &rec, enzs, nenz, circular, &cuts, frags, nfrag);
	out_flush(&file_buf);
	if (!file_buf.err && close(file_buf.fd) < 0)
		file_buf.err = errno;
	if (file_buf.err) {
		buf_printf(&err, "write output: write %s: %s", out_path.p, go_errno(file_buf.err));
		return fail(EXIT_OUTPUT, &err);
	}

	stdout_buf.fd = 1;
	write_table(&stdout_buf, &rec, enzs, nenz, circular, &cuts, frags, nfrag);
	out_flush(&stdout_buf);
	if (stdout_buf.err) {
		buf_printf(&err, "write table to stdout: write /dev/stdout: %s", go_errno(stdout_buf.err));
		return fail(EXIT_OUTPUT, &err);
	}
	return 0;
}
