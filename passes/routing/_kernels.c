/* Compiled routing kernels: the SABRE swap search of qlang.passes.routing.sabre.search and
 * the greedy parity-chain planner of qlang.passes.routing.commuting._greedy_plan.
 *
 * A line-by-line port of the pure-Python search (the reference, used when this module is
 * not built): the same front layer, lookahead window, decay, adjacency and merge bonuses,
 * the same tie-breaking stream (splitmix64), so both give identical traces. The Python side
 * prepares every input as a flat int32 buffer once (per program, per device).
 *
 * search(n, dist, ends, inc_ptr, inc_idx, q_ptr, q_idx, pa, pb, fusable, s_ptr, s_idx,
 *        indeg, start, lookahead, weight, decay_step, adjacency, merge, seed)
 *   -> (trace: list[int], final: list[int], swaps: int)
 *
 * greedy_plan(order, pairs, getrandbits, gain_weight) -> list[int] | None
 *   (None: pairs left when the budget ran out; the caller falls back to odd-even.) Random
 *   choices call back into the caller's random.Random, so the plans are those of Python.
 *
 * exchange(order, pairs, rng, steps) -> list[int]   (chain_layout._exchange; `rng` a
 *   random.Random, drawn from in C and advanced as Python would, or its getrandbits)
 *
 * trace_key(n, trace, start, codes, q_ptr, q_idx) -> (cost, depth)   (sabre.Trial.key)
 *
 * network(n, dist, q_ptr, q_idx, pa, pb, confirms, s_ptr, s_idx, indeg, path, lazy, budget,
 *         bound, floor) -> (trace, final, swaps) | None   (network.route_network)
 *
 * chain_cost(order, pairs, rungs, seed, rng, rounds) -> (cost, order)
 *   (commuting.best_plan(..., quick=True).cost with random.Random(seed) drawn in C, and
 *   chain_layout._refine's exchanges and reversals from the caller's stream, as exchange)
 *
 * plan_costs(order, pairs, rungs, plans, rungs_direct) -> list[int | None]
 *   (commuting.best_plan's cost of each plan from one order)
 *
 * odd_even(order, rest) -> list[int]   (commuting._odd_even_plan)
 *
 * find_path(nbr_ptr, nbr_idx, starts, length, max_steps) -> list[int] | None
 *   (network.find_path's depth-first search on local node indices)
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int *d;
    Py_ssize_t len, cap;
} ivec;

static int iv_push(ivec *v, int x) {
    if (v->len == v->cap) {
        Py_ssize_t nc = v->cap ? 2 * v->cap : 4;
        int *nd = (int *)realloc(v->d, (size_t)nc * sizeof(int));
        if (!nd) return -1;
        v->d = nd;
        v->cap = nc;
    }
    v->d[v->len++] = x;
    return 0;
}

static void iv_remove_one(ivec *v, int x) {
    for (Py_ssize_t i = 0; i < v->len; i++) {
        if (v->d[i] == x) {
            v->d[i] = v->d[v->len - 1];
            v->len--;
            return;
        }
    }
}

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* --- binary min-heap of op indices ------------------------------------------------- */
static int heap_push(ivec *h, int x) {
    if (iv_push(h, x) < 0) return -1;
    Py_ssize_t i = h->len - 1;
    while (i > 0) {
        Py_ssize_t p = (i - 1) / 2;
        if (h->d[p] <= h->d[i]) break;
        int t = h->d[p];
        h->d[p] = h->d[i];
        h->d[i] = t;
        i = p;
    }
    return 0;
}

static int heap_pop(ivec *h) {
    int top = h->d[0];
    h->d[0] = h->d[--h->len];
    Py_ssize_t i = 0;
    for (;;) {
        Py_ssize_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->len && h->d[l] < h->d[m]) m = l;
        if (r < h->len && h->d[r] < h->d[m]) m = r;
        if (m == i) break;
        int t = h->d[m];
        h->d[m] = h->d[i];
        h->d[i] = t;
        i = m;
    }
    return top;
}


/* ascending order of a short int array (the candidate swaps of a step, a few dozen):
 * insertion sort, without qsort's call per comparison */
static void sort_small(int *d, Py_ssize_t n) {
    for (Py_ssize_t i = 1; i < n; i++) {
        int x = d[i];
        Py_ssize_t j = i;
        for (; j > 0 && d[j - 1] > x; j--) d[j] = d[j - 1];
        d[j] = x;
    }
}

/* --- the search state -------------------------------------------------------------- */
typedef struct {
    int n, nops;
    const int *dist, *ends, *inc_ptr, *inc_idx, *q_ptr, *q_idx, *pa, *pb, *fus, *s_ptr,
        *s_idx;
    int *indeg, *pos, *inv, *last, *infront, *fa, *fb, *seen, *cmark;
    double *decay;
    ivec ready, forder, trace, done, cands, ext, queue, best;
    ivec *by_wire, *f_part, *e_part;
    Py_ssize_t nfront, f_sum, swaps;
    int dirty, stamp, cstamp;
    double mb;
    /* swap networks only (network()): hold 2-qubit gates in the front (lazy mode); count
       the inserted swaps a later 2-qubit non-swap op makes permanent (`kept`) */
    int hold;
    const int *confirms;
    ivec *open;
    ivec confirmed;
    Py_ssize_t kept;
} State;

#define DIST(s, p, q) ((s)->dist[(Py_ssize_t)(p) * (s)->n + (q)])

static int emit(State *s, int i);

static Py_ssize_t drain(State *s) {
    Py_ssize_t ran = 0;
    while (s->ready.len) {
        int i = heap_pop(&s->ready);
        int a = s->pa[i];
        if (a >= 0) {
            int b = s->pb[i];
            int d = DIST(s, s->pos[a], s->pos[b]);
            if (s->hold || d != 1) {
                s->infront[i] = 1;
                s->fa[i] = a;
                s->fb[i] = b;
                s->nfront++;
                if (iv_push(&s->forder, i) < 0 || iv_push(&s->by_wire[a], i) < 0 ||
                    iv_push(&s->by_wire[b], i) < 0 || iv_push(&s->f_part[a], b) < 0 ||
                    iv_push(&s->f_part[b], a) < 0)
                    return -1;
                s->f_sum += d;
                s->dirty = 1;
                continue;
            }
        }
        if (emit(s, i) < 0) return -1;
        ran++;
    }
    return ran;
}

/* run op i: trace it, release its successors (and, in a network, confirm the swaps
   waiting on its qubits) */
static int emit(State *s, int i) {
    if (iv_push(&s->trace, i) < 0) return -1;
    if (s->mb != 0.0) {
        int k = (int)s->trace.len - 1;
        for (int j = s->q_ptr[i]; j < s->q_ptr[i + 1]; j++) s->last[s->pos[s->q_idx[j]]] = k;
    }
    if (s->confirms && s->confirms[i]) {
        for (int j = s->q_ptr[i]; j < s->q_ptr[i + 1]; j++) {
            ivec *w = &s->open[s->pos[s->q_idx[j]]];
            for (Py_ssize_t m = 0; m < w->len; m++) {
                if (!s->confirmed.d[w->d[m]]) {
                    s->confirmed.d[w->d[m]] = 1;
                    s->kept++;
                }
            }
            w->len = 0;
        }
    }
    for (int j = s->s_ptr[i]; j < s->s_ptr[i + 1]; j++) {
        int t = s->s_idx[j];
        if (--s->indeg[t] == 0 && heap_push(&s->ready, t) < 0) return -1;
    }
    return 0;
}

/* take front gate g out of the front */
static void unfront(State *s, int g) {
    int a = s->fa[g], b = s->fb[g];
    s->infront[g] = 0;
    s->nfront--;
    iv_remove_one(&s->by_wire[a], g);
    iv_remove_one(&s->by_wire[b], g);
    iv_remove_one(&s->f_part[a], b);
    iv_remove_one(&s->f_part[b], a);
}

static Py_ssize_t do_swap(State *s, int p1, int p2) {
    int n = s->n;
    int u = s->inv[p1], v = s->inv[p2];
    if (iv_push(&s->trace, -1 - (p1 * n + p2)) < 0) return -1;
    s->last[p1] = s->last[p2] = (int)s->trace.len - 1;
    s->swaps++;
    s->pos[u] = p2;
    s->pos[v] = p1;
    s->inv[p1] = v;
    s->inv[p2] = u;
    s->done.len = 0;
    int ws[2] = {u, v};
    for (int k = 0; k < 2; k++) {
        ivec *bw = &s->by_wire[ws[k]];
        for (Py_ssize_t j = 0; j < bw->len; j++) {
            int g = bw->d[j];
            if (DIST(s, s->pos[s->fa[g]], s->pos[s->fb[g]]) != 1) continue;
            int dup = 0;
            for (Py_ssize_t m = 0; m < s->done.len; m++) dup |= s->done.d[m] == g;
            if (!dup && iv_push(&s->done, g) < 0) return -1;
        }
    }
    if (!s->done.len) return 0;
    for (Py_ssize_t m = 0; m < s->done.len; m++) {
        int g = s->done.d[m];
        unfront(s, g);
        if (heap_push(&s->ready, g) < 0) return -1;
    }
    s->f_sum -= s->done.len;
    s->dirty = 1;
    return drain(s);
}

/* front gates in insertion order (compacting the lazily deleted entries) */
static void compact_front(State *s) {
    Py_ssize_t k = 0;
    for (Py_ssize_t j = 0; j < s->forder.len; j++)
        if (s->infront[s->forder.d[j]]) s->forder.d[k++] = s->forder.d[j];
    s->forder.len = k;
}

/* up to `size` 2-qubit gates after the front (breadth first), as wire pairs in s->ext */
static int lookahead(State *s, int size) {
    s->ext.len = 0;
    if (size <= 0) return 0;
    s->stamp++;
    s->queue.len = 0;
    for (Py_ssize_t j = 0; j < s->forder.len; j++) {
        int g = s->forder.d[j];
        s->seen[g] = s->stamp;
        if (iv_push(&s->queue, g) < 0) return -1;
    }
    Py_ssize_t k = 0, budget = 20 * (Py_ssize_t)size;
    while (k < s->queue.len && s->ext.len / 2 < size && k < budget) {
        int g = s->queue.d[k];
        for (int j = s->s_ptr[g]; j < s->s_ptr[g + 1]; j++) {
            int t = s->s_idx[j];
            if (s->seen[t] == s->stamp) continue;
            s->seen[t] = s->stamp;
            if (s->pa[t] >= 0 && (iv_push(&s->ext, s->pa[t]) < 0 || iv_push(&s->ext, s->pb[t]) < 0))
                return -1;
            if (iv_push(&s->queue, t) < 0) return -1;
        }
        k++;
    }
    if (s->ext.len / 2 > size) s->ext.len = 2 * (Py_ssize_t)size;
    return 0;
}

static int force_one(State *s) {
    int g = -1, gd = 0;
    for (Py_ssize_t j = 0; j < s->forder.len; j++) {
        int i = s->forder.d[j];
        if (!s->infront[i]) continue;
        int d = DIST(s, s->pos[s->fa[i]], s->pos[s->fb[i]]);
        if (g < 0 || d < gd || (d == gd && i < g)) g = i, gd = d;
    }
    int a = s->fa[g], b = s->fb[g];
    while (s->infront[g]) {
        int pa = s->pos[a], pb = s->pos[b], step = -1;
        for (int j = s->inc_ptr[pa]; j < s->inc_ptr[pa + 1]; j++) {
            int k = s->inc_idx[j];
            int q = s->ends[2 * k] == pa ? s->ends[2 * k + 1] : s->ends[2 * k];
            if (DIST(s, q, pb) < DIST(s, pa, pb) && (step < 0 || q < step)) step = q;
        }
        if (step < 0) return -2; /* disconnected device: the caller raises (with the GIL) */
        if (do_swap(s, pa < step ? pa : step, pa < step ? step : pa) < 0) return -1;
    }
    return 0;
}

/* sum over partners x of wire w of (dist[to][pos x] - dist[from][pos x]) + #(x == other) */
static Py_ssize_t delta(State *s, const ivec *ps, int from, int to, int other) {
    Py_ssize_t t = 0;
    const int *rt = s->dist + (Py_ssize_t)to * s->n, *rf = s->dist + (Py_ssize_t)from * s->n;
    for (Py_ssize_t j = 0; j < ps->len; j++) {
        int x = ps->d[j];
        int p = s->pos[x];
        t += rt[p] - rf[p] + (x == other);
    }
    return t;
}

typedef struct {
    Py_buffer b[24];
    int nb;
} Buffers;

static void release(Buffers *bs) {
    for (int i = 0; i < bs->nb; i++) PyBuffer_Release(&bs->b[i]);
}

static const int *buf(Buffers *bs, PyObject *o, Py_ssize_t *len) {
    Py_buffer *v = &bs->b[bs->nb];
    if (PyObject_GetBuffer(o, v, PyBUF_SIMPLE) < 0) return NULL;
    bs->nb++;
    if (len) *len = v->len / (Py_ssize_t)sizeof(int);
    return (const int *)v->buf;
}

static void free_state(State *s) {
    if (s->by_wire)
        for (int w = 0; w < s->n; w++) free(s->by_wire[w].d), free(s->f_part[w].d), free(s->e_part[w].d);
    free(s->by_wire), free(s->f_part), free(s->e_part);
    free(s->indeg), free(s->pos), free(s->inv), free(s->last), free(s->infront), free(s->fa);
    free(s->fb), free(s->seen), free(s->cmark), free(s->decay);
    free(s->ready.d), free(s->forder.d), free(s->trace.d), free(s->done.d), free(s->cands.d);
    free(s->ext.d), free(s->queue.d), free(s->best.d);
}

