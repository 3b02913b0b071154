/* Fidelity Gram matrices |<s_i|s_j>|**2 of a batch of states, in worker threads.
 *
 * fidelity_gram(herk, gemm, states, out, threads): states (N, D) complex128 or complex64,
 * C-contiguous (read as the Fortran matrix A = S^T, D x N, so A^H A = conj(S) S^T); out
 * (N, N) float64. The rows are cut into blocks; a diagonal block pair is one Hermitian
 * rank-k update (herk, upper triangle), an off-diagonal pair one product (gemm); worker
 * threads take the block pairs from a shared counter, largest first, and each turns its
 * block into |.|**2 in out (both triangles) while it is still in cache. herk and gemm are
 * the BLAS routines of scipy.linalg.cython_blas (capsules: zherk/zgemm or cherk/cgemm);
 * the caller keeps BLAS itself single-threaded during the call (qlang.sim.threads). The
 * GIL is released for the whole computation.
 *
 * fidelity_cross(gemm, s1, s2, out, threads): out (N1, N2) = |conj(S1) S2^T|**2, i.e.
 * |<s2_j|s1_i>|**2 (same modulus); the rows of S1 in blocks, one gemm per block.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <complex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define MAXT 64

typedef void herk_d(char *, char *, int *, int *, double *, double complex *, int *, double *,
                    double complex *, int *);
typedef void gemm_d(char *, char *, int *, int *, int *, double complex *, double complex *,
                    int *, double complex *, int *, double complex *, double complex *, int *);
typedef void herk_f(char *, char *, int *, int *, float *, float complex *, int *, float *,
                    float complex *, int *);
typedef void gemm_f(char *, char *, int *, int *, int *, float complex *, float complex *, int *,
                    float complex *, int *, float complex *, float complex *, int *);

typedef struct {
    void *herk, *gemm;
    int dbl;         /* complex128 states (else complex64) */
    const void *s;   /* (N, D) states */
    const void *s2;  /* (N2, D) states of the cross mode, else NULL */
    int N2;
    void *scratch;   /* (N, N2) Fortran-order products (each task writes its own blocks) */
    double *out;     /* (N, N2), C order */
    int N, D, nb;    /* nb row blocks */
    int ntasks;
    int *tasks;      /* (p, q) pairs, p <= q, largest first */
    int next;        /* shared task counter */
} Gram;

static void block_range(const Gram *g, int p, int *lo, int *len) {
    int base = g->N / g->nb, extra = g->N % g->nb;
    *lo = p * base + (p < extra ? p : extra);
    *len = base + (p < extra ? 1 : 0);
}

