/* The compiled executor of qlang.sim: forward runs and adjoint gradients of a fused
 * program in one call, with no per-gate Python dispatch.
 *
 * The program is built once per circuit by qlang/sim/program.py (the reference for every
 * rule here is the pure-numpy engine, qlang/sim/engine.py). It holds:
 *   slots   one per gate parameter: a constant, a*x[b, i] + c, a*w[i] + c,
 *           c + a*x[b, i] + b*x[b, j] + d*x[b, i]*x[b, j], or a value the caller evaluates
 *           (general expressions);
 *   gates   elementary gates on 1 or 2 qubits: M(t) = A + cos(alpha t) B + sin(alpha t) C
 *           (constant gates: M = A), placed at positions of their op;
 *   prefix  per qubit, the one-qubit gates applied to |0> before any entangling gate (the
 *           run starts from their product state);
 *   ops     fused operations in order: dense 2x2 / 4x4 matrices, diagonals on up to 16
 *           qubits (phase tables), and basis permutations (gather tables);
 *   passes  groups of consecutive ops on at most L "local" qubits. When 2**n <= 2**L the
 *           whole state is local and several samples share one tile; otherwise each pass
 *           gathers tiles of 2**L amplitudes (its local qubits), applies its ops in cache
 *           and scatters them back: one read and write of the state per pass. A forward
 *           pass gathers several tiles at once when their runs are short (pass_forward) and
 *           runs a layer of one-qubit ops on distinct qubits as two phase tables and real
 *           rotations (layer_apply); the adjoint sweep runs the ops as they are.
 *   runs    chunk runs of consecutive passes (tile mode, forward only): every pass of a run
 *           is applied to one chunk of the state (the qubits its passes touch) before the
 *           next chunk, so the run reads and writes the state once from memory
 *           (plan_chunk_runs).
 *
 * forward(x, w, extra, theta, out, threads)
 *     out (B, 2**n) complex128 or complex64 <- the final states (little-endian, qubit q =
 *     bit q), global phase not applied.
 * adjoint(x, w, extra, theta, psi, lam, per_sample, gw, gx, gex, threads)
 *     psi: final states, lam: cotangent states (both consumed). Adds 2 Re <lam| d psi>
 *     through every slot: to gw (n_w,) or (B, n_w) per sample, gx (B, n_in), and gex
 *     (n_expr, B) for slots the caller evaluates (column 0 holds the batch sum for slots
 *     of shared ops when per_sample is false).
 *
 * Samples are split over `threads` worker threads (pthreads; the GIL is released), each
 * with its own scratch and accumulators, reduced at the end.
 */
#define PY_SSIZE_T_CLEAN
#ifndef QL_TEMPLATE
#define _GNU_SOURCE
#include <Python.h>
#include <complex.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

typedef double complex cdouble;

enum { S_CONST = 0, S_INPUT = 1, S_WEIGHT = 2, S_EXPR = 3, S_BILIN = 4 };
enum { OP_DENSE1 = 1, OP_DENSE2 = 2, OP_DIAG = 3, OP_PERM = 4 };
/* record widths of the integer tables */
#define SW 4  /* slot: kind, index, batched, index2 */
#define SF 4  /* slot reals: a, c, b, d (value a x + c; bilinear c + a x + b x2 + d x x2) */
#define GW 6  /* gate: nq, pos0, pos1, slot, diag, mat offset */
#define PRW 4 /* prefix (per qubit): g0, g1, batched, split (head gates [g0, split)) */
#define OW 10 /* op: kind, k, g0, g1, batched, params, aux0, aux1, c, phase offset */
#define PW 4  /* pass: o0, o1, nl, c */
#define MAXQ 16
#define MAXN 40
#define MAXT 64 /* worker threads of one call */
/* tile mode: a forward pass whose tiles are gathered in short runs (at most 2**GROUP_RUN_BITS
 * amplitudes) handles up to GROUP_MAX consecutive tiles at once (see pass_forward) */
#define GROUP_MAX 8
#define GROUP_RUN_BITS 5

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define HOT
#endif

/* the doubling plan of a diagonal op (see "encoding fast paths" below) */
#define DBL_L 4
/* the largest state of the lane path (qubits; its two lane buffers take 2**(n + 6) bytes) */
#define LANE_MAXN 10
typedef double v4d __attribute__((vector_size(32)));
typedef struct DiagPlan {
    int ok;             /* the doubling path applies */
    int k;              /* table bits */
    int nL[MAXQ];       /* per level: lower bits its gates depend on */
    int L[MAXQ][DBL_L]; /* per level: those bits */
    int first[MAXQ + 1]; /* gates of level j: order[first[j] .. first[j + 1]) (op-relative) */
    int *order;
} DiagPlan;

typedef struct {
    PyObject_HEAD int n, L, n_in, n_w, n_expr, nslots, ngates, nops, npasses, grouped;
    int32_t *slot_i;
    double *slot_f;
    int32_t *gate_i;
    double *gate_alpha;
    cdouble *mats;
    int32_t *prefix_i;
    int32_t *op_i;
    int32_t *op_q;
    int32_t *aux;
    int32_t *pass_i;
    int32_t *pass_bits;
    double *phases; /* diagonal ops in phase form: base phases, then d(phase)/d(angle) per gate */
    int64_t **runs;  /* per pass: offsets of the contiguous runs of a tile */
    int64_t **bases; /* per pass: global index of every tile's first amplitude */
    /* chunk runs (forward, tile mode): consecutive passes whose local qubits together span
     * at most the chunk bits run chunk by chunk (see "chunk runs" in work) */
    int nruns;
    int32_t *run_i;   /* per run: first pass, end pass */
    int64_t **rbases; /* per run: global index of every chunk's first amplitude */
    int64_t *rcount;  /* per run: chunks */
    int64_t **tbases; /* per pass: offset of every tile inside a chunk of its run */
    int64_t *tcount;  /* per pass: tiles per chunk */
    int64_t *tgroup;  /* per pass: tiles a forward pass gathers together (pass_group) */
    int *rlow;        /* per run: u when its chunks are the contiguous bits 0 .. u-1, else 0 */
    int64_t *env_off;
    int64_t env_total;
    int64_t payload_total; /* reals of every op's payload (dense V, V^+ / diag tables) */
    int64_t *payload_off;
    int max_payload;
    int prefix_params; /* some prefix gate has a parameter */
    int64_t *snap_slot; /* per op: its snapshot in a tape (ops with parameters), or -1 */
    int8_t *diag_direct; /* per op: a diagonal op whose table is in local state order */
    struct DiagPlan *dplan; /* per op: the doubling plan of a diagonal op (encoding fast path) */
    int8_t *dg;             /* per gate (3 each): doubling level, lower-bit slot, top is pos0 */
    int8_t *hada;           /* per op: a constant one-qubit op equal to the Hadamard gate */
    int lanes;              /* forward runs (complex128, no tape) take the lane path */
    int bilin;              /* some slot is bilinear in two inputs */
    int nsnap;
    void *tape_block; /* tape memory kept for the next tape */
    size_t tape_size;
    /* worker scratch kept between calls (one block per thread; taken by one call at a time) */
    pthread_mutex_t lock;
    int lock_ready, busy;
    void *blocks[MAXT];
    size_t sizes[MAXT];
} Program;

/* ---------------------------------------------------------------- program tables */

static int copy_buffer(PyObject *obj, const char *fmt, size_t item, void **out, Py_ssize_t *len) {
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    if ((size_t)view.itemsize != item || (fmt && view.format && strcmp(view.format, fmt) != 0 &&
                                          !(fmt[0] == 'i' && strcmp(view.format, "=i") == 0))) {
        PyBuffer_Release(&view);
        PyErr_Format(PyExc_TypeError, "expected a buffer of format %s", fmt);
        return -1;
    }
    size_t bytes = (size_t)view.len;
    *out = malloc(bytes ? bytes : 1);
    if (!*out) {
        PyBuffer_Release(&view);
        PyErr_NoMemory();
        return -1;
    }
    memcpy(*out, view.buf, bytes);
    *len = view.len / (Py_ssize_t)item;
    PyBuffer_Release(&view);
    return 0;
}

static void Program_dealloc(Program *self) {
    free(self->slot_i);
    free(self->slot_f);
    free(self->gate_i);
    free(self->gate_alpha);
    free(self->mats);
    free(self->prefix_i);
    free(self->op_i);
    free(self->op_q);
    free(self->aux);
    free(self->pass_i);
    free(self->pass_bits);
    free(self->phases);
    if (self->runs)
        for (int p = 0; p < self->npasses; p++) free(self->runs[p]);
    if (self->bases)
        for (int p = 0; p < self->npasses; p++) free(self->bases[p]);
    free(self->runs);
    free(self->bases);
    if (self->rbases)
        for (int r = 0; r < self->nruns; r++) free(self->rbases[r]);
    if (self->tbases)
        for (int p = 0; p < self->npasses; p++) free(self->tbases[p]);
    free(self->run_i);
    free(self->rbases);
    free(self->rcount);
    free(self->tbases);
    free(self->tcount);
    free(self->tgroup);
    free(self->rlow);
    free(self->env_off);
    free(self->payload_off);
    free(self->snap_slot);
    free(self->diag_direct);
    if (self->dplan)
        for (int o = 0; o < self->nops; o++) free(self->dplan[o].order);
    free(self->dplan);
    free(self->dg);
    free(self->hada);
    free(self->tape_block);
    for (int t = 0; t < MAXT; t++) free(self->blocks[t]);
    if (self->lock_ready) pthread_mutex_destroy(&self->lock);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int64_t pdep64(int64_t value, int64_t mask) {
    int64_t out = 0;
    for (int64_t bit = 1; mask; bit <<= 1) {
        int64_t low = mask & -mask;
        if (value & bit) out |= low;
        mask &= mask - 1;
    }
    return out;
}

static int op_dim(const Program *P, int o) {
    const int32_t *r = P->op_i + (int64_t)o * OW;
    return 1 << r[1];
}

/* ---------------------------------------------------------------- encoding fast paths
 * Forward runs of whole-state (grouped) programs, chosen by the program's structure; the
 * general kernels remain the fallback and the reference engine the tested reference.
 *
 * Diagonal ops by doubling: a diagonal op is the product of its gates' diagonals, each a
 * function of one or two bits of the op's table index. Taking the table bits in order
 * (level j = bit j), table[z + b 2**j] = table[z] * F_j[b, bits of z on L_j], where F_j is
 * the product of the gates whose highest bit is j and L_j their lower bits (at most
 * DBL_L). One sincos per gate and sample (not per amplitude), about two complex
 * multiplies per table entry. A product-state head folds into the first diagonal op
 * covering every qubit (its vectors are one-qubit factors of the levels), so the state
 * is written once.
 *
 * Hadamard layers: consecutive constant one-qubit ops equal to H on distinct qubits are
 * one Walsh-Hadamard transform (add/sub butterflies, two qubits per pass, the scale
 * 2**(-m/2) folded into the last pass). */

static int plan_encoding_paths(Program *self) {
    self->dplan = calloc((size_t)self->nops + 1, sizeof(DiagPlan));
    self->dg = calloc(3 * ((size_t)self->ngates + 1), 1);
    self->hada = calloc((size_t)self->nops + 1, 1);
    if (!self->dplan || !self->dg || !self->hada) return -1;
    for (int o = 0; o < self->nops; o++) {
        const int32_t *r = self->op_i + (int64_t)o * OW;
        const int32_t *lq = self->op_q + (int64_t)o * MAXQ;
        if (r[0] == OP_DENSE1 && !r[5] && r[3] > r[2]) {
            cdouble V[4] = {1, 0, 0, 1};
            int ok = 1;
            for (int g = r[2]; ok && g < r[3]; g++) {
                const int32_t *gr = self->gate_i + (int64_t)g * GW;
                if (gr[0] != 1 || gr[3] >= 0) {
                    ok = 0;
                    break;
                }
                const cdouble *A = self->mats + gr[5];
                cdouble T[4] = {A[0] * V[0] + A[1] * V[2], A[0] * V[1] + A[1] * V[3],
                                A[2] * V[0] + A[3] * V[2], A[2] * V[1] + A[3] * V[3]};
                memcpy(V, T, sizeof T);
            }
            const double h = 0.70710678118654752440, tol = 1e-15;
            ok = ok && cabs(V[0] - h) < tol && cabs(V[1] - h) < tol && cabs(V[2] - h) < tol &&
                 cabs(V[3] + h) < tol;
            self->hada[o] = (int8_t)ok;
            continue;
        }
        if (r[0] != OP_DIAG || r[1] > 10 || r[1] < 1) continue;
        DiagPlan *D = self->dplan + o;
        int k = r[1], ok = 1;
        D->k = k;
        for (int g = r[2]; ok && g < r[3]; g++) {
            const int32_t *gr = self->gate_i + (int64_t)g * GW;
            if (gr[0] < 1 || gr[0] > 2 || !gr[4]) {
                ok = 0;
                break;
            }
            int p0 = gr[1], p1 = gr[0] == 2 ? gr[2] : -1;
            int t0 = self->diag_direct[o] ? lq[p0] : k - 1 - p0;
            int t1 = p1 < 0 ? -1 : (self->diag_direct[o] ? lq[p1] : k - 1 - p1);
            int top = t0 > t1 ? t0 : t1, low = t0 > t1 ? t1 : t0, slot = -1;
            if (top < 0 || top >= k || top == low) {
                ok = 0;
                break;
            }
            if (p1 >= 0) {
                for (int m = 0; m < D->nL[top]; m++)
                    if (D->L[top][m] == low) slot = m;
                if (slot < 0) {
                    if (D->nL[top] == DBL_L) {
                        ok = 0;
                        break;
                    }
                    slot = D->nL[top];
                    D->L[top][D->nL[top]++] = low;
                }
            }
            self->dg[3 * g] = (int8_t)top;
            self->dg[3 * g + 1] = (int8_t)slot;
            self->dg[3 * g + 2] = (int8_t)(t0 == top);
        }
        if (ok) {
            D->order = malloc(sizeof(int) * (size_t)(r[3] - r[2] + 1));
            if (!D->order) return -1;
            int at = 0;
            for (int j = 0; j < k; j++) {
                D->first[j] = at;
                for (int g = r[2]; g < r[3]; g++)
                    if (self->dg[3 * g] == j) D->order[at++] = g;
            }
            D->first[k] = at;
        }
        D->ok = ok;
    }
    /* the lane path: a whole state of at most LANE_MAXN qubits, a first diagonal op over
     * every qubit with the product state folded in, then only Hadamard ops and diagonal
     * ops over every qubit (in state order), each with a doubling plan */
    int lanes = self->grouped && self->n <= LANE_MAXN && self->nops > 0;
    for (int o = 0; lanes && o < self->nops; o++) {
        const int32_t *r = self->op_i + (int64_t)o * OW;
        int diag = r[0] == OP_DIAG && self->dplan[o].ok && self->diag_direct[o] && r[1] == self->n;
        lanes = diag || (o > 0 && self->hada[o]);
    }
    self->lanes = lanes;
    return 0;
}

static int64_t pass_mask(const Program *P, int p) {
    int64_t m = 0;
    int nl = P->pass_i[(int64_t)p * PW + 2];
    for (int j = 0; j < nl; j++) m |= (int64_t)1 << P->pass_bits[(int64_t)p * MAXN + j];
    return m;
}

/* Tiles of pass p that a forward run gathers together: the largest power of two G <=
 * GROUP_MAX such that tiles t .. t + G - 1 (t a multiple of G, in the order of the chunk's
 * tile table) lie side by side in memory (the lowest non-local bits follow the pass's
 * contiguous low bits and are bits of the chunk, umask), when the pass gathers its tiles
 * in short runs; 1 otherwise. */
static int64_t pass_group(const Program *P, int p, int64_t umask) {
    const int32_t *pr = P->pass_i + (int64_t)p * PW;
    int nl = pr[2], cbits = pr[3];
    if (cbits >= nl || cbits > GROUP_RUN_BITS) return 1;
    int64_t smask = pass_mask(P, p), G = 1;
    for (int bit = cbits; G < GROUP_MAX && bit < P->n && !((smask >> bit) & 1) && ((umask >> bit) & 1);
         bit++)
        G *= 2;
    return G;
}

/* Chunk runs (tile mode; the runs come from program.py). A run of several passes spans the
 * qubits U (the union of its passes' local qubits): a chunk is the 2**|U| amplitudes with
 * the other qubits fixed (rbases), and a forward run applies every pass of the run to one
 * chunk before the next, so the chunk stays in cache between passes and the run reads and
 * writes the state once from memory instead of once per pass. A pass's tiles inside a
 * chunk are its tiles whose non-local qubits outside U are zero (tbases). A run of one pass
 * is one chunk: the whole state. */
static int plan_chunk_runs(Program *self) {
    int n = self->n;
    int64_t full = ((int64_t)1 << n) - 1;
    self->rbases = calloc((size_t)self->nruns + 1, sizeof(int64_t *));
    self->rcount = calloc((size_t)self->nruns + 1, sizeof(int64_t));
    self->tbases = calloc((size_t)self->npasses + 1, sizeof(int64_t *));
    self->tcount = calloc((size_t)self->npasses + 1, sizeof(int64_t));
    self->tgroup = calloc((size_t)self->npasses + 1, sizeof(int64_t));
    self->rlow = calloc((size_t)self->nruns + 1, sizeof(int));
    if (!self->rbases || !self->rcount || !self->tbases || !self->tcount || !self->tgroup ||
        !self->rlow)
        return -1;
    for (int r = 0; r < self->nruns; r++) {
        int p0 = self->run_i[2 * r], p1 = self->run_i[2 * r + 1];
        int64_t umask = 0;
        for (int p = p0; p < p1; p++) umask |= pass_mask(self, p);
        if (p1 - p0 == 1) umask = full;
        int64_t outside = full & ~umask;
        if ((umask & (umask + 1)) == 0) self->rlow[r] = __builtin_popcountll((unsigned long long)umask);
        int64_t nchunks = (int64_t)1 << __builtin_popcountll((unsigned long long)outside);
        self->rcount[r] = nchunks;
        self->rbases[r] = malloc(sizeof(int64_t) * (size_t)nchunks);
        if (!self->rbases[r]) return -1;
        for (int64_t h = 0; h < nchunks; h++) self->rbases[r][h] = pdep64(h, outside);
        for (int p = p0; p < p1; p++) {
            int64_t inner = umask & ~pass_mask(self, p);
            int64_t cnt = (int64_t)1 << __builtin_popcountll((unsigned long long)inner);
            self->tcount[p] = cnt;
            self->tbases[p] = malloc(sizeof(int64_t) * (size_t)cnt);
            if (!self->tbases[p]) return -1;
            for (int64_t t = 0; t < cnt; t++) self->tbases[p][t] = pdep64(t, inner);
            self->tgroup[p] = pass_group(self, p, umask);
        }
    }
    return 0;
}

static int Program_init(Program *self, PyObject *args, PyObject *kw) {
    (void)kw;
    PyObject *o_slot_i, *o_slot_f, *o_gate_i, *o_gate_f, *o_mats, *o_prefix, *o_op_i, *o_op_q,
        *o_aux, *o_pass_i, *o_pass_bits, *o_phases, *o_run_i;
    int n, L, n_in, n_w, n_expr;
    if (!PyArg_ParseTuple(args, "iiiiiOOOOOOOOOOOOO", &n, &L, &n_in, &n_w, &n_expr, &o_slot_i,
                          &o_slot_f, &o_gate_i, &o_gate_f, &o_mats, &o_prefix, &o_op_i, &o_op_q,
                          &o_aux, &o_pass_i, &o_pass_bits, &o_phases, &o_run_i))
        return -1;
    if (n < 1 || n > MAXN || L < 1 || L > 30) {
        PyErr_SetString(PyExc_ValueError, "bad qubit count or tile size");
        return -1;
    }
    self->n = n;
    self->L = L;
    self->n_in = n_in;
    self->n_w = n_w;
    self->n_expr = n_expr;
    Py_ssize_t len;
    if (copy_buffer(o_slot_i, "i", 4, (void **)&self->slot_i, &len) < 0) return -1;
    self->nslots = (int)(len / SW);
    if (copy_buffer(o_slot_f, "d", 8, (void **)&self->slot_f, &len) < 0) return -1;
    if (len != (Py_ssize_t)self->nslots * SF) {
        PyErr_SetString(PyExc_ValueError, "slot table size");
        return -1;
    }
    for (int s = 0; s < self->nslots; s++) {
        const int32_t *r = self->slot_i + (int64_t)s * SW;
        if ((r[0] == S_INPUT || r[0] == S_BILIN) && (r[1] < 0 || r[1] >= n_in)) r = NULL;
        if (r && r[0] == S_BILIN && (r[3] < 0 || r[3] >= n_in)) r = NULL;
        if (!r) {
            PyErr_SetString(PyExc_ValueError, "slot input index");
            return -1;
        }
        self->bilin |= self->slot_i[(int64_t)s * SW] == S_BILIN;
    }
    if (copy_buffer(o_gate_i, "i", 4, (void **)&self->gate_i, &len) < 0) return -1;
    self->ngates = (int)(len / GW);
    if (copy_buffer(o_gate_f, "d", 8, (void **)&self->gate_alpha, &len) < 0) return -1;
    if (copy_buffer(o_mats, "Zd", 16, (void **)&self->mats, &len) < 0) return -1;
    if (copy_buffer(o_prefix, "i", 4, (void **)&self->prefix_i, &len) < 0) return -1;
    if (len != (Py_ssize_t)n * PRW) {
        PyErr_SetString(PyExc_ValueError, "prefix table size");
        return -1;
    }
    if (copy_buffer(o_op_i, "i", 4, (void **)&self->op_i, &len) < 0) return -1;
    self->nops = (int)(len / OW);
    if (copy_buffer(o_op_q, "i", 4, (void **)&self->op_q, &len) < 0) return -1;
    if (copy_buffer(o_aux, "i", 4, (void **)&self->aux, &len) < 0) return -1;
    if (copy_buffer(o_pass_i, "i", 4, (void **)&self->pass_i, &len) < 0) return -1;
    self->npasses = (int)(len / PW);
    if (copy_buffer(o_pass_bits, "i", 4, (void **)&self->pass_bits, &len) < 0) return -1;
    if (copy_buffer(o_phases, "d", 8, (void **)&self->phases, &len) < 0) return -1;
    if (copy_buffer(o_run_i, "i", 4, (void **)&self->run_i, &len) < 0) return -1;
    self->nruns = (int)(len / 2);
    for (int r = 0, next = 0; r < self->nruns; r++) { /* runs cover the passes in order */
        if (self->run_i[2 * r] != next || self->run_i[2 * r + 1] <= next ||
            self->run_i[2 * r + 1] > self->npasses) {
            PyErr_SetString(PyExc_ValueError, "chunk run table");
            return -1;
        }
        next = self->run_i[2 * r + 1];
        if (r == self->nruns - 1 && next != self->npasses) {
            PyErr_SetString(PyExc_ValueError, "chunk run table");
            return -1;
        }
    }
    if (self->nruns == 0 && self->npasses > 0) {
        PyErr_SetString(PyExc_ValueError, "chunk run table");
        return -1;
    }
    self->grouped = n <= L;
    self->prefix_params = 0;
    for (int q = 0; q < n; q++) {
        const int32_t *pr = self->prefix_i + (int64_t)q * PRW;
        for (int g = pr[0]; g < pr[1]; g++) {
            if (g < 0 || g >= self->ngates) {
                PyErr_SetString(PyExc_ValueError, "prefix gate index");
                return -1;
            }
            self->prefix_params |= self->gate_i[(int64_t)g * GW + 3] >= 0;
        }
    }
    if (!self->lock_ready) {
        if (pthread_mutex_init(&self->lock, NULL) != 0) {
            PyErr_SetString(PyExc_RuntimeError, "mutex");
            return -1;
        }
        self->lock_ready = 1;
    }
    /* env and payload layout */
    self->env_off = malloc(sizeof(int64_t) * (size_t)(self->nops + 1));
    self->payload_off = malloc(sizeof(int64_t) * (size_t)(self->nops + 1));
    if (!self->env_off || !self->payload_off) {
        PyErr_NoMemory();
        return -1;
    }
    int64_t env = 0, pay = 0;
    int maxp = 0;
    for (int o = 0; o < self->nops; o++) {
        const int32_t *r = self->op_i + (int64_t)o * OW;
        int d = op_dim(self, o);
        self->env_off[o] = env;
        self->payload_off[o] = pay;
        int pl = 0;
        if (r[0] == OP_DENSE1 || r[0] == OP_DENSE2) {
            if (r[5]) env += (int64_t)d * d;
            pl = 4 * d * d; /* V and V^+, interleaved reals */
        } else if (r[0] == OP_DIAG) {
            if (r[5]) env += d;
            pl = 4 * d; /* table and its conjugate */
        }
        pay += pl;
        if (pl > maxp) maxp = pl;
    }
    self->env_off[self->nops] = env;
    self->payload_off[self->nops] = pay;
    self->snap_slot = malloc(sizeof(int64_t) * (size_t)(self->nops + 1));
    if (!self->snap_slot) {
        PyErr_NoMemory();
        return -1;
    }
    self->nsnap = 0;
    for (int o = 0; o < self->nops; o++)
        self->snap_slot[o] = self->op_i[(int64_t)o * OW + 5] ? self->nsnap++ : -1;
    /* diagonal ops over all local qubits with identity index tables (the program lays their
     * phase tables out in local state order): applied without a gather */
    self->diag_direct = calloc((size_t)self->nops + 1, 1);
    if (!self->diag_direct) {
        PyErr_NoMemory();
        return -1;
    }
    for (int p = 0; p < self->npasses; p++) {
        const int32_t *pr = self->pass_i + (int64_t)p * PW;
        for (int o = pr[0]; o < pr[1] && o < self->nops; o++) {
            const int32_t *r = self->op_i + (int64_t)o * OW;
            if (r[0] != OP_DIAG || r[1] != pr[2] || r[8] < 0 || r[8] > r[1]) continue;
            const int32_t *lo = self->aux + r[6], *hi = self->aux + r[7];
            int c = r[8], ok = 1;
            for (int64_t j = 0; ok && j < ((int64_t)1 << c); j++) ok = lo[j] == j;
            for (int64_t h = 0; ok && h < ((int64_t)1 << (r[1] - c)); h++) ok = hi[h] == (h << c);
            self->diag_direct[o] = (int8_t)ok;
        }
    }
    if (plan_encoding_paths(self) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    self->env_total = env;
    self->payload_total = pay;
    self->max_payload = maxp;
    /* tiles of every pass (tile mode only) */
    if (!self->grouped) {
        self->runs = calloc((size_t)self->npasses, sizeof(int64_t *));
        self->bases = calloc((size_t)self->npasses, sizeof(int64_t *));
        if (!self->runs || !self->bases) {
            PyErr_NoMemory();
            return -1;
        }
        int64_t full = ((int64_t)1 << n) - 1;
        for (int p = 0; p < self->npasses; p++) {
            const int32_t *pr = self->pass_i + (int64_t)p * PW;
            int nl = pr[2], c = pr[3];
            int64_t smask = 0;
            for (int j = 0; j < nl; j++) smask |= (int64_t)1 << self->pass_bits[(int64_t)p * MAXN + j];
            int64_t nruns = (int64_t)1 << (nl - c), ntiles = (int64_t)1 << (n - nl);
            self->runs[p] = malloc(sizeof(int64_t) * (size_t)nruns);
            self->bases[p] = malloc(sizeof(int64_t) * (size_t)ntiles);
            if (!self->runs[p] || !self->bases[p]) {
                PyErr_NoMemory();
                return -1;
            }
            for (int64_t r = 0; r < nruns; r++) self->runs[p][r] = pdep64(r << c, smask);
            for (int64_t t = 0; t < ntiles; t++) self->bases[p][t] = pdep64(t, full & ~smask);
        }
        if (plan_chunk_runs(self) < 0) {
            PyErr_NoMemory();
            return -1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- per-call context */

typedef struct {
    Program *P;
    int B, per_sample, adjoint, dbl;
    const double *x, *w, *extra, *theta_in;
    double *theta;     /* nslots x B */
    cdouble *gm, *gdm; /* shared gate matrices and derivatives (16 entries per gate) */
    cdouble *ptail;    /* per qubit: the shared tail of its prefix (2x2) */
    double *shared_payload;
    float *shared_payload_f;
    void *psi, *lam; /* (B, 2**n) states (lam NULL: built from diag and cot) */
    const double *diag; /* diagonal readout (2**n, K): outputs = |psi|^2 @ diag */
    int K;
    double *values;     /* (B, K) outputs of the forward run, or NULL */
    const double *cot;  /* (B, K) cotangent: lam = psi * (diag @ cot[b]) */
    double *gw, *gx, *gex;
    int nthreads;
    int explicit_theta; /* angles given per slot and sample (every gate counts as batched) */
    int inputs;         /* accumulate input gradients (0: the prefix heads are skipped) */
    void *snap;         /* tape: the state before each op with parameters, (nsnap, B, 2**n) */
    cdouble *tvecs;     /* tape: prefix vectors (B, n, 2) */
    cdouble *theads;    /* tape: prefix head states u and derivatives (B, n, 4) */
    int use_tape;       /* adjoint from the tape: psi read-only, nothing uncomputed */
    int tail_params;    /* some prefix tail gate has a parameter */
    uint64_t head_weights; /* qubits whose prefix head has a parameter that is not an input */
} Ctx;

static double slot_value(const Ctx *c, int s, int b) {
    const Program *P = c->P;
    if (c->explicit_theta) return c->theta_in[(int64_t)s * c->B + b];
    const int32_t *r = P->slot_i + (int64_t)s * SW;
    const double a = P->slot_f[SF * s], k = P->slot_f[SF * s + 1];
    switch (r[0]) {
    case S_INPUT:
        return a * c->x[(int64_t)b * P->n_in + r[1]] + k;
    case S_BILIN: {
        const double *x = c->x + (int64_t)b * P->n_in, xi = x[r[1]], xj = x[r[3]];
        return k + a * xi + P->slot_f[SF * s + 2] * xj + P->slot_f[SF * s + 3] * xi * xj;
    }
    case S_WEIGHT:
        return a * c->w[r[1]] + k;
    case S_EXPR:
        return c->extra[(int64_t)r[1] * c->B + b];
    default:
        return k;
    }
}

static void fill_theta(Ctx *c) {
    const Program *P = c->P;
    for (int s = 0; s < P->nslots; s++) {
        int batched = P->slot_i[(int64_t)s * SW + 2] || c->explicit_theta;
        double *row = c->theta + (int64_t)s * c->B;
        const int32_t *r = P->slot_i + (int64_t)s * SW;
        if (batched && !c->explicit_theta && r[0] == S_INPUT) { /* the common case, unswitched */
            const double a = P->slot_f[SF * s], k = P->slot_f[SF * s + 1], *x = c->x + r[1];
            for (int b = 0; b < c->B; b++) row[b] = a * x[(int64_t)b * P->n_in] + k;
        } else if (batched && !c->explicit_theta && r[0] == S_BILIN) {
            const double *f = P->slot_f + SF * s, *xi = c->x + r[1], *xj = c->x + r[3];
            for (int b = 0; b < c->B; b++) {
                double u = xi[(int64_t)b * P->n_in], v = xj[(int64_t)b * P->n_in];
                row[b] = f[1] + f[0] * u + f[2] * v + f[3] * u * v;
            }
        } else if (batched && !c->explicit_theta && r[0] == S_EXPR) {
            memcpy(row, c->extra + (int64_t)r[1] * c->B, sizeof(double) * (size_t)c->B);
        } else if (batched) {
            for (int b = 0; b < c->B; b++) row[b] = slot_value(c, s, b);
        } else {
            row[0] = slot_value(c, s, 0);
        }
    }
}

static int gate_batched(const Ctx *c, int g) {
    int s = c->P->gate_i[(int64_t)g * GW + 3];
    if (s < 0) return 0;
    return c->explicit_theta || c->P->slot_i[(int64_t)s * SW + 2];
}

/* M(t) and dM/dt of gate g at sample b (into M, dM: dg*dg entries). */
static void gate_eval(const Ctx *c, int g, int b, cdouble *M, cdouble *dM) {
    const Program *P = c->P;
    const int32_t *r = P->gate_i + (int64_t)g * GW;
    int dg = 1 << r[0], dd = dg * dg;
    const cdouble *A = P->mats + r[5];
    if (r[3] < 0) {
        memcpy(M, A, sizeof(cdouble) * (size_t)dd);
        if (dM) memset(dM, 0, sizeof(cdouble) * (size_t)dd);
        return;
    }
    const cdouble *Bm = A + dd, *Cm = A + 2 * dd;
    double alpha = P->gate_alpha[g];
    double t = c->theta[(int64_t)r[3] * c->B + (gate_batched(c, g) ? b : 0)];
    double sn, cs;
    sincos(alpha * t, &sn, &cs);
    for (int i = 0; i < dd; i++) {
        M[i] = A[i] + cs * Bm[i] + sn * Cm[i];
        if (dM) dM[i] = alpha * (-sn * Bm[i] + cs * Cm[i]);
    }
}

/* The gate's matrix and derivative: the shared copy, or evaluated into the buffers. */
static void gate_get(const Ctx *c, int g, int b, const cdouble **M, const cdouble **dM,
                     cdouble *bufM, cdouble *bufD) {
    if (!gate_batched(c, g)) {
        *M = c->gm + (int64_t)g * 16;
        *dM = c->gdm + (int64_t)g * 16;
        return;
    }
    gate_eval(c, g, b, bufM, bufD);
    *M = bufM;
    *dM = bufD;
}

/* Embed a gate (nq qubits at op positions pos0[, pos1]) into the op's d x d matrix. */
static void embed(const cdouble *M, int nq, int pos0, int pos1, int k, cdouble *out) {
    int d = 1 << k;
    if (nq == k && pos0 == 0 && (nq == 1 || pos1 == 1)) {
        memcpy(out, M, sizeof(cdouble) * (size_t)(d * d));
        return;
    }
    memset(out, 0, sizeof(cdouble) * (size_t)(d * d));
    for (int r = 0; r < d; r++) {
        for (int col = 0; col < d; col++) {
            /* the gate acts on bits (k-1-pos) of the op index; others must match */
            int sh0 = k - 1 - pos0, sh1 = nq == 2 ? k - 1 - pos1 : 0;
            int gmask = (1 << sh0) | (nq == 2 ? 1 << sh1 : 0);
            if ((r & ~gmask) != (col & ~gmask)) continue;
            int gr = (r >> sh0) & 1, gc = (col >> sh0) & 1;
            if (nq == 2) {
                gr = 2 * gr + ((r >> sh1) & 1);
                gc = 2 * gc + ((col >> sh1) & 1);
            }
            out[r * d + col] = M[gr * (1 << nq) + gc];
        }
    }
}

static void matmul(const cdouble *a, const cdouble *b, cdouble *out, int d) {
    cdouble tmp[16];
    if (d == 2) {
        tmp[0] = a[0] * b[0] + a[1] * b[2];
        tmp[1] = a[0] * b[1] + a[1] * b[3];
        tmp[2] = a[2] * b[0] + a[3] * b[2];
        tmp[3] = a[2] * b[1] + a[3] * b[3];
        memcpy(out, tmp, sizeof(cdouble) * 4);
        return;
    }
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            cdouble s = 0;
            for (int k = 0; k < d; k++) s += a[i * d + k] * b[k * d + j];
            tmp[i * d + j] = s;
        }
    memcpy(out, tmp, sizeof(cdouble) * (size_t)(d * d));
}

/* out = a^+ b */
static void matmul_dag(const cdouble *a, const cdouble *b, cdouble *out, int d) {
    cdouble tmp[16];
    if (d == 2) {
        tmp[0] = conj(a[0]) * b[0] + conj(a[2]) * b[2];
        tmp[1] = conj(a[0]) * b[1] + conj(a[2]) * b[3];
        tmp[2] = conj(a[1]) * b[0] + conj(a[3]) * b[2];
        tmp[3] = conj(a[1]) * b[1] + conj(a[3]) * b[3];
        memcpy(out, tmp, sizeof(cdouble) * 4);
        return;
    }
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            cdouble s = 0;
            for (int k = 0; k < d; k++) s += conj(a[k * d + i]) * b[k * d + j];
            tmp[i * d + j] = s;
        }
    memcpy(out, tmp, sizeof(cdouble) * (size_t)(d * d));
}

static void dagger(const cdouble *a, cdouble *out, int d) {
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) out[j * d + i] = conj(a[i * d + j]);
}

/* The diagonal index of a gate inside a diagonal op, from the op's local index i. */
static inline int diag_index(int i, int nq, int pos0, int pos1, int k) {
    int a = (i >> (k - 1 - pos0)) & 1;
    if (nq == 2) a = 2 * a + ((i >> (k - 1 - pos1)) & 1);
    return a;
}

/* Dense op matrix V = G_m ... G_1 (d x d) at sample b. */
static void op_dense_matrix(const Ctx *c, int o, int b, cdouble *V) {
    const Program *P = c->P;
    const int32_t *r = P->op_i + (int64_t)o * OW;
    int k = r[1], d = 1 << k;
    cdouble bufM[16], bufD[16], E[16];
    for (int i = 0; i < d * d; i++) V[i] = (i % (d + 1) == 0) ? 1.0 : 0.0;
    for (int g = r[2]; g < r[3]; g++) {
        const cdouble *M, *dM;
        gate_get(c, g, b, &M, &dM, bufM, bufD);
        const int32_t *gr = P->gate_i + (int64_t)g * GW;
        embed(M, gr[0], gr[1], gr[2], k, E);
        matmul(E, V, V, d);
    }
}

/* s[i], c[i] = sin(x[i]), cos(x[i]): Cody-Waite reduction by pi/2 and fdlibm's kernels on
 * [-pi/4, pi/4] (branch-free, so the loop vectorises); |x| >= 2**19 goes to libm. */
HOT static void sincos_array(const double *restrict x, double *restrict s, double *restrict c,
                             int64_t n) {
    const double inv = 6.36619772367581382433e-01, p1 = 1.57079632673412561417e+00,
                 p2 = 6.07710050630396597660e-11, p3 = 2.02226624871116645580e-21;
    const double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03,
                 S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06,
                 S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
    const double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03,
                 C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07,
                 C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
    const double shifter = 6755399441055744.0; /* 1.5 * 2**52: rounds to an integer */
    int big = 0;
    for (int64_t i = 0; i < n; i++) {
        double xi = x[i];
        big |= !(fabs(xi) < 524288.0);
        double t = xi * inv + shifter;
        double q = t - shifter;
        int64_t qi;
        memcpy(&qi, &t, sizeof qi); /* the low bits of t's mantissa are q mod 4 */
        double r = ((xi - q * p1) - q * p2) - q * p3;
        double z = r * r;
        double sr = r + r * z * (S1 + z * (S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)))));
        double hz = 0.5 * z, w = 1.0 - hz;
        double cr = w + (((1.0 - w) - hz) + z * z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6))))));
        double ss = (qi & 1) ? cr : sr, cc = (qi & 1) ? sr : cr;
        s[i] = (qi & 2) ? -ss : ss;
        c[i] = ((qi + 1) & 2) ? -cc : cc;
    }
    if (big)
        for (int64_t i = 0; i < n; i++)
            if (!(fabs(x[i]) < 524288.0)) sincos(x[i], &s[i], &c[i]);
}

