package org.jvicreg.vicreg.data;

/**
 * Which half of a dataset to read. File names per format: IDX {@code train-*} / {@code t10k-*};
 * CIFAR-10 {@code data_batch_1..5.bin} / {@code test_batch.bin}; CIFAR-100 {@code train.bin} /
 * {@code test.bin}; image folders {@code train/} / {@code test/} (or {@code val/}).
 */
public enum Split {
    TRAIN, TEST;

    /** {@code train} or {@code test} (also accepts {@code t10k}, {@code val}), case-insensitive. */
    public static Split parse(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "train" -> TRAIN;
            case "test", "t10k", "val" -> TEST;
            default -> throw new IllegalArgumentException("unknown split '" + name + "' (expected train or test)");
        };
    }

    @Override
    public String toString() {
        return this == TRAIN ? "train" : "test";
    }
}
