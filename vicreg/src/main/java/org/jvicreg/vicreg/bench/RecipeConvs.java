package org.jvicreg.vicreg.bench;

import java.util.List;

/**
 * Every distinct convolution of recipe R's network (ResNet-18 width 16, small-image stem, 1 x 28 x 28
 * input), with how many times the shape occurs per view. bench/pytorch/recipe_layers.py lists the same.
 */
public final class RecipeConvs {
    private RecipeConvs() {}

    public static final List<ResNet50Convs.Layer> ALL = List.of(
            new ResNet50Convs.Layer("conv1", 1, 16, 28, 3, 1, 1, 1),
            new ResNet50Convs.Layer("layer1.0.conv1", 16, 16, 28, 3, 1, 1, 4),
            new ResNet50Convs.Layer("layer2.0.conv1", 16, 32, 28, 3, 2, 1, 1),
            new ResNet50Convs.Layer("layer2.0.conv2", 32, 32, 14, 3, 1, 1, 3),
            new ResNet50Convs.Layer("layer2.0.downsample", 16, 32, 28, 1, 2, 0, 1),
            new ResNet50Convs.Layer("layer3.0.conv1", 32, 64, 14, 3, 2, 1, 1),
            new ResNet50Convs.Layer("layer3.0.conv2", 64, 64, 7, 3, 1, 1, 3),
            new ResNet50Convs.Layer("layer3.0.downsample", 32, 64, 14, 1, 2, 0, 1),
            new ResNet50Convs.Layer("layer4.0.conv1", 64, 128, 7, 3, 2, 1, 1),
            new ResNet50Convs.Layer("layer4.0.conv2", 128, 128, 4, 3, 1, 1, 3),
            new ResNet50Convs.Layer("layer4.0.downsample", 64, 128, 7, 1, 2, 0, 1));

    public static ResNet50Convs.Layer byName(String name) {
        return ALL.stream().filter(l -> l.name().equals(name)).findFirst().orElse(null);
    }
}
