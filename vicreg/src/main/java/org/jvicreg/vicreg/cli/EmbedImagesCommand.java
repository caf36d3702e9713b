package org.jvicreg.vicreg.cli;

import org.jvicreg.engine.Device;
import org.jvicreg.engine.Tensor;
import org.jvicreg.engine.io.Json;
import org.jvicreg.engine.io.Npy;
import org.jvicreg.vicreg.data.ImageDecoding;
import org.jvicreg.vicreg.embed.Encoder;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** {@code vicreg embed-images}: the features of every image under a folder, through {@link Encoder}. */
public final class EmbedImagesCommand implements Command {
    @Override
    public String name() {
        return "embed-images";
    }

    @Override
    public String summary() {
        return "embed every image under a folder with weights from a .pth, .safetensors or run directory";
    }

    @Override
    public String help() {
        return """
                usage: vicreg embed-images --weights W --images DIR --out F.npy [options]

                Embeds every image file under DIR (recursively: .png, .jpg, .jpeg, .bmp, .gif, not hidden) with
                the backbone in W: a PyTorch file written by torch.save (a state dict, or a training checkpoint
                whose model holds module.backbone.* weights), a safetensors file with torchvision's names, or
                a pretrain run directory. The architecture is read from the weights. Bare weights use
                torchvision's ImageNet evaluation transform (Resize 256, CenterCrop 224, ImageNet mean/std);
                a run directory its own training preprocessing.
                Writes the features as an (N, F) float32 .npy, rows in the lexicographic order of the images'
                paths relative to DIR, and those paths, one a line, to F.txt beside it (both or neither).
                Files that cannot be decoded, or hold more than 2^25 pixels, are named on stderr and skipped,
                with a count at the end.
                Prints, last, a JSON line with the counts and the shape.

                options:
                  --weights W          .pth, .safetensors or run directory (required)
                  --images DIR         folder of images (required)
                  --out F.npy          features (required); the paths go to F.txt
                  --batch B            images per call of the encoder (default 32)
                  --device D           cpu | cuda (default cpu)
                """;
    }

    @Override
    public int run(Args a) throws Exception {
        Path weights = a.requirePath("weights"), dir = a.requirePath("images"), out = a.requirePath("out");
        int batch = a.positiveInteger("batch", 32);
        String deviceName = a.device();
        a.finish();
        String name = out.getFileName().toString();
        Path list = out.resolveSibling((name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name) + ".txt");
        if (!Files.exists(weights)) throw new UsageException("--weights " + weights + ": no such file or directory");
        if (!Files.isDirectory(dir)) throw new UsageException("--images " + dir + ": not a directory");
        OutputFiles.checkTarget("out", out);
        OutputFiles.checkTarget("out", list);
        List<Path> files = imageFiles(dir);
        if (files.isEmpty()) throw new UsageException("--images " + dir + ": no .png, .jpg, .jpeg, .bmp or .gif files under it");

        try (Encoder enc = Encoder.load(weights, Encoder.Options.defaults().withDevice(Device.of(deviceName)))) {
            System.err.println("embed-images: " + enc.describe());
            List<String> names = new ArrayList<>();
            List<float[]> rows = new ArrayList<>();
            int skipped = 0;
            List<BufferedImage> pending = new ArrayList<>();
            List<String> pendingNames = new ArrayList<>();
            for (int i = 0; i < files.size(); i++) {
                Path f = files.get(i);
                try {
                    pending.add(ImageDecoding.read(f, ImageDecoding.MAX_PIXELS));
                    pendingNames.add(dir.relativize(f).toString());
                } catch (IOException e) {
                    System.err.println("\nembed-images: skipped " + e.getMessage());
                    skipped++;
                }
                if (pending.size() == batch || i == files.size() - 1) {
                    if (!pending.isEmpty()) {
                        for (float[] r : enc.embed(pending)) rows.add(r);
                        names.addAll(pendingNames);
                    }
                    pending.clear();
                    pendingNames.clear();
                    System.err.printf("\rembed-images: %d/%d files", i + 1, files.size());
                }
            }
            System.err.println();
            if (rows.isEmpty()) throw new IOException("--images " + dir + ": none of its " + files.size() + " image files could be decoded");
            int dim = enc.dimension();
            float[] all = new float[Math.multiplyExact(rows.size(), dim)];
            for (int i = 0; i < rows.size(); i++) System.arraycopy(rows.get(i), 0, all, i * dim, dim);
            try (OutputFiles outputs = new OutputFiles()) { // both files or neither
                outputs.write(out, file -> Npy.write(file, Tensor.of(all, rows.size(), dim)));
                outputs.write(list, file -> Files.write(file, names, StandardCharsets.UTF_8));
                outputs.commit();
            }
            if (skipped > 0) System.err.println("embed-images: " + skipped + " of " + files.size() + " files could not be decoded and were skipped");
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("features", out.toString());
            r.put("paths", list.toString());
            r.put("n", (long) rows.size());
            r.put("dim", (long) dim);
            r.put("skipped", (long) skipped);
            System.out.println(Json.write(r));
        }
        return 0;
    }

    /** The image files under dir (as ImageDecoding takes them), in the lexicographic order of their paths relative to dir. */
    static List<Path> imageFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(ImageDecoding::isImageFile).sorted((x, y) -> dir.relativize(x).toString().compareTo(dir.relativize(y).toString())).toList();
        }
    }
}
