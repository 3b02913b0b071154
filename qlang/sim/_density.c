/* Compiled kernels of the density-matrix engine (qlang/sim/density.py).
 *
 * A batch of vectors vec(rho) (B, 2**L) complex128, labels = bit positions of the index
 * (row qubit q of an n-qubit density matrix is bit q + n, column qubit q is bit q).
 *
 * apply(state, mats, positions, threads, out=None)
 *     state <- (M (x) I) state in place (or into `out`, the state unchanged), for the k
 *     labels `positions` (int64; the first is the most significant bit of M's index);
 *     mats is (1, d, d) shared or (B, d, d).
 * env(rho, lam, positions, out, threads)
 *     out[b, a, c] = sum_r conj(lam[b, r_a]) rho[b, r_c] over the other labels r: the local
 *     environment of an op, from which every parameter derivative of the op follows.
 *
 * The reference is the numpy engine (qlang.sim.engine.apply_block on the same labels);
 * tests compare the two. Work is split over `threads` pthreads (the GIL is released).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <complex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef double complex cdouble;

#define MAXK 6 /* labels of one op (64 x 64 matrices) */
#define MAXD (1 << MAXK)
#define MAXT 64

typedef struct {
    cdouble *state;  /* apply: the state; env: rho */
    cdouble *dest;   /* apply: where the result goes (the state itself when in place) */
    const cdouble *lam;
    const cdouble *mats;
    cdouble *out; /* env: (B, d, d) accumulators of this worker */
    int64_t B, N, d, k, M;
    int64_t off[MAXD];
    int64_t sorted[MAXK];
    int64_t u0, u1; /* the work units [u0, u1) of this worker: unit = (b, t) */
    int mode;       /* 0 apply, 1 env */
} Job;

static inline int64_t deposit(int64_t t, const int64_t *sorted, int64_t k) {
    for (int64_t i = 0; i < k; i++) {
        int64_t p = sorted[i];
        t = ((t >> p) << (p + 1)) | (t & ((((int64_t)1) << p) - 1));
    }
    return t;
}

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define HOT
#endif

/* One group of d amplitudes through a d x d matrix held as split real and imaginary
 * parts (mr, mi): real arithmetic that the compiler vectorises over the columns. */
HOT static void apply_groups(Job *j, int64_t u0, int64_t u1, const double *mr, const double *mi,
                             int64_t b_fixed) {
    const int64_t d = j->d, per = j->N / d;
    double vr[MAXD], vi[MAXD];
    int64_t last_b = -1;
    for (int64_t u = u0; u < u1; u++) {
        int64_t b = u / per, t = u % per;
        if (b_fixed >= 0 && b != b_fixed) break;
        (void)last_b;
        int64_t base = deposit(t, j->sorted, j->k);
        const double *s = (const double *)(j->state + b * j->N + base);
        double *o = (double *)(j->dest + b * j->N + base);
        for (int64_t c = 0; c < d; c++) {
            vr[c] = s[2 * j->off[c]];
            vi[c] = s[2 * j->off[c] + 1];
        }
        for (int64_t a = 0; a < d; a++) {
            const double *rr = mr + a * d, *ri = mi + a * d;
            double ar = 0.0, ai = 0.0;
            for (int64_t c = 0; c < d; c++) {
                ar += rr[c] * vr[c] - ri[c] * vi[c];
                ai += rr[c] * vi[c] + ri[c] * vr[c];
            }
            o[2 * j->off[a]] = ar;
            o[2 * j->off[a] + 1] = ai;
        }
    }
}

/* Environments: out[b, a, c] += conj(lam_a) rho_c over the groups of sample b, with
 * split real/imaginary accumulators (vectorised over c). */
HOT static void env_groups(Job *j) {
    const int64_t d = j->d, per = j->N / d;
    double rr[MAXD], ri[MAXD], lr[MAXD], li[MAXD];
    double er[MAXD * MAXD], ei[MAXD * MAXD];
    int64_t u = j->u0;
    while (u < j->u1) {
        int64_t b = u / per;
        int64_t stop = (b + 1) * per < j->u1 ? (b + 1) * per : j->u1;
        memset(er, 0, sizeof(double) * (size_t)(d * d));
        memset(ei, 0, sizeof(double) * (size_t)(d * d));
        for (; u < stop; u++) {
            int64_t base = deposit(u % per, j->sorted, j->k);
            const double *rho = (const double *)(j->state + b * j->N + base);
            const double *lam = (const double *)(j->lam + b * j->N + base);
            for (int64_t c = 0; c < d; c++) {
                rr[c] = rho[2 * j->off[c]];
                ri[c] = rho[2 * j->off[c] + 1];
                lr[c] = lam[2 * j->off[c]];
                li[c] = lam[2 * j->off[c] + 1];
            }
            for (int64_t a = 0; a < d; a++) {
                double *xr = er + a * d, *xi = ei + a * d;
                const double pr = lr[a], pi = li[a];
                for (int64_t c = 0; c < d; c++) {
                    xr[c] += pr * rr[c] + pi * ri[c];
                    xi[c] += pr * ri[c] - pi * rr[c];
                }
            }
        }
        cdouble *o = j->out + b * d * d;
        for (int64_t i = 0; i < d * d; i++) o[i] += er[i] + I * ei[i];
    }
}

