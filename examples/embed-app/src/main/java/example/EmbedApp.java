package example;

import org.jvicreg.vicreg.embed.Encoder;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Embeds every PNG or JPEG in a folder with a ResNet's weights and prints each image's nearest neighbour by
 * cosine similarity. Usage: EmbedApp WEIGHTS(.pth|.safetensors|run dir) IMAGE_FOLDER
 */
public final class EmbedApp {
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: EmbedApp WEIGHTS IMAGE_FOLDER");
            System.exit(2);
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of(args[1]))) {
            files = s.filter(p -> p.toString().matches("(?i).*\\.(png|jpe?g)")).sorted().toList();
        }
        List<BufferedImage> images = new ArrayList<>();
        for (Path f : files) images.add(ImageIO.read(f.toFile()));

        try (Encoder enc = Encoder.load(Path.of(args[0]))) {
            System.out.println("loaded " + enc.describe());
            float[][] features = enc.embed(images);
            for (int i = 0; i < files.size(); i++) {
                int best = -1;
                double bestSim = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < files.size(); j++) {
                    double sim = j == i ? Double.NEGATIVE_INFINITY : cosine(features[i], features[j]);
                    if (sim > bestSim) {
                        bestSim = sim;
                        best = j;
                    }
                }
                System.out.printf("%s -> %s (cosine %.4f)%n", files.get(i).getFileName(),
                        best < 0 ? "-" : files.get(best).getFileName(), bestSim);
            }
        }
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
