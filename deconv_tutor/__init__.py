"""deconv_tutor: the helper package of a course on transposed-convolution networks for video.

One module per idea, mirroring the chapters:

- ``arithmetic``: output sizes and layer-by-layer shape traces
- ``reference``: NumPy convolution and transposed convolution, three ways
- ``autodiff``: a gradient by the active backend's own autodiff
- ``data`` (clips, video files, degradations, patches): video as arrays
- ``layers``: the custom Keras layers and heads the models are built from
- ``models``: Keras model builders for restoration; ``segmenters``: FCN and U-Net
- ``cost``: parameters and multiply-adds per pixel of any model
- ``restoration`` (upscaling, denoising, deconvolution): classical baselines
- ``motion``: neighbouring frames aligned with the middle one (motion compensation)
- ``pretrained``: reference weights trained for longer than a chapter can, with their records
- ``restore`` (and ``tiling``, ``cli``): a video file in, a restored file out
  (``python -m deconv_tutor restore``)
- ``metrics``: PSNR, SSIM, IoU, flicker
- ``training`` (budgets, hardware, distribution, fitting): training on any machine
- ``speed``: frames per second against the machine's matmul ceiling
- ``deconvnet``: Zeiler-Fergus projections of a feature map back to the pixels
- ``structure``: do a layer's projections show structure? measured against random weights
- ``widgets`` (one module per view) and ``plotting``: what a learner sees
- ``exercises``: checks, hints and solutions
- ``environment``: one call at the top of every notebook

Importing the package is cheap: Keras is imported by the modules that need it.
"""

__version__ = "0.1.0"
