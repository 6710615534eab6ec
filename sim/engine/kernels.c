/* The engine's compiled kernels: the same arithmetic as the numpy path, bit for bit.
 *
 * Built at install by hatch_build.py into a plain shared library (no Python API),
 * loaded through ctypes by sim/engine/native.py. Every function here has a numpy
 * twin that stays the reference (tests/engine/test_native.py compares them):
 *
 *   thin  the day's thinning of post candidates (sim/engine/posts.py,
 *         PostGenerator.day): the voice, poster, topic and acceptance tests.
 *
 * Floating point: only comparisons, products and integer-to-float conversions,
 * which IEEE 754 rounds the same everywhere; build with -ffp-contract=off so that
 * no product and sum are fused into one rounding.
 */
#include <stdint.h>

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