static void *work(void *arg) {
    Job *j = (Job *)arg;
    const int64_t d = j->d, per = j->N / d;
    cdouble v[MAXD], r[MAXD];
    if (j->mode == 0) {
        double mr[MAXD * MAXD], mi[MAXD * MAXD];
        int64_t u = j->u0;
        while (u < j->u1) {
            int64_t b = u / per;
            const cdouble *m = j->mats + (j->M == 1 ? 0 : b) * d * d;
            for (int64_t i = 0; i < d * d; i++) {
                mr[i] = creal(m[i]);
                mi[i] = cimag(m[i]);
            }
            int64_t stop = j->M == 1 ? j->u1 : ((b + 1) * per < j->u1 ? (b + 1) * per : j->u1);
            apply_groups(j, u, stop, mr, mi, -1);
            u = stop;
        }
        return NULL;
    }
    env_groups(j);
    (void)v;
    (void)r;
    return NULL;
}

typedef struct {
    Py_buffer view;
    int held;
} Buf;

static int get(PyObject *obj, Buf *b, int writable, Py_ssize_t item) {
    int flags = PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, &b->view, flags) < 0) return -1;
    b->held = 1;
    if (b->view.itemsize != item) {
        PyErr_SetString(PyExc_TypeError, "unexpected item size");
        return -1;
    }
    return 0;
}

static void rel(Buf *b) {
    if (b->held) PyBuffer_Release(&b->view);
    b->held = 0;
}

static int setup(Job *base, int64_t B, int64_t N, const int64_t *pos, int64_t k) {
    if (k < 1 || k > MAXK) {
        PyErr_SetString(PyExc_ValueError, "an op acts on 1 to 6 labels");
        return -1;
    }
    base->B = B;
    base->N = N;
    base->k = k;
    base->d = ((int64_t)1) << k;
    for (int64_t j = 0; j < base->d; j++) {
        int64_t o = 0;
        for (int64_t i = 0; i < k; i++) o |= ((j >> (k - 1 - i)) & 1) << pos[i];
        base->off[j] = o;
    }
    for (int64_t i = 0; i < k; i++) base->sorted[i] = pos[i];
    for (int64_t i = 1; i < k; i++) /* insertion sort, ascending */
        for (int64_t a = i; a > 0 && base->sorted[a - 1] > base->sorted[a]; a--) {
            int64_t t = base->sorted[a];
            base->sorted[a] = base->sorted[a - 1];
            base->sorted[a - 1] = t;
        }
    for (int64_t i = 0; i < k; i++)
        if (pos[i] < 0 || (((int64_t)1) << pos[i]) >= N) {
            PyErr_SetString(PyExc_ValueError, "label out of range");
            return -1;
        }
    return 0;
}

static void run_jobs(Job *base, int threads) {
    int64_t units = base->B * (base->N / base->d);
    if (threads < 1) threads = 1;
    if (threads > MAXT) threads = MAXT;
    if (units < threads) threads = (int)(units ? units : 1);
    Job jobs[MAXT];
    pthread_t tid[MAXT];
    int64_t step = (units + threads - 1) / threads;
    for (int t = 0; t < threads; t++) {
        jobs[t] = *base;
        jobs[t].u0 = t * step < units ? t * step : units;
        jobs[t].u1 = (t + 1) * step < units ? (t + 1) * step : units;
    }
    if (base->mode == 1 && threads > 1) { /* private accumulators, reduced below */
        for (int t = 1; t < threads; t++) {
            jobs[t].out = calloc((size_t)(base->B * base->d * base->d), sizeof(cdouble));
        }
    }
    for (int t = 1; t < threads; t++) pthread_create(&tid[t], NULL, work, &jobs[t]);
    work(&jobs[0]);
    for (int t = 1; t < threads; t++) pthread_join(tid[t], NULL);
    if (base->mode == 1 && threads > 1) {
        int64_t len = base->B * base->d * base->d;
        for (int t = 1; t < threads; t++) {
            if (jobs[t].out) {
                for (int64_t i = 0; i < len; i++) base->out[i] += jobs[t].out[i];
                free(jobs[t].out);
            }
        }
    }
}

