/* The engine's compiled kernels: the same arithmetic as the numpy path, bit for bit.
 *
 * Built at install by hatch_build.py into a plain shared library (no Python API),
 * loaded through ctypes by sim/engine/native.py. Every function here has a numpy
 * twin that stays the reference (tests/engine/test_native.py compares them):
 *
 *   thin  the day's thinning of post candidates (sim/engine/arrivals.py,
 *         PostGenerator.day): the voice, poster, topic and acceptance tests.
 *   resolve_copies  the copying model's follows (sim/engine/network.py,
 *         preferential_attachment): each copied edge takes its source's target.
 *   copying_model_rows  the whole of the copying model's graph from its draws
 *         (the same function): targets, copies, the people's relabelling, and
 *         the two sparse matrices as graph_rows makes them.
 *   pool  a multi-server priority queue with shifts and abandonment
 *         (sim/engine/queueing.py, ServerPool): its events, logged for the
 *         caller's callbacks in the order the Python pool calls them; and
 *         pool_take_up, the hub's intake of a day's posts (sim/engine/team.py,
 *         Team.take_up).
 *   team  the team's callbacks on those events (sim/engine/team.py, Team):
 *         replies, fixes, routing, broken promises, leads, abandonment.
 *   graph_rows  the follower graph's two sparse matrices from its edges listed by
 *         follower (sim/engine/network.py, _from_rows): rows sorted, each
 *         edge once, no self-follows, and the transpose.
 *   sorted_sample  numpy's Generator.choice(n, count, replace=False), sorted
 *         (sim/engine/streams.py, sorted_sample): its tail shuffle without the
 *         array of all n, drawing from the Generator's own bit generator.
 *   census, loyalty_drift  the day's passes over everyone (sim/engine/population.py,
 *         Population.census and Population.drift): counts by state with the
 *         customers' loyalty and margins, and the loyalty's drift.
 *   flag_changes  counts over the followers of the few people whose flag changed
 *         (sim/engine/network.py, FollowerGraph.followee_share).
 *   followers_among  how many of a few people follow each of a few nodes (the same
 *         file, FollowerGraph.followers_among: the influencers' complainers).
 *   loyalty_summary  the day's loyalty quantiles and NPS counts
 *         (sim/engine/metrics.py, loyalty_stats): exact order statistics by bins.
 *   draw_candidates  a day's candidates' counts, kinds, authors and key
 *         (sim/engine/arrivals.py, Candidates): numpy's Poisson and integers from
 *         the Generator's own bit generator.
 *   cascades  a day's reshare cascades (sim/engine/diffusion.py, cascades): the
 *         generations' audiences, their draws from the Generator's bit generator,
 *         the fresh (post, person) pairs; and spread_day, the posts' share
 *         probabilities, their cascades and the ledger's weights of everyone who
 *         broadcast them (the same file, cascades_weighed).
 *   book_batch  a day's posts into the book (sim/engine/posts.py, assemble and
 *         PostBook.extend): sorted by time, marked, kinds and gathers, written.
 *   day_posts, day_book  a day's posts in one pass (sim/engine/day_posts.py;
 *         its numpy twin HubspokeModel._day_posts): both parts drawn and
 *         thinned, the incidents' hit, the voiced kept, the book written.
 *   day_reading  what the ledger and the cascades read of a day's posts
 *         (sim/engine/posts.py, read_day).
 *
 * Floating point: comparisons, sums, differences, products and integer-to-float
 * conversions, each rounded once as IEEE 754 prescribes everywhere, in the twins'
 * order; build with -ffp-contract=off so that no product and sum are fused into one
 * rounding. The team's `exp` is the C library's, as its Python twin's `math.exp`.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef HUBSPOKE_KERNELS_SOURCE
#define HUBSPOKE_KERNELS_SOURCE "unknown"
#endif

#if defined(_WIN32)
#define EXPORT __declspec(dllexport)
#else
#define EXPORT __attribute__((visibility("default")))
#endif

/* The hash of the source this library was built from (the loader refuses a stale one). */
EXPORT const char *kernels_source(void) { return HUBSPOKE_KERNELS_SOURCE; }

/* sim/engine/keyed.py: SplitMix64's output mix of key + (i * FIELDS + field) * GOLDEN. */
static const uint64_t GOLDEN = 0x9E3779B97F4A7C15ULL;
static const uint64_t FIELDS = 16;

static inline double keyed_uniform(uint64_t key, uint64_t index, uint64_t field) {
    uint64_t z = index * (FIELDS * GOLDEN) + (field * GOLDEN + key);
    z ^= z >> 30;
    z *= 0xBF58476D1CE4E5B9ULL;
    z ^= z >> 27;
    z *= 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (double)(int64_t)(z >> 11) * 0x1.0p-53;
}

/* sim/engine/arrivals.py category: how many of the category bounds `u` reaches. */
static inline int64_t category(double u, const double *bounds, int64_t count) {
    int64_t index = 0;
    for (int64_t b = 0; b < count; b++) index += u >= bounds[b];
    return index;
}

/* Authors are random people: reading their voice or state misses the cache once the
 * population outgrows it, so the loop asks for a later candidate's ahead of time. */
#define PREFETCH_AHEAD 16
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(address) __builtin_prefetch(address)
#else
#define PREFETCH(address) ((void)(address))
#endif

/* The tests after the voice test, of one candidate of kind k by author a with its topic
 * and acceptance uniforms: its topic if it passes, else -1. */
static inline int64_t passes(int8_t k, int64_t a, double tu, double au,
                             const double *topic_bounds, int64_t topic_count, const double *incident_bounds,
                             int64_t incident_count, const double *max_defect,
                             const double *defect_level, const double *loyalty, int8_t complaint,
                             int8_t praise) {
    int64_t t;
    if (k == complaint) {
        t = category(tu, incident_bounds, incident_count);
        if (!(au * max_defect[t] < defect_level[t])) return -1;
    } else {
        t = category(tu, topic_bounds, topic_count);
        if (k == praise && !(au < loyalty[a] * loyalty[a])) return -1;
    }
    return t;
}

/* The survivors' part: for each of the `count` keyed indices `keep`, its uniforms for
 * `part_fields` (a row each), the first of which is its time of day, by inverting the
 * day's cumulative intensity as DailyRhythm.times does (24 hours; `cumulative` has 25
 * bounds). */
static void part_rows(uint64_t key, int64_t count, const int64_t *keep,
                      const uint64_t *part_fields, int64_t part_count, const double *cumulative,
                      const double *hour_share, double *part_u, double *hours) {
    for (int64_t j = 0; j < count; j++) {
        double *row = part_u + j * part_count;
        for (int64_t f = 0; f < part_count; f++)
            row[f] = keyed_uniform(key, (uint64_t)keep[j], part_fields[f]);
        const double u = row[0];
        int64_t hour = 0; /* searchsorted(cumulative, u, "right") - 1, within [0, 23] */
        while (hour < 25 && cumulative[hour] <= u) hour++;
        hour -= 1;
        if (hour > 23) hour = 23;
        if (hour < 0) hour = 0;
        const double share = hour_share[hour] > 1e-300 ? hour_share[hour] : 1e-300;
        double within = (u - cumulative[hour]) / share;
        if (!(within >= 0.0)) within = within != within ? within : 0.0; /* np.maximum(w, 0) */
        if (within > 1.0 - 1e-12) within = 1.0 - 1e-12;                /* np.minimum */
        hours[j] = (double)hour + within;
    }
}

/* The candidates that pass every test of PostGenerator.day, in order, then the loud
 * people's points (sim/engine/voiced.py) that pass them.
 *
 * Candidate i's keyed draws are at index i, its voice uniform is voice_low +
 * voice_width x its keyed uniform. With `has_voice`, incidents (kind `complaint`)
 * must first be voiced: voice uniform < voice of the author. Then the author's
 * state must be the kind's poster's; an incident takes its topic from the incident
 * shares and is accepted when accept_u * max_defect < defect_level of that topic;
 * praise is accepted when accept_u < loyalty^2; other kinds take their topic from
 * the topic shares.
 *
 * Then each of the `loud_count` people `loud` (only with `has_voice`): their number
 * of points is how many entries of `cdf` their keyed uniform (index (p + 1) <<
 * point_bits, field `count_field`) reaches; point j is an incident at index
 * ((p + 1) << point_bits) + j, its voice uniform band_low + (1 - band_low) x its
 * keyed uniform, through the same tests.
 *
 * Writes each survivor's keyed index (`keep`), author, kind, voice uniform and topic,
 * and, unless `part_u` is NULL, its part (part_rows); returns how many survived, or -1
 * if more than `capacity` would.
 */
EXPORT int64_t thin(int64_t count, const int8_t *kind, const int64_t *author, uint64_t key,
                    double voice_low, double voice_width, int32_t has_voice,
                    const double *voice, const int8_t *state, const int8_t *poster,
                    const double *topic_bounds, int64_t topic_count,
                    const double *incident_bounds, int64_t incident_count,
                    const double *max_defect, const double *defect_level,
                    const double *loyalty, int8_t complaint, int8_t praise,
                    uint64_t field_voice, uint64_t field_topic, uint64_t field_accept,
                    const uint64_t *part_fields, int64_t part_count, const double *cumulative,
                    const double *hour_share, const int64_t *loud, int64_t loud_count,
                    const double *cdf, int64_t cdf_count, uint64_t count_field,
                    int64_t point_bits, double band_low, int64_t capacity, int64_t *keep,
                    int64_t *kept_author, int8_t *kept_kind, double *voice_u, int64_t *topic,
                    double *part_u, double *hours) {
    int64_t kept = 0;
    for (int64_t i = 0; i < count; i++) {
        if (i + PREFETCH_AHEAD < count) { /* the first test's read of a later author */
            const int64_t later = author[i + PREFETCH_AHEAD];
            PREFETCH(has_voice ? (const void *)&voice[later] : (const void *)&state[later]);
        }
        const int8_t k = kind[i];
        const int64_t a = author[i];
        double vu = 0.0;
        if (has_voice) {
            vu = voice_low + voice_width * keyed_uniform(key, (uint64_t)i, field_voice);
            if (k == complaint && !(vu < voice[a])) continue;
        }
        if (state[a] != poster[k]) continue;
        if (!has_voice) vu = voice_low + voice_width * keyed_uniform(key, (uint64_t)i, field_voice);
        const int64_t t = passes(k, a, keyed_uniform(key, (uint64_t)i, field_topic),
                                 keyed_uniform(key, (uint64_t)i, field_accept), topic_bounds, topic_count, incident_bounds, incident_count,
                                 max_defect, defect_level, loyalty, complaint, praise);
        if (t < 0) continue;
        if (kept == capacity) return -1;
        keep[kept] = i;
        kept_author[kept] = a;
        kept_kind[kept] = k;
        voice_u[kept] = vu;
        topic[kept] = t;
        kept++;
    }
    const double band_width = 1.0 - band_low;
    for (int64_t q = 0; has_voice && q < loud_count; q++) {
        const int64_t a = loud[q];
        const uint64_t first = (uint64_t)(a + 1) << point_bits;
        const double u = keyed_uniform(key, first, count_field);
        int64_t points = 0; /* searchsorted(cdf, u, "right") */
        while (points < cdf_count && cdf[points] <= u) points++;
        for (int64_t j = 0; j < points; j++) {
            const uint64_t index = first + (uint64_t)j;
            const double vu = band_low + band_width * keyed_uniform(key, index, field_voice);
            if (!(vu < voice[a]) || state[a] != poster[complaint]) continue;
            const int64_t t = passes(complaint, a, keyed_uniform(key, index, field_topic),
                                     keyed_uniform(key, index, field_accept), topic_bounds, topic_count, incident_bounds, incident_count,
                                     max_defect, defect_level, loyalty, complaint, praise);
            if (t < 0) continue;
            if (kept == capacity) return -1;
            keep[kept] = (int64_t)index;
            kept_author[kept] = a;
            kept_kind[kept] = complaint;
            voice_u[kept] = vu;
            topic[kept] = t;
            kept++;
        }
    }
    if (part_u) part_rows(key, kept, keep, part_fields, part_count, cumulative, hour_share, part_u, hours);
    return kept;
}

/* ------------------------------------------------------------------ graph_rows
 *
 * The edges follower -> followee, listed by ascending follower (`count` of them),
 * as two compressed sparse row structures over `size` people: `follows` (row i:
 * whom i follows) and `followers` (row j: who follows j), each row's indices
 * ascending and each edge once, self-follows dropped. The same structures as
 * scipy's csr_matrix of the edges made canonical (sum_duplicates) and its
 * transpose converted back to rows (network.py, _from_rows: its numpy twin);
 * a structure so normalised has one form, so any correct build gives it.
 * The structures are int32, as scipy makes them below 2^31 people and edges;
 * `follows_indices` and `followers_indices` hold `count` entries. With `follower`
 * NULL, person i's edges are the `per_row` from i * per_row (a graph in which
 * everyone follows as many: the caller need not spell out who follows). Returns how
 * many edges are kept; -1 if a follower is out of order, an index out of range, the
 * rows not `per_row` each or the graph too large for int32 (the caller then takes
 * scipy's way), -2 if out of memory.
 */