#define MAXD 1024 /* largest diagonal table kept on the stack */

/* Phase-form diagonal op at sample b: sn, cs = sin, cos of phi = base + sum_g t_g dphi_g
 * (2**k each; one vectorised sincos over the table). */
HOT static void op_diag_phases(const Ctx *c, int o, int b, double *restrict phi,
                               double *restrict sn, double *restrict cs) {
    const Program *P = c->P;
    const int32_t *r = P->op_i + (int64_t)o * OW;
    int k = r[1], d = 1 << k;
    const double *restrict ph = P->phases + r[9];
    memcpy(phi, ph, sizeof(double) * (size_t)d);
    ph += d;
    /* four gates per sweep over phi (phi stays in registers longer) */
    double t[4];
    const double *rows[4];
    int m = 0;
    for (int g = r[2]; g < r[3]; g++) {
        int slot = P->gate_i[(int64_t)g * GW + 3];
        if (slot < 0) continue;
        t[m] = c->theta[(int64_t)slot * c->B + (gate_batched(c, g) ? b : 0)];
        rows[m++] = ph;
        ph += d;
        if (m == 4) {
            const double *restrict a0 = rows[0], *restrict a1 = rows[1], *restrict a2 = rows[2],
                                   *restrict a3 = rows[3];
            for (int i = 0; i < d; i++)
                phi[i] += (t[0] * a0[i] + t[1] * a1[i]) + (t[2] * a2[i] + t[3] * a3[i]);
            m = 0;
        }
    }
    for (int j = 0; j < m; j++) {
        const double *restrict a = rows[j];
        double tj = t[j];
        for (int i = 0; i < d; i++) phi[i] += tj * a[i];
    }
    sincos_array(phi, sn, cs, d);
}


/* Diagonal op table (2**k) at sample b: the phase form (op_diag_phases) when the op has
 * one, else the product of the gates. */
static void op_diag_table(const Ctx *c, int o, int b, cdouble *T) {
    const Program *P = c->P;
    const int32_t *r = P->op_i + (int64_t)o * OW;
    int k = r[1], d = 1 << k;
    if (r[9] >= 0 && d <= MAXD) {
        double phi[MAXD], sn[MAXD], cs[MAXD];
        op_diag_phases(c, o, b, phi, sn, cs);
        for (int i = 0; i < d; i++) T[i] = cs[i] + I * sn[i];
        return;
    }
    cdouble bufM[16], bufD[16];
    for (int i = 0; i < d; i++) T[i] = 1.0;
    for (int g = r[2]; g < r[3]; g++) {
        const cdouble *M, *dM;
        gate_get(c, g, b, &M, &dM, bufM, bufD);
        const int32_t *gr = P->gate_i + (int64_t)g * GW;
        int dg = 1 << gr[0];
        cdouble dvals[4];
        for (int a = 0; a < dg; a++) dvals[a] = M[a * dg + a];
        for (int i = 0; i < d; i++) T[i] *= dvals[diag_index(i, gr[0], gr[1], gr[2], k)];
    }
}

/* A phase-form diagonal payload: the table then its conjugate, interleaved reals. */
HOT static void diag_payload_phases(const double *restrict sn, const double *restrict cs, int d,
                                    double *restrict pd, float *restrict pf) {
    if (pd) {
        for (int i = 0; i < d; i++) {
            pd[2 * i] = cs[i], pd[2 * i + 1] = sn[i];
            pd[2 * d + 2 * i] = cs[i], pd[2 * d + 2 * i + 1] = -sn[i];
        }
    } else {
        for (int i = 0; i < d; i++) {
            pf[2 * i] = (float)cs[i], pf[2 * i + 1] = (float)sn[i];
            pf[2 * d + 2 * i] = (float)cs[i], pf[2 * d + 2 * i + 1] = (float)-sn[i];
        }
    }
}

/* Fill an op's payload (reals of the state precision): dense: V then V^+ (interleaved);
 * diagonal: the table then its conjugate. */
static void op_payload(const Ctx *c, int o, int b, double *pd, float *pf) {
    const Program *P = c->P;
    const int32_t *r = P->op_i + (int64_t)o * OW;
    int d = 1 << r[1];
    if (r[0] == OP_DENSE1 || r[0] == OP_DENSE2) {
        cdouble V[16], Vd[16];
        op_dense_matrix(c, o, b, V);
        dagger(V, Vd, d);
        for (int i = 0; i < d * d; i++) {
            double v[4] = {creal(V[i]), cimag(V[i]), creal(Vd[i]), cimag(Vd[i])};
            if (pd) {
                pd[2 * i] = v[0], pd[2 * i + 1] = v[1];
                pd[2 * d * d + 2 * i] = v[2], pd[2 * d * d + 2 * i + 1] = v[3];
            } else {
                pf[2 * i] = (float)v[0], pf[2 * i + 1] = (float)v[1];
                pf[2 * d * d + 2 * i] = (float)v[2], pf[2 * d * d + 2 * i + 1] = (float)v[3];
            }
        }
    } else if (r[0] == OP_DIAG && r[9] >= 0 && d <= MAXD) {
        double phi[MAXD], sn[MAXD], cs[MAXD];
        op_diag_phases(c, o, b, phi, sn, cs);
        diag_payload_phases(sn, cs, d, pd, pf);
    } else if (r[0] == OP_DIAG) {
        cdouble stackT[256];
        cdouble *T = d <= 256 ? stackT : malloc(sizeof(cdouble) * (size_t)d);
        if (!T) return; /* unreachable in practice: tables are small */
        op_diag_table(c, o, b, T);
        for (int i = 0; i < d; i++) {
            if (pd) {
                pd[2 * i] = creal(T[i]), pd[2 * i + 1] = cimag(T[i]);
                pd[2 * d + 2 * i] = creal(T[i]), pd[2 * d + 2 * i + 1] = -cimag(T[i]);
            } else {
                pf[2 * i] = (float)creal(T[i]), pf[2 * i + 1] = (float)cimag(T[i]);
                pf[2 * d + 2 * i] = (float)creal(T[i]), pf[2 * d + 2 * i + 1] = (float)-cimag(T[i]);
            }
        }
        if (T != stackT) free(T);
    }
}

static int op_batched(const Ctx *c, int o) {
    return c->explicit_theta ? c->P->op_i[(int64_t)o * OW + 5] || c->P->op_i[(int64_t)o * OW + 4]
                             : c->P->op_i[(int64_t)o * OW + 4];
}

/* ---------------------------------------------------------------- gradients */

typedef struct {
    double *gw;  /* (n_w,) partial sums of this thread (summed mode) */
    double *gex; /* (n_expr,) partial sums of this thread for shared ops (summed mode) */
} Acc;

/* Route d(loss)/d(slot) = g at sample b (b < 0: summed over the batch). */
static void add_slot(const Ctx *c, Acc *acc, int s, int b, double g) {
    const Program *P = c->P;
    const int32_t *r = P->slot_i + (int64_t)s * SW;
    double a = P->slot_f[SF * s];
    switch (r[0]) {
    case S_INPUT:
        if (b >= 0 && c->inputs) c->gx[(int64_t)b * P->n_in + r[1]] += a * g;
        break;
    case S_BILIN:
        if (b >= 0 && c->inputs) {
            double *gx = c->gx + (int64_t)b * P->n_in, bb = P->slot_f[SF * s + 2], d = P->slot_f[SF * s + 3];
            const double *x = c->x + (int64_t)b * P->n_in;
            gx[r[1]] += (a + d * x[r[3]]) * g;
            gx[r[3]] += (bb + d * x[r[1]]) * g;
        }
        break;
    case S_WEIGHT:
        if (c->per_sample && b >= 0)
            c->gw[(int64_t)b * P->n_w + r[1]] += a * g;
        else
            acc->gw[r[1]] += a * g;
        break;
    case S_EXPR:
        if (b >= 0)
            c->gex[(int64_t)r[1] * c->B + b] += g;
        else
            acc->gex[r[1]] += g;
        break;
    default:
        break;
    }
}

/* Gradients of a dense op's gates from its environment E[j][i] = sum psi_before[j]
 * conj(lam_after[i]): f = V E, then for each gate backwards f <- G^+ f, grad = 2 Re tr(dG f),
 * f <- f G. Gates are those of [g0, g1) (op or prefix qubit), k local qubits. */
#define MAXG 32
static void dense_grads(const Ctx *c, Acc *acc, int g0, int g1, int k, int b, const cdouble *E) {
    const Program *P = c->P;
    int d = 1 << k, m = g1 - g0;
    cdouble stackG[MAXG * 16], stackD[MAXG * 16];
    cdouble *Gs = m <= MAXG ? stackG : malloc(sizeof(cdouble) * 16 * (size_t)m);
    cdouble *Ds = m <= MAXG ? stackD : malloc(sizeof(cdouble) * 16 * (size_t)m);
    if (!Gs || !Ds) { /* unreachable in practice: a few KiB */
        if (Gs != stackG) free(Gs);
        if (Ds != stackD) free(Ds);
        return;
    }
    cdouble V[16], f[16], bufM[16], bufD[16];
    for (int i = 0; i < d * d; i++) V[i] = (i % (d + 1) == 0) ? 1.0 : 0.0;
    for (int l = 0; l < m; l++) {
        const cdouble *M, *dM;
        gate_get(c, g0 + l, b, &M, &dM, bufM, bufD);
        const int32_t *gr = P->gate_i + (int64_t)(g0 + l) * GW;
        embed(M, gr[0], gr[1], gr[2], k, Gs + 16 * l);
        if (gr[3] >= 0) embed(dM, gr[0], gr[1], gr[2], k, Ds + 16 * l);
        matmul(Gs + 16 * l, V, V, d);
    }
    matmul(V, E, f, d);
    for (int l = m - 1; l >= 0; l--) {
        const int32_t *gr = P->gate_i + (int64_t)(g0 + l) * GW;
        const cdouble *G = Gs + 16 * l;
        matmul_dag(G, f, f, d);
        if (gr[3] >= 0) {
            const cdouble *dG = Ds + 16 * l;
            cdouble tr = 0;
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++) tr += dG[i * d + j] * f[j * d + i];
            add_slot(c, acc, gr[3], b, 2.0 * creal(tr));
        }
        matmul(f, G, f, d);
    }
    if (Gs != stackG) free(Gs);
    if (Ds != stackD) free(Ds);
}