static int run(State *s, int look, double wgt, double decay_step, double adj, uint64_t seed) {
    int n = s->n;
    for (int i = 0; i < s->nops; i++)
        if (s->indeg[i] == 0 && heap_push(&s->ready, i) < 0) return -1;
    for (int i = 0; i < n; i++) s->decay[i] = 1.0;
    s->dirty = 1;
    if (drain(s) < 0) return -1;
    Py_ssize_t since_progress = 0, swaps_since_reset = 0, max_stall = 4 * (Py_ssize_t)n + 10;
    Py_ssize_t nf = 1, ne = 1, e_sum = 1;
    uint64_t rng = seed;
    while (s->nfront) {
        if (since_progress > max_stall) {
            compact_front(s);
            int f = force_one(s);
            if (f < 0) return f;
            compact_front(s);
            s->f_sum = 0;
            for (Py_ssize_t j = 0; j < s->forder.len; j++) {
                int g = s->forder.d[j];
                s->f_sum += DIST(s, s->pos[s->fa[g]], s->pos[s->fb[g]]);
            }
            since_progress = 0;
            for (int i = 0; i < n; i++) s->decay[i] = 1.0;
            continue;
        }
        compact_front(s);
        if (s->dirty) {
            s->dirty = 0;
            for (Py_ssize_t j = 0; j < s->ext.len; j++) s->e_part[s->ext.d[j]].len = 0;
            if (lookahead(s, look) < 0) return -1;
            e_sum = 0;
            for (Py_ssize_t j = 0; j < s->ext.len; j += 2) {
                int a = s->ext.d[j], b = s->ext.d[j + 1];
                if (iv_push(&s->e_part[a], b) < 0 || iv_push(&s->e_part[b], a) < 0) return -1;
                e_sum += DIST(s, s->pos[a], s->pos[b]);
            }
            nf = s->nfront;
            ne = s->ext.len / 2 > 1 ? s->ext.len / 2 : 1;
        }
        s->cstamp++;
        s->cands.len = 0;
        for (Py_ssize_t j = 0; j < s->forder.len; j++) {
            int g = s->forder.d[j];
            int ps[2] = {s->pos[s->fa[g]], s->pos[s->fb[g]]};
            for (int m = 0; m < 2; m++)
                for (int t = s->inc_ptr[ps[m]]; t < s->inc_ptr[ps[m] + 1]; t++) {
                    int k = s->inc_idx[t];
                    if (s->cmark[k] == s->cstamp) continue;
                    s->cmark[k] = s->cstamp;
                    if (iv_push(&s->cands, k) < 0) return -1;
                }
        }
        sort_small(s->cands.d, s->cands.len);
        double best_score = 1.0 / 0.0;
        s->best.len = 0; /* (edge, df, de) triples */
        for (Py_ssize_t c = 0; c < s->cands.len; c++) {
            int k = s->cands.d[c];
            int p1 = s->ends[2 * k], p2 = s->ends[2 * k + 1];
            int u = s->inv[p1], v = s->inv[p2];
            Py_ssize_t df = delta(s, &s->f_part[u], p1, p2, v) + delta(s, &s->f_part[v], p2, p1, u);
            Py_ssize_t de = delta(s, &s->e_part[u], p1, p2, v) + delta(s, &s->e_part[v], p2, p1, u);
            double score = (double)(s->f_sum + df) / (double)nf +
                           wgt * (double)(e_sum + de) / (double)ne;
            score *= s->decay[p1] > s->decay[p2] ? s->decay[p1] : s->decay[p2];
            if (adj != 0.0) {
                Py_ssize_t newly = 0;
                int ws[2] = {u, v}, nw[2] = {p2, p1};
                for (int m = 0; m < 2; m++) {
                    const ivec *ps = &s->f_part[ws[m]];
                    const int *row = s->dist + (Py_ssize_t)nw[m] * n;
                    for (Py_ssize_t j = 0; j < ps->len; j++) newly += row[s->pos[ps->d[j]]] == 1;
                }
                score -= adj * (double)newly;
            }
            if (s->mb != 0.0) {
                int j = s->last[p1];
                if (j >= 0 && j == s->last[p2] && s->trace.d[j] >= 0 && s->fus[s->trace.d[j]])
                    score -= s->mb;
            }
            if (score < best_score - 1e-9) {
                best_score = score;
                s->best.len = 0;
            } else if (!(score <= best_score + 1e-9)) {
                continue;
            }
            if (iv_push(&s->best, k) < 0 || iv_push(&s->best, (int)df) < 0 ||
                iv_push(&s->best, (int)de) < 0)
                return -1;
        }
        Py_ssize_t nb = s->best.len / 3, pick = 0;
        if (nb > 1) pick = (Py_ssize_t)(splitmix(&rng) % (uint64_t)nb);
        int k = s->best.d[3 * pick];
        int p1 = s->ends[2 * k], p2 = s->ends[2 * k + 1];
        s->f_sum += s->best.d[3 * pick + 1];
        e_sum += s->best.d[3 * pick + 2];
        Py_ssize_t ran = do_swap(s, p1, p2);
        if (ran < 0) return -1;
        s->decay[p1] += decay_step;
        s->decay[p2] += decay_step;
        swaps_since_reset++;
        if (ran) {
            since_progress = 0;
            for (int i = 0; i < n; i++) s->decay[i] = 1.0;
        } else {
            since_progress++;
            if (swaps_since_reset >= 5) {
                for (int i = 0; i < n; i++) s->decay[i] = 1.0;
                swaps_since_reset = 0;
            }
        }
    }
    return 0;
}

static PyObject *to_list(const int *d, Py_ssize_t len) {
    PyObject *out = PyList_New(len);
    if (!out) return NULL;
    for (Py_ssize_t i = 0; i < len; i++) {
        PyObject *x = PyLong_FromLong(d[i]);
        if (!x) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, x);
    }
    return out;
}

/* the arrays every run needs (s->n set): 0, or -1 when out of memory */
static int alloc_state(State *s, Py_ssize_t nops, const int *indeg) {
    size_t N = (size_t)s->n, M = (size_t)(nops ? nops : 1);
    s->nops = (int)nops;
    s->indeg = malloc(M * sizeof(int));
    s->pos = malloc(N * sizeof(int));
    s->inv = malloc(N * sizeof(int));
    s->last = malloc(N * sizeof(int));
    s->infront = calloc(M, sizeof(int));
    s->fa = calloc(M, sizeof(int));
    s->fb = calloc(M, sizeof(int));
    s->by_wire = calloc(N, sizeof(ivec));
    s->f_part = calloc(N, sizeof(ivec));
    s->e_part = calloc(N, sizeof(ivec));
    if (!s->indeg || !s->pos || !s->inv || !s->last || !s->infront || !s->fa || !s->fb ||
        !s->by_wire || !s->f_part || !s->e_part)
        return -1;
    memcpy(s->indeg, indeg, (size_t)nops * sizeof(int));
    return 0;
}

/* (trace, final, swaps) of a finished run, or NULL with an exception set */
static PyObject *finished(State *s) {
    if (s->ready.len) {
        PyErr_SetString(PyExc_RuntimeError, "routing ended with unrouted operations");
        return NULL;
    }
    PyObject *trace = to_list(s->trace.d, s->trace.len);
    PyObject *final = trace ? to_list(s->pos, s->n) : NULL;
    if (!final) {
        Py_XDECREF(trace);
        return NULL;
    }
    return Py_BuildValue("NNn", trace, final, s->swaps);
}

static PyObject *search(PyObject *self, PyObject *args) {
    (void)self;
    int n, look;
    double wgt, decay_step, adj, mb;
    unsigned long long seed;
    PyObject *o[14];
    if (!PyArg_ParseTuple(args, "iOOOOOOOOOOOOOiddddK", &n, &o[0], &o[1], &o[2], &o[3], &o[4],
                          &o[5], &o[6], &o[7], &o[8], &o[9], &o[10], &o[11], &o[12], &look,
                          &wgt, &decay_step, &adj, &mb, &seed))
        return NULL;
    Buffers bs = {.nb = 0};
    State s;
    memset(&s, 0, sizeof s);
    PyObject *result = NULL;
    Py_ssize_t nops = 0, nstart = 0, nd = 0;
    s.n = n;
    s.dist = buf(&bs, o[0], &nd);
    s.ends = s.dist ? buf(&bs, o[1], NULL) : NULL;
    s.inc_ptr = s.ends ? buf(&bs, o[2], NULL) : NULL;
    s.inc_idx = s.inc_ptr ? buf(&bs, o[3], NULL) : NULL;
    s.q_ptr = s.inc_idx ? buf(&bs, o[4], NULL) : NULL;
    s.q_idx = s.q_ptr ? buf(&bs, o[5], NULL) : NULL;
    s.pa = s.q_idx ? buf(&bs, o[6], &nops) : NULL;
    s.pb = s.pa ? buf(&bs, o[7], NULL) : NULL;
    s.fus = s.pb ? buf(&bs, o[8], NULL) : NULL;
    s.s_ptr = s.fus ? buf(&bs, o[9], NULL) : NULL;
    s.s_idx = s.s_ptr ? buf(&bs, o[10], NULL) : NULL;
    const int *indeg = s.s_idx ? buf(&bs, o[11], NULL) : NULL;
    const int *start = indeg ? buf(&bs, o[12], &nstart) : NULL;
    if (!start) goto out;
    if (nd != (Py_ssize_t)n * n || nstart != n) {
        PyErr_SetString(PyExc_ValueError, "search: inconsistent sizes");
        goto out;
    }
    s.mb = mb;
    size_t M = (size_t)(nops ? nops : 1);
    s.seen = calloc(M, sizeof(int));
    s.cmark = calloc((size_t)s.inc_ptr[n] + 1, sizeof(int));
    s.decay = malloc((size_t)n * sizeof(double));
    if (alloc_state(&s, nops, indeg) < 0 || !s.seen || !s.cmark || !s.decay) {
        PyErr_NoMemory();
        goto out;
    }
    for (int w = 0; w < n; w++) {
        s.pos[w] = start[w];
        s.last[w] = -1;
    }
    for (int w = 0; w < n; w++) s.inv[s.pos[w]] = w;
    int rc;
    Py_BEGIN_ALLOW_THREADS /* run touches no Python object: trials can run in threads */
    rc = run(&s, look, wgt, decay_step, adj, (uint64_t)seed);
    Py_END_ALLOW_THREADS
    if (rc == -2) {
        PyErr_SetString(PyExc_RuntimeError, "routing: device is disconnected");
        goto out;
    }
    if (rc < 0) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto out;
    }
    result = finished(&s);
out:
    free_state(&s);
    release(&bs);
    return result;
}


/* One search of the program `prog` (the 8 arrays of sabre.Program.flat, `nops` ops) on the
 * device `dev` (dist, ends, inc_ptr, inc_idx; n qubits) from `start` (one physical qubit
 * per wire), as search() runs it: the final position of every wire into `final`. 0, or
 * -1 (out of memory), -2 (disconnected device), -3 (unrouted operations left). */
static int search_final(int n, const int *const *dev, const int *const *prog, Py_ssize_t nops,
                        const int *start, int look, double wgt, double decay_step, double adj,
                        double mb, uint64_t seed, int *final) {
    State s;
    memset(&s, 0, sizeof s);
    s.n = n;
    s.dist = dev[0], s.ends = dev[1], s.inc_ptr = dev[2], s.inc_idx = dev[3];
    s.q_ptr = prog[0], s.q_idx = prog[1], s.pa = prog[2], s.pb = prog[3], s.fus = prog[4];
    s.s_ptr = prog[5], s.s_idx = prog[6];
    s.mb = mb;
    size_t M = (size_t)(nops ? nops : 1);
    s.seen = calloc(M, sizeof(int));
    s.cmark = calloc((size_t)s.inc_ptr[n] + 1, sizeof(int));
    s.decay = malloc((size_t)n * sizeof(double));
    int rc = -1;
    if (alloc_state(&s, nops, prog[7]) < 0 || !s.seen || !s.cmark || !s.decay) goto out;
    for (int w = 0; w < n; w++) {
        s.pos[w] = start[w];
        s.last[w] = -1;
    }
    for (int w = 0; w < n; w++) s.inv[s.pos[w]] = w;
    rc = run(&s, look, wgt, decay_step, adj, seed);
    if (rc == 0 && s.ready.len) rc = -3;
    if (rc == 0) memcpy(final, s.pos, (size_t)n * sizeof(int));
out:
    free_state(&s);
    return rc;
}

/* layout_trial(n, dist, ends, inc_ptr, inc_idx, *prog.flat, *rprog.flat, lay, iterations,
 *              lookahead, weight, decay_step, adjacency_bonus, merge_bonus, fseed, bseed)
 *     -> list[int]
 * The forward-backward passes of one SABRE layout trial (layout.sabre_layout's trial):
 * `iterations` times, route the program forward from `lay` (the logical wires' physical
 * qubits, the idle wires on the unused qubits in ascending order) with seed fseed + it,
 * then the reversed program `rprog` backward from where the wires ended, with seed
 * bseed + it; the layout is where the backward pass leaves the logical wires. The same
 * searches as search() from Python, without a round trip per pass. */