/* a row of at most 16 by rank: each value's place is how many come before it (smaller,
 * or equal and earlier). No branch depends on the values, and the count over the row
 * is a loop the compiler turns into vector compares: random rows of 10 sort in about
 * half an insertion sort's time, which mispredicts at most of its steps */
static void sort_by_rank(int32_t *values, int32_t n) {
    int32_t copy[16];
    memcpy(copy, values, (size_t)n * sizeof(int32_t));
    for (int32_t i = 0; i < n; i++) {
        const int32_t v = copy[i];
        int32_t place = 0;
        for (int32_t j = 0; j < n; j++) place += (copy[j] < v) | ((copy[j] == v) & (j < i));
        values[place] = v;
    }
}

static void sort_small(int32_t *values, int32_t n) {
    if (n <= 16) {
        sort_by_rank(values, n);
        return;
    }
    for (int32_t i = 1; i < n; i++) {
        const int32_t v = values[i];
        int32_t j = i;
        while (j > 0 && values[j - 1] > v) {
            values[j] = values[j - 1];
            j--;
        }
        values[j] = v;
    }
}

static int compare_int32(const void *a, const void *b) {
    const int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* eight values sorted by an optimal network of 19 compare-exchanges (Knuth, TAOCP 3,
 * 5.3.4; tests/engine/test_native.py sorts all 40,320 orders of eight), each a
 * branch-free min and max: the copying model's rows are eight follows each (its kernel
 * at 50,000 people 9.2-9.5 -> 6.5-6.7 ms, at a million 297-310 -> 224-244 ms) */
#define COMPARE_EXCHANGE(v, a, b)                                                           \
    do {                                                                                    \
        const int32_t low = v[a] < v[b] ? v[a] : v[b], high = v[a] < v[b] ? v[b] : v[a];   \
        v[a] = low;                                                                         \
        v[b] = high;                                                                        \
    } while (0)

static inline void sort_eight(int32_t *v) {
    COMPARE_EXCHANGE(v, 0, 2); COMPARE_EXCHANGE(v, 1, 3); COMPARE_EXCHANGE(v, 4, 6);
    COMPARE_EXCHANGE(v, 5, 7); COMPARE_EXCHANGE(v, 0, 4); COMPARE_EXCHANGE(v, 1, 5);
    COMPARE_EXCHANGE(v, 2, 6); COMPARE_EXCHANGE(v, 3, 7); COMPARE_EXCHANGE(v, 0, 1);
    COMPARE_EXCHANGE(v, 2, 3); COMPARE_EXCHANGE(v, 4, 5); COMPARE_EXCHANGE(v, 6, 7);
    COMPARE_EXCHANGE(v, 2, 4); COMPARE_EXCHANGE(v, 3, 5); COMPARE_EXCHANGE(v, 1, 4);
    COMPARE_EXCHANGE(v, 3, 6); COMPARE_EXCHANGE(v, 1, 2); COMPARE_EXCHANGE(v, 3, 4);
    COMPARE_EXCHANGE(v, 5, 6);
}

/* `values[0:n]`, a row's followees without self-follows, sorted and each kept once in
 * place; returns how many are kept */
static int32_t canonical_row(int32_t *values, int32_t n) {
    if (n == 8)
        sort_eight(values);
    else if (n > 32)
        qsort(values, (size_t)n, sizeof(int32_t), compare_int32);
    else
        sort_small(values, n);
    int32_t unique = n > 0;
    for (int32_t k = 1; k < n; k++)
        if (values[k] != values[unique - 1]) values[unique++] = values[k];
    return unique;
}

/* `followers` from `follows` (its `kept` entries): count each followee's followers, then
 * place them by ascending follower (the rows are visited in order, so each row comes out
 * sorted). Returns `kept`, or -2 if out of memory. */
static int64_t transpose_rows(int64_t size, int32_t kept, const int32_t *follows_indptr,
                              const int32_t *follows_indices, int32_t *followers_indptr,
                              int32_t *followers_indices) {
    memset(followers_indptr, 0, (size_t)(size + 1) * sizeof(int32_t));
    for (int32_t k = 0; k < kept; k++) followers_indptr[follows_indices[k] + 1]++;
    for (int64_t j = 0; j < size; j++) followers_indptr[j + 1] += followers_indptr[j];
    int32_t *next = malloc((size_t)(size > 0 ? size : 1) * sizeof(int32_t));
    if (!next) return -2;
    memcpy(next, followers_indptr, (size_t)size * sizeof(int32_t));
    for (int64_t i = 0; i < size; i++)
        for (int32_t k = follows_indptr[i]; k < follows_indptr[i + 1]; k++)
            followers_indices[next[follows_indices[k]]++] = (int32_t)i;
    free(next);
    return kept;
}

EXPORT int64_t graph_rows(int64_t size, int64_t count, int64_t per_row,
                          const int64_t *follower, const int64_t *followee,
                          int32_t *follows_indptr, int32_t *follows_indices,
                          int32_t *followers_indptr, int32_t *followers_indices) {
    if (size < 0 || size >= INT32_MAX || count >= INT32_MAX) return -1;
    if (!follower && (per_row < 0 || per_row > count || count != size * per_row)) return -1;
    int32_t kept = 0;
    int64_t e = 0;
    follows_indptr[0] = 0;
    for (int64_t i = 0; i < size; i++) {
        const int32_t row = kept;
        int64_t end = e + per_row; /* without `follower`, everyone's `per_row` edges in turn */
        if (follower)
            for (end = e; end < count && follower[end] == i;) end++;
        for (; e < end; e++) {
            const int64_t j = followee[e];
            if (j < 0 || j >= size) return -1;
            if (j != i) follows_indices[kept++] = (int32_t)j;
        }
        if (follower && e < count && follower[e] < i) return -1; /* out of order, negative */
        kept = row + canonical_row(follows_indices + row, kept - row);
        follows_indptr[i + 1] = kept;
    }
    if (e != count) return -1; /* a follower at or above size */
    return transpose_rows(size, kept, follows_indptr, follows_indices, followers_indptr,
                          followers_indices);
}

/* ------------------------------------------------------------------ sorted_sample
 *
 * numpy's Generator.choice(n, count, replace=False) (numpy/random/_generator.pyx),
 * sorted, with the same draws from the Generator's own bit generator, through the
 * interface numpy exports (numpy/random/bitgen.h), and numpy's bounded integers
 * (distributions.c, random_bounded_uint64 below 2^32: Lemire's method on 32-bit
 * draws). numpy takes one of two ways:
 *  - n > 10000 and count > n // 50: the tail of arange(n) shuffled (_shuffle_int:
 *    for i = n-1 down to max(n - count, 1), j drawn in [0, i], data[i] and data[j]
 *    swapped; the sample is data[n - count:]). Here the same swaps on a virtual
 *    arange: the tail's positions in an array of count, the few others a swap
 *    wrote in a hash table; numpy allocates and fills all n (at a million people,
 *    most of a day's sampling time).
 *  - otherwise Floyd's algorithm (for j = n - count .. n-1, v drawn in [0, j]; v
 *    taken, or j if v was), then the sample shuffled: the shuffle's draws are made
 *    and its swaps skipped, as the order is not kept.
 * Either way the sample is written sorted, through a bitmap of n bits.
 */
typedef struct {
    void *state;
    uint64_t (*next_uint64)(void *state);
    uint32_t (*next_uint32)(void *state);
    double (*next_double)(void *state);
    uint64_t (*next_raw)(void *state);
} BitGenerator;

/* an integer in [0, rng], rng < 2^32 - 1: numpy's random_bounded_uint64 there */
static inline uint32_t bounded_below_2_32(BitGenerator *g, uint32_t rng) {
    if (rng == 0) return 0;
    const uint32_t rng_excl = rng + 1;
    uint64_t m = (uint64_t)g->next_uint32(g->state) * rng_excl;
    uint32_t leftover = (uint32_t)(m & 0xFFFFFFFFULL);
    if (leftover < rng_excl) {
        const uint32_t threshold = (UINT32_MAX - rng) % rng_excl;
        while (leftover < threshold) {
            m = (uint64_t)g->next_uint32(g->state) * rng_excl;
            leftover = (uint32_t)(m & 0xFFFFFFFFULL);
        }
    }
    return (uint32_t)(m >> 32);
}

/* the index of the lowest set bit of w != 0 */
static inline int64_t lowest_bit(uint64_t w) {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_ctzll(w);
#else
    int64_t b = 0;
    while (!(w & 1)) {
        w >>= 1;
        b++;
    }
    return b;
#endif
}

#define NOTHING UINT32_MAX /* an empty slot, a position holding its own index */
typedef struct { uint32_t key, value; } Swap;

/* the slot of `key` in a table of 2^bits slots: where it is, or the empty one to take */
static inline Swap *swap_slot(Swap *table, int bits, uint32_t key) {
    const uint64_t mask = ((uint64_t)1 << bits) - 1;
    uint64_t slot = ((uint64_t)key * GOLDEN) >> (64 - bits);
    while (table[slot].key != NOTHING && table[slot].key != key) slot = (slot + 1) & mask;
    return &table[slot];
}

static inline void mark(uint64_t *bits, uint32_t value) {
    bits[value >> 6] |= (uint64_t)1 << (value & 63);
}

static int tail_shuffle(BitGenerator *g, int64_t n, int64_t count, uint64_t *chosen) {
    const int64_t first = n - count > 1 ? n - count : 1;
    int bits = 4;
    while (((int64_t)1 << bits) < 2 * count) bits++;
    uint32_t *tail = malloc((size_t)(n - first) * sizeof(uint32_t));
    Swap *head = malloc(((size_t)1 << bits) * sizeof(Swap));
    if (!tail || !head) {
        free(tail);
        free(head);
        return -1;
    }
    memset(tail, 0xFF, (size_t)(n - first) * sizeof(uint32_t));
    memset(head, 0xFF, ((size_t)1 << bits) * sizeof(Swap));
    for (int64_t i = n - 1; i >= first; i--) {
        const uint32_t at_i = tail[i - first] == NOTHING ? (uint32_t)i : tail[i - first];
        const uint32_t j = bounded_below_2_32(g, (uint32_t)i);
        uint32_t at_j; /* swapped: position i, final now (later draws stay below i), takes it */
        if (j >= first) {
            at_j = tail[j - first] == NOTHING ? j : tail[j - first];
            tail[j - first] = at_i;
        } else {
            Swap *slot = swap_slot(head, bits, j);
            at_j = slot->key == NOTHING ? j : slot->value;
            slot->key = j;
            slot->value = at_i;
        }
        mark(chosen, at_j);
    }
    if (first > n - count) { /* count == n: position 0 is in the sample, never drawn for */
        const Swap *slot = swap_slot(head, bits, 0);
        mark(chosen, slot->key == NOTHING ? 0 : slot->value);
    }
    free(tail);
    free(head);
    return 0;
}

static void floyd(BitGenerator *g, int64_t n, int64_t count, uint64_t *chosen) {
    for (int64_t j = n - count; j < n; j++) {
        const uint32_t v = bounded_below_2_32(g, (uint32_t)j);
        mark(chosen, chosen[v >> 6] & ((uint64_t)1 << (v & 63)) ? (uint32_t)j : v);
    }
    for (int64_t i = count - 1; i >= 1; i--) bounded_below_2_32(g, (uint32_t)i);
}

/* Candidates.__init__ after its Poisson counts (sim/engine/arrivals.py): the kinds
 * `kind_of` repeated by their `counts` into `kind` (np.repeat), each candidate's author
 * in [0, size) into `author` as Generator.integers(0, size, n) draws them (numpy's
 * random_bounded_uint64_fill: Lemire's method on 32-bit draws below 2^32), then the
 * key as integers(0, 2**63) draws it (Lemire's method on a 64-bit draw, whose range
 * 2^63 makes it the draw's upper 63 bits and never rejects). Returns the key; the
 * caller keeps 1 <= size < 2^32 - 1. */
EXPORT uint64_t draw_candidates_from_counts(void *bitgen, int64_t kinds, const int64_t *counts,
                                           const int8_t *kind_of, int64_t size,
                                           int8_t *kind, int64_t *author) {
    BitGenerator *g = bitgen;
    int64_t n = 0;
    for (int64_t k = 0; k < kinds; k++)
        for (int64_t j = 0; j < counts[k]; j++) kind[n++] = kind_of[k];
    const uint32_t rng = (uint32_t)(size - 1);
    for (int64_t i = 0; i < n; i++) author[i] = (int64_t)bounded_below_2_32(g, rng);
    return g->next_uint64(g->state) >> 1;
}

