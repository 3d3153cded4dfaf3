"""The names of the kernels in vector_kernels.py, listed without importing it.

The op table checks each entry's vector kernel against this list when it is built, so an entry
whose vector kernel does not exist stops agrad at import, naming the op, instead of failing with
a traceback the first time a vector meets it. Reading vector_kernels itself would import numpy,
which a scalar start-up never pays for (a frozenset of names costs nothing). The list is kept
honest by tests/test_op_table.py, which imports vector_kernels and checks that every name here
is one of its functions.
"""

KERNELS = frozenset("""
    add sub rsub mul div neg pow reciprocal pow_scalar
    exp expm1 log log2 log10 log1p sqrt rsqrt sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh
    abs sign floor ceil round sigmoid relu softplus erf silu gelu logsigmoid
    tanh_backward sigmoid_backward threshold_backward softplus_backward gelu_backward log_sigmoid_backward
    atan2 hypot maximum minimum clamp where masked_fill
    sum sum_keepdim mean prod dot norm amax amin select select_backward stack expand view
""".split())
