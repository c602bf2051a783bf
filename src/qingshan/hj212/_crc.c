/* Optional C accelerator of the HJ 212 CRC16 (hj212.md §6).
 *
 * Exactly the pseudo-code of HJ 212—2017 Appendix A, table-driven: after step 3
 * (crc = (crc >> 8) ^ byte) the register holds 8 bits, so one table lookup per byte gives
 * the register after the eight shift/xor-0xA001 rounds.  The pure-Python module
 * qingshan/hj212/crc.py is the fallback and the tests check both against the reference
 * on random inputs.  Built by setup.py (ext_modules, optional=True).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

static uint16_t table[256];

static void
build_table(void)
{
    for (int x = 0; x < 256; x++) {
        uint16_t crc = (uint16_t)x;
        for (int k = 0; k < 8; k++) {
            uint16_t lsb = crc & 1u;
            crc >>= 1;
            if (lsb)
                crc ^= 0xA001u;
        }
        table[x] = crc;
    }
}

static PyObject *
crc16(PyObject *self, PyObject *arg)
{
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    const unsigned char *p = (const unsigned char *)view.buf;
    Py_ssize_t n = view.len;
    uint16_t crc = 0xFFFF;
    for (Py_ssize_t i = 0; i < n; i++)
        crc = table[(crc >> 8) ^ p[i]];
    PyBuffer_Release(&view);
    return PyLong_FromLong((long)crc);
}

static PyMethodDef methods[] = {
    {"crc16", crc16, METH_O, "HJ 212 CRC16 of a bytes-like data segment (hj212.md §6)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_crc", "C accelerator of qingshan.hj212.crc", -1, methods,
};

PyMODINIT_FUNC
PyInit__crc(void)
{
    build_table();
    return PyModule_Create(&module);
}