/* numpy's Generator.poisson, one value (numpy/random/src/distributions/distributions.c,
 * random_poisson): the multiplication method below 10, Hoermann's transformed
 * rejection (PTRS) from 10, with its log-gamma; the same operations in the same
 * order, from the bit generator's next_double. */
static double numpy_loggam(double x) {
    static const double a[10] = {8.333333333333333e-02, -2.777777777777778e-03,
                                 7.936507936507937e-04, -5.952380952380952e-04,
                                 8.417508417508418e-04, -1.917526917526918e-03,
                                 6.410256410256410e-03, -2.955065359477124e-02,
                                 1.796443723688307e-01, -1.39243221690590e+00};
    int64_t n;
    if (x == 1.0 || x == 2.0) return 0.0;
    n = x < 7.0 ? (int64_t)(7 - x) : 0;
    double x0 = x + n;
    const double x2 = (1.0 / x0) * (1.0 / x0);
    const double lg2pi = 1.8378770664093453e+00;
    double gl0 = a[9];
    for (int64_t k = 8; k >= 0; k--) {
        gl0 *= x2;
        gl0 += a[k];
    }
    double gl = gl0 / x0 + 0.5 * lg2pi + (x0 - 0.5) * log(x0) - x0;
    if (x < 7.0) {
        for (int64_t k = 1; k <= n; k++) {
            gl -= log(x0 - 1.0);
            x0 -= 1.0;
        }
    }
    return gl;
}

static int64_t numpy_poisson(BitGenerator *g, double lam) {
    if (lam >= 10) {
        const double slam = sqrt(lam), loglam = log(lam);
        const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
        const double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
        while (1) {
            const double U = g->next_double(g->state) - 0.5, V = g->next_double(g->state);
            const double us = 0.5 - fabs(U);
            const int64_t k = (int64_t)floor((2 * a / us + b) * U + lam + 0.43);
            if ((us >= 0.07) && (V <= vr)) return k;
            if ((k < 0) || ((us < 0.013) && (V > us))) continue;
            if ((log(V) + log(invalpha) - log(a / (us * us) + b)) <=
                (-lam + k * loglam - numpy_loggam(k + 1)))
                return k;
        }
    }
    if (lam == 0) return 0;
    const double enlam = exp(-lam);
    int64_t x = 0;
    double prod = 1.0;
    while (1) {
        prod *= g->next_double(g->state);
        if (prod > enlam)
            x += 1;
        else
            return x;
    }
}

/* Candidates.__init__ whole: the counts as Generator.poisson(expected) draws them
 * (into `counts`), then, if they fit in `capacity`, draw_candidates_from_counts.
 * Returns the number of candidates; -1 if they do not fit (the counts drawn, nothing
 * else: the caller makes room and calls draw_candidates_from_counts); -2, having
 * drawn nothing, if an expected count is negative, NaN or beyond numpy's bound
 * (numpy would raise). */
EXPORT int64_t draw_candidates(void *bitgen, int64_t kinds, const double *expected,
                               const int8_t *kind_of, int64_t size, int64_t capacity,
                               int64_t *counts, int8_t *kind, int64_t *author,
                               uint64_t *key) {
    for (int64_t k = 0; k < kinds; k++)
        if (!(expected[k] >= 0.0 && expected[k] <= 9.223372006484771e+18)) return -2;
    int64_t n = 0;
    for (int64_t k = 0; k < kinds; k++) {
        counts[k] = numpy_poisson(bitgen, expected[k]);
        n += counts[k];
    }
    if (n > capacity) return -1;
    *key = draw_candidates_from_counts(bitgen, kinds, counts, kind_of, size, kind, author);
    return n;
}

/* Writes the sample sorted into `out` (count values) and returns 0; returns -1,
 * having drawn nothing, when n is out of the methods' range or memory is short. */
EXPORT int32_t sorted_sample(void *bitgen, int64_t n, int64_t count, int64_t *out) {
    if (count < 0 || count > n || n >= (int64_t)NOTHING) return -1;
    uint64_t *chosen = calloc((size_t)(n / 64 + 1), sizeof(uint64_t));
    if (!chosen) return -1;
    if (n > 10000 && count > n / 50) {
        if (tail_shuffle(bitgen, n, count, chosen) != 0) {
            free(chosen);
            return -1;
        }
    } else {
        floyd(bitgen, n, count, chosen);
    }
    int64_t written = 0;
    for (int64_t word = 0; word <= n / 64; word++) {
        for (uint64_t w = chosen[word]; w; w &= w - 1) out[written++] = word * 64 + lowest_bit(w);
    }
    free(chosen);
    return 0;
}

/* Each edge in `copies` (ascending) takes the target of the earlier edge it points
 * at; pointers point backwards, so one pass in order resolves chains of copies. */
EXPORT void resolve_copies(int64_t count, const int64_t *copies, const int64_t *pointer,
                           int64_t *target) {
    for (int64_t i = 0; i < count; i++) {
        const int64_t edge = copies[i];
        target[edge] = target[pointer[edge]];
    }
}

/* The copying model's graph from its draws (network.py, preferential_attachment,
 * whose numpy steps are the twin), straight into the two matrices of graph_rows.
 * `size` people each follow `m`: the first m + 1 (the core) each other in order,
 * then each newcomer f makes m edges, edge e of them (counted from the first
 * newcomer's) uniform when uniform_u[e] < share: its target floor(u * f) for its
 * turn's next `pick_u`, otherwise a copy of an earlier edge, floor(u * first) for the
 * next `copy_u`, where `first` is the index of f's own first edge (pointers point
 * backwards, so one pass in order resolves them). Person t's edges then become the
 * row relabel[t], each target relabelled, and the row is made canonical as in
 * graph_rows. The products and their truncation are numpy's: a double times an
 * integer converted to double, truncated towards zero. Targets are held as int32
 * (size * m < 2^31, checked by the caller): half the memory that the copies read at
 * random. Returns the edges kept, or -2 if out of memory. */
EXPORT int64_t copying_model_rows(int64_t size, int64_t m, const double *uniform_u,
                                  double share, const double *pick_u, const double *copy_u,
                                  const int64_t *relabel, int32_t *follows_indptr,
                                  int32_t *follows_indices, int32_t *followers_indptr,
                                  int32_t *followers_indices) {
    int32_t *target = malloc((size_t)(size * m > 0 ? size * m : 1) * sizeof(int32_t));
    int32_t *original = malloc((size_t)(size > 0 ? size : 1) * sizeof(int32_t));
    if (!target || !original) {
        free(target);
        free(original);
        return -2;
    }
    const int64_t seeds = m + 1, core = seeds * m;
    int64_t edge = 0;
    for (int64_t i = 0; i < seeds; i++)
        for (int64_t j = 0; j < seeds; j++)
            if (i != j) target[edge++] = (int32_t)j;
    int64_t picks = 0, copies = 0, e = 0;
    for (int64_t f = seeds; f < size; f++) {
        const double follower = (double)f, first = (double)(core + (f - seeds) * m);
        for (int64_t k = 0; k < m; k++, e++, edge++) {
            if (uniform_u[e] < share)
                target[edge] = (int32_t)(int64_t)(pick_u[picks++] * follower);
            else
                target[edge] = target[(int64_t)(copy_u[copies++] * first)];
        }
    }
    for (int64_t t = 0; t < size; t++) original[relabel[t]] = (int32_t)t;
    /* the rows' relabelled targets, read at random, are gathered a block of rows at a
     * time before the block is sorted: a loop of loads alone keeps many misses in flight
     * (a million people: 800 ms row by row, 620 ms by blocks, for the whole build) */
    enum { BLOCK = 1024 };
    int32_t *gathered = malloc((size_t)(BLOCK * (m > 0 ? m : 1)) * sizeof(int32_t));
    if (!gathered) {
        free(target);
        free(original);
        return -2;
    }
    int32_t kept = 0;
    follows_indptr[0] = 0;
    for (int64_t start = 0; start < size; start += BLOCK) {
        const int64_t stop = start + BLOCK < size ? start + BLOCK : size;
        int32_t *out = gathered;
        for (int64_t r = start; r < stop; r++) {
            const int32_t *edges = target + (int64_t)original[r] * m;
            for (int64_t k = 0; k < m; k++) *out++ = (int32_t)relabel[edges[k]];
        }
        for (int64_t r = start; r < stop; r++) {
            const int32_t row = kept, *edges = gathered + (r - start) * m;
            for (int64_t k = 0; k < m; k++)
                if (edges[k] != r) follows_indices[kept++] = edges[k];
            kept = row + canonical_row(follows_indices + row, kept - row);
            follows_indptr[r + 1] = kept;
        }
    }
    free(gathered);
    free(target);
    free(original);
    return transpose_rows(size, kept, follows_indptr, follows_indices, followers_indptr,
                          followers_indices);
}

/* ------------------------------------------------------------------ pool
 *
 * The Python pool's four heaps are lists kept by `heapq`; so are these, with
 * heapq's exact algorithms (push: sift down; pop: the last item to the root,
 * then sift up to a leaf and down again; heapify: sift up from the middle), so
 * that each heap's array holds the same items in the same places. The order of
 * an array matters: the work under way and the abandoned posts are visited in
 * it, and float sums depend on their order.
 *
 * Priority keys are (primary, secondary, post): they must not be NaN (Python
 * and C compare NaN differently).
 */

typedef struct { double time; int64_t seq, post; double primary, secondary, gives_up, work; } Arrival;
typedef struct { double primary, secondary; int64_t post; double gives_up, work; } Waiting;
typedef struct { double time; int64_t seq, server; } Free;
typedef struct { double done; int64_t seq, post, server; double work; } Service;

static inline int arrival_less(const Arrival *a, const Arrival *b) {
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}
static inline int free_less(const Free *a, const Free *b) {
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}
static inline int service_less(const Service *a, const Service *b) {
    return a->done < b->done || (a->done == b->done && a->seq < b->seq);
}
static inline int waiting_less(const Waiting *a, const Waiting *b) {
    if (a->primary != b->primary) return a->primary < b->primary;
    if (a->secondary != b->secondary) return a->secondary < b->secondary;
    return a->post < b->post;
}

/* a growable array */
#define ARRAY(Name, Type)                                                                \
    typedef struct { Type *items; int64_t size, capacity; } Name;                        \
    static inline int Name##_reserve(Name *h, int64_t size) {                            \
        if (size <= h->capacity) return 0;                                               \
        int64_t capacity = h->capacity ? 2 * h->capacity : 64;                           \
        while (capacity < size) capacity *= 2;                                           \
        Type *items = realloc(h->items, (size_t)capacity * sizeof(Type));                \
        if (!items) return -1;                                                           \
        h->items = items;                                                                \
        h->capacity = capacity;                                                          \
        return 0;                                                                        \
    }

/* a growable array used as a heap, with heapq's push, pop and heapify */
#define HEAP(Name, Type, LESS)                                                           \
    ARRAY(Name, Type)                                                                    \
    static inline void Name##_sift_down(Name *h, int64_t start, int64_t pos) {           \
        Type item = h->items[pos];                                                       \
        while (pos > start) {                                                            \
            int64_t parent = (pos - 1) >> 1;                                             \
            if (!LESS(&item, &h->items[parent])) break;                                  \
            h->items[pos] = h->items[parent];                                            \
            pos = parent;                                                                \
        }                                                                                \
        h->items[pos] = item;                                                            \
    }                                                                                    \
    static inline void Name##_sift_up(Name *h, int64_t pos) {                            \
        int64_t end = h->size, start = pos, child = 2 * pos + 1;                         \
        Type item = h->items[pos];                                                       \
        while (child < end) {                                                            \
            int64_t right = child + 1;                                                   \
            if (right < end && !LESS(&h->items[child], &h->items[right])) child = right; \
            h->items[pos] = h->items[child];                                             \
            pos = child;                                                                 \
            child = 2 * pos + 1;                                                         \
        }                                                                                \
        h->items[pos] = item;                                                            \
        Name##_sift_down(h, start, pos);                                                 \
    }                                                                                    \
    static inline int Name##_push(Name *h, Type item) {                                  \
        if (Name##_reserve(h, h->size + 1)) return -1;                                   \
        h->items[h->size++] = item;                                                      \
        Name##_sift_down(h, 0, h->size - 1);                                             \
        return 0;                                                                        \
    }                                                                                    \
    static inline Type Name##_pop(Name *h) {                                             \
        Type last = h->items[--h->size];                                                 \
        if (h->size == 0) return last;                                                   \
        Type top = h->items[0];                                                          \
        h->items[0] = last;                                                              \
        Name##_sift_up(h, 0);                                                            \
        return top;                                                                      \
    }                                                                                    \
    static inline void Name##_heapify(Name *h) {                                         \
        for (int64_t i = h->size / 2 - 1; i >= 0; i--) Name##_sift_up(h, i);             \
    }

