# Whole-population passes, fused: the month's statistics, incumbents' wages, job seekers.
#
# What lives where (scikit-learn layering, see kernels/reference.py):
#   kernels/_population.pyx  (this file) one nogil pass per function over the worker
#                            columns; outputs allocated by the caller, nothing allocated
#                            (a few fixed buffers on the stack);
#   kernels/reference.py     the NumPy reference, which this file reproduces bit for bit
#                            (sums run in row order, as np.bincount's do);
#   sim/metrics.py, sim/stages/wages.py, sim/stages/matching.py  the callers.
# At national scale every NumPy expression over the population is a 9-million-element
# temporary; each of these kernels reads the columns once and writes only small outputs.
# Directives and reproducibility flags are set once in setup.py.
#
# Status codes (sim/population.py Status): 0 employed, 1 self-employed, 2 platform,
# 3 unemployed, 4 retraining.

import sys

from libc.math cimport INFINITY, ceil, isfinite
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy

from kernels._floats cimport numpy_maximum


cdef inline bint _outside(int64_t index, Py_ssize_t size) noexcept nogil:
    """True when ``index`` is not a valid position in an array of ``size``: the loops run
    without bounds checks, so every index read from a column is checked first."""
    return <uint64_t>index >= <uint64_t>size


cdef enum:
    EMPLOYED = 0
    SELF_EMPLOYED = 1
    PLATFORM = 2
    UNEMPLOYED = 3
    N_STATUS = 5

# Selections (job_seeker_rows, retiring_rows and the like; rows_with_status now takes a
# bit mask per block, see _rows_in_range) work on blocks of BLOCK rows: a count of the
# block's candidate rows, written as a fixed-length loop the C compiler turns into vector
# compares, skips the blocks with none (most of them, for a rare status). In a block that
# has some, every row is written to a local buffer and the count advanced by the test (no
# branch to mispredict), and the buffer is copied to ``rows`` when nearly full. The
# buffer keeps the stores off ``rows`` beyond the count: ``rows`` ends up as the
# row-by-row loop leaves it. The other kernels test their range checks in blocks the
# same way, and go row by row only through a block with a bad row, so the same row is
# reported.
cdef enum:
    BLOCK = 64
    FOUND = 1024
    SCATTERED = 16  # worker_statistics: changes of key above which runs do not pay
    KEY_SLOTS = 1920      # worker_statistics: keys of the block path (see there)
    FLUSH_BLOCKS = 1 << 16  # worker_statistics: scattered blocks between adds of its counts


cdef inline Py_ssize_t _spill(int64_t[::1] rows, Py_ssize_t count, const int64_t* found,
                              Py_ssize_t k) noexcept nogil:
    """Copy the ``k`` buffered rows to ``rows[count:]``; returns the new count."""
    if k > 0:
        memcpy(&rows[count], found, k * sizeof(int64_t))
    return count + k


# _pick's table: for a byte ``mask`` of the rows of 8 that are wanted (bit b for the row
# in byte b of the word read), the rows' offsets in order, and how many.
cdef uint8_t _PICK_OFFSET[256][8]
cdef uint8_t _PICK_COUNT[256]


def _fill_pick_table():
    cdef int mask, row, bit, q
    for mask in range(256):
        q = 0
        for row in range(8):
            # The word is read from memory: row 0 is its low byte on a little-endian
            # machine, its high byte on a big-endian one.
            bit = row if sys.byteorder == "little" else 7 - row
            if (mask >> bit) & 1:
                _PICK_OFFSET[mask][q] = row
                q += 1
        _PICK_COUNT[mask] = q
        for row in range(q, 8):
            _PICK_OFFSET[mask][row] = 0


_fill_pick_table()