/* Gradients of a diagonal op's gates from e[i] = sum psi_before[i] conj(lam_after[i]). */
static void diag_grads(const Ctx *c, Acc *acc, int o, int b, const cdouble *e) {
    const Program *P = c->P;
    const int32_t *r = P->op_i + (int64_t)o * OW;
    int k = r[1], d = 1 << k;
    cdouble stackT[256];
    cdouble *T = d <= 256 ? stackT : malloc(sizeof(cdouble) * (size_t)d);
    if (!T) return;
    op_diag_table(c, o, b, T);
    for (int i = 0; i < d; i++) T[i] *= e[i]; /* w = V e */
    if (r[9] >= 0 && d <= MAXD) { /* dD/D = i dphi: grad = -2 sum dphi Im(w) */
        const double *ph = P->phases + r[9] + d;
        for (int g = r[2]; g < r[3]; g++) {
            int slot = P->gate_i[(int64_t)g * GW + 3];
            if (slot < 0) continue;
            double acc2 = 0.0;
            for (int i = 0; i < d; i++) acc2 += ph[i] * cimag(T[i]);
            add_slot(c, acc, slot, b, -2.0 * acc2);
            ph += d;
        }
        if (T != stackT) free(T);
        return;
    }
    cdouble bufM[16], bufD[16];
    for (int g = r[2]; g < r[3]; g++) {
        const int32_t *gr = P->gate_i + (int64_t)g * GW;
        if (gr[3] < 0) continue;
        const cdouble *M, *dM;
        gate_get(c, g, b, &M, &dM, bufM, bufD);
        int dg = 1 << gr[0];
        cdouble ratio[4], grouped[4] = {0, 0, 0, 0};
        for (int a = 0; a < dg; a++) ratio[a] = dM[a * dg + a] * conj(M[a * dg + a]);
        for (int i = 0; i < d; i++) grouped[diag_index(i, gr[0], gr[1], gr[2], k)] += T[i];
        cdouble s = 0;
        for (int a = 0; a < dg; a++) s += ratio[a] * grouped[a];
        add_slot(c, acc, gr[3], b, 2.0 * creal(s));
    }
    if (T != stackT) free(T);
}

/* A qubit's prefix is a head (gates [g0, split): every gate that depends on the sample and
 * those before it) and a shared tail [split, g1), multiplied once per call (ctx->ptail). */
static int prefix_split(const Ctx *c, int q) {
    const int32_t *pr = c->P->prefix_i + (int64_t)q * PRW;
    return c->explicit_theta ? pr[1] : pr[3];
}

static void prefix_tail(const Ctx *c, int q, cdouble *T) {
    const int32_t *pr = c->P->prefix_i + (int64_t)q * PRW;
    cdouble bufM[16], bufD[16];
    T[0] = 1.0, T[1] = 0.0, T[2] = 0.0, T[3] = 1.0;
    for (int g = prefix_split(c, q); g < pr[1]; g++) {
        const cdouble *M, *dM;
        gate_get(c, g, 0, &M, &dM, bufM, bufD);
        matmul(M, T, T, 2);
    }
}

/* The prefix vector of qubit q at sample b: v = T u, u = head|0>. A head of one gate with a
 * parameter leaves its derivative column in hd (hd[0] = dM[0][0], hd[1] = dM[1][0]). */
static void prefix_vector(const Ctx *c, int q, int b, cdouble *v, cdouble *u, cdouble *hd) {
    const Program *P = c->P;
    const int32_t *pr = P->prefix_i + (int64_t)q * PRW;
    int split = prefix_split(c, q);
    u[0] = 1.0;
    u[1] = 0.0;
    if (split - pr[0] == 1 && gate_batched(c, pr[0])) {
        /* one gate on |0>: only column 0 of M(t) and dM/dt */
        const int32_t *r = P->gate_i + (int64_t)pr[0] * GW;
        const cdouble *A = P->mats + r[5], *Bm = A + 4, *Cm = A + 8;
        double alpha = P->gate_alpha[pr[0]];
        double t = c->theta[(int64_t)r[3] * c->B + b], sn, cs;
        sincos(alpha * t, &sn, &cs);
        u[0] = A[0] + cs * Bm[0] + sn * Cm[0];
        u[1] = A[2] + cs * Bm[2] + sn * Cm[2];
        hd[0] = alpha * (-sn * Bm[0] + cs * Cm[0]);
        hd[1] = alpha * (-sn * Bm[2] + cs * Cm[2]);
    } else {
        cdouble bufM[16], bufD[16];
        for (int g = pr[0]; g < split; g++) {
            const cdouble *M, *dM;
            gate_get(c, g, b, &M, &dM, bufM, bufD);
            cdouble a0 = M[0] * u[0] + M[1] * u[1], a1 = M[2] * u[0] + M[3] * u[1];
            u[0] = a0;
            u[1] = a1;
            if (split - pr[0] == 1) hd[0] = dM[0], hd[1] = dM[2];
        }
    }
    const cdouble *T = c->ptail + 4 * q;
    v[0] = T[0] * u[0] + T[1] * u[1];
    v[1] = T[2] * u[0] + T[3] * u[1];
}

/* Prefix vectors of samples [b0, b1): vecs (2n per sample), heads (u at 2q, the one-gate
 * head derivative at 2n + 2q; 4n per sample). A head of one sample-dependent gate is
 * evaluated for the whole range with one vectorised sincos. */
HOT static void group_vectors(const Ctx *c, int b0, int b1, cdouble *vecs, cdouble *heads) {
    const Program *P = c->P;
    int n = P->n, cnt = b1 - b0;
    double ang[512], sn[512], cs[512];
    for (int q = 0; q < n; q++) {
        const int32_t *pr = P->prefix_i + (int64_t)q * PRW;
        int split = prefix_split(c, q);
        /* a head whose last gate is the only sample-dependent one: the gates before it act
         * on |0> once for the range (c0), the last one with one vectorised sincos */
        int last = split - 1, fast = split > pr[0] && gate_batched(c, last) && cnt <= 512;
        for (int g = pr[0]; fast && g < last; g++) fast = !gate_batched(c, g);
        if (!fast) {
            for (int b = b0; b < b1; b++) {
                cdouble *v = vecs + (int64_t)(b - b0) * 2 * n, *h = heads + (int64_t)(b - b0) * 4 * n;
                prefix_vector(c, q, b, v + 2 * q, h + 2 * q, h + 2 * n + 2 * q);
            }
            continue;
        }
        cdouble c0 = 1.0, c1 = 0.0, bufM[16], bufD[16];
        for (int g = pr[0]; g < last; g++) {
            const cdouble *M, *dM;
            gate_get(c, g, 0, &M, &dM, bufM, bufD);
            cdouble a0 = M[0] * c0 + M[1] * c1, a1 = M[2] * c0 + M[3] * c1;
            c0 = a0, c1 = a1;
        }
        const int32_t *r = P->gate_i + (int64_t)last * GW;
        const cdouble *A = P->mats + r[5], *Bm = A + 4, *Cm = A + 8;
        /* column c0|0> + c1|1> of A, B, C */
        const cdouble a0 = A[0] * c0 + A[1] * c1, a1 = A[2] * c0 + A[3] * c1;
        const cdouble bb0 = Bm[0] * c0 + Bm[1] * c1, bb1 = Bm[2] * c0 + Bm[3] * c1;
        const cdouble cc0 = Cm[0] * c0 + Cm[1] * c1, cc1 = Cm[2] * c0 + Cm[3] * c1;
        double alpha = P->gate_alpha[last];
        const double *th = c->theta + (int64_t)r[3] * c->B + b0;
        for (int i = 0; i < cnt; i++) ang[i] = alpha * th[i];
        sincos_array(ang, sn, cs, cnt);
        const cdouble *T = c->ptail + 4 * q;
        for (int i = 0; i < cnt; i++) {
            cdouble *v = vecs + (int64_t)i * 2 * n, *h = heads + (int64_t)i * 4 * n;
            cdouble u0 = a0 + cs[i] * bb0 + sn[i] * cc0, u1 = a1 + cs[i] * bb1 + sn[i] * cc1;
            h[2 * q] = u0, h[2 * q + 1] = u1;
            h[2 * n + 2 * q] = alpha * (-sn[i] * bb0 + cs[i] * cc0);
            h[2 * n + 2 * q + 1] = alpha * (-sn[i] * bb1 + cs[i] * cc1);
            v[2 * q] = T[0] * u0 + T[1] * u1;
            v[2 * q + 1] = T[2] * u0 + T[3] * u1;
        }
    }
}

/* Tensor product of the vectors v[lo..hi) (bit lo least significant) into out (2**(hi-lo)). */
static void kron_vectors(const cdouble *v, int lo, int hi, cdouble *out) {
    out[0] = 1.0;
    int64_t size = 1;
    for (int q = lo; q < hi; q++) {
        for (int64_t i = 0; i < size; i++) {
            out[i + size] = out[i] * v[2 * q + 1];
            out[i] *= v[2 * q];
        }
        size <<= 1;
    }
}

/* mu[q] (2 entries per qubit q in [lo, lo+nb)): contraction of t (2**nb entries) with conj(v)
 * on every other qubit, by halving (cost about 2 * 2**nb). scratch: >= 3 * 2**nb entries. */
static void marginals_c(const cdouble *t, const cdouble *v, int lo, int nb, cdouble *mu,
                        cdouble *scratch) {
    if (nb == 1) {
        mu[2 * lo] = t[0];
        mu[2 * lo + 1] = t[1];
        return;
    }
    int m = nb / 2;
    int64_t nl = (int64_t)1 << m, nh = (int64_t)1 << (nb - m);
    cdouble *VL = scratch, *VH = VL + nl, *tl = VH + nh, *th = tl + nl, *rest = th + nh;
    kron_vectors(v, lo, lo + m, VL);
    kron_vectors(v, lo + m, lo + nb, VH);
    for (int64_t l = 0; l < nl; l++) tl[l] = 0;
    for (int64_t h = 0; h < nh; h++) {
        cdouble ch = conj(VH[h]), acc = 0;
        const cdouble *row = t + h * nl;
        for (int64_t l = 0; l < nl; l++) {
            tl[l] += ch * row[l];
            acc += conj(VL[l]) * row[l];
        }
        th[h] = acc;
    }
    marginals_c(tl, v, lo, m, mu, rest);
    marginals_c(th, v, lo + m, nb - m, mu, rest);
}

/* Diagonal entries of the gates of diagonal op o for samples [b0, b1): entry a of gate g at
 * sample b0 + i is e[((g - g0) * cnt + i) * 4 + a]. One vectorised sincos per gate over the
 * samples (ang, sn, cs: cnt reals each). */
static void diag_entries(const Ctx *c, int o, int b0, int b1, cdouble *e, double *ang,
                         double *sn, double *cs) {
    const Program *P = c->P;
    const int32_t *r = P->op_i + (int64_t)o * OW;
    int cnt = b1 - b0;
    for (int g = r[2]; g < r[3]; g++) {
        const int32_t *gr = P->gate_i + (int64_t)g * GW;
        int dg = 1 << gr[0], dd = dg * dg;
        const cdouble *A = P->mats + gr[5];
        cdouble *out = e + (int64_t)(g - r[2]) * cnt * 4;
        if (gr[3] < 0) {
            for (int i = 0; i < cnt; i++)
                for (int a = 0; a < dg; a++) out[4 * i + a] = A[a * dg + a];
            continue;
        }
        const cdouble *Bm = A + dd, *Cm = A + 2 * dd;
        double alpha = P->gate_alpha[g];
        int bat = gate_batched(c, g), m = bat ? cnt : 1;
        const double *th = c->theta + (int64_t)gr[3] * c->B + (bat ? b0 : 0);
        for (int i = 0; i < m; i++) ang[i] = alpha * th[i];
        sincos_array(ang, sn, cs, m);
        for (int i = 0; i < cnt; i++) {
            int j = bat ? i : 0;
            for (int a = 0; a < dg; a++)
                out[4 * i + a] = A[a * dg + a] + cs[j] * Bm[a * dg + a] + sn[j] * Cm[a * dg + a];
        }
    }
}

/* The table (2**k, table order: level j = bit j; real and imaginary parts Tr, Ti) of
 * diagonal op o at sample b0 + i by doubling (see DiagPlan), from the gate entries e of
 * diag_entries (cnt samples). With prefix vectors pv (2 per qubit; the op covers every
 * qubit in state order) the product state is folded in: T is then the state after the op. */
HOT static void diag_doubling(const Ctx *c, int o, const cdouble *e, int cnt, int i,
                              const cdouble *pv, double *restrict Tr, double *restrict Ti) {
    const Program *P = c->P;
    const int32_t *r = P->op_i + (int64_t)o * OW;
    const DiagPlan *D = P->dplan + o;
    cdouble Fj[2 << DBL_L];
    for (int j = 0; j < D->k; j++) {
        int nL = D->nL[j], size = 2 << nL, half = 1 << nL;
        for (int x = 0; x < size; x++) Fj[x] = pv ? pv[2 * j + (x >> nL)] : 1.0;
        for (int gi = D->first[j]; gi < D->first[j + 1]; gi++) {
            int g = D->order[gi];
            const int8_t *dg = P->dg + 3 * g;
            const cdouble *ee = e + ((int64_t)(g - r[2]) * cnt + i) * 4;
            if (dg[1] < 0) {
                for (int x = 0; x < size; x++) Fj[x] *= ee[x >> nL];
                continue;
            }
            for (int x = 0; x < size; x++) {
                int b = x >> nL, lb = (x >> dg[1]) & 1;
                Fj[x] *= ee[dg[2] ? 2 * b + lb : 2 * lb + b];
            }
        }
        if (j == 0) {
            Tr[0] = creal(Fj[0]), Ti[0] = cimag(Fj[0]), Tr[1] = creal(Fj[1]), Ti[1] = cimag(Fj[1]);
            continue;
        }
        int64_t h = (int64_t)1 << j;
        if (nL <= 1) { /* runs of 2**l entries share bit l of the lower level */
            int64_t run = nL ? (int64_t)1 << D->L[j][0] : h;
            for (int64_t z0 = 0; z0 < h; z0 += 2 * run)
                for (int bit = 0; bit < 2 && z0 + bit * run < h; bit++) {
                    const double f0r = creal(Fj[bit & (half - 1)]), f0i = cimag(Fj[bit & (half - 1)]);
                    const double f1r = creal(Fj[half + (bit & (half - 1))]),
                                 f1i = cimag(Fj[half + (bit & (half - 1))]);
                    double *restrict ar = Tr + z0 + bit * run, *restrict ai = Ti + z0 + bit * run;
                    double *restrict ur = ar + h, *restrict ui = ai + h;
                    int64_t z = 0;
                    if (run >= 4) {
                        const v4d F0r = (v4d){0} + f0r, F0i = (v4d){0} + f0i,
                                  F1r = (v4d){0} + f1r, F1i = (v4d){0} + f1i;
                        for (; z < run; z += 4) {
                            v4d tr, ti;
                            memcpy(&tr, ar + z, sizeof tr);
                            memcpy(&ti, ai + z, sizeof ti);
                            v4d vr = tr * F1r - ti * F1i, vi = tr * F1i + ti * F1r;
                            memcpy(ur + z, &vr, sizeof vr);
                            memcpy(ui + z, &vi, sizeof vi);
                            vr = tr * F0r - ti * F0i, vi = tr * F0i + ti * F0r;
                            memcpy(ar + z, &vr, sizeof vr);
                            memcpy(ai + z, &vi, sizeof vi);
                        }
                    }
                    for (; z < run; z++) {
                        double tr = ar[z], ti = ai[z];
                        ur[z] = tr * f1r - ti * f1i;
                        ui[z] = tr * f1i + ti * f1r;
                        ar[z] = tr * f0r - ti * f0i;
                        ai[z] = tr * f0i + ti * f0r;
                    }
                }
        } else {
            for (int64_t z = 0; z < h; z++) {
                int m = 0;
                for (int q = 0; q < nL; q++) m |= (int)((z >> D->L[j][q]) & 1) << q;
                double tr = Tr[z], ti = Ti[z];
                cdouble f0 = Fj[m], f1 = Fj[half + m];
                Tr[z + h] = tr * creal(f1) - ti * cimag(f1);
                Ti[z + h] = tr * cimag(f1) + ti * creal(f1);
                Tr[z] = tr * creal(f0) - ti * cimag(f0);
                Ti[z] = tr * cimag(f0) + ti * creal(f0);
            }
        }
    }
}

/* ---------------------------------------------------------------- the lane path
 * Forward runs (complex128, whole-state programs, no tape) of programs made only of the
 * encoding fast paths: a first diagonal op over every qubit with the product state folded
 * in, then Hadamard ops and diagonal ops over every qubit (Program.lanes). Four samples run
 * side by side, one per vector lane (v4d: the same amplitude of four samples), so every
 * doubling level and Walsh-Hadamard butterfly is a full vector operation however short its
 * runs, and the state is kept in a lane buffer (interleaved: S[2z] the real parts of
 * amplitude z, S[2z + 1] the imaginary parts) until one transposed store writes the four
 * final states. A diagonal op's last doubling level multiplies the state directly (its
 * table is never written whole), and the Hadamards' scale is folded into the next
 * diagonal op's first level (or the final store). */
#define LANES 4
#define LANE_CHUNK 64 /* samples per batch of diagonal gate entries */
typedef long long v4i __attribute__((vector_size(32)));

/* Diagonal entries of the gates of diagonal op o for the chunk samples [sb, se), lane-major:
 * entry a of gate g at chunk sample i is er/ei[((g - g0) * 4 + a) * cntp + i], cntp = the
 * sample count rounded up to LANES (the pad repeats the last sample). One vectorised
 * sincos per gate over the samples (ang, sn, cs: cntp reals each). */
HOT static void lanes_entries(const Ctx *c, int o, int sb, int se, int cntp, double *er,
                              double *ei, double *ang, double *sn, double *cs) {
    const Program *P = c->P;
    const int32_t *r = P->op_i + (int64_t)o * OW;
    int cnt = se - sb;
    for (int g = r[2]; g < r[3]; g++) {
        const int32_t *gr = P->gate_i + (int64_t)g * GW;
        int dg = 1 << gr[0], dd = dg * dg;
        const cdouble *A = P->mats + gr[5];
        double *outr = er + (int64_t)(g - r[2]) * 4 * cntp, *outi = ei + (int64_t)(g - r[2]) * 4 * cntp;
        if (gr[3] < 0) {
            for (int a = 0; a < dg; a++)
                for (int i = 0; i < cntp; i++)
                    outr[a * cntp + i] = creal(A[a * dg + a]), outi[a * cntp + i] = cimag(A[a * dg + a]);
            continue;
        }
        const cdouble *Bm = A + dd, *Cm = A + 2 * dd;
        double alpha = P->gate_alpha[g];
        int bat = gate_batched(c, g);
        const double *th = c->theta + (int64_t)gr[3] * c->B;
        for (int i = 0; i < cntp; i++) ang[i] = alpha * th[bat ? sb + (i < cnt ? i : cnt - 1) : 0];
        sincos_array(ang, sn, cs, cntp);
        for (int a = 0; a < dg; a++) {
            cdouble A0 = A[a * dg + a], B0 = Bm[a * dg + a], C0 = Cm[a * dg + a];
            for (int i = 0; i < cntp; i++) {
                outr[a * cntp + i] = creal(A0) + cs[i] * creal(B0) + sn[i] * creal(C0);
                outi[a * cntp + i] = cimag(A0) + cs[i] * cimag(B0) + sn[i] * cimag(C0);
            }
        }
    }
}