HEAP(ArrivalHeap, Arrival, arrival_less)
HEAP(WaitingHeap, Waiting, waiting_less)
HEAP(FreeHeap, Free, free_less)
HEAP(ServiceHeap, Service, service_less)

/* sim/engine/shifts.py Shift.available_from, with its last on-shift interval kept */
typedef struct {
    double start_hour, hours, active_from, active_until, within_lo, within_hi;
    int8_t works[7];
    int32_t never, always;
} Shift;

static const double HOURS_PER_DAY = 24.0;

static double available_from(Shift *s, double time) {
    if (time < s->active_from) time = s->active_from;
    if (time >= s->active_until || s->never) return INFINITY;
    if (s->always) return time;
    if (s->within_lo <= time && time < s->within_hi) return time;
    int64_t day = (int64_t)floor(time / HOURS_PER_DAY);
    for (int64_t d = day - 1; d < day + 9; d++) {
        if (!s->works[((d % 7) + 7) % 7]) continue;
        double start = (double)d * HOURS_PER_DAY + s->start_hour;
        if (time < start + s->hours) {
            s->within_lo = start;
            s->within_hi = start + s->hours;
            double found = time > start ? time : start;
            return found < s->active_until ? found : INFINITY;
        }
    }
    return INFINITY;
}

/* the events the caller's callbacks follow, in the order they happened */
enum { EVENT_START = 0, EVENT_COMPLETE = 1, EVENT_ABANDON = 2 };
typedef struct { int8_t kind; int64_t post, server; double time; } Event;
ARRAY(EventLog, Event)

typedef struct {
    ArrivalHeap arrivals;
    WaitingHeap waiting;
    FreeHeap free;
    ServiceHeap services;
    EventLog log;
    Shift *shifts;
    int64_t servers, shift_capacity, seq;
    double clock, busy_hours, completed_hours;
    int32_t failed; /* out of memory: the caller raises */
} Pool;

EXPORT Pool *pool_new(void) { return calloc(1, sizeof(Pool)); }

EXPORT void pool_free(Pool *pool) {
    if (!pool) return;
    free(pool->arrivals.items);
    free(pool->waiting.items);
    free(pool->free.items);
    free(pool->services.items);
    free(pool->log.items);
    free(pool->shifts);
    free(pool);
}

static void log_event(Pool *pool, int8_t kind, int64_t post, double time, int64_t server) {
    if (EventLog_reserve(&pool->log, pool->log.size + 1)) { pool->failed = 1; return; }
    Event event = {kind, post, server, time};
    pool->log.items[pool->log.size++] = event;
}

static void push_free(Pool *pool, double time, int64_t server) {
    Free item = {time, pool->seq++, server};
    if (FreeHeap_push(&pool->free, item)) pool->failed = 1;
}

EXPORT int32_t pool_add_server(Pool *pool, double start_hour, double hours, const int8_t *works,
                               int32_t never, int32_t always, double active_from,
                               double active_until, double from_time) {
    if (pool->servers == pool->shift_capacity) {
        int64_t capacity = pool->shift_capacity ? 2 * pool->shift_capacity : 16;
        Shift *shifts = realloc(pool->shifts, (size_t)capacity * sizeof(Shift));
        if (!shifts) return -1;
        pool->shifts = shifts;
        pool->shift_capacity = capacity;
    }
    Shift *s = &pool->shifts[pool->servers];
    s->start_hour = start_hour;
    s->hours = hours;
    s->active_from = active_from;
    s->active_until = active_until;
    s->within_lo = INFINITY;
    s->within_hi = -INFINITY;
    memcpy(s->works, works, 7);
    s->never = never;
    s->always = always;
    int64_t index = pool->servers++;
    double start = available_from(s, from_time);
    if (start < INFINITY) push_free(pool, start, index);
    return pool->failed ? -1 : 0;
}

/* posts arriving, in the order given (each takes the next sequence number) */
EXPORT int32_t pool_arrive(Pool *pool, int64_t count, const double *time, const int64_t *post,
                           const double *primary, const double *secondary,
                           const double *gives_up, const double *work) {
    if (ArrivalHeap_reserve(&pool->arrivals, pool->arrivals.size + count)) return -1;
    for (int64_t i = 0; i < count; i++) {
        Arrival item = {time[i], pool->seq++, post[i], primary[i], secondary[i], gives_up[i], work[i]};
        ArrivalHeap_push(&pool->arrivals, item);
    }
    return 0;
}

/* Team.take_up (sim/engine/team.py) with a compiled hub, for the book's rows [first,
 * first + count): the posts the hub answers (`answers` by kind) and sees (tagged, or a
 * listening draw below `listening`) are queued, the others left unanswered, and the
 * queued arrive in the pool in order, as CompiledPool.arrive_many hands them over:
 * at their creation, their work the handling draw times the kind's hours, giving up
 * at creation plus patience, in line by `rule` (0 first come, 1 visibility: the most
 * followed first, 2 severity, 3 deadline; Rules.priority_order), then by creation.
 * Returns how many were queued; -2, having changed nothing, if a place in the line is
 * NaN; -1 out of memory. */
EXPORT int64_t pool_take_up(Pool *pool, int64_t first, int64_t count, const int8_t *kind,
                            const uint8_t *addressed, const double *listen_u, double listening,
                            const uint8_t *answers, const double *handle_hours,
                            const double *created, const double *handle_work,
                            const double *patience, const int64_t *followers,
                            const double *negativity, int32_t rule, const double *severity,
                            double sla_hours, const double *sla_factor, uint8_t *queued,
                            int8_t *outcome, int8_t unanswered, int8_t pending) {
    double *primary = malloc((size_t)(count > 0 ? count : 1) * sizeof(double));
    if (!primary) return -1;
    int64_t taken = 0;
    for (int64_t j = 0; j < count; j++) {
        const int64_t i = first + j;
        if (!(answers[kind[i]] & (addressed[i] | (listen_u[i] < listening)))) continue;
        const double when = created[i];
        double place = when;
        if (rule == 1) place = -(double)followers[i];
        else if (rule == 2) place = -(severity[kind[i]] + negativity[i]);
        else if (rule == 3) place = when + sla_hours * sla_factor[kind[i]];
        if (place != place || when != when) {
            free(primary);
            return -2;
        }
        primary[taken++] = place;
    }
    if (ArrivalHeap_reserve(&pool->arrivals, pool->arrivals.size + taken)) {
        free(primary);
        return -1;
    }
    int64_t k = 0;
    for (int64_t j = 0; j < count; j++) {
        const int64_t i = first + j;
        const int take = answers[kind[i]] & (addressed[i] | (listen_u[i] < listening));
        outcome[i] = take ? pending : unanswered;
        if (!take) continue;
        queued[i] = 1;
        const Arrival item = {created[i], pool->seq++, i, primary[k++], created[i],
                              created[i] + patience[i], handle_work[i] * handle_hours[kind[i]]};
        ArrivalHeap_push(&pool->arrivals, item);
    }
    free(primary);
    return taken;
}

static void serve(Pool *pool, double now) {
    Free taken = FreeHeap_pop(&pool->free);
    int64_t server = taken.server;
    Shift *shift = &pool->shifts[server];
    double start = available_from(shift, now);
    pool->clock = now;
    if (start > now) { /* the shift ended while idle: wait for the next one */
        if (start < INFINITY) push_free(pool, start, server);
        return;
    }
    while (pool->waiting.size) {
        Waiting next = WaitingHeap_pop(&pool->waiting);
        if (next.gives_up <= now) {
            log_event(pool, EVENT_ABANDON, next.post, next.gives_up, -1);
            continue;
        }
        log_event(pool, EVENT_START, next.post, now, server);
        pool->busy_hours += next.work;
        double done = now + next.work;
        Service service = {done, pool->seq++, next.post, server, next.work};
        if (ServiceHeap_push(&pool->services, service)) pool->failed = 1;
        double after = available_from(shift, done);
        if (after < INFINITY) push_free(pool, after, server);
        return;
    }
    push_free(pool, now, server);
}

/* every event up to and including `until`; returns how many were logged (-1: no memory) */
EXPORT int64_t pool_advance(Pool *pool, double until) {
    pool->log.size = 0;
    for (;;) {
        double t_arrival = pool->arrivals.size ? pool->arrivals.items[0].time : INFINITY;
        double t_server = INFINITY;
        if (pool->free.size && pool->waiting.size) {
            t_server = pool->free.items[0].time;
            if (t_server < pool->clock) t_server = pool->clock;
        }
        double t_done = pool->services.size ? pool->services.items[0].done : INFINITY;
        if (t_done <= t_arrival && t_done <= t_server) {
            if (t_done > until || t_done == INFINITY) break;
            Service service = ServiceHeap_pop(&pool->services);
            pool->completed_hours += service.work;
            pool->clock = t_done;
            log_event(pool, EVENT_COMPLETE, service.post, t_done, service.server);
        } else if (t_arrival <= t_server) {
            if (t_arrival > until || t_arrival == INFINITY) break;
            Arrival arrival = ArrivalHeap_pop(&pool->arrivals);
            pool->clock = t_arrival;
            Waiting waiting = {arrival.primary, arrival.secondary, arrival.post, arrival.gives_up,
                               arrival.work};
            if (WaitingHeap_push(&pool->waiting, waiting)) pool->failed = 1;
        } else {
            if (t_server > until) break;
            serve(pool, t_server);
        }
        if (pool->failed) return -1;
    }
    if (until > pool->clock) pool->clock = until;
    return pool->log.size;
}

/* the waiting posts whose patience ran out by `until`, logged in the heap's order */
EXPORT int64_t pool_drain_abandoned(Pool *pool, double until) {
    pool->log.size = 0;
    int64_t kept = 0;
    for (int64_t i = 0; i < pool->waiting.size; i++) {
        Waiting item = pool->waiting.items[i];
        if (item.gives_up <= until) {
            log_event(pool, EVENT_ABANDON, item.post, item.gives_up, -1);
        } else {
            pool->waiting.items[kept++] = item;
        }
    }
    pool->waiting.size = kept;
    WaitingHeap_heapify(&pool->waiting);
    return pool->failed ? -1 : pool->log.size;
}

/* the last call's events, copied out */
EXPORT void pool_read_log(const Pool *pool, int8_t *kind, int64_t *post, double *time,
                          int64_t *server) {
    for (int64_t i = 0; i < pool->log.size; i++) {
        const Event *event = &pool->log.items[i];
        kind[i] = event->kind;
        post[i] = event->post;
        time[i] = event->time;
        server[i] = event->server;
    }
}

/* hours of work done by `time`: completed services, and those under way up to `time` */
EXPORT double pool_busy_through(const Pool *pool, double time) {
    double under_way = 0.0;
    for (int64_t i = 0; i < pool->services.size; i++) {
        const Service *s = &pool->services.items[i];
        double elapsed = time - (s->done - s->work);
        if (elapsed < 0.0) elapsed = 0.0;
        under_way += s->work < elapsed ? s->work : elapsed;
    }
    return pool->completed_hours + under_way;
}

/* the services under way (post, server), in the heap's order; returns how many */
EXPORT int64_t pool_under_way(const Pool *pool, int64_t *post, int64_t *server) {
    for (int64_t i = 0; i < pool->services.size; i++) {
        post[i] = pool->services.items[i].post;
        server[i] = pool->services.items[i].server;
    }
    return pool->services.size;
}

EXPORT int64_t pool_services(const Pool *pool) { return pool->services.size; }
EXPORT int64_t pool_waiting(const Pool *pool) { return pool->waiting.size; }
EXPORT double pool_clock(const Pool *pool) { return pool->clock; }
EXPORT double pool_busy_hours(const Pool *pool) { return pool->busy_hours; }
EXPORT double pool_completed_hours(const Pool *pool) { return pool->completed_hours; }

/* ------------------------------------------------------------------ team
 *
 * sim/engine/team.py's callbacks on the queues' events, in the order the
 * queues log them: the same effects on the post book, the people, the
 * defects and the day's ledger, with the same arithmetic (Python's min and
 * max are written out as the comparisons they make). What the Python ledger
 * keeps in lists (response and resolution hours, the people given a reply
 * weight) is logged here and appended by the caller in the same order.
 */

enum { ROUTING_HUB_ONLY = 0, ROUTING_HUB_AND_SPOKE = 1, ROUTING_PR_ONLY = 2 };

/* sim/engine/posts.py KIND and OUTCOME, and population.py's states */
enum { KIND_COMPLAINT = 0, KIND_QUESTION = 1, KIND_PRAISE = 2, KIND_LEAD = 3, KIND_ATTACK = 5 };
enum { OUTCOME_ABANDONED = 2, OUTCOME_REPLIED = 3, OUTCOME_ROUTED = 4, OUTCOME_RESOLVED = 5,
       OUTCOME_BROKEN = 6 };
