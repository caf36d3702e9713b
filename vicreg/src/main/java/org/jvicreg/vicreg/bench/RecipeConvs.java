package org.jvicreg.vicreg.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Every distinct convolution of recipe R's network (ResNet-18 width 16, small-image stem, 1 x 28 x 28
 * input), with how many times the shape occurs per view. bench/pytorch/recipe_layers.py lists the same.
 */
public final class RecipeConvs {
    private RecipeConvs() {}

    /** The shapes at recipe R's 28 x 28 input. */
    public static final List<ResNet50Convs.Layer> ALL = forSize(28);

    /**
     * The shapes for a size x size input: the 3x3 stride-1 stem (its input gradient is never needed), then
     * four stages of 16, 32, 64, 128 channels, each a (strided) 3x3, three more 3x3 and, where the stage
     * changes the shape, a 1x1 downsample.
     */
    public static List<ResNet50Convs.Layer> forSize(int size) {
        List<ResNet50Convs.Layer> out = new ArrayList<>();
        out.add(new ResNet50Convs.Layer("conv1", 1, 16, size, 3, 1, 1, 1));
        int hw = size, in = 16;
        for (int stage = 0; stage < 4; stage++) {
            int channels = 16 << stage, stride = stage == 0 ? 1 : 2, name = stage + 1;
            boolean down = stride != 1 || in != channels;
            // the first 3x3 of the first stage has the shape of the other three: one entry, four of them
            out.add(new ResNet50Convs.Layer("layer" + name + ".0.conv1", in, channels, hw, 3, stride, 1, down ? 1 : 4));
            int next = (hw + 2 - 3) / stride + 1;
            if (down) {
                out.add(new ResNet50Convs.Layer("layer" + name + ".0.conv2", channels, channels, next, 3, 1, 1, 3));
                out.add(new ResNet50Convs.Layer("layer" + name + ".0.downsample", in, channels, hw, 1, stride, 0, 1));
            }
            hw = next;
            in = channels;
        }
        return List.copyOf(out);
    }

    public static ResNet50Convs.Layer byName(String name) {
        return ALL.stream().filter(l -> l.name().equals(name)).findFirst().orElse(null);
    }
}