static PyObject *layout_trial(PyObject *self, PyObject *args) {
    (void)self;
    int n, look, iterations;
    double wgt, decay_step, adj, mb;
    long long fseed, bseed;
    PyObject *o[21];
    if (!PyArg_ParseTuple(args, "iOOOOOOOOOOOOOOOOOOOOOiiddddLL", &n, &o[0], &o[1], &o[2],
                          &o[3], &o[4], &o[5], &o[6], &o[7], &o[8], &o[9], &o[10], &o[11],
                          &o[12], &o[13], &o[14], &o[15], &o[16], &o[17], &o[18], &o[19],
                          &o[20], &iterations, &look, &wgt, &decay_step, &adj, &mb, &fseed,
                          &bseed))
        return NULL;
    Buffers bs = {.nb = 0};
    const int *a[21];
    Py_ssize_t len[21];
    PyObject *result = NULL;
    int *cur = NULL, *end = NULL, *start = NULL, *used = NULL;
    for (int i = 0; i < 21; i++)
        if (!(a[i] = buf(&bs, o[i], &len[i]))) goto out;
    Py_ssize_t nlog = len[20], nops = len[6];
    if (n <= 0 || len[0] != (Py_ssize_t)n * n || len[2] != n + 1 || nlog > n || len[14] != nops ||
        len[11] != nops || len[19] != nops) {
        PyErr_SetString(PyExc_ValueError, "layout_trial: inconsistent sizes");
        goto out;
    }
    size_t N = (size_t)n;
    cur = malloc(N * sizeof(int)), end = malloc(N * sizeof(int));
    start = malloc(N * sizeof(int)), used = malloc(N * sizeof(int));
    if (!cur || !end || !start || !used) {
        PyErr_NoMemory();
        goto out;
    }
    for (Py_ssize_t w = 0; w < nlog; w++) {
        if (a[20][w] < 0 || a[20][w] >= n) {
            PyErr_SetString(PyExc_ValueError, "layout_trial: qubit out of range");
            goto out;
        }
        cur[w] = a[20][w];
    }
    int rc = 0;
    Py_BEGIN_ALLOW_THREADS /* touches no Python object: trials can run in threads */
    for (int it = 0; it < iterations && rc == 0; it++)
        for (int pass = 0; pass < 2 && rc == 0; pass++) {
            /* sabre_layout's _start: the logical wires where they are, then the unused
             * qubits in ascending order */
            memset(used, 0, N * sizeof(int));
            for (Py_ssize_t w = 0; w < nlog; w++) start[w] = cur[w], used[cur[w]] = 1;
            Py_ssize_t m = nlog;
            for (int q = 0; q < n; q++)
                if (!used[q]) start[m++] = q;
            if (m != n) { /* a qubit twice in the layout */
                rc = -4;
                break;
            }
            const int *const *prog = pass == 0 ? a + 4 : a + 12;
            uint64_t seed = (uint64_t)((pass == 0 ? fseed : bseed) + it);
            rc = search_final(n, a, prog, nops, start, look, wgt, decay_step, adj, mb, seed, end);
            if (rc == 0) memcpy(cur, end, (size_t)nlog * sizeof(int));
        }
    Py_END_ALLOW_THREADS
    if (rc == -2) PyErr_SetString(PyExc_RuntimeError, "routing: device is disconnected");
    else if (rc == -3) PyErr_SetString(PyExc_RuntimeError, "routing ended with unrouted operations");
    else if (rc == -4) PyErr_SetString(PyExc_ValueError, "layout_trial: a qubit twice in the layout");
    else if (rc < 0) PyErr_NoMemory();
    if (rc == 0) result = to_list(cur, nlog);
out:
    free(cur), free(end), free(start), free(used);
    release(&bs);
    return result;
}

/* --- swap networks (qlang.passes.routing.network.route_network) --------------------- */

/* a swap inserted by the network: waits on both qubits until an op confirms it */
static Py_ssize_t net_swap(State *s, int p1, int p2) {
    int k = (int)s->confirmed.len;
    if (iv_push(&s->confirmed, 0) < 0 || iv_push(&s->open[p1], k) < 0 ||
        iv_push(&s->open[p2], k) < 0)
        return -1;
    if (!s->hold) return do_swap(s, p1, p2);
    int n = s->n, u = s->inv[p1], v = s->inv[p2];
    if (iv_push(&s->trace, -1 - (p1 * n + p2)) < 0) return -1;
    s->swaps++;
    s->pos[u] = p2;
    s->pos[v] = p1;
    s->inv[p1] = v;
    s->inv[p2] = u;
    return 0;
}

/* lazy mode: run the lowest front gate on exactly the wires at p1, p2; 1 if one ran */
static int run_gate_on(State *s, int p1, int p2) {
    int u = s->inv[p1], v = s->inv[p2], g = -1;
    ivec *bw = &s->by_wire[u];
    for (Py_ssize_t j = 0; j < bw->len; j++) {
        int h = bw->d[j];
        if ((s->fa[h] == v || s->fb[h] == v) && (g < 0 || h < g)) g = h;
    }
    if (g < 0) return 0;
    unfront(s, g);
    if (emit(s, g) < 0 || drain(s) < 0) return -1;
    return 1;
}

/* 0 done, 1 stopped (budget or bound), -1 error */
static int net_run(State *s, const int *path, int k, int lazy, Py_ssize_t budget,
                   Py_ssize_t bound, Py_ssize_t floor) {
    s->hold = lazy;
    for (int i = 0; i < s->nops; i++)
        if (s->indeg[i] == 0 && heap_push(&s->ready, i) < 0) return -1;
    if (drain(s) < 0) return -1;
    for (Py_ssize_t layer = 0; s->nfront; layer++) {
        if (layer >= budget || (bound >= 0 && floor + s->kept > bound)) return 1;
        for (int i = (int)(layer % 2); i < k - 1; i += 2) {
            int p1 = path[i] < path[i + 1] ? path[i] : path[i + 1];
            int p2 = path[i] < path[i + 1] ? path[i + 1] : path[i];
            if (lazy) {
                int r;
                while ((r = run_gate_on(s, p1, p2)) == 1) {
                }
                if (r < 0) return -1;
                if (!s->nfront) break;
            }
            if (net_swap(s, p1, p2) < 0) return -1;
        }
    }
    return 0;
}

static PyObject *network(PyObject *self, PyObject *args) {
    (void)self;
    int n, lazy;
    Py_ssize_t budget, bound, floor;
    PyObject *o[10];
    if (!PyArg_ParseTuple(args, "iOOOOOOOOOOinnn", &n, &o[0], &o[1], &o[2], &o[3], &o[4],
                          &o[5], &o[6], &o[7], &o[8], &o[9], &lazy, &budget, &bound, &floor))
        return NULL;
    Buffers bs = {.nb = 0};
    State s;
    memset(&s, 0, sizeof s);
    PyObject *result = NULL;
    Py_ssize_t nops = 0, nd = 0, npath = 0, nb = 0, nc = 0, ni = 0;
    s.n = n;
    s.dist = buf(&bs, o[0], &nd);
    s.q_ptr = s.dist ? buf(&bs, o[1], NULL) : NULL;
    s.q_idx = s.q_ptr ? buf(&bs, o[2], NULL) : NULL;
    s.pa = s.q_idx ? buf(&bs, o[3], &nops) : NULL;
    s.pb = s.pa ? buf(&bs, o[4], &nb) : NULL;
    s.confirms = s.pb ? buf(&bs, o[5], &nc) : NULL;
    s.s_ptr = s.confirms ? buf(&bs, o[6], NULL) : NULL;
    s.s_idx = s.s_ptr ? buf(&bs, o[7], NULL) : NULL;
    const int *indeg = s.s_idx ? buf(&bs, o[8], &ni) : NULL;
    const int *path = indeg ? buf(&bs, o[9], &npath) : NULL;
    if (!path) goto out;
    if (nd != (Py_ssize_t)n * n || nb != nops || nc != nops || ni != nops) {
        PyErr_SetString(PyExc_ValueError, "network: inconsistent sizes");
        goto out;
    }
    for (Py_ssize_t i = 0; i < npath; i++)
        if (path[i] < 0 || path[i] >= n) {
            PyErr_SetString(PyExc_ValueError, "network: path qubit out of range");
            goto out;
        }
    s.open = calloc((size_t)n, sizeof(ivec));
    if (alloc_state(&s, nops, indeg) < 0 || !s.open) {
        PyErr_NoMemory();
        goto out;
    }
    for (int w = 0; w < n; w++) s.pos[w] = s.inv[w] = w, s.last[w] = -1;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = net_run(&s, path, (int)npath, lazy, budget, bound, floor);
    Py_END_ALLOW_THREADS
    if (rc < 0) {
        PyErr_NoMemory();
        goto out;
    }
    if (rc == 1) {
        result = Py_None;
        Py_INCREF(result);
        goto out;
    }
    result = finished(&s);
out:
    if (s.open)
        for (int w = 0; w < n; w++) free(s.open[w].d);
    free(s.open);
    free(s.confirmed.d);
    free_state(&s);
    release(&bs);
    return result;
}


/* --- the chain kernels' shared argument handling ----------------------------------- */
/* `order` and `pairs` as fast sequences (both new references), or -1 */
static int open_chain(PyObject *order, PyObject *pairs, PyObject **ord, PyObject **prs) {
    *ord = PySequence_Fast(order, "order must be a sequence");
    if (!*ord) return -1;
    *prs = PySequence_Fast(pairs, "pairs must be a sequence");
    if (!*prs) {
        Py_DECREF(*ord);
        return -1;
    }
    return 0;
}

/* the chain indices of the wires of pair `pr` (labels `lab[0..k)`), or -1 */
static int pair_index(PyObject *pr, const int *lab, int k, int *u, int *v) {
    int la, lb;
    if (!PyArg_ParseTuple(pr, "ii", &la, &lb)) return -1;
    *u = *v = -1;
    for (int i = 0; i < k; i++) {
        if (lab[i] == la) *u = i;
        if (lab[i] == lb) *v = i;
    }
    if (*u < 0 || *v < 0 || *u == *v) {
        PyErr_SetString(PyExc_ValueError, "pair wire not in the chain order");
        return -1;
    }
    return 0;
}

/* --- the greedy parity-chain planner ----------------------------------------------- */
typedef struct {
    int k;
    int *sigma, *where, *lab;
    unsigned char *pend; /* k x k, by chain index */
    Py_ssize_t npend;
} Chain;

#define PEND(c, x, y) ((c)->pend[(Py_ssize_t)(x) * (c)->k + (y)])

/* Python's random.Random.randrange(n) for n > 0, drawn bit for bit as CPython does
 * (Random._randbelow_with_getrandbits: k = n.bit_length() bits, redrawn while >= n), from
 * the caller's ``getrandbits``: the same stream as the Python reference, without two
 * Python-level frames per draw. */
static int below(PyObject *getrandbits, Py_ssize_t n, Py_ssize_t *out) {
    if (n <= 0) {
        PyErr_SetString(PyExc_ValueError, "empty range for randrange");
        return -1;
    }
    int bits = 0;
    for (Py_ssize_t m = n; m; m >>= 1) bits++;
    PyObject *kobj = PyLong_FromLong(bits);
    if (!kobj) return -1;
    for (;;) {
        PyObject *r = PyObject_CallOneArg(getrandbits, kobj);
        if (!r) {
            Py_DECREF(kobj);
            return -1;
        }
        Py_ssize_t v = PyLong_AsSsize_t(r);
        Py_DECREF(r);
        if (v == -1 && PyErr_Occurred()) {
            Py_DECREF(kobj);
            return -1;
        }
        if (v < n) {
            *out = v;
            Py_DECREF(kobj);
            return 0;
        }
    }
}

/* --- Python's random.Random(seed) (MT19937), for streams the kernels own ---------- */
/* The generator CPython's random module uses, seeded as random.Random(seed) seeds it from
 * a non-negative integer below 2**64 (init_by_array over its 32-bit words, least
 * significant first): the same draws, without calling back into Python. */
#define MT_N 624
#define MT_M 397
typedef struct {
    uint32_t mt[MT_N];
    int index;
} MT;

static void mt_seed(MT *r, uint64_t seed) {
    uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    int klen = seed >> 32 ? 2 : 1;
    uint32_t *mt = r->mt;
    mt[0] = 19650218U;
    for (int i = 1; i < MT_N; i++)
        mt[i] = 1812433253U * (mt[i - 1] ^ (mt[i - 1] >> 30)) + (uint32_t)i;
    int i = 1, j = 0;
    for (int k = MT_N > klen ? MT_N : klen; k; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525U)) + key[j] + (uint32_t)j;
        i++, j++;
        if (i >= MT_N) mt[0] = mt[MT_N - 1], i = 1;
        if (j >= klen) j = 0;
    }
    for (int k = MT_N - 1; k; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941U)) - (uint32_t)i;
        i++;
        if (i >= MT_N) mt[0] = mt[MT_N - 1], i = 1;
    }
    mt[0] = 0x80000000U;
    r->index = MT_N;
}