enum { STATE_PROSPECT = 0, STATE_CUSTOMER = 1 };

/* every field 8 bytes wide: the ctypes mirror in sim/engine/team.py needs no padding rules */
typedef struct {
    /* the post book: read */
    const int8_t *kind;
    const int64_t *author;
    const double *created;
    const uint8_t *background;
    const double *follow_u;
    const uint8_t *problem;
    const int8_t *topic;
    const double *loyalty_before;
    const double *spoke_work;
    /* the post book: written */
    double *service_start, *first_response, *reply_uplift, *resolved_at, *loyalty_after_fix;
    double *spoke_start;
    int8_t *outcome, *routed_to;
    /* the people */
    double *loyalty, *voice;
    const double *baseline_loyalty, *margin_by_segment;
    const int8_t *segment;
    int8_t *state;
    int32_t *open_issues;
    double *reply_weight;
    /* the topics' defects */
    double *level;
    const double *everyday, *hidden_growth, *floor;
    double *recognised_at;
    const int64_t *recognised_after;
    int64_t *department_fixes;
    /* the spokes */
    const int64_t *topic_spoke;
    const double *resolution_hours, *follow_through;
    Pool *const *spokes;
    const int64_t *slot_offset;   /* spoke s's slots are liaison slots from slot_offset[s] */
    const int64_t *slot_liaison;  /* a slot's liaison */
    const double *effort_hours;   /* by liaison */
    double *case_hours;           /* by liaison, today's, added to */
    /* settings */
    int64_t spoke_count, topic_count, sales, routing, exponential_speed, recovery_ceiling, freeze_loyalty;
    int64_t close_loop, attack_reply_goodwill;
    double spin, hub_lead_close, lead_close_rate, resolve_share, answer_share, reply_gain;
    double speed_scale_hours, resolution_value_days, resolution_gain, answer_gain;
    double compensation_per_resolution, broken_promise_hit, squeaky_wheel, revenue_floor;
    double fix_share;
    /* the day's tallies, added to */
    int64_t resolved, routed, broken, abandoned, leads_closed, root_cause_fixes, converted;
    double compensation, spoke_held;
} TeamState;

/* the ledger's lists, appended to in event order and read by the caller */
typedef struct {
    double *response, *resolution;
    int64_t *touched;
    int64_t responses, resolutions, touches, capacity[3];
    int32_t failed;
} TeamLog;

EXPORT TeamLog *team_log_new(void) { return calloc(1, sizeof(TeamLog)); }

EXPORT void team_log_free(TeamLog *log) {
    if (!log) return;
    free(log->response);
    free(log->resolution);
    free(log->touched);
    free(log);
}

EXPORT void team_log_clear(TeamLog *log) { log->responses = log->resolutions = log->touches = 0; }

EXPORT int64_t team_log_count(const TeamLog *log, int32_t which) {
    return which == 0 ? log->responses : which == 1 ? log->resolutions : log->touches;
}

EXPORT void team_log_read(const TeamLog *log, double *response, double *resolution,
                          int64_t *touched) {
    memcpy(response, log->response, (size_t)log->responses * sizeof(double));
    memcpy(resolution, log->resolution, (size_t)log->resolutions * sizeof(double));
    memcpy(touched, log->touched, (size_t)log->touches * sizeof(int64_t));
}

static void *grow(void *items, int64_t *capacity, int64_t size, size_t width, int32_t *failed) {
    if (size < *capacity) return items;
    int64_t wanted = *capacity ? 2 * *capacity : 256;
    void *grown = realloc(items, (size_t)wanted * width);
    if (!grown) { *failed = 1; return items; }
    *capacity = wanted;
    return grown;
}

static void log_response(TeamLog *log, double hours) {
    log->response = grow(log->response, &log->capacity[0], log->responses, sizeof(double), &log->failed);
    if (!log->failed) log->response[log->responses++] = hours;
}

static void log_resolution(TeamLog *log, double hours) {
    log->resolution = grow(log->resolution, &log->capacity[1], log->resolutions, sizeof(double), &log->failed);
    if (!log->failed) log->resolution[log->resolutions++] = hours;
}

static void weigh_reply(TeamState *t, TeamLog *log, int64_t person, double value) {
    t->reply_weight[person] += value;
    log->touched = grow(log->touched, &log->capacity[2], log->touches, sizeof(int64_t), &log->failed);
    if (!log->failed) log->touched[log->touches++] = person;
}

static double revenue_of(const TeamState *t, int64_t person) {
    double margin = t->margin_by_segment[t->segment[person]];
    return margin * (t->revenue_floor + (1.0 - t->revenue_floor) * t->loyalty[person]);
}

static void shift_one(TeamState *t, int64_t person, double amount) {
    if (t->freeze_loyalty) return;
    double value = t->loyalty[person] + amount;
    t->loyalty[person] = value < 0.0 ? 0.0 : (value > 1.0 ? 1.0 : value);
}

static double restoring(const TeamState *t, int64_t post, int64_t author, double gain) {
    if (!t->recovery_ceiling) return gain;
    double ceiling = t->loyalty_before[post];
    if (isnan(ceiling)) ceiling = t->baseline_loyalty[author];
    double room = ceiling - t->loyalty[author];
    double most = room > 0.0 ? room : 0.0;   /* max(0.0, room) */
    return most < gain ? most : gain;         /* min(gain, most) */
}

static int64_t make_customer(TeamState *t, int64_t person) {
    if (t->state[person] != STATE_PROSPECT) return 0;
    t->state[person] = STATE_CUSTOMER;
    t->converted += 1;
    return 1;
}

static double hub_share(const TeamState *t, int problem) {
    return problem ? t->resolve_share : t->answer_share;
}

static void route(TeamState *t, int64_t post, int64_t spoke, double time) {
    Pool *pool = t->spokes[spoke];
    if (pool->servers == 0) return; /* nobody staffs that department: a reply is all */
    t->outcome[post] = OUTCOME_ROUTED;
    t->routed_to[post] = (int8_t)spoke;
    double work = t->spoke_work[post] * t->resolution_hours[spoke];
    Arrival item = {time, pool->seq++, post, time, time, INFINITY, work};
    if (ArrivalHeap_push(&pool->arrivals, item)) pool->failed = 1;
    t->routed += 1;
}

static void department_fixed(TeamState *t, int64_t topic, double time) {
    if (t->hidden_growth[topic] <= 0 || !isnan(t->recognised_at[topic])) return;
    t->department_fixes[topic] += 1;
    if (t->department_fixes[topic] >= t->recognised_after[topic]) {
        t->recognised_at[topic] = time;
        t->level[topic] = t->everyday[topic];
    }
}

static int fix_root_cause(TeamState *t, int64_t topic) {
    double level = t->level[topic], floor_ = t->floor[topic];
    if (level <= floor_ + 0.01 * t->everyday[topic]) return 0;
    t->level[topic] = floor_ + (level - floor_) * (1.0 - t->fix_share);
    return 1;
}

static void resolve(TeamState *t, TeamLog *log, int64_t post, double time, int by_spoke,
                    int64_t author, double created, int outside, int problem, int64_t topic) {
    t->outcome[post] = OUTCOME_RESOLVED;
    t->resolved_at[post] = time;
    t->resolved += 1;
    log_resolution(log, time - created);
    double days = (time - created) / HOURS_PER_DAY;
    double fade = exp(-days / t->resolution_value_days);
    if (!outside) {
        double gain = problem ? t->resolution_gain : t->answer_gain;
        shift_one(t, author, restoring(t, post, author, gain * fade));
        if (problem) {
            t->loyalty_after_fix[post] = t->loyalty[author];
            if (t->open_issues[author] > 0) t->open_issues[author] -= 1;
        }
    }
    if (!problem) return;
    t->compensation += t->compensation_per_resolution;
    if (!by_spoke) return; /* the hub fixes the customer's case, not the cause */
    department_fixed(t, topic, time);
    if (t->close_loop && fix_root_cause(t, topic)) t->root_cause_fixes += 1;
}

static void reply_lifts(TeamState *t, TeamLog *log, int64_t post, int64_t author, double delay,
                        int problem) {
    weigh_reply(t, log, author, t->spin);
    double speed = t->exponential_speed ? exp(-delay / t->speed_scale_hours)
                                        : 1.0 / (1.0 + delay / t->speed_scale_hours);
    if (problem && t->squeaky_wheel > 0) {
        double louder = t->voice[author] * (1.0 + t->squeaky_wheel);
        t->voice[author] = 1.0 < louder ? 1.0 : louder; /* np.minimum(1.0, louder) */
    }
    double before = revenue_of(t, author);
    shift_one(t, author, restoring(t, post, author, t->reply_gain * speed * t->spin));
    if (t->state[author] == STATE_CUSTOMER && before > 0)
        t->reply_uplift[post] = revenue_of(t, author) / before - 1.0;
}

static void hub_complete(TeamState *t, TeamLog *log, int64_t post, double time) {
    const int kind = t->kind[post];
    const int64_t author = t->author[post];
    const double created = t->created[post];
    const int outside = t->background[post] != 0, problem = t->problem[post] != 0;
    const double follow_u = t->follow_u[post];
    const int64_t topic = t->topic[post] < 0 ? t->topic[post] + t->topic_count : t->topic[post];
    t->first_response[post] = time;
    log_response(log, time - created);
    t->outcome[post] = OUTCOME_REPLIED;
    if (kind == KIND_ATTACK) {
        if (t->attack_reply_goodwill) weigh_reply(t, log, author, t->spin);
        return;
    }
    if (!outside) reply_lifts(t, log, post, author, time - created, problem);
    if (kind == KIND_LEAD) {
        if (t->routing == ROUTING_HUB_AND_SPOKE && t->sales >= 0 && t->spokes[t->sales]->servers)
            route(t, post, t->sales, time);
        else if (!outside && follow_u < t->hub_lead_close)
            t->leads_closed += make_customer(t, author);
        return;
    }
    if (t->routing == ROUTING_PR_ONLY || !(kind == KIND_QUESTION || problem)) return;
    if (follow_u < hub_share(t, problem))
        resolve(t, log, post, time, 0, author, created, outside, problem, topic);
    else if (t->routing == ROUTING_HUB_AND_SPOKE)
        route(t, post, t->topic_spoke[topic], time);
}

/* sim/engine/shifts.py Shift.on_shift_hours */
static double on_shift_hours(const Shift *s, double start, double end) {
    if (end <= start) return 0.0;
    int64_t first = (int64_t)floor(start / HOURS_PER_DAY), last = (int64_t)floor(end / HOURS_PER_DAY);
    double total = 0.0;
    for (int64_t d = first - 1; d < last + 1; d++) {
        if (!s->works[((d % 7) + 7) % 7]) continue;
        double lo = start, hi = end;
        double opens = (double)d * HOURS_PER_DAY + s->start_hour;
        double closes = (double)d * HOURS_PER_DAY + s->start_hour + s->hours;
        if (opens > lo) lo = opens;
        if (s->active_from > lo) lo = s->active_from;
        if (closes < hi) hi = closes;
        if (s->active_until < hi) hi = s->active_until;
        double held = hi - lo;
        total += held > 0.0 ? held : 0.0;
    }
    return total;
}

static void spoke_complete(TeamState *t, TeamLog *log, const Pool *pool, int64_t post,
                           double time, int64_t slot) {
    const int64_t spoke = t->routed_to[post];
    t->spoke_held += on_shift_hours(&pool->shifts[slot], t->spoke_start[post], time);
    const int outside = t->background[post] != 0;
    if (t->kind[post] == KIND_LEAD) {
        t->outcome[post] = OUTCOME_RESOLVED;
        t->resolved_at[post] = time;
        if (!outside && t->follow_u[post] < t->lead_close_rate)
            t->leads_closed += make_customer(t, t->author[post]);
        return;
    }
    const int problem = t->problem[post] != 0;
    const double share = hub_share(t, problem);
    const double rest = 1.0 - share;
    const double u = (t->follow_u[post] - share) / (1e-12 > rest ? 1e-12 : rest);
    if (u < t->follow_through[spoke]) {
        const int64_t topic = t->topic[post] < 0 ? t->topic[post] + t->topic_count : t->topic[post];
        resolve(t, log, post, time, 1, t->author[post], t->created[post], outside, problem, topic);
    } else {
        t->outcome[post] = OUTCOME_BROKEN;
        t->broken += 1;
        if (outside) return;
        shift_one(t, t->author[post], -t->broken_promise_hit);
    }
}

