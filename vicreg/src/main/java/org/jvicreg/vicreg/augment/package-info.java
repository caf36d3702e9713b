/**
 * VICReg's image augmentations on CHW float arrays in [0, 1], with the semantics of torchvision 0.14's
 * tensor functions (checked against fixtures it produced) except the default Gaussian blur, which reproduces
 * PIL's {@code GaussianBlur(radius=sigma)} as the official VICReg code calls it; a view may instead blur
 * with torchvision's sampled k x k kernel ({@link org.jvicreg.vicreg.augment.SampledGaussianBlur}).
 *
 * <p>Pieces: the deterministic ops ({@link org.jvicreg.vicreg.augment.ResizedCrop},
 * {@link org.jvicreg.vicreg.augment.Flip}, {@link org.jvicreg.vicreg.augment.ColorAdjust},
 * {@link org.jvicreg.vicreg.augment.GaussianBlur}, {@link org.jvicreg.vicreg.augment.SampledGaussianBlur}, {@link org.jvicreg.vicreg.augment.Solarize},
 * {@link org.jvicreg.vicreg.augment.Normalization}); the random decisions of a view
 * ({@link org.jvicreg.vicreg.augment.ViewParams}, drawn from an {@link org.jvicreg.engine.Rng} that
 * {@link org.jvicreg.vicreg.augment.SampleRng} derives from (seed, epoch, sample index)); the recipe
 * ({@link org.jvicreg.vicreg.augment.ViewConfig} per view, {@link org.jvicreg.vicreg.augment.AugmentConfig}
 * with presets); and {@link org.jvicreg.vicreg.augment.ViewAugmenter}, which puts them together.
 *
 * <p>Differences from the official pipeline, which runs on uint8 PIL images: we stay in float between
 * steps (no rounding to 256 levels after each op), greyscale uses torchvision's tensor weights
 * (0.2989, 0.587, 0.114) rather than PIL's (0.299, 0.587, 0.114), and solarization thresholds at 0.5
 * rather than 128/255.
 */
package org.jvicreg.vicreg.augment;