/* the next MT_N words of the state (mt_next's regeneration, out of its inline path) */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static void mt_twist(MT *r) {
    static const uint32_t mag01[2] = {0x0U, 0x9908b0dfU};
    uint32_t y, *mt = r->mt;
    {
        int kk;
        for (kk = 0; kk < MT_N - MT_M; kk++) {
            y = (mt[kk] & 0x80000000U) | (mt[kk + 1] & 0x7fffffffU);
            mt[kk] = mt[kk + MT_M] ^ (y >> 1) ^ mag01[y & 1U];
        }
        for (; kk < MT_N - 1; kk++) {
            y = (mt[kk] & 0x80000000U) | (mt[kk + 1] & 0x7fffffffU);
            mt[kk] = mt[kk + (MT_M - MT_N)] ^ (y >> 1) ^ mag01[y & 1U];
        }
        y = (mt[MT_N - 1] & 0x80000000U) | (mt[0] & 0x7fffffffU);
        mt[MT_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ mag01[y & 1U];
        r->index = 0;
    }
}

static inline uint32_t mt_next(MT *r) {
    if (r->index >= MT_N) mt_twist(r);
    uint32_t y = r->mt[r->index++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= (y >> 18);
    return y;
}

/* a random stream: the caller's getrandbits (a Python callable), or an MT of our own;
 * with a `tape` (the first MT_N outputs of a fixed state, drawn once), the first MT_N
 * draws are read from it and `mt` (then a copy of `after`, the state past them) takes
 * over from there: the same numbers as drawing from that state, for streams that start
 * over from one seed many times (quick_cost's planner) */
typedef struct {
    PyObject *getrandbits;
    MT *mt;
    const uint32_t *tape;
    int tpos;
    const MT *after;
} Rng;

static inline uint32_t rng_u32(Rng *r) {
    if (r->tape) {
        if (r->tpos < MT_N) return r->tape[r->tpos++];
        *r->mt = *r->after;
        r->tape = NULL;
    }
    return mt_next(r->mt);
}

/* randrange(n) as CPython draws it (k = n.bit_length() bits until below n) */
static inline int rng_below(Rng *r, Py_ssize_t n, Py_ssize_t *out) {
    if (!r->mt) return below(r->getrandbits, n, out);
    if (n <= 0 || n > 0xffffffffLL) {
        PyErr_SetString(PyExc_ValueError, "randrange out of range");
        return -1;
    }
#if defined(__GNUC__) || defined(__clang__)
    int bits = 64 - __builtin_clzll((unsigned long long)n);
#else
    int bits = 0;
    for (Py_ssize_t m = n; m; m >>= 1) bits++;
#endif
    for (;;) {
        Py_ssize_t v = (Py_ssize_t)(rng_u32(r) >> (32 - bits));
        if (v < n) {
            *out = v;
            return 0;
        }
    }
}

/* random.random() as CPython draws it: two 32-bit words, a >> 5 and b >> 6 */
static int draw_random(PyObject *getrandbits, double *out);
static int rng_random(Rng *r, double *out) {
    if (!r->mt) return draw_random(r->getrandbits, out);
    uint32_t a = rng_u32(r) >> 5;
    uint32_t b = rng_u32(r) >> 6;
    *out = ((double)a * 67108864.0 + (double)b) * (1.0 / 9007199254740992.0);
    return 0;
}

/* The caller's random stream `src` as an Rng: a random.Random (anything with getstate and
 * setstate) is read once with getstate() into `mt` and drawn from in C, with the draws
 * CPython's own Mersenne Twister would make (rng_close writes the advanced state back
 * with setstate(), so the caller's stream goes on exactly as after the Python loop); any
 * other object is a getrandbits callable, called for every draw. `*state` (a new
 * reference or NULL) is what rng_close needs. -1 on error. */
static int rng_open(Rng *r, MT *mt, PyObject *src, PyObject **state) {
    *state = NULL;
    memset(r, 0, sizeof *r);
    r->getrandbits = src;
    if (!PyObject_HasAttrString(src, "setstate")) return 0;
    PyObject *st = PyObject_CallMethod(src, "getstate", NULL);
    if (!st) return -1;
    PyObject *inner = PyTuple_Check(st) && PyTuple_GET_SIZE(st) == 3 ? PyTuple_GET_ITEM(st, 1) : NULL;
    if (!inner || !PyTuple_Check(inner) || PyTuple_GET_SIZE(inner) != MT_N + 1) {
        Py_DECREF(st);
        PyErr_SetString(PyExc_ValueError, "not the state of a random.Random");
        return -1;
    }
    for (int i = 0; i < MT_N; i++) {
        unsigned long v = PyLong_AsUnsignedLong(PyTuple_GET_ITEM(inner, i));
        if (v == (unsigned long)-1 && PyErr_Occurred()) {
            Py_DECREF(st);
            return -1;
        }
        mt->mt[i] = (uint32_t)v;
    }
    long index = PyLong_AsLong(PyTuple_GET_ITEM(inner, MT_N));
    if (index < 0 || index > MT_N) {
        Py_DECREF(st);
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "random state index out of range");
        return -1;
    }
    mt->index = (int)index;
    r->getrandbits = NULL;
    r->mt = mt;
    *state = st;
    return 0;
}

/* Write an opened random.Random's advanced state back (nothing for a callable); drops
 * `state`. -1 on error. */
static int rng_close(Rng *r, PyObject *src, PyObject *state) {
    if (!r->mt || !state) {
        Py_XDECREF(state);
        return 0;
    }
    int rc = -1;
    PyObject *inner = PyTuple_New(MT_N + 1), *full = NULL, *res = NULL;
    if (!inner) goto out;
    for (int i = 0; i <= MT_N; i++) {
        PyObject *x = i < MT_N ? PyLong_FromUnsignedLong(r->mt->mt[i]) : PyLong_FromLong(r->mt->index);
        if (!x) goto out;
        PyTuple_SET_ITEM(inner, i, x);
    }
    full = PyTuple_Pack(3, PyTuple_GET_ITEM(state, 0), inner, PyTuple_GET_ITEM(state, 2));
    if (!full) goto out;
    res = PyObject_CallMethod(src, "setstate", "(O)", full);
    rc = res ? 0 : -1;
out:
    Py_XDECREF(res);
    Py_XDECREF(full);
    Py_XDECREF(inner);
    Py_DECREF(state);
    return rc;
}

/* --- a lower bound on a plan's cost while it is planned --------------------------- */
/* plan_eval's cost of a plan is the sum over its transpositions j of 1 + links[j - 1],
 * plus 2 x (links in use + rungs run directly). While a plan is built, its prefix already
 * fixes part of that: every transposed link is in use, and on a path without rungs also
 * every link where a pending pair is first exposed and where a pair is adjacent at the
 * start (with rungs, a pair exposed there may be an end rung that needs no link). `lb`
 * is that part, counted for the links known so far (a transposition at j whose link j - 1
 * becomes known later is counted then, from cnt[j]): it never decreases and never exceeds
 * the finished plan's cost, so once it is above `bound` the plan costs more than `bound`
 * and the planner can stop (the refinement only wants to know whether a cost is at most
 * its best). `in` and `cnt` have k entries, zero at the start. */
typedef struct {
    Py_ssize_t lb, bound;
    int k, expose;
    unsigned char *in;
    int *cnt;
} Bound;

static inline void bd_link(Bound *b, int i) {
    if (!b->in[i]) {
        b->in[i] = 1;
        b->lb += 2 + (i + 1 < b->k - 1 ? b->cnt[i + 1] : 0);
    }
}

static inline void bd_step(Bound *b, int j) {
    b->cnt[j]++;
    b->lb += 1 + (j >= 1 && b->in[j - 1]);
    bd_link(b, j);
}

/* --- the greedy parity-chain planner ----------------------------------------------- */
/* Its buffers for chains of up to `cap` wires, allocated once for many plans. */
typedef struct {
    Chain c;
    ivec *partners, best;
    int *side; /* per wire: partners at lower positions minus partners at higher ones */
    int *score8; /* per position j: the score of transposing j, j + 1, in eighths */
    int cap;
} GreedyWs;

static void gws_free(GreedyWs *w) {
    if (w->partners)
        for (int i = 0; i < w->cap; i++) free(w->partners[i].d);
    free(w->partners), free(w->c.sigma), free(w->c.where), free(w->c.lab), free(w->c.pend);
    free(w->best.d), free(w->side), free(w->score8);
    memset(w, 0, sizeof *w);
}

static int gws_init(GreedyWs *w, int cap) {
    memset(w, 0, sizeof *w);
    size_t K = (size_t)(cap > 0 ? cap : 1);
    w->cap = (int)K;
    w->c.sigma = malloc(K * sizeof(int));
    w->c.where = malloc(K * sizeof(int));
    w->c.lab = malloc(K * sizeof(int));
    w->c.pend = malloc(K * K);
    w->partners = calloc(K, sizeof(ivec));
    w->best.d = malloc(K * sizeof(int));
    w->best.cap = (Py_ssize_t)K;
    w->side = malloc(K * sizeof(int));
    w->score8 = malloc(K * sizeof(int));
    int ok = w->c.sigma && w->c.where && w->c.lab && w->c.pend && w->partners && w->best.d &&
             w->side && w->score8;
    for (size_t i = 0; ok && i < K; i++) {
        w->partners[i].d = malloc(K * sizeof(int));
        w->partners[i].cap = (Py_ssize_t)K;
        ok = w->partners[i].d != NULL;
    }
    if (!ok) {
        gws_free(w);
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* Pending pair (u, v) is done: drop it from the partner lists and the side counts. */
static void g_unpend(Chain *c, ivec *partners, int *side, int u, int v) {
    PEND(c, u, v) = PEND(c, v, u) = 0;
    c->npend--;
    iv_remove_one(&partners[u], v);
    iv_remove_one(&partners[v], u);
    int s = c->where[v] < c->where[u] ? 1 : -1; /* v was on u's lower side: s = 1 */
    side[u] -= s;
    side[v] += s;
}

/* transpose() for the greedy planner, keeping the side counts: swapping the wires at j,
 * j + 1 moves no other wire across either of them, so only their own pair (if pending)
 * changes sides. Returns how many pending pairs became adjacent. */
static int g_transpose(Chain *c, int j, ivec *partners, int *side, Bound *bd) {
    int a = c->sigma[j], b = c->sigma[j + 1], exposed = 0;
    c->sigma[j] = b;
    c->sigma[j + 1] = a;
    c->where[a] = j + 1;
    c->where[b] = j;
    if (PEND(c, a, b)) side[a] += 2, side[b] -= 2;
    int xs[2] = {j - 1, j + 1};
    for (int m = 0; m < 2; m++) {
        int x = xs[m], y = x + 1;
        if (x < 0 || y >= c->k) continue;
        int u = c->sigma[x], v = c->sigma[y];
        if (PEND(c, u, v)) {
            g_unpend(c, partners, side, u, v);
            exposed++;
            if (bd && bd->expose) bd_link(bd, x);
        }
    }
    return exposed;
}

/* valve() over the partner lists (the pending pairs, each seen from both ends) */
static int g_valve(Chain *c, ivec *partners) {
    int bu = -1, bv = -1, bd = 0;
    for (int u = 0; u < c->k; u++)
        for (Py_ssize_t t = 0; t < partners[u].len; t++) {
            int v = partners[u].d[t];
            if (c->lab[u] > c->lab[v]) continue;
            int d = abs(c->where[u] - c->where[v]);
            if (bu < 0 || d < bd ||
                (d == bd && (c->lab[u] < c->lab[bu] || (c->lab[u] == c->lab[bu] && c->lab[v] < c->lab[bv]))))
                bu = u, bv = v, bd = d;
        }
    return c->where[bu] < c->where[bv] ? c->where[bu] : c->where[bv];
}

/* The greedy score of transposing positions j, j + 1, x 8 (an integer when 4 gw = gw4 is
 * one; see greedy_core): (delta - gw gain) / (1 at j = 0, else 2). It reads the wires at
 * j - 1 .. j + 2, their side counts and their pending pairs, so a transposition at j0
 * (and the pairs it unpends, at j0 - 1 .. j0 + 2) changes only the scores of j0 - 2 ..
 * j0 + 2. */
static inline int g_score8(const Chain *c, const int *side, int j, int gw4) {
    int k = c->k, a = c->sigma[j], b = c->sigma[j + 1];
    const unsigned char *pa = c->pend + (Py_ssize_t)a * k;
    int delta = side[a] - side[b] + 2 * pa[b];
    int gain = 0;
    if (j >= 1) gain += c->pend[(Py_ssize_t)c->sigma[j - 1] * k + b];
    if (j + 2 < k) gain += pa[c->sigma[j + 2]];
    return (8 * delta - 2 * gw4 * gain) / (j == 0 ? 1 : 2); /* exact: the numerator is even */
}

/* The plan for chain indices 0..k-1 (labels `lab`, for the valve's tie-break) and the
 * pending pairs (pu[t], pv[t]) of chain indices: 1 and `plan` when every pair was made
 * adjacent, 0 when the budget ran out first (the caller falls back to odd-even), -1 on
 * error; 2 when `bd` (NULL: none) is given and the plan's cost is above bd->bound for
 * sure (bd->lb is then a lower bound of it above bd->bound: the prefix's part, see Bound,
 * plus one CNOT for each transposition still needed, at least the summed excess distance
 * of the pending pairs over 2 x their most partners, the most a transposition can remove).
 * commuting._greedy_plan_python, decision for decision, in O(k) a step: the
 * summed distance change of transposing the wires a, b at j, j + 1 (each partner o of a
 * other than b adds +1 when left of a, -1 when right; mirrored for b) is
 * side[a] - side[b] + 2 [a, b pending], with side[w] = partners of w left of it minus
 * partners right of it, kept up to date by g_transpose and g_unpend. `w` holds >= k. */
static int greedy_core(GreedyWs *w, int k, const int *lab, const int *pu, const int *pv,
                       Py_ssize_t npairs, Rng *rng, double gw, ivec *plan, Bound *bd) {
    Chain c = w->c;
    ivec *partners = w->partners, *best = &w->best;
    int *side = w->side;
    c.k = k;
    c.npend = 0;
    memset(c.pend, 0, (size_t)k * (size_t)k);
    for (int i = 0; i < k; i++) {
        c.lab[i] = lab[i];
        c.sigma[i] = c.where[i] = i;
        partners[i].len = 0;
        side[i] = 0;
    }
    for (Py_ssize_t t = 0; t < npairs; t++) {
        int u = pu[t], v = pv[t];
        if (!PEND(&c, u, v)) {
            PEND(&c, u, v) = PEND(&c, v, u) = 1;
            c.npend++;
            partners[u].d[partners[u].len++] = v; /* at most k - 1 partners each */
            partners[v].d[partners[v].len++] = u;
            int s = v < u ? 1 : -1; /* chain index = position at the start */
            side[u] += s;
            side[v] -= s;
        }
    }
    plan->len = 0;
    Py_ssize_t budget = 4 * (Py_ssize_t)k * k + 16;
    int last = -1, stall = 0;
    /* for `bd`: the pending pairs' summed excess distance (each transposition changes the
     * summed distance by its delta; a pair unpended at distance 1 has no excess) and the
     * most partners of a wire (partner lists only shrink) */
    Py_ssize_t excess = 0, twice_most = 2;
    if (bd) {
        for (int i = 0; i < k; i++)
            for (Py_ssize_t t = 0; t < partners[i].len; t++)
                if (partners[i].d[t] > i) excess += partners[i].d[t] - i - 1;
        for (int i = 0; i < k; i++)
            if (2 * partners[i].len > twice_most) twice_most = 2 * partners[i].len;
        if (bd->lb + (excess + twice_most - 1) / twice_most > bd->bound) {
            bd->lb += (excess + twice_most - 1) / twice_most;
            return 2;
        }
    }
    /* the scores in eighths: (delta - gw gain) / (1 or 2) x 8 is an integer when 4 gw is
     * one (gw = 0, 0.5, 1, ...), and scores that differ differ by at least 1/8, far above
     * the 1e-9 of the comparisons below: the same choices, in integers */
    int gw4 = (int)(gw * 4.0), exact = gw >= 0.0 && gw <= 64.0 && (double)gw4 == gw * 4.0;
    int *cands = best->d, *sc = w->score8;
    if (exact)
        for (int j = 0; j < k - 1; j++) sc[j] = g_score8(&c, side, j, gw4);
    while (c.npend && plan->len < budget) {
        double best_score = 0.0;
        Py_ssize_t nbest = 0;
        if (exact) {
            /* the positions (but `last`) of the least score, when it is below 0 (a score of
             * 0 never starts the list), in ascending order: as the float loop below, in two
             * branch-free passes (the one-pass loop mispredicts its comparisons) */
            int best8 = 0, keep = 0;
            if (last >= 0) keep = sc[last], sc[last] = INT_MAX;
            for (int j = 0; j < k - 1; j++) best8 = sc[j] < best8 ? sc[j] : best8;
            if (best8 < 0)
                for (int j = 0; j < k - 1; j++) {
                    cands[nbest] = j;
                    nbest += sc[j] == best8;
                }
            if (last >= 0) sc[last] = keep;
            best_score = best8 / 8.0;
        } else {
            for (int j = 0; j < k - 1; j++) {
                if (j == last) continue;
                int a = c.sigma[j], b = c.sigma[j + 1];
                int delta = side[a] - side[b] + 2 * PEND(&c, a, b);
                int gain = 0; /* pending pairs the transposition makes adjacent */
                if (j - 1 >= 0) gain += PEND(&c, c.sigma[j - 1], b);
                if (j + 2 < k) gain += PEND(&c, a, c.sigma[j + 2]);
                double score = ((double)delta - gw * (double)gain) / (j == 0 ? 1.0 : 2.0);
                if (score < best_score - 1e-9) {
                    best_score = score;
                    nbest = 0;
                } else if (!(nbest && score <= best_score + 1e-9)) {
                    continue;
                }
                cands[nbest++] = j; /* at most k - 1 candidates */
            }
        }
        best->len = nbest;
        int j;
        if (best->len && stall < k) {
            Py_ssize_t pick;
            if (rng_below(rng, best->len, &pick) < 0) return -1;
            j = best->d[pick];
            stall = best_score < 0 ? 0 : stall + 1;
        } else {
            j = g_valve(&c, partners);
            stall = 0;
        }
        if (iv_push(plan, j) < 0) {
            PyErr_NoMemory();
            return -1;
        }
        if (bd) {
            int a = c.sigma[j], b = c.sigma[j + 1];
            excess += side[a] - side[b] + 2 * PEND(&c, a, b);
            bd_step(bd, j);
        }
        last = g_transpose(&c, j, partners, side, bd) ? -1 : j;
        if (bd && bd->lb + (excess + twice_most - 1) / twice_most > bd->bound) {
            bd->lb += (excess + twice_most - 1) / twice_most;
            return 2;
        }
        if (exact) {
            int lo = j - 3 < 0 ? 0 : j - 3, hi = j + 3 > k - 2 ? k - 2 : j + 3;
            for (int x = lo; x <= hi; x++) sc[x] = g_score8(&c, side, x, gw4);
        }
    }
    return c.npend ? 0 : 1;
}

static PyObject *greedy_plan(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *order, *pairs, *getrandbits;
    double gw;
    if (!PyArg_ParseTuple(args, "OOOd", &order, &pairs, &getrandbits, &gw)) return NULL;
    PyObject *ord, *prs;
    if (open_chain(order, pairs, &ord, &prs) < 0) return NULL;
    PyObject *result = NULL;
    int k = (int)PySequence_Fast_GET_SIZE(ord);
    Py_ssize_t np = PySequence_Fast_GET_SIZE(prs);
    size_t K = (size_t)(k ? k : 1), P = (size_t)(np ? np : 1);
    int *lab = malloc(K * sizeof(int)), *pu = malloc(P * sizeof(int)), *pv = malloc(P * sizeof(int));
    ivec plan = {0};
    Rng rng = {.getrandbits = getrandbits};
    if (!lab || !pu || !pv) {
        PyErr_NoMemory();
        goto out;
    }
    for (int i = 0; i < k; i++) lab[i] = (int)PyLong_AsLong(PySequence_Fast_GET_ITEM(ord, i));
    if (PyErr_Occurred()) goto out;
    for (Py_ssize_t t = 0; t < np; t++)
        if (pair_index(PySequence_Fast_GET_ITEM(prs, t), lab, k, &pu[t], &pv[t]) < 0) goto out;
    GreedyWs ws;
    if (gws_init(&ws, k) < 0) goto out;
    int rc = greedy_core(&ws, k, lab, pu, pv, np, &rng, gw, &plan, NULL);
    gws_free(&ws);
    if (rc < 0) goto out;
    if (rc == 0) {
        result = Py_None;
        Py_INCREF(result);
    } else {
        result = to_list(plan.d, plan.len);
    }
out:
    free(lab), free(pu), free(pv), free(plan.d);
    Py_DECREF(ord);
    Py_DECREF(prs);
    return result;
}

/* --- the planned cost of a chain order (chain_layout's quick cost and refinement) -- */
/* Odd-even transposition layers until every pending pair (pu[t], pv[t]) has been
 * chain-adjacent: commuting._odd_even_plan. `pend` (k x k) and `sigma` (k) are scratch.
 * 0, -1 on error, 2 when `bd` (NULL: none) is given and its lower bound passed bd->bound. */
static int odd_even_core(int k, const int *pu, const int *pv, Py_ssize_t n, unsigned char *pend,
                         int *sigma, ivec *plan, Bound *bd) {
    memset(pend, 0, (size_t)k * (size_t)k);
    Py_ssize_t npend = 0;
    for (Py_ssize_t t = 0; t < n; t++) {
        unsigned char *x = &pend[(Py_ssize_t)pu[t] * k + pv[t]];
        if (!*x) {
            *x = pend[(Py_ssize_t)pv[t] * k + pu[t]] = 1;
            npend++;
        }
    }
    for (int i = 0; i < k; i++) sigma[i] = i;
    plan->len = 0;
    for (int layer = 0; npend && layer <= k + 1; layer++) {
        for (int j = layer % 2; j < k - 1; j += 2) {
            if (!npend) break;
            if (iv_push(plan, j) < 0) {
                PyErr_NoMemory();
                return -1;
            }
            int a = sigma[j];
            sigma[j] = sigma[j + 1];
            sigma[j + 1] = a;
            int xs[2] = {j - 1, j + 1};
            for (int m = 0; m < 2; m++) {
                int x = xs[m], y = x + 1;
                if (x < 0 || y >= k) continue;
                int u = sigma[x], v = sigma[y];
                if (pend[(Py_ssize_t)u * k + v]) {
                    pend[(Py_ssize_t)u * k + v] = pend[(Py_ssize_t)v * k + u] = 0;
                    npend--;
                    if (bd && bd->expose) bd_link(bd, x);
                }
            }
            if (bd) {
                bd_step(bd, j);
                if (bd->lb > bd->bound) return 2;
            }
        }
    }
    return 0;
}

typedef struct {
    int k, nl;
    Py_ssize_t np, nr;
    int *pa, *pb;             /* the block's pairs, by wire label */
    int *ri, *rj;             /* rung positions of the path (i, j), j > i + 1 */
    int *ci, *lab, *sigma, *pu, *pv;
    unsigned char *pp, *rm, *done, *scratch, *links;
    unsigned char *left;  /* k x k, all zero between plan_evals (set and cleared by pairs) */
    int *eu, *ev;         /* the end rungs plan_eval marked (rm = 2), by chain index */
    Py_ssize_t nstart;    /* the start rungs chain_setup marked (rm = 1) */
    ivec plan;
    GreedyWs ws;
    unsigned char *bin; /* k: a Bound's links known */
    int *bcnt;          /* k: a Bound's transpositions per position */
    MT seeded, mt; /* random.Random(seed), fresh for every evaluation */
    uint32_t tape[MT_N]; /* its first MT_N draws (seeded is then the state past them) */
} Quick;

#define AT(m, u, v) ((m)[(Py_ssize_t)(u) * q->k + (v)])

/* Set `q` up for the chain order `order` (wire labels): chain indices, the pairs and the
 * rungs at the start (rm = 1) by chain index. -1 on error. */
static int chain_setup(Quick *q, const int *order) {
    int k = q->k;
    for (int i = 0; i < k; i++) {
        if (order[i] < 0 || order[i] >= q->nl) {
            PyErr_SetString(PyExc_ValueError, "chain order label out of range");
            return -1;
        }
        q->ci[order[i]] = i;
        q->lab[i] = order[i];
    }
    size_t KK = (size_t)k * (size_t)k;
    memset(q->pp, 0, KK);
    memset(q->rm, 0, KK);
    for (Py_ssize_t t = 0; t < q->np; t++) {
        int u = q->ci[q->pa[t]], v = q->ci[q->pb[t]];
        AT(q->pp, u, v) = AT(q->pp, v, u) = 1;
    }
    q->nstart = 0;
    for (Py_ssize_t t = 0; t < q->nr; t++) { /* rungs at the start: chain index = position */
        int u = q->ri[t], v = q->rj[t];
        if (AT(q->pp, u, v) && !AT(q->rm, u, v)) AT(q->rm, u, v) = AT(q->rm, v, u) = 1, q->nstart++;
    }
    return 0;
}

/* The cost commuting.best_plan gives `plan` from the order `q` is set up for: the rungs
 * at the end, the links in use (_links_used over the wanted pairs: all pairs but the end
 * rungs, and but the start rungs when `rungs_direct`), the rungs the chain exposes anyway
 * (_exposed), then 2 x (links + direct terms) + the transpositions' CNOTs. -2 when the
 * plan leaves a wanted pair unexposed (_links_used's None), -1 on error. */
static Py_ssize_t plan_eval(Quick *q, const int *plan, Py_ssize_t nplan, int rungs_direct) {
    int k = q->k;
    int *sigma = q->sigma;
    for (int i = 0; i < k; i++) sigma[i] = i;
    for (Py_ssize_t t = 0; t < nplan; t++) {
        int j = plan[t], a;
        if (j < 0 || j + 1 >= k) {
            PyErr_SetString(PyExc_ValueError, "transposition out of range");
            return -1;
        }
        a = sigma[j];
        sigma[j] = sigma[j + 1];
        sigma[j + 1] = a;
    }
    Py_ssize_t nend = 0;
    for (Py_ssize_t t = 0; t < q->nr; t++) { /* rungs at the end (not at the start): 2 */
        int u = sigma[q->ri[t]], v = sigma[q->rj[t]];
        if (AT(q->pp, u, v) && !AT(q->rm, u, v)) {
            AT(q->rm, u, v) = AT(q->rm, v, u) = 2;
            q->eu[nend] = u, q->ev[nend++] = v;
        }
    }
    Py_ssize_t result = -2;
    /* the wanted pairs, set from the pair list (and cleared from it at the end: `left`
     * is all zero between calls), not by a scan of the k x k matrices */
    unsigned char *left = q->left, *links = q->links;
    Py_ssize_t nleft = 0;
    for (Py_ssize_t t = 0; t < q->np; t++) {
        int u = q->ci[q->pa[t]], v = q->ci[q->pb[t]];
        unsigned char r = AT(q->rm, u, v);
        if (!AT(left, u, v) && (rungs_direct ? !r : r != 2)) AT(left, u, v) = AT(left, v, u) = 1, nleft++;
    }
    memset(links, 0, (size_t)k);
    for (int i = 0; i < k; i++) sigma[i] = i;
    for (int i = 0; i + 1 < k; i++)
        if (AT(left, i, i + 1)) AT(left, i, i + 1) = AT(left, i + 1, i) = 0, nleft--, links[i] = 1;
    for (Py_ssize_t t = 0; t < nplan; t++) {
        if (!nleft) {
            for (Py_ssize_t r = t; r < nplan; r++) links[plan[r]] = 1;
            break;
        }
        int j = plan[t], a = sigma[j], b = sigma[j + 1];
        sigma[j] = b;
        sigma[j + 1] = a;
        links[j] = 1;
        if (j >= 1) {
            int u = sigma[j - 1];
            if (AT(left, u, b)) AT(left, u, b) = AT(left, b, u) = 0, nleft--, links[j - 1] = 1;
        }
        if (j + 2 < k) {
            int v = sigma[j + 2];
            if (AT(left, a, v)) AT(left, a, v) = AT(left, v, a) = 0, nleft--, links[j + 1] = 1;
        }
    }
    if (!nleft) {
        /* rungs the chain exposes anyway (over links in use) need no direct term */
        Py_ssize_t ndone[3] = {0, 0, 0};
        unsigned char *done = q->done; /* all zero between calls, as `left` */
        for (int i = 0; i < k; i++) sigma[i] = i;
#define EXPOSE(u, v)                                                      \
    do {                                                                  \
        unsigned char r_ = AT(q->rm, u, v);                               \
        if (r_ && !AT(done, u, v)) {                                      \
            AT(done, u, v) = AT(done, v, u) = 1;                          \
            ndone[r_]++;                                                  \
        }                                                                 \
    } while (0)
        for (int i = 0; i + 1 < k; i++)
            if (links[i]) EXPOSE(i, i + 1);
        Py_ssize_t cost = 0;
        for (Py_ssize_t t = 0; t < nplan; t++) {
            int j = plan[t], a = sigma[j], b = sigma[j + 1];
            sigma[j] = b;
            sigma[j + 1] = a;
            if (j >= 1 && links[j - 1]) EXPOSE(sigma[j - 1], b);
            if (j + 2 < k && links[j + 1]) EXPOSE(a, sigma[j + 2]);
            cost += 1 + (j >= 1 && links[j - 1]);
        }
#undef EXPOSE
        Py_ssize_t nlinks = 0;
        for (int i = 0; i + 1 < k; i++) nlinks += links[i];
        Py_ssize_t start = q->nstart - ndone[1], end = nend - ndone[2];
        result = cost + 2 * (nlinks + start + end);
        /* done is set only on rung entries (rm != 0): clear those */
        for (Py_ssize_t t = 0; t < q->nr; t++) {
            int u = q->ri[t], v = q->rj[t];
            AT(done, u, v) = AT(done, v, u) = 0;
        }
        for (Py_ssize_t t = 0; t < nend; t++) AT(done, q->eu[t], q->ev[t]) = AT(done, q->ev[t], q->eu[t]) = 0;
    }
    for (Py_ssize_t t = 0; t < q->np; t++) { /* `left` back to zero */
        int u = q->ci[q->pa[t]], v = q->ci[q->pb[t]];
        AT(left, u, v) = AT(left, v, u) = 0;
    }
    for (Py_ssize_t t = 0; t < nend; t++) /* forget the end rungs: the next plan has its own */
        AT(q->rm, q->eu[t], q->ev[t]) = AT(q->rm, q->ev[t], q->eu[t]) = 0;
    return result;
}

/* A lower bound of the cost of the odd-even plan for the pending pairs (pu[t], pv[t]) of
 * chain indices 0..k-1, without planning it: a layer moves every wire by at most one
 * position, so a pair at distance d is adjacent after ceil((d - 1) / 2) layers at the
 * earliest, and the layers before the last one the farthest pair needs are full (a
 * transposition at every position of the layer's parity). Their cost, as plan_eval
 * counts it: 1 per transposition, 1 more from the second layer on where the link below
 * was transposed in the layer before (every position but 0), 2 per link transposed; and
 * at least one transposition more. 0 without pending pairs. */
static Py_ssize_t odd_even_floor(int k, const int *pu, const int *pv, Py_ssize_t n) {
    int far = 0;
    for (Py_ssize_t t = 0; t < n; t++) {
        int d = abs(pu[t] - pv[t]);
        if (d > far) far = d;
    }
    if (far < 2) return 0;
    int full = far / 2 - 1; /* far / 2 = ceil((far - 1) / 2) layers at least: all but one full */
    Py_ssize_t even = k / 2, odd = (k - 1) / 2;   /* positions 0, 2, .. and 1, 3, .. <= k - 2 */
    Py_ssize_t cost = 1;
    for (int layer = 0; layer < full; layer++) {
        Py_ssize_t m = layer % 2 ? odd : even;
        cost += layer == 0 ? m : 2 * m - (layer % 2 == 0 && m > 0);
    }
    Py_ssize_t links = full >= 2 ? even + odd : full == 1 ? even : 0;
    return cost + 2 * links;
}

/* A fresh bound for `q`'s order (set up by chain_setup): the links known before any
 * transposition (on a path without rungs, those of the pairs adjacent at the start). */
static Bound quick_bound(Quick *q, Py_ssize_t bound) {
    Bound b = {0, bound, q->k, q->nr == 0, q->bin, q->bcnt};
    memset(q->bin, 0, (size_t)q->k);
    memset(q->bcnt, 0, (size_t)q->k * sizeof(int));
    if (b.expose)
        for (int i = 0; i + 1 < q->k; i++)
            if (AT(q->pp, i, i + 1)) bd_link(&b, i);
    return b;
}

/* commuting.best_plan(order, pairs, device, path, random.Random(seed), 1, quick=True).cost
 * for the chain order `order` (wire labels): the plan (greedy, or odd-even for a dense
 * block or when greedy runs out of budget), evaluated by plan_eval. -1 on error.
 * With `bound` (PY_SSIZE_T_MAX: none), a cost above `bound` may come back as a number
 * above `bound` that is not the cost (a lower bound of it: see Bound), found without
 * finishing the plan; a cost of at most `bound` is always exact. */
static Py_ssize_t quick_cost_below(Quick *q, const int *order, Py_ssize_t bound) {
    int k = q->k;
    if (chain_setup(q, order) < 0) return -1;
    Py_ssize_t nrest = 0;
    for (Py_ssize_t t = 0; t < q->np; t++) {
        int u = q->ci[q->pa[t]], v = q->ci[q->pb[t]];
        if (!AT(q->rm, u, v) && abs(u - v) > 1) q->pu[nrest] = u, q->pv[nrest++] = v;
    }
    ivec *plan = &q->plan;
    int bounded = bound < PY_SSIZE_T_MAX;
    Bound bd = quick_bound(q, bound);
    if (4 * nrest > (Py_ssize_t)k * (k - 1)) {
        int rc = odd_even_core(k, q->pu, q->pv, nrest, q->scratch, q->sigma, plan, bounded ? &bd : NULL);
        if (rc < 0) return -1;
        if (rc == 2) return bd.lb;
    } else {
        Rng rng = {NULL, &q->mt, q->tape, 0, &q->seeded};
        int rc = greedy_core(&q->ws, k, q->lab, q->pu, q->pv, nrest, &rng, 0.0, plan, bounded ? &bd : NULL);
        if (rc < 0) return -1;
        if (rc == 2) {
            /* the greedy plan, if it finishes within its budget, costs more than `bound`;
             * if it does not, the cost is the odd-even plan's: above `bound` too when
             * that plan's bound passes it or its cost is above, else the greedy plan
             * decides after all (planned again in full, from the same stream) */
            Py_ssize_t lb = bd.lb;
            if (odd_even_floor(k, q->pu, q->pv, nrest) > bound) return lb;
            bd = quick_bound(q, bound);
            int oe = odd_even_core(k, q->pu, q->pv, nrest, q->scratch, q->sigma, plan, &bd);
            if (oe < 0) return -1;
            if (oe == 2) return lb;
            Py_ssize_t c = plan_eval(q, plan->d, plan->len, 1);
            if (c == -1) return -1;
            if (c > bound) return lb;
            Rng again = {NULL, &q->mt, q->tape, 0, &q->seeded};
            rc = greedy_core(&q->ws, k, q->lab, q->pu, q->pv, nrest, &again, 0.0, plan, NULL);
            if (rc < 0) return -1;
            if (rc == 0) {
                if (c == -2) PyErr_SetString(PyExc_RuntimeError, "chain plan leaves pairs unexposed");
                return c < 0 ? -1 : c;
            }
        } else if (rc == 0) {
            bd = quick_bound(q, bound);
            int oe = odd_even_core(k, q->pu, q->pv, nrest, q->scratch, q->sigma, plan, bounded ? &bd : NULL);
            if (oe < 0) return -1;
            if (oe == 2) return bd.lb;
        }
    }
    Py_ssize_t c = plan_eval(q, plan->d, plan->len, 1);
    if (c == -2) PyErr_SetString(PyExc_RuntimeError, "chain plan leaves pairs unexposed");
    return c < 0 ? -1 : c;
}

static Py_ssize_t quick_cost(Quick *q, const int *order) {
    return quick_cost_below(q, order, PY_SSIZE_T_MAX);
}
#undef AT

static void quick_free(Quick *q) {
    free(q->pa), free(q->pb), free(q->ri), free(q->rj), free(q->ci), free(q->lab);
    free(q->sigma), free(q->pu), free(q->pv), free(q->pp), free(q->rm), free(q->done);
    free(q->scratch), free(q->links), free(q->plan.d), free(q->left), free(q->eu), free(q->ev);
    free(q->bin), free(q->bcnt);
    gws_free(&q->ws);
}

/* ints of a sequence of int pairs into a[], b[] (new arrays of its length) */
static int int_pairs(PyObject *seq, int **a, int **b, Py_ssize_t *n) {
    PyObject *f = PySequence_Fast(seq, "expected a sequence of pairs");
    if (!f) return -1;
    *n = PySequence_Fast_GET_SIZE(f);
    size_t N = (size_t)(*n ? *n : 1);
    *a = malloc(N * sizeof(int));
    *b = malloc(N * sizeof(int));
    if (!*a || !*b) {
        Py_DECREF(f);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t t = 0; t < *n; t++)
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(f, t), "ii", &(*a)[t], &(*b)[t])) {
            Py_DECREF(f);
            return -1;
        }
    Py_DECREF(f);
    return 0;
}

/* the next draw of the caller's random.random(): two 32-bit words, as CPython combines them */
static int draw_random(PyObject *getrandbits, double *out) {
    uint32_t w[2];
    for (int m = 0; m < 2; m++) {
        PyObject *r = PyObject_CallFunction(getrandbits, "i", 32);
        if (!r) return -1;
        unsigned long v = PyLong_AsUnsignedLong(r);
        Py_DECREF(r);
        if (v == (unsigned long)-1 && PyErr_Occurred()) return -1;
        w[m] = (uint32_t)v;
    }
    *out = ((double)(w[0] >> 5) * 67108864.0 + (double)(w[1] >> 6)) * (1.0 / 9007199254740992.0);
    return 0;
}

/* Open `q` for the chain order `order` (a sequence of wire labels, copied to `*labels`, a
 * new array the caller frees), the block's `pairs` and the path's `rungs`. -1 on error. */
static int quick_open(Quick *q, PyObject *order, PyObject *pairs, PyObject *rungs, int **labels) {
    memset(q, 0, sizeof *q);
    *labels = NULL;
    PyObject *ord = PySequence_Fast(order, "order must be a sequence");
    if (!ord) return -1;
    int rc = -1, k = q->k = (int)PySequence_Fast_GET_SIZE(ord);
    size_t K = (size_t)(k ? k : 1), KK = K * K;
    int nl = 1, *lab = *labels = malloc(K * sizeof(int));
    if (!lab) {
        PyErr_NoMemory();
        goto out;
    }
    if (int_pairs(pairs, &q->pa, &q->pb, &q->np) < 0) goto out;
    if (int_pairs(rungs, &q->ri, &q->rj, &q->nr) < 0) goto out;
    for (int i = 0; i < k; i++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(ord, i));
        if (v == -1 && PyErr_Occurred()) goto out;
        if (v < 0 || v > 1 << 24) {
            PyErr_SetString(PyExc_ValueError, "chain order label out of range");
            goto out;
        }
        lab[i] = (int)v;
        if (v + 1 > nl) nl = (int)v + 1;
    }
    for (Py_ssize_t t = 0; t < q->np; t++)
        if (q->pa[t] < 0 || q->pb[t] < 0 || q->pa[t] >= nl || q->pb[t] >= nl) {
            PyErr_SetString(PyExc_ValueError, "pair wire not in the chain order");
            goto out;
        }
    for (Py_ssize_t t = 0; t < q->nr; t++)
        if (q->ri[t] < 0 || q->rj[t] < 0 || q->ri[t] >= k || q->rj[t] >= k) {
            PyErr_SetString(PyExc_ValueError, "rung position out of range");
            goto out;
        }
    size_t P = (size_t)(q->np ? q->np : 1);
    q->nl = nl;
    q->ci = malloc((size_t)nl * sizeof(int));
    q->lab = malloc(K * sizeof(int));
    q->sigma = malloc(K * sizeof(int));
    q->pu = malloc(P * sizeof(int));
    q->pv = malloc(P * sizeof(int));
    q->pp = malloc(KK), q->rm = malloc(KK), q->done = calloc(KK, 1), q->scratch = malloc(KK);
    q->left = calloc(KK, 1);
    q->links = malloc(K);
    size_t R = (size_t)(q->nr ? q->nr : 1);
    q->eu = malloc(R * sizeof(int)), q->ev = malloc(R * sizeof(int));
    q->bin = malloc(K), q->bcnt = malloc(K * sizeof(int));
    if (!q->ci || !q->lab || !q->sigma || !q->pu || !q->pv || !q->pp || !q->rm || !q->done ||
        !q->scratch || !q->links || !q->left || !q->eu || !q->ev || !q->bin || !q->bcnt) {
        PyErr_NoMemory();
        goto out;
    }
    if (gws_init(&q->ws, k) < 0) goto out;
    for (int i = 0; i < nl; i++) q->ci[i] = -1;
    for (int i = 0; i < k; i++) {
        if (q->ci[lab[i]] >= 0) {
            PyErr_SetString(PyExc_ValueError, "a wire twice in the chain order");
            goto out;
        }
        q->ci[lab[i]] = i;
    }
    for (Py_ssize_t t = 0; t < q->np; t++)
        if (q->ci[q->pa[t]] < 0 || q->ci[q->pb[t]] < 0 || q->pa[t] == q->pb[t]) {
            PyErr_SetString(PyExc_ValueError, "pair wire not in the chain order");
            goto out;
        }
    rc = 0;
out:
    Py_DECREF(ord);
    return rc;
}

