"""The layer calls of a Keras model in graph order: the one reader of Keras's graph internals.

A functional (or Sequential) Keras model is a graph of layer calls linked by symbolic
tensors. Keras 3 has no public accessor for a call's parents: each symbolic tensor keeps,
in ``_keras_history``, the operation that made it, and each layer keeps its calls in
``_inbound_nodes``. This module is the only place that reads them;
:func:`deconv_tutor.arithmetic.trace_shapes` (the shape trace) and
:mod:`deconv_tutor.deconvnet` (the way back to the pixels) both walk the list of
:class:`Call` that :func:`layer_calls` returns.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from deconv_tutor import _validation as check

__all__ = ["Call", "ancestors", "frame_batch", "image_input_shape", "layer_calls", "submodel"]

# Sub-models per model, built once per key: building one costs far more than calling it.
_SUBMODELS = weakref.WeakKeyDictionary()


@dataclass(frozen=True, eq=False)
class Call:
    """One node of a model's graph: a model input or one call of a layer.

    Attributes
    ----------
    name : str
        The layer's name (an input's name for a model input).
    layer : keras.layers.Layer or None
        The layer called; None for a model input.
    parents : tuple of int
        For each input tensor of the call, in order, the index (in the list of
        :func:`layer_calls`) of the call that produced it. A layer that reads the same
        tensor twice lists its parent twice.
    inputs, outputs : tuple
        The call's symbolic input and output tensors, flattened.
    """

    name: str
    layer: object
    parents: tuple
    inputs: tuple
    outputs: tuple

    @property
    def is_input(self):
        """Whether this node is a model input rather than a layer call."""
        return self.layer is None

    @property
    def class_name(self):
        """``"InputLayer"`` for a model input, else the layer's class name."""
        return "InputLayer" if self.layer is None else type(self.layer).__name__

    @property
    def output_shapes(self):
        """Per-sample output shapes (no batch axis), one per output tensor."""
        return [tuple(tensor.shape[1:]) for tensor in self.outputs]


def _tensor_ids_on_paths_to(outputs):
    """Ids of every tensor on a path to ``outputs``, following Keras's tensor history."""
    import keras

    seen, stack = set(), list(outputs)
    while stack:
        tensor = stack.pop()
        if id(tensor) in seen:
            continue
        seen.add(id(tensor))
        history = getattr(tensor, "_keras_history", None)
        if history is None:
            continue
        call = history.operation._inbound_nodes[history.node_index]
        stack.extend(keras.tree.flatten(call.input_tensors))
    return seen


