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

Shapes
------
A video is float32 ``(frames, height, width, channels)`` with values in [0, 1]. Every function
also accepts a single frame ``(height, width, channels)`` and then returns a single frame: a 3-D
array is always read as *one colour frame*, never as a grayscale clip (give a grayscale clip a
channel axis of size 1). Any floating dtype is accepted; results are float32.

Frames are restored independently, channel by channel: these baselines use no temporal
information, which is exactly what chapter 09's multi-frame models add.

Boundaries in deconvolution
---------------------------
Fourier-domain deconvolution (inverse filter, Wiener) treats the frame as one tile of a periodic
pattern: the right edge touches the left edge. A real frame is not periodic, so the wrap-around
is a sharp step that the blur model cannot explain; the deconvolution "sharpens" it, and the
ringing it produces spreads across the whole frame. Richardson-Lucy (as implemented by
scikit-image) assumes zeros outside the frame instead, which darkens the modelled border and
produces bright, noisy edges. Every deconvolution function therefore takes ``boundary``:

``"reflect"`` (default)
    Mirror-pad the frame by the PSF size (:func:`pad_for_deconvolution`), taper the edges of
    the *padded* frame (:func:`taper_edges`), deconvolve, crop. The content keeps a natural
    continuation across its border, and the wrap-around step, now in the padding, is smoothed
    into what a periodic blur would produce.
``"taper"``
    Blend the frame with its own circularly blurred copy near the borders
    (:func:`taper_edges`, like MATLAB's ``edgetaper``), so that the frame fits the periodic
    model; no extra pixels, but the outer band stays soft.
``"none"``
    Use the algorithm's own assumption (periodic, or zeros for Richardson-Lucy); kept to show
    the artefacts in chapter 03.

For Richardson-Lucy, ``"reflect"`` and ``"taper"`` also wrap-pad the prepared frame by the PSF
size, so that the zeros it assumes lie beyond a seamless periodic continuation.

Why this default: on 64 x 64 crops of 4 scikit-image photos x 4 PSFs (9 x 9 Gaussian, 5 x 5
box, 9-pixel horizontal and diagonal motion) with noise sigma 0.005 and each method at its best
balance or iteration count, Wiener averaged 25.97 dB with ``"reflect"``, 25.64 dB with
``"taper"`` and 24.84 dB with mirror padding alone (no taper, twice the PSF size);
Richardson-Lucy 25.79 dB with ``"reflect"`` against 25.56 dB with mirror padding alone.

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

Modules: :mod:`~deconv_tutor.restoration.upscaling`,
:mod:`~deconv_tutor.restoration.denoising` and :mod:`~deconv_tutor.restoration.deconvolution`,
all used through this package's namespace (``restoration.wiener``).
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