/* The costs of the orders a refinement has evaluated: an open-addressing table keyed by
 * the whole order (k labels). quick_cost is a pure function of the order (its planner's
 * stream is reseeded for every evaluation), so an order met again, as the random
 * exchanges and reversals often propose, costs a lookup instead of a plan. */
typedef struct {
    int k;
    size_t cap, len; /* cap: a power of two */
    int *keys;
    Py_ssize_t *costs;
    unsigned char *used;
} CostMemo;

static int cm_init(CostMemo *m, int k, Py_ssize_t rounds) {
    memset(m, 0, sizeof *m);
    m->k = k;
    m->cap = 64;
    while (m->cap < 2 * (size_t)rounds + 4) m->cap <<= 1;
    m->keys = malloc(m->cap * (size_t)(k ? k : 1) * sizeof(int));
    m->costs = malloc(m->cap * sizeof(Py_ssize_t));
    m->used = calloc(m->cap, 1);
    if (!m->keys || !m->costs || !m->used) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void cm_free(CostMemo *m) { free(m->keys), free(m->costs), free(m->used); }

/* the slot of `order`: where it is, or the empty slot where it goes */
static size_t cm_slot(const CostMemo *m, const int *order) {
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < m->k; i++) h = (h ^ (uint32_t)order[i]) * 1099511628211ULL;
    size_t at = (size_t)(h ^ (h >> 29)) & (m->cap - 1);
    while (m->used[at] && memcmp(&m->keys[at * (size_t)m->k], order, (size_t)m->k * sizeof(int)))
        at = (at + 1) & (m->cap - 1);
    return at;
}