def layer_calls(model):
    """The model's inputs, then each of its layers' calls, in an order the forward pass allows.

    Every call comes after the calls that produce its inputs; a layer nested model counts
    as one call.

    Parameters
    ----------
    model : keras.Model
        Built on a known input shape (it starts with ``keras.Input``); every layer must be
        called exactly once inside it.

    Returns
    -------
    list of Call
        The model inputs first (one entry each), then one entry per layer of
        ``model.layers``.

    Raises
    ------
    TypeError
        If ``model`` is not a ``keras.Model``.
    ValueError
        If the model is not built, calls a layer more than once (a shared layer), or lists
        a layer before a layer that feeds it.

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((8, 8, 1), name="image")
    >>> features = keras.layers.Conv2D(2, 3, padding="same", name="conv")(inputs)
    >>> model = keras.Model(inputs, keras.layers.Add(name="skip")([inputs, features]))
    >>> [(call.name, call.parents) for call in layer_calls(model)]
    [('image', ()), ('conv', (0,)), ('skip', (0, 1))]
    """
    import keras  # lazy: importing Keras costs seconds

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    try:
        inputs = keras.tree.flatten(model.inputs)
        outputs = keras.tree.flatten(model.outputs)
    except (AttributeError, ValueError) as error:
        raise ValueError(
            "model must be built on a known input shape (start it with keras.Input(...)), "
            f"got an unbuilt model: {error}"
        ) from None

    on_paths = _tensor_ids_on_paths_to(outputs)
    calls, producer = [], {}
    for tensor in inputs:
        history = getattr(tensor, "_keras_history", None)
        name = history.operation.name if history is not None else tensor.name
        producer[id(tensor)] = len(calls)
        calls.append(Call(name, None, (), (), (tensor,)))

    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        # A layer's inbound nodes are its calls; keep the ones made inside this model
        # (a layer reused in another model has calls there too).
        nodes = [
            node
            for node in layer._inbound_nodes
            if any(id(tensor) in on_paths for tensor in keras.tree.flatten(node.output_tensors))
        ]
        if len(nodes) != 1:
            raise ValueError(
                f"model must call each layer once, got layer {layer.name!r} called "
                f"{len(nodes)} times in this model"
            )
        node = nodes[0]
        in_tensors = tuple(keras.tree.flatten(node.input_tensors))
        parents = tuple(producer.get(id(tensor)) for tensor in in_tensors)
        if None in parents:
            raise ValueError(
                f"model.layers must list layers in graph order, got layer {layer.name!r} "
                "before a layer that feeds it"
            )
        out_tensors = tuple(keras.tree.flatten(node.output_tensors))
        for tensor in out_tensors:
            producer[id(tensor)] = len(calls)
        calls.append(Call(layer.name, layer, parents, in_tensors, out_tensors))
    return calls


def ancestors(calls, index):
    """Indices of what ``calls[index]`` depends on (any items with ``parents``), itself included.

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((8, 8, 1), name="image")
    >>> a = keras.layers.Conv2D(1, 3, name="a")(inputs)
    >>> b = keras.layers.Conv2D(1, 3, name="b")(inputs)
    >>> calls = layer_calls(keras.Model(inputs, [a, b]))
    >>> [calls[i].name for i in ancestors(calls, 2)]
    ['image', 'b']
    """
    needed, stack = set(), [index]
    while stack:
        current = stack.pop()
        if current not in needed:
            needed.add(current)
            stack.extend(calls[current].parents)
    return sorted(needed)


def image_input_shape(model):
    """``(height, width, channels)`` of a model with one image input (None: any size).

    Raises
    ------
    TypeError
        If ``model`` is not a ``keras.Model``.
    ValueError
        If the model has several inputs or an input that is not ``(batch, H, W, C)``.

    Examples
    --------
    >>> import keras
    >>> image_input_shape(keras.Sequential([keras.Input((None, None, 3)), keras.layers.ReLU()]))
    (None, None, 3)
    """
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    if len(model.inputs) != 1:
        raise ValueError(f"model must have exactly one image input, got {len(model.inputs)}")
    shape = tuple(model.inputs[0].shape)
    if len(shape) != 4:
        raise ValueError(f"model input must be (batch, height, width, channels), got {shape}")
    return shape[1:]


def frame_batch(model, frame, name="frame"):
    """One frame as the batch of one that ``model`` takes: ``(1, height, width, channels)``.

    Examples
    --------
    >>> import keras
    >>> import numpy as np
    >>> model = keras.Sequential([keras.Input((None, None, 1)), keras.layers.ReLU()])
    >>> frame_batch(model, np.zeros((4, 5))).shape
    (1, 4, 5, 1)
    """
    image = check.image(frame, name, like=image_input_shape(model))
    return (image if image.ndim == 3 else image[..., None])[None]


def submodel(model, key, outputs):
    """``keras.Model(model.inputs, outputs)``, built once per ``(model, key)`` and kept.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.ReLU(name="r")])
    >>> first = submodel(model, "r", model.get_layer("r").output)
    >>> submodel(model, "r", model.get_layer("r").output) is first
    True
    """
    import keras

    cache = _SUBMODELS.setdefault(model, {})
    if key not in cache:
        cache[key] = keras.Model(model.inputs, outputs)
    return cache[key]