static void hub_events(TeamState *t, TeamLog *log, const Pool *hub) {
    for (int64_t i = 0; i < hub->log.size; i++) {
        const Event *e = &hub->log.items[i];
        if (e->kind == EVENT_COMPLETE) {
            hub_complete(t, log, e->post, e->time);
        } else if (e->kind == EVENT_START) {
            t->service_start[e->post] = e->time;
        } else {
            t->outcome[e->post] = OUTCOME_ABANDONED;
            t->abandoned += 1;
        }
    }
}

/* the hub, then every spoke, up to `until`, with the callbacks; 0, or -1: out of memory */
EXPORT int32_t team_advance(TeamState *t, TeamLog *log, Pool *hub, double until) {
    if (pool_advance(hub, until) < 0) return -1;
    hub_events(t, log, hub);
    for (int64_t s = 0; s < t->spoke_count; s++) {
        Pool *spoke = t->spokes[s];
        if (spoke->failed || pool_advance(spoke, until) < 0) return -1;
        for (int64_t i = 0; i < spoke->log.size; i++) {
            const Event *e = &spoke->log.items[i];
            if (e->kind == EVENT_COMPLETE) {
                spoke_complete(t, log, spoke, e->post, e->time, e->server);
            } else if (e->kind == EVENT_START) {
                int64_t liaison = t->slot_liaison[t->slot_offset[s] + e->server];
                t->case_hours[liaison] += t->effort_hours[liaison];
                t->spoke_start[e->post] = e->time;
            }
        }
    }
    return log->failed ? -1 : 0;
}

/* the hub's waiting posts given up by `until` (the backlog's reading), with the callbacks */
EXPORT int32_t team_drain(TeamState *t, TeamLog *log, Pool *hub, double until) {
    if (pool_drain_abandoned(hub, until) < 0) return -1;
    hub_events(t, log, hub);
    return log->failed ? -1 : 0;
}

/* ------------------------------------------------------------------ the day's passes
 *
 * Passes over everyone that numpy makes as several (a comparison, a gather, a sum
 * each), here one loop each with the same arithmetic in the same order.
 */

/* Population.census (sim/engine/population.py): how many people are in each of the
 * four states (codes 0-3), and the loyalty and daily margin of those in `customer`, in
 * order of person. The outputs hold `size` values; the first counts[customer] are set. */
EXPORT void census(int64_t size, const int8_t *state, const double *loyalty,
                   const double *margin, int8_t customer, int64_t *counts,
                   double *customer_loyalty, double *customer_margin) {
    /* counters in registers: an array of four indexed by state waits on its own
     * last store, person after person of the same state */
    int64_t zero = 0, one = 0, two = 0, three = 0, k = 0;
    for (int64_t i = 0; i < size; i++) {
        const int8_t s = state[i];
        zero += s == 0;
        one += s == 1;
        two += s == 2;
        three += s == 3;
        customer_loyalty[k] = loyalty[i]; /* written always, kept when a customer */
        customer_margin[k] = margin[i];
        k += s == customer;
    }
    counts[0] = zero;
    counts[1] = one;
    counts[2] = two;
    counts[3] = three;
}

/* sim/engine/metrics.py, loyalty_stats: of `n` loyalties in [0, 1], how many reach
 * `promoter` and how many are at most `detractor` (counts[0], counts[1]), and the values
 * of the ranks `ranks` (`count` of them, at most 8, ascending, each below n) in sorted
 * order, written to `ordered`, without sorting them all (numpy partitions the values
 * three times). A pass counts the values in LOYALTY_BINS equal bins: floor(v * bins),
 * where v times a power of two is exact, so the bins keep the values' order; the
 * cumulative counts name each rank's bin and its place there, and each cut-off's bin
 * (the bins below and above it lie wholly on one side); a second pass collects the
 * few named bins' values, each bin sorted. Returns 0; -1 if a value is not in [0, 1]
 * (NaN included), is -0 (equal to 0, so which of them a rank holds would be the
 * sort's choice), a cut-off is not in [0, 1] or `count` is out of range (the caller
 * then takes numpy's way); -2 if out of memory. */
#define LOYALTY_BINS 4096
#define ONE_BITS 0x3FF0000000000000ULL /* 1.0: the doubles in [+0, 1] are the bits up to it */
static int compare_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static inline int32_t loyalty_bin(double v) {
    const int32_t bin = (int32_t)(v * (double)LOYALTY_BINS);
    return bin < LOYALTY_BINS ? bin : LOYALTY_BINS - 1; /* v = 1 */
}

EXPORT int64_t loyalty_summary(int64_t n, const double *values, double promoter,
                               double detractor, int64_t count, const int64_t *ranks,
                               double *ordered, int64_t *counts) {
    if (count < 0 || count > 8) return -1;
    if (!(promoter >= 0.0 && promoter <= 1.0 && detractor >= 0.0 && detractor <= 1.0)) return -1;
    int64_t hist[LOYALTY_BINS] = {0};
    /* a positive double's bits order as the double; a negative one's (-0 too) and NaN's
     * exceed 1.0's: one unsigned maximum checks every value, without a branch */
    uint64_t highest = 0;
    for (int64_t i = 0; i < n; i++) {
        const double v = values[i];
        uint64_t bits;
        memcpy(&bits, &v, sizeof bits);
        highest = bits > highest ? bits : highest;
        hist[loyalty_bin(bits > ONE_BITS ? 0.0 : v)]++; /* a refused value anywhere safe */
    }
    if (highest > ONE_BITS) return -1;
    /* each rank's bin and how many values lie in the bins below it */
    int32_t bin_of[8];
    int64_t below[8], cumulative = 0;
    int64_t k = 0;
    for (int32_t b = 0; b < LOYALTY_BINS && k < count; b++) {
        for (; k < count && ranks[k] < cumulative + hist[b]; k++) {
            if (k > 0 && ranks[k] < ranks[k - 1]) return -1;
            bin_of[k] = b;
            below[k] = cumulative;
        }
        cumulative += hist[b];
    }
    if (k < count) return -1; /* a rank at or beyond n */
    /* the cut-offs' bins: whole bins on either side, the one holding a cut-off read */
    const int32_t promoter_bin = loyalty_bin(promoter), detractor_bin = loyalty_bin(detractor);
    int64_t promoters = 0, detractors = 0;
    for (int32_t b = promoter_bin + 1; b < LOYALTY_BINS; b++) promoters += hist[b];
    for (int32_t b = 0; b < detractor_bin; b++) detractors += hist[b];
    /* the named bins, each once, with room for their values */
    int32_t named[10];
    for (int64_t j = 0; j < count; j++) named[j] = bin_of[j];
    named[count] = promoter_bin;
    named[count + 1] = detractor_bin;
    uint8_t slot_of[LOYALTY_BINS];
    memset(slot_of, 0xff, sizeof slot_of);
    int32_t bins = 0;
    int64_t start[11] = {0};
    for (int64_t j = 0; j < count + 2; j++) {
        if (slot_of[named[j]] != 0xff) continue;
        slot_of[named[j]] = (uint8_t)bins;
        start[bins + 1] = start[bins] + hist[named[j]];
        bins++;
    }
    double *kept = malloc((size_t)(start[bins] > 0 ? start[bins] : 1) * sizeof(double));
    if (!kept) return -2;
    int64_t fill[10];
    for (int32_t j = 0; j < bins; j++) fill[j] = start[j];
    for (int64_t i = 0; i < n; i++) {
        const uint8_t slot = slot_of[loyalty_bin(values[i])];
        if (slot != 0xff) kept[fill[slot]++] = values[i];
    }
    const int64_t *promoter_slot = start + slot_of[promoter_bin];
    for (int64_t i = promoter_slot[0]; i < promoter_slot[1]; i++) promoters += kept[i] >= promoter;
    const int64_t *detractor_slot = start + slot_of[detractor_bin];
    for (int64_t i = detractor_slot[0]; i < detractor_slot[1]; i++) detractors += kept[i] <= detractor;
    counts[0] = promoters;
    counts[1] = detractors;
    for (int32_t j = 0; j < bins; j++)
        qsort(kept + start[j], (size_t)(start[j + 1] - start[j]), sizeof(double), compare_double);
    for (int64_t j = 0; j < count; j++)
        ordered[j] = kept[start[slot_of[bin_of[j]]] + (ranks[j] - below[j])];
    free(kept);
    return 0;
}

/* ------------------------------------------------------------------ cascades
 *
 * sim/engine/diffusion.py, cascades, on a FollowerGraph: `posts` posts by `authors`
 * with reshare probabilities `prob` spread generation by generation over the
 * followers (row p of the CSR `indptr`/`indices`: p's followers in order). A
 * generation's frontier, pairs (post, person) in ascending key post * n + person
 * (the posts and their authors at first), keeps the pairs whose post's probability
 * is above 0; every follower of each in turn draws a uniform (numpy's random(): the
 * bit generator's next_double, in the same order) and is kept below the post's
 * probability; the kept keys, sorted and each once, less those reached before,
 * are the generation's reshares and its successor's frontier. Writes the reshares'
 * posts and persons to arrays it allocates (`*out_post`, `*out_person`, freed by
 * kernels_free) and returns their number; -2 if out of memory (draws made). */
typedef struct { int64_t *items; int64_t size, capacity; } Keys;

static int keys_push(Keys *k, int64_t key) {
    if (k->size == k->capacity) {
        const int64_t capacity = k->capacity ? 2 * k->capacity : 256;
        int64_t *items = realloc(k->items, (size_t)capacity * sizeof(int64_t));
        if (!items) return -1;
        k->items = items;
        k->capacity = capacity;
    }
    k->items[k->size++] = key;
    return 0;
}

