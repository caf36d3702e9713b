/**
 * Datasets and the training / evaluation loaders.
 *
 * <h2>Readers</h2>
 * Every reader gives an {@link org.jvicreg.vicreg.data.ImageDataset}: images as CHW floats in [0, 1],
 * labels in {@code 0 .. numClasses - 1}; {@code limit(n)} is the {@code --limit N} subset.
 * {@link org.jvicreg.vicreg.data.Datasets#open} picks one by name; the expected files are:
 * <table>
 *   <caption>Layouts</caption>
 *   <tr><th>name</th><th>train split</th><th>test split</th></tr>
 *   <tr><td>fashion-mnist, mnist</td><td>DIR/train-images-idx3-ubyte[.gz], DIR/train-labels-idx1-ubyte[.gz]</td>
 *       <td>DIR/t10k-images-idx3-ubyte[.gz], DIR/t10k-labels-idx1-ubyte[.gz]</td></tr>
 *   <tr><td>cifar10</td><td>DIR[/cifar-10-batches-bin]/data_batch_1.bin .. data_batch_5.bin</td>
 *       <td>DIR[/cifar-10-batches-bin]/test_batch.bin</td></tr>
 *   <tr><td>cifar100</td><td>DIR[/cifar-100-binary]/train.bin (fine labels)</td><td>DIR[/cifar-100-binary]/test.bin</td></tr>
 *   <tr><td>folder</td><td>DIR/train/CLASS/*.png|jpg|jpeg|bmp|gif</td><td>DIR/test/CLASS/... or DIR/val/CLASS/...</td></tr>
 * </table>
 * IDX and CIFAR are decoded into memory as bytes at open time; folders are listed at open time and
 * decoded (resized, converted to the configured channels) on the loader's workers. Errors are
 * {@link java.io.IOException}s naming the file and the record ("train-images-idx3-ubyte.gz: truncated at
 * image 5123 of 60000", "bad magic", "has 12 images but ... has 11 labels") or what layout was expected.
 *
 * <h2>Loaders</h2>
 * {@link org.jvicreg.vicreg.data.TwoViewLoader} makes the two augmented views per image on worker
 * threads with a bounded queue; {@link org.jvicreg.vicreg.data.EvalBatches} is the plain normalised pass
 * for probes. {@link org.jvicreg.vicreg.data.AugmentPreview} writes the image / view 1 / view 2 PNG grid.
 */
package org.jvicreg.vicreg.data;
