package org.jvicreg.vicreg.train;

import org.jvicreg.vicreg.augment.AugmentConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything that defines a pre-training run; saved as RUN_DIR/config.json so probes and --resume see
 * exactly what was trained. Defaults follow the official recipe where it applies to small data (LARS
 * momentum 0.9, eta 0.001, weight decay 1e-6; coefficients 25/25/1; cosine to 0.001 x base).
 *
 * @param predictorHidden BYOL's predictor hidden width (config.json's "predictor_hidden", written for BYOL runs)
 * @param byolMomentum    BYOL's base target decay, rising to 1 on a cosine ("byol_momentum", BYOL runs)
 * @param augment the augmentation the run trains with (config.json's "augment", {@link AugmentJson}); null
 *                when not recorded (runs made before it was): the dataset's preset
 * @param holdout the last training images set aside for validation: neither pre-training nor probe
 *                training sees them, and the probes of the run are evaluated on them (0: none, the test split)
 */
public record PretrainConfig(
        String dataset, String dataDir, int limit,
        String arch, int width, boolean smallStem,
        String mlp, int batch, int epochs, double baseLr, double warmupFraction, double weightDecay,
        String loss, double sim, double std, double cov, double lambd, double temperature,
        int predictorHidden, double byolMomentum,
        long seed, int logEvery, int workers,
        AugmentConfig augment, int holdout) {

    /** The losses a run trains with. */
    public static final java.util.List<String> LOSSES = java.util.List.of("vicreg", "barlow", "simclr", "byol");
    /** BYOL's base target decay in the paper. */
    public static final double BYOL_MOMENTUM = 0.996;

    /**
     * A run with the dataset's preset augmentation, no held-out images and BYOL's defaults (predictor hidden width
     * the first of {@code mlp}, base target decay 0.996).
     */
    public PretrainConfig(String dataset, String dataDir, int limit, String arch, int width, boolean smallStem,
                          String mlp, int batch, int epochs, double baseLr, double warmupFraction, double weightDecay,
                          String loss, double sim, double std, double cov, double lambd, double temperature,
                          long seed, int logEvery, int workers) {
        this(dataset, dataDir, limit, arch, width, smallStem, mlp, batch, epochs, baseLr, warmupFraction, weightDecay,
                loss, sim, std, cov, lambd, temperature, defaultPredictorHidden(mlp), BYOL_MOMENTUM, seed, logEvery, workers,
                null, 0);
    }

    /**
     * The base learning rate a run gets when none is given: 4.8 for VICReg on Fashion-MNIST, the best of 0.3-19.2
     * on a validation split (bench/RESULTS.md, "The best hour": 85.9% held-out linear accuracy against 80.8% at
     * 0.3 in a 2-epoch run, 87.0% against 84.3% in recipe R's 5 epochs); 0.3 for every other dataset and loss,
     * where no choice was measured.
     */
    public static double defaultBaseLr(String dataset, String loss) {
        return dataset.equals("fashion-mnist") && loss.equals("vicreg") ? 4.8 : 0.3;
    }

    /** BYOL's predictor hidden width unless given: the expander's first width. */
    public static int defaultPredictorHidden(String mlp) {
        return org.jvicreg.vicreg.model.Expander.parse(mlp)[0];
    }

    public PretrainConfig {
        if (batch < 2) throw new IllegalArgumentException("batch must be at least 2 (VICReg's variance uses N - 1), got " + batch);
        if (epochs < 1) throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
        if (!(baseLr > 0)) throw new IllegalArgumentException("base learning rate must be positive, got " + baseLr);
        if (warmupFraction < 0 || warmupFraction > 1) throw new IllegalArgumentException("warm-up fraction must be in [0, 1], got " + warmupFraction);
        if (width < 1) throw new IllegalArgumentException("width must be positive, got " + width);
        if (logEvery < 1) throw new IllegalArgumentException("log interval must be positive, got " + logEvery);
        if (sim < 0 || std < 0 || cov < 0) throw new IllegalArgumentException("loss coefficients must be non-negative");
        if (!LOSSES.contains(loss)) {
            throw new IllegalArgumentException("unknown loss '" + loss + "' (expected vicreg, barlow, simclr or byol)");
        }
        if (!(lambd >= 0)) throw new IllegalArgumentException("Barlow Twins lambda must be >= 0, got " + lambd);
        if (!(temperature > 0)) throw new IllegalArgumentException("temperature must be positive, got " + temperature);
        if (predictorHidden < 1) throw new IllegalArgumentException("BYOL predictor hidden width must be positive, got " + predictorHidden);
        if (!(byolMomentum >= 0 && byolMomentum <= 1)) {
            throw new IllegalArgumentException("BYOL momentum must be in [0, 1], got " + byolMomentum);
        }
        if (holdout < 0) throw new IllegalArgumentException("held-out images must be 0 or more, got " + holdout);
    }

    /** The same run with the augmentation it trains with recorded. */
    public PretrainConfig withAugment(AugmentConfig value) {
        return new PretrainConfig(dataset, dataDir, limit, arch, width, smallStem, mlp, batch, epochs, baseLr, warmupFraction,
                weightDecay, loss, sim, std, cov, lambd, temperature, predictorHidden, byolMomentum, seed, logEvery, workers, value,
                holdout);
    }

    /** The names of the keys written to config.json, in order. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dataset", dataset);
        m.put("data_dir", dataDir);
        m.put("limit", (long) limit);
        m.put("holdout", (long) holdout);
        m.put("arch", arch);
        m.put("width", (long) width);
        m.put("small_stem", smallStem);
        m.put("mlp", mlp);
        m.put("batch", (long) batch);
        m.put("epochs", (long) epochs);
        m.put("base_lr", baseLr);
        m.put("warmup_fraction", warmupFraction);
        m.put("weight_decay", weightDecay);
        m.put("loss", loss);
        m.put("sim", sim);
        m.put("std", std);
        m.put("cov", cov);
        m.put("lambd", lambd);
        m.put("temperature", temperature);
        if (byol()) {
            m.put("predictor_hidden", (long) predictorHidden);
            m.put("byol_momentum", byolMomentum);
        }
        m.put("seed", seed);
        m.put("log_every", (long) logEvery);
        m.put("workers", (long) workers);
        if (augment != null) m.put(AugmentJson.KEY, AugmentJson.toMap(augment));
        return m;
    }

    /**
     * The config a config.json object describes. Every field is checked for presence and type, and the
     * words for what they are ("augment" and "holdout" may be missing: runs made before them); an error is
     * an IllegalArgumentException naming the field ("field 'batch' ...").
     */
    public static PretrainConfig fromMap(Map<?, ?> m) {
        String dataset = oneOf(m, "dataset", org.jvicreg.vicreg.data.Datasets.NAMES);
        String arch = oneOf(m, "arch", org.jvicreg.vicreg.model.ResNet.ARCHITECTURES);
        String mlp = string(m, "mlp", null);
        try {
            org.jvicreg.vicreg.model.Expander.parse(mlp);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("field 'mlp': " + e.getMessage());
        }
        if (!(m.get("small_stem") instanceof Boolean smallStem)) throw new IllegalArgumentException(field(m, "small_stem", "true or false"));
        try {
            return new PretrainConfig(dataset, string(m, "data_dir", null), whole(m, "limit"),
                    arch, whole(m, "width"), smallStem,
                    mlp, whole(m, "batch"), whole(m, "epochs"),
                    real(m, "base_lr", null), real(m, "warmup_fraction", null), real(m, "weight_decay", null),
                    string(m, "loss", "vicreg"),
                    real(m, "sim", null), real(m, "std", null), real(m, "cov", null),
                    real(m, "lambd", 0.0051), real(m, "temperature", 0.2),
                    m.containsKey("predictor_hidden") ? whole(m, "predictor_hidden") : defaultPredictorHidden(mlp),
                    real(m, "byol_momentum", BYOL_MOMENTUM),
                    wholeLong(m, "seed"), whole(m, "log_every"), whole(m, "workers"),
                    m.containsKey(AugmentJson.KEY) ? AugmentJson.fromMap(m) : null, m.containsKey("holdout") ? whole(m, "holdout") : 0);
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith("field '") ? e : new IllegalArgumentException("invalid run config: " + e.getMessage(), e);
        }
    }

    /** "field 'k' is missing (expected ...)" or "field 'k' must be ..., got ...". */
    static String field(Map<?, ?> m, String key, String expected) {
        if (!m.containsKey(key)) return "field '" + key + "' is missing (expected " + expected + ")";
        Object v = m.get(key);
        String got = v == null ? "null" : v instanceof String str ? "\"" + str + "\"" : v instanceof Map ? "an object"
                : v instanceof java.util.List ? "an array" : String.valueOf(v);
        return "field '" + key + "' must be " + expected + ", got " + (got.length() > 40 ? got.substring(0, 40) + "..." : got);
    }

    static String string(Map<?, ?> m, String key, String def) {
        if (def != null && !m.containsKey(key)) return def;
        if (!(m.get(key) instanceof String v)) throw new IllegalArgumentException(field(m, key, "a string"));
        return v;
    }

    private static String oneOf(Map<?, ?> m, String key, java.util.List<String> allowed) {
        String v = string(m, key, null);
        if (!allowed.contains(v)) throw new IllegalArgumentException(field(m, key, "one of " + String.join(", ", allowed)));
        return v;
    }

    static double real(Map<?, ?> m, String key, Double def) {
        if (def != null && !m.containsKey(key)) return def;
        if (!(m.get(key) instanceof Number n) || !Double.isFinite(n.doubleValue())) throw new IllegalArgumentException(field(m, key, "a number"));
        return n.doubleValue();
    }

    private static long wholeLong(Map<?, ?> m, String key) {
        Object v = m.get(key);
        if (v instanceof Long || v instanceof Integer) return ((Number) v).longValue();
        throw new IllegalArgumentException(field(m, key, "a whole number"));
    }

    static int whole(Map<?, ?> m, String key) {
        long v = wholeLong(m, key);
        if (v < 0 || v > Integer.MAX_VALUE) throw new IllegalArgumentException(field(m, key, "a whole number from 0 to " + Integer.MAX_VALUE));
        return (int) v;
    }

    /** Whether the run trains with BYOL (an online and a target network) rather than a loss on two embeddings. */
    public boolean byol() {
        return loss.equals("byol");
    }

    /** The objective on two embeddings this run trains with (not for BYOL: {@link #byol()}). */
    public org.jvicreg.vicreg.loss.SslLoss objective() {
        if (byol()) throw new IllegalStateException("BYOL is not a loss on two embeddings; see Pretrainer");
        return org.jvicreg.vicreg.loss.SslLoss.of(loss, sim, std, cov, lambd, temperature);
    }

    /** The learning rate the schedule peaks at: base_lr x batch / 256. */
    public double peakLr() {
        return baseLr * batch / 256.0;
    }
}