static int compare_int64(const void *a, const void *b) {
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

EXPORT void kernels_free(void *pointer) { free(pointer); }

EXPORT int64_t cascades(void *bitgen, int64_t n, const int32_t *indptr, const int32_t *indices,
                        int64_t posts, const int64_t *authors, const double *prob,
                        int64_t max_generations, int64_t **out_post, int64_t **out_person) {
    BitGenerator *g = bitgen;
    Keys reached = {0}, frontier = {0}, drawn = {0}, merged = {0}, out = {0};
    int64_t status = 0;
    *out_post = *out_person = NULL;
    for (int64_t i = 0; i < posts && status == 0; i++) status = keys_push(&frontier, i * n + authors[i]);
    if (status == 0) {
        qsort(frontier.items, (size_t)frontier.size, sizeof(int64_t), compare_int64);
        for (int64_t i = 0; i < frontier.size && status == 0; i++) status = keys_push(&reached, frontier.items[i]);
        /* the first frontier is the posts in order, not by key */
        frontier.size = 0;
        for (int64_t i = 0; i < posts && status == 0; i++) status = keys_push(&frontier, i * n + authors[i]);
    }
    for (int64_t generation = 0; generation < max_generations && status == 0; generation++) {
        drawn.size = 0;
        int64_t active = 0;
        for (int64_t f = 0; f < frontier.size && status == 0; f++) {
            const int64_t post = frontier.items[f] / n, person = frontier.items[f] % n;
            const double p = prob[post];
            if (!(p > 0.0)) continue;
            active++;
            for (int32_t e = indptr[person]; e < indptr[person + 1]; e++) {
                if (g->next_double(g->state) < p) status = keys_push(&drawn, post * n + indices[e]);
                if (status) break;
            }
        }
        if (status || active == 0) break;
        qsort(drawn.items, (size_t)drawn.size, sizeof(int64_t), compare_int64);
        /* unique, then those not reached, by a walk along the sorted reached keys */
        int64_t fresh = 0, r = 0;
        for (int64_t d = 0; d < drawn.size; d++) {
            const int64_t key = drawn.items[d];
            if (d > 0 && key == drawn.items[d - 1]) continue;
            while (r < reached.size && reached.items[r] < key) r++;
            if (r < reached.size && reached.items[r] == key) continue;
            drawn.items[fresh++] = key;
        }
        if (fresh == 0) break;
        /* reached takes the fresh keys: a merge of two sorted lists */
        merged.size = 0;
        int64_t a = 0, b = 0;
        while ((a < reached.size || b < fresh) && status == 0) {
            const int take_reached = b == fresh || (a < reached.size && reached.items[a] < drawn.items[b]);
            status = keys_push(&merged, take_reached ? reached.items[a++] : drawn.items[b++]);
        }
        Keys swap = reached;
        reached = merged;
        merged = swap;
        frontier.size = 0;
        for (int64_t d = 0; d < fresh && status == 0; d++) {
            status = keys_push(&frontier, drawn.items[d]);
            if (status == 0) status = keys_push(&out, drawn.items[d]);
        }
    }
    free(reached.items);
    free(frontier.items);
    free(drawn.items);
    free(merged.items);
    if (status) {
        free(out.items);
        return -2;
    }
    int64_t *post_of = malloc((size_t)(out.size > 0 ? out.size : 1) * sizeof(int64_t));
    if (!post_of) {
        free(out.items);
        return -2;
    }
    for (int64_t i = 0; i < out.size; i++) {
        post_of[i] = out.items[i] / n;
        out.items[i] %= n;
    }
    *out_post = post_of;
    *out_person = out.items ? out.items : malloc(sizeof(int64_t));
    return out.size;
}

/* ------------------------------------------------------------------ spread_day
 *
 * sim/engine/diffusion.py, cascades_weighed (its numpy twin), for HubspokeModel._spread:
 * the `posts` sampled posts that spread (their authors, negativity and flags, as
 * day_reading writes them), each shared with probability share_prob x (1 +
 * boost x negativity) clipped to [0, 1] as np.maximum then np.minimum clip it (NaN
 * kept), their cascades (`cascades`, the same draws), then every broadcaster (the
 * authors in order, then the resharers as `cascades` lists them) weighed as
 * Ledger.weigh weighs them, in that order (np.add.at adds in order): its post's
 * negativity into `negative_weight` if the post is negative (else 0.0), and 1.0 or
 * 0.0 into `positive_weight` as it is praise. Writes the resharers (persons) to an
 * array it allocates (`*out_person`, freed by kernels_free) and returns their
 * number; -2 if out of memory. */
EXPORT int64_t spread_day(void *bitgen, int64_t n, const int32_t *indptr, const int32_t *indices,
                          int64_t posts, const int64_t *authors, const double *negativity,
                          const uint8_t *negative, const uint8_t *praise, double share_prob,
                          double boost, int64_t max_generations, double *negative_weight,
                          double *positive_weight, int64_t **out_person) {
    *out_person = NULL;
    /* zeroed: gcc reckons it may be read unwritten when there are no posts */
    double *prob = calloc((size_t)(posts > 0 ? posts : 1), sizeof(double));
    if (!prob) return -2;
    for (int64_t i = 0; i < posts; i++) {
        double p = share_prob * (1.0 + boost * negativity[i]);
        p = p != p ? p : (p > 0.0 ? p : 0.0);  /* np.maximum(p, 0.0) */
        prob[i] = p != p ? p : (p < 1.0 ? p : 1.0); /* np.minimum(p, 1.0) */
    }
    int64_t *post_of = NULL;
    const int64_t count = cascades(bitgen, n, indptr, indices, posts, authors, prob,
                                   max_generations, &post_of, out_person);
    free(prob);
    if (count < 0) return count;
    for (int64_t i = 0; i < posts; i++)
        negative_weight[authors[i]] += negative[i] ? negativity[i] : 0.0;
    for (int64_t j = 0; j < count; j++) {
        const int64_t origin = post_of[j];
        negative_weight[(*out_person)[j]] += negative[origin] ? negativity[origin] : 0.0;
    }
    for (int64_t i = 0; i < posts; i++) positive_weight[authors[i]] += praise[i] ? 1.0 : 0.0;
    for (int64_t j = 0; j < count; j++) positive_weight[(*out_person)[j]] += praise[post_of[j]] ? 1.0 : 0.0;
    free(post_of);
    return count;
}

/* ------------------------------------------------------------------ book_batch
 *
 * sim/engine/posts.py: `assemble` of parts with their marks' uniforms, then
 * PostBook.extend, for `count` posts merged (the parts' columns concatenated): the
 * posts in a stable order of `created`, written to the book's columns at row `at`
 * (`columns`: the addresses of BOOK_COLUMNS' arrays, in that order). `u` holds each
 * post's seven marks' uniforms in a row. The logarithms of the exponential marks
 * are left to numpy (its log1p may be its own vectorised one): their columns get
 * -u, which the caller turns into log1p(-u) and scales. Returns 0; -1, having
 * written nothing, if an author is outside [0, size) (numpy would wrap a negative
 * one) or a kind outside [0, kinds); -2 if out of memory.
 */
enum {
    BOOK_KIND, BOOK_TOPIC, BOOK_AUTHOR, BOOK_FOLLOWERS, BOOK_PLATFORM, BOOK_CREATED,
    BOOK_ADDRESSED, BOOK_NEGATIVITY, BOOK_HANDLE_WORK, BOOK_PATIENCE, BOOK_SPOKE_WORK,
    BOOK_FOLLOW_U, BOOK_LISTEN_U, BOOK_DEFECT_U, BOOK_LOYALTY_BEFORE, BOOK_BACKGROUND,
    BOOK_PROBLEM, BOOK_COLUMNS
};

/* a stable merge sort of `order` by `key` (ascending; no NaN): numpy's stable argsort */
static void stable_order(int64_t *order, int64_t *scratch, int64_t n, const double *key) {
    for (int64_t i = 0; i < n; i++) order[i] = i;
    for (int64_t width = 1; width < n; width *= 2) {
        for (int64_t lo = 0; lo < n; lo += 2 * width) {
            const int64_t mid = lo + width < n ? lo + width : n;
            const int64_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            int64_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) scratch[k++] = key[order[j]] < key[order[i]] ? order[j++] : order[i++];
            while (i < mid) scratch[k++] = order[i++];
            while (j < hi) scratch[k++] = order[j++];
        }
        memcpy(order, scratch, (size_t)n * sizeof(int64_t));
    }
}

static int32_t book_rows(int64_t count, const int8_t *kind, const int64_t *author,
                         const double *created, const int64_t *topic,
                         const double *loyalty_before, const uint8_t *background,
                         const double *u, int64_t u_stride, double addressed_share,
                         int8_t complaint, int8_t praise, int8_t attack, int8_t mention,
                         const double *negativity_by_kind, int64_t kinds,
                         const int64_t *follower_counts, const int8_t *platform,
                         int64_t size, int64_t at, const int64_t *columns) {
    for (int64_t i = 0; i < count; i++) {
        if (author[i] < 0 || author[i] >= size || kind[i] < 0 || kind[i] >= kinds) return -1;
    }
    int64_t *order = malloc((size_t)(2 * count > 0 ? 2 * count : 1) * sizeof(int64_t));
    if (!order) return -2;
    stable_order(order, order + count, count, created);
#define COLUMN(type, name) ((type *)(intptr_t)columns[name] + at)
    int8_t *kind_out = COLUMN(int8_t, BOOK_KIND), *topic_out = COLUMN(int8_t, BOOK_TOPIC);
    int64_t *author_out = COLUMN(int64_t, BOOK_AUTHOR);
    int64_t *followers_out = COLUMN(int64_t, BOOK_FOLLOWERS);
    int8_t *platform_out = COLUMN(int8_t, BOOK_PLATFORM);
    double *created_out = COLUMN(double, BOOK_CREATED);
    uint8_t *addressed_out = COLUMN(uint8_t, BOOK_ADDRESSED);
    double *negativity_out = COLUMN(double, BOOK_NEGATIVITY);
    double *handle_out = COLUMN(double, BOOK_HANDLE_WORK);
    double *patience_out = COLUMN(double, BOOK_PATIENCE);
    double *spoke_out = COLUMN(double, BOOK_SPOKE_WORK);
    double *follow_out = COLUMN(double, BOOK_FOLLOW_U);
    double *listen_out = COLUMN(double, BOOK_LISTEN_U);
    double *defect_out = COLUMN(double, BOOK_DEFECT_U);
    double *loyalty_out = COLUMN(double, BOOK_LOYALTY_BEFORE);
    uint8_t *background_out = COLUMN(uint8_t, BOOK_BACKGROUND);
    uint8_t *problem_out = COLUMN(uint8_t, BOOK_PROBLEM);
#undef COLUMN
    for (int64_t j = 0; j < count; j++) {
        const int64_t i = order[j], who = author[i];
        const double *marks = u + u_stride * i;
        const int8_t k = kind[i];
        /* untagged complaints and praise become mentions; untagged attack posts stay */
        const int can_mention = k == complaint || k == praise;
        const int addressed = (marks[0] < addressed_share) | !(can_mention | (k == attack));
        const int8_t shown = (addressed | !can_mention) ? k : mention;
        const double negativity = negativity_by_kind[k];
        kind_out[j] = shown;
        topic_out[j] = (int8_t)topic[i];
        author_out[j] = who;
        followers_out[j] = follower_counts[who];
        platform_out[j] = platform[who];
        created_out[j] = created[i];
        addressed_out[j] = (uint8_t)addressed;
        negativity_out[j] = negativity;
        handle_out[j] = -marks[1];
        patience_out[j] = -marks[2];
        spoke_out[j] = -marks[3];
        follow_out[j] = marks[4];
        listen_out[j] = marks[5];
        defect_out[j] = marks[6];
        loyalty_out[j] = loyalty_before[i];
        background_out[j] = background[i] != 0;
        problem_out[j] = (shown == complaint) | ((shown == mention) & (negativity > 0.0));
    }
    free(order);
    return 0;
}

EXPORT int32_t book_batch(int64_t count, const int8_t *kind, const int64_t *author,
                          const double *created, const int64_t *topic,
                          const double *loyalty_before, const uint8_t *background,
                          const double *u, double addressed_share, int8_t complaint,
                          int8_t praise, int8_t attack, int8_t mention,
                          const double *negativity_by_kind, int64_t kinds,
                          const int64_t *follower_counts, const int8_t *platform,
                          int64_t size, int64_t at, const int64_t *columns) {
    return book_rows(count, kind, author, created, topic, loyalty_before, background, u, 7,
                     addressed_share, complaint, praise, attack, mention, negativity_by_kind,
                     kinds, follower_counts, platform, size, at, columns);
}

/* ------------------------------------------------------------------ day_posts
 *
 * sim/engine/model.py, HubspokeModel._open_day, up to the book: the day's sample part
 * (PostGenerator.day without voice: draw_candidates, then thin), its incidents' hit
 * on their authors (the loyalty before it, Population.shift_loyalty's sums in order
 * and then its clip, open issues + 1), the voiced ones kept as posts, then the
 * background part (with voice and the loud people's points), and both parts' posts
 * written to the book by book_rows: one call for what numpy does in some hundred.
 * A Day keeps its buffers between days; day_posts leaves the posts in it and returns
 * their number, day_book writes them where the caller has made room.
 */
typedef struct {
    /* the generator's constants (PostGenerator): fixed for a run */
    const int8_t *poster;
    const double *topic_bounds;
    int64_t topic_count;
    const double *incident_bounds;
    int64_t incident_count;
    const double *max_defect;
    const uint64_t *part_fields;
    int64_t part_count;
    const double *cumulative, *hour_share;
    int64_t complaint, praise, field_voice, field_topic, field_accept, count_field, point_bits;
} DayConstants;

typedef struct {
    /* one part of a day (PostGenerator.plan) */
    void *bitgen;
    int64_t kinds;
    const double *expected;
    const int8_t *kind_of;
    int64_t size;
    double voice_width;
    int64_t has_band; /* the loud people's points: with voice */
    const double *voice; /* NULL: no voice test */
    const int64_t *loud;
    int64_t loud_count;
    const double *cdf;
    int64_t cdf_count;
} DayPart;

typedef struct {
    int64_t capacity, count, candidates, candidate_capacity;
    int8_t *candidate_kind;
    int64_t *candidate_author, *keep, *author, *topic;
    int8_t *kind;
    uint8_t *background;
    double *voice_u, *part_u, *hours, *created, *loyalty_before;
    int64_t part_count;
    uint64_t key; /* the last part's key */
} Day;

EXPORT void *day_new(void) { return calloc(1, sizeof(Day)); }

EXPORT void day_free(void *day) {
    Day *d = day;
    if (!d) return;
    free(d->candidate_kind);
    free(d->candidate_author);
    free(d->keep);
    free(d->author);
    free(d->topic);
    free(d->kind);
    free(d->background);
    free(d->voice_u);
    free(d->part_u);
    free(d->hours);
    free(d->created);
    free(d->loyalty_before);
    free(d);
}

#define GROW(pointer, count)                                                                \
    do {                                                                                    \
        void *grown = realloc((pointer), (size_t)(count) * sizeof(*(pointer)));            \
        if (!grown) return -1;                                                              \
        (pointer) = grown;                                                                  \
    } while (0)

/* room for `capacity` survivors (the two parts' together), what is kept kept */
static int day_room(Day *d, int64_t capacity, int64_t part_count) {
    if (capacity <= d->capacity && part_count == d->part_count) return 0;
    if (capacity < 2 * d->capacity) capacity = 2 * d->capacity;
    if (capacity < 1024) capacity = 1024;
    GROW(d->keep, capacity);
    GROW(d->author, capacity);
    GROW(d->topic, capacity);
    GROW(d->kind, capacity);
    GROW(d->background, capacity);
    GROW(d->voice_u, capacity);
    GROW(d->part_u, capacity * part_count);
    GROW(d->hours, capacity);
    GROW(d->created, capacity);
    GROW(d->loyalty_before, capacity);
    d->capacity = capacity;
    d->part_count = part_count;
    return 0;
}