static void run_task(Gram *g, int t) {
    int p = g->tasks[2 * t], q = g->tasks[2 * t + 1];
    int i0, m, j0, n;
    block_range(g, p, &i0, &m);
    block_range(g, q, &j0, &n);
    int cross = g->s2 != NULL;
    if (cross) j0 = 0, n = g->N2;
    if (m == 0 || n == 0) return;
    int N = g->N, D = g->D, ldo = cross ? g->N2 : g->N;
    char cc = 'C', nn = 'N', up = 'U';
    if (g->dbl) {
        const double complex *s = g->s, *s2 = cross ? g->s2 : g->s;
        double complex *c = (double complex *)g->scratch + (int64_t)i0 + (int64_t)j0 * N;
        double complex *a = (double complex *)(s + (int64_t)i0 * D);
        if (p == q && !cross) {
            double one = 1.0, zero = 0.0;
            ((herk_d *)g->herk)(&up, &cc, &m, &D, &one, a, &D, &zero, c, &N);
        } else {
            double complex one = 1.0, zero = 0.0;
            double complex *b = (double complex *)(s2 + (int64_t)j0 * D);
            ((gemm_d *)g->gemm)(&cc, &nn, &m, &n, &D, &one, a, &D, b, &D, &zero, c, &N);
        }
        for (int j = 0; j < n; j++)
            for (int i = 0; i < (p == q && !cross ? j + 1 : m); i++) {
                double complex v = c[i + (int64_t)j * N];
                double f = creal(v) * creal(v) + cimag(v) * cimag(v);
                g->out[(int64_t)(i0 + i) * ldo + j0 + j] = f;
                if (!cross) g->out[(int64_t)(j0 + j) * N + i0 + i] = f;
            }
    } else {
        const float complex *s = g->s, *s2 = cross ? g->s2 : g->s;
        float complex *c = (float complex *)g->scratch + (int64_t)i0 + (int64_t)j0 * N;
        float complex *a = (float complex *)(s + (int64_t)i0 * D);
        if (p == q && !cross) {
            float one = 1.0f, zero = 0.0f;
            ((herk_f *)g->herk)(&up, &cc, &m, &D, &one, a, &D, &zero, c, &N);
        } else {
            float complex one = 1.0f, zero = 0.0f;
            float complex *b = (float complex *)(s2 + (int64_t)j0 * D);
            ((gemm_f *)g->gemm)(&cc, &nn, &m, &n, &D, &one, a, &D, b, &D, &zero, c, &N);
        }
        for (int j = 0; j < n; j++)
            for (int i = 0; i < (p == q && !cross ? j + 1 : m); i++) {
                float complex v = c[i + (int64_t)j * N];
                double re = crealf(v), im = cimagf(v);
                double f = re * re + im * im;
                g->out[(int64_t)(i0 + i) * ldo + j0 + j] = f;
                if (!cross) g->out[(int64_t)(j0 + j) * N + i0 + i] = f;
            }
    }
}

static void *worker(void *arg) {
    Gram *g = arg;
    for (;;) {
        int t = __atomic_fetch_add(&g->next, 1, __ATOMIC_RELAXED);
        if (t >= g->ntasks) break;
        run_task(g, t);
    }
    return NULL;
}

static void *capsule_pointer(PyObject *cap) {
    if (!PyCapsule_CheckExact(cap)) {
        PyErr_SetString(PyExc_TypeError, "expected a BLAS capsule");
        return NULL;
    }
    return PyCapsule_GetPointer(cap, PyCapsule_GetName(cap));
}

static int state_buffer(PyObject *o, Py_buffer *b, int *dbl) {
    if (PyObject_GetBuffer(o, b, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_ND) < 0) return -1;
    int d = b->format && b->format[0] == 'Z' && b->format[1] == 'd';
    int f = b->format && b->format[0] == 'Z' && b->format[1] == 'f';
    if (b->ndim != 2 || (!d && !f) || b->shape[0] > INT32_MAX / 2 || b->shape[1] > INT32_MAX / 2) {
        PyErr_SetString(PyExc_ValueError, "states must be (N, D) complex128 or complex64");
        PyBuffer_Release(b);
        return -1;
    }
    *dbl = d;
    return 0;
}