/* quick_cost_below(q, order, bound) through the memo (the table holds at most cap / 2
 * orders; a refinement of `rounds` rounds evaluates at most rounds + 1). A cost above the
 * bound may be kept as a lower bound above it: the refinement's bound (its best cost so
 * far) only decreases, so that order is rejected again as it would be by its cost. */
static Py_ssize_t cm_cost(CostMemo *m, Quick *q, const int *order, Py_ssize_t bound) {
    size_t at = cm_slot(m, order);
    if (m->used[at]) return m->costs[at];
    Py_ssize_t c = quick_cost_below(q, order, bound);
    if (c >= 0 && 2 * (m->len + 1) <= m->cap) {
        memcpy(&m->keys[at * (size_t)m->k], order, (size_t)m->k * sizeof(int));
        m->costs[at] = c;
        m->used[at] = 1;
        m->len++;
    }
    return c;
}

/* chain_cost(order, pairs, rungs, seed, rng, rounds) -> (cost, order)
 * The quick planned cost of `order` (labels) for the block `pairs` along a path whose rung
 * positions are `rungs`; with `rounds` > 0, chain_layout._refine from it: random
 * exchanges and segment reversals (drawn from the caller's stream `rng`, a random.Random
 * or its getrandbits, as its random.Random would draw them: see rng_open) kept when the
 * cost does not grow. */
