"""PyPy 7.3's ctypes refuses a correct extended-slice assignment (python or pypy3 this file).

``(c_char * 3)()[::3]`` is one item, so assigning one item is right: CPython accepts it, PyPy
raises ValueError. multiprocessing.Array('c', 3) shares it.
"""
import ctypes
import multiprocessing
import sys

a = multiprocessing.Array("c", 3)
try:
    a[::3] = b"\x00"
    print(sys.implementation.name, "Array('c', 3)[::3] = b'\\x00': ok ->", a[:])
except ValueError as e:
    print(sys.implementation.name, "Array('c', 3)[::3] = b'\\x00': ValueError:", e)
r = (ctypes.c_char * 3)()
try:
    r[::3] = b"\x00"
    print(sys.implementation.name, "(c_char * 3)()[::3] = b'\\x00': ok")
except ValueError as e:
    print(sys.implementation.name, "(c_char * 3)()[::3] = b'\\x00': ValueError:", e)
