"""Which measure says that the reference denoiser's projections show structure? Chapter 10's choice.

Chapter 10 asks whether the decoder of the reference denoiser (``pretrained.load("denoise")``)
has projections with structure that random weights do not give. Its first measure, the edge
correlation against untrained models of the same architecture, tied on the chapter's test
frame. This script measures both numbers of :mod:`deconv_tutor.structure` on more frames, for
the reference and for ten untrained models (seeds 0-9), in each ``Conv2DTranspose`` layer:

- on the **validation** photos (coffee, chelsea), the only frames used to choose the measure
  that chapter 10 records: two pans per photo (seeds 0 and 1), frames 0 and 7, 64x64, noise
  of sigma 25/255, as in the chapter;
- on the **test** photos (grace_hopper, motorcycle_left; the chapter's frame is grace_hopper,
  pan seed 0, frame 0), the same way, reported only.

For each frame and layer it prints the reference's edge correlation beside the untrained
models' range, and the *roughness margin*: the smoothest untrained model's roughness minus the
reference's (positive: the reference is smoother than every untrained model). Run::

    python benchmarks/projection_structure.py [--seeds 10]

and the table goes to ``benchmarks/results/projection_structure.json``.
"""

import argparse
import json
import time

import _common

_common.prepare()

SIGMA = 25 / 255
CLIP_SEEDS = (0, 1)
FRAMES = (0, 7)


def frames_of(names):
    """(label, noisy frame, clean frame) of every clip and frame of the study."""
    from deconv_tutor import data

    for name in names:
        for clip_seed in CLIP_SEEDS:
            clean = data.photo_clip(name, frames=8, size=(64, 64), motion="pan", seed=clip_seed)
            noisy = data.add_gaussian_noise(clean, SIGMA, seed=1)
            for index in FRAMES:
                yield f"{name} pan {clip_seed} frame {index}", noisy[index], clean[index]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="untrained models (seeds 0..N-1)")
    parser.add_argument("--output", type=str, default=None, help="JSON file to write")
    options = parser.parse_args()
    if options.seeds < 2:
        parser.error(f"--seeds must be at least 2 (a spread needs two models), got {options.seeds}")

    import keras
    from skimage import filters

    from deconv_tutor import deconvnet, environment, models, pretrained, structure, training
    from deconv_tutor.data import photos

    environment.prepare(seed=0)
    reference = pretrained.load("denoise")
    kwargs = pretrained.record("denoise")["kwargs"]
    layers = [
        name
        for name in deconvnet.projectable_layers(reference)
        if isinstance(reference.get_layer(name), keras.layers.Conv2DTranspose)
    ]
    untrained = []
    for seed in range(options.seeds):
        training.set_seed(seed)
        untrained.append(models.denoiser_encoder_decoder(**kwargs))

    start = time.perf_counter()
    rows = []
    header = (
        f"{'split':10s} {'frame':32s} {'layer':14s} {'edge corr.':>10s} {'untrained':>15s}"
        f" {'roughness':>9s} {'smoothest untrained':>19s} {'margin':>6s}"
    )
    print(header)
    for split, names in (("validation", photos.VALIDATION_PHOTOS), ("test", photos.TEST_PHOTOS)):
        for label, noisy, clean in frames_of(names):
            edges = filters.sobel(clean.mean(axis=-1))
            for comparison in structure.compare_with_untrained(
                reference, untrained, noisy, layers, edges
            ):
                ours, theirs = comparison.trained, comparison.untrained
                correlations = [m.edge_correlation for m in theirs]
                row = {
                    "split": split,
                    "frame": label,
                    "layer": comparison.layer,
                    "edge_correlation": round(ours.edge_correlation, 4),
                    "untrained_edge_correlation": [round(c, 4) for c in correlations],
                    "edge_placement": comparison.edge_placement,
                    "roughness": round(ours.roughness, 3),
                    "untrained_roughness": [round(m.roughness, 3) for m in theirs],
                    "roughness_margin": round(comparison.roughness_margin, 3),
                }
                rows.append(row)
                print(
                    f"{split:10s} {label:32s} {comparison.layer:14s} {ours.edge_correlation:10.3f}"
                    f" {min(correlations):6.3f}..{max(correlations):6.3f}"
                    f" {ours.roughness:9.1f} {min(m.roughness for m in theirs):19.1f}"
                    f" {row['roughness_margin']:6.1f}",
                    flush=True,
                )
    summary = {}
    for split in ("validation", "test"):
        chosen = [row for row in rows if row["split"] == split]
        above, within, below = (
            sum(r["edge_placement"] == place for r in chosen)
            for place in ("above", "within", "below")
        )
        summary[split] = {
            "cases": len(chosen),
            "edge_correlation_above_every_untrained": above,
            "edge_correlation_within_untrained_range": within,
            "edge_correlation_below_every_untrained": below,
            "untrained_edge_correlation_range": [
                min(min(r["untrained_edge_correlation"]) for r in chosen),
                max(max(r["untrained_edge_correlation"]) for r in chosen),
            ],
            "smallest_roughness_margin": min(r["roughness_margin"] for r in chosen),
        }
        facts = summary[split]
        print(
            f"{split}: {facts['cases']} cases (frame x layer); the reference's edge correlation is"
            f" above every untrained model's in {above}, within their range in {within},"
            f" below in {below};"
            f" untrained edge correlations span {facts['untrained_edge_correlation_range'][0]:+.3f}"
            f" to {facts['untrained_edge_correlation_range'][1]:+.3f}; smallest roughness margin"
            f" {facts['smallest_roughness_margin']:+.1f}"
        )
    result = {
        "command": "python benchmarks/projection_structure.py" + f" --seeds {options.seeds}",
        "untrained_seeds": options.seeds,
        "layers": layers,
        "seconds": round(time.perf_counter() - start, 1),
        "summary": summary,
        "rows": rows,
        "machine": _common.machine_info(),
    }
    output = options.output or _common.RESULTS / "projection_structure.json"
    with open(output, "w") as file:
        file.write(json.dumps(result, indent=1) + "\n")
    print(f"written to {output}")


if __name__ == "__main__":
    main()
