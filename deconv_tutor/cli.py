"""The command line: ``python -m deconv_tutor restore INPUT OUTPUT --task ...`` (or ``deconv-tutor``).

One subcommand, ``restore``, around :func:`deconv_tutor.restore.restore_video`: the options
map one to one onto its arguments. Errors a user can fix (a missing file, a damaged video,
a model that does not fit the task) are printed as one line, ``deconv-tutor: error: ...``,
with exit status 2; nothing is left at OUTPUT.
"""

import argparse
import os
import signal
import sys

__all__ = ["build_parser", "main"]

_MODEL_HELP = (
    "'reference' (default): the reference model of the task shipped with the package "
    "(deconv_tutor/pretrained, trained by benchmarks/train_reference.py); the name of another "
    "reference model (upscale_x2_fast: the fastest x2 upscaler, half the filters, for real "
    "time on a CPU with --preset ultrafast; upscale_x2_large: the best scored x2 upscaler, "
    "for 29 times the default's multiply-adds per pixel; denoise_article: chapter 04's "
    "encoder-decoder without skips, for noise of 25 grey levels only); or the path of a "
    ".keras file you saved in a chapter (model.save('my_model.keras')). A .keras file does "
    "not say which task it learned: the command checks that it takes and returns 3-channel "
    "frames and that its output is --scale times its input (upscale) or the same size (the "
    "other tasks); whether a same-size model denoises, deblocks or deblurs is your word."
)


def build_parser():
    """The argument parser of ``deconv-tutor``.

    Returns
    -------
    argparse.ArgumentParser

    Examples
    --------
    >>> args = build_parser().parse_args(["restore", "in.mp4", "out.mp4", "--task", "upscale"])
    >>> args.task, args.model, args.scale
    ('upscale', 'reference', None)
    """
    from deconv_tutor.restore import DEFAULT_CRF, DEFAULT_PRESET, TASKS

    parser = argparse.ArgumentParser(
        prog="deconv-tutor",
        description="Tools of the deconv_tutor course. `deconv-tutor restore -h` for details.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    restore = commands.add_parser(
        "restore",
        help="restore a video file (denoise, upscale, deblock, deblur) into an H.264 MP4",
        description=(
            "Restore a video file with a trained network and write an H.264 MP4 that keeps the "
            "input's frame rate, audio track and aspect ratio. Frames are streamed (memory "
            "stays flat whatever the length); large frames are processed in overlapping tiles "
            "blended without seams. A progress line shows frames, frames per second and time "
            "left; one summary line ends the run."
        ),
    )
    restore.add_argument("input", metavar="INPUT", help="the video to restore (MP4, MOV, MKV...)")
    restore.add_argument("output", metavar="OUTPUT", help="the restored video (.mp4, .mov, .mkv)")
    restore.add_argument("--task", required=True, choices=TASKS, help="what to do")
    restore.add_argument("--model", default="reference", help=_MODEL_HELP)
    restore.add_argument(
        "--noise-level",
        type=float,
        metavar="GREY_LEVELS",
        help="denoise: the noise you expect, 0-255; the reference denoiser is blind (it "
        "estimates the noise itself) and the summary warns outside its training range",
    )
    restore.add_argument(
        "--scale", type=int, help="upscale: the factor (default 2; reference models do 2 and 3)"
    )
    restore.add_argument(
        "--start", type=float, default=0.0, metavar="SECONDS", help="restore from this time"
    )
    restore.add_argument(
        "--duration", type=float, metavar="SECONDS", help="restore this long (default: to the end)"
    )
    restore.add_argument(
        "--compare",
        nargs="?",
        const="",
        metavar="PATH",
        help="also write a side-by-side video, input left and output right (default path: "
        "OUTPUT with '_compare' added to its name)",
    )
    restore.add_argument(
        "--reference",
        metavar="CLEAN",
        help="a clean original of the same footage, at the output's size: print PSNR/SSIM of "
        "the input and of the output against it",
    )
    restore.add_argument(
        "--crf",
        type=int,
        default=DEFAULT_CRF,
        help=f"H.264 quality, 0 (lossless) to 51 (worst); default {DEFAULT_CRF}, visually lossless",
    )
    restore.add_argument(
        "--preset",
        default=DEFAULT_PRESET,
        help=f"x264 speed preset (default {DEFAULT_PRESET}; veryfast encodes faster, larger files)",
    )
    restore.add_argument(
        "--tile",
        type=int,
        default=512,
        help="tile side in input pixels: frames of more than TILE x TILE pixels go through "
        "the model in overlapping TILE x TILE tiles (default 512)",
    )
    restore.add_argument("--quiet", action="store_true", help="no progress line")
    return parser


def _compare_path(output, compare):
    if compare is None or compare:
        return compare
    root, suffix = os.path.splitext(output)
    return f"{root}_compare{suffix}"


def main(argv=None):
    """Run the command line; return its exit status.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 for an error the user can fix (printed as one line).

    Examples
    --------
    >>> main(["restore", "missing.mp4", "out.mp4", "--task", "denoise"])
    2
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    from deconv_tutor import environment

    # Caches inside the working folder, quiet TensorFlow, before Keras is imported.
    environment.prepare(seed=0)
    from deconv_tutor.restore import restore_video

    def _terminated(signum, frame):
        # SIGTERM (kill, a closed terminal) unwinds like Ctrl-C: ffmpeg stopped, no partial file.
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        restore_video(
            args.input,
            args.output,
            args.task,
            model=args.model,
            noise_level=args.noise_level,
            scale=args.scale,
            start=args.start,
            duration=args.duration,
            compare=_compare_path(args.output, args.compare),
            reference=args.reference,
            crf=args.crf,
            preset=args.preset,
            tile=args.tile,
            progress=not args.quiet,
        )
    except (OSError, ValueError, TypeError) as error:
        print(f"deconv-tutor: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("deconv-tutor: interrupted; nothing was written", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0