static PyObject *chain_cost(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *order, *pairs, *rungs, *source;
    unsigned long long seed;
    Py_ssize_t rounds;
    if (!PyArg_ParseTuple(args, "OOOKOn", &order, &pairs, &rungs, &seed, &source, &rounds))
        return NULL;
    Quick qq, *q = &qq;
    int *best = NULL, *cand = NULL;
    PyObject *result = NULL, *state = NULL;
    MT mt;
    Rng rng = {.getrandbits = source};
    CostMemo memo;
    memset(&memo, 0, sizeof memo);
    if (quick_open(q, order, pairs, rungs, &best) < 0) goto out;
    int k = q->k;
    size_t K = (size_t)(k ? k : 1);
    cand = malloc(K * sizeof(int));
    if (!cand) {
        PyErr_NoMemory();
        goto out;
    }
    mt_seed(&q->seeded, seed);
    for (int t = 0; t < MT_N; t++) q->tape[t] = mt_next(&q->seeded);
    if (rounds > 0 && k > 0) {
        if (cm_init(&memo, k, rounds) < 0) goto out;
        if (rng_open(&rng, &mt, source, &state) < 0) goto out;
    }
    Py_ssize_t best_cost = memo.cap ? cm_cost(&memo, q, best, PY_SSIZE_T_MAX) : quick_cost(q, best);
    if (best_cost < 0) goto out;
    for (Py_ssize_t r = 0; r < rounds && k > 0; r++) {
        Py_ssize_t i, j;
        double x;
        if (rng_below(&rng, k, &i) < 0 || rng_below(&rng, k, &j) < 0) goto out;
        if (i > j) {
            Py_ssize_t t = i;
            i = j, j = t;
        }
        if (i == j) continue;
        memcpy(cand, best, K * sizeof(int));
        if (rng_random(&rng, &x) < 0) goto out;
        if (x < 0.5) {
            int t = cand[i];
            cand[i] = cand[j], cand[j] = t;
        } else {
            for (Py_ssize_t lo = i, hi = j; lo < hi; lo++, hi--) {
                int t = cand[lo];
                cand[lo] = cand[hi], cand[hi] = t;
            }
        }
        Py_ssize_t c = cm_cost(&memo, q, cand, best_cost);
        if (c < 0) goto out;
        if (c <= best_cost) {
            int *t = best;
            best = cand, cand = t;
            best_cost = c;
        }
    }
    {
        PyObject *st = state;
        state = NULL;
        if (rng_close(&rng, source, st) < 0) goto out;
    }
    PyObject *lst = to_list(best, k);
    if (lst) result = Py_BuildValue("nN", best_cost, lst);
out:
    Py_XDECREF(state);
    free(best), free(cand);
    cm_free(&memo);
    quick_free(q);
    return result;
}

/* chain_costs(orders, pairs, rungs, seed) -> list[int]
 * chain_cost(order, pairs, rungs, seed, None, 0)[0] of each of `orders` (each a
 * permutation of the first), with one setup (buffers, the seeded stream's first draws)
 * for all of them: how the chain layout scores its start orders along each path. */
static PyObject *chain_costs(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *orders, *pairs, *rungs;
    unsigned long long seed;
    if (!PyArg_ParseTuple(args, "OOOK", &orders, &pairs, &rungs, &seed)) return NULL;
    PyObject *ords = PySequence_Fast(orders, "orders must be a sequence");
    if (!ords) return NULL;
    Py_ssize_t m = PySequence_Fast_GET_SIZE(ords);
    PyObject *result = PyList_New(m);
    if (!result || m == 0) {
        Py_DECREF(ords);
        return result;
    }
    Quick qq, *q = &qq;
    int *first = NULL, *cur = NULL;
    unsigned char *member = NULL;
    if (quick_open(q, PySequence_Fast_GET_ITEM(ords, 0), pairs, rungs, &first) < 0) goto fail;
    int k = q->k;
    cur = malloc((size_t)(k ? k : 1) * sizeof(int));
    member = calloc((size_t)q->nl, 1);
    if (!cur || !member) {
        PyErr_NoMemory();
        goto fail;
    }
    for (int i = 0; i < k; i++) member[first[i]] = 1;
    mt_seed(&q->seeded, seed);
    for (int t = 0; t < MT_N; t++) q->tape[t] = mt_next(&q->seeded);
    for (Py_ssize_t o = 0; o < m; o++) {
        PyObject *ord = PySequence_Fast(PySequence_Fast_GET_ITEM(ords, o), "order must be a sequence");
        if (!ord) goto fail;
        int bad = PySequence_Fast_GET_SIZE(ord) != k;
        for (int i = 0; i < k && !bad; i++) {
            long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(ord, i));
            if (v == -1 && PyErr_Occurred()) break;
            bad = v < 0 || v >= q->nl || member[v] != 1;
            if (!bad) member[v] = 2, cur[i] = (int)v;
        }
        Py_DECREF(ord);
        for (int i = 0; i < k; i++) member[first[i]] = 1;
        if (PyErr_Occurred()) goto fail;
        if (bad) {
            PyErr_SetString(PyExc_ValueError, "chain_costs: an order is not a permutation of the first");
            goto fail;
        }
        Py_ssize_t c = quick_cost(q, cur);
        if (c < 0) goto fail;
        PyObject *x = PyLong_FromSsize_t(c);
        if (!x) goto fail;
        PyList_SET_ITEM(result, o, x);
    }
    goto done;
fail:
    Py_CLEAR(result);
done:
    free(first), free(cur), free(member);
    quick_free(q);
    Py_DECREF(ords);
    return result;
}

/* plan_costs(order, pairs, rungs, plans, rungs_direct) -> list[int | None]
 * commuting.best_plan's cost of each of `plans` (sequences of transpositions) from the
 * chain order `order`, None where a plan leaves a wanted pair unexposed (see plan_eval). */
static PyObject *plan_costs(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *order, *pairs, *rungs, *plans;
    int rungs_direct;
    if (!PyArg_ParseTuple(args, "OOOOp", &order, &pairs, &rungs, &plans, &rungs_direct))
        return NULL;
    Quick qq, *q = &qq;
    int *lab = NULL;
    PyObject *result = NULL, *seq = NULL;
    ivec plan = {0};
    if (quick_open(q, order, pairs, rungs, &lab) < 0) goto out;
    if (chain_setup(q, lab) < 0) goto out;
    seq = PySequence_Fast(plans, "plans must be a sequence");
    if (!seq) goto out;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    result = PyList_New(n);
    if (!result) goto out;
    for (Py_ssize_t m = 0; m < n; m++) {
        PyObject *one = PySequence_Fast(PySequence_Fast_GET_ITEM(seq, m), "a plan must be a sequence");
        if (!one) goto fail;
        plan.len = 0;
        for (Py_ssize_t t = 0; t < PySequence_Fast_GET_SIZE(one); t++) {
            long j = PyLong_AsLong(PySequence_Fast_GET_ITEM(one, t));
            if ((j == -1 && PyErr_Occurred()) || iv_push(&plan, (int)j) < 0) {
                if (!PyErr_Occurred()) PyErr_NoMemory();
                Py_DECREF(one);
                goto fail;
            }
        }
        Py_DECREF(one);
        Py_ssize_t c = plan_eval(q, plan.d, plan.len, rungs_direct);
        if (c == -1) goto fail;
        PyObject *x = c == -2 ? (Py_INCREF(Py_None), Py_None) : PyLong_FromSsize_t(c);
        if (!x) goto fail;
        PyList_SET_ITEM(result, m, x);
    }
    goto out;
fail:
    Py_CLEAR(result);
out:
    Py_XDECREF(seq);
    free(lab), free(plan.d);
    quick_free(q);
    return result;
}

/* odd_even(order, rest) -> list[int]   (commuting._odd_even_plan) */
static PyObject *odd_even(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *order, *pairs;
    if (!PyArg_ParseTuple(args, "OO", &order, &pairs)) return NULL;
    PyObject *ord, *prs;
    if (open_chain(order, pairs, &ord, &prs) < 0) return NULL;
    PyObject *result = NULL;
    int k = (int)PySequence_Fast_GET_SIZE(ord);
    Py_ssize_t np = PySequence_Fast_GET_SIZE(prs);
    size_t K = (size_t)(k ? k : 1), P = (size_t)(np ? np : 1);
    int *lab = malloc(K * sizeof(int)), *pu = malloc(P * sizeof(int)), *pv = malloc(P * sizeof(int));
    int *sigma = malloc(K * sizeof(int));
    unsigned char *pend = malloc(K * K);
    ivec plan = {0};
    if (!lab || !pu || !pv || !sigma || !pend) {
        PyErr_NoMemory();
        goto out;
    }
    for (int i = 0; i < k; i++) lab[i] = (int)PyLong_AsLong(PySequence_Fast_GET_ITEM(ord, i));
    if (PyErr_Occurred()) goto out;
    for (Py_ssize_t t = 0; t < np; t++)
        if (pair_index(PySequence_Fast_GET_ITEM(prs, t), lab, k, &pu[t], &pv[t]) < 0) goto out;
    if (odd_even_core(k, pu, pv, np, pend, sigma, &plan, NULL) < 0) goto out;
    result = to_list(plan.d, plan.len);
out:
    free(lab), free(pu), free(pv), free(sigma), free(pend), free(plan.d);
    Py_DECREF(ord);
    Py_DECREF(prs);
    return result;
}

/* --- the chain-order exchange search of chain_layout._exchange ---------------------- */
/* How wire w's summed excess distance to its partners (but `skip`), sum max(0, |at -
 * where[o]| - 1), changes when w moves from position `from` to `to`: one pass for both. */
static Py_ssize_t local_change(ivec *partners, const int *where, int w, int from, int to, int skip) {
    Py_ssize_t t = 0;
    const int *d = partners[w].d;
    for (Py_ssize_t m = 0; m < partners[w].len; m++) {
        int o = d[m];
        if (o == skip) continue;
        int x = abs(to - where[o]) - 1, y = abs(from - where[o]) - 1;
        t += (x > 0 ? x : 0) - (y > 0 ? y : 0);
    }
    return t;
}

static PyObject *exchange(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *order, *pairs, *source;
    Py_ssize_t steps;
    if (!PyArg_ParseTuple(args, "OOOn", &order, &pairs, &source, &steps)) return NULL;
    PyObject *ord, *prs;
    if (open_chain(order, pairs, &ord, &prs) < 0) return NULL;
    PyObject *result = NULL, *kobj = NULL, *state = NULL;
    MT mt;
    Rng rng = {.getrandbits = source};
    int k = (int)PySequence_Fast_GET_SIZE(ord);
    size_t K = (size_t)(k ? k : 1);
    int *lab = malloc(K * sizeof(int)), *sigma = malloc(K * sizeof(int));
    int *where = malloc(K * sizeof(int));
    ivec *partners = calloc(K, sizeof(ivec));
    if (!lab || !sigma || !where || !partners) {
        PyErr_NoMemory();
        goto out;
    }
    for (int i = 0; i < k; i++) {
        lab[i] = (int)PyLong_AsLong(PySequence_Fast_GET_ITEM(ord, i));
        sigma[i] = where[i] = i;
    }
    if (PyErr_Occurred()) goto out;
    for (Py_ssize_t t = 0; t < PySequence_Fast_GET_SIZE(prs); t++) {
        int u, v;
        if (pair_index(PySequence_Fast_GET_ITEM(prs, t), lab, k, &u, &v) < 0) goto out;
        if (iv_push(&partners[u], v) < 0 || iv_push(&partners[v], u) < 0) {
            PyErr_NoMemory();
            goto out;
        }
    }
    kobj = PyLong_FromLong(k);
    if (!kobj) goto out;
    if (steps > 0 && rng_open(&rng, &mt, source, &state) < 0) goto out;
    for (Py_ssize_t s = 0; s < steps; s++) {
        Py_ssize_t di, dj;
        if (rng_below(&rng, k, &di) < 0 || rng_below(&rng, k, &dj) < 0) goto out;
        int i = (int)di, j = (int)dj;
        if (i == j) continue;
        if (i < 0 || j < 0 || i >= k || j >= k) {
            PyErr_SetString(PyExc_ValueError, "randrange out of range");
            goto out;
        }
        int a = sigma[i], b = sigma[j];
        /* kept when the summed excess distance of a and b does not grow */
        Py_ssize_t change = local_change(partners, where, a, i, j, b) +
                            local_change(partners, where, b, j, i, a);
        if (change <= 0) {
            sigma[i] = b;
            sigma[j] = a;
            where[a] = j;
            where[b] = i;
        }
    }
    {
        PyObject *st = state;
        state = NULL;
        if (rng_close(&rng, source, st) < 0) goto out;
    }
    result = PyList_New(k);
    if (result)
        for (int i = 0; i < k; i++) {
            PyObject *x = PyLong_FromLong(lab[sigma[i]]);
            if (!x) {
                Py_CLEAR(result);
                break;
            }
            PyList_SET_ITEM(result, i, x);
        }
out:
    if (partners)
        for (int i = 0; i < k; i++) free(partners[i].d);
    free(partners), free(lab), free(sigma), free(where);
    Py_XDECREF(kobj);
    Py_XDECREF(state);
    Py_DECREF(ord);
    Py_DECREF(prs);
    return result;
}