# Where the CPU has AVX-512 (F, BW, VL, DQ), some passes test whole vectors of rows at
# once and keep the rows wanted by a compress, in code chosen at run time; otherwise, or
# where the compiler is not GCC/Clang on x86-64, the portable loops run (the build is for
# baseline x86-64, SSE2). Same outputs bit for bit: integer tests, and the same IEEE
# operations on doubles, one rounding each (no FMA: -ffp-contract=off). Each wide pass
# goes through whole blocks of 64 rows from the start and stops at the first block with
# a row out of range, or at the tail; the portable loop carries on from there, so it
# reports the same row and leaves the outputs as before. Both paths are tested against
# the reference (_use_wide_passes switches between them).
# The compressed rows are stored from a register with a masked store: on Zen 4 a
# compress straight to memory (vpcompressd/q m512) is microcoded and slow, and the mask
# keeps the stores off the outputs past the count, as the portable loops do.
cdef extern from *:
    """
    #if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
    #include <immintrin.h>
    #include <stdlib.h>
    #define LABSIM_WIDE __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
    #define LABSIM_STAGED 256
    #define LABSIM_AHEAD 512   /* rows: how far ahead the wages are prefetched */

    /* automation_savings' exposed employees, in row order, waiting for their sums. */
    typedef struct {
        double wage[LABSIM_STAGED];
        int32_t row[LABSIM_STAGED], occupation[LABSIM_STAGED], firm[LABSIM_STAGED],
                channel[LABSIM_STAGED];
    } labsim_staged;

    /* The sums and candidates of the ``k`` staged rows: eight at a time, the exposure
       gathered, the keys, products, gain and candidates in vectors (the keys' lines of
       bill and saving prefetched); then the adds into bill and saving one row at a time,
       in row order. Returns the new count of candidates. */
    LABSIM_WIDE static Py_ssize_t labsim_savings_flush(
            const labsim_staged* s, Py_ssize_t k, const double* exposure,
            const double* cost, Py_ssize_t n_firms, double* bill, double* saving,
            int64_t* candidate_row, int64_t* candidate_key, Py_ssize_t found) {
        const __m512d cost_0 = _mm512_set1_pd(cost[0]), cost_1 = _mm512_set1_pd(cost[1]);
        const __m512d zero = _mm512_setzero_pd();
        const __m512i firms = _mm512_set1_epi64((long long)n_firms);
        const __m256i one = _mm256_set1_epi32(1);
        double bill_add[LABSIM_STAGED], saving_add[LABSIM_STAGED];
        int64_t key[LABSIM_STAGED];
        Py_ssize_t t, j;
        for (t = 0; t < k; t += 8) {
            Py_ssize_t m = k - t < 8 ? k - t : 8;
            __mmask8 lanes = (__mmask8)((1u << m) - 1u);
            __m256i row = _mm256_maskz_loadu_epi32(lanes, s->row + t);
            __m256i occupation = _mm256_maskz_loadu_epi32(lanes, s->occupation + t);
            __m256i firm = _mm256_maskz_loadu_epi32(lanes, s->firm + t);
            __mmask8 second = _mm256_mask_cmpeq_epi32_mask(
                lanes, _mm256_maskz_loadu_epi32(lanes, s->channel + t), one);
            __m512d p = _mm512_mask_i32gather_pd(zero, lanes, occupation, exposure, 8);
            __m512d pay = _mm512_maskz_loadu_pd(lanes, s->wage + t);
            __m512d c = _mm512_mask_blend_pd(second, cost_0, cost_1);
            __m512i firm64 = _mm512_cvtepi32_epi64(firm);
            __m512i keys = _mm512_mask_add_epi64(firm64, second, firm64, firms);
            __m512d gain = _mm512_sub_pd(pay, c);
            /* max(gain, 0) as the portable loop has it: +0.0 where gain < 0. */
            gain = _mm512_maskz_mov_pd(
                (__mmask8)~_mm512_cmp_pd_mask(gain, zero, _CMP_LT_OQ), gain);
            _mm512_storeu_pd(bill_add + t, _mm512_mul_pd(p, pay));
            _mm512_storeu_pd(saving_add + t, _mm512_mul_pd(p, gain));
            _mm512_storeu_si512(key + t, keys);
            __mmask8 candidate = _mm512_mask_cmp_pd_mask(lanes, pay, c, _CMP_GT_OQ);
            int taken = __builtin_popcount(candidate);
            __mmask8 first = (__mmask8)((1u << taken) - 1u);
            _mm512_mask_storeu_epi64(candidate_row + found, first, _mm512_maskz_compress_epi64(
                candidate, _mm512_cvtepi32_epi64(row)));
            _mm512_mask_storeu_epi64(candidate_key + found, first,
                                     _mm512_maskz_compress_epi64(candidate, keys));
            found += taken;
            for (j = t; j < t + m; j++) {
                __builtin_prefetch(bill + key[j], 1);
                __builtin_prefetch(saving + key[j], 1);
            }
        }
        for (j = 0; j < k; j++) {
            bill[key[j]] += bill_add[j];
            saving[key[j]] += saving_add[j];
        }
        return found;
    }

    /* A bit per occupation (fewer than 512) of a 512-bit table, for 16 occupations. */
    LABSIM_WIDE static inline __mmask16 labsim_bit_of(__m512i table, __m512i occupation) {
        __m512i word = _mm512_permutexvar_epi32(_mm512_srli_epi32(occupation, 5), table);
        __m512i bit = _mm512_srlv_epi32(word, _mm512_and_si512(occupation,
                                                               _mm512_set1_epi32(31)));
        return _mm512_test_epi32_mask(bit, _mm512_set1_epi32(1));
    }

    /* automation_savings over whole blocks of 64 rows from row 0 (n < 2**31, so that
       rows fit the int32 lanes); *stop is the row where it stopped (the first block with
       a row out of range, or the tail). ``occupations``: their number, at most 512;
       ``exposed``, ``second``, ``wrong``: bit o set when channel_of_occupation[o] >= 0,
       == 1, > 1. Returns the candidates' count. */
    LABSIM_WIDE static Py_ssize_t labsim_savings_x16(
            const int8_t* status, const int16_t* occupation, const int32_t* firm,
            const double* wage, Py_ssize_t n, const uint32_t* exposed_bits,
            const uint32_t* second_bits, const uint32_t* wrong_bits, Py_ssize_t occupations,
            const double* exposure, const double* cost, Py_ssize_t n_firms, double* bill,
            double* saving, int64_t* candidate_row, int64_t* candidate_key, Py_ssize_t* stop) {
        labsim_staged s;
        Py_ssize_t i, k = 0, found = 0;
        const __m512i exposed_table = _mm512_loadu_si512((const void*)exposed_bits);
        const __m512i second_table = _mm512_loadu_si512((const void*)second_bits);
        const __m512i wrong_table = _mm512_loadu_si512((const void*)wrong_bits);
        const __m512i occupation_bound = _mm512_set1_epi32((int)occupations);
        /* As unsigned: negative firms are above 2**31 - 1, so the bound is clamped there. */
        const __m512i firm_bound = _mm512_set1_epi32(
            (int)(uint32_t)(n_firms < 0x80000000LL ? n_firms : 0x80000000LL));
        const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                               13, 14, 15);
        const __m512i zero = _mm512_setzero_si512();
        for (i = 0; i + 64 <= n; i += 64) {
            __mmask64 employed = _mm512_cmpeq_epi8_mask(
                _mm512_loadu_si512((const void*)(status + i)), zero);
            if (!employed)
                continue;
            for (int line = 0; line < 64; line += 8)
                __builtin_prefetch(wage + i + LABSIM_AHEAD + line);
            Py_ssize_t k_before = k;
            for (int q = 0; q < 64; q += 16) {
                __mmask16 e = (__mmask16)(employed >> q);
                if (!e)
                    continue;
                __m512i occ = _mm512_cvtepi16_epi32(
                    _mm256_loadu_si256((const __m256i*)(occupation + i + q)));
                __m512i f = _mm512_loadu_si512((const void*)(firm + i + q));
                __mmask16 ok = _mm512_mask_cmplt_epu32_mask(e, occ, occupation_bound)
                               & _mm512_mask_cmplt_epu32_mask(e, f, firm_bound);
                ok &= ~labsim_bit_of(wrong_table, occ);
                if (ok != e) {
                    /* This block goes row by row (the portable loop): none of its rows
                       is summed, as there. */
                    k = k_before;
                    goto done;
                }
                __mmask16 exposed = e & labsim_bit_of(exposed_table, occ);
                if (!exposed)
                    continue;
                int taken = __builtin_popcount(exposed);
                __mmask16 first = (__mmask16)((1u << taken) - 1u);
                __m512i c = _mm512_maskz_mov_epi32(labsim_bit_of(second_table, occ),
                                                   _mm512_set1_epi32(1));
                _mm512_mask_storeu_epi32(s.row + k, first, _mm512_maskz_compress_epi32(
                    exposed, _mm512_add_epi32(iota, _mm512_set1_epi32((int)(i + q)))));
                _mm512_mask_storeu_epi32(s.occupation + k, first,
                                         _mm512_maskz_compress_epi32(exposed, occ));
                _mm512_mask_storeu_epi32(s.firm + k, first, _mm512_maskz_compress_epi32(exposed, f));
                _mm512_mask_storeu_epi32(s.channel + k, first,
                                         _mm512_maskz_compress_epi32(exposed, c));
                /* The wages as two halves of eight. */
                __mmask8 low = (__mmask8)exposed, high = (__mmask8)(exposed >> 8);
                int taken_low = __builtin_popcount(low);
                _mm512_mask_storeu_pd(s.wage + k, (__mmask8)((1u << taken_low) - 1u),
                                      _mm512_maskz_compress_pd(low, _mm512_loadu_pd(wage + i + q)));
                _mm512_mask_storeu_pd(s.wage + k + taken_low,
                                      (__mmask8)((1u << (taken - taken_low)) - 1u),
                                      _mm512_maskz_compress_pd(high, _mm512_loadu_pd(wage + i + q + 8)));
                k += taken;
            }
            if (k > LABSIM_STAGED - 64) {
                found = labsim_savings_flush(&s, k, exposure, cost, n_firms, bill, saving,
                                             candidate_row, candidate_key, found);
                k = 0;
            }
        }
    done:
        *stop = i;
        return labsim_savings_flush(&s, k, exposure, cost, n_firms, bill, saving,
                                    candidate_row, candidate_key, found);
    }

    /* count_by_cell over whole blocks of 64 rows from row 0, into ``counts`` (``cells``
       of them, below 2**31); *stop as in labsim_savings_x16. n_sectors at most 128. */
    LABSIM_WIDE static void labsim_count_x16(
            const int8_t* status, const int8_t* region, const int8_t* sector, int8_t code,
            Py_ssize_t n, int32_t n_sectors, int32_t cells, int64_t* counts,
            Py_ssize_t* stop) {
        const __m512i codes = _mm512_set1_epi8(code);
        const __m512i sectors = _mm512_set1_epi32(n_sectors), size = _mm512_set1_epi32(cells);
        int32_t cell_of[64];
        Py_ssize_t i;
        for (i = 0; i + 64 <= n; i += 64) {
            __mmask64 wanted = _mm512_cmpeq_epi8_mask(
                _mm512_loadu_si512((const void*)(status + i)), codes);
            if (!wanted)
                continue;
            int k = 0, j;
            for (int q = 0; q < 64; q += 16) {
                __mmask16 w = (__mmask16)(wanted >> q);
                if (!w)
                    continue;
                __m512i r = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i*)(region + i + q)));
                __m512i s = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i*)(sector + i + q)));
                __m512i cell = _mm512_add_epi32(_mm512_mullo_epi32(r, sectors), s);
                /* As unsigned: a negative sector or cell is above the bounds. */
                if ((_mm512_mask_cmplt_epu32_mask(w, s, sectors)
                     & _mm512_mask_cmplt_epu32_mask(w, cell, size)) != w) {
                    *stop = i;   /* none of this block counted: the portable loop does it */
                    return;
                }
                int taken = __builtin_popcount(w);
                _mm512_mask_storeu_epi32(cell_of + k, (__mmask16)((1u << taken) - 1u),
                                         _mm512_maskz_compress_epi32(w, cell));
                k += taken;
            }
            for (j = 0; j < k; j++)
                counts[cell_of[j]] += 1;
        }
        *stop = i;
    }

    /* The rows of a 64-row block in ``wanted``, written to ``rows + count`` eight at a
       time by compress and masked store (nothing past the new count); returns it. No
       branch on each eight's mask: with 3 % of the rows wanted, scattered, a branch
       there took subsidised_rows from ~2.1 to ~2.5 ms at national scale. */
    LABSIM_WIDE static inline Py_ssize_t labsim_store_rows64(int64_t* rows, Py_ssize_t count,
                                                             Py_ssize_t i, __mmask64 wanted) {
        __m512i row = _mm512_add_epi64(_mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7),
                                       _mm512_set1_epi64((long long)i));
        for (int g = 0; g < 64; g += 8) {
            __mmask8 w = (__mmask8)(wanted >> g);
            int taken = __builtin_popcount(w);
            _mm512_mask_storeu_epi64(rows + count, (__mmask8)((1u << taken) - 1u),
                                     _mm512_maskz_compress_epi64(w, row));
            count += taken;
            row = _mm512_add_epi64(row, _mm512_set1_epi64(8));
        }
        return count;
    }

    /* separations_due over whole blocks of 64 rows from row 0, for a month of at least
       -32768 (``month``: clamped to 32767, the same test on int16s): the rows written
       to ``rows``; returns their count. *stop as in labsim_savings_x16. */
    LABSIM_WIDE static Py_ssize_t labsim_due_x64(
            const int16_t* separation_month, const int8_t* status, Py_ssize_t n,
            int16_t month, int64_t* rows, Py_ssize_t* stop) {
        const __m512i due = _mm512_set1_epi16(month), working = _mm512_set1_epi8(1);
        Py_ssize_t i, count = 0;
        for (i = 0; i + 64 <= n; i += 64) {
            __mmask64 wanted = (__mmask64)_mm512_cmple_epi16_mask(
                _mm512_loadu_si512((const void*)(separation_month + i)), due)
                | (__mmask64)_mm512_cmple_epi16_mask(
                    _mm512_loadu_si512((const void*)(separation_month + i + 32)), due) << 32;
            if (!wanted)
                continue;
            /* Employees and the self-employed: status <= 1, signed, as the portable test. */
            wanted &= _mm512_cmple_epi8_mask(_mm512_loadu_si512((const void*)(status + i)),
                                             working);
            count = labsim_store_rows64(rows, count, i, wanted);
        }
        *stop = i;
        return count;
    }

    /* update_incumbent_wages' check over whole blocks of 64 rows from row 0: the first
       row of the first block with a row whose cell is out of range (the portable block
       test: region < 0, skill above 2 or region * 3 + skill above last_cell), or the
       tail's first row. */
    LABSIM_WIDE static Py_ssize_t labsim_cells_ok_x64(
            const int8_t* region, const int8_t* skill, Py_ssize_t n, int16_t last_cell) {
        const __m512i zero = _mm512_setzero_si512(), two = _mm512_set1_epi8(2);
        const __m512i last = _mm512_set1_epi16(last_cell);
        Py_ssize_t i;
        for (i = 0; i + 64 <= n; i += 64) {
            __m512i r = _mm512_loadu_si512((const void*)(region + i));
            __m512i s = _mm512_loadu_si512((const void*)(skill + i));
            __mmask64 bad = _mm512_cmplt_epi8_mask(r, zero) | _mm512_cmpgt_epu8_mask(s, two);
            __m512i r16 = _mm512_cvtepi8_epi16(_mm512_castsi512_si256(r));
            __m512i s16 = _mm512_cvtepi8_epi16(_mm512_castsi512_si256(s));
            __m512i cell = _mm512_add_epi16(_mm512_add_epi16(r16, r16), _mm512_add_epi16(r16, s16));
            bad |= (__mmask64)_mm512_cmpgt_epi16_mask(cell, last);
            r16 = _mm512_cvtepi8_epi16(_mm512_extracti64x4_epi64(r, 1));
            s16 = _mm512_cvtepi8_epi16(_mm512_extracti64x4_epi64(s, 1));
            cell = _mm512_add_epi16(_mm512_add_epi16(r16, r16), _mm512_add_epi16(r16, s16));
            bad |= (__mmask64)_mm512_cmpgt_epi16_mask(cell, last) << 32;
            if (bad)
                break;
        }
        return i;
    }

    /* update_incumbent_wages' update over whole blocks of 64 rows (n / 64 of them),
       every cell already checked: eight rows a vector, their factors gathered (one
       broadcast where the block has a single cell), the floor by NumPy's maximum rule
       as in numpy_maximum (pay kept where pay > floor or pay is NaN), a row not paid
       given its own wage back. */
    LABSIM_WIDE static void labsim_wages_x64(
            const int8_t* status, const int8_t* region, const int8_t* skill, double* wage,
            const double* factor, double minimum_wage, Py_ssize_t n) {
        const __m512i one = _mm512_set1_epi8(1), zero = _mm512_setzero_si512();
        const __m512d floor = _mm512_set1_pd(minimum_wage);
        Py_ssize_t i;
        for (i = 0; i + 64 <= n; i += 64) {
            __m512i st = _mm512_loadu_si512((const void*)(status + i));
            /* Signed, as the portable test status <= SELF_EMPLOYED. */
            __mmask64 paid = _mm512_cmple_epi8_mask(st, one);
            if (!paid)
                continue;
            __mmask64 employee = _mm512_cmpeq_epi8_mask(st, zero);
            /* A block of one cell (rows in runs, as in a young model) takes one factor;
               the others gather eight factors a vector. */
            __m512i r = _mm512_loadu_si512((const void*)(region + i));
            __m512i s = _mm512_loadu_si512((const void*)(skill + i));
            int one_cell = (_mm512_cmpneq_epi8_mask(r, _mm512_set1_epi8(region[i]))
                            | _mm512_cmpneq_epi8_mask(s, _mm512_set1_epi8(skill[i]))) == 0;
            __m512d f = _mm512_set1_pd(factor[region[i] * 3 + skill[i]]);
            for (int q = 0; q < 8; q++) {
                __mmask8 p = (__mmask8)(paid >> (8 * q));
                if (!one_cell) {
                    __m256i r8 = _mm256_cvtepi8_epi32(
                        _mm_loadl_epi64((const __m128i*)(region + i + 8 * q)));
                    __m256i s8 = _mm256_cvtepi8_epi32(
                        _mm_loadl_epi64((const __m128i*)(skill + i + 8 * q)));
                    __m256i cell = _mm256_add_epi32(_mm256_add_epi32(r8, r8),
                                                    _mm256_add_epi32(r8, s8));
                    f = _mm512_i32gather_pd(cell, factor, 8);
                }
                __m512d w = _mm512_loadu_pd(wage + i + 8 * q);
                __m512d pay = _mm512_mul_pd(w, f);
                __mmask8 keep = _mm512_cmp_pd_mask(pay, floor, _CMP_GT_OQ)
                                | _mm512_cmp_pd_mask(pay, pay, _CMP_UNORD_Q);
                pay = _mm512_mask_mov_pd(pay, (__mmask8)(employee >> (8 * q)) & ~keep, floor);
                _mm512_storeu_pd(wage + i + 8 * q, _mm512_mask_blend_pd(p, w, pay));
            }
        }
    }

    /* worker_statistics over whole blocks of 64 rows in [start, end) (multiples of 64),
       while every row is in range (the portable block test): returns the first row of
       the first block with a row out of range, or ``end``. On return every wage sum is
       in ``wage_sum``; the counts by key are in ``key_count`` (its first copy, count in
       the low 32 bits and at-risk rows in the high 32: at most 2**16 blocks a call),
       the groups in ``group_count`` (eight copies), the long-term unemployed in
       ``long_term``. ``risk_words``: bit o of the 512 for occupation o at risk;
       ``occupations`` at most 512, ``regions`` at most 128. */
    LABSIM_WIDE static Py_ssize_t labsim_statistics_x64(
            const int8_t* region, const int8_t* skill, const int8_t* status,
            const double* wage, const int8_t* gender, const int16_t* birth_month,
            const uint8_t* migrant, const uint8_t* displaced,
            const int16_t* unemployed_since, const int16_t* occupation,
            const uint16_t* risk_words, Py_ssize_t start, Py_ssize_t end, uint8_t regions,
            int16_t occupations, int16_t youth_limit, int16_t older_limit,
            int16_t since_limit, double* wage_sum, uint64_t* key_count,
            int64_t* group_count, int64_t* long_term) {
        const __m512i risk_table = _mm512_loadu_si512((const void*)risk_words);
        const __m512i region_bound = _mm512_set1_epi8((char)regions);
        const __m512i two8 = _mm512_set1_epi8(2);
        const __m512i three8 = _mm512_set1_epi8(3), five8 = _mm512_set1_epi8(5);
        const __m512i occupation_bound = _mm512_set1_epi16(occupations);
        const __m512i youth = _mm512_set1_epi16(youth_limit);
        const __m512i older = _mm512_set1_epi16(older_limit);
        const __m512i since = _mm512_set1_epi16(since_limit);
        const __m512i one16 = _mm512_set1_epi16(1), fifteen16 = _mm512_set1_epi16(15);
        const __m512i five16 = _mm512_set1_epi16(5);
        const __m512d minus_zero = _mm512_set1_pd(-0.0);
        int16_t key_of[64];
        double add_1[64], add_2[64];
        int64_t long_term_all = 0, long_term_displaced = 0;
        int carry_key = -1;
        double carry = 0.0, s_1, s_2;
        Py_ssize_t i;
        int j;
        for (i = start; i + 64 <= end; i += 64) {
            __m512i r = _mm512_loadu_si512((const void*)(region + i));
            __m512i sk = _mm512_loadu_si512((const void*)(skill + i));
            __m512i st = _mm512_loadu_si512((const void*)(status + i));
            __m512i g = _mm512_loadu_si512((const void*)(gender + i));
            __m512i occupation_0 = _mm512_loadu_si512((const void*)(occupation + i));
            __m512i occupation_1 = _mm512_loadu_si512((const void*)(occupation + i + 32));
            /* As unsigned, which also catches negative values, as the portable test. */
            __mmask64 ok = _mm512_cmplt_epu8_mask(r, region_bound)
                           & _mm512_cmplt_epu8_mask(sk, three8)
                           & _mm512_cmplt_epu8_mask(st, five8)
                           & _mm512_cmplt_epu8_mask(g, two8)
                           & ((__mmask64)_mm512_cmplt_epu16_mask(occupation_0, occupation_bound)
                              | (__mmask64)_mm512_cmplt_epu16_mask(occupation_1,
                                                                   occupation_bound) << 32);
            if (ok != ~(__mmask64)0)
                break;
            /* Keys, (region * 3 + skill) * 5 + status, in int16s. */
            __m512i key_0 = _mm512_add_epi16(
                _mm512_add_epi16(
                    _mm512_mullo_epi16(_mm512_cvtepu8_epi16(_mm512_castsi512_si256(r)), fifteen16),
                    _mm512_mullo_epi16(_mm512_cvtepu8_epi16(_mm512_castsi512_si256(sk)), five16)),
                _mm512_cvtepu8_epi16(_mm512_castsi512_si256(st)));
            __m512i key_1 = _mm512_add_epi16(
                _mm512_add_epi16(
                    _mm512_mullo_epi16(_mm512_cvtepu8_epi16(_mm512_extracti64x4_epi64(r, 1)),
                                       fifteen16),
                    _mm512_mullo_epi16(_mm512_cvtepu8_epi16(_mm512_extracti64x4_epi64(sk, 1)),
                                       five16)),
                _mm512_cvtepu8_epi16(_mm512_extracti64x4_epi64(st, 1)));
            _mm512_storeu_si512((void*)key_of, key_0);
            _mm512_storeu_si512((void*)(key_of + 32), key_1);
            /* At-risk occupations: a bit of the 512-bit table held in a register. */
            __mmask64 risk = (__mmask64)_mm512_test_epi16_mask(_mm512_srlv_epi16(
                _mm512_permutexvar_epi16(_mm512_srli_epi16(occupation_0, 4), risk_table),
                _mm512_and_si512(occupation_0, fifteen16)), one16)
                | (__mmask64)_mm512_test_epi16_mask(_mm512_srlv_epi16(
                    _mm512_permutexvar_epi16(_mm512_srli_epi16(occupation_1, 4), risk_table),
                    _mm512_and_si512(occupation_1, fifteen16)), one16) << 32;
            /* Long-term unemployed, and those of them displaced. */
            __mmask64 long_term_rows = _mm512_cmpeq_epi8_mask(st, three8) & (
                (__mmask64)_mm512_cmple_epi16_mask(
                    _mm512_loadu_si512((const void*)(unemployed_since + i)), since)
                | (__mmask64)_mm512_cmple_epi16_mask(
                    _mm512_loadu_si512((const void*)(unemployed_since + i + 32)), since) << 32);
            __m512i d = _mm512_loadu_si512((const void*)(displaced + i));
            long_term_all += __builtin_popcountll(long_term_rows);
            long_term_displaced += __builtin_popcountll(long_term_rows
                                                        & _mm512_test_epi8_mask(d, d));
            /* Groups, ((gender * 3 + band) * 2 + migrant) * 5 + status, counted from bit
               masks of the rows: for each status present, each sex and age band, the
               rows by popcount, and the migrants among them. */
            __m512i birth_0 = _mm512_loadu_si512((const void*)(birth_month + i));
            __m512i birth_1 = _mm512_loadu_si512((const void*)(birth_month + i + 32));
            __mmask64 past_youth = (__mmask64)_mm512_cmple_epi16_mask(birth_0, youth)
                                   | (__mmask64)_mm512_cmple_epi16_mask(birth_1, youth) << 32;
            __mmask64 past_older = (__mmask64)_mm512_cmple_epi16_mask(birth_0, older)
                                   | (__mmask64)_mm512_cmple_epi16_mask(birth_1, older) << 32;
            __m512i mig = _mm512_loadu_si512((const void*)(migrant + i));
            uint64_t migrants = _mm512_test_epi8_mask(mig, mig);
            uint64_t women = _mm512_test_epi8_mask(g, g);
            uint64_t band[3];
            band[0] = ~(past_youth | past_older);
            band[1] = past_youth ^ past_older;
            band[2] = past_youth & past_older;
            for (int code = 0; code < 5; code++) {
                uint64_t of_status = _mm512_cmpeq_epi8_mask(st, _mm512_set1_epi8((char)code));
                if (!of_status)
                    continue;
                for (int sex = 0; sex < 2; sex++) {
                    uint64_t of_sex = of_status & (sex ? women : ~women);
                    for (int b = 0; b < 3; b++) {
                        uint64_t rows = of_sex & band[b];
                        int64_t all = __builtin_popcountll(rows);
                        int64_t moved = __builtin_popcountll(rows & migrants);
                        group_count[((sex * 3 + b) * 2) * 5 + code] += all - moved;
                        group_count[((sex * 3 + b) * 2 + 1) * 5 + code] += moved;
                    }
                }
            }
            /* The wage sums. The keys of the block's first and last rows hold their sums
               in registers, adding every row of the block in row order: the row's wage
               where it has the key, -0.0 (which leaves any sum as it is, bit for bit)
               where it does not, so the adds need no branch. These two keys hold 93
               rows in 100 at national scale, month 4 (51 at month 106); the other rows
               add to wage_sum one by one, in row order. The last row's key carries its
               sum on to the next block. */
            int first_key = (uint16_t)_mm_cvtsi128_si32(_mm512_castsi512_si128(key_0));
            int last_key = (uint16_t)_mm_extract_epi16(_mm512_extracti32x4_epi32(key_1, 3), 7);
            __mmask64 in_1 = (__mmask64)_mm512_cmpeq_epi16_mask(key_0, _mm512_set1_epi16((short)first_key))
                             | (__mmask64)_mm512_cmpeq_epi16_mask(key_1, _mm512_set1_epi16((short)first_key)) << 32;
            __mmask64 in_2 = 0;
            for (j = 0; j < 64; j += 8)
                _mm512_storeu_pd(add_1 + j, _mm512_mask_blend_pd((__mmask8)(in_1 >> j), minus_zero,
                                                                 _mm512_loadu_pd(wage + i + j)));
            if (first_key != carry_key) {
                if (carry_key >= 0)
                    wage_sum[carry_key] = carry;
                s_1 = wage_sum[first_key];
            } else {
                s_1 = carry;
            }
            if (last_key != first_key) {
                in_2 = (__mmask64)_mm512_cmpeq_epi16_mask(key_0, _mm512_set1_epi16((short)last_key))
                       | (__mmask64)_mm512_cmpeq_epi16_mask(key_1, _mm512_set1_epi16((short)last_key)) << 32;
                for (j = 0; j < 64; j += 8)
                    _mm512_storeu_pd(add_2 + j, _mm512_mask_blend_pd(
                        (__mmask8)(in_2 >> j), minus_zero, _mm512_loadu_pd(wage + i + j)));
                s_2 = wage_sum[last_key];
                for (j = 0; j < 64; j++) {
                    s_1 += add_1[j];
                    s_2 += add_2[j];
                }
                wage_sum[first_key] = s_1;
                carry = s_2;
                key_count[last_key] += (uint64_t)__builtin_popcountll(in_2)
                                       | (uint64_t)__builtin_popcountll(in_2 & risk) << 32;
            } else {
                for (j = 0; j < 64; j++)
                    s_1 += add_1[j];
                carry = s_1;
            }
            carry_key = last_key;
            key_count[first_key] += (uint64_t)__builtin_popcountll(in_1)
                                    | (uint64_t)__builtin_popcountll(in_1 & risk) << 32;
            for (__mmask64 other = ~(in_1 | in_2); other; other &= other - 1) {
                j = __builtin_ctzll(other);
                wage_sum[key_of[j]] += wage[i + j];
                key_count[key_of[j]] += 1 + ((uint64_t)((risk >> j) & 1) << 32);
            }
        }
        if (carry_key >= 0)
            wage_sum[carry_key] = carry;
        long_term[0] += long_term_all;
        long_term[1] += long_term_displaced;
        return i;
    }

    /* employees_of's staged rows (``k`` of them, with their firms): their firms' bits,
       16 a gather, and the rows of selected firms written to ``rows + count`` (nothing
       past the new count); returns it. */
    LABSIM_WIDE static Py_ssize_t labsim_employees_flush(
            const int32_t* staged_row, const int32_t* staged_firm, Py_ssize_t k,
            const uint64_t* bits, int64_t* rows, Py_ssize_t count) {
        const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1);
        const __m512i low_bits = _mm512_set1_epi32(31);
        for (Py_ssize_t t = 0; t < k; t += 16) {
            __mmask16 m = k - t >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (k - t)) - 1u);
            __m512i f = _mm512_maskz_loadu_epi32(m, (const void*)(staged_firm + t));
            __m512i word = _mm512_mask_i32gather_epi32(zero, m, _mm512_srli_epi32(f, 5),
                                                       (const void*)bits, 4);
            __mmask16 hit = _mm512_mask_test_epi32_mask(
                m, _mm512_srlv_epi32(word, _mm512_and_si512(f, low_bits)), one);
            __m512i r = _mm512_maskz_compress_epi32(
                hit, _mm512_maskz_loadu_epi32(m, (const void*)(staged_row + t)));
            int taken = __builtin_popcount(hit), low = taken < 8 ? taken : 8;
            _mm512_mask_storeu_epi64(rows + count, (__mmask8)((1u << low) - 1u),
                                     _mm512_cvtepi32_epi64(_mm512_castsi512_si256(r)));
            _mm512_mask_storeu_epi64(rows + count + 8, (__mmask8)((1u << (taken - low)) - 1u),
                                     _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(r, 1)));
            count += taken;
        }
        return count;
    }

    /* employees_of over whole blocks of 64 rows from row 0, for 0 < n_firms < 2**31 and
       n < 2**31 (rows in int32 lanes): the rows written to ``rows``; returns their
       count. *stop as in labsim_savings_x16 (the first block with an employee's firm
       out of range, or the tail; none of that block's rows is written). ``selected``
       is first made a bit set (bit f: firm f selected), and that a coarse one of 512
       bits held in a register (see below); a block's employees whose firm's coarse bit
       is set are staged, and their firms' bits gathered 16 at a time when the stage
       fills. Where the bit set cannot be allocated, *stop is 0 and the portable loop
       does it all. */
    LABSIM_WIDE static Py_ssize_t labsim_employees_x64(
            const int8_t* status, const int32_t* firm, Py_ssize_t n,
            const uint8_t* selected, Py_ssize_t n_firms, int64_t* rows, Py_ssize_t* stop) {
        Py_ssize_t i, count = 0, words = (n_firms + 63) / 64;
        uint64_t* bits = (uint64_t*)malloc(words * sizeof(uint64_t));
        if (!bits) {
            *stop = 0;
            return 0;
        }
        for (i = 0; i < words; i++) {
            Py_ssize_t left = n_firms - 64 * i;
            __mmask64 in = left >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << left) - 1;
            __m512i s = _mm512_maskz_loadu_epi8(in, (const void*)(selected + 64 * i));
            bits[i] = _mm512_test_epi8_mask(s, s);
        }
        /* A coarse bit set in a register: bit c when a firm in [c << shift, (c + 1) <<
           shift) is selected, for the 512 bits to cover every firm (1,024 firms a bit at
           national scale). The firms laid off from are few and their ids close (in a
           120-month national run, 98 months lay off: 16 firms in 9 of the 368 coarse
           bits in the median month, at most 983 firms in 39 bits; 0.1 to 16 % of the
           employees pass), so most blocks need no gather at all. */
        int shift = 0;
        while (((n_firms - 1) >> shift) >= 512)
            shift++;
        uint32_t coarse_words[16] = {0};
        for (i = 0; i < words; i++) {
            for (uint64_t w = bits[i]; w; w &= w - 1) {
                Py_ssize_t c = (64 * i + __builtin_ctzll(w)) >> shift;
                coarse_words[c >> 5] |= 1u << (c & 31);
                if (shift >= 6)
                    break;   /* the word's firms share one coarse bit */
            }
        }
        const __m512i coarse = _mm512_loadu_si512((const void*)coarse_words);
        const __m128i coarse_shift = _mm_cvtsi32_si128(shift);
        const __m512i zero = _mm512_setzero_si512();
        const __m512i bound = _mm512_set1_epi32((int)n_firms);
        const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                               13, 14, 15);
        /* The employees whose firm's coarse bit is set, row and firm, in row order: a
           gather for 16 of them rather than for 16 rows (a gather for every 16 rows,
           without the stage, took ~5.5 ms against ~2.8 for 16 firms drawn at random,
           on the rows of month 106). */
        int32_t staged_row[LABSIM_STAGED], staged_firm[LABSIM_STAGED];
        Py_ssize_t k = 0;
        for (i = 0; i + 64 <= n; i += 64) {
            __mmask64 employed = _mm512_cmpeq_epi8_mask(
                _mm512_loadu_si512((const void*)(status + i)), zero);
            if (!employed)
                continue;
            __m512i f[4];
            __mmask16 maybe[4];
            int any = 0;
            for (int q = 0; q < 4; q++) {
                __mmask16 e = (__mmask16)(employed >> (16 * q));
                f[q] = _mm512_maskz_loadu_epi32(e, (const void*)(firm + i + 16 * q));
                /* As unsigned: a negative firm is above the bound. */
                if (_mm512_mask_cmplt_epu32_mask(e, f[q], bound) != e)
                    goto done;
                maybe[q] = e & labsim_bit_of(coarse, _mm512_srl_epi32(f[q], coarse_shift));
                any |= maybe[q];
            }
            if (!any)   /* blocks with none (most, in sparse months) stage nothing */
                continue;
            for (int q = 0; q < 4; q++) {
                int taken = __builtin_popcount(maybe[q]);
                __mmask16 first = (__mmask16)((1u << taken) - 1u);
                _mm512_mask_storeu_epi32(staged_firm + k, first,
                                         _mm512_maskz_compress_epi32(maybe[q], f[q]));
                _mm512_mask_storeu_epi32(staged_row + k, first, _mm512_maskz_compress_epi32(
                    maybe[q], _mm512_add_epi32(iota, _mm512_set1_epi32((int)(i + 16 * q)))));
                k += taken;
            }
            if (k > LABSIM_STAGED - 64) {
                count = labsim_employees_flush(staged_row, staged_firm, k, bits, rows, count);
                k = 0;
            }
        }
    done:
        count = labsim_employees_flush(staged_row, staged_firm, k, bits, rows, count);
        free(bits);
        *stop = i;
        return count;
    }

    /* retiring_rows over whole blocks of 64 rows from row 0: rows of gender g whose
       birth month is at most limit[g] (in [-32769, 32767]: -32769 for nobody) written to
       ``rows``; returns their count. *stop as in labsim_savings_x16 (the first block with
       a gender other than 0 or 1, or the tail). */
    LABSIM_WIDE static Py_ssize_t labsim_retiring_x64(
            const int16_t* birth_month, const int8_t* gender, Py_ssize_t n,
            int32_t limit_0, int32_t limit_1, int64_t* rows, Py_ssize_t* stop) {
        /* -32769 as -32768 in int16s, with the gender's rows dropped after the test. */
        const __m512i last_0 = _mm512_set1_epi16((short)(limit_0 < -32768 ? -32768 : limit_0));
        const __m512i last_1 = _mm512_set1_epi16((short)(limit_1 < -32768 ? -32768 : limit_1));
        const __m512i highest = _mm512_max_epi16(last_0, last_1);
        const __mmask64 men_in = limit_0 >= -32768 ? ~(__mmask64)0 : 0;
        const __mmask64 women_in = limit_1 >= -32768 ? ~(__mmask64)0 : 0;
        const __m512i one = _mm512_set1_epi8(1);
        Py_ssize_t i, count = 0;
        for (i = 0; i + 64 <= n; i += 64) {
            __m512i g = _mm512_loadu_si512((const void*)(gender + i));
            /* As unsigned: a negative gender is above 1. */
            if (_mm512_cmpgt_epu8_mask(g, one))
                break;
            __m512i b_0 = _mm512_loadu_si512((const void*)(birth_month + i));
            __m512i b_1 = _mm512_loadu_si512((const void*)(birth_month + i + 32));
            /* Blocks with no birth month at or below the higher limit: nobody retires. */
            if (!(_mm512_cmple_epi16_mask(b_0, highest) | _mm512_cmple_epi16_mask(b_1, highest)))
                continue;
            __mmask64 women = _mm512_test_epi8_mask(g, g);
            __mmask64 old = (__mmask64)_mm512_cmple_epi16_mask(
                    b_0, _mm512_mask_blend_epi16((__mmask32)women, last_0, last_1))
                | (__mmask64)_mm512_cmple_epi16_mask(
                    b_1, _mm512_mask_blend_epi16((__mmask32)(women >> 32), last_0, last_1)) << 32;
            __mmask64 wanted = old & ((~women & men_in) | (women & women_in));
            if (wanted)
                count = labsim_store_rows64(rows, count, i, wanted);
        }
        *stop = i;
        return count;
    }

    /* subsidised_rows over whole blocks of 64 rows from row 0, for a month of at most
       32767 (``month``: clamped to -32768, the same test on int16s): the employees'
       rows with subsidy_until >= month written to ``rows``; returns their count. *stop
       as in labsim_savings_x16. */
    LABSIM_WIDE static Py_ssize_t labsim_subsidised_x64(
            const int16_t* subsidy_until, const int8_t* status, Py_ssize_t n,
            int16_t month, int64_t* rows, Py_ssize_t* stop) {
        const __m512i running = _mm512_set1_epi16(month), zero = _mm512_setzero_si512();
        Py_ssize_t i, count = 0;
        for (i = 0; i + 64 <= n; i += 64) {
            __mmask64 wanted = (__mmask64)_mm512_cmpge_epi16_mask(
                _mm512_loadu_si512((const void*)(subsidy_until + i)), running)
                | (__mmask64)_mm512_cmpge_epi16_mask(
                    _mm512_loadu_si512((const void*)(subsidy_until + i + 32)), running) << 32;
            if (!wanted)
                continue;
            wanted &= _mm512_cmpeq_epi8_mask(_mm512_loadu_si512((const void*)(status + i)), zero);
            if (wanted)
                count = labsim_store_rows64(rows, count, i, wanted);
        }
        *stop = i;
        return count;
    }

    static int labsim_cpu_has_wide_passes(void) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
               && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
    }
    #else
    /* Never called: labsim_cpu_has_wide_passes() is 0 here. Each wide
       function is a macro for one that aborts (its arguments evaluated, so none is left
       unused), not a copy of its signature. */
    #include <stdlib.h>
    #ifndef LABSIM_WIDE_UNAVAILABLE
    #define LABSIM_WIDE_UNAVAILABLE
    static Py_ssize_t labsim_wide_unavailable(int none, ...) { (void)none; abort(); }
    #endif
    #define labsim_savings_x16(...) labsim_wide_unavailable(0, __VA_ARGS__)
    #define labsim_count_x16(...) labsim_wide_unavailable(0, __VA_ARGS__)
    #define labsim_due_x64(...) labsim_wide_unavailable(0, __VA_ARGS__)
    #define labsim_cells_ok_x64(...) labsim_wide_unavailable(0, __VA_ARGS__)
    #define labsim_wages_x64(...) labsim_wide_unavailable(0, __VA_ARGS__)
    #define labsim_statistics_x64(...) labsim_wide_unavailable(0, __VA_ARGS__)
    #define labsim_employees_x64(...) labsim_wide_unavailable(0, __VA_ARGS__)
    #define labsim_retiring_x64(...) labsim_wide_unavailable(0, __VA_ARGS__)
    #define labsim_subsidised_x64(...) labsim_wide_unavailable(0, __VA_ARGS__)
    static int labsim_cpu_has_wide_passes(void) { return 0; }
    #endif
    """
    Py_ssize_t _savings_x16 "labsim_savings_x16" (
        const int8_t* status, const int16_t* occupation, const int32_t* firm,
        const double* wage, Py_ssize_t n, const uint32_t* exposed_bits,
        const uint32_t* second_bits, const uint32_t* wrong_bits, Py_ssize_t occupations,
        const double* exposure, const double* cost, Py_ssize_t n_firms, double* bill,
        double* saving, int64_t* candidate_row, int64_t* candidate_key,
        Py_ssize_t* stop) noexcept nogil
    void _count_x16 "labsim_count_x16" (
        const int8_t* status, const int8_t* region, const int8_t* sector, int8_t code,
        Py_ssize_t n, int32_t n_sectors, int32_t cells, int64_t* counts,
        Py_ssize_t* stop) noexcept nogil
    Py_ssize_t _due_x64 "labsim_due_x64" (
        const int16_t* separation_month, const int8_t* status, Py_ssize_t n, int16_t month,
        int64_t* rows, Py_ssize_t* stop) noexcept nogil
    Py_ssize_t _cells_ok_x64 "labsim_cells_ok_x64" (
        const int8_t* region, const int8_t* skill, Py_ssize_t n, int16_t last_cell) noexcept nogil
    void _wages_x64 "labsim_wages_x64" (
        const int8_t* status, const int8_t* region, const int8_t* skill, double* wage,
        const double* factor, double minimum_wage, Py_ssize_t n) noexcept nogil
    Py_ssize_t _statistics_x64 "labsim_statistics_x64" (
        const int8_t* region, const int8_t* skill, const int8_t* status,
        const double* wage, const int8_t* gender, const int16_t* birth_month,
        const uint8_t* migrant, const uint8_t* displaced,
        const int16_t* unemployed_since, const int16_t* occupation,
        const uint16_t* risk_words, Py_ssize_t start, Py_ssize_t end, uint8_t regions,
        int16_t occupations, int16_t youth_limit, int16_t older_limit,
        int16_t since_limit, double* wage_sum, uint64_t* key_count,
        int64_t* group_count, int64_t* long_term) noexcept nogil
    Py_ssize_t _employees_x64 "labsim_employees_x64" (
        const int8_t* status, const int32_t* firm, Py_ssize_t n, const uint8_t* selected,
        Py_ssize_t n_firms, int64_t* rows, Py_ssize_t* stop) noexcept nogil
    Py_ssize_t _retiring_x64 "labsim_retiring_x64" (
        const int16_t* birth_month, const int8_t* gender, Py_ssize_t n, int32_t limit_0,
        int32_t limit_1, int64_t* rows, Py_ssize_t* stop) noexcept nogil
    Py_ssize_t _subsidised_x64 "labsim_subsidised_x64" (
        const int16_t* subsidy_until, const int8_t* status, Py_ssize_t n, int16_t month,
        int64_t* rows, Py_ssize_t* stop) noexcept nogil
    int _cpu_has_wide_passes "labsim_cpu_has_wide_passes" () noexcept nogil