static inline v4d lanes_load(const double *p) {
    v4d v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Doubling levels of diagonal op o for the lanes (chunk samples i0 .. i0 + 3) from the
 * lane-major gate entries er, ei of lanes_entries (cntp samples). pvr, pvi: the lanes'
 * prefix vectors (2 per qubit), folded in (T is then the state); else (NULL) the table
 * multiplies S at the last level and T is scratch. scale multiplies the first level. */
HOT static void lanes_diag(const Program *P, int o, const double *er, const double *ei, int cntp,
                           int i0, const v4d *pvr, const v4d *pvi, double scale, v4d *restrict T,
                           v4d *restrict S) {
    const int32_t *r = P->op_i + (int64_t)o * OW;
    const DiagPlan *D = P->dplan + o;
    int k = D->k;
    v4d Fr[2 << DBL_L], Fi[2 << DBL_L];
    for (int j = 0; j < k; j++) {
        int nL = D->nL[j], size = 2 << nL, half = 1 << nL;
        for (int x = 0; x < size; x++) {
            Fr[x] = pvr ? pvr[2 * j + (x >> nL)] : (v4d){0} + 1.0;
            Fi[x] = pvr ? pvi[2 * j + (x >> nL)] : (v4d){0};
        }
        if (j == 0 && scale != 1.0)
            for (int x = 0; x < size; x++) Fr[x] *= scale, Fi[x] *= scale;
        for (int gi = D->first[j]; gi < D->first[j + 1]; gi++) {
            int g = D->order[gi];
            const int8_t *dg = P->dg + 3 * g;
            const double *gr = er + (int64_t)(g - r[2]) * 4 * cntp + i0;
            const double *gim = ei + (int64_t)(g - r[2]) * 4 * cntp + i0;
            for (int x = 0; x < size; x++) {
                int b = x >> nL, a = b;
                if (dg[1] >= 0) {
                    int lb = (x >> dg[1]) & 1;
                    a = dg[2] ? 2 * b + lb : 2 * lb + b;
                }
                v4d xr = lanes_load(gr + (int64_t)a * cntp), xi = lanes_load(gim + (int64_t)a * cntp);
                v4d fr = Fr[x], fi = Fi[x];
                Fr[x] = fr * xr - fi * xi, Fi[x] = fr * xi + fi * xr;
            }
        }
        int last = S && j == k - 1;
        if (j == 0) {
            if (last) { /* k = 1: S *= F */
                for (int x = 0; x < 2; x++) {
                    v4d sr = S[2 * x], si = S[2 * x + 1];
                    S[2 * x] = sr * Fr[x] - si * Fi[x];
                    S[2 * x + 1] = sr * Fi[x] + si * Fr[x];
                }
            } else {
                T[0] = Fr[0], T[1] = Fi[0], T[2] = Fr[1], T[3] = Fi[1];
            }
            continue;
        }
        int64_t h = (int64_t)1 << j;
        /* runs of z sharing the factor index m: 2**L0 long with one lower bit L0, all of
         * z with none; one z at a time with more */
        int64_t run = nL == 0 ? h : nL == 1 ? (int64_t)1 << D->L[j][0] : 1;
        for (int64_t z0 = 0; z0 < h; z0 += run) {
            int m = 0;
            for (int q = 0; q < nL; q++) m |= (int)((z0 >> D->L[j][q]) & 1) << q;
            const v4d f0r = Fr[m], f0i = Fi[m], f1r = Fr[half + m], f1i = Fi[half + m];
            if (last) {
                for (int64_t z = z0; z < z0 + run; z++) {
                    v4d tr = T[2 * z], ti = T[2 * z + 1];
                    v4d ur = tr * f1r - ti * f1i, ui = tr * f1i + ti * f1r;
                    v4d vr = tr * f0r - ti * f0i, vi = tr * f0i + ti * f0r;
                    v4d ar = S[2 * z], ai = S[2 * z + 1], br = S[2 * (z + h)], bi = S[2 * (z + h) + 1];
                    S[2 * z] = ar * vr - ai * vi, S[2 * z + 1] = ar * vi + ai * vr;
                    S[2 * (z + h)] = br * ur - bi * ui, S[2 * (z + h) + 1] = br * ui + bi * ur;
                }
            } else {
                for (int64_t z = z0; z < z0 + run; z++) {
                    v4d tr = T[2 * z], ti = T[2 * z + 1];
                    T[2 * (z + h)] = tr * f1r - ti * f1i, T[2 * (z + h) + 1] = tr * f1i + ti * f1r;
                    T[2 * z] = tr * f0r - ti * f0i, T[2 * z + 1] = tr * f0i + ti * f0r;
                }
            }
        }
    }
}

/* Unscaled Walsh-Hadamard butterflies of qubits q0 (and q1 >= 0, distinct) on the lanes. */
HOT static void lanes_hadamard(v4d *restrict S, int64_t dim, int q0, int q1) {
    if (q1 < 0) {
        int64_t h = (int64_t)1 << q0;
        for (int64_t z0 = 0; z0 < dim; z0 += 2 * h)
            for (int64_t z = z0; z < z0 + h; z++)
                for (int p = 0; p < 2; p++) {
                    v4d a = S[2 * z + p], b = S[2 * (z + h) + p];
                    S[2 * z + p] = a + b, S[2 * (z + h) + p] = a - b;
                }
        return;
    }
    if (q0 > q1) {
        int t = q0;
        q0 = q1, q1 = t;
    }
    int64_t h0 = (int64_t)1 << q0, h1 = (int64_t)1 << q1;
    for (int64_t z1 = 0; z1 < dim; z1 += 2 * h1)
        for (int64_t z0 = z1; z0 < z1 + h1; z0 += 2 * h0)
            for (int64_t z = z0; z < z0 + h0; z++)
                for (int p = 0; p < 2; p++) {
                    v4d a0 = S[2 * z + p], a1 = S[2 * (z + h0) + p], a2 = S[2 * (z + h1) + p],
                        a3 = S[2 * (z + h0 + h1) + p];
                    v4d s0 = a0 + a1, d0 = a0 - a1, s1 = a2 + a3, d1 = a2 - a3;
                    S[2 * z + p] = s0 + s1, S[2 * (z + h0) + p] = d0 + d1;
                    S[2 * (z + h1) + p] = s0 - s1, S[2 * (z + h0 + h1) + p] = d0 - d1;
                }
}

/* The lanes' states (nl of them, scaled) into out (interleaved complex, 2 dim reals each):
 * a 4 x 4 transpose per pair of amplitudes. */
HOT static void lanes_store(const v4d *restrict S, int64_t dim, int nl, double scale,
                            double *restrict out) {
    const v4d sc = (v4d){0} + scale;
    for (int64_t z = 0; z < dim; z += 2) {
        v4d r0 = S[2 * z] * sc, r1 = S[2 * z + 1] * sc, r2 = S[2 * z + 2] * sc, r3 = S[2 * z + 3] * sc;
        v4d t0 = __builtin_shuffle(r0, r1, (v4i){0, 4, 2, 6}), t1 = __builtin_shuffle(r0, r1, (v4i){1, 5, 3, 7});
        v4d t2 = __builtin_shuffle(r2, r3, (v4i){0, 4, 2, 6}), t3 = __builtin_shuffle(r2, r3, (v4i){1, 5, 3, 7});
        v4d lane[LANES] = {__builtin_shuffle(t0, t2, (v4i){0, 1, 4, 5}), __builtin_shuffle(t1, t3, (v4i){0, 1, 4, 5}),
                           __builtin_shuffle(t0, t2, (v4i){2, 3, 6, 7}), __builtin_shuffle(t1, t3, (v4i){2, 3, 6, 7})};
        for (int l = 0; l < nl; l++) memcpy(out + (int64_t)l * 2 * dim + 2 * z, &lane[l], sizeof(v4d));
    }
}

/* Forward run of the group [b0, b1) by the lane path into base (cnt * 2**n amplitudes,
 * complex128) from the prefix vectors gv. Returns 1 when the path does not apply to this
 * call (nothing written), -1 when out of memory, 0 when done. */
HOT static int lanes_forward(const Ctx *c, int b0, int b1, double *base, const cdouble *gv) {
    const Program *P = c->P;
    int n = P->n;
    int64_t dim = (int64_t)1 << n;
    int ng = 0;
    for (int o = 0; o < P->nops; o++) {
        const int32_t *r = P->op_i + (int64_t)o * OW;
        if (P->hada[o] && op_batched(c, o)) return 1;
        if (r[0] == OP_DIAG) ng += r[3] - r[2];
    }
    double *e = malloc(sizeof(double) * 8 * ((size_t)ng + 1) * LANE_CHUNK);
    double *ang = malloc(sizeof(double) * 3 * LANE_CHUNK);
    v4d *S = aligned_alloc(32, sizeof(v4d) * 4 * (size_t)dim);
    v4d *pv = aligned_alloc(32, sizeof(v4d) * 4 * (size_t)n);
    int64_t *eoff = malloc(sizeof(int64_t) * ((size_t)P->nops + 1));
    if (!e || !ang || !S || !pv || !eoff) {
        free(e), free(ang), free(S), free(pv), free(eoff);
        return -1;
    }
    v4d *T = S + 2 * dim;
    for (int sb = b0; sb < b1; sb += LANE_CHUNK) {
        int se = sb + LANE_CHUNK < b1 ? sb + LANE_CHUNK : b1, cnt = se - sb;
        int cntp = (cnt + LANES - 1) / LANES * LANES;
        int64_t off = 0;
        for (int o = 0; o < P->nops; o++) {
            const int32_t *r = P->op_i + (int64_t)o * OW;
            eoff[o] = off;
            if (r[0] != OP_DIAG) continue;
            int64_t len = (int64_t)(r[3] - r[2]) * 4 * cntp;
            lanes_entries(c, o, sb, se, cntp, e + 2 * off, e + 2 * off + len, ang,
                          ang + LANE_CHUNK, ang + 2 * LANE_CHUNK);
            off += len;
        }
        for (int i0 = 0; i0 < cnt; i0 += LANES) {
            int nl = cnt - i0 < LANES ? cnt - i0 : LANES;
            const cdouble *v[LANES];
            for (int l = 0; l < LANES; l++) v[l] = gv + (int64_t)(sb - b0 + i0 + (l < nl ? l : nl - 1)) * 2 * n;
            for (int q = 0; q < 2 * n; q++) {
                pv[q] = (v4d){creal(v[0][q]), creal(v[1][q]), creal(v[2][q]), creal(v[3][q])};
                pv[2 * n + q] = (v4d){cimag(v[0][q]), cimag(v[1][q]), cimag(v[2][q]), cimag(v[3][q])};
            }
            int64_t len0 = (int64_t)(P->op_i[3] - P->op_i[2]) * 4 * cntp;
            lanes_diag(P, 0, e, e + len0, cntp, i0, pv, pv + 2 * n, 1.0, S, NULL);
            double scale = 1.0;
            for (int o = 1; o < P->nops; o++) {
                if (P->hada[o]) { /* pairs of consecutive Hadamards on distinct qubits */
                    int q0 = P->op_q[(int64_t)o * MAXQ], q1 = -1;
                    if (o + 1 < P->nops && P->hada[o + 1] && P->op_q[(int64_t)(o + 1) * MAXQ] != q0)
                        q1 = P->op_q[(int64_t)(++o) * MAXQ];
                    lanes_hadamard(S, dim, q0, q1);
                    scale *= q1 < 0 ? 0.70710678118654752440 : 0.5;
                    continue;
                }
                const int32_t *r = P->op_i + (int64_t)o * OW;
                int64_t len = (int64_t)(r[3] - r[2]) * 4 * cntp;
                lanes_diag(P, o, e + 2 * eoff[o], e + 2 * eoff[o] + len, cntp, i0, NULL, NULL, scale, T, S);
                scale = 1.0;
            }
            lanes_store(S, dim, nl, scale, base + 2 * (int64_t)(sb - b0 + i0) * dim);
        }
    }
    free(e), free(ang), free(S), free(pv), free(eoff);
    return 0;
}

/* ---------------------------------------------------------------- templated kernels */
#define QL_TEMPLATE 1
#define QL_DOUBLE 1
#define real double
#define F(name) name##_d
#include "_executor.c" /* this file again, for the other precision */
#undef real
#undef F
#undef QL_DOUBLE
#define real float
#define F(name) name##_f
#include "_executor.c" /* this file again, for the other precision */
#undef real
#undef F

/* ---------------------------------------------------------------- threads */

typedef struct {
    Ctx *c;
    int tid;
    int64_t u0, u1; /* units (groups or samples) of this thread */
    double *gw, *gex;
    cdouble *env, *envpre; /* shared-op and prefix environments (summed mode) */
    void **block;          /* the cached scratch block of this thread, or NULL */
    size_t *block_size;
    int failed;
} Work;

static void *run_work(void *arg) {
    Work *wk = (Work *)arg;
    if (wk->c->dbl)
        wk->failed = work_d(wk->c, wk->u0, wk->u1, wk->gw, wk->gex, wk->env, wk->envpre,
                            wk->block, wk->block_size);
    else
        wk->failed = work_f(wk->c, wk->u0, wk->u1, wk->gw, wk->gex, wk->env, wk->envpre,
                            wk->block, wk->block_size);
    return NULL;
}

static int64_t units_of(const Ctx *c) {
    const Program *P = c->P;
    if (!P->grouped) return c->B;
    int64_t G = ((int64_t)1 << P->L) >> P->n;
    if (G < 1) G = 1;
    return (c->B + G - 1) / G;
}

/* Run the call over the batch in up to c->nthreads threads; reduce the accumulators. */
static int execute(Ctx *c) {
    const Program *P = c->P;
    int64_t units = units_of(c);
    int T = c->nthreads;
    if (T > units) T = (int)units;
    if (T > MAXT) T = MAXT;
    if (T < 1) T = 1;
    Program *Pm = c->P;
    pthread_mutex_lock(&Pm->lock);
    int cached = !Pm->busy;
    Pm->busy = 1;
    pthread_mutex_unlock(&Pm->lock);
    Work *works = calloc((size_t)T, sizeof(Work));
    pthread_t *tids = calloc((size_t)T, sizeof(pthread_t));
    double *gws = calloc((size_t)T * (size_t)(P->n_w + P->n_expr + 1), sizeof(double));
    cdouble *envs = calloc((size_t)T * (size_t)(P->env_total + 4 * P->n + 1), sizeof(cdouble));
    if (!works || !tids || !gws || !envs) {
        free(works), free(tids), free(gws), free(envs);
        if (cached) {
            pthread_mutex_lock(&Pm->lock);
            Pm->busy = 0;
            pthread_mutex_unlock(&Pm->lock);
        }
        return -1;
    }
    int failed = 0;
    for (int t = 0; t < T; t++) {
        Work *wk = works + t;
        wk->c = c;
        wk->tid = t;
        wk->u0 = units * t / T;
        wk->u1 = units * (t + 1) / T;
        wk->gw = gws + (size_t)t * (size_t)(P->n_w + P->n_expr + 1);
        wk->gex = wk->gw + P->n_w;
        wk->env = envs + (size_t)t * (size_t)(P->env_total + 4 * P->n + 1);
        wk->envpre = wk->env + P->env_total;
        wk->block = cached ? &Pm->blocks[t] : NULL;
        wk->block_size = cached ? &Pm->sizes[t] : NULL;
    }
    int *started = calloc((size_t)T, sizeof(int));
    if (!started) {
        free(works), free(tids), free(gws), free(envs);
        if (cached) {
            pthread_mutex_lock(&Pm->lock);
            Pm->busy = 0;
            pthread_mutex_unlock(&Pm->lock);
        }
        return -1;
    }
    for (int t = 1; t < T; t++) {
        if (pthread_create(&tids[t], NULL, run_work, works + t) == 0)
            started[t] = 1;
        else
            run_work(works + t); /* could not start a thread: run its share here */
    }
    run_work(works);
    for (int t = 1; t < T; t++)
        if (started[t]) pthread_join(tids[t], NULL);
    free(started);
    if (cached) {
        pthread_mutex_lock(&Pm->lock);
        Pm->busy = 0;
        pthread_mutex_unlock(&Pm->lock);
    }
    for (int t = 0; t < T; t++) failed |= works[t].failed;
    if (!failed && c->adjoint) {
        /* reduce */
        Work *w0 = works;
        for (int t = 1; t < T; t++) {
            for (int i = 0; i < P->n_w + P->n_expr; i++) w0->gw[i] += works[t].gw[i];
            for (int64_t i = 0; i < P->env_total + 4 * P->n; i++) w0->env[i] += works[t].env[i];
        }
        Acc acc = {w0->gw, w0->gex};
        if (!c->per_sample) {
            for (int o = 0; o < P->nops; o++) {
                const int32_t *r = P->op_i + (int64_t)o * OW;
                if (!r[5] || op_batched(c, o)) continue;
                const cdouble *E = w0->env + P->env_off[o];
                if (r[0] == OP_DIAG)
                    diag_grads(c, &acc, o, -1, E);
                else
                    dense_grads(c, &acc, r[2], r[3], r[1], -1, E);
            }
            for (int q = 0; q < P->n; q++) {
                const int32_t *pr = P->prefix_i + (int64_t)q * PRW;
                int split = prefix_split(c, q);
                if (pr[1] > split) dense_grads(c, &acc, split, pr[1], 1, -1, w0->envpre + 4 * q);
            }
        }
        if (c->per_sample) {
            /* nothing is summed */
        } else {
            for (int i = 0; i < P->n_w; i++) c->gw[i] += w0->gw[i];
        }
        for (int i = 0; i < P->n_expr; i++) c->gex[(int64_t)i * c->B] += w0->gex[i];
    }
    free(works), free(tids), free(gws), free(envs);
    return failed ? -1 : 0;
}

/* ---------------------------------------------------------------- Python methods */

typedef struct {
    Py_buffer view;
    int held;
} Buf;

static int get_buf(PyObject *obj, Buf *b, int writable, const char *what) {
    b->held = 0;
    if (obj == Py_None) return 0;
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, &b->view, flags) < 0) {
        PyErr_Format(PyExc_TypeError, "%s: expected a C-contiguous%s array", what,
                     writable ? " writable" : "");
        return -1;
    }
    b->held = 1;
    return 0;
}

static void rel(Buf *b) {
    if (b->held) PyBuffer_Release(&b->view);
    b->held = 0;
}

static int check_len(Buf *b, Py_ssize_t n, const char *what) {
    if (!b->held) return 0;
    if (b->view.len != n) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd bytes, got %zd", what, n, b->view.len);
        return -1;
    }
    return 0;
}

/* Shared parts of a call: angles, shared gate matrices, shared op payloads. */
static int prepare(Ctx *c) {
    Program *P = c->P;
    c->theta = malloc(sizeof(double) * (size_t)(P->nslots ? P->nslots : 1) * (size_t)c->B);
    c->gm = malloc(sizeof(cdouble) * 16 * (size_t)(P->ngates + 1));
    c->gdm = malloc(sizeof(cdouble) * 16 * (size_t)(P->ngates + 1));
    c->shared_payload = c->dbl ? malloc(sizeof(double) * (size_t)(P->payload_total + 1)) : NULL;
    c->shared_payload_f = c->dbl ? NULL : malloc(sizeof(float) * (size_t)(P->payload_total + 1));
    if (!c->theta || !c->gm || !c->gdm || (!c->shared_payload && !c->shared_payload_f)) return -1;
    c->ptail = malloc(sizeof(cdouble) * 4 * (size_t)P->n);
    if (!c->ptail) return -1;
    fill_theta(c);
    for (int g = 0; g < P->ngates; g++)
        if (!gate_batched(c, g)) gate_eval(c, g, 0, c->gm + (int64_t)g * 16, c->gdm + (int64_t)g * 16);
    for (int o = 0; o < P->nops; o++) {
        if (op_batched(c, o)) continue;
        int64_t off = P->payload_off[o];
        op_payload(c, o, 0, c->dbl ? c->shared_payload + off : NULL,
                   c->dbl ? NULL : c->shared_payload_f + off);
    }
    for (int q = 0; q < P->n; q++) prefix_tail(c, q, c->ptail + 4 * q);
    c->tail_params = 0;
    c->head_weights = 0;
    for (int q = 0; q < P->n; q++) {
        const int32_t *pr = P->prefix_i + (int64_t)q * PRW;
        int split = prefix_split(c, q);
        for (int g = split; g < pr[1]; g++) c->tail_params |= P->gate_i[(int64_t)g * GW + 3] >= 0;
        for (int g = pr[0]; g < split; g++) {
            int slot = P->gate_i[(int64_t)g * GW + 3];
            int kind = slot >= 0 ? P->slot_i[(int64_t)slot * SW] : S_INPUT;
            if (kind != S_INPUT && kind != S_BILIN) c->head_weights |= (uint64_t)1 << q;
        }
    }
    return 0;
}

static void release(Ctx *c) {
    free(c->theta);
    free(c->gm);
    free(c->gdm);
    free(c->ptail);
    free(c->shared_payload);
    free(c->shared_payload_f);
}

static int parse_common(Program *self, PyObject *ox, PyObject *ow, PyObject *oextra,
                        PyObject *otheta, Buf *bx, Buf *bw, Buf *be, Buf *bt, int B) {
    if (get_buf(ox, bx, 0, "x") < 0 || check_len(bx, (Py_ssize_t)B * self->n_in * 8, "x") < 0)
        return -1;
    if (get_buf(ow, bw, 0, "w") < 0 || check_len(bw, (Py_ssize_t)self->n_w * 8, "w") < 0) return -1;
    if (get_buf(oextra, be, 0, "extra") < 0 ||
        check_len(be, (Py_ssize_t)self->n_expr * B * 8, "extra") < 0)
        return -1;
    if (get_buf(otheta, bt, 0, "theta") < 0 ||
        check_len(bt, (Py_ssize_t)self->nslots * B * 8, "theta") < 0)
        return -1;
    if (self->n_expr && !be->held && !bt->held) {
        PyErr_SetString(PyExc_ValueError, "extra slot values are required");
        return -1;
    }
    return 0;
}

static int state_kind(Buf *b, int64_t n_amp, int *dbl, const char *what) {
    Py_ssize_t item = b->view.itemsize;
    if (item != 16 && item != 8) {
        PyErr_Format(PyExc_TypeError, "%s: expected complex128 or complex64", what);
        return -1;
    }
    if (b->view.len != (Py_ssize_t)(n_amp * item)) {
        PyErr_Format(PyExc_ValueError, "%s: wrong size", what);
        return -1;
    }
    *dbl = item == 16;
    return 0;
}

static int parse_readout(Program *self, PyObject *odiag, PyObject *other, int B, int K, Buf *bd,
                         Buf *bv, int writable, const char *what) {
    bd->held = bv->held = 0;
    if (K < 0) {
        PyErr_SetString(PyExc_ValueError, "readout width");
        return -1;
    }
    if (get_buf(odiag, bd, 0, "diag") < 0 ||
        check_len(bd, (Py_ssize_t)K * 8 << self->n, "diag") < 0)
        return -1;
    if (get_buf(other, bv, writable, what) < 0 || check_len(bv, (Py_ssize_t)B * K * 8, what) < 0)
        return -1;
    if (bv->held && !bd->held) {
        PyErr_SetString(PyExc_ValueError, "a readout needs its diagonal");
        return -1;
    }
    return 0;
}

/* A tape: what a forward run leaves for its adjoint sweep (the call's angles, matrices and
 * payloads, each op's input state, the prefix vectors), so the sweep recomputes nothing. */
typedef struct {
    PyObject_HEAD Program *P;
    Ctx c;
    void *block; /* snapshots, prefix vectors and heads */
    size_t size;
    double *x; /* the run's inputs (bilinear slots' chain rule), or NULL */
} Tape;

static void Tape_dealloc(Tape *self) {
    if (self->P) {
        Program *P = self->P;
        pthread_mutex_lock(&P->lock);
        if (self->block && self->size >= P->tape_size) { /* keep the larger block for reuse */
            free(P->tape_block);
            P->tape_block = self->block;
            P->tape_size = self->size;
            self->block = NULL;
        }
        pthread_mutex_unlock(&P->lock);
        release(&self->c);
        Py_DECREF((PyObject *)P);
    }
    free(self->block);
    free(self->x);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject TapeType;

static PyObject *Program_forward(Program *self, PyObject *args) {
    PyObject *ox, *ow, *oextra, *otheta, *oout, *odiag, *ovalues;
    int B, K, threads, keep;
    if (!PyArg_ParseTuple(args, "iOOOOOOiOii", &B, &ox, &ow, &oextra, &otheta, &oout, &odiag, &K,
                          &ovalues, &threads, &keep))
        return NULL;
    if (B < 1) {
        PyErr_SetString(PyExc_ValueError, "empty batch");
        return NULL;
    }
    Buf bx, bw, be, bt, bo, bd, bv;
    bo.held = bd.held = bv.held = 0;
    Ctx c;
    memset(&c, 0, sizeof(c));
    PyObject *result = NULL;
    Tape *tape = NULL;
    void *block = NULL;
    size_t size = 0;
    if (parse_common(self, ox, ow, oextra, otheta, &bx, &bw, &be, &bt, B) < 0) goto done;
    if (get_buf(oout, &bo, 1, "out") < 0) goto done;
    if (state_kind(&bo, (int64_t)B << self->n, &c.dbl, "out") < 0) goto done;
    if (parse_readout(self, odiag, ovalues, B, K, &bd, &bv, 1, "values") < 0) goto done;
    c.diag = bd.held ? bd.view.buf : NULL;
    c.K = K;
    c.values = bv.held ? bv.view.buf : NULL;
    c.P = self;
    c.B = B;
    c.x = bx.held ? bx.view.buf : NULL;
    c.w = bw.held ? bw.view.buf : NULL;
    c.extra = be.held ? be.view.buf : NULL;
    c.theta_in = bt.held ? bt.view.buf : NULL;
    c.explicit_theta = bt.held;
    c.inputs = 1;
    c.psi = bo.view.buf;
    c.nthreads = threads;
    if (keep & 2) { /* check that the inputs and weights are finite (the caller's fast path) */
        int64_t nx = (int64_t)B * self->n_in;
        int ok = 1;
        for (int64_t i = 0; i < nx; i++) ok &= isfinite(c.x[i]) != 0;
        for (int64_t i = 0; i < self->n_w; i++) ok &= isfinite(c.w[i]) != 0;
        if (!ok) {
            PyErr_SetString(PyExc_FloatingPointError, "inputs or weights are not finite");
            goto done;
        }
    }
    keep &= 1;
    if (keep && self->grouped && !bt.held) {
        tape = PyObject_New(Tape, &TapeType);
        if (!tape) goto done;
        tape->P = NULL;
        tape->block = NULL;
        tape->x = NULL;
        int64_t dim = (int64_t)1 << self->n;
        size_t snap = (size_t)self->nsnap * (size_t)B * (size_t)dim * 2 * (c.dbl ? 8 : 4);
        size = snap + (size_t)B * 6 * (size_t)self->n * sizeof(cdouble) + 64;
        pthread_mutex_lock(&self->lock);
        if (self->tape_block && self->tape_size >= size) {
            block = self->tape_block;
            size = self->tape_size;
            self->tape_block = NULL;
            self->tape_size = 0;
        }
        pthread_mutex_unlock(&self->lock);
        if (!block) block = malloc(size);
        if (!block) {
            PyErr_NoMemory();
            goto done;
        }
        c.snap = block;
        c.tvecs = (cdouble *)((char *)block + ((snap + 63) & ~(size_t)63));
        c.theads = c.tvecs + (size_t)B * 2 * self->n;
    }
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = prepare(&c);
    if (rc == 0) rc = execute(&c);
    Py_END_ALLOW_THREADS if (rc < 0) {
        PyErr_NoMemory();
        goto done;
    }
    if (tape && self->bilin && c.x) { /* the chain rule of a bilinear slot reads the inputs */
        size_t nx = sizeof(double) * (size_t)B * (size_t)self->n_in;
        tape->x = malloc(nx ? nx : 1);
        if (!tape->x) {
            PyErr_NoMemory();
            goto done;
        }
        memcpy(tape->x, c.x, nx);
    }
    if (tape) {
        Py_INCREF((PyObject *)self);
        tape->P = self;
        tape->c = c; /* the tape owns the call's angles, matrices and payloads now */
        tape->c.x = tape->x;
        tape->c.w = tape->c.extra = tape->c.theta_in = NULL;
        tape->c.psi = tape->c.lam = NULL;
        tape->c.values = NULL;
        tape->c.diag = NULL;
        tape->block = block;
        tape->size = size;
        block = NULL;
        memset(&c, 0, sizeof(c));
        result = (PyObject *)tape;
        tape = NULL;
    } else {
        result = Py_None;
        Py_INCREF(result);
    }
done:
    release(&c);
    free(block);
    if (tape) {
        tape->P = NULL;
        Py_DECREF((PyObject *)tape);
    }
    rel(&bx), rel(&bw), rel(&be), rel(&bt), rel(&bo), rel(&bd), rel(&bv);
    return result;
}

/* Tape.adjoint(psi, lam, diag, K, cot, per_sample, inputs, gw, gx, gex, threads): the adjoint
 * sweep of the run that made the tape (psi: its final states, read only). */
static PyObject *Tape_adjoint(Tape *self, PyObject *args) {
    PyObject *opsi, *olam, *odiag, *ocot, *ogw, *ogx, *ogex;
    int K, per_sample, inputs, threads;
    if (!PyArg_ParseTuple(args, "OOOiOiiOOOi", &opsi, &olam, &odiag, &K, &ocot, &per_sample,
                          &inputs, &ogw, &ogx, &ogex, &threads))
        return NULL;
    Program *P = self->P;
    if (!P) {
        PyErr_SetString(PyExc_ValueError, "empty tape");
        return NULL;
    }
    int B = self->c.B, dbl;
    Buf bp, bl, bd, bc, bgw, bgx, bge;
    bp.held = bl.held = bd.held = bc.held = bgw.held = bgx.held = bge.held = 0;
    PyObject *result = NULL;
    Ctx c = self->c;
    if (get_buf(opsi, &bp, 0, "psi") < 0 || get_buf(olam, &bl, 1, "lam") < 0) goto done;
    if (parse_readout(P, odiag, ocot, B, K, &bd, &bc, 0, "cot") < 0) goto done;
    if (!bp.held || (!bl.held && !bc.held)) {
        PyErr_SetString(PyExc_ValueError, "psi and lam (or a readout cotangent) are required");
        goto done;
    }
    if (state_kind(&bp, (int64_t)B << P->n, &dbl, "psi") < 0) goto done;
    if (dbl != c.dbl || (bl.held && (state_kind(&bl, (int64_t)B << P->n, &dbl, "lam") < 0 ||
                                     dbl != c.dbl))) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "dtype differs from the run's");
        goto done;
    }
    if (get_buf(ogw, &bgw, 1, "gw") < 0 ||
        check_len(&bgw, (Py_ssize_t)P->n_w * 8 * (per_sample ? B : 1), "gw") < 0)
        goto done;
    if (get_buf(ogx, &bgx, 1, "gx") < 0 || check_len(&bgx, (Py_ssize_t)B * P->n_in * 8, "gx") < 0)
        goto done;
    if (get_buf(ogex, &bge, 1, "gex") < 0 ||
        check_len(&bge, (Py_ssize_t)P->n_expr * B * 8, "gex") < 0)
        goto done;
    if ((P->n_w && !bgw.held) || (P->n_in && inputs && !bgx.held) || (P->n_expr && !bge.held)) {
        PyErr_SetString(PyExc_ValueError, "gradient outputs are required");
        goto done;
    }
    c.adjoint = 1;
    c.use_tape = 1;
    c.per_sample = per_sample;
    c.inputs = inputs;
    c.psi = bp.view.buf;
    c.lam = bl.held ? bl.view.buf : NULL;
    c.diag = bd.held ? bd.view.buf : NULL;
    c.K = K;
    c.cot = bc.held ? bc.view.buf : NULL;
    c.gw = bgw.held ? bgw.view.buf : NULL;
    c.gx = bgx.held ? bgx.view.buf : NULL;
    c.gex = bge.held ? bge.view.buf : NULL;
    c.nthreads = threads;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = execute(&c);
    Py_END_ALLOW_THREADS if (rc < 0) {
        PyErr_NoMemory();
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    rel(&bp), rel(&bl), rel(&bd), rel(&bc), rel(&bgw), rel(&bgx), rel(&bge);
    return result;
}