/* --- trace_key: the (cost, depth) key of a finished trace -------------------------- */
/* The key engine.finish(trial.operations(ops)) would give, without building the
 * operations: the relabelling of Trial.operations, the swap fusion of
 * rewrite.merge_swaps, rewrite.drop_trailing_swaps and the depth, all on int records.
 * codes[i] = kind << 4 | CNOT cost of op i (rewrite.finish_codes). */
enum { K_1Q = 0, K_CX = 1, K_RZZ = 2, K_CRZ = 3, K_CP = 4, K_SWAP = 5, K_OTHER = 6 };

typedef struct {
    int *kind, *a, *b, *cost, *merged, *alive, *last;
    Py_ssize_t len;
} Records;

static Py_ssize_t rec_push(Records *r, int kind, int a, int b, int cost, int merged) {
    Py_ssize_t i = r->len++;
    r->kind[i] = kind, r->a[i] = a, r->b[i] = b, r->cost[i] = cost, r->merged[i] = merged;
    r->alive[i] = 1;
    return i;
}

/* rewrite.gate_then_swap of a gate of `kind` on (a, b), replacing record j */
static void fuse(Records *r, Py_ssize_t j, int kind, int a, int b) {
    Py_ssize_t i;
    r->alive[j] = 0;
    if (kind == K_CX) {
        rec_push(r, K_CX, b, a, 1, 1);
        i = rec_push(r, K_CX, a, b, 1, 1);
    } else {
        if (kind == K_CP) rec_push(r, K_1Q, a, -1, 0, 1);
        if (kind == K_CP || kind == K_CRZ) rec_push(r, K_1Q, b, -1, 0, 1);
        rec_push(r, K_CX, a, b, 1, 1);
        rec_push(r, K_1Q, b, -1, 0, 1);
        rec_push(r, K_CX, b, a, 1, 1);
        i = rec_push(r, K_CX, a, b, 1, 1);
    }
    r->last[a] = r->last[b] = (int)i;
}

static PyObject *trace_key(PyObject *self, PyObject *args) {
    (void)self;
    int n;
    PyObject *trace_o, *start_o, *o[3];
    if (!PyArg_ParseTuple(args, "iOOOOO", &n, &trace_o, &start_o, &o[0], &o[1], &o[2]))
        return NULL;
    Buffers bs = {.nb = 0};
    PyObject *result = NULL, *trace = NULL, *start = NULL;
    Records r = {0};
    int *pos = NULL, *inv = NULL, *level = NULL;
    Py_ssize_t nops = 0;
    const int *codes = buf(&bs, o[0], &nops);
    const int *q_ptr = codes ? buf(&bs, o[1], NULL) : NULL;
    const int *q_idx = q_ptr ? buf(&bs, o[2], NULL) : NULL;
    trace = q_idx ? PySequence_Fast(trace_o, "trace_key: trace must be a sequence") : NULL;
    start = trace ? PySequence_Fast(start_o, "trace_key: start must be a sequence") : NULL;
    if (!start) goto out;
    if (PySequence_Fast_GET_SIZE(start) != n || n <= 0) {
        PyErr_SetString(PyExc_ValueError, "trace_key: start needs one entry per device qubit");
        goto out;
    }
    Py_ssize_t nt = PySequence_Fast_GET_SIZE(trace), cap = 6 * nt + 1;
    size_t N = (size_t)n;
    int **cols[] = {&r.kind, &r.a, &r.b, &r.cost, &r.merged, &r.alive};
    for (int c = 0; c < 6; c++)
        if (!(*cols[c] = malloc((size_t)cap * sizeof(int)))) goto nomem;
    r.last = malloc(N * sizeof(int)), pos = malloc(N * sizeof(int));
    inv = malloc(N * sizeof(int)), level = calloc(N, sizeof(int));
    if (!r.last || !pos || !inv || !level) goto nomem;
    for (int w = 0; w < n; w++) {
        long p = PyLong_AsLong(PySequence_Fast_GET_ITEM(start, w));
        if (p < 0 || p >= n) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "trace_key: bad start");
            goto out;
        }
        pos[w] = (int)p, inv[p] = w, r.last[w] = -1;
    }
    for (Py_ssize_t k = 0; k < nt; k++) {
        long t = PyLong_AsLong(PySequence_Fast_GET_ITEM(trace, k));
        if (t == -1 && PyErr_Occurred()) goto out;
        int kind, cost, qa, qb = -1;
        if (t >= 0) {
            if (t >= nops) {
                PyErr_SetString(PyExc_ValueError, "trace_key: op index out of range");
                goto out;
            }
            kind = codes[t] >> 4, cost = codes[t] & 15;
            qa = pos[q_idx[q_ptr[t]]];
            if (q_ptr[t + 1] - q_ptr[t] == 2) qb = pos[q_idx[q_ptr[t] + 1]];
        } else {
            long p = -1 - t;
            if (p >= (long)n * n) {
                PyErr_SetString(PyExc_ValueError, "trace_key: swap out of range");
                goto out;
            }
            kind = K_SWAP, cost = 3, qa = (int)(p / n), qb = (int)(p % n);
            int u = inv[qa], v = inv[qb];
            pos[u] = qb, pos[v] = qa, inv[qa] = v, inv[qb] = u;
        }
        int j = qb >= 0 ? r.last[qa] : -1;
        if (j >= 0 && r.last[qb] == j && r.alive[j] && !r.merged[j]) {
            int pk = r.kind[j];
            if (kind == K_SWAP && pk >= K_CX && pk <= K_CP) {
                fuse(&r, j, pk, r.a[j], r.b[j]);
                continue;
            }
            if (kind >= K_CX && kind <= K_CP && pk == K_SWAP) {
                fuse(&r, j, kind, qb, qa); /* swap; G(a, b) == G(b, a); swap */
                continue;
            }
        }
        Py_ssize_t i = rec_push(&r, kind, qa, qb, cost, 0);
        r.last[qa] = (int)i;
        if (qb >= 0) r.last[qb] = (int)i;
    }
    /* drop_trailing_swaps: r.merged is reused as "removed"; inv as "multi-qubit op later" */
    for (int p = 0; p < n; p++) inv[p] = 0, pos[p] = p;
    for (Py_ssize_t i = r.len - 1; i >= 0; i--) {
        r.merged[i] = 0;
        if (!r.alive[i] || r.b[i] < 0) continue;
        if (r.kind[i] == K_SWAP && !inv[r.a[i]] && !inv[r.b[i]]) r.merged[i] = 1;
        else inv[r.a[i]] = inv[r.b[i]] = 1;
    }
    long cost = 0, depth = 0;
    for (Py_ssize_t i = 0; i < r.len; i++) {
        if (!r.alive[i]) continue;
        int a = r.a[i], b = r.b[i], l;
        if (r.merged[i]) { /* a removed swap relabels the 1-qubit work after it */
            int tmp = pos[a];
            pos[a] = pos[b], pos[b] = tmp;
            continue;
        }
        a = pos[a];
        if (b >= 0) {
            b = pos[b];
            l = 1 + (level[a] > level[b] ? level[a] : level[b]);
            level[a] = level[b] = l;
            cost += r.cost[i];
        } else {
            l = ++level[a];
        }
        if (l > depth) depth = l;
    }
    result = Py_BuildValue("ll", cost, depth);
    goto out;
nomem:
    PyErr_NoMemory();
out:
    free(r.kind), free(r.a), free(r.b), free(r.cost), free(r.merged), free(r.alive);
    free(r.last), free(pos), free(inv), free(level);
    Py_XDECREF(trace);
    Py_XDECREF(start);
    release(&bs);
    return result;
}

/* --- the path search of network.find_path ------------------------------------------ */
/* find_path(nbr_ptr, nbr_idx, starts, length, max_steps) -> list[int] | None
 * Nodes are local indices 0..m-1 with neighbour lists in CSR form (in the caller's
 * order); depth-first from each start in turn, children in increasing count of free
 * neighbours (a stable sort: ties keep the list order), every loop iteration one step of
 * the shared budget: the search of network._find_path_python, step for step. */
static PyObject *find_path_kernel(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *o_ptr, *o_idx, *o_starts;
    Py_ssize_t length, max_steps;
    if (!PyArg_ParseTuple(args, "OOOnn", &o_ptr, &o_idx, &o_starts, &length, &max_steps))
        return NULL;
    Buffers bs = {.nb = 0};
    Py_ssize_t np1, nidx, nstarts;
    const int *ptr = buf(&bs, o_ptr, &np1), *idx = NULL, *starts = NULL;
    if (ptr) idx = buf(&bs, o_idx, &nidx);
    if (idx) starts = buf(&bs, o_starts, &nstarts);
    if (!starts) {
        release(&bs);
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t m = np1 - 1;
    int maxdeg = 0;
    for (Py_ssize_t q = 0; q < m; q++)
        if (ptr[q + 1] - ptr[q] > maxdeg) maxdeg = ptr[q + 1] - ptr[q];
    size_t L = (size_t)(length > 0 ? length : 1), M = (size_t)(m > 0 ? m : 1);
    size_t D = (size_t)(maxdeg ? maxdeg : 1);
    int *path = malloc(L * sizeof(int)), *cand = malloc(L * D * sizeof(int));
    int *ncand = malloc(L * sizeof(int)), *at = malloc(L * sizeof(int));
    int *keys = malloc(D * sizeof(int));
    unsigned char *on = calloc(M, 1);
    if (!path || !cand || !ncand || !at || !keys || !on) {
        PyErr_NoMemory();
        goto out;
    }
    Py_ssize_t steps = 0;
    int found = 0;
/* frame `d` holds the free neighbours of path[d], by free-neighbour count (stable) */
#define PUSH_FRAME(d)                                                                     \
    do {                                                                                  \
        int q_ = path[d], c_ = 0;                                                         \
        for (int e_ = ptr[q_]; e_ < ptr[q_ + 1]; e_++) {                                  \
            int p_ = idx[e_];                                                             \
            if (on[p_]) continue;                                                         \
            int k_ = 0;                                                                   \
            for (int f_ = ptr[p_]; f_ < ptr[p_ + 1]; f_++) k_ += !on[idx[f_]];            \
            int i_ = c_++;                                                                \
            while (i_ > 0 && keys[i_ - 1] > k_) {                                         \
                keys[i_] = keys[i_ - 1];                                                  \
                cand[(size_t)(d) * D + i_] = cand[(size_t)(d) * D + i_ - 1];              \
                i_--;                                                                     \
            }                                                                             \
            keys[i_] = k_;                                                                \
            cand[(size_t)(d) * D + i_] = p_;                                              \
        }                                                                                 \
        ncand[d] = c_;                                                                    \
        at[d] = 0;                                                                        \
    } while (0)
    for (Py_ssize_t si = 0; si < nstarts && !found; si++) {
        int len = 1;
        path[0] = starts[si];
        on[path[0]] = 1;
        PUSH_FRAME(0);
        while (len > 0) {
            if (len == length) {
                found = 1;
                break;
            }
            if (++steps > max_steps) goto none;
            int d = len - 1;
            if (at[d] >= ncand[d]) {
                on[path[d]] = 0;
                len--;
                continue;
            }
            int nxt = cand[(size_t)d * D + at[d]++];
            if (on[nxt]) continue;
            path[len] = nxt;
            on[nxt] = 1;
            PUSH_FRAME(len);
            len++;
        }
        if (found) result = to_list(path, length);
    }
#undef PUSH_FRAME
    if (found) goto out;
none:
    result = Py_None;
    Py_INCREF(result);
out:
    free(path), free(cand), free(ncand), free(at), free(keys), free(on);
    release(&bs);
    return result;
}

static PyMethodDef methods[] = {
    {"search", search, METH_VARARGS, "The SABRE swap search (see qlang.passes.routing.sabre)."},
    {"chain_costs", chain_costs, METH_VARARGS,
     "The chain layout's quick cost of several orders (see qlang.passes.routing.chain_layout)."},
    {"layout_trial", layout_trial, METH_VARARGS,
     "The forward-backward passes of a SABRE layout trial (see qlang.passes.routing.layout)."},
    {"greedy_plan", greedy_plan, METH_VARARGS,
     "The greedy parity-chain planner (see qlang.passes.routing.commuting)."},
    {"exchange", exchange, METH_VARARGS,
     "The chain-order exchange search (see qlang.passes.routing.chain_layout)."},
    {"network", network, METH_VARARGS,
     "A swap network along a path (see qlang.passes.routing.network.route_network)."},
    {"trace_key", trace_key, METH_VARARGS,
     "The (cost, depth) key of a finished trace (see qlang.passes.routing.sabre)."},
    {"chain_cost", chain_cost, METH_VARARGS,
     "The quick planned cost of a chain order, and its refinement (see chain_layout)."},
    {"plan_costs", plan_costs, METH_VARARGS,
     "The cost of parity-chain plans from one chain order (see commuting.best_plan)."},
    {"odd_even", odd_even, METH_VARARGS,
     "The odd-even transposition plan (see commuting._odd_even_plan)."},
    {"find_path", find_path_kernel, METH_VARARGS,
     "The depth-first path search (see qlang.passes.routing.network.find_path)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_kernels", NULL, -1, methods};

/* The interface version (kernels.API_VERSION): raised when a function's arguments change
 * meaning, so that an in-place build of an older _kernels.c is not used with newer
 * callers (2: exchange and chain_cost take the caller's random.Random itself; 3: adds
 * layout_trial and chain_costs). */
#define KERNELS_API_VERSION 3

PyMODINIT_FUNC PyInit__kernels(void) {
    PyObject *m = PyModule_Create(&module);
    if (m && PyModule_AddIntConstant(m, "API_VERSION", KERNELS_API_VERSION) < 0) Py_CLEAR(m);
    return m;
}
