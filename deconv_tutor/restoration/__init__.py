"""Classical restoration baselines, applied to a video frame by frame.

Every learned model in the course is compared with the classical method that solves the same
problem without training:

* upscaling: :func:`upscale_nearest`, :func:`upscale_bicubic`, :func:`upscale_lanczos`
  (``downscale`` lives in :mod:`deconv_tutor.data`);
* denoising: :func:`denoise_gaussian`, :func:`denoise_median`, :func:`denoise_tv`,
  :func:`denoise_wavelet`, :func:`denoise_nl_means`, and :func:`best_classical_denoiser`, which
  sweeps them all so that a chapter reports the *best* classical result, not a strawman;
* deconvolution (undoing a known blur): :func:`inverse_filter`, :func:`wiener`,
  :func:`unsupervised_wiener`, :func:`richardson_lucy`, with :func:`tune_wiener_balance`, and the
  boundary treatments :func:`pad_for_deconvolution` and :func:`taper_edges`.

Modules: :mod:`~deconv_tutor.restoration.upscaling`,
:mod:`~deconv_tutor.restoration.denoising` and :mod:`~deconv_tutor.restoration.deconvolution`,
all used through this package's namespace (``restoration.wiener``).

Notes
-----
*Shapes.* A video is float32 ``(frames, height, width, channels)`` with values in [0, 1]. Every function
also accepts a single frame ``(height, width, channels)`` and then returns a single frame: a 3-D
array is always read as *one colour frame*, never as a grayscale clip (give a grayscale clip a
channel axis of size 1). Any floating dtype is accepted; results are float32.

Frames are restored independently, channel by channel: these baselines use no temporal
information, which is exactly what chapter 09's multi-frame models add.

References
----------
.. [1] R. C. Gonzalez and R. E. Woods, *Digital Image Processing*, 4th ed., ch. 5
   (inverse and Wiener filtering).
.. [2] W. H. Richardson, "Bayesian-based iterative method of image restoration", JOSA 62 (1972);
   L. B. Lucy, "An iterative technique for the rectification of observed distributions",
   AJ 79 (1974).
.. [3] S. G. Chang, B. Yu and M. Vetterli, "Adaptive wavelet thresholding for image denoising
   and compression", IEEE TIP 9 (2000) (BayesShrink).
.. [4] A. Buades, B. Coll and J.-M. Morel, "A non-local algorithm for image denoising",
   CVPR 2005.
"""

from deconv_tutor.restoration.deconvolution import (
    BOUNDARIES,
    DEFAULT_BALANCES,
    inverse_filter,
    pad_for_deconvolution,
    richardson_lucy,
    taper_edges,
    tune_wiener_balance,
    unsupervised_wiener,
    wiener,
)
from deconv_tutor.restoration.denoising import (
    best_classical_denoiser,
    denoise_gaussian,
    denoise_median,
    denoise_nl_means,
    denoise_tv,
    denoise_wavelet,
)
from deconv_tutor.restoration.upscaling import upscale_bicubic, upscale_lanczos, upscale_nearest

__all__ = [
    "BOUNDARIES",
    "DEFAULT_BALANCES",
    "best_classical_denoiser",
    "denoise_gaussian",
    "denoise_median",
    "denoise_nl_means",
    "denoise_tv",
    "denoise_wavelet",
    "inverse_filter",
    "pad_for_deconvolution",
    "richardson_lucy",
    "taper_edges",
    "tune_wiener_balance",
    "unsupervised_wiener",
    "upscale_bicubic",
    "upscale_lanczos",
    "upscale_nearest",
    "wiener",
]