static PyMethodDef Tape_methods[] = {
    {"adjoint", (PyCFunction)Tape_adjoint, METH_VARARGS,
     "adjoint(psi, lam, diag, K, cot, per_sample, inputs, gw, gx, gex, threads)"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject TapeType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "qlang.sim._executor.Tape",
    .tp_basicsize = sizeof(Tape),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)Tape_dealloc,
    .tp_methods = Tape_methods,
    .tp_doc = "What a forward run leaves for its adjoint sweep (Program.forward(..., keep=1)).",
};

static PyObject *Program_adjoint(Program *self, PyObject *args) {
    PyObject *ox, *ow, *oextra, *otheta, *opsi, *olam, *odiag, *ocot, *ogw, *ogx, *ogex;
    int B, K, per_sample, inputs, threads;
    if (!PyArg_ParseTuple(args, "iOOOOOOOiOiiOOOi", &B, &ox, &ow, &oextra, &otheta, &opsi, &olam,
                          &odiag, &K, &ocot, &per_sample, &inputs, &ogw, &ogx, &ogex, &threads))
        return NULL;
    if (B < 1) {
        PyErr_SetString(PyExc_ValueError, "empty batch");
        return NULL;
    }
    Buf bx, bw, be, bt, bp, bl, bgw, bgx, bge, bd, bc;
    bp.held = bl.held = bgw.held = bgx.held = bge.held = bd.held = bc.held = 0;
    Ctx c;
    memset(&c, 0, sizeof(c));
    PyObject *result = NULL;
    int dbl2;
    if (parse_common(self, ox, ow, oextra, otheta, &bx, &bw, &be, &bt, B) < 0) goto done;
    if (get_buf(opsi, &bp, 1, "psi") < 0 || get_buf(olam, &bl, 1, "lam") < 0) goto done;
    if (parse_readout(self, odiag, ocot, B, K, &bd, &bc, 0, "cot") < 0) goto done;
    if (!bp.held || (!bl.held && !bc.held)) {
        PyErr_SetString(PyExc_ValueError, "psi and lam (or a readout cotangent) are required");
        goto done;
    }
    if (state_kind(&bp, (int64_t)B << self->n, &c.dbl, "psi") < 0) goto done;
    if (bl.held) {
        if (state_kind(&bl, (int64_t)B << self->n, &dbl2, "lam") < 0) goto done;
        if (dbl2 != c.dbl) {
            PyErr_SetString(PyExc_TypeError, "psi and lam must have the same dtype");
            goto done;
        }
    }
    c.diag = bd.held ? bd.view.buf : NULL;
    c.K = K;
    c.cot = bc.held ? bc.view.buf : NULL;
    if (get_buf(ogw, &bgw, 1, "gw") < 0 ||
        check_len(&bgw, (Py_ssize_t)self->n_w * 8 * (per_sample ? B : 1), "gw") < 0)
        goto done;
    if (get_buf(ogx, &bgx, 1, "gx") < 0 || check_len(&bgx, (Py_ssize_t)B * self->n_in * 8, "gx") < 0)
        goto done;
    if (get_buf(ogex, &bge, 1, "gex") < 0 ||
        check_len(&bge, (Py_ssize_t)self->n_expr * B * 8, "gex") < 0)
        goto done;
    if ((self->n_w && !bgw.held) || (self->n_in && inputs && !bgx.held) ||
        (self->n_expr && !bge.held)) {
        PyErr_SetString(PyExc_ValueError, "gradient outputs are required");
        goto done;
    }
    c.P = self;
    c.B = B;
    c.adjoint = 1;
    c.per_sample = per_sample;
    c.x = bx.held ? bx.view.buf : NULL;
    c.w = bw.held ? bw.view.buf : NULL;
    c.extra = be.held ? be.view.buf : NULL;
    c.theta_in = bt.held ? bt.view.buf : NULL;
    c.explicit_theta = bt.held;
    c.inputs = inputs;
    c.psi = bp.view.buf;
    c.lam = bl.held ? bl.view.buf : NULL;
    c.gw = bgw.held ? bgw.view.buf : NULL;
    c.gx = bgx.held ? bgx.view.buf : NULL;
    c.gex = bge.held ? bge.view.buf : NULL;
    c.nthreads = threads;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = prepare(&c);
    if (rc == 0) rc = execute(&c);
    Py_END_ALLOW_THREADS if (rc < 0) {
        PyErr_NoMemory();
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    release(&c);
    rel(&bx), rel(&bw), rel(&be), rel(&bt), rel(&bp), rel(&bl), rel(&bgw), rel(&bgx), rel(&bge);
    rel(&bd), rel(&bc);
    return result;
}

/* encoding_paths(): per op, the forward fast path it takes in whole-state runs: 0 the
 * general kernels, 1 a diagonal op by doubling, 2 part of a Hadamard layer, 3 the first
 * diagonal op with the product state folded in (runs without a tape). */
static PyObject *Program_encoding_paths(Program *self, PyObject *unused) {
    (void)unused;
    PyObject *t = PyTuple_New(self->nops);
    if (!t) return NULL;
    for (int o = 0; o < self->nops; o++) {
        const int32_t *r = self->op_i + (int64_t)o * OW;
        int kind = 0;
        if (self->grouped && self->hada[o]) kind = 2;
        if (self->grouped && r[0] == OP_DIAG && self->dplan[o].ok)
            kind = o == 0 && self->diag_direct[0] && r[1] == self->n ? 3 : 1;
        PyTuple_SET_ITEM(t, o, PyLong_FromLong(kind));
    }
    return t;
}

/* lanes(): whether forward runs (complex128, no tape) take the lane path. */
static PyObject *Program_lanes(Program *self, PyObject *unused) {
    (void)unused;
    return PyBool_FromLong(self->lanes);
}

static PyMethodDef Program_methods[] = {
    {"encoding_paths", (PyCFunction)Program_encoding_paths, METH_NOARGS,
     "encoding_paths(): per op, 0 general, 1 diagonal by doubling, 2 Hadamard layer, 3 "
     "diagonal with the product state folded in"},
    {"lanes", (PyCFunction)Program_lanes, METH_NOARGS,
     "lanes(): forward runs (complex128, no tape) take the lane path (four samples per vector)"},
    {"forward", (PyCFunction)Program_forward, METH_VARARGS,
     "forward(B, x, w, extra, theta, out, diag, K, values, threads, keep): final states into "
     "out (and values = |out|^2 @ diag); keep: returns a Tape for the adjoint sweep"},
    {"adjoint", (PyCFunction)Program_adjoint, METH_VARARGS,
     "adjoint(B, x, w, extra, theta, psi, lam, diag, K, cot, per_sample, inputs, gw, gx, gex, "
     "threads): gradients (lam None: psi * (diag @ cot))"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ProgramType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "qlang.sim._executor.Program",
    .tp_basicsize = sizeof(Program),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Program_init,
    .tp_dealloc = (destructor)Program_dealloc,
    .tp_methods = Program_methods,
    .tp_doc = "A fused program: forward runs and adjoint gradients (see the module source).",
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_executor",
                                    "The compiled executor of qlang.sim.", -1, NULL};

PyMODINIT_FUNC PyInit__executor(void) {
    if (PyType_Ready(&ProgramType) < 0 || PyType_Ready(&TapeType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    Py_INCREF(&ProgramType);
    if (PyModule_AddObject(m, "Program", (PyObject *)&ProgramType) < 0) {
        Py_DECREF(&ProgramType);
        Py_DECREF(m);
        return NULL;
    }
    PyModule_AddIntConstant(m, "MAXQ", MAXQ);
    PyModule_AddIntConstant(m, "MAXN", MAXN);
    /* the interface version: executor.py uses the module only when it matches (a build left
       over from an older source falls back to the reference engine instead of failing) */
    PyModule_AddIntConstant(m, "ABI", 5);
    return m;
}

#else /* QL_TEMPLATE: kernels and executors for one state precision (real) */

/* Vectors of 32 bytes (GCC vector extensions: AVX2 in the x86-64-v3 clones, two SSE2
 * halves otherwise): CPV complex numbers, interleaved (re, im). */
#ifdef QL_DOUBLE
typedef double F(vr) __attribute__((vector_size(32)));
typedef long long F(vm) __attribute__((vector_size(32)));
#define CPV 2
#define LOGCPV 1
#define SWRI_MASK {1, 0, 3, 2}
#define SIGN_INIT {-1, 1, -1, 1}
#define PERM0_MASK {2, 3, 0, 1}
#define PERM1_MASK {2, 3, 0, 1} /* unused */
#else
typedef float F(vr) __attribute__((vector_size(32)));
typedef int F(vm) __attribute__((vector_size(32)));
#define CPV 4
#define LOGCPV 2
#define SWRI_MASK {1, 0, 3, 2, 5, 4, 7, 6}
#define SIGN_INIT {-1, 1, -1, 1, -1, 1, -1, 1}
#define PERM0_MASK {2, 3, 0, 1, 6, 7, 4, 5}
#define PERM1_MASK {4, 5, 6, 7, 0, 1, 2, 3}
#endif
#define VR F(vr)
#define VM F(vm)

static inline VR F(ld)(const real *p) {
    VR v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void F(sto)(real *p, VR v) { memcpy(p, &v, sizeof v); }
static inline VR F(swri)(VR v) { return __builtin_shuffle(v, (VM)SWRI_MASK); }
/* complex lane c <-> c ^ (1 << t), for t < LOGCPV */
static inline VR F(perm_t)(VR v, int t) {
    return t == 0 ? __builtin_shuffle(v, (VM)PERM0_MASK) : __builtin_shuffle(v, (VM)PERM1_MASK);
}
static inline VR F(splat)(real x) { return (VR){0} + x; }
static inline VR F(isplat)(real x) { return (VR)SIGN_INIT * x; }
/* lane-patterned complex vector: complex lane c takes a if bit t of c is 0, else b */
static void F(lanes)(real ar, real ai, real br, real bi, int t, VR *re, VR *im) {
    real r[2 * CPV], i[2 * CPV];
    for (int c = 0; c < CPV; c++) {
        int hi = (c >> t) & 1;
        r[2 * c] = r[2 * c + 1] = hi ? br : ar;
        i[2 * c] = -(hi ? bi : ai);
        i[2 * c + 1] = hi ? bi : ai;
    }
    memcpy(re, r, sizeof r);
    memcpy(im, i, sizeof i);
}
/* sum of p conj(l) over lanes (c restricted by sel: -1 all, 0/1 lanes with bit t = sel) */
static void F(lane_sum)(VR A, VR Bv, int t, int sel, double *re, double *im) {
    real a[2 * CPV], b[2 * CPV];
    memcpy(a, &A, sizeof a);
    memcpy(b, &Bv, sizeof b);
    for (int c = 0; c < CPV; c++) {
        if (sel >= 0 && ((c >> t) & 1) != sel) continue;
        *re += (double)a[2 * c] + (double)a[2 * c + 1];
        *im += (double)b[2 * c + 1] - (double)b[2 * c];
    }
}

static void F(k_apply1_scalar)(real *restrict s, int64_t N, int t, const real *restrict m) {
    const real m00r = m[0], m00i = m[1], m01r = m[2], m01i = m[3], m10r = m[4], m10i = m[5],
               m11r = m[6], m11i = m[7];
    int64_t st = (int64_t)1 << t;
    for (int64_t base = 0; base < N; base += 2 * st) {
        real *restrict a = s + 2 * base;
        real *restrict b = a + 2 * st;
        for (int64_t j = 0; j < st; j++) {
            real ar = a[2 * j], ai = a[2 * j + 1], br = b[2 * j], bi = b[2 * j + 1];
            a[2 * j] = m00r * ar - m00i * ai + m01r * br - m01i * bi;
            a[2 * j + 1] = m00r * ai + m00i * ar + m01r * bi + m01i * br;
            b[2 * j] = m10r * ar - m10i * ai + m11r * br - m11i * bi;
            b[2 * j + 1] = m10r * ai + m10i * ar + m11r * bi + m11i * br;
        }
    }
}

/* psi[i] for pairs (i, i + 2**t): out = M in, M = payload (8 reals, row-major). */
HOT static void F(k_apply1)(real *restrict s, int64_t N, int t, const real *restrict m) {
    if (N % (2 * CPV)) {
        F(k_apply1_scalar)(s, N, t, m);
        return;
    }
    if (t >= LOGCPV) {
        const VR a0r = F(splat)(m[0]), a0i = F(isplat)(m[1]), a1r = F(splat)(m[2]),
                 a1i = F(isplat)(m[3]), b0r = F(splat)(m[4]), b0i = F(isplat)(m[5]),
                 b1r = F(splat)(m[6]), b1i = F(isplat)(m[7]);
        int64_t st = (int64_t)1 << t;
        for (int64_t base = 0; base < N; base += 2 * st) {
            real *a = s + 2 * base, *b = a + 2 * st;
            for (int64_t j = 0; j < st; j += CPV) {
                VR pa = F(ld)(a + 2 * j), pb = F(ld)(b + 2 * j);
                VR sa = F(swri)(pa), sb = F(swri)(pb);
                F(sto)(a + 2 * j, a0r * pa + a0i * sa + a1r * pb + a1i * sb);
                F(sto)(b + 2 * j, b0r * pa + b0i * sa + b1r * pb + b1i * sb);
            }
        }
        return;
    }
    VR dr, di, or_, oi;
    F(lanes)(m[0], m[1], m[6], m[7], t, &dr, &di);  /* diagonal: m00 / m11 */
    F(lanes)(m[2], m[3], m[4], m[5], t, &or_, &oi); /* off-diagonal: m01 / m10 */
    for (int64_t i = 0; i < N; i += CPV) {
        VR v = F(ld)(s + 2 * i), w = F(perm_t)(v, t);
        F(sto)(s + 2 * i, dr * v + di * F(swri)(v) + or_ * w + oi * F(swri)(w));
    }
}

static void F(k_adj1_scalar)(real *restrict p, real *restrict l, int64_t N, int t,
                             const real *restrict m, double *restrict E) {
    const real m00r = m[0], m00i = m[1], m01r = m[2], m01i = m[3], m10r = m[4], m10i = m[5],
               m11r = m[6], m11i = m[7];
    double e[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t st = (int64_t)1 << t;
    for (int64_t base = 0; base < N; base += 2 * st) {
        real *pa = p + 2 * base, *pb = pa + 2 * st, *la = l + 2 * base, *lb = la + 2 * st;
        for (int64_t j = 0; j < st; j++) {
            real ar = pa[2 * j], ai = pa[2 * j + 1], br = pb[2 * j], bi = pb[2 * j + 1];
            real p0r = m00r * ar - m00i * ai + m01r * br - m01i * bi;
            real p0i = m00r * ai + m00i * ar + m01r * bi + m01i * br;
            real p1r = m10r * ar - m10i * ai + m11r * br - m11i * bi;
            real p1i = m10r * ai + m10i * ar + m11r * bi + m11i * br;
            real cr = la[2 * j], ci = la[2 * j + 1], dr = lb[2 * j], di = lb[2 * j + 1];
            e[0] += (double)(p0r * cr + p0i * ci), e[1] += (double)(p0i * cr - p0r * ci);
            e[2] += (double)(p0r * dr + p0i * di), e[3] += (double)(p0i * dr - p0r * di);
            e[4] += (double)(p1r * cr + p1i * ci), e[5] += (double)(p1i * cr - p1r * ci);
            e[6] += (double)(p1r * dr + p1i * di), e[7] += (double)(p1i * dr - p1r * di);
            pa[2 * j] = p0r, pa[2 * j + 1] = p0i, pb[2 * j] = p1r, pb[2 * j + 1] = p1i;
            la[2 * j] = m00r * cr - m00i * ci + m01r * dr - m01i * di;
            la[2 * j + 1] = m00r * ci + m00i * cr + m01r * di + m01i * dr;
            lb[2 * j] = m10r * cr - m10i * ci + m11r * dr - m11i * di;
            lb[2 * j + 1] = m10r * ci + m10i * cr + m11r * di + m11i * dr;
        }
    }
    for (int i = 0; i < 8; i++) E[i] += e[i];
}

/* Vector accumulators are flushed to double every FLUSH iterations (complex64 keeps its
 * sums accurate; for complex128 the flush only reorders additions). */
#define FLUSH 256

/* Adjoint step of a one-qubit op: p <- M p, E[j][i] += p[j] conj(l[i]), l <- M l (M = V^+). */
HOT static void F(k_adj1)(real *restrict p, real *restrict l, int64_t N, int t,
                          const real *restrict m, double *restrict E) {
    if (N % (2 * CPV)) {
        F(k_adj1_scalar)(p, l, N, t, m, E);
        return;
    }
    const VR zero = {0};
    if (t >= LOGCPV) {
        const VR a0r = F(splat)(m[0]), a0i = F(isplat)(m[1]), a1r = F(splat)(m[2]),
                 a1i = F(isplat)(m[3]), b0r = F(splat)(m[4]), b0i = F(isplat)(m[5]),
                 b1r = F(splat)(m[6]), b1i = F(isplat)(m[7]);
        VR A00 = zero, B00 = zero, A01 = zero, B01 = zero, A10 = zero, B10 = zero, A11 = zero,
           B11 = zero;
        int count = 0;
        int64_t st = (int64_t)1 << t;
        for (int64_t base = 0; base < N; base += 2 * st) {
            real *pa = p + 2 * base, *pb = pa + 2 * st, *la = l + 2 * base, *lb = la + 2 * st;
            for (int64_t j = 0; j < st; j += CPV) {
                VR xa = F(ld)(pa + 2 * j), xb = F(ld)(pb + 2 * j);
                VR ya = F(ld)(la + 2 * j), yb = F(ld)(lb + 2 * j);
                VR sxa = F(swri)(xa), sxb = F(swri)(xb), sya = F(swri)(ya), syb = F(swri)(yb);
                VR p0 = a0r * xa + a0i * sxa + a1r * xb + a1i * sxb;
                VR p1 = b0r * xa + b0i * sxa + b1r * xb + b1i * sxb;
                A00 += p0 * ya, B00 += p0 * sya, A01 += p0 * yb, B01 += p0 * syb;
                A10 += p1 * ya, B10 += p1 * sya, A11 += p1 * yb, B11 += p1 * syb;
                F(sto)(pa + 2 * j, p0);
                F(sto)(pb + 2 * j, p1);
                F(sto)(la + 2 * j, a0r * ya + a0i * sya + a1r * yb + a1i * syb);
                F(sto)(lb + 2 * j, b0r * ya + b0i * sya + b1r * yb + b1i * syb);
                if (++count == FLUSH) {
                    F(lane_sum)(A00, B00, t, -1, E + 0, E + 1);
                    F(lane_sum)(A01, B01, t, -1, E + 2, E + 3);
                    F(lane_sum)(A10, B10, t, -1, E + 4, E + 5);
                    F(lane_sum)(A11, B11, t, -1, E + 6, E + 7);
                    A00 = B00 = A01 = B01 = A10 = B10 = A11 = B11 = zero;
                    count = 0;
                }
            }
        }
        F(lane_sum)(A00, B00, t, -1, E + 0, E + 1);
        F(lane_sum)(A01, B01, t, -1, E + 2, E + 3);
        F(lane_sum)(A10, B10, t, -1, E + 4, E + 5);
        F(lane_sum)(A11, B11, t, -1, E + 6, E + 7);
        return;
    }
    /* partners inside one vector */
    VR dr, di, or_, oi;
    F(lanes)(m[0], m[1], m[6], m[7], t, &dr, &di);
    F(lanes)(m[2], m[3], m[4], m[5], t, &or_, &oi);
    VR A1 = zero, B1 = zero, A2 = zero, B2 = zero;
    int count = 0;
    for (int64_t i = 0; i < N; i += CPV) {
        VR x = F(ld)(p + 2 * i), xw = F(perm_t)(x, t);
        VR y = F(ld)(l + 2 * i), yw = F(perm_t)(y, t);
        VR pn = dr * x + di * F(swri)(x) + or_ * xw + oi * F(swri)(xw);
        VR sy = F(swri)(y), syw = F(swri)(yw);
        A1 += pn * y, B1 += pn * sy, A2 += pn * yw, B2 += pn * syw;
        F(sto)(p + 2 * i, pn);
        F(sto)(l + 2 * i, dr * y + di * sy + or_ * yw + oi * syw);
        if (++count == FLUSH) {
            F(lane_sum)(A1, B1, t, 0, E + 0, E + 1); /* E00: p0 conj l0 */
            F(lane_sum)(A1, B1, t, 1, E + 6, E + 7); /* E11 */
            F(lane_sum)(A2, B2, t, 0, E + 2, E + 3); /* E01: p0 conj l1 */
            F(lane_sum)(A2, B2, t, 1, E + 4, E + 5); /* E10 */
            A1 = B1 = A2 = B2 = zero;
            count = 0;
        }
    }
    F(lane_sum)(A1, B1, t, 0, E + 0, E + 1);
    F(lane_sum)(A1, B1, t, 1, E + 6, E + 7);
    F(lane_sum)(A2, B2, t, 0, E + 2, E + 3);
    F(lane_sum)(A2, B2, t, 1, E + 4, E + 5);
}

/* Adjoint step from a stored state: E[j][i] += s[j] conj(l[i]) (s = the state before the
 * op, read only), l <- M l (M = V^+). */
static void F(k_env1_scalar)(const real *restrict sp, real *restrict l, int64_t N, int t,
                             const real *restrict m, double *restrict E) {
    const real m00r = m[0], m00i = m[1], m01r = m[2], m01i = m[3], m10r = m[4], m10i = m[5],
               m11r = m[6], m11i = m[7];
    double e[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t st = (int64_t)1 << t;
    for (int64_t base = 0; base < N; base += 2 * st) {
        const real *pa = sp + 2 * base, *pb = pa + 2 * st;
        real *la = l + 2 * base, *lb = la + 2 * st;
        for (int64_t j = 0; j < st; j++) {
            real p0r = pa[2 * j], p0i = pa[2 * j + 1], p1r = pb[2 * j], p1i = pb[2 * j + 1];
            real cr = la[2 * j], ci = la[2 * j + 1], dr = lb[2 * j], di = lb[2 * j + 1];
            e[0] += (double)(p0r * cr + p0i * ci), e[1] += (double)(p0i * cr - p0r * ci);
            e[2] += (double)(p0r * dr + p0i * di), e[3] += (double)(p0i * dr - p0r * di);
            e[4] += (double)(p1r * cr + p1i * ci), e[5] += (double)(p1i * cr - p1r * ci);
            e[6] += (double)(p1r * dr + p1i * di), e[7] += (double)(p1i * dr - p1r * di);
            la[2 * j] = m00r * cr - m00i * ci + m01r * dr - m01i * di;
            la[2 * j + 1] = m00r * ci + m00i * cr + m01r * di + m01i * dr;
            lb[2 * j] = m10r * cr - m10i * ci + m11r * dr - m11i * di;
            lb[2 * j + 1] = m10r * ci + m10i * cr + m11r * di + m11i * dr;
        }
    }
    for (int i = 0; i < 8; i++) E[i] += e[i];
}

HOT static void F(k_env1)(const real *restrict sp, real *restrict l, int64_t N, int t,
                          const real *restrict m, double *restrict E) {
    if (N % (2 * CPV)) {
        F(k_env1_scalar)(sp, l, N, t, m, E);
        return;
    }
    const VR zero = {0};
    if (t >= LOGCPV) {
        const VR a0r = F(splat)(m[0]), a0i = F(isplat)(m[1]), a1r = F(splat)(m[2]),
                 a1i = F(isplat)(m[3]), b0r = F(splat)(m[4]), b0i = F(isplat)(m[5]),
                 b1r = F(splat)(m[6]), b1i = F(isplat)(m[7]);
        VR A00 = zero, B00 = zero, A01 = zero, B01 = zero, A10 = zero, B10 = zero, A11 = zero,
           B11 = zero;
        int count = 0;
        int64_t st = (int64_t)1 << t;
        for (int64_t base = 0; base < N; base += 2 * st) {
            const real *pa = sp + 2 * base, *pb = pa + 2 * st;
            real *la = l + 2 * base, *lb = la + 2 * st;
            for (int64_t j = 0; j < st; j += CPV) {
                VR p0 = F(ld)(pa + 2 * j), p1 = F(ld)(pb + 2 * j);
                VR ya = F(ld)(la + 2 * j), yb = F(ld)(lb + 2 * j);
                VR sya = F(swri)(ya), syb = F(swri)(yb);
                A00 += p0 * ya, B00 += p0 * sya, A01 += p0 * yb, B01 += p0 * syb;
                A10 += p1 * ya, B10 += p1 * sya, A11 += p1 * yb, B11 += p1 * syb;
                F(sto)(la + 2 * j, a0r * ya + a0i * sya + a1r * yb + a1i * syb);
                F(sto)(lb + 2 * j, b0r * ya + b0i * sya + b1r * yb + b1i * syb);
                if (++count == FLUSH) {
                    F(lane_sum)(A00, B00, t, -1, E + 0, E + 1);
                    F(lane_sum)(A01, B01, t, -1, E + 2, E + 3);
                    F(lane_sum)(A10, B10, t, -1, E + 4, E + 5);
                    F(lane_sum)(A11, B11, t, -1, E + 6, E + 7);
                    A00 = B00 = A01 = B01 = A10 = B10 = A11 = B11 = zero;
                    count = 0;
                }
            }
        }
        F(lane_sum)(A00, B00, t, -1, E + 0, E + 1);
        F(lane_sum)(A01, B01, t, -1, E + 2, E + 3);
        F(lane_sum)(A10, B10, t, -1, E + 4, E + 5);
        F(lane_sum)(A11, B11, t, -1, E + 6, E + 7);
        return;
    }
    VR dr, di, or_, oi;
    F(lanes)(m[0], m[1], m[6], m[7], t, &dr, &di);
    F(lanes)(m[2], m[3], m[4], m[5], t, &or_, &oi);
    VR A1 = zero, B1 = zero, A2 = zero, B2 = zero;
    int count = 0;
    for (int64_t i = 0; i < N; i += CPV) {
        VR pn = F(ld)(sp + 2 * i);
        VR y = F(ld)(l + 2 * i), yw = F(perm_t)(y, t);
        VR sy = F(swri)(y), syw = F(swri)(yw);
        A1 += pn * y, B1 += pn * sy, A2 += pn * yw, B2 += pn * syw;
        F(sto)(l + 2 * i, dr * y + di * sy + or_ * yw + oi * syw);
        if (++count == FLUSH) {
            F(lane_sum)(A1, B1, t, 0, E + 0, E + 1);
            F(lane_sum)(A1, B1, t, 1, E + 6, E + 7);
            F(lane_sum)(A2, B2, t, 0, E + 2, E + 3);
            F(lane_sum)(A2, B2, t, 1, E + 4, E + 5);
            A1 = B1 = A2 = B2 = zero;
            count = 0;
        }
    }
    F(lane_sum)(A1, B1, t, 0, E + 0, E + 1);
    F(lane_sum)(A1, B1, t, 1, E + 6, E + 7);
    F(lane_sum)(A2, B2, t, 0, E + 2, E + 3);
    F(lane_sum)(A2, B2, t, 1, E + 4, E + 5);
}

/* 4x4 op on local bits a (op index bit 1) and b (op index bit 0). */
HOT static void F(k_apply2)(real *restrict s, int64_t N, int a, int b, const real *restrict m) {
    int hi = a > b ? a : b, lo = a > b ? b : a;
    int64_t sh = (int64_t)1 << hi, sl = (int64_t)1 << lo, ia = (int64_t)1 << a,
            ib = (int64_t)1 << b;
    for (int64_t i0 = 0; i0 < N; i0 += 2 * sh)
        for (int64_t i1 = i0; i1 < i0 + sh; i1 += 2 * sl)
            for (int64_t j = i1; j < i1 + sl; j++) {
                int64_t idx[4] = {j, j + ib, j + ia, j + ia + ib};
                real vr[4], vi[4];
                for (int r = 0; r < 4; r++) vr[r] = s[2 * idx[r]], vi[r] = s[2 * idx[r] + 1];
                for (int r = 0; r < 4; r++) {
                    real accr = 0, acci = 0;
                    for (int q = 0; q < 4; q++) {
                        real mr = m[2 * (4 * r + q)], mi = m[2 * (4 * r + q) + 1];
                        accr += mr * vr[q] - mi * vi[q];
                        acci += mr * vi[q] + mi * vr[q];
                    }
                    s[2 * idx[r]] = accr, s[2 * idx[r] + 1] = acci;
                }
            }
}

HOT static void F(k_adj2)(real *restrict p, real *restrict l, int64_t N, int a, int b,
                          const real *restrict m, double *restrict E) {
    int hi = a > b ? a : b, lo = a > b ? b : a;
    int64_t sh = (int64_t)1 << hi, sl = (int64_t)1 << lo, ia = (int64_t)1 << a,
            ib = (int64_t)1 << b;
    double acc[32];
    memset(acc, 0, sizeof(acc));
    for (int64_t i0 = 0; i0 < N; i0 += 2 * sh)
        for (int64_t i1 = i0; i1 < i0 + sh; i1 += 2 * sl)
            for (int64_t j = i1; j < i1 + sl; j++) {
                int64_t idx[4] = {j, j + ib, j + ia, j + ia + ib};
                real vr[4], vi[4], wr[4], wi[4], pr[4], pi[4];
                for (int r = 0; r < 4; r++) {
                    vr[r] = p[2 * idx[r]], vi[r] = p[2 * idx[r] + 1];
                    wr[r] = l[2 * idx[r]], wi[r] = l[2 * idx[r] + 1];
                }
                for (int r = 0; r < 4; r++) {
                    real accr = 0, acci = 0, lr = 0, li = 0;
                    for (int q = 0; q < 4; q++) {
                        real mr = m[2 * (4 * r + q)], mi = m[2 * (4 * r + q) + 1];
                        accr += mr * vr[q] - mi * vi[q];
                        acci += mr * vi[q] + mi * vr[q];
                        lr += mr * wr[q] - mi * wi[q];
                        li += mr * wi[q] + mi * wr[q];
                    }
                    pr[r] = accr, pi[r] = acci;
                    p[2 * idx[r]] = accr, p[2 * idx[r] + 1] = acci;
                    l[2 * idx[r]] = lr, l[2 * idx[r] + 1] = li;
                }
                for (int r = 0; r < 4; r++)
                    for (int q = 0; q < 4; q++) {
                        acc[2 * (4 * r + q)] += (double)(pr[r] * wr[q] + pi[r] * wi[q]);
                        acc[2 * (4 * r + q) + 1] += (double)(pi[r] * wr[q] - pr[r] * wi[q]);
                    }
            }
    for (int i = 0; i < 32; i++) E[i] += acc[i];
}

/* s[i] *= tab[idx(i)], idx from the low (c bits) and high tables of the local index. */
HOT static void F(k_diag)(real *restrict s, int64_t N, int64_t dim, const int32_t *restrict lo,
                          const int32_t *restrict hi, int c, const real *restrict tab) {
    int64_t run = (int64_t)1 << c;
    for (int64_t i0 = 0; i0 < N; i0 += run) {
        int32_t h = hi[(i0 & (dim - 1)) >> c];
        real *restrict q = s + 2 * i0;
        for (int64_t j = 0; j < run; j++) {
            int32_t k = h | lo[j];
            real tr = tab[2 * k], ti = tab[2 * k + 1], ar = q[2 * j], ai = q[2 * j + 1];
            q[2 * j] = tr * ar - ti * ai;
            q[2 * j + 1] = tr * ai + ti * ar;
        }
    }
}

/* s[i] *= T[idx(i)] for one sample: contiguous for a table in state order, else through
 * the op's index tables. */
HOT static void F(apply_table)(const Program *P, int o, real *restrict s, int64_t dim,
                               const double *restrict Tr, const double *restrict Ti) {
    const int32_t *r = P->op_i + (int64_t)o * OW;
    if (P->diag_direct[o]) {
        for (int64_t i = 0; i < dim; i++) {
            double tr = Tr[i], ti = Ti[i], ar = s[2 * i], ai = s[2 * i + 1];
            s[2 * i] = (real)(tr * ar - ti * ai);
            s[2 * i + 1] = (real)(tr * ai + ti * ar);
        }
        return;
    }
    const int32_t *restrict lo = P->aux + r[6], *restrict hi = P->aux + r[7];
    int cb = r[8];
    int64_t run = (int64_t)1 << cb;
    for (int64_t i0 = 0; i0 < dim; i0 += run) {
        int32_t h = hi[i0 >> cb];
        real *restrict q = s + 2 * i0;
        for (int64_t j = 0; j < run; j++) {
            int32_t k = h | lo[j];
            double tr = Tr[k], ti = Ti[k], ar = q[2 * j], ai = q[2 * j + 1];
            q[2 * j] = (real)(tr * ar - ti * ai);
            q[2 * j + 1] = (real)(tr * ai + ti * ar);
        }
    }
}

/* Forward step of a phase-form diagonal op at sample b on one sample's state s (dim
 * amplitudes): the phases (op_diag_phases) multiply s directly, contiguously when the
 * table is in state order, else through the index tables (no payload is built). */
HOT static void F(apply_diag_phases)(const Ctx *c, int o, int b, real *restrict s, int64_t dim) {
    double phi[MAXD], sn[MAXD], cs[MAXD];
    op_diag_phases(c, o, b, phi, sn, cs);
    F(apply_table)(c->P, o, s, dim, cs, sn);
}

static void F(k_adj_diag)(real *restrict p, real *restrict l, int64_t N, int64_t dim,
                          const int32_t *restrict lo, const int32_t *restrict hi, int c,
                          const real *restrict tabc, double *restrict e) {
    int64_t run = (int64_t)1 << c;
    for (int64_t i0 = 0; i0 < N; i0 += run) {
        int32_t h = hi[(i0 & (dim - 1)) >> c];
        real *restrict pq = p + 2 * i0, *restrict lq = l + 2 * i0;
        for (int64_t j = 0; j < run; j++) {
            int32_t k = h | lo[j];
            real tr = tabc[2 * k], ti = tabc[2 * k + 1];
            real ar = pq[2 * j], ai = pq[2 * j + 1], br = lq[2 * j], bi = lq[2 * j + 1];
            real pr = tr * ar - ti * ai, pi = tr * ai + ti * ar;
            e[2 * k] += (double)(pr * br + pi * bi);
            e[2 * k + 1] += (double)(pi * br - pr * bi);
            pq[2 * j] = pr, pq[2 * j + 1] = pi;
            lq[2 * j] = tr * br - ti * bi, lq[2 * j + 1] = tr * bi + ti * br;
        }
    }
}

static void F(k_env2)(const real *restrict sp, real *restrict l, int64_t N, int a, int b,
                      const real *restrict m, double *restrict E) {
    int hi = a > b ? a : b, lo = a > b ? b : a;
    int64_t sh = (int64_t)1 << hi, sl = (int64_t)1 << lo, ia = (int64_t)1 << a,
            ib = (int64_t)1 << b;
    double acc[32];
    memset(acc, 0, sizeof(acc));
    for (int64_t i0 = 0; i0 < N; i0 += 2 * sh)
        for (int64_t i1 = i0; i1 < i0 + sh; i1 += 2 * sl)
            for (int64_t j = i1; j < i1 + sl; j++) {
                int64_t idx[4] = {j, j + ib, j + ia, j + ia + ib};
                real pr[4], pi[4], wr[4], wi[4];
                for (int r = 0; r < 4; r++) {
                    pr[r] = sp[2 * idx[r]], pi[r] = sp[2 * idx[r] + 1];
                    wr[r] = l[2 * idx[r]], wi[r] = l[2 * idx[r] + 1];
                }
                for (int r = 0; r < 4; r++) {
                    real lr = 0, li = 0;
                    for (int q = 0; q < 4; q++) {
                        real mr = m[2 * (4 * r + q)], mi = m[2 * (4 * r + q) + 1];
                        lr += mr * wr[q] - mi * wi[q];
                        li += mr * wi[q] + mi * wr[q];
                    }
                    l[2 * idx[r]] = lr, l[2 * idx[r] + 1] = li;
                }
                for (int r = 0; r < 4; r++)
                    for (int q = 0; q < 4; q++) {
                        acc[2 * (4 * r + q)] += (double)(pr[r] * wr[q] + pi[r] * wi[q]);
                        acc[2 * (4 * r + q) + 1] += (double)(pi[r] * wr[q] - pr[r] * wi[q]);
                    }
            }
    for (int i = 0; i < 32; i++) E[i] += acc[i];
}

static void F(k_env_diag)(const real *restrict sp, real *restrict l, int64_t N, int64_t dim,
                          const int32_t *restrict lo, const int32_t *restrict hi, int c,
                          const real *restrict tabc, double *restrict e) {
    int64_t run = (int64_t)1 << c;
    for (int64_t i0 = 0; i0 < N; i0 += run) {
        int32_t h = hi[(i0 & (dim - 1)) >> c];
        const real *pq = sp + 2 * i0;
        real *lq = l + 2 * i0;
        for (int64_t j = 0; j < run; j++) {
            int32_t k = h | lo[j];
            real tr = tabc[2 * k], ti = tabc[2 * k + 1];
            real pr = pq[2 * j], pi = pq[2 * j + 1], br = lq[2 * j], bi = lq[2 * j + 1];
            e[2 * k] += (double)(pr * br + pi * bi);
            e[2 * k + 1] += (double)(pi * br - pr * bi);
            lq[2 * j] = tr * br - ti * bi, lq[2 * j + 1] = tr * bi + ti * br;
        }
    }
}

/* dst[b*dim + i] = src[b*dim + tab[i]] for every sample block of dim amplitudes. */
static void F(k_perm)(real *restrict dst, const real *restrict src, int64_t N, int64_t dim,
                      const int32_t *restrict tab) {
    for (int64_t b0 = 0; b0 < N; b0 += dim) {
        const real *sb = src + 2 * b0;
        real *db = dst + 2 * b0;
        for (int64_t i = 0; i < dim; i++) memcpy(db + 2 * i, sb + 2 * (int64_t)tab[i], 2 * sizeof(real));
    }
}

/* Product state of one sample: s[h * 2**m + l] = VH[h] VL[l]. */
static void F(product_state)(real *restrict s, int n, const cdouble *v, cdouble *scratch) {
    if (n <= 8) { /* small states: one doubling pass */
        cdouble all[256];
        kron_vectors(v, 0, n, all);
        for (int i = 0; i < (1 << n); i++) s[2 * i] = (real)creal(all[i]), s[2 * i + 1] = (real)cimag(all[i]);
        return;
    }
    int m = n / 2;
    int64_t nl = (int64_t)1 << m, nh = (int64_t)1 << (n - m);
    cdouble *VL = scratch, *VH = VL + nl;
    kron_vectors(v, 0, m, VL);
    kron_vectors(v, m, n, VH);
    for (int64_t h = 0; h < nh; h++) {
        cdouble a = VH[h];
        real *row = s + 2 * h * nl;
        for (int64_t l = 0; l < nl; l++) {
            cdouble z = a * VL[l];
            row[2 * l] = (real)creal(z);
            row[2 * l + 1] = (real)cimag(z);
        }
    }
}

/* The product state on the chunk of amplitudes [off, off + 2**u) (qubits u .. n-1 fixed by
 * off): the product over qubits 0 .. u-1 scaled by the fixed qubits' entries. */
static void F(product_chunk)(real *restrict s, int n, int u, int64_t off, const cdouble *v,
                             cdouble *scratch) {
    cdouble w[2 * MAXN];
    memcpy(w, v, sizeof(cdouble) * 2 * (size_t)u);
    cdouble f = 1.0;
    for (int q = u; q < n; q++) f *= v[2 * q + ((off >> q) & 1)];
    w[2 * (u - 1)] *= f;
    w[2 * (u - 1) + 1] *= f;
    F(product_state)(s + 2 * off, u, w, scratch);
}

/* mu (n x 2): contraction of one sample's lam with conj(v) on all other qubits. The first
 * level reads the state once; the rest runs on the two halves (complex double). */
static void F(marginals)(const real *lam, int n, const cdouble *v, cdouble *mu, cdouble *scratch) {
    if (n == 1) {
        mu[0] = lam[0] + I * lam[1];
        mu[1] = lam[2] + I * lam[3];
        return;
    }
    if (n <= 8) {
        /* lo_k: lam contracted over bits 0..k-1 (2**(n-k) entries); hi_q: the product of
         * conj(v_p) over p > q (2**(n-1-q) entries); mu_q[i] = sum_h hi_q[h] lo_q[2h + i] */
        cdouble lo[256], nxt[128], hi[128];
        int64_t size = (int64_t)1 << n;
        for (int64_t i = 0; i < size; i++) lo[i] = lam[2 * i] + I * lam[2 * i + 1];
        for (int q = 0; q < n; q++) {
            int64_t hs = size >> 1; /* entries of hi_q */
            hi[0] = 1.0;
            int64_t len = 1;
            for (int p = n - 1; p > q; p--) { /* bit p of h is bit (p - q - 1): build high to low */
                cdouble c0 = conj(v[2 * p]), c1 = conj(v[2 * p + 1]);
                for (int64_t i = len - 1; i >= 0; i--) {
                    hi[2 * i + 1] = hi[i] * c1;
                    hi[2 * i] = hi[i] * c0;
                }
                len <<= 1;
            }
            cdouble m0 = 0, m1 = 0;
            for (int64_t h = 0; h < hs; h++) {
                m0 += hi[h] * lo[2 * h];
                m1 += hi[h] * lo[2 * h + 1];
            }
            mu[2 * q] = m0;
            mu[2 * q + 1] = m1;
            if (q == n - 1) break;
            cdouble c0 = conj(v[2 * q]), c1 = conj(v[2 * q + 1]);
            for (int64_t h = 0; h < hs; h++) nxt[h] = c0 * lo[2 * h] + c1 * lo[2 * h + 1];
            memcpy(lo, nxt, sizeof(cdouble) * (size_t)hs);
            size = hs;
        }
        return;
    }
    int m = n / 2;
    int64_t nl = (int64_t)1 << m, nh = (int64_t)1 << (n - m);
    cdouble *VL = scratch, *VH = VL + nl, *tl = VH + nh, *th = tl + nl, *rest = th + nh;
    kron_vectors(v, 0, m, VL);
    kron_vectors(v, m, n, VH);
    for (int64_t l = 0; l < nl; l++) tl[l] = 0;
    for (int64_t h = 0; h < nh; h++) {
        cdouble ch = conj(VH[h]), acc = 0;
        const real *row = lam + 2 * h * nl;
        for (int64_t l = 0; l < nl; l++) {
            cdouble z = row[2 * l] + I * row[2 * l + 1];
            tl[l] += ch * z;
            acc += conj(VL[l]) * z;
        }
        th[h] = acc;
    }
    marginals_c(tl, v, 0, m, mu, rest);
    marginals_c(th, v, m, n - m, mu, rest);
}

typedef struct {
    real *alt_p, *alt_l;   /* ping-pong buffers for permutations */
    real *tile_p, *tile_l; /* gathered tiles (tile mode) */
    real *payload;         /* batched op payloads of one sample */
    cdouble *vecs;         /* prefix vectors (n x 2) */
    cdouble *heads;        /* prefix head states u (n x 2) and one-gate head derivatives */
    cdouble *gvecs, *gheads; /* prefix vectors and heads of a group of samples */
    cdouble *mu;           /* marginals (n x 2) */
    cdouble *scratch;      /* product-state / marginal scratch */
    cdouble *esample;      /* per-sample environments (tile mode) */
    real *lam_buf;         /* cotangent states built from the readout (no lam given) */
    real *group;           /* tile mode: 2 x GROUP_MAX tiles of a grouped forward pass */
    real *ptab;            /* tile mode: the two phase tables of a rotation layer (tile) */
} F(Scratch);

static const real *F(shared_payload)(const Ctx *c) {
#ifdef QL_DOUBLE
    return c->shared_payload;
#else
    return c->shared_payload_f;
#endif
}

/* The payload of op o for sample b (shared or computed into buf). */
static const real *F(payload_of)(const Ctx *c, int o, int b, real *buf) {
    if (!op_batched(c, o)) return F(shared_payload)(c) + c->P->payload_off[o];
#ifdef QL_DOUBLE
    op_payload(c, o, b, buf, NULL);
#else
    op_payload(c, o, b, NULL, buf);
#endif
    return buf;
}

/* Apply op o (forward) to cur (N amplitudes: whole samples of dim, or one tile). */
static void F(apply_op)(const Ctx *c, int o, real **cur, real **alt, int64_t N, int64_t dim,
                        const real *pl) {
    const Program *P = c->P;
    const int32_t *r = P->op_i + (int64_t)o * OW;
    const int32_t *lq = P->op_q + (int64_t)o * MAXQ;
    switch (r[0]) {
    case OP_DENSE1:
        F(k_apply1)(*cur, N, lq[0], pl);
        break;
    case OP_DENSE2:
        F(k_apply2)(*cur, N, lq[0], lq[1], pl);
        break;
    case OP_DIAG:
        F(k_diag)(*cur, N, dim, P->aux + r[6], P->aux + r[7], r[8], pl);
        break;
    case OP_PERM: {
        F(k_perm)(*alt, *cur, N, dim, P->aux + r[6]);
        real *t = *cur;
        *cur = *alt;
        *alt = t;
        break;
    }
    }
}

/* Walsh-Hadamard butterflies on qubit t (one, scaled by f) and qubits t1 < t2 (two at a
 * time) over N amplitudes: add/sub on the interleaved reals. */
HOT static void F(wht1)(real *restrict s, int64_t N, int t, real f) {
    int64_t st = (int64_t)2 << t; /* reals per half block */
    const int W = (int)(sizeof(VR) / sizeof(real));
    for (int64_t base = 0; base < 2 * N; base += 2 * st) {
        real *a = s + base, *b = a + st;
        int64_t j = 0;
        if (st % W == 0) {
            const VR fv = F(splat)(f);
            for (; j < st; j += W) {
                VR x = F(ld)(a + j), y = F(ld)(b + j);
                F(sto)(a + j, (x + y) * fv);
                F(sto)(b + j, (x - y) * fv);
            }
        }
        for (; j < st; j++) {
            real x = a[j], y = b[j];
            a[j] = (x + y) * f;
            b[j] = (x - y) * f;
        }
    }
}

HOT static void F(wht2)(real *restrict s, int64_t N, int t1, int t2, real f) {
    int64_t s1 = (int64_t)2 << t1, s2 = (int64_t)2 << t2; /* reals */
    const int W = (int)(sizeof(VR) / sizeof(real));
    const VR fv = F(splat)(f);
#ifdef QL_DOUBLE
    if (t1 == 0 && t2 == 1) { /* amplitudes (a, b) and (c, d) in two vectors */
        const VR sg = {1, 1, -1, -1};
        for (int64_t i = 0; i < 2 * N; i += 8) {
            VR v0 = F(ld)(s + i), v1 = F(ld)(s + i + 4);
            VR x = v0 * sg + F(perm_t)(v0, 0), y = v1 * sg + F(perm_t)(v1, 0); /* (a+b, a-b) */
            F(sto)(s + i, (x + y) * fv);
            F(sto)(s + i + 4, (x - y) * fv);
        }
        return;
    }
#endif
    for (int64_t hi = 0; hi < 2 * N; hi += 2 * s2)
        for (int64_t lo = hi; lo < hi + s2; lo += 2 * s1) {
            real *a = s + lo, *b = a + s1, *c = a + s2, *d = a + s1 + s2;
            int64_t j = 0;
            if (s1 % W == 0)
                for (; j < s1; j += W) {
                    VR va = F(ld)(a + j), vb = F(ld)(b + j), vc = F(ld)(c + j), vd = F(ld)(d + j);
                    VR p = va + vb, m = va - vb, q = vc + vd, n = vc - vd;
                    F(sto)(a + j, (p + q) * fv);
                    F(sto)(b + j, (m + n) * fv);
                    F(sto)(c + j, (p - q) * fv);
                    F(sto)(d + j, (m - n) * fv);
                }
            for (; j < s1; j++) {
                real p = a[j] + b[j], m = a[j] - b[j], q = c[j] + d[j], n = c[j] - d[j];
                a[j] = (p + q) * f;
                b[j] = (m + n) * f;
                c[j] = (p - q) * f;
                d[j] = (m - n) * f;
            }
        }
}

/* H on the m distinct local qubits qs (ascending pairs per pass), scale 2**(-m/2). */
static void F(wht)(real *s, int64_t N, int *qs, int m) {
    for (int i = 1; i < m; i++) /* insertion sort: pairs of nearby qubits */
        for (int j = i; j > 0 && qs[j - 1] > qs[j]; j--) {
            int t = qs[j];
            qs[j] = qs[j - 1];
            qs[j - 1] = t;
        }
    real scale = m % 2 ? (real)0.70710678118654752440 : (real)1;
    for (int i = 0; i < m / 2; i++) scale *= (real)0.5;
    /* neighbouring pairs (qubits 0 and 1 within a vector); an odd qubit out (the highest)
     * runs alone */
    int h = m / 2, passes = h + m % 2;
    for (int i = 0; i < h; i++)
        F(wht2)(s, N, qs[2 * i], qs[2 * i + 1], i == passes - 1 ? scale : (real)1);
    if (m % 2) F(wht1)(s, N, qs[m - 1], scale);
}


#define ENC_CHUNK 64 /* samples per batch of diagonal gate entries */

/* Forward run of the group [b0, b1) (grouped mode) into base (N = cnt * dim amplitudes)
 * from the prefix vectors gv: the product state, then the ops; diagonal ops with a
 * doubling plan and Hadamard layers take the fast paths (see DiagPlan). Returns -1 when
 * out of memory (nothing written). */
static int F(forward_group)(const Ctx *c, F(Scratch) * S, int b0, int b1, real *base_p,
                            const cdouble *gv) {
    const Program *P = c->P;
    int n = P->n, cnt = b1 - b0;
    int64_t dim = (int64_t)1 << n, N = (int64_t)cnt * dim;
    int maxg = 0, maxk = 0;
    for (int o = 0; o < P->nops; o++) {
        const int32_t *r = P->op_i + (int64_t)o * OW;
        if (r[0] == OP_DIAG && P->dplan[o].ok) {
            if (r[3] - r[2] > maxg) maxg = r[3] - r[2];
            if (r[1] > maxk) maxk = r[1];
        }
    }
#ifdef QL_DOUBLE
    if (P->lanes && !c->snap) {
        int rc = lanes_forward(c, b0, b1, base_p, gv);
        if (rc <= 0) return rc;
    }
#endif
    cdouble *e = NULL;
    double *ang = NULL, *T = NULL;
    if (maxg) {
        e = malloc(sizeof(cdouble) * 4 * (size_t)maxg * ENC_CHUNK);
        ang = malloc(sizeof(double) * (3 * ENC_CHUNK + ((size_t)2 << maxk)));
        if (!e || !ang) {
            free(e);
            free(ang);
            return -1;
        }
        T = ang + 3 * ENC_CHUNK;
    }
    int o = 0;
    const int32_t *r0 = P->nops ? P->op_i : NULL;
    int fuse = r0 && r0[0] == OP_DIAG && P->dplan[0].ok && P->diag_direct[0] && r0[1] == n &&
               !c->snap;
    if (fuse) { /* the product state folded into the first diagonal op */
        for (int sb = b0; sb < b1; sb += ENC_CHUNK) {
            int se = sb + ENC_CHUNK < b1 ? sb + ENC_CHUNK : b1;
            diag_entries(c, 0, sb, se, e, ang, ang + ENC_CHUNK, ang + 2 * ENC_CHUNK);
            for (int b = sb; b < se; b++) {
                diag_doubling(c, 0, e, se - sb, b - sb, gv + (int64_t)(b - b0) * 2 * n, T, T + dim);
                real *s = base_p + 2 * (int64_t)(b - b0) * dim;
                for (int64_t i = 0; i < dim; i++) s[2 * i] = (real)T[i], s[2 * i + 1] = (real)T[dim + i];
            }
        }
        o = 1;
    } else {
        for (int b = b0; b < b1; b++)
            F(product_state)(base_p + 2 * (int64_t)(b - b0) * dim, n, gv + (int64_t)(b - b0) * 2 * n,
                             S->scratch);
    }
    real *cur = base_p, *alt = S->alt_p;
    for (; o < P->nops; o++) {
        if (c->snap && P->snap_slot[o] >= 0)
            memcpy((real *)c->snap + 2 * ((P->snap_slot[o] * c->B + b0) * dim), cur,
                   sizeof(real) * 2 * (size_t)N);
        if (P->hada[o] && !op_batched(c, o)) { /* a layer of Hadamards */
            int qs[MAXN], m = 0;
            uint64_t seen = 0;
            int o2 = o;
            while (o2 < P->nops && P->hada[o2] && !op_batched(c, o2) && m < MAXN) {
                int q = P->op_q[(int64_t)o2 * MAXQ];
                if (seen >> q & 1) break;
                seen |= (uint64_t)1 << q;
                qs[m++] = q;
                o2++;
            }
            F(wht)(cur, N, qs, m);
            o = o2 - 1;
            continue;
        }
        if (!op_batched(c, o)) {
            F(apply_op)(c, o, &cur, &alt, N, dim, F(payload_of)(c, o, 0, S->payload));
            continue;
        }
        const int32_t *ro = P->op_i + (int64_t)o * OW;
        if (ro[0] == OP_DIAG && P->dplan[o].ok) {
            for (int sb = b0; sb < b1; sb += ENC_CHUNK) {
                int se = sb + ENC_CHUNK < b1 ? sb + ENC_CHUNK : b1;
                diag_entries(c, o, sb, se, e, ang, ang + ENC_CHUNK, ang + 2 * ENC_CHUNK);
                for (int b = sb; b < se; b++) {
                    int64_t d = (int64_t)1 << ro[1];
                    diag_doubling(c, o, e, se - sb, b - sb, NULL, T, T + d);
                    F(apply_table)(P, o, cur + 2 * (int64_t)(b - b0) * dim, dim, T, T + d);
                }
            }
            continue;
        }
        int phases = ro[0] == OP_DIAG && ro[9] >= 0 && ro[1] <= 10;
        for (int b = b0; b < b1; b++) {
            real *one = cur + 2 * (int64_t)(b - b0) * dim, *one_alt = alt + 2 * (int64_t)(b - b0) * dim;
            if (phases)
                F(apply_diag_phases)(c, o, b, one, dim);
            else
                F(apply_op)(c, o, &one, &one_alt, dim, dim, F(payload_of)(c, o, b, S->payload));
        }
    }
    if (cur != base_p) memcpy(base_p, cur, sizeof(real) * 2 * (size_t)N);
    free(e);
    free(ang);
    return 0;
}

/* Adjoint step of op o on p and l (N amplitudes); env accumulator E (NULL: no params). */
static void F(adjoint_op)(const Ctx *c, int o, real **p, real **l, real **ap, real **al,
                          int64_t N, int64_t dim, const real *pl, double *E) {
    const Program *P = c->P;
    const int32_t *r = P->op_i + (int64_t)o * OW;
    const int32_t *lq = P->op_q + (int64_t)o * MAXQ;
    int d = 1 << r[1];
    switch (r[0]) {
    case OP_DENSE1:
        if (E)
            F(k_adj1)(*p, *l, N, lq[0], pl + 2 * d * d, E);
        else {
            F(k_apply1)(*p, N, lq[0], pl + 2 * d * d);
            F(k_apply1)(*l, N, lq[0], pl + 2 * d * d);
        }
        break;
    case OP_DENSE2:
        if (E)
            F(k_adj2)(*p, *l, N, lq[0], lq[1], pl + 2 * d * d, E);
        else {
            F(k_apply2)(*p, N, lq[0], lq[1], pl + 2 * d * d);
            F(k_apply2)(*l, N, lq[0], lq[1], pl + 2 * d * d);
        }
        break;
    case OP_DIAG:
        if (E)
            F(k_adj_diag)(*p, *l, N, dim, P->aux + r[6], P->aux + r[7], r[8], pl + 2 * d, E);
        else {
            F(k_diag)(*p, N, dim, P->aux + r[6], P->aux + r[7], r[8], pl + 2 * d);
            F(k_diag)(*l, N, dim, P->aux + r[6], P->aux + r[7], r[8], pl + 2 * d);
        }
        break;
    case OP_PERM: {
        const int32_t *inv = P->aux + r[7];
        F(k_perm)(*ap, *p, N, dim, inv);
        F(k_perm)(*al, *l, N, dim, inv);
        real *t = *p;
        *p = *ap;
        *ap = t;
        t = *l;
        *l = *al;
        *al = t;
        break;
    }
    }
}

/* Adjoint step of op o from its stored input state sp: E from sp and l, then l <- V^+ l. */
static void F(env_op)(const Ctx *c, int o, const real *sp, real **l, real **al, int64_t N,
                      int64_t dim, const real *pl, double *E) {
    const Program *P = c->P;
    const int32_t *r = P->op_i + (int64_t)o * OW;
    const int32_t *lq = P->op_q + (int64_t)o * MAXQ;
    int d = 1 << r[1];
    switch (r[0]) {
    case OP_DENSE1:
        F(k_env1)(sp, *l, N, lq[0], pl + 2 * d * d, E);
        break;
    case OP_DENSE2:
        F(k_env2)(sp, *l, N, lq[0], lq[1], pl + 2 * d * d, E);
        break;
    case OP_DIAG:
        F(k_env_diag)(sp, *l, N, dim, P->aux + r[6], P->aux + r[7], r[8], pl + 2 * d, E);
        break;
    case OP_PERM: { /* never has parameters */
        (void)al;
        break;
    }
    }
}

/* l <- V^+ l for an op without parameters (a permutation gathers into al and swaps). */
static void F(back_op)(const Ctx *c, int o, real **l, real **al, int64_t N, int64_t dim,
                       const real *pl) {
    const Program *P = c->P;
    const int32_t *r = P->op_i + (int64_t)o * OW;
    const int32_t *lq = P->op_q + (int64_t)o * MAXQ;
    int d = 1 << r[1];
    switch (r[0]) {
    case OP_DENSE1:
        F(k_apply1)(*l, N, lq[0], pl + 2 * d * d);
        break;
    case OP_DENSE2:
        F(k_apply2)(*l, N, lq[0], lq[1], pl + 2 * d * d);
        break;
    case OP_DIAG:
        F(k_diag)(*l, N, dim, P->aux + r[6], P->aux + r[7], r[8], pl + 2 * d);
        break;
    case OP_PERM: {
        F(k_perm)(*al, *l, N, dim, P->aux + r[7]);
        real *t = *l;
        *l = *al;
        *al = t;
        break;
    }
    }
}

/* A scratch block (freed with free()). Blocks of tile mode (a few MiB: the tiles of a pass)
 * are 2 MiB aligned and asked for transparent huge pages: the physical layout of the tiles
 * then does not vary between runs (with 4 KiB pages a 128 KiB tile lands on random
 * physical pages, and how many of its lines share cache sets varies from run to run). */
static void *F(scratch_block)(size_t bytes) {
#ifdef __linux__
    if (bytes >= ((size_t)1 << 21)) {
        size_t huge = (size_t)1 << 21, size = (bytes + huge - 1) & ~(huge - 1);
        void *m = NULL;
        if (posix_memalign(&m, huge, size) != 0) return NULL;
        madvise(m, size, MADV_HUGEPAGE);
        return m;
    }
#endif
    return malloc(bytes);
}

static int F(scratch_alloc)(const Ctx *c, F(Scratch) * S, void **block, void **cache,
                            size_t *cache_size) {
    const Program *P = c->P;
    int64_t dim = (int64_t)1 << P->n;
    int64_t G = P->grouped ? ((((int64_t)1 << P->L) >> P->n) ? (((int64_t)1 << P->L) >> P->n) : 1)
                           : 1;
    if (G > c->B) G = c->B;
    int64_t amps = P->grouped ? G * dim : ((int64_t)1 << P->L);
    int64_t half = ((int64_t)1 << ((P->n + 1) / 2 + 1));
    size_t bytes = 0;
    bytes += 4 * (size_t)amps * 2 * sizeof(real);                 /* alt p, alt l, tiles */
    bytes += (size_t)(P->payload_total + 64) * sizeof(real);      /* payloads */
    bytes += (size_t)(8 * P->n + 8) * sizeof(cdouble);            /* vecs, heads, mu */
    bytes += (size_t)(G * 6 * P->n + 6) * sizeof(cdouble) + 128;  /* gvecs, gheads */
    bytes += (size_t)(8 * half + 64) * sizeof(cdouble);           /* scratch */
    bytes += (size_t)(P->env_total + 1) * sizeof(cdouble);        /* esample */
    int64_t lam_amps = c->adjoint && !c->lam ? (P->grouped ? amps : dim) : 0;
    bytes += (size_t)(2 * lam_amps + 8) * sizeof(real);           /* lam_buf */
    int64_t group_amps = P->grouped ? 0 : 2 * GROUP_MAX * amps;
    bytes += (size_t)(2 * group_amps + 8) * sizeof(real);         /* group */
    int64_t ptab_amps = P->grouped ? 0 : 2 * amps;
    bytes += (size_t)(2 * ptab_amps + 8) * sizeof(real);          /* ptab */
    bytes += 8 * 64;
    char *m;
    if (cache && *cache_size >= bytes) {
        m = *cache;
        *block = NULL; /* owned by the cache */
    } else {
        m = F(scratch_block)(bytes);
        if (!m) return -1;
        if (cache) {
            free(*cache);
            *cache = m;
            *cache_size = bytes;
            *block = NULL;
        } else {
            *block = m;
        }
    }
#define TAKE(ptr, type, count)                                                                    \
    do {                                                                                          \
        ptr = (type *)m;                                                                          \
        m += (((size_t)(count) * sizeof(type)) + 63) & ~(size_t)63;                               \
    } while (0)
    TAKE(S->alt_p, real, 2 * amps);
    TAKE(S->alt_l, real, 2 * amps);
    if (P->grouped) {
        S->tile_p = S->tile_l = NULL;
    } else {
        TAKE(S->tile_p, real, 2 * amps);
        TAKE(S->tile_l, real, 2 * amps);
    }
    TAKE(S->payload, real, P->payload_total + 64);
    TAKE(S->vecs, cdouble, 2 * P->n + 2);
    TAKE(S->heads, cdouble, 4 * P->n + 4);
    TAKE(S->gvecs, cdouble, (size_t)G * 2 * P->n + 2);
    TAKE(S->gheads, cdouble, (size_t)G * 4 * P->n + 4);
    TAKE(S->mu, cdouble, 2 * P->n + 2);
    TAKE(S->scratch, cdouble, 8 * half + 64);
    TAKE(S->esample, cdouble, P->env_total + 1);
    TAKE(S->lam_buf, real, 2 * lam_amps + 8);
    TAKE(S->group, real, 2 * group_amps + 8);
    TAKE(S->ptab, real, 2 * ptab_amps + 8);
#undef TAKE
    return 0;
}

/* Prefix gradients of one sample from the cotangent at the prefix boundary: nu = contraction
 * of lam with the other qubits' vectors; the tail's environment is u conj(nu) (summed over the
 * batch unless per sample), the head's is row 0 = conj(T^+ nu). */
static void F(prefix_grads)(const Ctx *c, Acc *acc, F(Scratch) * S, int b, const real *lam,
                            cdouble *envpre, const cdouble *vecs, const cdouble *heads) {
    const Program *P = c->P;
    int n = P->n;
    if (!P->prefix_params || (!c->inputs && !c->tail_params && !c->head_weights)) return;
    F(marginals)(lam, n, vecs, S->mu, S->scratch);
    for (int q = 0; q < n; q++) {
        const int32_t *pr = P->prefix_i + (int64_t)q * PRW;
        if (pr[1] == pr[0]) continue;
        int split = prefix_split(c, q);
        const cdouble *u = heads + 2 * q, *nu = S->mu + 2 * q;
        if (pr[1] > split) {
            cdouble E[4] = {u[0] * conj(nu[0]), u[0] * conj(nu[1]), u[1] * conj(nu[0]),
                            u[1] * conj(nu[1])};
            if (c->per_sample)
                dense_grads(c, acc, split, pr[1], 1, b, E);
            else
                for (int i = 0; i < 4; i++) envpre[4 * q + i] += E[i];
        }
        if (split > pr[0] && (c->inputs || (c->head_weights >> q & 1))) {
            const cdouble *T = c->ptail + 4 * q;
            cdouble mu0 = conj(T[0]) * nu[0] + conj(T[2]) * nu[1];
            cdouble mu1 = conj(T[1]) * nu[0] + conj(T[3]) * nu[1];
            int slot = P->gate_i[(int64_t)pr[0] * GW + 3];
            if (split - pr[0] == 1 && slot >= 0) {
                const cdouble *hd = heads + 2 * n + 2 * q;
                add_slot(c, acc, slot, b, 2.0 * creal(hd[0] * conj(mu0) + hd[1] * conj(mu1)));
            } else if (split - pr[0] > 1) {
                cdouble E[4] = {conj(mu0), conj(mu1), 0, 0};
                dense_grads(c, acc, pr[0], split, 1, b, E);
            }
        }
    }
}

/* Prefix gradients of samples [b0, b1) whose cotangents start at l (one sample after
 * another); their prefix vectors come from the tape or are computed for the group. */
static void F(group_prefix_grads)(const Ctx *c, Acc *acc, F(Scratch) * S, int b0, int b1,
                                  const real *l, cdouble *envpre) {
    const Program *P = c->P;
    int n = P->n;
    if (!P->prefix_params || (!c->inputs && !c->tail_params && !c->head_weights)) return;
    int64_t dim = (int64_t)1 << n;
    const cdouble *vecs = S->gvecs, *heads = S->gheads;
    if (c->use_tape) {
        vecs = c->tvecs + (int64_t)b0 * 2 * n;
        heads = c->theads + (int64_t)b0 * 4 * n;
    } else {
        group_vectors(c, b0, b1, S->gvecs, S->gheads);
    }
    for (int b = b0; b < b1; b++)
        F(prefix_grads)(c, acc, S, b, l + 2 * (int64_t)(b - b0) * dim, envpre,
                        vecs + (int64_t)(b - b0) * 2 * n, heads + (int64_t)(b - b0) * 4 * n);
}

/* values[b, k] = sum_i |s[i]|^2 diag[i, k] for one sample's state s. */
/* values[b, k] += sum_i |s[i]|^2 diag[i, k] over i in [i0, i1) of one sample's state s
 * (four partial sums when K = 1, so the loop is not bound by the latency of one sum). */
static void F(readout_range)(const Ctx *c, int b, const real *s, int64_t i0, int64_t i1) {
    int K = c->K;
    double *out = c->values + (int64_t)b * K;
    if (K == 1) {
        double acc[4] = {0.0, 0.0, 0.0, 0.0};
        int64_t i = i0;
        for (; i + 4 <= i1; i += 4)
            for (int j = 0; j < 4; j++) {
                double p = (double)s[2 * (i + j)] * s[2 * (i + j)] +
                           (double)s[2 * (i + j) + 1] * s[2 * (i + j) + 1];
                acc[j] += p * c->diag[i + j];
            }
        for (; i < i1; i++)
            acc[0] += ((double)s[2 * i] * s[2 * i] + (double)s[2 * i + 1] * s[2 * i + 1]) * c->diag[i];
        out[0] += (acc[0] + acc[1]) + (acc[2] + acc[3]);
        return;
    }
    for (int64_t i = i0; i < i1; i++) {
        double p = (double)s[2 * i] * s[2 * i] + (double)s[2 * i + 1] * s[2 * i + 1];
        const double *row = c->diag + i * K;
        for (int k = 0; k < K; k++) out[k] += p * row[k];
    }
}

/* values[b, k] = sum_i |s[i]|^2 diag[i, k] for one sample's state s. */
static void F(readout_values)(const Ctx *c, int b, const real *s) {
    for (int k = 0; k < c->K; k++) c->values[(int64_t)b * c->K + k] = 0.0;
    F(readout_range)(c, b, s, 0, (int64_t)1 << c->P->n);
}

/* l = s * (diag @ cot[b]) for one sample. */
static void F(build_lam)(const Ctx *c, int b, const real *s, real *l) {
    int64_t dim = (int64_t)1 << c->P->n;
    int K = c->K;
    const double *cb = c->cot + (int64_t)b * K;
    for (int64_t i = 0; i < dim; i++) {
        const double *row = c->diag + i * K;
        double f = 0.0;
        for (int k = 0; k < K; k++) f += row[k] * cb[k];
        l[2 * i] = (real)(f * s[2 * i]);
        l[2 * i + 1] = (real)(f * s[2 * i + 1]);
    }
}

/* ---- rotation layers of a forward pass (tile mode) ----
 * A run of consecutive one-qubit dense ops of a pass on distinct qubits (a layer of
 * rotations: they commute) runs as D_L (prod_q R_q) D_R: every 2x2 unitary is
 * U = diag(e^{i a0}, e^{i a1}) [[cos, -sin], [sin, cos]] diag(1, e^{i b1}), and the
 * diagonal factors of all the layer's qubits multiply into two phase tables over the tile.
 * A real rotation costs half the arithmetic of a complex 2x2 matrix; the two tables cost
 * about one complex matrix each, so a layer of k qubits does k + 2 instead of 2k units. */
#define LAYER_MIN 4

/* The longest run [*l0, *l1) of at least LAYER_MIN consecutive dense one-qubit ops on
 * distinct qubits among ops [o0, o1); 0 when there is none. */
static int F(layer_find)(const Program *P, int o0, int o1, int *l0, int *l1) {
    int best = 0;
    for (int a = o0; a < o1;) {
        int b = a;
        uint64_t seen = 0;
        while (b < o1 && P->op_i[(int64_t)b * OW] == OP_DENSE1) {
            int q = P->op_q[(int64_t)b * MAXQ];
            if ((seen >> q) & 1) break;
            seen |= (uint64_t)1 << q;
            b++;
        }
        if (b - a > best) best = b - a, *l0 = a, *l1 = b;
        a = b > a ? b : a + 1;
    }
    return best >= LAYER_MIN;
}

/* Split the layer's matrices into rotations (cos, sin per op, into rot) and the two phase
 * tables over the 2**nl local amplitudes (tabs: right table, then left table). */
static void F(layer_prepare)(const Ctx *c, F(Scratch) * S, int l0, int l1, int nl,
                             double *rot) {
    const Program *P = c->P;
    int64_t tile = (int64_t)1 << nl;
    real *tr = S->ptab, *tl = S->ptab + 2 * tile;
    tr[0] = tl[0] = 1, tr[1] = tl[1] = 0;
    int64_t len = 1;
    for (int j = 0; j < nl; j++, len *= 2) {
        double r0 = 1, i0 = 0, r1 = 1, i1 = 0, lr0 = 1, li0 = 0, lr1 = 1, li1 = 0;
        for (int o = l0; o < l1; o++) {
            if (P->op_q[(int64_t)o * MAXQ] != j) continue;
            const real *m = op_batched(c, o) ? S->payload + P->payload_off[o]
                                             : F(shared_payload)(c) + P->payload_off[o];
            double ar = m[0], ai = m[1], br = m[2], bi = m[3], cr = m[4], ci = m[5],
                   dr = m[6], di = m[7];
            double cs = hypot(ar, ai), sn = hypot(cr, ci), nrm = hypot(cs, sn);
            double a0 = atan2(ai, ar), a1 = atan2(ci, cr);
            double phi = atan2(ar * di + ai * dr - br * ci - bi * cr, ar * dr - ai * di - br * cr + bi * ci);
            double b1 = phi - a0 - a1;
            rot[2 * (o - l0)] = cs / nrm, rot[2 * (o - l0) + 1] = sn / nrm;
            r1 = cos(b1), i1 = sin(b1);
            lr0 = cos(a0), li0 = sin(a0), lr1 = cos(a1), li1 = sin(a1);
        }
        /* entries with bit j set: factor 1; then those with bit j clear: factor 0 */
        for (int64_t i = 0; i < len; i++) {
            double xr = tr[2 * i], xi = tr[2 * i + 1], yr = tl[2 * i], yi = tl[2 * i + 1];
            tr[2 * (len + i)] = (real)(xr * r1 - xi * i1), tr[2 * (len + i) + 1] = (real)(xr * i1 + xi * r1);
            tl[2 * (len + i)] = (real)(yr * lr1 - yi * li1), tl[2 * (len + i) + 1] = (real)(yr * li1 + yi * lr1);
            tr[2 * i] = (real)(xr * r0 - xi * i0), tr[2 * i + 1] = (real)(xr * i0 + xi * r0);
            tl[2 * i] = (real)(yr * lr0 - yi * li0), tl[2 * i + 1] = (real)(yr * li0 + yi * lr0);
        }
    }
}

/* s[i] *= T[i] over N amplitudes. */
HOT static void F(k_phase_table)(real *restrict s, int64_t N, const real *restrict T) {
    for (int64_t i = 0; i < N; i++) {
        real ar = s[2 * i], ai = s[2 * i + 1], tr = T[2 * i], ti = T[2 * i + 1];
        s[2 * i] = ar * tr - ai * ti;
        s[2 * i + 1] = ar * ti + ai * tr;
    }
}

/* Real rotation on local bit t: (a, b) <- (cs a - sn b, sn a + cs b). */
HOT static void F(k_rot)(real *restrict s, int64_t N, int t, real cs, real sn) {
    int64_t st = (int64_t)1 << t;
    if (t < LOGCPV && N % CPV == 0) { /* the pair in one vector: lanes c and c ^ (1 << t) */
        real sg[2 * CPV];
        for (int l = 0; l < CPV; l++) sg[2 * l] = sg[2 * l + 1] = ((l >> t) & 1) ? sn : -sn;
        VR vc = F(splat)(cs), vs;
        memcpy(&vs, sg, sizeof vs);
        for (int64_t i = 0; i < N; i += CPV) {
            VR v = F(ld)(s + 2 * i);
            F(sto)(s + 2 * i, vc * v + vs * F(perm_t)(v, t));
        }
        return;
    }
    if (t >= LOGCPV && N % (2 * CPV) == 0) {
        const VR vc = F(splat)(cs), vs = F(splat)(sn);
        if (st == CPV) { /* one vector per half of a pair block */
            for (int64_t base = 0; base < N; base += 2 * CPV) {
                VR pa = F(ld)(s + 2 * base), pb = F(ld)(s + 2 * (base + CPV));
                F(sto)(s + 2 * base, vc * pa - vs * pb);
                F(sto)(s + 2 * (base + CPV), vs * pa + vc * pb);
            }
            return;
        }
        for (int64_t base = 0; base < N; base += 2 * st) {
            real *a = s + 2 * base, *b = a + 2 * st;
            for (int64_t j = 0; j < st; j += CPV) {
                VR pa = F(ld)(a + 2 * j), pb = F(ld)(b + 2 * j);
                F(sto)(a + 2 * j, vc * pa - vs * pb);
                F(sto)(b + 2 * j, vs * pa + vc * pb);
            }
        }
        return;
    }
    for (int64_t base = 0; base < N; base += 2 * st) {
        real *restrict a = s + 2 * base;
        real *restrict b = a + 2 * st;
        for (int64_t j = 0; j < 2 * st; j++) {
            real x = a[j], y = b[j];
            a[j] = cs * x - sn * y;
            b[j] = sn * x + cs * y;
        }
    }
}

/* dst[i] = src[tab[i]] T[i] over N amplitudes (a permutation op, then a phase table). */
HOT static void F(k_perm_phase)(real *restrict dst, const real *restrict src, int64_t N,
                                const int32_t *restrict tab, const real *restrict T) {
    for (int64_t i = 0; i < N; i++) {
        const real *x = src + 2 * (int64_t)tab[i];
        real ar = x[0], ai = x[1], tr = T[2 * i], ti = T[2 * i + 1];
        dst[2 * i] = ar * tr - ai * ti;
        dst[2 * i + 1] = ar * ti + ai * tr;
    }
}

/* (a, b) <- (cs a - sn b, sn a + cs b) over n amplitudes of two rows. */
HOT static void F(rot_rows)(real *restrict a, real *restrict b, int64_t n, real cs, real sn) {
    const VR vc = F(splat)(cs), vs = F(splat)(sn);
    int64_t j = 0;
    for (; j + CPV <= n; j += CPV) {
        VR pa = F(ld)(a + 2 * j), pb = F(ld)(b + 2 * j);
        F(sto)(a + 2 * j, vc * pa - vs * pb);
        F(sto)(b + 2 * j, vs * pa + vc * pb);
    }
    for (; j < n; j++)
        for (int h = 0; h < 2; h++) {
            real x = a[2 * j + h], y = b[2 * j + h];
            a[2 * j + h] = cs * x - sn * y, b[2 * j + h] = sn * x + cs * y;
        }
}

/* The rotation layer on one tile (2**nl amplitudes) in blocks that stay in the L1 cache:
 * the right phase table and the rotations on bits below LAYER_SUB per block of
 * 2**LAYER_SUB amplitudes, then the rotations on the higher bits and the left table per
 * block of LAYER_COLS columns of the tile seen as rows of 2**LAYER_SUB. */
#define LAYER_SUB 10
#define LAYER_COLS 128
static void F(layer_apply)(const Program *P, real *s, int nl, int l0, int l1, const double *rot,
                           const real *tr, const real *tl, int right_done) {
    int sb = nl < LAYER_SUB ? nl : LAYER_SUB;
    int64_t sub = (int64_t)1 << sb, tile = (int64_t)1 << nl, rows = tile >> sb;
    int high = 0;
    for (int k = l0; k < l1; k++) high |= P->op_q[(int64_t)k * MAXQ] >= sb;
    for (int64_t b0 = 0; b0 < tile; b0 += sub) {
        if (!right_done) F(k_phase_table)(s + 2 * b0, sub, tr + 2 * b0);
        for (int k = l0; k < l1; k++) {
            int t = P->op_q[(int64_t)k * MAXQ];
            if (t < sb) F(k_rot)(s + 2 * b0, sub, t, (real)rot[2 * (k - l0)], (real)rot[2 * (k - l0) + 1]);
        }
        if (!high) F(k_phase_table)(s + 2 * b0, sub, tl + 2 * b0);
    }
    if (!high) return;
    int64_t w = sub < LAYER_COLS ? sub : LAYER_COLS;
    for (int64_t j0 = 0; j0 < sub; j0 += w) {
        for (int k = l0; k < l1; k++) {
            int t = P->op_q[(int64_t)k * MAXQ];
            if (t < sb) continue;
            int64_t st = (int64_t)1 << (t - sb);
            for (int64_t r = 0; r < rows; r++) {
                if (r & st) continue;
                F(rot_rows)(s + 2 * (r * sub + j0), s + 2 * ((r + st) * sub + j0), w,
                            (real)rot[2 * (k - l0)], (real)rot[2 * (k - l0) + 1]);
            }
        }
        for (int64_t r = 0; r < rows; r++)
            F(k_phase_table)(s + 2 * (r * sub + j0), w, tl + 2 * (r * sub + j0));
    }
}

/* One forward pass of one sample over the tiles at off + bases[t] (t < ntiles: one chunk
 * of a chunk run, or the whole state), G tiles at a time (G = pass_group). A tile
 * gathered in short runs touches 2**(nl - c) places a power-of-two stride apart, which
 * share a few cache sets: its lines are evicted before the scatter writes them back, and
 * each pass reads them twice. The G tiles of a group instead read one block of G runs per
 * run index (a few KiB, contiguous); each tile then runs the pass's ops in its own buffer
 * (ping-pong pair per tile) and the group is scattered the same way. The pass's longest
 * rotation layer (layer_find) runs as phase tables and real rotations (layer_apply). */
static void F(pass_forward)(const Ctx *c, F(Scratch) * S, real *sp, int pp, int64_t G,
                            const int64_t *bases, int64_t ntiles, int64_t off) {
    const Program *P = c->P;
    const int32_t *pr = P->pass_i + (int64_t)pp * PW;
    int o0 = pr[0], o1 = pr[1], nl = pr[2], cbits = pr[3];
    int64_t tile = (int64_t)1 << P->L;
    int64_t run = (int64_t)1 << cbits, nruns = (int64_t)1 << (nl - cbits);
    const int64_t *runs = P->runs[pp];
    size_t bytes = sizeof(real) * 2 * (size_t)run;
    real *out[GROUP_MAX];
    int l0 = o1, l1 = o1;
    double rot[2 * MAXN];
    if (F(layer_find)(P, o0, o1, &l0, &l1) && l1 - l0 <= MAXN && nl == P->L)
        F(layer_prepare)(c, S, l0, l1, nl, rot);
    else
        l0 = l1 = o1;
    for (int64_t t = 0; t < ntiles; t += G) {
        int64_t base = off + bases[t];
        for (int64_t r = 0; r < nruns; r++) {
            const real *src = sp + 2 * (base + runs[r]);
            for (int64_t g = 0; g < G; g++)
                memcpy(S->group + 2 * (g * tile + r * run), src + 2 * g * run, bytes);
        }
        for (int64_t g = 0; g < G; g++) {
            real *cp = S->group + 2 * g * tile, *ap = S->group + 2 * (G + g) * tile;
            for (int o = o0; o < o1; o++) {
                if (l0 < l1 && o == l0 - 1 && P->op_i[(int64_t)o * OW] == OP_PERM) {
                    /* a permutation just before the layer also applies its right table */
                    F(k_perm_phase)(ap, cp, tile, P->aux + P->op_i[(int64_t)o * OW + 6], S->ptab);
                    real *tmp = cp;
                    cp = ap, ap = tmp;
                    F(layer_apply)(P, cp, nl, l0, l1, rot, S->ptab, S->ptab + 2 * tile, 1);
                    o = l1 - 1;
                    continue;
                }
                if (o == l0) { /* the rotation layer */
                    F(layer_apply)(P, cp, nl, l0, l1, rot, S->ptab, S->ptab + 2 * tile, 0);
                    o = l1 - 1;
                    continue;
                }
                const real *pl = op_batched(c, o) ? S->payload + P->payload_off[o]
                                                  : F(shared_payload)(c) + P->payload_off[o];
                F(apply_op)(c, o, &cp, &ap, tile, tile, pl);
            }
            out[g] = cp;
        }
        for (int64_t r = 0; r < nruns; r++) {
            real *dst = sp + 2 * (base + runs[r]);
            for (int64_t g = 0; g < G; g++) memcpy(dst + 2 * g * run, out[g] + 2 * r * run, bytes);
        }
    }
}

/* Forward or adjoint over units [u0, u1) (groups of samples, or samples in tile mode). */
static int F(work)(Ctx *c, int64_t u0, int64_t u1, double *gw, double *gex, cdouble *env,
                   cdouble *envpre, void **cache, size_t *cache_size) {
    const Program *P = c->P;
    F(Scratch) S;
    void *block = NULL;
    if (F(scratch_alloc)(c, &S, &block, cache, cache_size) < 0) return -1;
    Acc acc = {gw, gex};
    int n = P->n;
    int64_t dim = (int64_t)1 << n;
    real *psi = (real *)c->psi, *lam = (real *)c->lam;
    if (P->grouped) {
        int64_t G = (((int64_t)1 << P->L) >> n) ? (((int64_t)1 << P->L) >> n) : 1;
        for (int64_t u = u0; u < u1; u++) {
            int b0 = (int)(u * G), b1 = (int)((u + 1) * G < c->B ? (u + 1) * G : c->B);
            int64_t N = (int64_t)(b1 - b0) * dim;
            real *base_p = psi + 2 * (int64_t)b0 * dim;
            if (!c->adjoint) {
                cdouble *gv = c->tvecs ? c->tvecs + (int64_t)b0 * 2 * n : S.gvecs;
                cdouble *gh = c->theads ? c->theads + (int64_t)b0 * 4 * n : S.gheads;
                group_vectors(c, b0, b1, gv, gh);
                if (F(forward_group)(c, &S, b0, b1, base_p, gv) < 0) {
                    free(block);
                    return -1;
                }
                if (c->values)
                    for (int b = b0; b < b1; b++)
                        F(readout_values)(c, b, base_p + 2 * (int64_t)(b - b0) * dim);
                continue;
            }
            real *p = base_p, *l, *ap = S.alt_p, *al = S.alt_l;
            if (lam) {
                l = lam + 2 * (int64_t)b0 * dim;
            } else {
                l = S.lam_buf;
                for (int b = b0; b < b1; b++)
                    F(build_lam)(c, b, base_p + 2 * (int64_t)(b - b0) * dim,
                                 l + 2 * (int64_t)(b - b0) * dim);
            }
            if (c->use_tape) { /* the stored input state of every op: nothing is uncomputed */
                for (int o = P->nops - 1; o >= 0; o--) {
                    const int32_t *r = P->op_i + (int64_t)o * OW;
                    if (!r[5]) {
                        if (!op_batched(c, o)) {
                            F(back_op)(c, o, &l, &al, N, dim, F(payload_of)(c, o, 0, S.payload));
                        } else {
                            for (int b = b0; b < b1; b++) {
                                real *ll = l + 2 * (int64_t)(b - b0) * dim;
                                F(back_op)(c, o, &ll, &al, dim, dim, F(payload_of)(c, o, b, S.payload));
                            }
                        }
                        continue;
                    }
                    const real *sp = (const real *)c->snap + 2 * ((P->snap_slot[o] * c->B + b0) * dim);
                    if (!op_batched(c, o) && !c->per_sample) {
                        F(env_op)(c, o, sp, &l, &al, N, dim, F(payload_of)(c, o, 0, S.payload),
                                  (double *)(env + P->env_off[o]));
                        continue;
                    }
                    int d = 1 << r[1];
                    int64_t elen = r[0] == OP_DIAG ? d : (int64_t)d * d;
                    for (int b = b0; b < b1; b++) {
                        int64_t off = 2 * (int64_t)(b - b0) * dim;
                        real *ll = l + off;
                        memset(S.esample, 0, sizeof(cdouble) * (size_t)elen);
                        F(env_op)(c, o, sp + off, &ll, &al, dim, dim,
                                  F(payload_of)(c, o, b, S.payload), (double *)S.esample);
                        if (r[0] == OP_DIAG)
                            diag_grads(c, &acc, o, b, S.esample);
                        else
                            dense_grads(c, &acc, r[2], r[3], r[1], b, S.esample);
                    }
                }
                F(group_prefix_grads)(c, &acc, &S, b0, b1, l, envpre);
                continue;
            }
            for (int o = P->nops - 1; o >= 0; o--) {
                const int32_t *r = P->op_i + (int64_t)o * OW;
                int params = r[5];
                if (!op_batched(c, o) && (!params || !c->per_sample)) {
                    double *E = params ? (double *)(env + P->env_off[o]) : NULL;
                    F(adjoint_op)(c, o, &p, &l, &ap, &al, N, dim, F(payload_of)(c, o, 0, S.payload), E);
                    continue;
                }
                /* per sample: batched op, or per-sample gradients */
                int d = 1 << r[1];
                int64_t elen = r[0] == OP_DIAG ? d : (int64_t)d * d;
                for (int b = b0; b < b1; b++) {
                    int64_t off = 2 * (int64_t)(b - b0) * dim;
                    real *pp = p + off, *ll = l + off, *app = ap + off, *all = al + off;
                    cdouble *E = params ? S.esample : NULL;
                    if (E) memset(E, 0, sizeof(cdouble) * (size_t)elen);
                    F(adjoint_op)(c, o, &pp, &ll, &app, &all, dim, dim,
                                  F(payload_of)(c, o, b, S.payload), (double *)E);
                    if (E) {
                        if (r[0] == OP_DIAG)
                            diag_grads(c, &acc, o, b, E);
                        else
                            dense_grads(c, &acc, r[2], r[3], r[1], b, E);
                    }
                }
            }
            F(group_prefix_grads)(c, &acc, &S, b0, b1, l, envpre);
        }
        free(block);
        return 0;
    }
    /* tile mode: one sample at a time, pass by pass */
    int64_t tile = (int64_t)1 << P->L;
    for (int64_t u = u0; u < u1; u++) {
        int b = (int)u;
        real *sp = psi + 2 * (int64_t)b * dim, *sl = NULL;
        if (c->adjoint && lam) {
            sl = lam + 2 * (int64_t)b * dim;
        } else if (c->adjoint) {
            sl = S.lam_buf;
            F(build_lam)(c, b, sp, sl);
        }
        /* batched payloads of this sample */
        for (int o = 0; o < P->nops; o++)
            if (op_batched(c, o)) F(payload_of)(c, o, b, S.payload + P->payload_off[o]);
        if (!c->adjoint) {
            /* chunk runs: every pass of a run on one chunk, then the next. When the first
             * run's chunks are the low qubits, each chunk's product state is written just
             * before its passes (still in cache); the same for the readout of the last run */
            int last = P->nruns - 1, head = P->rlow[0], tail = c->values ? P->rlow[last] : 0;
            group_vectors(c, b, b + 1, S.gvecs, S.gheads);
            if (!head) F(product_state)(sp, n, S.gvecs, S.scratch);
            if (c->values)
                for (int k = 0; k < c->K; k++) c->values[(int64_t)b * c->K + k] = 0.0;
            for (int r = 0; r < P->nruns; r++)
                for (int64_t h = 0; h < P->rcount[r]; h++) {
                    int64_t off = P->rbases[r][h];
                    if (r == 0 && head) F(product_chunk)(sp, n, head, off, S.gvecs, S.scratch);
                    for (int pp = P->run_i[2 * r]; pp < P->run_i[2 * r + 1]; pp++)
                        F(pass_forward)(c, &S, sp, pp, P->tgroup[pp], P->tbases[pp], P->tcount[pp],
                                        off);
                    if (r == last && tail) F(readout_range)(c, b, sp, off, off + ((int64_t)1 << tail));
                }
            if (c->values && !tail) F(readout_range)(c, b, sp, 0, dim);
        }
        for (int pi = 0; c->adjoint && pi < P->npasses; pi++) {
            int pp = P->npasses - 1 - pi;
            const int32_t *pr = P->pass_i + (int64_t)pp * PW;
            int o0 = pr[0], o1 = pr[1], nl = pr[2], cbits = pr[3];
            int64_t run = (int64_t)1 << cbits, nruns = (int64_t)1 << (nl - cbits);
            int64_t ntiles = (int64_t)1 << (n - nl);
            const int64_t *runs = P->runs[pp], *bases = P->bases[pp];
            if (c->adjoint) memset(S.esample, 0, sizeof(cdouble) * (size_t)P->env_total);
            for (int64_t t = 0; t < ntiles; t++) {
                int64_t base = bases[t];
                for (int64_t r = 0; r < nruns; r++) {
                    memcpy(S.tile_p + 2 * r * run, sp + 2 * (base + runs[r]), sizeof(real) * 2 * (size_t)run);
                    if (c->adjoint)
                        memcpy(S.tile_l + 2 * r * run, sl + 2 * (base + runs[r]), sizeof(real) * 2 * (size_t)run);
                }
                real *cp = S.tile_p, *ap = S.alt_p, *cl = S.tile_l, *al = S.alt_l;
                if (!c->adjoint) {
                    for (int o = o0; o < o1; o++) {
                        const real *pl = op_batched(c, o) ? S.payload + P->payload_off[o]
                                                          : F(shared_payload)(c) + P->payload_off[o];
                        F(apply_op)(c, o, &cp, &ap, tile, tile, pl);
                    }
                } else {
                    for (int o = o1 - 1; o >= o0; o--) {
                        const int32_t *r = P->op_i + (int64_t)o * OW;
                        const real *pl = op_batched(c, o) ? S.payload + P->payload_off[o]
                                                          : F(shared_payload)(c) + P->payload_off[o];
                        double *E = r[5] ? (double *)(S.esample + P->env_off[o]) : NULL;
                        F(adjoint_op)(c, o, &cp, &cl, &ap, &al, tile, tile, pl, E);
                    }
                }
                for (int64_t r = 0; r < nruns; r++) {
                    memcpy(sp + 2 * (base + runs[r]), cp + 2 * r * run, sizeof(real) * 2 * (size_t)run);
                    if (c->adjoint)
                        memcpy(sl + 2 * (base + runs[r]), cl + 2 * r * run, sizeof(real) * 2 * (size_t)run);
                }
            }
            if (c->adjoint) {
                for (int o = o0; o < o1; o++) {
                    const int32_t *r = P->op_i + (int64_t)o * OW;
                    if (!r[5]) continue;
                    const cdouble *E = S.esample + P->env_off[o];
                    if (!op_batched(c, o) && !c->per_sample) {
                        int64_t len = P->env_off[o + 1] - P->env_off[o];
                        for (int64_t i = 0; i < len; i++) env[P->env_off[o] + i] += E[i];
                    } else if (r[0] == OP_DIAG) {
                        diag_grads(c, &acc, o, b, E);
                    } else {
                        dense_grads(c, &acc, r[2], r[3], r[1], b, E);
                    }
                }
            }
        }
        if (c->adjoint) F(group_prefix_grads)(c, &acc, &S, b, b + 1, sl, envpre);
    }
    free(block);
    return 0;
}

#undef VR
#undef VM
#undef CPV
#undef LOGCPV
#undef SWRI_MASK
#undef SIGN_INIT
#undef PERM0_MASK
#undef PERM1_MASK
#undef FLUSH
#endif /* QL_TEMPLATE */
