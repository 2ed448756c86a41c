"""The gradient of a scalar function of one array, by the active backend's own autodiff.

Keras 3 has no backend-neutral gradient op: TensorFlow records a ``GradientTape``, JAX
transforms the function with ``jax.grad``, PyTorch runs ``backward()``. Chapter 02 needs
one gradient (the input gradient of a convolution, which *is* a transposed convolution),
so this module holds the three ways behind one call and the chapter stays the same on
every backend. Write the function with ``keras.ops`` and it works on all three.

Like :mod:`deconv_tutor.training`, this module imports a backend directly, lazily.
"""

import keras
import numpy as np

from deconv_tutor import _validation as check

__all__ = ["gradient"]


def gradient(function, x):
    """The gradient of ``function`` (array -> scalar) at ``x``, as a NumPy array.

    Parameters
    ----------
    function : callable
        Maps a tensor shaped like ``x`` to a scalar tensor, using ``keras.ops``.
    x : array_like
        The point, real numbers (computed in float32).

    Returns
    -------
    numpy.ndarray
        float32, the shape of ``x``.

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 3.0])
    >>> gradient(lambda v: keras.ops.sum(v * v), x)  # d/dx sum(x^2) = 2x
    array([2., 4., 6.], dtype=float32)
    """
    if not callable(function):
        raise TypeError(f"function must be callable, got {type(function).__name__}")
    x = check.real_array(x, "x").astype(np.float32)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        variable = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(variable)
            value = function(variable)
        result = tape.gradient(value, variable)
    elif backend == "jax":
        import jax

        result = jax.grad(function)(jax.numpy.asarray(x))
    elif backend == "torch":
        variable = keras.ops.convert_to_tensor(x).detach().requires_grad_(True)
        function(variable).backward()
        result = variable.grad.detach()
    else:
        raise ValueError(
            f"the Keras backend must be 'tensorflow', 'jax' or 'torch' for gradients, got {backend!r}"
        )
    return keras.ops.convert_to_numpy(result).astype(np.float32)