cdef bint _wide_passes = _cpu_has_wide_passes()


def _use_wide_passes(bint wanted):
    """Use the AVX-512 passes when ``wanted`` and the CPU has them (the default), else the
    portable loops; returns whether they are now used. For the tests, which run both."""
    global _wide_passes
    _wide_passes = wanted and _cpu_has_wide_passes()
    return bool(_wide_passes)


cdef inline void _store_picked(int64_t* picked, Py_ssize_t start,
                               const uint8_t* offset) noexcept nogil:
    """The eight rows ``start + offset[0..7]`` into ``picked[0..7]``.

    Written out: as a loop of eight, GCC at -O2 keeps the loop, and its counter and
    branch took a third of job_seeker_rows' time."""
    picked[0] = start + offset[0]
    picked[1] = start + offset[1]
    picked[2] = start + offset[2]
    picked[3] = start + offset[3]
    picked[4] = start + offset[4]
    picked[5] = start + offset[5]
    picked[6] = start + offset[6]
    picked[7] = start + offset[7]


cdef inline Py_ssize_t _pick(const int8_t[::1] status, int8_t code, Py_ssize_t start,
                             Py_ssize_t stop, int64_t* picked) noexcept nogil:
    """The rows in [start, stop) (at most BLOCK) whose status is ``code``, in row order,
    into ``picked``; returns their number.

    Without a branch per row: once rows are out of order (hires, separations,
    retirements) the statuses interleave and a branch on the status mispredicts on
    every change. The kernels that act on one status pick a block's rows this way, then
    go through only those, with the branches that depend on other columns."""
    cdef Py_ssize_t j, w, m = 0
    cdef uint8_t hits = 0
    cdef uint64_t x, low = 0x7F7F7F7F7F7F7F7FULL
    cdef uint64_t codes = 0x0101010101010101ULL * <uint8_t>code
    cdef int mask
    if stop - start == BLOCK:
        # A count first (vector compares): a block with none or all of its rows wanted,
        # the common case while rows still come in runs, needs no pick.
        for j in range(start, start + BLOCK):
            hits += status[j] == code
        if hits == 0:
            return 0
        if hits == BLOCK:
            for j in range(BLOCK):
                picked[j] = start + j
            return BLOCK
        # Eight rows at a time: the bytes equal to ``code`` as a bit mask (the exact
        # zero-byte test of Hacker's Delight 6-1 on status ^ code, its high bits
        # gathered by a multiplication), then the rows from a table, eight stores
        # whatever the mask (the ones past the count are overwritten or ignored).
        for w in range(start, start + BLOCK, 8):
            memcpy(&x, &status[w], 8)
            x ^= codes
            x = ~(((x & low) + low) | x | low)
            mask = <int>(((x >> 7) * 0x0102040810204080ULL) >> 56)
            _store_picked(&picked[m], w, _PICK_OFFSET[mask])
            m += _PICK_COUNT[mask]
    else:
        for j in range(start, stop):
            picked[m] = j
            m += status[j] == code
    return m