/* herk may be None (cross mode); s2 NULL: the symmetric Gram matrix of s. */
static PyObject *run(PyObject *oherk, PyObject *ogemm, PyObject *os1, PyObject *os2,
                     PyObject *oout, int threads) {
    void *herk = NULL, *gemm = capsule_pointer(ogemm);
    if (!gemm) return NULL;
    if (oherk != Py_None && !(herk = capsule_pointer(oherk))) return NULL;
    Py_buffer b1, b2, bo;
    int dbl, dbl2;
    if (state_buffer(os1, &b1, &dbl) < 0) return NULL;
    if (os2 && state_buffer(os2, &b2, &dbl2) < 0) {
        PyBuffer_Release(&b1);
        return NULL;
    }
    PyObject *result = NULL;
    if (PyObject_GetBuffer(oout, &bo, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE | PyBUF_FORMAT | PyBUF_ND) < 0)
        goto release;
    Py_ssize_t n2 = os2 ? b2.shape[0] : b1.shape[0];
    if ((os2 && (dbl2 != dbl || b2.shape[1] != b1.shape[1])) || bo.ndim != 2 || !bo.format ||
        bo.format[0] != 'd' || bo.shape[0] != b1.shape[0] || bo.shape[1] != n2 || (!os2 && !herk)) {
        PyErr_SetString(PyExc_ValueError, "fidelity: states of one dtype and width, out (N1, N2) float64");
        goto done;
    }
    Gram g = {herk, gemm, dbl, b1.buf, os2 ? b2.buf : NULL, (int)n2, NULL, bo.buf,
              (int)b1.shape[0], (int)b1.shape[1], 1, 0, NULL, 0};
    if (threads < 1) threads = 1;
    if (threads > MAXT) threads = MAXT;
    if (threads > g.N) threads = g.N > 0 ? g.N : 1;
    g.nb = os2 ? threads : (threads == 1 ? 1 : (threads == 2 ? 2 : 2 * threads));
    if (g.nb > g.N) g.nb = g.N > 0 ? g.N : 1;
    size_t item = dbl ? sizeof(double complex) : sizeof(float complex);
    g.scratch = malloc(item * (size_t)g.N * (size_t)n2 + 1);
    g.tasks = malloc(sizeof(int) * (size_t)g.nb * (size_t)(g.nb + 1) + sizeof(int));
    if (!g.scratch || !g.tasks) {
        PyErr_NoMemory();
        free(g.scratch);
        free(g.tasks);
        goto done;
    }
    if (os2) { /* row blocks of S1 against all of S2 */
        for (int p = 0; p < g.nb; p++) g.tasks[2 * g.ntasks] = p, g.tasks[2 * g.ntasks++ + 1] = 0;
    } else { /* off-diagonal pairs (gemm, twice the work of a herk) first */
        for (int p = 0; p < g.nb; p++)
            for (int q = p + 1; q < g.nb; q++) g.tasks[2 * g.ntasks] = p, g.tasks[2 * g.ntasks++ + 1] = q;
        for (int p = 0; p < g.nb; p++) g.tasks[2 * g.ntasks] = p, g.tasks[2 * g.ntasks++ + 1] = p;
    }
    Py_BEGIN_ALLOW_THREADS;
    pthread_t tids[MAXT];
    int started[MAXT] = {0};
    for (int t = 1; t < threads; t++) started[t] = pthread_create(&tids[t], NULL, worker, &g) == 0;
    worker(&g);
    for (int t = 1; t < threads; t++)
        if (started[t]) pthread_join(tids[t], NULL);
    Py_END_ALLOW_THREADS;
    free(g.scratch);
    free(g.tasks);
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&bo);
release:
    PyBuffer_Release(&b1);
    if (os2) PyBuffer_Release(&b2);
    return result;
}

static PyObject *fidelity_gram(PyObject *self, PyObject *args) {
    PyObject *oherk, *ogemm, *ostates, *oout;
    int threads;
    if (!PyArg_ParseTuple(args, "OOOOi", &oherk, &ogemm, &ostates, &oout, &threads)) return NULL;
    return run(oherk, ogemm, ostates, NULL, oout, threads);
}

static PyObject *fidelity_cross(PyObject *self, PyObject *args) {
    PyObject *ogemm, *os1, *os2, *oout;
    int threads;
    if (!PyArg_ParseTuple(args, "OOOOi", &ogemm, &os1, &os2, &oout, &threads)) return NULL;
    return run(Py_None, ogemm, os1, os2, oout, threads);
}

static PyMethodDef methods[] = {
    {"fidelity_gram", fidelity_gram, METH_VARARGS,
     "fidelity_gram(herk, gemm, states, out, threads): out = |conj(S) S^T|**2"},
    {"fidelity_cross", fidelity_cross, METH_VARARGS,
     "fidelity_cross(gemm, s1, s2, out, threads): out = |conj(S1) S2^T|**2"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_gram", NULL, -1, methods};

PyMODINIT_FUNC PyInit__gram(void) {
    PyObject *m = PyModule_Create(&module);
    if (m) PyModule_AddIntConstant(m, "ABI", 1);
    return m;
}