/* a part's survivors after those there (with their rows when `rows`): -2 where numpy's
 * Poisson would raise (nothing drawn), -3 with more candidates than the points' keys
 * allow (d->candidates says how many), -4 with more than DAY_KINDS kinds (nothing
 * drawn), -1 out of memory */
#define DAY_KINDS 16
static int64_t day_part(Day *d, const DayConstants *c, const DayPart *p, int rows,
                        const double *defect_level, const int8_t *state, const double *loyalty) {
    int64_t counts[DAY_KINDS];
    if (p->kinds > DAY_KINDS) return -4;
    for (int64_t k = 0; k < p->kinds; k++)
        if (!(p->expected[k] >= 0.0 && p->expected[k] <= 9.223372006484771e+18)) return -2;
    int64_t n = 0;
    for (int64_t k = 0; k < p->kinds; k++) {
        counts[k] = numpy_poisson(p->bitgen, p->expected[k]);
        n += counts[k];
    }
    d->candidates = n;
    if (p->has_band && n >= ((int64_t)1 << c->point_bits)) return -3;
    if (n > d->candidate_capacity) {
        const int64_t room = n > 2 * d->candidate_capacity ? n : 2 * d->candidate_capacity;
        GROW(d->candidate_kind, room);
        GROW(d->candidate_author, room);
        d->candidate_capacity = room;
    }
    const uint64_t key = d->key = draw_candidates_from_counts(p->bitgen, p->kinds, counts, p->kind_of,
                                                     p->size, d->candidate_kind, d->candidate_author);
    const int has_voice = p->voice != NULL;
    int64_t room = n + 256 > 1024 ? n + 256 : 1024;
    while (1) {
        if (day_room(d, d->count + room, c->part_count)) return -1;
        const int64_t at = d->count;
        const int64_t kept = thin(
            n, d->candidate_kind, d->candidate_author, key, 0.0, p->voice_width, has_voice,
            has_voice ? p->voice : c->max_defect, state, c->poster, c->topic_bounds,
            c->topic_count, c->incident_bounds, c->incident_count, c->max_defect, defect_level,
            loyalty, (int8_t)c->complaint, (int8_t)c->praise, (uint64_t)c->field_voice,
            (uint64_t)c->field_topic, (uint64_t)c->field_accept, c->part_fields, c->part_count,
            c->cumulative, c->hour_share, p->has_band ? p->loud : NULL,
            p->has_band ? p->loud_count : 0, p->cdf, p->cdf_count, (uint64_t)c->count_field,
            c->point_bits, 0.0 + p->voice_width, d->capacity - at, d->keep + at,
            d->author + at, d->kind + at, d->voice_u + at, d->topic + at,
            rows ? d->part_u + at * c->part_count : NULL, d->hours + at);
        if (kept >= 0) return kept;
        room *= 2; /* more of the loud people's points passed than there was room for */
    }
}

EXPORT int64_t day_posts(void *day, const DayConstants *c, const DayPart *sample,
                         const DayPart *background, double start, const double *defect_level,
                         const int8_t *state, double *loyalty, int32_t *open_issues,
                         const double *voice, double hit, int32_t frozen) {
    Day *d = day;
    d->count = 0;
    /* the sample's part without its rows: most of its survivors are incidents that
     * nobody voices, which hit their authors and are not posts */
    const int64_t sampled = day_part(d, c, sample, 0, defect_level, state, loyalty);
    if (sampled < 0) return sampled;
    d->count = sampled;
    /* the incidents' hit: every incident, voiced or not, read before it is taken; the
     * sums in order, then the clip (Population.shift_loyalty), then open issues + 1, in
     * three passes: the authors' lines read ahead in the first, kept for the others */
    const int8_t complaint = (int8_t)c->complaint;
    for (int64_t i = 0; i < sampled; i++) {
        if (i + PREFETCH_AHEAD < sampled) {
            const int64_t later = d->author[i + PREFETCH_AHEAD];
            PREFETCH(&loyalty[later]);
            PREFETCH(&open_issues[later]);
            PREFETCH(&voice[later]);
        }
        d->loyalty_before[i] = d->kind[i] == complaint ? loyalty[d->author[i]] : NAN;
    }
    const int hits = !frozen; /* the sums and the clip, on the incidents' authors alone */
    for (int64_t i = 0; i < sampled; i++) {
        if (d->kind[i] != complaint) continue;
        if (hits) loyalty[d->author[i]] += hit;
        open_issues[d->author[i]] += 1;
    }
    /* the clip, and the posts among them: all but the incidents not voiced, in order */
    int64_t posts = 0;
    const int64_t width = c->part_count;
    for (int64_t i = 0; i < sampled; i++) {
        const int64_t a = d->author[i];
        if (d->kind[i] == complaint) {
            if (hits) { /* np.clip(v, 0.0, 1.0) as numpy's loop makes it: NaN kept, -0 made +0 */
                double v = loyalty[a];
                v = v != v ? v : (v > 0.0 ? v : 0.0);
                loyalty[a] = v != v ? v : (v < 1.0 ? v : 1.0);
            }
            if (!(d->voice_u[i] < voice[a])) continue;
        }
        if (posts != i) {
            d->keep[posts] = d->keep[i];
            d->author[posts] = a;
            d->kind[posts] = d->kind[i];
            d->voice_u[posts] = d->voice_u[i];
            d->topic[posts] = d->topic[i];
            d->loyalty_before[posts] = d->loyalty_before[i];
        }
        d->background[posts] = 0;
        posts++;
    }
    /* the posts' rows, from their keyed indices: the same uniforms whenever made */
    part_rows(d->key, posts, d->keep, c->part_fields, width, c->cumulative, c->hour_share,
              d->part_u, d->hours);
    d->count = posts;
    if (background) {
        const int64_t outside = day_part(d, c, background, 1, defect_level, state, loyalty);
        if (outside < 0) return outside;
        for (int64_t i = posts; i < posts + outside; i++) {
            d->background[i] = 1;
            d->loyalty_before[i] = NAN;
        }
        d->count = posts + outside;
    }
    for (int64_t i = 0; i < d->count; i++) d->created[i] = start + d->hours[i];
    return d->count;
}

/* day_posts' posts into the book's columns at row `at` (book_rows) */
EXPORT int32_t day_book(void *day, double addressed_share, int8_t complaint, int8_t praise,
                        int8_t attack, int8_t mention, const double *negativity_by_kind,
                        int64_t kinds, const int64_t *follower_counts, const int8_t *platform,
                        int64_t size, int64_t at, const int64_t *columns) {
    const Day *d = day;
    return book_rows(d->count, d->kind, d->author, d->created, d->topic, d->loyalty_before,
                     d->background, d->part_u + 1, d->part_count, addressed_share, complaint,
                     praise, attack, mention, negativity_by_kind, kinds, follower_counts,
                     platform, size, at, columns);
}

/* how many candidates the last part drew (the message of day_posts' -3) */
EXPORT int64_t day_candidates(void *day) { return ((const Day *)day)->candidates; }

/* ------------------------------------------------------------------ day_reading
 *
 * sim/engine/posts.py, read_day (its numpy twin): what HubspokeModel._took_up reads of
 * the day's `count` posts, rows first, first + 1, ... of the book's columns. Every
 * post is counted by kind into `by_kind` (`kinds` entries); tallies[0] and [1] are the
 * negative posts (negativity at least `negative_at`) and the negative mentions
 * (mentions of negativity above 0). Of the sampled posts (not background), in order:
 * the complaints' rows into `complaints` (tallies[2] of them); those that spread
 * (negative, or praise: praise posts and mentions of negativity 0) with their author,
 * negativity and both flags (tallies[3]); and the negative ones' authors
 * (`negative_authors`, tallies[4]). Counts and copies: nothing is rounded. Returns 0,
 * or -1 with nothing written if a kind is outside [0, kinds). */
EXPORT int32_t day_reading(int64_t first, int64_t count, const int8_t *kind,
                           const double *negativity, const uint8_t *background,
                           const int64_t *author, int64_t kinds, int8_t complaint,
                           int8_t praise, int8_t mention, double negative_at,
                           int64_t *by_kind, int64_t *tallies, int64_t *complaints,
                           int64_t *spread_author, double *spread_negativity,
                           uint8_t *spread_negative, uint8_t *spread_praise,
                           int64_t *negative_authors) {
    for (int64_t r = first; r < first + count; r++)
        if (kind[r] < 0 || kind[r] >= kinds) return -1;
    int64_t negative_posts = 0, negative_mentions = 0, complained = 0, spreading = 0,
            negative_count = 0;
    for (int64_t r = first; r < first + count; r++) {
        const int8_t k = kind[r];
        const double v = negativity[r];
        const int negative = v >= negative_at;
        by_kind[k] += 1;
        negative_posts += negative;
        negative_mentions += (k == mention) & (v > 0.0);
        if (background[r]) continue;
        if (k == complaint) complaints[complained++] = r;
        const int praised = (k == praise) | ((v == 0.0) & (k == mention));
        if (negative | praised) {
            spread_author[spreading] = author[r];
            spread_negativity[spreading] = v;
            spread_negative[spreading] = (uint8_t)negative;
            spread_praise[spreading] = (uint8_t)praised;
            spreading++;
        }
        if (negative) negative_authors[negative_count++] = author[r];
    }
    tallies[0] = negative_posts;
    tallies[1] = negative_mentions;
    tallies[2] = complained;
    tallies[3] = spreading;
    tallies[4] = negative_count;
    return 0;
}

/* The loyalty's drift (Population.drift, after its few people's shifts): the gap to the
 * baseline times `rate` added: numpy's operations, in numpy's order. */
EXPORT void loyalty_drift(int64_t size, double *loyalty, const double *baseline, double rate) {
    for (int64_t i = 0; i < size; i++) {
        const double x = loyalty[i];
        double gap = baseline[i] - x;
        gap = gap * rate;
        loyalty[i] = x + gap;
    }
}

/* FollowerGraph.followers_among (sim/engine/network.py): of each of `nodes`, how many
 * of `people` (repeats counted once) follow it, read from the people's rows of
 * `follows` (each row's followees once). Whole counts: the order does not matter.
 * Returns 0; -2 if out of memory. */
EXPORT int32_t followers_among(const int32_t *indptr, const int32_t *indices, int64_t node_count,
                               const int64_t *nodes, int64_t count, const int64_t *people,
                               int64_t *seen) {
    int64_t *distinct = malloc((size_t)(count > 0 ? count : 1) * sizeof(int64_t));
    if (!distinct) return -2;
    memcpy(distinct, people, (size_t)count * sizeof(int64_t));
    qsort(distinct, (size_t)count, sizeof(int64_t), compare_int64);
    for (int64_t j = 0; j < node_count; j++) seen[j] = 0;
    for (int64_t i = 0; i < count; i++) {
        if (i > 0 && distinct[i] == distinct[i - 1]) continue;
        const int64_t p = distinct[i];
        for (int32_t e = indptr[p]; e < indptr[p + 1]; e++)
            for (int64_t j = 0; j < node_count; j++) seen[j] += indices[e] == nodes[j];
    }
    free(distinct);
    return 0;
}

/* FollowerGraph.followee_share's counts (sim/engine/network.py): the people whose
 * flag differs from `previous` add 1 (flag set) or -1 (cleared) to each follower's
 * count, and `previous` takes the flag. When their audiences hold `limit` edges or
 * more, nothing is changed and -1 returned (the caller recounts with a product);
 * otherwise the number of people changed. `changed` holds `size` values. Counts
 * are whole numbers, so the order of the additions does not matter. */
EXPORT int64_t flag_changes(int64_t size, const uint8_t *flag, uint8_t *previous,
                            const int32_t *indptr, const int32_t *indices, double *counts,
                            int64_t limit, int64_t *changed) {
    int64_t n = 0, edges = 0, i = 0;
    /* eight flags at a time: a day changes few, so nearly every word is equal */
    for (; i + 8 <= size; i += 8) {
        uint64_t now, before;
        memcpy(&now, flag + i, 8);
        memcpy(&before, previous + i, 8);
        if (now == before) continue;
        for (int64_t j = i; j < i + 8; j++)
            if (flag[j] != previous[j]) changed[n++] = j;
    }
    for (; i < size; i++)
        if (flag[i] != previous[i]) changed[n++] = i;
    for (int64_t c = 0; c < n; c++) edges += indptr[changed[c] + 1] - indptr[changed[c]];
    if (edges >= limit) return -1;
    for (int64_t c = 0; c < n; c++) {
        const int64_t j = changed[c];
        const double sign = flag[j] ? 1.0 : -1.0;
        for (int32_t k = indptr[j]; k < indptr[j + 1]; k++) counts[indices[k]] += sign;
        previous[j] = flag[j];
    }
    return n;
}