static PyObject *py_apply(PyObject *self, PyObject *args) {
    PyObject *ostate, *omats, *opos, *odest = Py_None;
    int threads;
    if (!PyArg_ParseTuple(args, "OOOi|O", &ostate, &omats, &opos, &threads, &odest)) return NULL;
    Buf s = {0}, m = {0}, p = {0}, o = {0};
    Job job;
    memset(&job, 0, sizeof(job));
    PyObject *ret = NULL;
    if (get(ostate, &s, 1, sizeof(cdouble)) < 0 || get(omats, &m, 0, sizeof(cdouble)) < 0 ||
        get(opos, &p, 0, sizeof(int64_t)) < 0)
        goto done;
    {
        int64_t k = p.view.len / (Py_ssize_t)sizeof(int64_t);
        int64_t B = s.view.ndim >= 1 ? s.view.shape[0] : 1;
        int64_t N = (s.view.len / (Py_ssize_t)sizeof(cdouble)) / (B ? B : 1);
        if (setup(&job, B, N, (const int64_t *)p.view.buf, k) < 0) goto done;
        int64_t dd = job.d * job.d;
        int64_t M = (m.view.len / (Py_ssize_t)sizeof(cdouble)) / dd;
        if (M != 1 && M != B) {
            PyErr_SetString(PyExc_ValueError, "mats must be (1, d, d) or (B, d, d)");
            goto done;
        }
        job.state = (cdouble *)s.view.buf;
        job.dest = job.state;
        if (odest != Py_None) {
            if (get(odest, &o, 1, sizeof(cdouble)) < 0) goto done;
            if (o.view.len != s.view.len) {
                PyErr_SetString(PyExc_ValueError, "apply: out must have the state's shape");
                goto done;
            }
            job.dest = (cdouble *)o.view.buf;
        }
        job.mats = (const cdouble *)m.view.buf;
        job.M = M;
        job.mode = 0;
        Py_BEGIN_ALLOW_THREADS run_jobs(&job, threads);
        Py_END_ALLOW_THREADS
    }
    ret = Py_None;
    Py_INCREF(ret);
done:
    rel(&s);
    rel(&m);
    rel(&p);
    rel(&o);
    return ret;
}

static PyObject *py_env(PyObject *self, PyObject *args) {
    PyObject *orho, *olam, *opos, *oout;
    int threads;
    if (!PyArg_ParseTuple(args, "OOOOi", &orho, &olam, &opos, &oout, &threads)) return NULL;
    Buf r = {0}, l = {0}, p = {0}, o = {0};
    Job job;
    memset(&job, 0, sizeof(job));
    PyObject *ret = NULL;
    if (get(orho, &r, 0, sizeof(cdouble)) < 0 || get(olam, &l, 0, sizeof(cdouble)) < 0 ||
        get(opos, &p, 0, sizeof(int64_t)) < 0 || get(oout, &o, 1, sizeof(cdouble)) < 0)
        goto done;
    {
        int64_t k = p.view.len / (Py_ssize_t)sizeof(int64_t);
        int64_t B = r.view.ndim >= 1 ? r.view.shape[0] : 1;
        int64_t N = (r.view.len / (Py_ssize_t)sizeof(cdouble)) / (B ? B : 1);
        if (setup(&job, B, N, (const int64_t *)p.view.buf, k) < 0) goto done;
        if (l.view.len != r.view.len || o.view.len != (Py_ssize_t)(B * job.d * job.d * 16)) {
            PyErr_SetString(PyExc_ValueError, "env: shapes do not match");
            goto done;
        }
        job.state = (cdouble *)r.view.buf;
        job.lam = (const cdouble *)l.view.buf;
        job.out = (cdouble *)o.view.buf;
        memset(job.out, 0, (size_t)o.view.len);
        job.mode = 1;
        Py_BEGIN_ALLOW_THREADS run_jobs(&job, threads);
        Py_END_ALLOW_THREADS
    }
    ret = Py_None;
    Py_INCREF(ret);
done:
    rel(&r);
    rel(&l);
    rel(&p);
    rel(&o);
    return ret;
}

static PyMethodDef methods[] = {
    {"apply", py_apply, METH_VARARGS, "apply(state, mats, positions, threads): in place"},
    {"env", py_env, METH_VARARGS, "env(rho, lam, positions, out, threads)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_density",
                                    "Compiled kernels of the density-matrix engine.", -1, methods};

PyMODINIT_FUNC PyInit__density(void) { return PyModule_Create(&module); }