cdef inline void _end_run(double[::1] counts, double[::1] wage_sum,
                          double[::1] at_risk_working, Py_ssize_t key, Py_ssize_t rows,
                          double wage, int64_t at_risk) noexcept nogil:
    """Write back a run of ``rows`` rows of one key (worker_statistics): its count, its
    wage sum, and its rows in at-risk occupations if the status is a working one."""
    counts[key] += <double>rows
    wage_sum[key] = wage
    if key % N_STATUS <= PLATFORM:
        at_risk_working[key // (3 * N_STATUS)] += <double>at_risk


cdef inline void _add_key_counts(uint64_t* key_count, Py_ssize_t slots, double[::1] counts,
                                 int64_t* at_risk_by_region) noexcept nogil:
    """Add the block path's counts by key (worker_statistics) to ``counts``, and its
    at-risk rows of the working statuses to ``at_risk_by_region``; zero them."""
    cdef Py_ssize_t key, c
    cdef uint64_t rows, at_risk
    for key in range(slots):
        rows = 0
        at_risk = 0
        for c in range(4):
            rows += key_count[c * KEY_SLOTS + key] & 0xFFFFFFFFULL
            at_risk += key_count[c * KEY_SLOTS + key] >> 32
            key_count[c * KEY_SLOTS + key] = 0
        if rows > 0:
            counts[key] += <double>rows
        if key % N_STATUS <= PLATFORM:
            at_risk_by_region[key // (3 * N_STATUS)] += at_risk


def worker_statistics(const int8_t[::1] region, const int8_t[::1] skill,
                      const int8_t[::1] status, const double[::1] wage,
                      const int8_t[::1] gender, const int16_t[::1] birth_month,
                      const uint8_t[::1] migrant, const uint8_t[::1] displaced,
                      const int16_t[::1] unemployed_since, const int16_t[::1] occupation,
                      const uint8_t[::1] occupation_at_risk, int64_t month,
                      int64_t youth_months, int64_t older_months,
                      double[::1] counts, double[::1] wage_sum, double[::1] groups,
                      int64_t[::1] long_term, double[::1] at_risk_working):
    """Counts and wage sums by region x skill x status, counts by sex x age band x
    migrant x status, and the long-term unemployed, in one pass over the workers.

    Same results as ``kernels.reference.worker_statistics``, bit for bit.

    Args:
        region, skill, status, gender: int8 (N); wage: float64 (N), tenge/month;
            birth_month, unemployed_since: int16 (N), months from the start;
            migrant, displaced: uint8 (N) (bool viewed as bytes).
        month: the current month. youth_months, older_months: age bounds in months
            (youth: age < youth_months; older: age >= older_months).
        counts, wage_sum: OUT float64 (R * 3 * 5), zeroed by the caller; index
            ``(region * 3 + skill) * 5 + status``.
        groups: OUT float64 (2 * 3 * 2 * 5), zeroed; index
            ``((gender * 3 + band) * 2 + migrant) * 5 + status``.
        long_term: OUT int64 (2), zeroed: unemployed 12 months or more, and those of
            them displaced by automation.
        occupation: int16 (N); occupation_at_risk: uint8 (O), 1 for an occupation at
            moderate or high risk.
        at_risk_working: OUT float64 (R), zeroed: working people (employed,
            self-employed, platform) in at-risk occupations, by region.

    On a row out of range, the rows before it have been added to the outputs.
    """
    cdef Py_ssize_t i, j, b, n = region.shape[0]
    for name, m in (("skill", skill.shape[0]), ("status", status.shape[0]),
                    ("wage", wage.shape[0]), ("gender", gender.shape[0]),
                    ("birth_month", birth_month.shape[0]), ("migrant", migrant.shape[0]),
                    ("displaced", displaced.shape[0]),
                    ("unemployed_since", unemployed_since.shape[0]),
                    ("occupation", occupation.shape[0])):
        if m != n:
            raise ValueError(f"{name} has length {m}, region has {n}")
    if groups.shape[0] != 60 or long_term.shape[0] != 2 or counts.shape[0] != wage_sum.shape[0]:
        raise ValueError("groups needs 60 entries, long_term 2, counts as many as wage_sum")
    cdef Py_ssize_t size = counts.shape[0], n_regions = at_risk_working.shape[0]
    cdef Py_ssize_t n_occupations = occupation_at_risk.shape[0]
    cdef Py_ssize_t key, stop, bad = -1
    cdef int64_t age, band
    # The block test compares bytes and int16s as unsigned, which also catches negative
    # values: the bounds are clamped to 128 and 32768 (past the largest positive value),
    # and the key, at most 127 * 15 + 2 * 5 + 4 (below KEY_SLOTS), is an int16.
    # Regions are also bounded by the size of ``counts``, so that every key of a block
    # whose rows pass the test is below it (a row past that bound, if the arrays
    # disagree, goes row by row).
    cdef uint8_t regions = <uint8_t>min(n_regions, 128, size // (3 * N_STATUS))
    cdef uint16_t occupations = <uint16_t>min(n_occupations, 32768)
    cdef Py_ssize_t keys = regions * 3 * N_STATUS
    cdef int wrong
    cdef uint8_t wrong_bytes, wrong_words
    # Rows come in runs of one key (region, skill and status) early in a run of the
    # model: nine rows in ten have the key of the row before. Such a run's count, wage
    # sum and at-risk count are held in registers and written back when the key
    # changes: ``counts[key] += 1.0`` and ``wage_sum[key] += wage`` on every row would
    # make each row wait for the previous row's store. The wage sum still adds the
    # wages one at a time in row order (from the value in wage_sum when the run
    # starts), so it is the same bit for bit; counts are integers, exact in any
    # grouping below 2**53.
    # Once rows are out of order (hires, separations, retirements) the key changes
    # every few rows and the test that ends a run mispredicts at each change. A block
    # whose key changes more than SCATTERED times goes row by row into wage_sum
    # instead (still in row order), and counts its rows in ``key_count``: one uint64
    # per key in four copies (row j in copy j % 4, so that rows of one key next to each
    # other do not wait on each other's stores), the count in its low 32 bits and the
    # at-risk rows in its high 32 bits, so one increment counts both; added to the
    # outputs every FLUSH_BLOCKS such blocks (2**22 rows: below 2**32 in each half) and
    # at the end. Groups are counted in eight copies the same way, in every block.
    # At national scale this took the pass from ~23 to ~22 ms at month 3 and from ~30
    # to ~27 ms at month 105: what remains is mostly the chain of wage additions,
    # three cycles a row within a run.
    cdef uint64_t key_count[4 * KEY_SLOTS]
    cdef int64_t group_count[8 * 64]
    cdef int64_t at_risk_by_region[128]
    cdef Py_ssize_t run_key = -1, run_start = 0, scattered_blocks = 0
    cdef double run_wage = 0.0
    cdef int64_t run_at_risk = 0
    cdef int64_t long_term_all = 0, long_term_displaced = 0
    # The block's keys after the key of the row before the block, for the count of
    # changes (vector compares of neighbours).
    cdef int16_t keys_after_previous[BLOCK + 1]
    cdef int16_t* key_of = &keys_after_previous[1]
    cdef uint8_t group_of[BLOCK]
    # The age bands and the long-term test as limits on int16 columns, for the vector
    # code: month - birth_month >= bound exactly when birth_month <= month - bound, and
    # month - unemployed_since >= 12 when unemployed_since <= month - 12 (no overflow
    # with every term below 2**62 in size). A limit above the int16 range is clamped
    # (every value is <= 32767); one below it, or terms that large, and the blocks go
    # row by row.
    cdef bint as_limits = (-(1LL << 62) < month < (1LL << 62)
                           and -(1LL << 62) < youth_months < (1LL << 62)
                           and -(1LL << 62) < older_months < (1LL << 62)
                           and month - youth_months >= -32768
                           and month - older_months >= -32768 and month - 12 >= -32768)
    cdef int16_t youth_limit = 0, older_limit = 0, since_limit = 0
    if as_limits:
        youth_limit = <int16_t>min(month - youth_months, 32767)
        older_limit = <int16_t>min(month - older_months, 32767)
        since_limit = <int16_t>min(month - 12, 32767)
    cdef uint8_t long_term_block = 0, displaced_block = 0
    cdef uint8_t changes = 0
    for j in range(4 * KEY_SLOTS):
        key_count[j] = 0
    for j in range(128):
        at_risk_by_region[j] = 0
    for j in range(8 * 64):
        group_count[j] = 0
    for j in range(BLOCK + 1):   # read before a full block has set them (a partial one)
        keys_after_previous[j] = -1
    # Where the CPU has AVX-512 (see _use_wide_passes), the blocks go through
    # labsim_statistics_x64 first: the range test, keys, at-risk bits (a table in a
    # register), long-term counts and groups (popcounts of bit masks) for 64 rows at a
    # time in vectors, and only the wage additions one row at a time, in row order:
    # the keys of a block's first and last rows add every row of the block (-0.0 where
    # the row is not theirs) in registers, with no branch on a change of key; the other
    # rows add to wage_sum one by one. It stops at the first block with a row out of
    # range (the portable loop carries on from there, so reports the same row with the
    # same partial outputs) and hands its counts over every 2**16 blocks, as the
    # portable loop does. At national scale this took the pass from ~23 to ~16 ms at
    # month 4 and from ~28 to ~24 ms at month 106 (rows out of order: half the rows
    # have neither key, and add one by one). Counting the groups by a byte per row into
    # eight copies, as the portable loop does, cost ~1 ms more; holding sixteen keys'
    # sums in vector lanes, every row a masked add, was slower (~22 and ~33 ms).
    cdef uint16_t risk_words[32]
    cdef int64_t long_term_wide[2]
    cdef Py_ssize_t start = 0, chunk_end, whole = n - n % BLOCK
    with nogil:
        if _wide_passes and as_limits and n_occupations <= 512 and whole > 0:
            for j in range(32):
                risk_words[j] = 0
            for j in range(n_occupations):
                risk_words[j >> 4] |= (<uint16_t>(occupation_at_risk[j] != 0)) << (j & 15)
            long_term_wide[0] = 0
            long_term_wide[1] = 0
            while start < whole:
                chunk_end = min(start + FLUSH_BLOCKS * BLOCK, whole)
                stop = _statistics_x64(
                    &region[0], &skill[0], &status[0], &wage[0], &gender[0], &birth_month[0],
                    &migrant[0], &displaced[0], &unemployed_since[0], &occupation[0],
                    risk_words, start, chunk_end, regions, <int16_t>n_occupations,
                    youth_limit, older_limit, since_limit, &wage_sum[0], key_count,
                    group_count, long_term_wide)
                _add_key_counts(key_count, keys, counts, at_risk_by_region)
                start = stop
                if stop < chunk_end:
                    break
            long_term_all += long_term_wide[0]
            long_term_displaced += long_term_wide[1]
            if start > 0:
                keys_after_previous[0] = <int16_t>((region[start - 1] * 3 + skill[start - 1])
                                                   * N_STATUS + status[start - 1])
        for b in range(start // BLOCK, n // BLOCK + 1):
            i = b * BLOCK
            stop = min(i + BLOCK, n)
            # Each row's key and group, the block's long-term unemployed, and whether
            # every row is in range (the row-by-row test below, in bulk), for the block
            # at once: vector code, no branch per row.
            wrong = 1
            if stop - i == BLOCK and as_limits:
                # The tests on bytes in bytes, the key in int16s: whole vectors of
                # each (in int arithmetic, C's default, the compiler widened the bytes
                # to four per vector).
                wrong_bytes = 0
                for j in range(BLOCK):
                    wrong_bytes |= (<uint8_t>region[i + j] >= regions) | (
                        <uint8_t>skill[i + j] > 2) | (<uint8_t>status[i + j] >= N_STATUS) | (
                        <uint8_t>gender[i + j] > 1)
                for j in range(BLOCK):
                    key_of[j] = <int16_t>((<int16_t>region[i + j] * 3 + skill[i + j]) * N_STATUS
                                          + status[i + j])
                wrong_words = 0
                for j in range(BLOCK):
                    wrong_words |= <uint16_t>occupation[i + j] >= occupations
                for j in range(BLOCK):
                    group_of[j] = <uint8_t>(((gender[i + j] * 3 + (birth_month[i + j] <= youth_limit)
                                             + (birth_month[i + j] <= older_limit)) * 2
                                            + (migrant[i + j] != 0)) * N_STATUS + status[i + j])
                wrong = wrong_bytes | wrong_words
                changes = 0
                for j in range(BLOCK):
                    changes += keys_after_previous[j + 1] != keys_after_previous[j]
                long_term_block = 0
                displaced_block = 0
                for j in range(BLOCK):
                    long_term_block += (status[i + j] == UNEMPLOYED) & (
                        unemployed_since[i + j] <= since_limit)
                    displaced_block += (status[i + j] == UNEMPLOYED) & (
                        unemployed_since[i + j] <= since_limit) & (displaced[i + j] != 0)
            if wrong:
                # Row by row, with the formulas as written in the docstring; where a row
                # is out of range, the rows before it are still added.
                long_term_block = 0
                displaced_block = 0
                for j in range(i, stop):
                    key = (region[j] * 3 + skill[j]) * N_STATUS + status[j]
                    if (key < 0 or key >= size or region[j] < 0 or region[j] >= n_regions
                            or skill[j] < 0 or skill[j] > 2 or status[j] < 0
                            or status[j] >= N_STATUS or gender[j] < 0 or gender[j] > 1
                            or occupation[j] < 0 or occupation[j] >= n_occupations):
                        bad = j
                        stop = j
                        break
                    key_of[j - i] = key
                    age = month - birth_month[j]
                    band = (age >= youth_months) + (age >= older_months)
                    group_of[j - i] = ((gender[j] * 3 + band) * 2 + (migrant[j] != 0)) \
                        * N_STATUS + status[j]
                    if status[j] == UNEMPLOYED and month - unemployed_since[j] >= 12:
                        long_term_block += 1
                        displaced_block += displaced[j] != 0
            long_term_all += long_term_block
            long_term_displaced += displaced_block
            if stop - i == BLOCK:
                # Eight copies, each row's copy a constant of the unrolled loop.
                for j in range(0, BLOCK, 8):
                    group_count[group_of[j]] += 1
                    group_count[64 + group_of[j + 1]] += 1
                    group_count[128 + group_of[j + 2]] += 1
                    group_count[192 + group_of[j + 3]] += 1
                    group_count[256 + group_of[j + 4]] += 1
                    group_count[320 + group_of[j + 5]] += 1
                    group_count[384 + group_of[j + 6]] += 1
                    group_count[448 + group_of[j + 7]] += 1
            else:
                for j in range(stop - i):
                    group_count[(j & 7) * 64 + group_of[j]] += 1
            if not wrong and changes > SCATTERED:
                if run_key >= 0:
                    _end_run(counts, wage_sum, at_risk_working, run_key, i - run_start,
                             run_wage, run_at_risk)
                    run_key = -1
                # Four rows a turn, each in its copy of the counts (a constant offset).
                for j in range(0, BLOCK, 4):
                    key_count[key_of[j]] += 1 + (
                        <uint64_t>(occupation_at_risk[occupation[i + j]] != 0) << 32)
                    wage_sum[key_of[j]] += wage[i + j]
                    key_count[KEY_SLOTS + key_of[j + 1]] += 1 + (
                        <uint64_t>(occupation_at_risk[occupation[i + j + 1]] != 0) << 32)
                    wage_sum[key_of[j + 1]] += wage[i + j + 1]
                    key_count[2 * KEY_SLOTS + key_of[j + 2]] += 1 + (
                        <uint64_t>(occupation_at_risk[occupation[i + j + 2]] != 0) << 32)
                    wage_sum[key_of[j + 2]] += wage[i + j + 2]
                    key_count[3 * KEY_SLOTS + key_of[j + 3]] += 1 + (
                        <uint64_t>(occupation_at_risk[occupation[i + j + 3]] != 0) << 32)
                    wage_sum[key_of[j + 3]] += wage[i + j + 3]
                scattered_blocks += 1
                if scattered_blocks == FLUSH_BLOCKS:
                    _add_key_counts(key_count, keys, counts, at_risk_by_region)
                    scattered_blocks = 0
            else:
                for j in range(i, stop):
                    key = key_of[j - i]
                    if key != run_key:
                        if run_key >= 0:
                            _end_run(counts, wage_sum, at_risk_working, run_key,
                                     j - run_start, run_wage, run_at_risk)
                        run_key = key
                        run_start = j
                        run_wage = wage_sum[key]
                        run_at_risk = 0
                    run_wage += wage[j]
                    run_at_risk += occupation_at_risk[occupation[j]] != 0
            keys_after_previous[0] = key_of[BLOCK - 1]
            if bad >= 0:
                break
        if run_key >= 0:
            _end_run(counts, wage_sum, at_risk_working, run_key,
                     (bad if bad >= 0 else n) - run_start, run_wage, run_at_risk)
        _add_key_counts(key_count, keys, counts, at_risk_by_region)
        for j in range(min(n_regions, 128)):
            at_risk_working[j] += <double>at_risk_by_region[j]
        for j in range(60):
            groups[j] += <double>(group_count[j] + group_count[64 + j] + group_count[128 + j]
                                  + group_count[192 + j] + group_count[256 + j]
                                  + group_count[320 + j] + group_count[384 + j]
                                  + group_count[448 + j])
        long_term[0] += long_term_all
        long_term[1] += long_term_displaced
    if bad >= 0:
        raise ValueError(f"row {bad}: region, skill, status, gender or occupation out of range")


cdef inline Py_ssize_t _bad_cell(const int8_t[::1] region, const int8_t[::1] skill,
                                 Py_ssize_t cells, Py_ssize_t start,
                                 Py_ssize_t stop) noexcept nogil:
    """The first row in [start, stop) whose region x skill cell is outside ``factor``,
    or -1."""
    cdef Py_ssize_t i
    for i in range(start, stop):
        if region[i] < 0 or skill[i] < 0 or skill[i] > 2 or region[i] * 3 + skill[i] >= cells:
            return i
    return -1


def update_incumbent_wages(const int8_t[::1] status, const int8_t[::1] region,
                           const int8_t[::1] skill, double[::1] wage,
                           const double[::1] factor, double minimum_wage):
    """Scale the pay of employees and the self-employed by their region x skill cell's
    factor; employees never below ``minimum_wage``. In place: a pass that checks every
    row, then one that updates the wages.

    Args:
        status, region, skill: int8 (N); wage: IN/OUT float64 (N), tenge/month.
        factor: float64 (R * 3), index ``region * 3 + skill``.
        minimum_wage: tenge/month.

    Invariant: rows of other statuses are untouched; bit for bit the reference's
    ``where(employee, maximum(wage * factor, minimum_wage), wage * factor)``. A row out
    of range (any status) raises before any wage is changed.
    """
    cdef Py_ssize_t i, j, b, n = status.shape[0]
    if region.shape[0] != n or skill.shape[0] != n or wage.shape[0] != n:
        raise ValueError("status, region, skill and wage need the same length")
    cdef Py_ssize_t cells = factor.shape[0], bad = -1
    # The check stays a pass of its own before the update: folded into it, a bad row
    # found late would leave the rows before it updated. It reads two int8 columns, in
    # blocks tested without branches (vector compares; the cell index fits an int16),
    # and only a block with a bad row is looked at row by row.
    cdef int16_t last_cell = <int16_t>min(cells, 32767) - 1
    cdef int wrong
    cdef double pay
    cdef Py_ssize_t stop
    cdef int16_t cell_of[BLOCK]
    cdef double factor_of[BLOCK]
    cdef double floor_of[BLOCK]
    cdef uint8_t paid_of[BLOCK]
    cdef int16_t first_row_cell, other_cells
    cdef double first_row_factor
    cdef Py_ssize_t checked = 0, updated = 0
    with nogil:
        if _wide_passes and n >= BLOCK:
            checked = _cells_ok_x64(&region[0], &skill[0], n, last_cell)
        for b in range(checked // BLOCK, n // BLOCK):
            i = b * BLOCK
            wrong = 0
            for j in range(i, i + BLOCK):
                wrong |= (region[j] < 0) | (<uint8_t>skill[j] > 2) | (
                    <int16_t>(region[j] * 3 + skill[j]) > last_cell)
            if wrong:
                bad = _bad_cell(region, skill, cells, i, i + BLOCK)
                break
        if bad < 0:
            bad = _bad_cell(region, skill, cells, n - n % BLOCK, n)
        if bad < 0:
            # Per block, the cells (vector code), then each row's factor and floor (a
            # load from ``factor`` per row, which SSE2 cannot gather), then the rows in
            # vector code: no branch on the status, so rows out of order cost the same
            # as rows in runs. The floor is the minimum wage for employees and -inf for
            # the others, for whom ``pay < floor`` is never true (NaN included): the
            # same bits as the test on the status. A row of another status gets its own
            # wage back, the same bits. At national scale, month 105 (rows out of
            # order), this took the pass from ~21 to ~14 ms; month 3, ~14 to ~12.5 ms.
            # Where the CPU has AVX-512 (see _use_wide_passes), the check and the
            # update go through whole blocks in labsim_cells_ok_x64 and
            # labsim_wages_x64: the factors gathered eight at a time (a block of one
            # cell takes one), the floor by NumPy's maximum rule in mask registers. At
            # national scale this took the pass from ~13.3 to ~7.0 ms at month 4 and
            # from ~14.9 to ~7.8 ms at month 106 (where nearly every block has several
            # cells and gathers).
            if _wide_passes and n >= BLOCK:
                _wages_x64(&status[0], &region[0], &skill[0], &wage[0], &factor[0],
                           minimum_wage, n)
                updated = n - n % BLOCK
            for b in range(updated // BLOCK, n // BLOCK + 1):
                i = b * BLOCK
                stop = min(i + BLOCK, n)
                if stop - i == BLOCK:
                    first_row_cell = region[i] * 3 + skill[i]
                    other_cells = 0
                    for j in range(BLOCK):
                        cell_of[j] = region[i + j] * 3 + skill[i + j]
                        other_cells |= cell_of[j] != first_row_cell
                    # A block of one cell (rows in runs, as in a young model: seven
                    # blocks in ten at month 3) needs no gather (month 3, national
                    # scale: 12.3 -> 11.5 ms). A select of the first and last rows'
                    # factors where the block has two cells cost more than the gather.
                    if other_cells:
                        for j in range(BLOCK):
                            factor_of[j] = factor[cell_of[j]]
                    else:
                        first_row_factor = factor[first_row_cell]
                        for j in range(BLOCK):
                            factor_of[j] = first_row_factor
                    for j in range(BLOCK):
                        floor_of[j] = minimum_wage if status[i + j] == EMPLOYED else -INFINITY
                        paid_of[j] = status[i + j] <= SELF_EMPLOYED
                    # Only ``wage`` and the block's buffers: a loop that also read
                    # ``status`` while storing to ``wage`` (which might overlap it, as
                    # far as the compiler knows) was not vectorised.
                    for j in range(BLOCK):
                        pay = numpy_maximum(wage[i + j] * factor_of[j], floor_of[j])
                        wage[i + j] = pay if paid_of[j] else wage[i + j]
                else:
                    for j in range(i, stop):
                        if status[j] <= SELF_EMPLOYED:
                            pay = wage[j] * factor[region[j] * 3 + skill[j]]
                            if status[j] == EMPLOYED:
                                pay = numpy_maximum(pay, minimum_wage)
                            wage[j] = pay
    if bad >= 0:
        raise ValueError(f"row {bad}: region/skill out of range of factor")


cdef struct Divisor:
    uint64_t inverse    # of the odd part of the divisor, modulo 2**64
    uint64_t offset     # added to the product: shifts the signed range onto [0, 2**64)
    uint64_t limit      # the largest rotated value of a multiple
    int shift           # trailing zero bits of the divisor


cdef inline Divisor _divisor(uint64_t divisor) noexcept nogil:
    """The constants of the multiply-add-rotate test of ``x % divisor == 0`` for a signed
    64-bit ``x`` and ``divisor`` >= 1 (Hacker's Delight 10-17, as compilers emit it for
    a constant divisor).

    Why it is exact, with divisor = odd * 2**shift: let a = (2**63 - 1) // divisor, and
    m = x + a * divisor (mod 2**64). The product (x * inverse + (a << shift)) is
    m * inverse, and rotated right by ``shift`` it is m / divisor when the divisor
    divides m, and above (2**64 - 1) // divisor otherwise. Multiples x = q * divisor of
    the int64 range have q in [-a, a] (the divisor does not divide 2**63), so m / divisor
    = q + a is in [0, 2a]; conversely m = t * divisor with t <= 2a gives x congruent to
    (t - a) * divisor, which lies in the int64 range, so equals x. A power of two
    divides 2**63, so there q may be -a - 1: a + 1 = 2**63 / divisor is taken instead,
    the offset is 2**63 and the test is on the low ``shift`` bits alone.
    """
    cdef Divisor d
    cdef uint64_t odd = divisor, a
    d.shift = 0
    while odd % 2 == 0:
        odd //= 2
        d.shift += 1
    # Newton's iteration doubles the correct low bits: odd * odd == 1 modulo 8 (3 bits),
    # then 6, 12, 24, 48, 96 >= 64.
    d.inverse = odd
    for _ in range(5):
        d.inverse *= 2 - odd * d.inverse
    if odd == 1:
        d.offset = (<uint64_t>1) << 63
        d.limit = (<uint64_t>0xFFFFFFFFFFFFFFFFULL) >> d.shift
    else:
        a = (<uint64_t>0x7FFFFFFFFFFFFFFFULL) // divisor
        d.offset = a << d.shift
        d.limit = 2 * a
    return d


cdef inline bint _divides(Divisor d, int64_t x) noexcept nogil:
    """True when the divisor divides ``x`` (``x % divisor == 0`` in C), for every int64."""
    cdef uint64_t m = <uint64_t>x * d.inverse + d.offset
    return ((m >> d.shift) | (m << ((64 - d.shift) & 63))) <= d.limit


cdef struct Divisor32:
    uint32_t inverse    # of the odd part of the divisor, modulo 2**32
    uint32_t limit      # (2**32 - 1) // divisor: the largest quotient of a multiple
    int shift           # trailing zero bits of the divisor


cdef inline Divisor32 _divisor32(uint32_t divisor) noexcept nogil:
    """The constants of the multiply-rotate test of ``x % divisor == 0`` for an unsigned
    32-bit ``x`` and ``divisor`` >= 1 (Hacker's Delight 10-16).

    Why it is exact, with divisor = odd * 2**shift: a multiple x = q * divisor has
    q <= limit, and x * inverse = q << shift (mod 2**32), which rotated right by
    ``shift`` is q. Conversely a rotated product t <= limit < 2**(32 - shift) has its top
    ``shift`` bits clear, so the product is t << shift, and x = t * divisor (mod 2**32)
    (multiplying by odd); t * divisor <= 2**32 - 1, so x is that multiple.
    """
    cdef Divisor32 d
    # The odd part's inverse modulo 2**64 (_divisor) is also its inverse modulo 2**32.
    cdef Divisor wide = _divisor(divisor)
    cdef uint32_t odd = divisor >> wide.shift
    d.shift = wide.shift
    d.inverse = <uint32_t>wide.inverse
    # (2**32 - 1) // divisor, divided in two steps: GCC rewrites ``t <= 0xFFFFFFFF /
    # divisor`` as an overflow test of t * divisor, which it does not vectorise.
    d.limit = (0xFFFFFFFFU >> d.shift) // odd
    return d


cdef inline bint _seeking(int8_t s, bint turn) noexcept nogil:
    """Whether a worker of status ``s`` seeks a job this month, ``turn`` telling whether
    it is an employee's turn in the on-the-job search rotation."""
    return (s == UNEMPLOYED) | (s == PLATFORM) | ((s == EMPLOYED) & turn)


cdef inline int64_t _wrapping_sum(int64_t a, int64_t b) noexcept nogil:
    """a + b modulo 2**64 (NumPy's int64 addition), without C's undefined signed overflow."""
    return <int64_t>(<uint64_t>a + <uint64_t>b)


def job_seeker_rows(const int8_t[::1] status, const int64_t[::1] worker_id,
                    int64_t month, int64_t period, int64_t[::1] rows):
    """Rows of this month's job seekers: the unemployed, gig workers, and employees
    whose turn it is in the on-the-job search rotation (``(id + month) % period == 0``;
    ``period`` 0 means nobody searches on the job). Returns how many rows were written.

    Args:
        status: int8 (N); worker_id: int64 (N), non-negative.
        rows: OUT int64 (N), allocated by the caller; the first ``count`` entries are
            filled, in row order.
    """
    cdef Py_ssize_t i, j, b, n = status.shape[0], count = 0, k = 0
    if worker_id.shape[0] != n or rows.shape[0] < n:
        raise ValueError("worker_id and rows need the length of status")
    # A 64-bit division per employee costs more than reading the ids: the rotation test
    # is a multiplication (_divides) instead. With no on-the-job search, the divisor 1
    # keeps the loop the same and ``on_the_job`` masks it out.
    cdef bint on_the_job = period > 0
    cdef Divisor rotation = _divisor(<uint64_t>period if on_the_job else 1)
    # Ids and periods are far below 2**32: a block whose id + month all fit in 32 bits
    # takes the test on 32-bit words (_divisor32), which the C compiler vectorises
    # (the 64-bit one it does not), for every row of the block, then keeps the seekers
    # by the same table as _pick, without a branch per row. At national scale this
    # took the pass from ~14 to ~10 ms (month 3) and ~17 to ~10 ms (month 105).
    cdef bint narrow_rotation = not on_the_job or period <= 0xFFFFFFFF
    cdef Divisor32 rotation32 = _divisor32(<uint32_t>period if on_the_job and narrow_rotation
                                           else 1)
    # Its fields as plain locals: read from the struct, they stopped the vectoriser.
    cdef uint32_t inverse = rotation32.inverse, limit = rotation32.limit
    cdef int shift = rotation32.shift
    cdef uint64_t high, sum_bits
    cdef uint32_t product
    cdef uint8_t turn[BLOCK]
    cdef uint8_t seeking[BLOCK]
    cdef int64_t found[FOUND]
    cdef uint64_t wanted
    cdef int mask
    cdef Py_ssize_t w
    with nogil:
        for b in range(n // BLOCK):
            i = b * BLOCK
            high = 0
            for j in range(BLOCK):
                # Unsigned: the same bits as the signed sum, without its overflow.
                sum_bits = <uint64_t>worker_id[i + j] + <uint64_t>month
                high |= sum_bits
                product = <uint32_t>sum_bits * inverse
                turn[j] = ((product >> shift) | (product << ((32 - shift) & 31))) <= limit
            if narrow_rotation and high >> 32 == 0:
                for j in range(BLOCK):
                    seeking[j] = _seeking(status[i + j], on_the_job & turn[j])
            else:
                for j in range(BLOCK):
                    seeking[j] = _seeking(status[i + j], on_the_job & _divides(
                        rotation, _wrapping_sum(worker_id[i + j], month)))
            for w in range(0, BLOCK, 8):
                memcpy(&wanted, &seeking[w], 8)
                mask = <int>((wanted * 0x0102040810204080ULL) >> 56)
                _store_picked(&found[k], i + w, _PICK_OFFSET[mask])
                k += _PICK_COUNT[mask]
            if k > FOUND - BLOCK:
                count = _spill(rows, count, found, k)
                k = 0
        for i in range(n - n % BLOCK, n):
            found[k] = i
            k += _seeking(status[i], on_the_job & _divides(
                rotation, _wrapping_sum(worker_id[i], month)))
        count = _spill(rows, count, found, k)
    return count


cdef extern from *:
    """
    #include <stdint.h>
    #if defined(__SSE2__)
    #include <emmintrin.h>
    #endif
    /* Bit j of the result: low <= block[j] <= low + span, for the 64 bytes of block,
       as an unsigned byte test (uint8)(block[j] - low) <= span. For int8 values this
       is the test on the integers exactly when low + span <= 127 (the callers' cases:
       a wrapped negative difference is then above span). SSE2 is part of every x86-64
       CPU: sixteen rows per compare, their results gathered by movemask. */
    static inline uint64_t labsim_in_range_mask64(const int8_t* block, int8_t low,
                                                  uint8_t span) {
        uint64_t mask = 0;
    #if defined(__SSE2__)
        const __m128i lows = _mm_set1_epi8((char)low);
        const __m128i spans = _mm_set1_epi8((char)span);
        for (int q = 0; q < 4; q++) {
            __m128i d = _mm_sub_epi8(_mm_loadu_si128((const __m128i*)(block + 16 * q)), lows);
            __m128i in = _mm_cmpeq_epi8(_mm_min_epu8(d, spans), d);
            mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(in) << (16 * q);
        }
    #else
        for (int j = 0; j < 64; j++)
            mask |= (uint64_t)((uint8_t)(block[j] - low) <= span) << j;
    #endif
        return mask;
    }
    #if defined(__GNUC__) || defined(__clang__)
    #define labsim_lowest_bit(x) ((int)__builtin_ctzll(x))
    #else
    static inline int labsim_lowest_bit(uint64_t x) { int b = 0; while (!(x & 1)) { x >>= 1; b++; } return b; }
    #endif
    """
    uint64_t _in_range_mask64 "labsim_in_range_mask64" (const int8_t* block, int8_t low,
                                                         uint8_t span) noexcept nogil
    int _lowest_bit "labsim_lowest_bit" (uint64_t x) noexcept nogil


cdef Py_ssize_t _rows_in_range(const int8_t[::1] status, int8_t low, uint8_t span,
                               int64_t[::1] rows) noexcept nogil:
    """Rows with ``low <= status <= low + span``, in row order; returns their number.
    Needs ``low + span <= 127`` (see labsim_in_range_mask64).

    Per block of 64 rows, a bit mask of the rows wanted (vector compares), then the set
    bits' rows, one store each: no store and no branch per row that is not wanted. At
    national scale (4 % of rows wanted, out of order) this took rows_with_status_from
    from ~5.7 to ~1 ms; the loop it replaced stored every row of a mixed block to a
    buffer and advanced its count by the test, ~2 cycles a row."""
    cdef Py_ssize_t i, j, n = status.shape[0], count = 0
    cdef uint64_t mask
    for i in range(0, n - n % 64, 64):
        mask = _in_range_mask64(&status[i], low, span)
        if mask == 0:
            continue
        if mask == <uint64_t>-1:   # a run of the status (a young model): every row
            for j in range(64):
                rows[count + j] = i + j
            count += 64
            continue
        while mask:
            rows[count] = i + _lowest_bit(mask)
            count += 1
            mask &= mask - 1
    for i in range(n - n % 64, n):
        if <uint8_t>(status[i] - low) <= span:
            rows[count] = i
            count += 1
    return count


def rows_with_status(const int8_t[::1] status, int8_t code, int64_t[::1] rows):
    """Rows whose status is ``code``, in row order; returns how many were written.

    One pass, where ``np.flatnonzero(status == code)`` makes two (and a temporary).

    Args:
        status: int8 (N); code: the status wanted.
        rows: OUT int64 (>= N), allocated by the caller.
    """
    if rows.shape[0] < status.shape[0]:
        raise ValueError("rows must be at least as long as status")
    cdef Py_ssize_t count
    with nogil:
        count = _rows_in_range(status, code, 0, rows)
    return count


def rows_with_status_from(const int8_t[::1] status, int8_t lowest, int64_t[::1] rows):
    """Rows whose status is ``lowest`` or above (e.g. everyone not working: platform,
    unemployed, retraining), in row order; returns how many were written.

    Args:
        status: int8 (N); lowest: the lowest status wanted.
        rows: OUT int64 (>= N), allocated by the caller.
    """
    if rows.shape[0] < status.shape[0]:
        raise ValueError("rows must be at least as long as status")
    cdef Py_ssize_t count
    with nogil:
        count = _rows_in_range(status, lowest, <uint8_t>(127 - lowest), rows)
    return count


def rows_with_status_among(const int64_t[::1] rows, const int64_t[::1] ids,
                           const int8_t[::1] status, int8_t code, int64_t[::1] out_rows,
                           int64_t[::1] out_ids):
    """Of ``rows`` (with their worker ``ids``), those whose status is ``code``, in their
    given order, and their ids; returns how many were written.

    The late stages' lookup among the rows not working (sim.model
    rows_and_ids_with_status): one pass instead of a gather of the statuses, a mask and
    two boolean selections (at national scale, ~400k rows, ~1.5 -> ~0.5 ms a call; five
    calls a month).

    Args (K rows, N workers):
        rows: int64 (K), each in [0, N); ids: int64 (K); status: int8 (N).
        out_rows, out_ids: OUT int64 (>= K), allocated by the caller.

    Raises:
        ValueError: on inconsistent lengths or a row outside [0, N) (named; nothing
            is written past the rows before it).
    """
    cdef Py_ssize_t j, k = rows.shape[0], n = status.shape[0], count = 0, bad = -1
    cdef int64_t r
    if ids.shape[0] != k or out_rows.shape[0] < k or out_ids.shape[0] < k:
        raise ValueError("ids need the length of rows; out_rows and out_ids at least that")
    with nogil:
        for j in range(k):
            r = rows[j]
            if _outside(r, n):
                bad = j
                break
            # Stored always, kept by advancing the count: statuses interleave, and a
            # branch on them would mispredict.
            out_rows[count] = r
            out_ids[count] = ids[j]
            count += status[r] == code
    if bad >= 0:
        raise ValueError(f"row {bad}: {rows[bad]} outside [0, {n})")
    return count


def benefit_claims(const int64_t[::1] rows, const int16_t[::1] unemployed_since,
                   const double[::1] last_wage, int64_t month, double benefit_months,
                   double[::1] claims):
    """The last wages of those among ``rows`` (the unemployed) still entitled to the
    benefit, ``month - unemployed_since < benefit_months`` and a last wage above 0, in
    the rows' order; returns how many were written. The caller sums them (NumPy's sum of
    the same values in the same order as the reference's masked selection).

    One pass instead of two gathers, a subtraction, two compares and a selection over
    the unemployed (at national scale ~6 -> ~2.5 ms a month).

    Args (K rows, N workers):
        rows: int64 (K), each in [0, N); unemployed_since: int16 (N); last_wage:
            float64 (N), tenge/month.
        claims: OUT float64 (>= K), allocated by the caller.

    Raises:
        ValueError: on a row outside [0, N) or inconsistent lengths (named).
    """
    cdef Py_ssize_t j, k = rows.shape[0], n = last_wage.shape[0], count = 0, bad = -1
    cdef int64_t r
    cdef double last
    if unemployed_since.shape[0] != n or claims.shape[0] < k:
        raise ValueError("unemployed_since needs the length of last_wage; claims at least "
                         "the length of rows")
    with nogil:
        for j in range(k):
            r = rows[j]
            if _outside(r, n):
                bad = j
                break
            last = last_wage[r]
            # Stored always, kept by advancing the count (no branch to mispredict); the
            # months compare as the reference's int64 against float64 does.
            claims[count] = last
            count += (<double>(month - unemployed_since[r]) < benefit_months) & (last > 0.0)
    if bad >= 0:
        raise ValueError(f"row {bad}: {rows[bad]} outside [0, {n})")
    return count


cdef inline int32_t _latest_birth_month(int64_t month, double age) noexcept nogil:
    """The last birth month of those at least ``age`` months old in ``month``, clamped
    to [-32769, 32767]; ``age`` finite and |month| < 2**52 (see retiring_rows)."""
    cdef double latest = <double>month - ceil(age)
    if latest >= 32767:
        return 32767
    if latest <= -32769:
        return -32769
    return <int32_t>latest


cdef Py_ssize_t _retiring_rows_as_doubles(const int16_t[::1] birth_month,
                                          const int8_t[::1] gender, int64_t month,
                                          const double[::1] retirement_age_months,
                                          int64_t[::1] rows) except -1:
    """retiring_rows for thresholds that are not finite, or a month too far out for the
    integer form: the age compared as a double, row by row."""
    cdef Py_ssize_t i, n = birth_month.shape[0], count = 0
    for i in range(n):
        if gender[i] < 0 or gender[i] > 1:
            raise ValueError(f"row {i}: gender {gender[i]} is not 0 or 1")
    with nogil:
        for i in range(n):
            if <double>(month - birth_month[i]) >= retirement_age_months[gender[i]]:
                rows[count] = i
                count += 1
    return count


def retiring_rows(const int16_t[::1] birth_month, const int8_t[::1] gender, int64_t month,
                  const double[::1] retirement_age_months, int64_t[::1] rows):
    """Rows of workers at or past the statutory retirement age this month (age in
    months >= ``retirement_age_months[gender]``), in row order; returns the count.

    Args:
        birth_month: int16 (N), months from the start; gender: int8 (N), 0 male 1 female.
        retirement_age_months: float64 (2), by gender.
        rows: OUT int64 (>= N). On a bad gender, the rows before its block of 64 (and
            perhaps some of its block's) have been written, the same on either path;
            none where infinite ages or a far month take the fallback, which checks
            every gender first.
    """
    cdef Py_ssize_t i, j, b, n = birth_month.shape[0], count = 0, k = 0, bad = -1
    if gender.shape[0] != n or rows.shape[0] < n or retirement_age_months.shape[0] != 2:
        raise ValueError("gender and rows need the length of birth_month; ages need 2 entries")
    cdef double age_0 = retirement_age_months[0], age_1 = retirement_age_months[1]
    if not (isfinite(age_0) and isfinite(age_1)) or not -(1LL << 52) < month < (1LL << 52):
        return _retiring_rows_as_doubles(birth_month, gender, month, retirement_age_months, rows)
    # For an integer age and a finite threshold A, age >= A exactly when age >= ceil(A),
    # i.e. birth_month <= month - ceil(A); birth_month is an int16, so that limit is
    # clamped to [-32769, 32767] (-32769: nobody of that gender, 32767: everyone). The
    # age is exact as a double since |month| < 2**52, and the clamping decisions are
    # exact: month - ceil(A) is an integer, exact when small, and rounding is monotonic.
    cdef int32_t limit[2]
    limit[0] = _latest_birth_month(month, age_0)
    limit[1] = _latest_birth_month(month, age_1)
    # Blocks with no birth month at or below the higher limit have nobody retiring.
    cdef int16_t any_limit = <int16_t>max(-32768, limit[0], limit[1])
    # Where the CPU has AVX-512 (see _use_wide_passes), 64 rows are tested at once
    # (the limit of each row's gender by a blend) and their rows kept by a compress.
    # At national scale (months 4 and 106: ~30,000 of the ~145,000 blocks hold a birth
    # month at or below the higher limit) this took the pass from ~2.7 to ~1.0 ms and
    # from ~3.0 to ~1.1 ms.
    cdef int64_t found[FOUND]
    cdef int wrong
    cdef uint8_t hits
    cdef Py_ssize_t start = 0
    with nogil:
        if _wide_passes and n >= BLOCK:
            count = _retiring_x64(&birth_month[0], &gender[0], n, limit[0], limit[1], &rows[0],
                                  &start)
        for b in range(start // BLOCK, n // BLOCK):
            i = b * BLOCK
            wrong = 0
            for j in range(BLOCK):
                wrong |= <uint8_t>gender[i + j] > 1
            if wrong:
                for j in range(i, i + BLOCK):
                    if <uint8_t>gender[j] > 1:
                        bad = j
                        break
                break
            hits = 0
            for j in range(BLOCK):
                hits += birth_month[i + j] <= any_limit
            if hits == 0:
                continue
            for j in range(BLOCK):
                found[k] = i + j
                k += birth_month[i + j] <= limit[gender[i + j]]
            if k > FOUND - BLOCK:
                count = _spill(rows, count, found, k)
                k = 0
        if bad < 0:
            for i in range(n - n % BLOCK, n):
                if <uint8_t>gender[i] > 1:
                    bad = i
                    break
                found[k] = i
                k += birth_month[i] <= limit[gender[i]]
        # On a bad gender too, so that the rows before its block are written whichever
        # path found them.
        count = _spill(rows, count, found, k)
    if bad >= 0:
        raise ValueError(f"row {bad}: gender {gender[bad]} is not 0 or 1")
    return count


def separations_due(const int16_t[::1] separation_month, const int8_t[::1] status,
                    int64_t month, int64_t[::1] rows):
    """Rows of employees and self-employed whose exogenous separation falls due this
    month (``separation_month <= month``), in row order; returns the count."""
    cdef Py_ssize_t i, j, b, n = status.shape[0], count = 0, k = 0
    if separation_month.shape[0] != n or rows.shape[0] < n:
        raise ValueError("separation_month and rows need the length of status")
    # The month as an int16 for the block test; a month past the int16 range lets every
    # block through, and the row test compares with the month itself.
    cdef int16_t due = <int16_t>max(-32768, min(month, 32767))
    cdef int64_t found[FOUND]
    cdef uint8_t hits
    # Where the CPU has AVX-512 (see _use_wide_passes), 64 rows are tested at once, and
    # their rows kept by a compress, eight at a time, straight to ``rows``. At national
    # scale (months 5 and 106: ~80,000 of the ~145,000 blocks hold a row due) this took
    # the pass from ~4.8 to ~2.1 ms and from ~5.0 to ~2.2 ms.
    cdef Py_ssize_t start = 0
    with nogil:
        if _wide_passes and n >= BLOCK and month >= -32768:
            count = _due_x64(&separation_month[0], &status[0], n, due, &rows[0], &start)
        for b in range(start // BLOCK, n // BLOCK):
            i = b * BLOCK
            hits = 0
            for j in range(BLOCK):
                hits += separation_month[i + j] <= due
            if hits == 0:
                continue
            for j in range(BLOCK):
                found[k] = i + j
                k += (separation_month[i + j] <= month) & (status[i + j] <= SELF_EMPLOYED)
            if k > FOUND - BLOCK:
                count = _spill(rows, count, found, k)
                k = 0
        for i in range(n - n % BLOCK, n):
            found[k] = i
            k += (separation_month[i] <= month) & (status[i] <= SELF_EMPLOYED)
        count = _spill(rows, count, found, k)
    return count


def automation_savings(const int8_t[::1] status, const int16_t[::1] occupation,
                       const int32_t[::1] firm, const double[::1] wage,
                       const int8_t[::1] channel_of_occupation, const double[::1] exposure,
                       const double[::1] cost, double[::1] bill, double[::1] saving,
                       int64_t[::1] candidate_row, int64_t[::1] candidate_key):
    """Each firm's exposed wage bill and the saving automation would bring, per channel,
    in one pass over the employees; and the rows automation could replace.

    For an employee in an occupation of channel ``c`` (``channel_of_occupation``, -1 for
    none) with exposure ``p``: ``bill[c * F + firm] += p * wage`` and
    ``saving[c * F + firm] += p * max(wage - cost[c], 0)``; sums run in row order, as
    the reference's np.bincount does. An employee paid more than ``cost[c]`` is a
    candidate: its row and key ``c * F + firm`` go to ``candidate_row`` and
    ``candidate_key``, in row order. The adoption decisions that follow depend only on
    the sums, and change no worker, so ``exposed_in_adopting`` can pick the replaceable
    rows from the candidates (~7 % of the rows) instead of a second pass over everyone.

    Args:
        status: int8 (N); occupation: int16 (N); firm: int32 (N); wage: float64 (N).
        channel_of_occupation: int8 (O); exposure: float64 (O); cost: float64 (2),
            tenge/month per position, by channel.
        bill, saving: OUT float64 (2 * F), zeroed by the caller.
        candidate_row, candidate_key: OUT int64 (>= N).

    Returns:
        The number of candidates.
    """
    cdef Py_ssize_t i, n = status.shape[0]
    cdef Py_ssize_t n_firms = bill.shape[0] // 2, n_occupations = exposure.shape[0]
    if occupation.shape[0] != n or firm.shape[0] != n or wage.shape[0] != n:
        raise ValueError("occupation, firm and wage need the length of status")
    if saving.shape[0] != bill.shape[0] or cost.shape[0] != 2 or \
            channel_of_occupation.shape[0] != n_occupations:
        raise ValueError("bill/saving need 2 * firms entries, cost 2, one channel per occupation")
    if candidate_row.shape[0] < n or candidate_key.shape[0] < n:
        raise ValueError("candidate_row and candidate_key need at least the length of status")
    cdef Py_ssize_t key, bad = -1, found = 0
    cdef int c
    cdef double p, gain
    cdef uint64_t gain_bits
    # Per block: the employees (_pick), then the exposed among them (channel >= 0),
    # both without a branch per row: once rows are out of order, status and channel
    # change from row to row and such branches mispredict (at national scale, month
    # 100, this took the pass from ~50 to ~25 ms). Then the sums, exposed rows only.
    cdef Py_ssize_t b, t, m, k
    cdef int64_t picked[BLOCK]
    cdef int64_t exposed[BLOCK]
    # The AVX-512 pass (see _use_wide_passes), for up to 512 occupations, tests 16 rows
    # a turn: the employees, their occupation and firm in range, and the channel's codes
    # from bit tables held in registers (a gather of the channels from memory took a
    # third of the pass); the exposed rows' row, occupation, firm, channel and wage are
    # compressed into a buffer. Every 200 or so, their exposures are gathered and the
    # products, gains, keys and candidates computed eight at a time, the lines of bill
    # and saving they add to prefetched; then the adds, one row at a time in row order
    # (each row's two adds as here). The wages are prefetched 512 rows ahead (~1.5 ms).
    # At national scale this took the pass from ~29 to ~14 ms at month 5 and from ~37
    # to ~18 ms at month 106; what remains is mostly memory: the four columns read
    # (~135 MB, ~6 ms at this machine's ~24 GB/s), bill and saving's lines (12 MB,
    # random) and the first touch of their pages. Adding a batch one batch later, so
    # that its prefetches had longer to arrive, made no difference.
    cdef uint32_t exposed_bits[16]
    cdef uint32_t second_bits[16]
    cdef uint32_t wrong_bits[16]
    cdef Py_ssize_t o, start = 0
    with nogil:
        if (_wide_passes and BLOCK <= n < (1LL << 31) and 0 < n_occupations <= 512
                and n_firms > 0):
            for o in range(16):
                exposed_bits[o] = 0
                second_bits[o] = 0
                wrong_bits[o] = 0
            for o in range(n_occupations):
                c = channel_of_occupation[o]
                exposed_bits[o >> 5] |= (<uint32_t>(c >= 0)) << (o & 31)
                second_bits[o >> 5] |= (<uint32_t>(c == 1)) << (o & 31)
                wrong_bits[o >> 5] |= (<uint32_t>(c > 1)) << (o & 31)
            found = _savings_x16(&status[0], &occupation[0], &firm[0], &wage[0], n,
                                 exposed_bits, second_bits, wrong_bits, n_occupations,
                                 &exposure[0], &cost[0], n_firms, &bill[0], &saving[0],
                                 &candidate_row[0], &candidate_key[0], &start)
        for b in range(start // BLOCK, (n + BLOCK - 1) // BLOCK):
            m = _pick(status, EMPLOYED, b * BLOCK, min(b * BLOCK + BLOCK, n), picked)
            k = 0
            for t in range(m):
                i = picked[t]
                if _outside(occupation[i], n_occupations) | _outside(firm[i], n_firms):
                    bad = i
                    break
                c = channel_of_occupation[occupation[i]]
                if c > 1:
                    bad = i
                    break
                exposed[k] = i
                k += c >= 0
            if bad >= 0:
                break
            for t in range(k):
                i = exposed[t]
                c = channel_of_occupation[occupation[i]]
                p = exposure[occupation[i]]
                key = c * n_firms + firm[i]
                bill[key] += p * wage[i]
                gain = wage[i] - cost[c]
                # Written without a branch, since whether a wage is above the cost
                # follows no order: the candidate is stored always and kept by
                # advancing the count; max(gain, 0) is a mask on the bits (+0.0 where
                # gain < 0, gain itself otherwise, NaN and -0.0 included).
                candidate_row[found] = i
                candidate_key[found] = key
                found += wage[i] > cost[c]
                memcpy(&gain_bits, &gain, 8)
                gain_bits &= <uint64_t>(gain < 0.0) - 1
                memcpy(&gain, &gain_bits, 8)
                saving[key] += p * gain
    if bad >= 0:
        raise ValueError(f"row {bad}: occupation, firm or channel out of range")
    return found


def exposed_in_adopting(const int64_t[::1] candidate_row, const int64_t[::1] candidate_key,
                        const uint8_t[:, ::1] adopting, int64_t[:, ::1] rows,
                        int64_t[::1] counts):
    """The jobs adoption replaces: of ``automation_savings``' candidates, those at a firm
    adopting their channel. ``rows[c, :counts[c]]`` are channel ``c``'s rows (employees
    of an occupation of channel ``c`` at a firm with ``adopting[c, firm]``, paid more
    than the channel's cost), in row order.

    Args (K candidates, F firms):
        candidate_row, candidate_key: int64 (K), from ``automation_savings`` (key
            ``c * F + firm``).
        adopting: uint8 (2, F); rows: OUT int64 (2, >= K); counts: OUT int64 (2).

    Raises:
        ValueError: on inconsistent shapes or a key outside [0, 2 * F).
    """
    cdef Py_ssize_t j, n = candidate_row.shape[0], n_firms = adopting.shape[1]
    if candidate_key.shape[0] != n or rows.shape[1] < n:
        raise ValueError("candidate_key and rows need the length of candidate_row")
    if adopting.shape[0] != 2 or rows.shape[0] != 2 or counts.shape[0] != 2:
        raise ValueError("adopting, rows and counts need one entry per channel (2)")
    cdef Py_ssize_t bad = -1
    cdef int64_t key, c
    cdef int64_t found[2]
    found[0] = 0
    found[1] = 0
    cdef const uint8_t* adopting_by_key = &adopting[0, 0] if n_firms > 0 else NULL
    cdef int64_t* rows_of[2]
    rows_of[0] = &rows[0, 0] if rows.shape[1] > 0 else NULL
    rows_of[1] = &rows[1, 0] if rows.shape[1] > 0 else NULL
    with nogil:
        for j in range(n):
            key = candidate_key[j]
            if _outside(key, 2 * n_firms):
                bad = j
                break
            if adopting_by_key[key]:
                c = key >= n_firms
                rows_of[c][found[c]] = candidate_row[j]
                found[c] += 1
    if bad >= 0:
        raise ValueError(f"candidate {bad}: key out of range")
    counts[0] = found[0]
    counts[1] = found[1]


def employees_of(const int8_t[::1] status, const int32_t[::1] firm,
                 const uint8_t[::1] selected, int64_t[::1] rows):
    """Rows of employees whose firm is ``selected`` (uint8 per firm), in row order;
    returns the count. One pass, for stages that act on a few firms' staff.

    Raises:
        ValueError: an employee's firm out of range (the first such row); the rows
            before it have been written, and none after.
    """
    cdef Py_ssize_t i, n = status.shape[0], count = 0, n_firms = selected.shape[0]
    if firm.shape[0] != n or rows.shape[0] < n:
        raise ValueError("firm and rows need the length of status")
    cdef Py_ssize_t b, t, m, bad = -1, start = 0
    cdef int64_t picked[BLOCK]
    # Where the CPU has AVX-512 (see _use_wide_passes), the firms' flags are looked up
    # in bit sets, a coarse one in a register first (see labsim_employees_x64). At
    # national scale, on the rows of month 106, this took the pass from ~10.7 to
    # ~1.9 ms for that month's 2 firms, and to ~3.0 ms for 16 firms drawn in 9 coarse
    # bits (as in the median month), ~3.8 ms for 983 in 39 (as in the busiest); the
    # rows of month 4, in runs of a firm, take ~1.9 to ~2.8 ms. With every firm
    # selected, every employee's row written: from ~11.7 to ~9.7 ms.
    with nogil:
        if _wide_passes and BLOCK <= n < (1LL << 31) and 0 < n_firms < (1LL << 31):
            count = _employees_x64(&status[0], &firm[0], n, &selected[0], n_firms, &rows[0],
                                   &start)
        for b in range(start // BLOCK, (n + BLOCK - 1) // BLOCK):
            m = _pick(status, EMPLOYED, b * BLOCK, min(b * BLOCK + BLOCK, n), picked)
            for t in range(m):
                i = picked[t]
                if _outside(firm[i], n_firms):
                    bad = i
                    break
                if selected[firm[i]]:
                    rows[count] = i
                    count += 1
            if bad >= 0:
                break
    if bad >= 0:
        raise ValueError(f"row {bad}: an employee's firm is out of range")
    return count


def count_by_cell(const int8_t[::1] status, const int8_t[::1] region,
                  const int8_t[::1] sector, int8_t code, int64_t n_sectors,
                  int64_t[::1] counts):
    """Workers of status ``code`` by region x sector cell, in one pass (no list of their
    rows, no gather): ``counts[region * n_sectors + sector] += 1``.

    Args:
        status, region, sector: int8 (N).
        counts: OUT int64 (R * n_sectors), zeroed by the caller.

    Raises:
        ValueError: a counted worker's region or sector out of range (first such row).
    """
    cdef Py_ssize_t i, n = status.shape[0], bad = -1
    cdef Py_ssize_t size = counts.shape[0]
    cdef int64_t key
    if region.shape[0] != n or sector.shape[0] != n:
        raise ValueError("region and sector need the length of status")
    if n_sectors < 1:
        raise ValueError("n_sectors must be positive")
    # Not a branch-free count into a spare bin (measured 2.4 times slower at national
    # scale), nor a branch on every row's status (mispredicted once rows are out of
    # order): each block's rows of the status are picked first (_pick), then counted.
    # Where the CPU has AVX-512 (see _use_wide_passes), the rows are tested and their
    # cells computed 16 at a time and kept by a compress instead. At national scale this
    # took the pass from ~6.3 to ~3.1 ms at month 5 and from ~6.8 to ~4.0 ms at month
    # 106. Counting in eight local copies of the counts (the self-employed come in runs
    # of one cell, and each increment might wait for the last) did not pay, on either
    # path.
    cdef Py_ssize_t b, t, m, start = 0
    cdef int64_t picked[BLOCK]
    with nogil:
        if _wide_passes and BLOCK <= n and n_sectors <= 128 and 0 < size < (1LL << 31):
            _count_x16(&status[0], &region[0], &sector[0], code, n, <int32_t>n_sectors,
                       <int32_t>size, &counts[0], &start)
        for b in range(start // BLOCK, (n + BLOCK - 1) // BLOCK):
            m = _pick(status, code, b * BLOCK, min(b * BLOCK + BLOCK, n), picked)
            for t in range(m):
                i = picked[t]
                key = region[i] * n_sectors + sector[i]
                if sector[i] < 0 or sector[i] >= n_sectors or key < 0 or key >= size:
                    bad = i
                    break
                counts[key] += 1
            if bad >= 0:
                break
    if bad >= 0:
        raise ValueError(f"row {bad}: region or sector out of range")


def subsidised_rows(const int16_t[::1] subsidy_until, const int8_t[::1] status,
                    int64_t month, int64_t[::1] rows):
    """Rows of employees whose hiring wage subsidy runs this month (``subsidy_until >=
    month``), in row order; returns the count."""
    cdef Py_ssize_t i, j, b, n = status.shape[0], count = 0, k = 0
    if subsidy_until.shape[0] != n or rows.shape[0] < n:
        raise ValueError("subsidy_until and rows need the length of status")
    # Few workers hold a subsidy: 64-row blocks with none are skipped after a count the
    # compiler vectorises (as in separations_due). The month as an int16 for that test:
    # past the int16 range no subsidy runs, below it every block is looked at. The loop
    # repeats separations_due's with the comparison turned round: one shared function
    # with the direction as an argument lost the vectorised count (measured 10x slower).
    cdef int16_t running = <int16_t>max(-32768, min(month, 32767))
    # Where the CPU has AVX-512 (see _use_wide_passes), 64 rows are tested at once and
    # their rows kept by a compress. At national scale (months 4 and 106) this took the
    # pass from ~0.46 to ~0.28 ms with no subsidy held (the scenarios without one), and
    # from ~5.5 to ~2.2 ms with 3 % of the rows holding one, scattered.
    cdef int64_t found[FOUND]
    cdef uint8_t hits
    cdef Py_ssize_t start = 0
    with nogil:
        if _wide_passes and n >= BLOCK and month <= 32767:
            count = _subsidised_x64(&subsidy_until[0], &status[0], n, running, &rows[0], &start)
        for b in range(start // BLOCK, n // BLOCK):
            i = b * BLOCK
            hits = 0
            for j in range(BLOCK):
                hits += subsidy_until[i + j] >= running
            if hits == 0:
                continue
            for j in range(BLOCK):
                found[k] = i + j
                k += (subsidy_until[i + j] >= month) & (status[i + j] == EMPLOYED)
            if k > FOUND - BLOCK:
                count = _spill(rows, count, found, k)
                k = 0
        for i in range(n - n % BLOCK, n):
            found[k] = i
            k += (subsidy_until[i] >= month) & (status[i] == EMPLOYED)
        count = _spill(rows, count, found, k)
    return count


def separate_workers(const int64_t[::1] rows, int64_t month, int8_t[::1] status,
                     int32_t[::1] firm, double[::1] wage, double[::1] last_wage,
                     int16_t[::1] unemployed_since, int16_t[::1] subsidy_until,
                     int16_t[::1] separation_month, int32_t[::1] employees):
    """Move workers ``rows`` (distinct) from a job or self-employment into unemployment,
    in one pass over them: an employee frees the position (``employees`` of the firm);
    the last wage is kept for benefits; wage 0, no firm, unemployed since ``month``, no
    hiring subsidy, no separation due (30,000). Same results as the reference.

    Args (N workers, F firms):
        rows: int64 (S), distinct rows in [0, N).
        status, firm, wage, last_wage, unemployed_since, subsidy_until,
            separation_month: IN/OUT worker columns (N). employees: IN/OUT int32 (F).

    Raises:
        ValueError: a row out of range, or an employee's firm out of range (checked for
            all rows before anything is changed).
    """
    cdef Py_ssize_t j, S = rows.shape[0], N = status.shape[0], F = employees.shape[0]
    cdef Py_ssize_t bad = -1
    cdef int64_t r
    for name, m in (("firm", firm.shape[0]), ("wage", wage.shape[0]),
                    ("last_wage", last_wage.shape[0]),
                    ("unemployed_since", unemployed_since.shape[0]),
                    ("subsidy_until", subsidy_until.shape[0]),
                    ("separation_month", separation_month.shape[0])):
        if m != N:
            raise ValueError(f"{name} has length {m}, status has {N}")
    with nogil:
        for j in range(S):
            r = rows[j]
            if _outside(r, N) or (status[r] == EMPLOYED and _outside(firm[r], F)):
                bad = j
                break
    if bad >= 0:
        raise ValueError(f"separation {bad}: row or firm out of range")
    with nogil:
        for j in range(S):
            r = rows[j]
            if status[r] == EMPLOYED:
                employees[firm[r]] -= 1
            last_wage[r] = wage[r]
            wage[r] = 0.0
            firm[r] = -1
            status[r] = UNEMPLOYED
            unemployed_since[r] = <int16_t>month
            subsidy_until[r] = -1
            separation_month[r] = 30000
