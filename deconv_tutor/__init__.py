"""deconv_tutor: the helper package of a course on transposed-convolution networks for video.

One module per idea, mirroring the chapters:

- ``arithmetic``: output sizes and layer-by-layer shape traces
- ``reference``: NumPy convolution and transposed convolution, three ways
- ``data``: video clips, files and degradations
- ``models``: Keras model builders
- ``restoration``: classical baselines
- ``metrics``: PSNR, SSIM, IoU, flicker
- ``training``: hardware, budgets and resumable fitting
- ``deconvnet``: Zeiler-Fergus projections of a feature map back to the pixels
- ``widgets`` (one module per view) and ``plotting``: what a learner sees
- ``exercises``: checks, hints and solutions
- ``environment``: one call at the top of every notebook

Importing the package is cheap: Keras is imported by the modules that need it.
"""

__version__ = "0.1.0"
