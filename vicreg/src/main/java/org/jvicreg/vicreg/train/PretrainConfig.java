package org.jvicreg.vicreg.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything that defines a pre-training run; saved as RUN_DIR/config.json so probes and --resume see
 * exactly what was trained. Defaults follow the official recipe where it applies to small data (LARS
 * momentum 0.9, eta 0.001, weight decay 1e-6; coefficients 25/25/1; cosine to 0.001 x base).
 */
public record PretrainConfig(
        String dataset, String dataDir, int limit,
        String arch, int width, boolean smallStem,
        String mlp, int batch, int epochs, double baseLr, double warmupFraction, double weightDecay,
        String loss, double sim, double std, double cov, double lambd, double temperature,
        long seed, int logEvery, int workers) {

    public PretrainConfig {
        if (batch < 2) throw new IllegalArgumentException("batch must be at least 2 (VICReg's variance uses N - 1), got " + batch);
        if (epochs < 1) throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
        if (!(baseLr > 0)) throw new IllegalArgumentException("base learning rate must be positive, got " + baseLr);
        if (warmupFraction < 0 || warmupFraction > 1) throw new IllegalArgumentException("warm-up fraction must be in [0, 1], got " + warmupFraction);
        if (width < 1) throw new IllegalArgumentException("width must be positive, got " + width);
        if (logEvery < 1) throw new IllegalArgumentException("log interval must be positive, got " + logEvery);
        if (sim < 0 || std < 0 || cov < 0) throw new IllegalArgumentException("loss coefficients must be non-negative");
        if (!java.util.List.of("vicreg", "barlow", "simclr").contains(loss)) {
            throw new IllegalArgumentException("unknown loss '" + loss + "' (expected vicreg, barlow or simclr)");
        }
        if (!(lambd >= 0)) throw new IllegalArgumentException("Barlow Twins lambda must be >= 0, got " + lambd);
        if (!(temperature > 0)) throw new IllegalArgumentException("temperature must be positive, got " + temperature);
    }

    /** The names of the keys written to config.json, in order. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dataset", dataset);
        m.put("data_dir", dataDir);
        m.put("limit", (long) limit);
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
        m.put("seed", seed);
        m.put("log_every", (long) logEvery);
        m.put("workers", (long) workers);
        return m;
    }

    public static PretrainConfig fromMap(Map<?, ?> m) {
        try {
            return new PretrainConfig(
                    (String) m.get("dataset"), (String) m.get("data_dir"), num(m, "limit").intValue(),
                    (String) m.get("arch"), num(m, "width").intValue(), (Boolean) m.get("small_stem"),
                    (String) m.get("mlp"), num(m, "batch").intValue(), num(m, "epochs").intValue(),
                    num(m, "base_lr").doubleValue(), num(m, "warmup_fraction").doubleValue(), num(m, "weight_decay").doubleValue(),
                    m.get("loss") == null ? "vicreg" : (String) m.get("loss"),
                    num(m, "sim").doubleValue(), num(m, "std").doubleValue(), num(m, "cov").doubleValue(),
                    m.get("lambd") == null ? 0.0051 : num(m, "lambd").doubleValue(),
                    m.get("temperature") == null ? 0.2 : num(m, "temperature").doubleValue(),
                    num(m, "seed").longValue(), num(m, "log_every").intValue(), num(m, "workers").intValue());
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException("config.json is incomplete or has a value of the wrong type: " + e.getMessage());
        }
    }

    private static Number num(Map<?, ?> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number n)) throw new IllegalArgumentException("config.json: '" + key + "' is missing or not a number");
        return n;
    }

    /** The objective this run trains with. */
    public org.jvicreg.vicreg.loss.SslLoss objective() {
        return org.jvicreg.vicreg.loss.SslLoss.of(loss, sim, std, cov, lambd, temperature);
    }

    /** The learning rate the schedule peaks at: base_lr x batch / 256. */
    public double peakLr() {
        return baseLr * batch / 256.0;
    }
}
