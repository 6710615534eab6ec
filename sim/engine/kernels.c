/* The engine's compiled kernels: the same arithmetic as the numpy path, bit for bit.
 *
 * Built at install by hatch_build.py into a plain shared library (no Python API),
 * loaded through ctypes by sim/engine/native.py. Every function here has a numpy
 * twin that stays the reference (tests/engine/test_native.py compares them):
 *
 *   thin  the day's thinning of post candidates (sim/engine/posts.py,
 *         PostGenerator.day): the voice, poster, topic and acceptance tests.
 *   resolve_copies  the copying model's follows (sim/engine/network.py,
 *         preferential_attachment): each copied edge takes its source's target.
 *   pool  a multi-server priority queue with shifts and abandonment
 *         (sim/engine/queueing.py, ServerPool): its events, logged for the
 *         caller's callbacks in the order the Python pool calls them.
 *
 * Floating point: only comparisons, products and integer-to-float conversions,
 * which IEEE 754 rounds the same everywhere; build with -ffp-contract=off so that
 * no product and sum are fused into one rounding.
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

/* sim/engine/posts.py category: how many of the category bounds `u` reaches. */
static inline int64_t category(double u, const double *bounds, int64_t count) {
    int64_t index = 0;
    for (int64_t b = 0; b < count; b++) index += u >= bounds[b];
    return index;
}

/* The candidates that pass every test of PostGenerator.day, in order.
 *
 * Writes each survivor's position among the candidates (`keep`), its voice
 * uniform and its topic, and returns how many survived. With `has_voice`,
 * incidents (kind `complaint`) must first be voiced: voice uniform < voice of
 * the author. Then the author's state must be the kind's poster's; an incident
 * takes its topic from the incident shares and is accepted when
 * accept_u * max_defect < defect_level of that topic; praise is accepted when
 * accept_u < loyalty^2; other kinds take their topic from the topic shares.
 */
EXPORT int64_t thin(int64_t count, const int8_t *kind, const int64_t *author, uint64_t key,
                    int32_t has_voice, const double *voice, const int8_t *state,
                    const int8_t *poster, const double *topic_bounds, int64_t topic_count,
                    const double *incident_bounds, int64_t incident_count,
                    const double *max_defect, const double *defect_level,
                    const double *loyalty, int8_t complaint, int8_t praise,
                    uint64_t field_voice, uint64_t field_topic, uint64_t field_accept,
                    int64_t *keep, double *voice_u, int64_t *topic) {
    int64_t kept = 0;
    for (int64_t i = 0; i < count; i++) {
        const int8_t k = kind[i];
        const int64_t a = author[i];
        double vu = 0.0;
        if (has_voice) {
            vu = keyed_uniform(key, (uint64_t)i, field_voice);
            if (k == complaint && !(vu < voice[a])) continue;
        }
        if (state[a] != poster[k]) continue;
        if (!has_voice) vu = keyed_uniform(key, (uint64_t)i, field_voice);
        const double tu = keyed_uniform(key, (uint64_t)i, field_topic);
        const double au = keyed_uniform(key, (uint64_t)i, field_accept);
        int64_t t;
        if (k == complaint) {
            t = category(tu, incident_bounds, incident_count);
            if (!(au * max_defect[t] < defect_level[t])) continue;
        } else {
            t = category(tu, topic_bounds, topic_count);
            if (k == praise && !(au < loyalty[a] * loyalty[a])) continue;
        }
        keep[kept] = i;
        voice_u[kept] = vu;
        topic[kept] = t;
        kept++;
    }
    return kept;
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

/* a growable array used as a heap, with heapq's push, pop and heapify */
#define HEAP(Name, Type, LESS)                                                              \
    typedef struct { Type *items; int64_t size, capacity; } Name;                          \
    static int Name##_reserve(Name *h, int64_t size) {                                     \
        if (size <= h->capacity) return 0;                                                 \
        int64_t capacity = h->capacity ? 2 * h->capacity : 64;                             \
        while (capacity < size) capacity *= 2;                                             \
        Type *items = realloc(h->items, (size_t)capacity * sizeof(Type));                  \
        if (!items) return -1;                                                             \
        h->items = items;                                                                  \
        h->capacity = capacity;                                                            \
        return 0;                                                                          \
    }                                                                                      \
    static void Name##_sift_down(Name *h, int64_t start, int64_t pos) {                    \
        Type item = h->items[pos];                                                         \
        while (pos > start) {                                                              \
            int64_t parent = (pos - 1) >> 1;                                               \
            if (!LESS(&item, &h->items[parent])) break;                                    \
            h->items[pos] = h->items[parent];                                              \
            pos = parent;                                                                  \
        }                                                                                  \
        h->items[pos] = item;                                                              \
    }                                                                                      \
    static void Name##_sift_up(Name *h, int64_t pos) {                                     \
        int64_t end = h->size, start = pos, child = 2 * pos + 1;                           \
        Type item = h->items[pos];                                                         \
        while (child < end) {                                                              \
            int64_t right = child + 1;                                                     \
            if (right < end && !LESS(&h->items[child], &h->items[right])) child = right;   \
            h->items[pos] = h->items[child];                                               \
            pos = child;                                                                   \
            child = 2 * pos + 1;                                                           \
        }                                                                                  \
        h->items[pos] = item;                                                              \
        Name##_sift_down(h, start, pos);                                                   \
    }                                                                                      \
    static int Name##_push(Name *h, Type item) {                                           \
        if (Name##_reserve(h, h->size + 1)) return -1;                                     \
        h->items[h->size++] = item;                                                        \
        Name##_sift_down(h, 0, h->size - 1);                                               \
        return 0;                                                                          \
    }                                                                                      \
    static Type Name##_pop(Name *h) {                                                      \
        Type last = h->items[--h->size];                                                   \
        if (h->size == 0) return last;                                                     \
        Type top = h->items[0];                                                            \
        h->items[0] = last;                                                                \
        Name##_sift_up(h, 0);                                                              \
        return top;                                                                        \
    }                                                                                      \
    static void Name##_heapify(Name *h) {                                                  \
        for (int64_t i = h->size / 2 - 1; i >= 0; i--) Name##_sift_up(h, i);               \
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
HEAP(EventLog, Event, arrival_less) /* only its growable array is used */

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
